//! The `aiguillage` binary: reads the configuration, wires storage and web together, and offers the
//! commands to serve, run the demo, import the territory, create accounts and manage vouchers.

mod accounts;
mod api_client;
mod backup;
mod coverage;
mod demo;
mod demo_bank;
mod demo_directory;
mod demo_team;
mod demo_vouchers;
mod directory;
mod fragility_index;
mod generate;
mod indicators;
mod purge;
mod queue;
mod serve;
mod solve;
mod structure;
mod territory;
mod user;
mod vouchers;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Default database when `AIGUILLAGE_DATABASE_URL` is not set: one SQLite file beside the working folder.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://aiguillage-data/aiguillage.db";

#[derive(Parser)]
#[command(
    name = "aiguillage",
    version,
    about = "Coordination de l'inclusion numérique d'un territoire"
)]
struct Cli {
    /// Database: sqlite://FILE (embedded, default) or postgres://USER:PASSWORD@HOST/DB.
    #[arg(long, env = "AIGUILLAGE_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web application.
    Serve(serve::ServeArgs),
    /// Create a fresh demonstration instance for Maine-et-Loire and serve it.
    Demo(demo::DemoArgs),
    /// The directory of places ("qui fait quoi"): import and export in the national standard.
    Directory {
        #[command(subcommand)]
        command: directory::DirectoryCommand,
    },
    /// Territory reference data (communes, EPCI, départements, régions).
    Territory {
        #[command(subcommand)]
        command: territory::TerritoryCommand,
    },
    /// Structures (list them to find the identifier an account needs).
    Structure {
        #[command(subcommand)]
        command: structure::StructureCommand,
    },
    /// API clients: partner tools calling the JSON API with a bearer credential.
    ApiClient {
        #[command(subcommand)]
        command: api_client::ApiClientCommand,
    },
    /// The accounts' lifecycle: warning, deactivation and anonymisation of accounts without sign-in.
    Accounts {
        #[command(subcommand)]
        command: accounts::AccountsCommand,
    },
    /// Professional accounts.
    User {
        #[command(subcommand)]
        command: user::UserCommand,
    },
    /// The active queue of referrals (reminders of late referrals).
    Queue {
        #[command(subcommand)]
        command: queue::QueueCommand,
    },
    /// Steering indicators: the standard tables of a territory, masked, as CSV or open-data JSON.
    Indicators {
        #[command(subcommand)]
        command: indicators::IndicatorsCommand,
    },
    /// Chèques numériques : campagnes, lieux qualifiés, carnets, registre, expiration.
    Vouchers {
        #[command(subcommand)]
        command: vouchers::VouchersCommand,
    },
    /// Encrypted backups of the SQLite database (key, create, restore).
    Backup {
        #[command(subcommand)]
        command: backup::BackupCommand,
    },
    /// Apply the retention rules once (as the daily job does), or list what would go (--dry-run).
    Purge(purge::PurgeArgs),
    /// Fill the database with synthetic offers, people, diagnostics and referrals (benchmarks only).
    Generate(generate::GenerateArgs),
    /// Solve a minimum-cost flow instance in DIMACS format: prints `cost N` and `seconds S`.
    Solve {
        /// The instance file.
        file: std::path::PathBuf,
    },
    /// Apply the database migrations and exit.
    Migrate,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let result = match cli.command {
        Command::Serve(args) => serve::run(&cli.database_url, args).await,
        Command::Demo(args) => demo::run(args).await,
        Command::Directory { command } => directory::run(&cli.database_url, command).await,
        Command::Territory { command } => territory::run(&cli.database_url, command).await,
        Command::Structure { command } => structure::run(&cli.database_url, command).await,
        Command::User { command } => user::run(&cli.database_url, command).await,
        Command::Accounts { command } => accounts::run(&cli.database_url, command).await,
        Command::ApiClient { command } => api_client::run(&cli.database_url, command).await,
        Command::Queue { command } => queue::run(&cli.database_url, command).await,
        Command::Indicators { command } => indicators::run(&cli.database_url, command).await,
        Command::Vouchers { command } => vouchers::run(&cli.database_url, command).await,
        Command::Backup { command } => backup::run(&cli.database_url, command).await,
        Command::Purge(args) => purge::run(&cli.database_url, args).await,
        Command::Generate(args) => generate::run(&cli.database_url, args).await,
        Command::Solve { file } => solve::run(&file),
        Command::Migrate => migrate(&cli.database_url).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("Erreur : {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn migrate(database_url: &str) -> anyhow::Result<()> {
    aiguillage_store::Store::connect(database_url).await?;
    println!(
        "Base de données à jour ({}).",
        aiguillage_store::redact_url(database_url)
    );
    Ok(())
}

/// Logs go to standard error: JSON lines when `AIGUILLAGE_LOG_FORMAT=json`, readable text otherwise;
/// the level comes from `RUST_LOG` (default `info`).
fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("AIGUILLAGE_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().init();
    } else {
        builder.compact().init();
    }
}

/// This process's name in the job leases (`job_leases.holder`): its kind, its id and a random part,
/// since processes on two hosts may share an id (two containers, each running its own PID 1), and a
/// holder may take again a lease it holds.
pub fn lease_holder(kind: &str) -> String {
    let random: String = aiguillage_service::credentials::random_token()
        .chars()
        .take(8)
        .collect();
    format!("{kind}-{}-{random}", std::process::id())
}

/// The current time in Unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn two_holders_of_one_process_differ() {
        let (first, second) = (super::lease_holder("serve"), super::lease_holder("serve"));
        let prefix = format!("serve-{}-", std::process::id());
        assert!(
            first.starts_with(&prefix) && second.starts_with(&prefix),
            "{first}"
        );
        assert_eq!(first.len(), prefix.len() + 8);
        assert_ne!(first, second);
    }
}
