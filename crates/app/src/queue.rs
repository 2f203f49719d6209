//! `aiguillage queue remind`: notifies the referrals waiting beyond their territory's target delays
//! (to run daily, e.g. from cron or a systemd timer). The redistribution command comes with the solver.

use aiguillage_store::Store;
use aiguillage_web::mail::SmtpSettings;
use aiguillage_web::notify::remind_late_referrals;
use aiguillage_web::{AppState, Settings};
use clap::{Args, Subcommand};

#[derive(Subcommand)]
pub enum QueueCommand {
    /// Notify the receiving structures and coordinators of referrals waiting beyond the target
    /// delays (once per referral and state).
    Remind(MailArgs),
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

pub async fn run(database_url: &str, command: QueueCommand) -> anyhow::Result<()> {
    let store = Store::connect(database_url).await?;
    match command {
        QueueCommand::Remind(mail) => {
            let settings = Settings {
                smtp: mail.smtp_host.map(|host| SmtpSettings {
                    host,
                    port: mail.smtp_port,
                    from: mail.mail_from,
                }),
                public_url: mail.public_url,
                ..Settings::default()
            };
            let state = AppState::new(store, settings);
            let reminded = remind_late_referrals(&state).await?;
            println!("{reminded} orientation(s) en retard signalée(s).");
        }
    }
    Ok(())
}
