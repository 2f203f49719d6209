//! `aiguillage territory import`: loads or refreshes the communes, EPCI, départements and régions
//! embedded in the binary, with a progress bar, and says what changed; `territory index` (see
//! `fragility_index`) and `territory coverage` (see `coverage`).

use aiguillage_store::{ImportProgress, Store, TerritoryImportReport};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use std::sync::Mutex;

#[derive(Subcommand)]
pub enum TerritoryCommand {
    /// Load or refresh the official territory data (idempotent).
    Import,
    /// Count what is loaded.
    Stats,
    /// Compute the digital fragility index of every commune (or EPCI, or département) and write it
    /// as CSV: `code_insee`, each indicator's score, `index`.
    Index(crate::fragility_index::IndexArgs),
    /// For every commune, the distance and travel time to the nearest offer of the directory that
    /// fits each kind of help and each specific support, as CSV.
    Coverage(crate::coverage::CoverageArgs),
    /// Propose the stops of an itinerant offer (bus, permanence) that bring the most fragile
    /// population within reach of a fitting offer.
    Plan(crate::coverage::PlanArgs),
}

pub async fn run(database_url: &str, command: TerritoryCommand) -> anyhow::Result<()> {
    if let TerritoryCommand::Index(args) = &command {
        // Works from the reference compiled in: no database needed.
        return crate::fragility_index::run(args);
    }
    if let TerritoryCommand::Coverage(args) = &command {
        return crate::coverage::run(database_url, args).await;
    }
    if let TerritoryCommand::Plan(args) = &command {
        return crate::coverage::plan(database_url, args).await;
    }
    let store = Store::connect(database_url).await?;
    match command {
        TerritoryCommand::Import => {
            let report = import(&store, true).await?;
            print_report(&report);
        }
        TerritoryCommand::Stats
        | TerritoryCommand::Index(_)
        | TerritoryCommand::Coverage(_)
        | TerritoryCommand::Plan(_) => {}
    }
    let counts = store.territory_counts().await?;
    println!(
        "En base : {} communes (+ {} arrondissements municipaux), {} EPCI, {} départements (+ {} collectivités d'outre-mer), {} régions (+ {} collectivités d'outre-mer).",
        counts.communes,
        counts.municipal_arrondissements,
        counts.epcis,
        counts.departements,
        counts.departements_overseas_collectivities,
        counts.regions,
        counts.regions_overseas_collectivities
    );
    Ok(())
}

/// Imports the embedded territory data, drawing a progress bar per table when `show_progress`.
pub async fn import(store: &Store, show_progress: bool) -> anyhow::Result<TerritoryImportReport> {
    let data = aiguillage_interop::territory::embedded()?;
    let bar: Mutex<Option<(&'static str, ProgressBar)>> = Mutex::new(None);
    let style = ProgressStyle::with_template("{msg:>14} [{bar:40}] {pos}/{len}")
        .map(|style| style.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    let progress = |step: ImportProgress| {
        if !show_progress {
            return;
        }
        let Ok(mut current) = bar.lock() else { return };
        if current.as_ref().map(|(table, _)| *table) != Some(step.table) {
            if let Some((_, finished)) = current.take() {
                finished.finish();
            }
            let new_bar = ProgressBar::new(step.total)
                .with_style(style.clone())
                .with_message(step.table);
            *current = Some((step.table, new_bar));
        }
        if let Some((_, bar)) = current.as_ref() {
            bar.set_position(step.done);
        }
    };
    let report = store.import_territory(&data, &progress).await?;
    if let Ok(mut current) = bar.lock() {
        if let Some((_, finished)) = current.take() {
            finished.finish();
        }
    }
    Ok(report)
}

fn print_report(report: &TerritoryImportReport) {
    for (name, table) in [
        ("régions", report.regions),
        ("départements", report.departements),
        ("EPCI", report.epcis),
        ("communes", report.communes),
    ] {
        println!(
            "{name} : {} ajoutés, {} mis à jour, {} inchangés",
            table.inserted, table.updated, table.unchanged
        );
    }
    if report.changed() == 0 {
        println!("Référentiel déjà à jour : rien n'a changé.");
    }
}
