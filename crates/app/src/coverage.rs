//! `aiguillage territory coverage`: for every commune of the territory reference, the distance and
//! modelled travel time to the nearest offer of the directory that fits each kind of help and each
//! specific support, as CSV; then the population living beyond the threshold, per need.

use aiguillage_domain::coverage::{
    coverage, population_beyond, CommunePoint, Need, OfferPoint, DEFAULT_THRESHOLD_MINUTES,
};
use aiguillage_domain::geo::Position;
use aiguillage_domain::territory::{Commune, CommuneKind};
use aiguillage_store::{Store, StoredPlace};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct CoverageArgs {
    /// Where to write the CSV (standard output by default).
    #[arg(long)]
    output: Option<PathBuf>,
    /// Minutes beyond which a commune counts as far from a fitting offer.
    #[arg(long, default_value_t = DEFAULT_THRESHOLD_MINUTES)]
    threshold: f64,
}

/// The communes of the reference with a position.
pub fn commune_points(communes: &[Commune]) -> Vec<CommunePoint> {
    communes
        .iter()
        .filter(|c| c.kind == CommuneKind::Commune)
        .filter_map(|c| {
            Some(CommunePoint {
                code: c.code.clone(),
                departement_code: c.departement_code.clone(),
                position: Position {
                    latitude: c.latitude?,
                    longitude: c.longitude?,
                },
                population: u64::try_from(c.population.unwrap_or(0)).unwrap_or(0),
            })
        })
        .collect()
}

/// Every offer of the directory with a position, with the needs it meets.
pub fn offer_points(places: &[StoredPlace]) -> Vec<OfferPoint> {
    let needs = Need::all();
    places
        .iter()
        .filter_map(|place| {
            Some((
                place,
                Position {
                    latitude: place.latitude?,
                    longitude: place.longitude?,
                },
            ))
        })
        .flat_map(|(place, position)| {
            let needs = &needs;
            place
                .offers
                .iter()
                .zip(&place.offer_ids)
                .map(move |(offer, id)| OfferPoint {
                    offer_id: *id,
                    departement_code: place.departement_code.clone(),
                    position,
                    needs: needs.iter().copied().filter(|n| n.met_by(offer)).collect(),
                })
        })
        .collect()
}

fn cell(value: Option<f64>) -> String {
    value.map(|v| format!("{v:.1}")).unwrap_or_default()
}

pub async fn run(database_url: &str, args: &CoverageArgs) -> anyhow::Result<()> {
    let store = Store::connect(database_url).await?;
    let places = store.places_in_box((-90.0, 90.0), (-180.0, 180.0)).await?;
    let offers = offer_points(&places);
    let territory = aiguillage_interop::territory::embedded()?;
    let communes = commune_points(&territory.communes);
    let started = Instant::now();
    let (needs, result) = coverage(&communes, &offers);
    let beyond = population_beyond(&communes, &result, needs.len(), args.threshold);
    let seconds = started.elapsed().as_secs_f64();
    let out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::fs::File::create(path)?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut writer = csv::Writer::from_writer(out);
    let mut header = vec!["code_insee".to_owned()];
    for need in &needs {
        header.push(format!("{} (km)", need.label()));
        header.push(format!("{} (min)", need.label()));
    }
    writer.write_record(&header)?;
    for commune in &result {
        let mut row = vec![commune.code.clone()];
        for reach in &commune.reaches {
            row.push(cell(reach.map(|r| r.distance_km)));
            row.push(cell(reach.map(|r| r.minutes)));
        }
        writer.write_record(&row)?;
    }
    writer.flush()?;
    eprintln!(
        "{} communes, {} offres avec une position ; calcul en {seconds:.3} s.",
        communes.len(),
        offers.len()
    );
    let total: u64 = communes.iter().map(|c| c.population).sum();
    for (need, people) in needs.iter().zip(beyond) {
        eprintln!(
            "{} : {people} habitants ({:.1} %) à plus de {:.0} minutes ou sans offre dans leur zone.",
            need.label(),
            100.0 * people as f64 / total.max(1) as f64,
            args.threshold
        );
    }
    Ok(())
}
