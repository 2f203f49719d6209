//! `aiguillage serve`: the web server, with its settings read from flags or the environment.

use aiguillage_domain::orientation::Helpline;
use aiguillage_service::mail::SmtpSettings;
use aiguillage_service::proconnect::ProConnectSettings;
use aiguillage_service::{AppState, Settings};
use aiguillage_store::Store;
use aiguillage_web::router;
use clap::Args;
use std::net::SocketAddr;

#[derive(Args, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "AIGUILLAGE_BIND", default_value = "127.0.0.1")]
    pub bind: String,
    /// Port to listen on.
    #[arg(long, env = "AIGUILLAGE_PORT", default_value_t = 8080)]
    pub port: u16,
    /// Body running the instance (footer, legal notices).
    #[arg(
        long,
        env = "AIGUILLAGE_OPERATOR_NAME",
        default_value = "l'opérateur de cette instance"
    )]
    pub operator_name: String,
    /// Contact address for legal notices and data-protection requests.
    #[arg(
        long,
        env = "AIGUILLAGE_OPERATOR_CONTACT",
        default_value = "contact@exemple.fr"
    )]
    pub operator_contact: String,
    /// Raster tile URL template for the directory map (`https://…/{z}/{x}/{y}.png`); none by default.
    #[arg(long, env = "AIGUILLAGE_MAP_TILES")]
    pub map_tiles: Option<String>,
    /// SMTP relay host for e-mail notifications (plain SMTP); without it, notifications are in-app only.
    #[arg(long, env = "AIGUILLAGE_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// SMTP relay port.
    #[arg(long, env = "AIGUILLAGE_SMTP_PORT", default_value_t = 25)]
    pub smtp_port: u16,
    /// Sender address of notification e-mails.
    #[arg(
        long,
        env = "AIGUILLAGE_MAIL_FROM",
        default_value = "ne-pas-repondre@aiguillage.example"
    )]
    pub mail_from: String,
    /// The address people use to reach this instance, for links in e-mails.
    #[arg(
        long,
        env = "AIGUILLAGE_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub public_url: String,
    /// Published indicator counts below this are masked (secret statistique).
    #[arg(long, env = "AIGUILLAGE_MIN_CELL_SIZE", default_value_t = 11, value_parser = clap::value_parser!(u64).range(1..))]
    pub min_cell_size: u64,
    /// The helpline printed on the take-home sheet, as « nom|téléphone|horaires|site »; Solidarité
    /// numérique by default.
    #[arg(long, env = "AIGUILLAGE_HELPLINE", value_parser = parse_helpline)]
    pub helpline: Option<Helpline>,
    /// The bearer token that reads `/metrics`; without it, `/metrics` answers the loopback address only.
    #[arg(long, env = "AIGUILLAGE_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
}

/// « nom|téléphone|horaires|site » → a helpline; every part must be given.
fn parse_helpline(text: &str) -> Result<Helpline, String> {
    let parts: Vec<&str> = text.split('|').map(str::trim).collect();
    match parts.as_slice() {
        [name, phone, hours, website] if parts.iter().all(|p| !p.is_empty()) => Ok(Helpline {
            name: (*name).to_owned(),
            phone: (*phone).to_owned(),
            hours: (*hours).to_owned(),
            website: (*website).to_owned(),
        }),
        _ => Err("attendu « nom|téléphone|horaires|site », chaque partie remplie".to_owned()),
    }
}

/// Serves until interrupted.
pub async fn run(database_url: &str, args: ServeArgs) -> anyhow::Result<()> {
    let store = Store::connect(database_url).await?;
    let settings = Settings {
        operator_name: args.operator_name.clone(),
        operator_contact: args.operator_contact.clone(),
        map_tiles: args.map_tiles.clone(),
        smtp: args.smtp_host.clone().map(|host| SmtpSettings {
            host,
            port: args.smtp_port,
            from: args.mail_from.clone(),
        }),
        public_url: args.public_url.clone(),
        min_cell_size: args.min_cell_size,
        helpline: args.helpline.clone().unwrap_or_default(),
        proconnect: ProConnectSettings::from_env(&args.public_url),
        metrics_token: args.metrics_token.clone(),
        ..Settings::default()
    };
    serve(store, settings, &args.bind, args.port, |_| {}).await
}

