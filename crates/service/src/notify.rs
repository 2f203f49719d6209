//! Notifications of referral events: in-app (stored, shown on the notifications page) and by e-mail
//! when an SMTP relay is configured. A mail that cannot be sent is logged; the in-app notification
//! stays, and the action that caused it is not undone.

use crate::mail::send_mail;
use crate::state::AppState;
use aiguillage_domain::ids::{ReferralId, StructureId};
use aiguillage_store::StoreError;

/// What happened, for whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// A referral arrived at the receiving structure.
    Received,
    /// The receiving structure accepted it (to the sender).
    Accepted,
    /// The receiving structure refused it (to the sender).
    Refused,
    /// It waits beyond the territory's target delay (to the receiver).
    Late,
    /// The coordinator redirected it to another offer (to the sender).
    Redistributed,
    /// The other side wrote in the referral's thread.
    Message,
    /// The territory's coordinator asks the receiver to act on it.
    Nudged,
    /// The coordinator undid the redistribution that had sent it here (to that receiver).
    Withdrawn,
    /// The coordinator undid its redistribution: it is back, to answer or to follow again (to the
    /// structure it had left).
    Returned,
    /// The coordinator undid its redistribution (to the sender).
    RedistributionUndone,
}

impl Notice {
    /// The notice's sentence (no personal data).
    pub fn text(self) -> &'static str {
        match self {
            Notice::Received => "Nouvelle orientation reçue : à accepter ou refuser",
            Notice::Accepted => "Votre orientation a été acceptée",
            Notice::Refused => "Votre orientation a été refusée : à réorienter",
            Notice::Late => "Une orientation attend au-delà du délai cible",
            Notice::Redistributed => {
                "Le coordinateur a réorienté une de vos orientations vers une autre offre"
            }
            Notice::Message => "Nouveau message sur une orientation",
            Notice::Withdrawn => {
                "Le coordinateur a annulé une redistribution : une orientation qu'il vous avait adressée ne vous est plus destinée"
            }
            Notice::Returned => {
                "Le coordinateur a annulé une redistribution : une orientation vous revient"
            }
            Notice::RedistributionUndone => {
                "Le coordinateur a annulé la réorientation d'une de vos orientations : elle revient à son offre d'origine"
            }
            Notice::Nudged => {
                "Le coordinateur du territoire vous relance sur une orientation : merci d'y donner suite"
            }
        }
    }
}

/// Notifies the structure concerned (the receiver, or the sender for an answer) in the app and by
/// e-mail to its active accounts.
pub async fn notify_structure(
    state: &AppState,
    structure_id: StructureId,
    notice: Notice,
    referral_id: ReferralId,
) -> Result<(), StoreError> {
    state
        .store
        .notify(
            (None, Some(structure_id.get())),
            notice.text(),
            &referral_link(referral_id.get()),
            state.now(),
        )
        .await?;
    mail_structure(state, structure_id, notice, referral_id).await
}

/// The page of a referral, which notices and e-mails link to.
fn referral_link(referral_id: i64) -> String {
    format!("/orientations/{referral_id}")
}

/// The e-mail half of [`notify_structure`], for a notice already written in the app (in the
/// transaction of what it tells): to the structure's active accounts, when an SMTP relay is set.
pub async fn mail_structure(
    state: &AppState,
    structure_id: StructureId,
    notice: Notice,
    referral_id: ReferralId,
) -> Result<(), StoreError> {
    let (structure_id, referral_id) = (structure_id.get(), referral_id.get());
    let link = referral_link(referral_id);
    if let Some(smtp) = &state.settings.smtp {
        let emails = state.store.structure_emails(structure_id).await?;
        let body = format!(
            "Bonjour,\n\n{}.\n\nPour la voir : {}{link}\n(connexion nécessaire ; ce message ne contient aucune donnée sur la personne).\n\nAiguillage",
            notice.text(),
            state.settings.public_url
        );
        if let Err(error) = send_mail(
            smtp,
            &emails,
            &format!("Aiguillage — {}", notice.text()),
            &body,
        )
        .await
        {
            tracing::warn!(%error, referral_id, "notification par courriel non envoyée");
        }
    }
    Ok(())
}

/// Reminds every referral waiting beyond its territory's target (the EPCI's settings, else the
/// département's, else the defaults): the receiving structure and the territory's coordinators are
/// notified, once per state. Returns how many referrals were reminded.
pub async fn remind_late_referrals(state: &AppState) -> Result<usize, StoreError> {
    use aiguillage_domain::orientation::lateness;
    use aiguillage_domain::territory::TerritoryScope;
    let now = state.now();
    let mut reminded = 0;
    for candidate in state.store.reminder_candidates().await? {
        let mut scopes = vec![TerritoryScope::Departement(
            candidate.departement_code.clone(),
        )];
        if let Some(epci) = &candidate.epci_code {
            scopes.insert(0, TerritoryScope::Epci(epci.clone()));
        }
        let mut delays = aiguillage_domain::orientation::TargetDelays::default();
        for scope in &scopes {
            if state.store.has_territory_settings(scope).await? {
                delays = state.store.territory_settings(scope).await?.0;
                break;
            }
        }
        if lateness(candidate.state, candidate.state_changed_at, now, &delays).is_none() {
            continue;
        }
        notify_structure(
            state,
            candidate.receiver_structure_id,
            Notice::Late,
            candidate.id,
        )
        .await?;
        let link = "/file-active?vue=retard";
        for (account_id, _) in state
            .store
            .coordinators_of_commune(&candidate.commune_code)
            .await?
        {
            state
                .store
                .notify((Some(account_id), None), Notice::Late.text(), link, now)
                .await?;
        }
        state
            .store
            .mark_reminded(candidate.id, candidate.version)
            .await?;
        reminded += 1;
    }
    Ok(reminded)
}

