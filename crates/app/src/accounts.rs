//! `aiguillage accounts lifecycle [--now AAAA-MM-JJ]`: the accounts' lifecycle once (the job `serve`
//! runs daily): warns by e-mail the accounts without sign-in for 5 months, deactivates them at 6,
//! anonymises their identity 24 months after deactivation; every step audited. `--now` applies the
//! rules as on another day (from cron, on a copy, or in a test).

use crate::queue::{settings_of, MailArgs};
use aiguillage_domain::calendar::{parse_midnight, DAY};
use aiguillage_service::account_lifecycle::run as run_lifecycle;
use aiguillage_service::AppState;
use aiguillage_store::Store;
use anyhow::anyhow;
use clap::{Args, Subcommand};

#[derive(Subcommand)]
pub enum AccountsCommand {
    /// Avertit, désactive ou anonymise les comptes sans connexion, selon leur ancienneté.
    Lifecycle(LifecycleArgs),
}

#[derive(Args)]
pub struct LifecycleArgs {
    /// Applique les règles comme au jour donné (AAAA-MM-JJ, à midi UTC) au lieu de maintenant.
    #[arg(long, value_name = "AAAA-MM-JJ")]
    pub now: Option<String>,
    #[command(flatten)]
    pub mail: MailArgs,
}

pub async fn run(database_url: &str, command: AccountsCommand) -> anyhow::Result<()> {
    let AccountsCommand::Lifecycle(args) = command;
    let as_of = match &args.now {
        Some(text) => {
            parse_midnight(text).ok_or_else(|| {
                anyhow!("date « {text} » illisible : attendue au format AAAA-MM-JJ")
            })? + DAY / 2
        }
        None => crate::now(),
    };
    let store = Store::connect(database_url).await?;
    let state = AppState::new(store, settings_of(args.mail));
    let report = run_lifecycle(&state, as_of).await?;
    println!(
        "Comptes avertis : {} (courriels acceptés : {}) ; désactivés : {} ; anonymisés : {}.",
        report.warned, report.mailed, report.deactivated, report.anonymised
    );
    Ok(())
}
