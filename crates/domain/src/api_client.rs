//! API clients: the partner tools that call the JSON API with a bearer credential
//! `client-id:client-secret`, each with the scopes an administrator granted, and the rate limit of
//! their calls (a fixed window per client, counted by the store).

/// What an API client may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ApiScope {
    /// Read the directory: places, structures, offers (`/api/coop/v1/structures`, `/lieux-activite`).
    DirectoryRead,
    /// Read the masked indicators and the territory diagnostic.
    IndicatorsRead,
    /// Read the activities recorded (sessions, as La Coop's CRA) and the mediators who recorded them.
    ActivitiesRead,
    /// Enrol and diagnose people, for the client's structure.
    PeopleWrite,
    /// Send and move referrals, record sessions and closings, for the client's structure.
    ReferralsWrite,
    /// Check and redeem vouchers at the client's place, in the name of one of its professionals.
    VouchersRedeem,
}

impl ApiScope {
    pub const ALL: [ApiScope; 6] = [
        ApiScope::DirectoryRead,
        ApiScope::IndicatorsRead,
        ApiScope::ActivitiesRead,
        ApiScope::PeopleWrite,
        ApiScope::ReferralsWrite,
        ApiScope::VouchersRedeem,
    ];

    /// The scope as the command line and the store write it.
    pub fn code(self) -> &'static str {
        match self {
            ApiScope::DirectoryRead => "directory:read",
            ApiScope::IndicatorsRead => "indicators:read",
            ApiScope::ActivitiesRead => "activities:read",
            ApiScope::PeopleWrite => "people:write",
            ApiScope::ReferralsWrite => "referrals:write",
            ApiScope::VouchersRedeem => "vouchers:redeem",
        }
    }

    pub fn from_code(code: &str) -> Option<ApiScope> {
        ApiScope::ALL.into_iter().find(|scope| scope.code() == code)
    }

    /// What the scope allows, in French.
    pub fn label(self) -> &'static str {
        match self {
            ApiScope::DirectoryRead => "lire l'annuaire",
            ApiScope::IndicatorsRead => "lire les indicateurs (masqués)",
            ApiScope::ActivitiesRead => "lire les activités et les médiateurs qui les ont saisies",
            ApiScope::PeopleWrite => "inscrire et diagnostiquer des personnes pour sa structure",
            ApiScope::ReferralsWrite => "envoyer et suivre des orientations pour sa structure",
            ApiScope::VouchersRedeem => {
                "vérifier et encaisser des chèques numériques pour son lieu"
            }
        }
    }

    /// Whether the scope writes for one structure, in the name of one of its professionals (and so
    /// needs their account).
    pub fn needs_account(self) -> bool {
        matches!(
            self,
            ApiScope::PeopleWrite | ApiScope::ReferralsWrite | ApiScope::VouchersRedeem
        )
    }
}

/// Why scopes given on the command line are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("portée « {0} » inconnue : directory:read, indicators:read, activities:read, people:write, referrals:write ou vouchers:redeem")]
    Unknown(String),
    #[error("au moins une portée est nécessaire (--scope)")]
    None,
    #[error("la portée « {0} » agit au nom d'un professionnel de sa structure : indiquez son compte (--account)")]
    NeedsAccount(&'static str),
}

/// The scopes read from `directory:read,people:write` (commas or repeated options), checked.
pub fn read_scopes(texts: &[String], has_account: bool) -> Result<Vec<ApiScope>, ScopeError> {
    let mut scopes = Vec::new();
    for code in texts.iter().flat_map(|text| text.split([',', '|', ' '])) {
        let code = code.trim();
        if code.is_empty() {
            continue;
        }
        let scope =
            ApiScope::from_code(code).ok_or_else(|| ScopeError::Unknown(code.to_owned()))?;
        if scope.needs_account() && !has_account {
            return Err(ScopeError::NeedsAccount(scope.code()));
        }
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    scopes.sort();
    if scopes.is_empty() {
        return Err(ScopeError::None);
    }
    Ok(scopes)
}

/// A bearer credential as a client sends it: `client-id:client-secret`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub client_id: String,
    pub secret: String,
}

impl Credential {
    /// Reads the value of an `Authorization` header (`Bearer id:secret`, scheme case-blind).
    pub fn from_header(value: &str) -> Option<Credential> {
        let (scheme, token) = value.trim().split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return None;
        }
        let (client_id, secret) = token.trim().split_once(':')?;
        (!client_id.is_empty() && !secret.is_empty()).then(|| Credential {
            client_id: client_id.to_owned(),
            secret: secret.to_owned(),
        })
    }
}

/// Calls allowed per client within one window.
pub const CALLS_PER_WINDOW: i64 = 600;
/// The rate limit's window, in seconds.
pub const RATE_WINDOW_SECONDS: i64 = 60;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_read_checked_and_deduplicated() {
        let given = vec![
            "people:write,directory:read".to_owned(),
            "directory:read".to_owned(),
        ];
        assert_eq!(
            read_scopes(&given, true),
            Ok(vec![ApiScope::DirectoryRead, ApiScope::PeopleWrite])
        );
        assert_eq!(
            read_scopes(&given, false),
            Err(ScopeError::NeedsAccount("people:write"))
        );
        assert_eq!(
            read_scopes(&["tout".to_owned()], false),
            Err(ScopeError::Unknown("tout".into()))
        );
        assert_eq!(read_scopes(&[], false), Err(ScopeError::None));
    }

    #[test]
    fn a_bearer_credential_is_an_id_and_a_secret() {
        assert_eq!(
            Credential::from_header("Bearer abc:s3cr:et"),
            Some(Credential {
                client_id: "abc".into(),
                secret: "s3cr:et".into()
            })
        );
        assert_eq!(Credential::from_header("Basic abc:def"), None);
        assert_eq!(Credential::from_header("Bearer abc"), None);
        assert_eq!(Credential::from_header("Bearer :def"), None);
    }
}
