//! The purge: every retention rule applied at one moment (`domain::retention`), or counted in a dry
//! run. Referents of records nearing their end are warned in the app and by e-mail; records past it
//! (and warned long enough) become statistical facts; audit entries past their duration go behind a
//! sealed checkpoint; the short-lived records follow their own durations. One purge at a time: a
//! lease in the database, so that several instances sharing PostgreSQL run the daily job once.

use crate::mail::send_mail;
use crate::state::AppState;
use aiguillage_domain::calendar::{date_of, french_date};
use aiguillage_domain::ids::PersonId;
use aiguillage_domain::retention::{
    months_before, PurgeReport, PurgeRule, RetentionPeriods, RetentionStep,
};
use aiguillage_domain::UnixSeconds;
use aiguillage_store::StoreError;
use std::collections::BTreeMap;

/// The lease every purge takes (the daily job and the command line alike).
pub const PURGE_LEASE: &str = "purge";
/// How long a purge may hold the lease before another may take it over (a crashed run).
const LEASE_SECONDS: i64 = 3600;
/// The daily job runs when the last run is older than this.
const DAILY_GAP_SECONDS: i64 = 20 * 3600;

/// Why a purge did not run.
#[derive(Debug)]
pub enum PurgeError {
    /// Another purge holds the lease.
    Busy,
    Store(StoreError),
}

impl From<StoreError> for PurgeError {
    fn from(error: StoreError) -> Self {
        PurgeError::Store(error)
    }
}

