//! `aiguillage territory coverage`: for every commune of the territory reference, the distance and
//! modelled travel time to the nearest offer of the directory that fits each kind of help and each
//! specific support, as CSV; then the population living beyond the threshold, per need. A travel-time
//! matrix, when given, replaces the modelled times for the pairs it lists.

use aiguillage_domain::coverage::{
    population_beyond, CommunePoint, CoverageIndex, Need, TravelTimes, DEFAULT_THRESHOLD_MINUTES,
};
use aiguillage_domain::territory::Commune;
use aiguillage_interop::csv_cell::write_safe_record;
use aiguillage_interop::travel_times::read_travel_times;
use aiguillage_service::territory_diagnostic::{commune_points, offer_points};
use aiguillage_store::Store;
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
    /// A commune-to-commune travel-time matrix (`origine,destination,minutes`) whose times replace
    /// the model for the pairs it lists.
    #[arg(long = "travel-times")]
    travel_times: Option<PathBuf>,
}

fn read_matrix(path: &PathBuf) -> anyhow::Result<TravelTimes> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("lecture de {} impossible : {e}", path.display()))?;
    let file = read_travel_times(&text).map_err(|e| anyhow::anyhow!("{} : {e}", path.display()))?;
    for rejection in &file.rejected {
        eprintln!(
            "{} ligne {} : {}",
            path.display(),
            rejection.line,
            rejection.reason
        );
    }
    eprintln!(
        "{} : {} trajets lus, {} ligne(s) rejetée(s).",
        path.display(),
        file.times.len(),
        file.rejected.len()
    );
    Ok(file.times)
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
    let times = args.travel_times.as_ref().map(read_matrix).transpose()?;
    let started = Instant::now();
    let index = CoverageIndex::build(&offers);
    let needs = index.needs().to_vec();
    let result: Vec<_> = match &times {
        Some(times) => communes
            .iter()
            .map(|c| index.coverage_with_times(c, times))
            .collect(),
        None => index.coverage_of_all(&communes, &aiguillage_service::steering::SideBySide),
    };
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
    write_safe_record(&mut writer, &header)?;
    for commune in &result {
        let mut row = vec![commune.code.clone()];
        for reach in &commune.reaches {
            row.push(cell(reach.map(|r| r.distance_km)));
            row.push(cell(reach.map(|r| r.minutes)));
        }
        write_safe_record(&mut writer, &row)?;
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

#[derive(Args)]
pub struct PlanArgs {
    /// Département code (49) or EPCI SIREN (9 digits) where the stops go.
    #[arg(long)]
    territory: String,
    /// How many stops.
    #[arg(long, default_value_t = 3)]
    stops: usize,
    /// The need the itinerant offer meets, by its label (default: the first kind of help).
    #[arg(long)]
    need: Option<String>,
    /// Minutes within which a stop counts as reaching a commune.
    #[arg(long, default_value_t = DEFAULT_THRESHOLD_MINUTES)]
    threshold: f64,
}

/// `aiguillage territory plan`: the stops of an itinerant offer that bring the most fragile
/// population within reach, given the directory's offers (greedy maximum coverage).
pub async fn plan(database_url: &str, args: &PlanArgs) -> anyhow::Result<()> {
    use aiguillage_domain::coverage::modelled_minutes;
    use aiguillage_domain::geo::distance_km;
    use aiguillage_domain::itinerant::{fragile_weight, greedy, Candidate, Demand};
    use aiguillage_domain::territory::TerritoryScope;

    let scope: TerritoryScope = args.territory.parse()?;
    let needs = Need::all();
    let column = match &args.need {
        Some(label) => needs
            .iter()
            .position(|n| n.label() == label.trim())
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "besoin « {label} » inconnu ; possibles : {}",
                    needs
                        .iter()
                        .map(|n| n.label())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?,
        None => 0,
    };
    let territory = aiguillage_interop::territory::embedded()?;
    let inside = |c: &Commune| match &scope {
        TerritoryScope::Departement(code) => &c.departement_code == code,
        TerritoryScope::Epci(code) => c.epci_code.as_deref() == Some(code.as_str()),
    };
    let all = commune_points(&territory.communes);
    let local_codes: std::collections::BTreeSet<&str> = territory
        .communes
        .iter()
        .filter(|c| inside(c))
        .map(|c| c.code.as_str())
        .collect();
    let local: Vec<&CommunePoint> = all
        .iter()
        .filter(|c| local_codes.contains(c.code.as_str()))
        .collect();
    if local.is_empty() {
        anyhow::bail!("aucune commune dans le territoire {scope}");
    }
    // Fragility: the 2023 index over all communes of France, default selection (computed once).
    let index = aiguillage_service::territory_diagnostic::national_index();
    let store = Store::connect(database_url).await?;
    let places = store.places_in_box((-90.0, 90.0), (-180.0, 180.0)).await?;
    let offers = offer_points(&places);
    let coverage_index = CoverageIndex::build(&offers);
    let demands: Vec<Demand> = local
        .iter()
        .map(|c| Demand {
            code: c.code.clone(),
            weight: fragile_weight(c.population, index.get(&c.code).copied().flatten()),
            covered: coverage_index.coverage_of(c).reaches[column]
                .is_some_and(|r| r.minutes <= args.threshold),
        })
        .collect();
    let candidates: Vec<Candidate> = local
        .iter()
        .map(|stop| {
            let reaches = local
                .iter()
                .enumerate()
                .filter(|(_, c)| {
                    modelled_minutes(distance_km(c.position, stop.position), c.population)
                        <= args.threshold
                })
                .map(|(i, _)| i)
                .collect();
            Candidate::new(stop.code.clone(), reaches)
        })
        .collect();
    let uncovered: f64 = demands
        .iter()
        .filter(|d| !d.covered)
        .map(|d| d.weight)
        .sum();
    println!(
        "{} : {} communes ; population fragile hors de portée ({}, {:.0} min) : {uncovered:.0}.",
        scope,
        local.len(),
        needs[column].label(),
        args.threshold
    );
    let names: std::collections::BTreeMap<&str, &str> = territory
        .communes
        .iter()
        .map(|c| (c.code.as_str(), c.name.as_str()))
        .collect();
    let plan = greedy(&demands, &candidates, args.stops);
    for (rank, stop) in plan.iter().enumerate() {
        let code = &candidates[stop.candidate].code;
        println!(
            "arrêt {} : {} ({code}) — {:.0} personnes fragiles de plus à portée",
            rank + 1,
            names.get(code.as_str()).copied().unwrap_or(""),
            stop.gain
        );
    }
    let gained: f64 = plan.iter().map(|s| s.gain).sum();
    println!(
        "Total : {gained:.0} ({:.1} % de la population fragile hors de portée). Choix glouton : au moins 63 % du meilleur possible.",
        100.0 * gained / uncovered.max(1.0)
    );
    Ok(())
}