/// Sends each professional who chose the daily summary one e-mail counting the notifications since
/// the last one (no personal data: a count and the link), then records it as sent. Without a mail
/// relay nothing is sent nor recorded. Returns how many summaries left.
pub async fn send_daily_digests(state: &AppState) -> Result<usize, StoreError> {
    let Some(smtp) = &state.settings.smtp else {
        return Ok(0);
    };
    let mut sent = 0;
    for due in state.store.digests_due().await? {
        let plural = if due.count > 1 { "s" } else { "" };
        let subject = format!(
            "Aiguillage — {} nouvelle{plural} notification{plural}",
            due.count
        );
        let body = format!(
            "Bonjour,\n\nVous avez {} nouvelle{plural} notification{plural} depuis le dernier récapitulatif.\n\nPour les lire : {}/notifications\n(connexion nécessaire ; ce message ne contient aucune donnée sur les personnes).\n\nPour changer la fréquence de ces courriels : {}/compte\n\nAiguillage",
            due.count, state.settings.public_url, state.settings.public_url
        );
        match send_mail(smtp, std::slice::from_ref(&due.email), &subject, &body).await {
            Ok(1) => {
                state
                    .store
                    .mark_digest_sent(due.account_id, due.newest)
                    .await?;
                sent += 1;
            }
            Ok(_) => tracing::warn!(account = due.account_id.get(), "récapitulatif refusé"),
            Err(error) => {
                tracing::warn!(%error, account = due.account_id.get(), "récapitulatif non envoyé");
            }
        }
    }
    Ok(sent)
}

/// Reminds each person of their appointment the day before (tomorrow in the structure's legal
/// time), by e-mail when they have an address — the sheet printed at sending carries it otherwise;
/// each reminder leaves once. Without a mail relay nothing is sent nor recorded. Returns how many
/// reminders left.
pub async fn send_appointment_reminders(state: &AppState) -> Result<usize, StoreError> {
    use aiguillage_domain::appointment::when_in_french;
    let Some(smtp) = &state.settings.smtp else {
        return Ok(0);
    };
    let now = state.now();
    let mut sent = 0;
    for due in state.store.reminders_due(now).await? {
        let when = when_in_french(due.starts_at, &due.departement);
        let subject = format!(
            "Rappel : votre rendez-vous de demain avec {}",
            due.place_name
        );
        let body = format!(
            "Bonjour {},\n\nNous vous rappelons votre rendez-vous {when} ({}) avec {}, {}.\n\nSi vous ne pouvez pas venir, prévenez la structure : elle vous proposera un autre moment.\n\nÀ demain !",
            due.first_name,
            due.channel.label().to_lowercase(),
            due.place_name,
            due.address
        );
        match send_mail(smtp, std::slice::from_ref(&due.email), &subject, &body).await {
            Ok(1) => {
                state
                    .store
                    .mark_appointment_reminded(due.appointment_id, now)
                    .await?;
                sent += 1;
            }
            Ok(_) => tracing::warn!(appointment = due.appointment_id, "rappel refusé"),
            Err(error) => {
                tracing::warn!(%error, appointment = due.appointment_id, "rappel non envoyé");
            }
        }
    }
    Ok(sent)
}

/// The lease `aiguillage queue remind` holds while it runs (late referrals, then tomorrow's
/// appointments), so that the same cron line on two hosts sharing PostgreSQL never runs twice at once.
pub const REMIND_LEASE: &str = "queue_remind";
/// The lease `aiguillage queue digest` holds while it runs, for the same reason.
pub const DIGEST_LEASE: &str = "queue_digest";
/// How long a run may hold one of them before another may take it over (a crashed run).
const QUEUE_LEASE_SECONDS: i64 = 3600;

/// The daily reminders, holding [`REMIND_LEASE`] as `holder`: the late referrals reminded and the
/// appointment reminders sent, or `None` when another run holds the lease (and nothing was done).
pub async fn remind_holding_lease(
    state: &AppState,
    holder: &str,
) -> Result<Option<(usize, usize)>, StoreError> {
    holding_lease(state, (REMIND_LEASE, holder), || async {
        let late = remind_late_referrals(state).await?;
        Ok((late, send_appointment_reminders(state).await?))
    })
    .await
}

/// The daily summaries, holding [`DIGEST_LEASE`] as `holder`: how many left, or `None` when another
/// run holds the lease (and nothing was sent).
pub async fn digests_holding_lease(
    state: &AppState,
    holder: &str,
) -> Result<Option<usize>, StoreError> {
    holding_lease(state, (DIGEST_LEASE, holder), || send_daily_digests(state)).await
}

/// Runs `job` once the lease `name` is taken for `holder`, then gives it back (even when the job
/// failed); `None` without running when another holds it.
async fn holding_lease<T, Job, Running>(
    state: &AppState,
    (name, holder): (&str, &str),
    job: Job,
) -> Result<Option<T>, StoreError>
where
    Job: FnOnce() -> Running,
    Running: std::future::Future<Output = Result<T, StoreError>>,
{
    if !state
        .store
        .take_job_lease((name, holder), state.now(), QUEUE_LEASE_SECONDS)
        .await?
    {
        return Ok(None);
    }
    let result = job().await;
    state.store.release_job_lease(name, holder).await?;
    result.map(Some)
}
