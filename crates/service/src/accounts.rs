//! Creating a professional account, the one way both the administrator's page and the command line
//! use: every field checked (with a French message per field), the password hashed with argon2id, the
//! account stored and the creation written to the audit trail, or nothing stored at all.

use crate::credentials::hash_password;
use aiguillage_domain::account::{DisplayName, Email, NewAccount};
use aiguillage_domain::audit::{AuditAction, AuditEvent};
use aiguillage_domain::password::{account_words, check_new_password};
use aiguillage_domain::role::Role;
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_store::{Store, StoreError};

/// The fields of an account request, as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AccountRequest {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub structure_id: String,
    #[serde(default)]
    pub territory: String,
    #[serde(default)]
    pub password: String,
}

/// A French message per field that is wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountFieldErrors {
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub role: Option<String>,
    pub structure_id: Option<String>,
    pub territory: Option<String>,
    pub password: Option<String>,
}

impl AccountFieldErrors {
    pub fn is_empty(&self) -> bool {
        *self == AccountFieldErrors::default()
    }

    /// Each wrong field's form name and message, in field order, for the page's error summary.
    pub fn listed(&self) -> Vec<(&'static str, String)> {
        [
            ("email", &self.email),
            ("display_name", &self.display_name),
            ("role", &self.role),
            ("structure_id", &self.structure_id),
            ("territory", &self.territory),
            ("password", &self.password),
        ]
        .into_iter()
        .filter_map(|(name, message)| message.clone().map(|message| (name, message)))
        .collect()
    }

    /// Every message, in field order, for the command line.
    pub fn messages(&self) -> Vec<String> {
        [
            &self.email,
            &self.display_name,
            &self.role,
            &self.structure_id,
            &self.territory,
            &self.password,
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect()
    }
}

/// Why an account was not created.
#[derive(Debug, thiserror::Error)]
pub enum AccountCreationError {
    #[error("champs invalides")]
    Invalid(AccountFieldErrors),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Hash(String),
}

/// Who asks for the account, for the audit trail.
pub struct Requester<'a> {
    pub account_id: Option<i64>,
    pub reason: &'a str,
}

/// Checks, stores and audits a new account; returns its id.
pub async fn create_account(
    store: &Store,
    request: &AccountRequest,
    requester: Requester<'_>,
    now: i64,
) -> Result<i64, AccountCreationError> {
    let (account, mut errors) = check_fields(store, request).await?;
    let personal_words = account_words(&request.email, &request.display_name);
    if let Err(error) = check_new_password(&request.password, &personal_words) {
        errors.password = Some(error.to_string());
    }
    let account = match account {
        Some(account) if errors.is_empty() => account,
        _ => return Err(AccountCreationError::Invalid(errors)),
    };
    let password = request.password.clone();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AccountCreationError::Hash(e.to_string()))?
        .map_err(|e| AccountCreationError::Hash(e.to_string()))?;
    let id = match store.create_account(&account, &hash, now).await {
        Err(StoreError::Conflict(message)) => {
            return Err(AccountCreationError::Invalid(AccountFieldErrors {
                email: Some(format!("{message}.")),
                ..AccountFieldErrors::default()
            }))
        }
        other => other?,
    };
    let event = AuditEvent {
        actor_account_id: requester.account_id,
        action: AuditAction::Create,
        record_kind: "account".into(),
        record_id: id.to_string(),
        reason: requester.reason.to_owned(),
    };
    store.record_audit(&event, now).await?;
    Ok(id)
}

