//! Steering dashboard benchmark: the instance's indicator records loaded once from the database
//! named by `AIGUILLAGE_BENCH_DATABASE_URL` (e.g. one filled by `aiguillage generate`), then the
//! standard publication (fifteen tables and their links) computed and masked — primary, secondary
//! and the exact subtraction check — for the nation and for one département
//! (`AIGUILLAGE_BENCH_DEPARTEMENT`, 49 by default); median of several runs, compute and mask apart.
//!
//! Run: `AIGUILLAGE_BENCH_DATABASE_URL=sqlite://… cargo bench -p aiguillage --bench dashboard`.
//! Without the variable it says so and stops. Not a test: it measures, it does not judge.

use aiguillage_domain::indicators::{
    mask, standard_publication, Area, Cut, Dataset, Params, DEFAULT_MIN_CELL,
};
use aiguillage_domain::orientation::TargetDelays;
use aiguillage_store::Store;
use aiguillage_web::territory_diagnostic::{national_index, FRAGILE_FROM};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

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
        let mut publication = standard_publication(dataset, cut, params);
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
    let fragile: BTreeMap<String, bool> = national_index()
        .into_iter()
        .filter_map(|(code, index)| index.map(|i| (code, i >= FRAGILE_FROM)))
        .collect();
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
}
