//! The people a structure helps: enrolling one (with their consent to the text in force for the
//! enrolling structure, and, unless the professional confirms a new person, only after checking the
//! structure has not enrolled them already), recording a diagnostic (the profile computed by the
//! domain on the day) and a professional's adjustment of it. The web pages and the API share these
//! use cases; the store writes each change with its audit entry, in the actor's structure only.

use crate::state::AppState;
use aiguillage_domain::calendar::date_of;
use aiguillage_domain::diagnostic::{profile, Answers, Profile, ProfileOverride};
use aiguillage_domain::ids::PersonId;
use aiguillage_domain::person::{enrolment_consent, PersonDraft};
use aiguillage_store::{Actor, PersonRecord, StoreError};

/// Whether to look for the person among those already enrolled first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicateCheck {
    /// Refuse when the structure may have enrolled them already ([`EnrolError::PossibleDuplicates`]).
    Ask,
    /// The professional saw the possible duplicates and confirmed a new person.
    ConfirmedNew,
}

/// Why nobody was enrolled.
#[derive(Debug, thiserror::Error)]
pub enum EnrolError {
    #[error("Cette personne est peut-être déjà inscrite : vérifiez la liste avant de créer une nouvelle fiche.")]
    PossibleDuplicates(Vec<PersonRecord>),
    #[error("Aucune commune n'a le code « {0} ».")]
    UnknownCommune(String),
    #[error(transparent)]
    Store(StoreError),
}

/// Enrols the person in the actor's structure (`structure_name` names it in the consent text), with
/// the person's consent to that text; returns the new person's id.
pub async fn enrol(
    state: &AppState,
    actor: &Actor<'_>,
    structure_name: &str,
    (draft, check): (&PersonDraft, DuplicateCheck),
) -> Result<PersonId, EnrolError> {
    let now = state.now();
    if check == DuplicateCheck::Ask {
        let found = state.store.possible_duplicates(actor, draft, now).await;
        let found = found.map_err(EnrolError::Store)?;
        if !found.is_empty() {
            return Err(EnrolError::PossibleDuplicates(found));
        }
    }
    let consent = enrolment_consent(structure_name);
    let enrolled = state.store.enrol_person(actor, draft, &consent, now).await;
    enrolled.map_err(|error| match error {
        StoreError::NotFound(_) => EnrolError::UnknownCommune(draft.commune_code.clone()),
        other => EnrolError::Store(other),
    })
}

/// Computes the profile of a person's answers today and records both, if the person belongs to the
/// actor's structure (`None` otherwise); returns the diagnostic's id and the profile.
pub async fn record_diagnostic(
    state: &AppState,
    actor: &Actor<'_>,
    person: PersonId,
    answers: &Answers,
) -> Result<Option<(i64, Profile)>, StoreError> {
    let now = state.now();
    let mut answers = answers.clone();
    if !crate::instance::support_needs_asked(state).await? {
        // Switched off on this instance: nothing about support needs is kept, whatever was sent.
        answers.support_needs.clear();
    }
    let computed = profile(&answers, date_of(now));
    let stored = state
        .store
        .add_diagnostic(actor, person, &answers, &computed, now)
        .await?;
    Ok(stored.map(|id| (id, computed)))
}

/// Records a professional's adjustment of a computed profile (checked by the caller with
/// `diagnostic::check_override`), if the person belongs to the actor's structure; `false` otherwise.
pub async fn override_diagnostic(
    state: &AppState,
    actor: &Actor<'_>,
    (person, diagnostic): (PersonId, i64),
    decision: &ProfileOverride,
) -> Result<bool, StoreError> {
    state
        .store
        .override_diagnostic(actor, person, diagnostic, decision, state.now())
        .await
}