/// Parses every field but the password; the account is `Some` only when all of them hold.
async fn check_fields(
    store: &Store,
    request: &AccountRequest,
) -> Result<(Option<NewAccount>, AccountFieldErrors), StoreError> {
    let mut errors = AccountFieldErrors::default();
    let email = Email::parse(&request.email)
        .map_err(|e| errors.email = Some(e.to_string()))
        .ok();
    let display_name = DisplayName::parse(&request.display_name)
        .map_err(|e| errors.display_name = Some(e.to_string()))
        .ok();
    let role = request
        .role
        .parse::<Role>()
        .map_err(|_| errors.role = Some("Choisissez un rôle.".into()))
        .ok();
    let mut structure_departement = None;
    let structure_id = match request.structure_id.trim().parse::<i64>() {
        Ok(id) => match store.structure(id).await {
            Ok(structure) => {
                structure_departement = Some(structure.departement_code);
                Some(id)
            }
            Err(StoreError::NotFound(_)) => {
                errors.structure_id = Some("Cette structure n'existe pas.".into());
                None
            }
            Err(other) => return Err(other),
        },
        Err(_) => {
            errors.structure_id = Some("Choisissez la structure du compte.".into());
            None
        }
    };
    let typed = request.territory.trim();
    let territory = match (typed, structure_departement) {
        // Empty: the structure's département.
        ("", Some(departement)) => Some(TerritoryScope::Departement(departement)),
        ("", None) => None,
        (typed, _) => match territory_of(typed) {
            Ok(scope) if store.territory_name(&scope).await?.is_some() => Some(scope),
            Ok(scope) => {
                errors.territory = Some(format!(
                    "Le territoire {} n'existe pas dans le référentiel de l'instance.",
                    scope.code()
                ));
                None
            }
            Err(message) => {
                errors.territory = Some(message);
                None
            }
        },
    };
    let account = match (email, display_name, role, structure_id, territory) {
        (Some(email), Some(display_name), Some(role), Some(structure_id), Some(territory)) => {
            Some(NewAccount {
                email,
                display_name,
                role,
                structure_id,
                territory,
            })
        }
        _ => None,
    };
    Ok((account, errors))
}

/// The territory an administrator typed: a code (département, EPCI's SIREN, `dep:49`), a commune's
/// code or name (its intercommunality, or its département when it has none), or the name of a
/// département or an intercommunality, searched as on the territory page.
fn territory_of(typed: &str) -> Result<TerritoryScope, String> {
    use aiguillage_domain::territory::{is_insee_commune_code, search_key, TerritoryArea};
    if let Ok(scope) = typed.parse::<TerritoryScope>() {
        return Ok(scope);
    }
    let reference = crate::territory_diagnostic::reference()
        .map_err(|_| "Le référentiel des territoires est indisponible.".to_owned())?;
    let commune_scope = |code: &str| {
        reference
            .territory
            .communes
            .iter()
            .find(|c| c.code == code)
            .map(|c| match &c.epci_code {
                Some(epci) => TerritoryScope::Epci(epci.clone()),
                None => TerritoryScope::Departement(c.departement_code.clone()),
            })
    };
    if is_insee_commune_code(typed) {
        return commune_scope(typed).ok_or_else(|| format!("Aucune commune n'a le code {typed}."));
    }
    let found = reference.find(typed, 12);
    let key = search_key(typed);
    let exact: Vec<&(TerritoryArea, String)> = found
        .iter()
        .filter(|(_, name)| search_key(name) == key)
        .collect();
    let chosen: Option<&(TerritoryArea, String)> = match (exact.as_slice(), found.as_slice()) {
        ([one], _) => Some(*one),
        ([], [one]) => Some(one),
        _ => None,
    };
    match chosen.map(|(area, _)| area) {
        Some(TerritoryArea::Departement(code)) => Ok(TerritoryScope::Departement(code.clone())),
        Some(TerritoryArea::Epci(code)) => Ok(TerritoryScope::Epci(code.clone())),
        Some(TerritoryArea::Commune(code)) => {
            commune_scope(code).ok_or_else(|| format!("Aucune commune n'a le code {code}."))
        }
        None if found.is_empty() => Err(format!(
            "Aucun territoire ne s'appelle « {typed} » : indiquez un département, une intercommunalité ou une commune (nom ou code), ou laissez vide pour le département de la structure."
        )),
        None => Err(format!(
            "« {typed} » désigne plusieurs territoires ({}) : précisez.",
            found
                .iter()
                .take(5)
                .map(|(_, name)| name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}
