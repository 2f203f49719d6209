//! Directory benchmark: imports 20 000 places spread over real French communes, re-imports them
//! unchanged, then runs directory searches (service + audience + 20 km around a commune) through the
//! same code as the page and the API, and reports rates and latencies.
//!
//! Run: `cargo bench -p aiguillage --bench directory` (SQLite in a temporary file), or with
//! `AIGUILLAGE_TEST_DATABASE_URL=postgres://…` for PostgreSQL. Not a test: it measures, it does not judge.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use aiguillage_domain::directory::{Audience, Place, Service, SupportMode};
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_interop::territory::embedded;
use aiguillage_service::directory_search::{run_search, DirectoryQuery};
use aiguillage_store::testing::fresh_store;
use std::time::{Duration, Instant};

const PLACES: usize = 20_000;
const SEARCHES: usize = 300;

fn synthetic_places(communes: &[aiguillage_domain::territory::Commune]) -> Vec<(u64, Place)> {
    (0..PLACES)
        .map(|index| {
            let commune = &communes[(index * 7919) % communes.len()];
            let place = Place {
                id: format!("bench-{index}"),
                pivot: "12345678900012".into(),
                name: format!("Lieu de médiation {index}"),
                commune: commune.name.clone(),
                postal_code: commune
                    .postal_codes
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "75001".into()),
                insee_code: Some(commune.code.clone()),
                address: format!("{} rue de la République", index % 120 + 1),
                latitude: commune
                    .latitude
                    .map(|lat| lat + (index % 10) as f64 * 0.002),
                longitude: commune.longitude,
                updated_on: "2026-06-01".into(),
                services: vec![Service::ALL[index % 9], Service::ALL[(index / 9) % 9]],
                audiences: vec![Audience::ALL[index % 5]],
                support_modes: vec![SupportMode::ALL[index % 4]],
                opening_hours: Some("Mo-Fr 09:00-12:00,14:00-17:00".into()),
                ..Place::default()
            };
            (index as u64 + 2, place)
        })
        .collect()
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * fraction).round() as usize]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (store, url) = fresh_store().await?;
    println!("base : {}", aiguillage_store::redact_url(&url));
    let data = embedded()?;
    store.import_territory(&data, &|_| {}).await?;
    let communes: Vec<_> = data
        .communes
        .iter()
        .filter(|c| c.latitude.is_some() && !c.postal_codes.is_empty())
        .cloned()
        .collect();
    let places = synthetic_places(&communes);

    let started = Instant::now();
    let report = store
        .import_places("bench", &places, None, 0, &|_, _| {})
        .await?;
    let first = started.elapsed();
    println!(
        "import de {PLACES} lieux : {:.2} s, {:.0} lieux/s ({} ajoutés, {} rejetés)",
        first.as_secs_f64(),
        PLACES as f64 / first.as_secs_f64(),
        report.inserted,
        report.rejected.len()
    );
    let started = Instant::now();
    let again = store
        .import_places("bench", &places, None, 0, &|_, _| {})
        .await?;
    let second = started.elapsed();
    println!(
        "réimport inchangé : {:.2} s, {:.0} lieux/s ({} inchangés)",
        second.as_secs_f64(),
        PLACES as f64 / second.as_secs_f64(),
        again.unchanged
    );

    let territory = TerritoryScope::Departement("49".into());
    let mut latencies = Vec::with_capacity(SEARCHES);
    let mut found_total = 0;
    for index in 0..SEARCHES {
        let commune = &communes[(index * 104_729) % communes.len()];
        let query = DirectoryQuery {
            besoin: Service::ALL[index % 9].label().into(),
            public: Audience::ALL[index % 5].label().into(),
            commune: commune.name.clone(),
            rayon: "20".into(),
            ..DirectoryQuery::default()
        };
        let started = Instant::now();
        let outcome = run_search(&store, &query, &territory)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        latencies.push(started.elapsed());
        found_total += outcome.found.len();
    }
    latencies.sort();
    println!(
        "{SEARCHES} recherches (besoin + public + 20 km) : médiane {:.1} ms, 95e centile {:.1} ms, max {:.1} ms, {:.1} lieux trouvés en moyenne",
        percentile(&latencies, 0.5).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.95).as_secs_f64() * 1000.0,
        latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
        found_total as f64 / SEARCHES as f64
    );
    Ok(())
}
