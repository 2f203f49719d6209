//! The accounts' lifecycle as a job: each account without sign-in is warned by e-mail at 5 months,
//! deactivated at 6 (at least 30 days after the warning; its records stay) and its identity
//! anonymised 24 months after deactivation (`domain::account_lifecycle`). Every step is audited by
//! the store. `serve` runs it once a day across instances (a lease of 20 hours); `aiguillage accounts
//! lifecycle [--now DATE]` runs it from cron or to rehearse a date.

use crate::mail::send_mail;
use crate::state::AppState;
use aiguillage_domain::account_lifecycle::LifecycleStep;
use aiguillage_domain::calendar::{date_of, french_date};
use aiguillage_domain::UnixSeconds;
use aiguillage_store::StoreError;

/// The lease that keeps two instances from running the job at once.
pub const LIFECYCLE_LEASE: &str = "account_lifecycle";
/// The least time between two runs of the daily job, in seconds.
const DAILY_GAP_SECONDS: i64 = 20 * 3600;
const WARNING_SUBJECT: &str = "Votre compte Aiguillage sera bientôt désactivé";

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LifecycleReport {
    pub warned: usize,
    /// Warnings the SMTP relay accepted.
    pub mailed: usize,
    pub deactivated: usize,
    pub anonymised: usize,
}

fn warning_text(state: &AppState, deactivate_at: UnixSeconds) -> String {
    let sign_in = format!(
        "{}/connexion",
        state.settings.public_url.trim_end_matches('/')
    );
    format!(
        "Bonjour,\n\nVous ne vous êtes pas connecté(e) à Aiguillage depuis cinq mois. Sans connexion d'ici le {}, votre compte sera désactivé : vous ne pourrez plus vous connecter, mais ce que vous avez enregistré sera conservé.\n\nPour garder votre compte, il suffit de vous connecter : {sign_in}\n\nSi vous avez quitté votre poste, vous n'avez rien à faire.\n\n{}",
        french_date(date_of(deactivate_at)),
        state.settings.operator_name
    )
}

/// Applies every step due at `as_of` and sends the warnings (when an SMTP relay is configured).
pub async fn run(state: &AppState, as_of: UnixSeconds) -> Result<LifecycleReport, StoreError> {
    let store = &state.store;
    let mut report = LifecycleReport::default();
    for account in store.lifecycle_accounts().await? {
        match account.activity.step(as_of) {
            LifecycleStep::Keep => {}
            LifecycleStep::Warn { deactivate_at } => {
                if !store.mark_inactivity_warned(&account, as_of).await? {
                    continue;
                }
                report.warned += 1;
                let Some(smtp) = &state.settings.smtp else {
                    continue;
                };
                let text = warning_text(state, deactivate_at);
                match send_mail(
                    smtp,
                    std::slice::from_ref(&account.email),
                    WARNING_SUBJECT,
                    &text,
                )
                .await
                {
                    Ok(sent) => report.mailed += sent,
                    Err(error) => {
                        tracing::warn!(%error, account = account.id, "avertissement non envoyé")
                    }
                }
            }
            LifecycleStep::Deactivate => {
                if store.deactivate_inactive_account(&account, as_of).await? {
                    report.deactivated += 1;
                }
            }
            LifecycleStep::Anonymise => {
                if store.anonymise_account(&account, as_of).await? {
                    report.anonymised += 1;
                }
            }
        }
    }
    Ok(report)
}

/// The daily job of `serve`: runs now when this instance takes the lease, which it keeps for 20
/// hours so that the next run, on any instance, comes a day later. `None` when it did not run.
pub async fn daily(state: &AppState, holder: &str) -> Result<Option<LifecycleReport>, StoreError> {
    let now = state.now();
    if !state
        .store
        // A holder of this run only: not even this instance takes the lease again before it ends.
        .take_job_lease(
            (LIFECYCLE_LEASE, &format!("{holder}@{now}")),
            now,
            DAILY_GAP_SECONDS,
        )
        .await?
    {
        return Ok(None);
    }
    run(state, now).await.map(Some)
}
