//! Steering dashboard benchmark: the instance's indicator records loaded once from the database
//! named by `AIGUILLAGE_BENCH_DATABASE_URL` (e.g. one filled by `aiguillage generate`), then the
//! standard publication (fifteen tables and their links) computed and masked — primary, secondary
//! and the exact subtraction check — for the nation and for one département
//! (`AIGUILLAGE_BENCH_DEPARTEMENT`, 49 by default); median of several runs, compute and mask apart.
//!
//! Then the pages themselves, through the application's router as a browser would ask for them
//! (session cookie, middleware, policy, store reads, computation, masking, HTML): `/pilotage` of
//! the administrator (France) and of a coordinator of the département, once the records are in
//! memory. The bench adds its two accounts (and a structure) to the database if they are missing.
//!
//! With `AIGUILLAGE_BENCH_WRITES=N`, it then writes N sessions, referral events and
//! diagnostics and times the refresh of the records by difference.
//!
//! Run: `AIGUILLAGE_BENCH_DATABASE_URL=sqlite://… cargo bench -p aiguillage --bench dashboard`.
//! Without the variable it says so and stops. Not a test: it measures, it does not judge.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use aiguillage_domain::account::{DisplayName, Email, NewAccount};
use aiguillage_domain::indicators::{
    mask, standard_publication_with, Area, Cut, Dataset, Params, DEFAULT_MIN_CELL,
};
use aiguillage_domain::orientation::TargetDelays;
use aiguillage_domain::role::Role;
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_service::credentials::token_hash;
use aiguillage_service::steering::fragile_communes;
use aiguillage_service::steering::SideBySide;
use aiguillage_service::{AppState, Settings};
use aiguillage_store::{NewStructure, Store};
use aiguillage_web::router;
use axum::body::{to_bytes, Body};
use axum::http::{header, Request, StatusCode};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tower::ServiceExt;

const RUNS: usize = 7;

fn median(mut times: Vec<Duration>) -> (f64, f64, f64) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1]),
    )
}

fn measure(label: &str, dataset: &Dataset, cut: &Cut, params: &Params) {
    let (mut computing, mut masking, mut both) = (Vec::new(), Vec::new(), Vec::new());
    let mut cells = (0, 0);
    for _ in 0..RUNS {
        let started = Instant::now();
        let mut publication = standard_publication_with(dataset, cut, params, &SideBySide);
        let computed = started.elapsed();
        let report = mask(&mut publication, DEFAULT_MIN_CELL).expect("masking");
        let total = started.elapsed();
        computing.push(computed);
        masking.push(total - computed);
        both.push(total);
        let rows: usize = publication.tables.iter().map(|t| t.rows.len()).sum();
        cells = (rows, report.primary + report.secondary);
    }
    let (c, m, t) = (median(computing), median(masking), median(both));
    println!(
        "{label}: compute {:.1} ms + mask {:.1} ms = {:.1} ms median (min {:.1}, max {:.1}) over {RUNS} runs; {} rows, {} cells masked",
        c.0, m.0, t.0, t.1, t.2, cells.0, cells.1
    );
}

/// Where one computation of the cut spends its time, indicator by indicator (one run each).
fn breakdown(dataset: &Dataset, cut: &Cut, params: &Params) {
    use aiguillage_domain::indicators as i;
    let time = |f: &dyn Fn() -> i::IndicatorTable| {
        let started = Instant::now();
        let table = f();
        (table.id, started.elapsed().as_secs_f64() * 1000.0)
    };
    let parts = [
        time(&|| i::funnel(dataset, cut)),
        time(&|| i::delays(dataset, cut)),
        time(&|| i::refusals(dataset, cut)),
        time(&|| i::beyond_targets(dataset, cut, params)),
        time(&|| i::autonomy_gained(dataset, cut)),
        time(&|| i::outcomes(dataset, cut)),
        time(&|| i::gains(dataset, cut)),
        time(&|| i::drop_out(dataset, cut)),
        time(&|| i::reach_by_audience(dataset, cut)),
        time(&|| i::reach_by_age_band(dataset, cut)),
        time(&|| i::capacity_used(dataset, cut, i::CapacityBy::Offer)),
        time(&|| i::capacity_used(dataset, cut, i::CapacityBy::Structure)),
        time(&|| i::capacity_used(dataset, cut, i::CapacityBy::SupportModel)),
        time(&|| i::activity(dataset, cut)),
    ];
    let text: Vec<String> = parts
        .iter()
        .map(|(id, ms)| format!("{id} {ms:.0}"))
        .collect();
    println!("  by indicator (ms): {}", text.join(", "));
}

/// A session cookie for the bench's account of `role` over `territory`, created when missing.
async fn session_of(store: &Store, role: Role, territory: &str, now: i64) -> String {
    let email = format!("banc-{}@aiguillage.invalid", role.code());
    let account = match store.login_candidate(&email).await.expect("account lookup") {
        Some(candidate) => candidate.account.id,
        None => {
            let structure = NewStructure {
                name: "Structure du banc d'essai".into(),
                kind: "Banc d'essai".into(),
                commune_code: "49007".into(),
            };
            let structure_id = store
                .ensure_structure(&structure, now)
                .await
                .expect("structure");
            let account = NewAccount {
                email: Email::parse(&email).expect("e-mail"),
                display_name: DisplayName::parse("Banc d'essai").expect("name"),
                role,
                structure_id,
                territory: territory.parse::<TerritoryScope>().expect("territory"),
            };
            // No password signs in to this account: the bench holds its session directly.
            store
                .create_account(&account, "!", now)
                .await
                .expect("account")
        }
    };
    let token = format!("banc-{}-{now}", role.code());
    store
        .create_session(&token_hash(&token), account, "csrf-banc", now)
        .await
        .expect("session");
    format!("aiguillage_session={token}")
}

