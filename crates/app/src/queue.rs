//! `aiguillage queue remind`: notifies the referrals waiting beyond their territory's target delays
//! (to run daily, e.g. from cron or a systemd timer); `aiguillage queue digest`: the daily e-mail
//! summaries of the professionals who chose one (daily too); both hold a lease while they run, so
//! that the same cron line on several hosts sharing PostgreSQL never runs twice at once (each
//! reminder and summary is recorded as sent: a later run does not repeat it);
//! `aiguillage queue redistribute`: the optimal redistribution of a territory's waiting referrals,
//! shown and, unless `--dry-run`, applied as redirections attributed to the territory's coordinator.

use aiguillage_domain::territory::TerritoryScope;
use aiguillage_service::mail::SmtpSettings;
use aiguillage_service::notify::{
    digests_holding_lease, remind_holding_lease, DIGEST_LEASE, REMIND_LEASE,
};
use aiguillage_service::redistribute::{apply, compute, Pick};
use aiguillage_service::{AppState, Settings};
use aiguillage_store::{Actor, Store};
use clap::{Args, Subcommand};

#[derive(Subcommand)]
pub enum QueueCommand {
    /// Notify the receiving structures and coordinators of referrals waiting beyond the target
    /// delays (once per referral and state), and remind people of tomorrow's appointments.
    Remind(MailArgs),
    /// Send the daily e-mail summary to each professional who chose it (counts and a link, no
    /// personal data); to run once a day, like `remind`.
    Digest(MailArgs),
    /// Compute the optimal redistribution of the territory's refused and unanswered referrals (and,
    /// with --accepted, those accepted without a first contact); apply it unless --dry-run.
    Redistribute {
        /// Département code (49) or EPCI SIREN (9 digits), as a coordinator's territory.
        #[arg(long)]
        territory: String,
        /// Show the proposal without changing anything.
        #[arg(long)]
        dry_run: bool,
        /// Also pick the referrals accepted without a first contact.
        #[arg(long)]
        accepted: bool,
        #[command(flatten)]
        mail: MailArgs,
    },
}

/// Where e-mail notifications go (the same variables as `serve`).
#[derive(Args, Clone)]
pub struct MailArgs {
    #[arg(long, env = "AIGUILLAGE_SMTP_HOST")]
    pub smtp_host: Option<String>,
    #[arg(long, env = "AIGUILLAGE_SMTP_PORT", default_value_t = 25)]
    pub smtp_port: u16,
    #[arg(
        long,
        env = "AIGUILLAGE_MAIL_FROM",
        default_value = "ne-pas-repondre@aiguillage.example"
    )]
    pub mail_from: String,
    #[arg(
        long,
        env = "AIGUILLAGE_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub public_url: String,
}

pub fn settings_of(mail: MailArgs) -> Settings {
    Settings {
        smtp: mail.smtp_host.map(|host| SmtpSettings {
            host,
            port: mail.smtp_port,
            from: mail.mail_from,
        }),
        public_url: mail.public_url,
        ..Settings::default()
    }
}

pub async fn run(database_url: &str, command: QueueCommand) -> anyhow::Result<()> {
    let store = Store::connect(database_url).await?;
    match command {
        QueueCommand::Remind(mail) => {
            let state = AppState::new(store, settings_of(mail));
            let holder = crate::lease_holder("queue-remind");
            match remind_holding_lease(&state, &holder).await? {
                Some((reminded, appointments)) => {
                    println!("{reminded} orientation(s) en retard signalée(s).");
                    println!("{appointments} rappel(s) de rendez-vous envoyé(s) aux personnes.");
                }
                None => println!(
                    "Une autre relance est en cours (bail « {REMIND_LEASE} » pris) : rien fait ici."
                ),
            }
        }
        QueueCommand::Digest(mail) => {
            let state = AppState::new(store, settings_of(mail));
            let holder = crate::lease_holder("queue-digest");
            match digests_holding_lease(&state, &holder).await? {
                Some(sent) => println!("{sent} récapitulatif(s) envoyé(s)."),
                None => println!(
                    "Un autre envoi des récapitulatifs est en cours (bail « {DIGEST_LEASE} » pris) : rien fait ici."
                ),
            }
        }
        QueueCommand::Redistribute {
            territory,
            dry_run,
            accepted,
            mail,
        } => {
            let scope: TerritoryScope = territory.parse()?;
            let state = AppState::new(store, settings_of(mail));
            redistribute(&state, &scope, dry_run, accepted).await?;
        }
    }
    Ok(())
}

async fn redistribute(
    state: &AppState,
    scope: &TerritoryScope,
    dry_run: bool,
    accepted: bool,
) -> anyhow::Result<()> {
    let pick = Pick {
        refused: true,
        awaiting: true,
        accepted,
    };
    let proposal = compute(state, scope, pick).await?;
    for line in &proposal.lines {
        let to = line
            .to_offer
            .as_ref()
            .map(|(_, name)| format!(" → {name}"))
            .unwrap_or_default();
        println!(
            "orientation {} ({}, {}, {}, {} j) : {} — {}{to}",
            line.referral_id,
            line.pseudonym,
            line.commune,
            line.state,
            line.days_waiting,
            line.outcome,
            line.from_offer
        );
        for reason in &line.reasons {
            println!("    {reason}");
        }
    }
    println!(
        "{} orientation(s) examinée(s), {} offre(s) : {} réorientation(s), {} sans place, {} inchangée(s) ; coût total optimal {}.",
        proposal.lines.len(),
        proposal.offers_considered,
        proposal.count("Réorientation"),
        proposal.count("Sans place"),
        proposal.count("Reste"),
        proposal.total_cost
    );
    if dry_run {
        println!("Simulation (--dry-run) : rien n'a été modifié.");
        return Ok(());
    }
    let Some(&(account_id, structure_id)) = state.store.coordinators_of_scope(scope).await?.first()
    else {
        anyhow::bail!(
            "aucun compte de coordinateur actif pour le territoire {scope} : les réorientations doivent lui être attribuées ; rien n'a été modifié"
        );
    };
    let actor = Actor {
        account_id: aiguillage_domain::ids::AccountId::new(account_id),
        structure_id: aiguillage_domain::ids::StructureId::new(structure_id),
        reason: "aiguillage queue redistribute",
    };
    let moves: Vec<(i64, i64, i64)> = proposal
        .lines
        .iter()
        .filter_map(|l| {
            l.to_offer
                .as_ref()
                .map(|(offer, _)| (l.referral_id, l.version, *offer))
        })
        .collect();
    let report = apply(state, &actor, scope, &moves).await?;
    if !report.refused.is_empty() {
        for refusal in &report.refused {
            println!("    {refusal}");
        }
        anyhow::bail!("réorientations refusées : rien n'a été modifié ; relancez le calcul");
    }
    println!(
        "{} réorientation(s) appliquée(s), {} écartée(s) car modifiée(s) entre-temps.",
        report.moved, report.stale
    );
    Ok(())
}