impl std::fmt::Display for PurgeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PurgeError::Busy => write!(
                f,
                "une autre purge est en cours (bail « {PURGE_LEASE} » pris)"
            ),
            PurgeError::Store(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for PurgeError {}

/// The retention durations of this instance.
pub async fn periods(state: &AppState) -> Result<RetentionPeriods, StoreError> {
    state.store.retention_periods().await
}

/// Applies every rule at `as_of` (counts only with `dry_run`), holding the purge lease as `holder`;
/// a real run is recorded with its counts.
pub async fn purge(
    state: &AppState,
    holder: &str,
    as_of: UnixSeconds,
    dry_run: bool,
) -> Result<PurgeReport, PurgeError> {
    let store = &state.store;
    if !store
        .take_job_lease((PURGE_LEASE, holder), state.now(), LEASE_SECONDS)
        .await?
    {
        return Err(PurgeError::Busy);
    }
    let result = purge_holding_lease(state, as_of, dry_run).await;
    store.release_job_lease(PURGE_LEASE, holder).await?;
    Ok(result?)
}

/// The daily job: runs a purge at the present moment unless one ran in the last 20 hours (checked
/// once the lease is held, so two instances never both run). `None` when it did not run.
pub async fn daily_purge(
    state: &AppState,
    holder: &str,
) -> Result<Option<PurgeReport>, PurgeError> {
    let store = &state.store;
    let now = state.now();
    if !store
        .take_job_lease((PURGE_LEASE, holder), now, LEASE_SECONDS)
        .await?
    {
        return Ok(None);
    }
    let recent = store
        .purge_runs(1)
        .await?
        .first()
        .is_some_and(|(ran_at, _, _)| now - ran_at < DAILY_GAP_SECONDS);
    let result = if recent {
        Ok(None)
    } else {
        purge_holding_lease(state, now, false).await.map(Some)
    };
    store.release_job_lease(PURGE_LEASE, holder).await?;
    Ok(result?)
}

async fn purge_holding_lease(
    state: &AppState,
    as_of: UnixSeconds,
    dry_run: bool,
) -> Result<PurgeReport, StoreError> {
    let store = &state.store;
    let periods = periods(state).await?;
    let mut report = PurgeReport::default();
    let mut due = Vec::new();
    let mut warnings: BTreeMap<Referent, Vec<(PersonId, UnixSeconds)>> = BTreeMap::new();
    for candidate in store.retention_candidates(&periods, as_of).await? {
        match candidate.retention.step(&periods, as_of) {
            RetentionStep::Warn { anonymise_at } => {
                let referent = (
                    candidate.referent.map(|a| a.get()),
                    candidate.structure_id.get(),
                );
                warnings
                    .entry(referent)
                    .or_default()
                    .push((candidate.person, anonymise_at));
                report.add(PurgeRule::PersonWarned, 1);
            }
            RetentionStep::Anonymise => due.push(candidate.person),
            RetentionStep::Keep | RetentionStep::Warned { .. } => {}
        }
    }
    if !dry_run {
        for (referent, records) in &warnings {
            warn_referent(state, *referent, records, (periods.person_months, as_of)).await?;
        }
    }
    report.add(
        PurgeRule::PersonAnonymised,
        anonymise(state, &due, &periods, (as_of, dry_run)).await?,
    );
    let audit_cutoff = months_before(as_of, periods.audit_months);
    report.add(
        PurgeRule::AuditDeleted,
        store.prune_audit(audit_cutoff, as_of, dry_run).await?,
    );
    let short_lived = store.purge_short_lived(&periods, as_of, dry_run).await?;
    for (rule, count) in short_lived.lines() {
        report.add(rule, count);
    }
    if !dry_run {
        store.settle_erasures().await?;
        store
            .record_purge_run(&report, (state.now(), as_of))
            .await?;
    }
    tracing::info!(dry_run, as_of, ?report, "purge");
    Ok(report)
}

/// Anonymises the people due (counts them in a dry run); returns how many went.
async fn anonymise(
    state: &AppState,
    due: &[PersonId],
    periods: &RetentionPeriods,
    (as_of, dry_run): (UnixSeconds, bool),
) -> Result<u64, StoreError> {
    if dry_run || due.is_empty() {
        return Ok(due.len() as u64);
    }
    let mut anonymised = 0;
    for (person, facts) in state.store.anonymisation_facts(due, as_of).await? {
        if state
            .store
            .anonymise_person(person, facts.as_ref(), periods, as_of)
            .await?
        {
            anonymised += 1;
        }
    }
    Ok(anonymised)
}

/// Whom a warning goes to: the account that enrolled the person while it is active, else the
/// enrolling structure's team (`(account, structure)`).
type Referent = (Option<i64>, i64);

/// Tells a referent, once per purge, in the app and by e-mail (a link, no personal data), that
/// records will be anonymised — one record leads to its retention page, several to the list of
/// records nearing their end — and records the warnings, with the in-app notice, before the e-mail.
async fn warn_referent(
    state: &AppState,
    (account, structure_id): Referent,
    records: &[(PersonId, UnixSeconds)],
    (months, now): (u32, UnixSeconds),
) -> Result<(), StoreError> {
    let earliest = records.iter().map(|(_, at)| *at).min().unwrap_or(now);
    let day = french_date(date_of(earliest));
    let (text, link) = match records {
        [(person, _)] => (
            format!("Un dossier sera anonymisé le {day} faute de contact depuis {months} mois : prolongez-le si l'accompagnement continue"),
            format!("/personnes/{person}/conservation"),
        ),
        _ => (
            format!("{} dossiers seront anonymisés à partir du {day} faute de contact depuis {months} mois : prolongez ceux dont l'accompagnement continue", records.len()),
            "/personnes/echeances".to_owned(),
        ),
    };
    let whom = match account {
        Some(account) => (Some(account), None),
        None => (None, Some(structure_id)),
    };
    let people: Vec<PersonId> = records.iter().map(|(person, _)| *person).collect();
    state
        .store
        .warn_retention(Some((whom, &text, &link)), &people, now)
        .await?;
    if let Some(smtp) = &state.settings.smtp {
        let emails = match account {
            Some(account) => vec![state.store.account(account).await?.email],
            None => state.store.structure_emails(structure_id).await?,
        };
        let body = format!(
            "Bonjour,\n\n{text}.\n\nPour les voir ou les prolonger : {}{link}\n(connexion nécessaire ; ce message ne contient aucune donnée sur les personnes).\n\nAiguillage",
            state.settings.public_url
        );
        let subject = "Aiguillage — des dossiers arrivent à échéance";
        if let Err(error) = send_mail(smtp, &emails, subject, &body).await {
            tracing::warn!(%error, "avertissement de conservation non envoyé par courriel");
        }
    }
    Ok(())
}