/// Times `GET path` with the cookie (median of [`RUNS`] after one warm-up request).
async fn measure_page(label: &str, app: &axum::Router, path: &str, cookie: &str) {
    let get = || async {
        let request = Request::get(path)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .expect("request");
        let response = app.clone().oneshot(request).await.expect("answer");
        let status = response.status();
        let body = to_bytes(response.into_body(), 256 * 1024 * 1024)
            .await
            .expect("body");
        (status, body.len())
    };
    let started = Instant::now();
    let (status, _) = get().await;
    let first = started.elapsed();
    assert_eq!(status, StatusCode::OK, "{label}: {path}");
    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        size = get().await.1;
        times.push(started.elapsed());
    }
    let (median, min, max) = median(times);
    println!(
        "page {label} ({path}): {median:.1} ms median (min {min:.1}, max {max:.1}) over {RUNS} requests, {:.0} kB of HTML; first request {:.2} s",
        size as f64 / 1024.0,
        first.as_secs_f64()
    );
}

/// The dashboard pages of the administrator (France) and of the département's coordinator.
async fn measure_pages(store: &Store, departement: &str, now: i64) {
    let admin = session_of(store, Role::Administrator, departement, now).await;
    let coordinator = session_of(store, Role::Coordinator, departement, now).await;
    let app = router(AppState::new(store.clone(), Settings::default()));
    measure_page("France (administrator)", &app, "/pilotage", &admin).await;
    measure_page(
        &format!("département {departement} (coordinator)"),
        &app,
        "/pilotage",
        &coordinator,
    )
    .await;
    measure_page(
        &format!("département {departement} seen by the administrator"),
        &app,
        &format!("/pilotage?territoire={departement}"),
        &admin,
    )
    .await;
}

/// Writes `writes` sessions, referral events and diagnostics (copies of the latest ones: the same
/// referrals and people, so the records stay consistent), then times a refresh by difference
/// against a full load's figure. It writes into the database, hence the opt-in variable.
async fn measure_refresh(
    store: &Store,
    load: &aiguillage_store::IndicatorLoad,
    fragile: &BTreeMap<String, bool>,
    writes: i64,
) {
    store
        .repeat_latest_activity(writes)
        .await
        .expect("copies of the latest activity");
    let started = Instant::now();
    let read = store
        .indicator_changes(&load.dataset, &load.marks, fragile)
        .await
        .expect("changes")
        .expect("read by difference");
    let read_time = started.elapsed();
    let counts = (
        read.changes.people.len(),
        read.changes.referrals.len(),
        read.changes.sessions.len(),
    );
    let started = Instant::now();
    let refreshed = load.dataset.with_changes(read.changes).expect("applied");
    let apply_time = started.elapsed();
    println!(
        "refresh by difference after {writes} sessions, events and diagnostics: read {:.0} ms ({} people, {} referrals, {} sessions read again), applied in {:.2} s; {} sessions now",
        read_time.as_secs_f64() * 1000.0,
        counts.0,
        counts.1,
        counts.2,
        apply_time.as_secs_f64(),
        refreshed.sessions().len()
    );
}

#[tokio::main]
async fn main() {
    let Ok(url) = std::env::var("AIGUILLAGE_BENCH_DATABASE_URL") else {
        println!(
            "AIGUILLAGE_BENCH_DATABASE_URL is not set: nothing measured (see the file's header)."
        );
        return;
    };
    let departement =
        std::env::var("AIGUILLAGE_BENCH_DEPARTEMENT").unwrap_or_else(|_| "49".to_owned());
    // The store logs the time of each step of the load.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("aiguillage_store=info"))
        .with_writer(std::io::stderr)
        .init();
    let store = Store::connect(&url).await.expect("database");
    let fragile: BTreeMap<String, bool> = fragile_communes();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let started = Instant::now();
    let watermark = store.indicator_watermark().await.expect("watermark");
    let watermark_time = started.elapsed();
    let started = Instant::now();
    let load = store
        .indicator_dataset(now, &fragile)
        .await
        .expect("indicator records");
    let load_time = started.elapsed();
    let data = &load.dataset;
    println!(
        "{} on {}: watermark {watermark} in {:.1} ms; records loaded in {:.2} s — {} people, {} referrals, {} sessions, {} capacities, {} left out",
        aiguillage_store::redact_url(&url),
        store.backend().name(),
        watermark_time.as_secs_f64() * 1000.0,
        load_time.as_secs_f64(),
        data.people().count(),
        data.referrals().len(),
        data.sessions().len(),
        data.capacities().len(),
        load.dropped
    );
    let params = Params {
        now,
        targets: TargetDelays::default(),
    };
    measure("nation", data, &Cut::default(), &params);
    breakdown(data, &Cut::default(), &params);
    let cut = Cut {
        area: Some(Area::Departement(departement.clone())),
        ..Cut::default()
    };
    measure(&format!("département {departement}"), data, &cut, &params);
    breakdown(data, &cut, &params);
    if let Some(writes) = std::env::var("AIGUILLAGE_BENCH_WRITES")
        .ok()
        .and_then(|n| n.parse::<i64>().ok())
    {
        measure_refresh(&store, &load, &fragile, writes).await;
    }
    drop(load);
    measure_pages(&store, &departement, now).await;
}