/// Binds, calls `on_ready` with the bound address, then serves until Ctrl-C.
pub async fn serve(
    store: Store,
    settings: Settings,
    bind: &str,
    port: u16,
    on_ready: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind((bind, port)).await?;
    let address = listener.local_addr()?;
    tracing::info!(%address, backend = store.backend().name(), "serving");
    on_ready(address);
    let state = AppState::new(store.clone(), settings);
    // The router first: building it installs the metrics recorder, which must be there before a
    // background job counts its first run (a run counted earlier is lost from `/metrics`).
    let app = router(state.clone());
    tokio::spawn(purge_expired_sessions(store.clone()));
    tokio::spawn(expire_vouchers(store.clone()));
    tokio::spawn(daily_purge(state.clone()));
    tokio::spawn(daily_account_lifecycle(state.clone()));
    // The steering records load in the background, so that a large instance serves at once.
    let warm = state.indicators.clone().warm(store.clone(), state.now());
    tokio::spawn(async move {
        warm.await;
        release_freed_memory();
    });
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    state.indicators.keep_on_disk_before_stop(&store).await;
    store.close().await;
    Ok(())
}

/// Counts a background job's run by its outcome (`done`, `skipped` when another instance holds the
/// lease, `failed`), for `/metrics`.
fn job_ran(job: &'static str, outcome: &'static str) {
    metrics::counter!("background_job_runs_total", "job" => job, "outcome" => outcome).increment(1);
}

/// Applies the retention rules once a day: every hour it tries the purge lease and runs when the
/// last run is older than 20 hours, so instances sharing a database purge once between them.
async fn daily_purge(state: AppState) {
    let holder = crate::lease_holder("serve");
    let mut ticks = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        ticks.tick().await;
        let outcome = match aiguillage_service::retention::daily_purge(&state, &holder).await {
            Ok(Some(report)) => {
                tracing::info!(?report, "daily purge done");
                "done"
            }
            Ok(None) => "skipped",
            Err(error) => {
                tracing::warn!(%error, "daily purge failed");
                "failed"
            }
        };
        job_ran("purge", outcome);
    }
}

/// Deletes expired sessions every ten minutes (any instance may do it; the deletes are idempotent).
/// The accounts' lifecycle once a day: every hour it tries the lease, which a run keeps 20 hours, so
/// instances sharing a database run it once a day between them.
async fn daily_account_lifecycle(state: AppState) {
    let holder = crate::lease_holder("serve");
    let mut ticks = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        ticks.tick().await;
        let outcome = match aiguillage_service::account_lifecycle::daily(&state, &holder).await {
            Ok(Some(report)) => {
                tracing::info!(?report, "account lifecycle done");
                "done"
            }
            Ok(None) => "skipped",
            Err(error) => {
                tracing::warn!(%error, "account lifecycle failed");
                "failed"
            }
        };
        job_ran("account_lifecycle", outcome);
    }
}

async fn purge_expired_sessions(store: Store) {
    let mut ticks = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        ticks.tick().await;
        let outcome = match store.purge_expired_sessions(crate::now()).await {
            Ok(0) => "done",
            Ok(purged) => {
                tracing::info!(purged, "expired sessions deleted");
                "done"
            }
            Err(error) => {
                tracing::warn!(%error, "session purge failed");
                "failed"
            }
        };
        job_ran("session_purge", outcome);
    }
}

/// Marks the vouchers of ended campaigns expired, each in the ledger, every hour (any instance may
/// do it: the ledger head's lock queues them, and a voucher already expired is not picked again).
async fn expire_vouchers(store: Store) {
    let mut ticks = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        ticks.tick().await;
        let now = crate::now();
        let today = crate::vouchers::latest_starting_date(now);
        match store.expire_vouchers(today, now).await {
            Ok(0) => {}
            Ok(expired) => tracing::info!(expired, "vouchers expired"),
            Err(error) => tracing::warn!(%error, "voucher expiry failed"),
        }
    }
}

/// Gives the memory freed by the load of the records back to the system: glibc keeps the freed
/// pages of its arenas resident, and after the full load of a million people's indicator records
/// that was 360 MB beside the 570 MB the records hold (BENCHMARKS.md, "Memory of the records").
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` takes no pointer; it locks and walks glibc's own arenas, and may be
    // called from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}
