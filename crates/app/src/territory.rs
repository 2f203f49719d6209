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
    /// Import a published fragility index (2019 file per IRIS, or 2023 format per commune or EPCI):
    /// all rows or none, every problem reported by line.
    ImportIndex {
        /// The CSV file.
        file: std::path::PathBuf,
    },
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
        TerritoryCommand::ImportIndex { file } => import_index(&store, &file).await?,
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

/// Imports a published index file, or says row by row why nothing was stored.
async fn import_index(store: &Store, path: &std::path::Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("lecture de {} impossible : {e}", path.display()))?;
    let file = aiguillage_interop::published_index::read_published_index(&text)
        .map_err(|e| anyhow::anyhow!("{} : {e}", path.display()))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let report = store.import_published_index(&file, now).await?;
    if report.rejected.is_empty() {
        for skipped in report.unknown.iter().take(20) {
            eprintln!("ligne {} : {} — ignorée", skipped.line, skipped.reason);
        }
        println!(
            "Indice {} : {} lignes enregistrées (l'import précédent de cette édition est remplacé) ; {} ignorée(s), code absent du référentiel (communes fusionnées depuis).",
            file.edition.code(),
            report.stored,
            report.unknown.len()
        );
        return Ok(());
    }
    for rejection in report.rejected.iter().take(50) {
        eprintln!("ligne {} : {}", rejection.line, rejection.reason);
    }
    if report.rejected.len() > 50 {
        eprintln!("… et {} autres lignes.", report.rejected.len() - 50);
    }
    anyhow::bail!(
        "{} ligne(s) rejetée(s) sur {} : rien n'a été enregistré",
        report.rejected.len(),
        file.rows.len() + file.rejected.len()
    )
}
