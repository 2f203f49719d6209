//! `aiguillage purge [--dry-run] [--now AAAA-MM-JJ]`: applies every retention rule once (the job
//! `serve` runs daily), or with `--dry-run` lists what would go, rule by rule, with counts. `--now`
//! applies the rules as on another day (a rehearsal of the coming months on a copy, or a test); the
//! purge takes the same lease as the daily job, so two never run together.

use crate::queue::{settings_of, MailArgs};
use aiguillage_domain::calendar::{parse_midnight, DAY};
use aiguillage_domain::retention::PurgeReport;
use aiguillage_service::retention::purge;
use aiguillage_service::AppState;
use aiguillage_store::Store;
use anyhow::anyhow;
use clap::Args;

#[derive(Args)]
pub struct PurgeArgs {
    /// Compte ce qui partirait, règle par règle, sans rien effacer ni avertir.
    #[arg(long)]
    pub dry_run: bool,
    /// Applique les règles comme au jour donné (AAAA-MM-JJ, à midi UTC) au lieu de maintenant.
    #[arg(long, value_name = "AAAA-MM-JJ")]
    pub now: Option<String>,
    #[command(flatten)]
    pub mail: MailArgs,
}

pub async fn run(database_url: &str, args: PurgeArgs) -> anyhow::Result<()> {
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
    let holder = crate::lease_holder("purge-cli");
    let report = purge(&state, &holder, as_of, args.dry_run).await?;
    print!("{}", report_text(&report, args.dry_run));
    Ok(())
}

/// The report as printed: one line per rule with its count.
fn report_text(report: &PurgeReport, dry_run: bool) -> String {
    let mut text = String::from(if dry_run {
        "Simulation : rien n'a été effacé ni envoyé.\n"
    } else {
        "Purge faite.\n"
    });
    for (rule, count) in report.lines() {
        text.push_str(&format!(
            "{count:>8}  {}  [{}]\n",
            rule.label(),
            rule.code()
        ));
    }
    text
}
