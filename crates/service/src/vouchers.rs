//! The voucher use cases (issue 22), shared by the pages, the API and the command line: who manages
//! which campaign (a sponsor its structure's, a coordinator those of their territory), opening a
//! campaign, the sponsor's report masked with the instance's minimum cell size, handing and
//! redeeming with the place's date. The records' scope is asked by the store inside each
//! transaction; this layer only says which scope an account acts with.

use crate::AppState;
use aiguillage_domain::calendar::{local_date, Date};
use aiguillage_domain::indicators::{Publication, SuppressionError};
use aiguillage_domain::role::Role;
use aiguillage_domain::voucher::report::{report, Period};
use aiguillage_domain::voucher::{CampaignTerms, Refusal, VoucherNumber};
use aiguillage_store::{
    Account, CampaignScope, HandRefusal, Handed, Handing, Redeemed, StoreError,
};

/// The campaigns an account manages, or `None` for a role that manages none.
pub fn scope_of(account: &Account) -> Option<CampaignScope<'_>> {
    match account.role {
        Role::Sponsor => Some(CampaignScope::Sponsor(account.structure_id)),
        Role::Coordinator => Some(CampaignScope::Territory(&account.territory)),
        _ => None,
    }
}

/// The scope of an account, or `NotFound` (a role that manages no campaign sees none).
pub fn required_scope(account: &Account) -> Result<CampaignScope<'_>, StoreError> {
    scope_of(account).ok_or_else(|| StoreError::NotFound("campagne".into()))
}

/// Today's date where vouchers are handed and redeemed (metropolitan France's legal time).
pub fn today(state: &AppState) -> Date {
    local_date(state.now(), "75")
}

/// Opens a campaign: a sponsor for its own structure over its territory; a coordinator for a
/// sponsor structure of their territory (`sponsor`), over their territory.
pub async fn open_campaign(
    state: &AppState,
    account: &Account,
    sponsor: Option<i64>,
    terms: &CampaignTerms,
) -> Result<i64, StoreError> {
    let sponsor = match account.role {
        Role::Sponsor => account.structure_id,
        Role::Coordinator => {
            let chosen = sponsor.ok_or_else(|| StoreError::NotFound("financeur".into()))?;
            let sponsors = state.store.sponsors_in(&account.territory).await?;
            if !sponsors.iter().any(|(id, _)| *id == chosen) {
                return Err(StoreError::NotFound(format!("financeur {chosen}")));
            }
            chosen
        }
        _ => return Err(StoreError::NotFound("campagne".into())),
    };
    let id = state
        .store
        .create_campaign(
            sponsor,
            &account.territory,
            terms,
            Some(account.id),
            state.now(),
        )
        .await?;
    tracing::info!(campaign = id, by = account.id, "voucher campaign opened");
    Ok(id)
}

/// Why the report cannot be drawn.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Masking(#[from] SuppressionError),
}

/// The masked report of a campaign the account manages, over `[from, until)`.
pub async fn campaign_report(
    state: &AppState,
    account: &Account,
    campaign_id: i64,
    period: Period,
) -> Result<Publication, ReportError> {
    state
        .store
        .campaign(campaign_id, required_scope(account)?)
        .await?;
    let records = state.store.voucher_records(campaign_id).await?;
    let min_cell = crate::instance::min_cell_size(state).await?;
    Ok(report(&records, period, min_cell)?)
}

/// Hands a voucher of the account's structure's books.
pub async fn hand(
    state: &AppState,
    account: &Account,
    handing: &Handing,
) -> Result<Result<Handed, HandRefusal>, StoreError> {
    let result = state
        .store
        .hand_voucher(handing, account.structure_id, (state.now(), today(state)))
        .await?;
    if result.is_ok() {
        tracing::info!(by = account.id, "voucher handed");
    }
    Ok(result)
}

/// Redeems a voucher at the account's structure, for the campaign it chose.
pub async fn redeem(
    state: &AppState,
    account: &Account,
    number: &VoucherNumber,
    campaign_id: i64,
) -> Result<Result<Redeemed, Refusal>, StoreError> {
    let result = state
        .store
        .redeem_voucher(
            number,
            campaign_id,
            aiguillage_domain::ids::StructureId::new(account.structure_id),
            (state.now(), today(state)),
        )
        .await?;
    if result.is_ok() {
        tracing::info!(by = account.id, campaign = campaign_id, "voucher redeemed");
    }
    Ok(result)
}
