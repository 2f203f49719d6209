//! Enrolling a person helped: with their consent to the text in force for the enrolling structure,
//! and, unless the professional confirms a new person, only after checking the structure has not
//! enrolled them already. The web form and the API share this use case; the store writes the person,
//! the consent and the audit entry together, in the actor's structure.

use crate::state::AppState;
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
