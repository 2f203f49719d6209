//! The instance's settings page as use cases: reading the options in force (the stored ones, the
//! minimum cell size never below the server's own) and saving a checked page (durations and
//! options), each change audited by the store.

use crate::state::AppState;
use aiguillage_domain::instance::{check_settings, InstanceOptions};
use aiguillage_domain::retention::{PeriodError, RetentionPeriods};
use aiguillage_store::{Actor, StoreError};

/// The name under which the options are kept.
const OPTIONS_SETTING: &str = "options";

/// Why a settings page was not saved.
#[derive(Debug)]
pub enum SettingsError {
    /// Fields refused, with their messages.
    Invalid(Vec<PeriodError>),
    Store(StoreError),
}

impl From<StoreError> for SettingsError {
    fn from(error: StoreError) -> Self {
        SettingsError::Store(error)
    }
}

/// The options in force.
pub async fn options(state: &AppState) -> Result<InstanceOptions, StoreError> {
    let floor = state.settings.min_cell_size;
    let stored: Option<InstanceOptions> = state.store.instance_setting(OPTIONS_SETTING).await?;
    Ok(match stored {
        Some(stored) => InstanceOptions {
            min_cell_size: stored.min_cell_size.max(floor),
            ..stored
        },
        None => InstanceOptions {
            min_cell_size: floor,
            support_needs_asked: true,
        },
    })
}

/// Published counts below this are masked.
pub async fn min_cell_size(state: &AppState) -> Result<u64, StoreError> {
    Ok(options(state).await?.min_cell_size)
}

/// Whether the diagnostic asks about specific support needs.
pub async fn support_needs_asked(state: &AppState) -> Result<bool, StoreError> {
    Ok(options(state).await?.support_needs_asked)
}

/// Saves the page once every field is accepted; each setting changed is audited.
pub async fn save(
    state: &AppState,
    actor: &Actor<'_>,
    periods: RetentionPeriods,
    options: InstanceOptions,
) -> Result<(), SettingsError> {
    let (periods, options) = check_settings(periods, options, state.settings.min_cell_size)
        .map_err(SettingsError::Invalid)?;
    let now = state.now();
    if state.store.retention_periods().await? != periods {
        state
            .store
            .save_retention_periods(actor, &periods, now)
            .await?;
    }
    if self::options(state).await? != options {
        state
            .store
            .save_instance_setting(actor, OPTIONS_SETTING, &options, now)
            .await?;
    }
    Ok(())
}
