//! A structure's team: inviting by e-mail (a random token mailed in the background as a link good
//! for 72 hours, only its hash stored; the role among those the inviter may grant), accepting an
//! invitation (a new account sets its name and password under the rules of account creation; an
//! existing account joins once signed in as itself), changing a member's role, removing a member
//! (their sessions end at once), cancelling an invitation, and choosing the structure a session
//! acts for. The store re-checks every scope inside its transactions.

use crate::credentials::{hash_password, random_token, token_hash};
use crate::mail::send_mail;
use crate::state::AppState;
use aiguillage_domain::account::{DisplayName, Email};
use aiguillage_domain::ids::{AccountId, StructureId};
use aiguillage_domain::password::{account_words, check_new_password};
use aiguillage_domain::role::Role;
use aiguillage_domain::team::{may_grant, InvitationState, INVITATION_LIFETIME_SECONDS};
use aiguillage_store::{
    Acceptance, Accepted, InvitationView, NewInvitation, Removed, StoreError, TeamActor,
};

/// A French message per wrong field of a team form (`courriel`, `role`, `nom`, `mot_de_passe`,
/// `confirmation`), in field order.
pub type FieldErrors = Vec<(&'static str, String)>;

/// Why a team change was not made.
#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    #[error("Le formulaire contient des erreurs.")]
    Invalid(FieldErrors),
    /// The record is not the actor's to touch, or does not exist: « not found ».
    #[error("introuvable")]
    NotFound,
    /// A rule of the team refuses the change (already a member, the last manager…).
    #[error("{0}")]
    Refused(String),
    #[error("L'envoi de courriels n'est pas configuré sur cette instance : l'invitation ne peut pas être envoyée. Contactez l'administrateur.")]
    NoMail,
    /// The invitation link no longer works (used, cancelled, expired, unknown).
    #[error("{0}")]
    LinkInvalid(&'static str),
    #[error("hachage impossible : {0}")]
    Hash(String),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for TeamError {
    fn from(error: StoreError) -> TeamError {
        match error {
            StoreError::NotFound(_) | StoreError::OutOfScope(_) => TeamError::NotFound,
            StoreError::Conflict(message) => TeamError::Refused(message),
            other => TeamError::Store(other),
        }
    }
}

/// The message of an unknown link.
const UNKNOWN_LINK: &str = "Ce lien d'invitation n'est pas valable. Vérifiez qu'il est complet, ou demandez une nouvelle invitation.";

/// Reads a role code of a form among those `actor_role` may grant.
fn grantable(actor_role: Role, code: &str, errors: &mut FieldErrors) -> Option<Role> {
    match code.parse::<Role>() {
        Ok(role) if may_grant(actor_role, role) => Some(role),
        _ => {
            errors.push(("role", "Choisissez un rôle dans la liste.".into()));
            None
        }
    }
}

/// Invites `email` to join `structure` with the role of code `role`: the actor (a structure
/// manager for their structure, a coordinator for one of their territory) must be allowed to
/// grant it; the link is mailed in the background. Returns the invitation's id.
pub async fn invite(
    state: &AppState,
    (actor, actor_role): (&TeamActor<'_>, Role),
    structure: StructureId,
    (email, role): (&str, &str),
) -> Result<i64, TeamError> {
    let mut errors = FieldErrors::new();
    let email = match Email::parse(email) {
        Ok(email) => Some(email),
        Err(error) => {
            errors.push(("courriel", error.to_string()));
            None
        }
    };
    let role = grantable(actor_role, role, &mut errors);
    let (Some(email), Some(role)) = (email, role) else {
        return Err(TeamError::Invalid(errors));
    };
    let Some(smtp) = state.settings.smtp.clone() else {
        return Err(TeamError::NoMail);
    };
    let now = state.now();
    let token = random_token();
    let hashed = token_hash(&token);
    let invitation = NewInvitation {
        email: email.as_str(),
        structure_id: structure,
        role,
        token_hash: &hashed,
        expires_at: now + INVITATION_LIFETIME_SECONDS,
    };
    let id = state
        .store
        .create_invitation(actor, &invitation, now)
        .await?;
    let structure_name = state.store.structure(structure.get()).await?.name;
    let link = format!(
        "{}/invitation/{token}",
        state.settings.public_url.trim_end_matches('/')
    );
    let body = format!(
        "Bonjour,\n\nVous êtes invité(e) à rejoindre l'équipe de « {structure_name} » sur Aiguillage, en tant que {}.\n\nOuvrez ce lien dans les 72 heures pour accepter (il ne sert qu'une fois) :\n{link}\n\nSi vous ne vous attendiez pas à cette invitation, ignorez ce message : rien ne sera créé.\n",
        role.label().to_lowercase()
    );
    let to = vec![email.as_str().to_owned()];
    tokio::spawn(async move {
        match send_mail(
            &smtp,
            &to,
            "Aiguillage : invitation à rejoindre une équipe",
            &body,
        )
        .await
        {
            Ok(_) => tracing::info!(invitation = id, "invitation mailed"),
            Err(error) => tracing::warn!(invitation = id, %error, "invitation not mailed"),
        }
    });
    Ok(id)
}

/// The invitation a link names, while it works; why it does not otherwise.
pub async fn open_invitation(state: &AppState, token: &str) -> Result<InvitationView, TeamError> {
    let view = state
        .store
        .invitation_by_token(&token_hash(token), state.now())
        .await?
        .ok_or(TeamError::LinkInvalid(UNKNOWN_LINK))?;
    match view.state.refusal() {
        Some(message) => Err(TeamError::LinkInvalid(message)),
        None => Ok(view),
    }
}

fn link_error(error: TeamError) -> TeamError {
    match error {
        TeamError::NotFound => {
            TeamError::LinkInvalid(InvitationState::Used.refusal().unwrap_or(UNKNOWN_LINK))
        }
        other => other,
    }
}

/// Accepts an invitation for a new account: a name and a password (twice) under the rules of
/// account creation (`domain::password`), hashed with argon2id; the link is spent once.
pub async fn accept_as_new_account(
    state: &AppState,
    token: &str,
    (name, password, confirm): (&str, &str, &str),
    reason: &str,
) -> Result<Accepted, TeamError> {
    let view = open_invitation(state, token).await?;
    if view.existing_account.is_some() {
        return Err(TeamError::Refused(
            "Un compte existe déjà pour cette adresse : connectez-vous pour accepter l'invitation."
                .into(),
        ));
    }
    let mut errors = FieldErrors::new();
    let display_name = match DisplayName::parse(name) {
        Ok(name) => Some(name),
        Err(error) => {
            errors.push(("nom", error.to_string()));
            None
        }
    };
    let words = account_words(&view.email, name);
    if let Err(error) = check_new_password(password, &words) {
        errors.push(("mot_de_passe", error.to_string()));
    } else if password != confirm {
        errors.push((
            "confirmation",
            "Les deux saisies du mot de passe sont différentes.".into(),
        ));
    }
    let Some(display_name) = display_name.filter(|_| errors.is_empty()) else {
        return Err(TeamError::Invalid(errors));
    };
    let password = password.to_owned();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| TeamError::Hash(e.to_string()))?
        .map_err(|e| TeamError::Hash(e.to_string()))?;
    let acceptance = Acceptance::NewAccount {
        display_name: display_name.as_str(),
        password_hash: &hash,
    };
    let accepted = state
        .store
        .accept_invitation(&token_hash(token), acceptance, reason, state.now())
        .await
        .map_err(|e| link_error(e.into()))?;
    tracing::info!(
        account_id = accepted.account.get(),
        "invitation accepted: new account"
    );
    Ok(accepted)
}

/// Accepts an invitation for the signed-in account, which must be the one its e-mail names.
pub async fn accept_as_signed_in(
    state: &AppState,
    token: &str,
    account: (AccountId, &str),
    reason: &str,
) -> Result<Accepted, TeamError> {
    let view = open_invitation(state, token).await?;
    if view.email != account.1 {
        return Err(TeamError::Refused(format!(
            "Cette invitation est adressée à {} : déconnectez-vous, puis connectez-vous avec ce compte pour l'accepter.",
            view.email
        )));
    }
    let accepted = state
        .store
        .accept_invitation(
            &token_hash(token),
            Acceptance::Existing(account.0),
            reason,
            state.now(),
        )
        .await
        .map_err(|e| link_error(e.into()))?;
    tracing::info!(
        account_id = accepted.account.get(),
        "invitation accepted: membership added"
    );
    Ok(accepted)
}

/// Changes a member's role (code from the form) in the actor's structure.
pub async fn change_role(
    state: &AppState,
    (actor, actor_role): (&TeamActor<'_>, Role),
    member: AccountId,
    role: &str,
) -> Result<(), TeamError> {
    let mut errors = FieldErrors::new();
    let Some(role) = grantable(actor_role, role, &mut errors) else {
        return Err(TeamError::Invalid(errors));
    };
    state
        .store
        .change_member_role(actor, member, role, state.now())
        .await?;
    Ok(())
}

/// Removes a member from the actor's structure; their sessions end at once.
pub async fn remove(
    state: &AppState,
    actor: &TeamActor<'_>,
    member: AccountId,
) -> Result<Removed, TeamError> {
    let removed = state
        .store
        .remove_member(actor, member, state.now())
        .await?;
    tracing::info!(
        member = member.get(),
        sessions_ended = removed.sessions_ended,
        deactivated = removed.deactivated,
        "member removed from a structure"
    );
    Ok(removed)
}

/// Cancels a waiting invitation of a structure the actor manages.
pub async fn cancel(
    state: &AppState,
    actor: &TeamActor<'_>,
    invitation: i64,
) -> Result<(), TeamError> {
    state
        .store
        .cancel_invitation(actor, invitation, state.now())
        .await?;
    Ok(())
}
