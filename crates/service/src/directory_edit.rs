//! Directory edits: a place's description and its offers changed by hand, places imported from a
//! file, and the conflicts between a correction by hand and a later import settled, by a structure
//! manager (their own place), a coordinator (the places of their territory) or the administrator
//! (imports).
//!
//! Who may write which place is `domain::directory::access`; [`rights_of`] hands that rule to the
//! store, which asks it for the very place it writes inside its transaction (`OutOfScope` otherwise),
//! so that a form shown a minute ago or a forged request cannot write outside the account's scope.

use crate::state::AppState;
use aiguillage_domain::directory::access::{may_edit_place, may_import_place, PlaceLocation};
use aiguillage_domain::directory::{Offer, Place, SupportModel};
use aiguillage_store::{
    Account, ConflictChoice, ConflictSettled, OpenConflict, PlaceRights, PlaceSite, StoreError,
    StoredPlace,
};

/// The rule the store asks for every place the account would write (edit or import).
pub fn rights_of(account: &Account) -> impl Fn(PlaceSite<'_>) -> bool + Sync + '_ {
    move |site: PlaceSite<'_>| {
        may_import_place(
            account.role,
            account.structure_id,
            &account.territory,
            site.structure_id,
            (site.departement_code, site.epci_code),
        )
    }
}

/// Whether the account may edit this place (to offer the form at all; the write checks again).
pub fn may_edit(account: &Account, stored: &StoredPlace) -> bool {
    let location = PlaceLocation {
        structure_id: stored.structure_id,
        departement_code: &stored.departement_code,
        epci_code: stored.epci_code.as_deref(),
    };
    may_edit_place(
        account.role,
        account.structure_id,
        &account.territory,
        &location,
    )
}

/// A place's description and support model as edited, with the summary of what changed
/// (« Lieu modifié : horaires, téléphone »).
pub struct PlaceEdit<'a> {
    pub place: &'a Place,
    pub support_model: Option<SupportModel>,
    pub summary: &'a str,
}

/// Saves a place edited by hand, dated and attributed, if the account may edit it.
pub async fn update_place(
    state: &AppState,
    account: &Account,
    structure_id: i64,
    edit: &PlaceEdit<'_>,
) -> Result<(), StoreError> {
    let rights = rights_of(account);
    let change = (account.id, edit.summary);
    state
        .store
        .update_place_by_hand(
            structure_id,
            edit.place,
            edit.support_model,
            change,
            PlaceRights::Checked(&rights),
            state.now(),
        )
        .await?;
    tracing::info!(
        structure_id,
        by = account.id,
        summary = edit.summary,
        "place edited"
    );
    Ok(())
}

/// Creates (`offer_id` None) or updates an offer of a place the account may edit, recording the
/// change as `summary`; returns the offer's id.
pub async fn save_offer(
    state: &AppState,
    account: &Account,
    (structure_id, offer_id): (i64, Option<i64>),
    (offer, summary): (&Offer, &str),
) -> Result<i64, StoreError> {
    let rights = rights_of(account);
    let saved = state
        .store
        .save_offer(
            structure_id,
            offer_id,
            offer,
            Some((account.id, summary)),
            PlaceRights::Checked(&rights),
            state.now(),
        )
        .await?;
    tracing::info!(structure_id, by = account.id, %summary, "offer saved");
    Ok(saved)
}

/// The open import conflicts of the places the account may write, by place name.
pub async fn import_conflicts(
    state: &AppState,
    account: &Account,
) -> Result<Vec<OpenConflict>, StoreError> {
    let rights = rights_of(account);
    state.store.open_import_conflicts(&rights).await
}

/// Settles an import conflict as the account chooses, if they may write its place: another
/// territory's or structure's conflict is `NotFound`, and nothing changes.
pub async fn settle_conflict(
    state: &AppState,
    account: &Account,
    conflict_id: i64,
    choice: ConflictChoice,
) -> Result<ConflictSettled, StoreError> {
    let rights = rights_of(account);
    let settled = state
        .store
        .resolve_import_conflict(
            conflict_id,
            choice,
            (account.id, PlaceRights::Checked(&rights)),
            state.now(),
        )
        .await?;
    tracing::info!(
        conflict_id,
        by = account.id,
        ?choice,
        ?settled,
        "import conflict settled"
    );
    Ok(settled)
}
