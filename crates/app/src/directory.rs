//! `aiguillage directory import|export`: the directory in the national places standard (CSV or JSON)
//! and the official France Services list, with a French report of every rejected row and of every
//! field corrected by hand that the import kept against its file (the conflicts to settle).

use aiguillage_domain::territory::TerritoryScope;
use aiguillage_interop::data_inclusion::read_data_inclusion;
use aiguillage_interop::directory_file::{read_directory_file, DirectoryFormat};
use aiguillage_interop::places_standard::{write_csv, write_json, PlacesReport};
use aiguillage_store::{ImportAuthor, PlaceImportReport, PlaceRights, Store};
use clap::{Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::Write;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum DirectoryCommand {
    /// Import places from a file (format recognised from its content unless given).
    Import {
        file: PathBuf,
        #[arg(long, value_enum)]
        format: Option<ImportFormat>,
        /// With a data·inclusion structures file: its services file (v1 JSON), whose thématiques,
        /// publics, fees and modes complete the places.
        #[arg(long)]
        services: Option<PathBuf>,
    },
    /// Export places in the national standard, to standard output unless --output is given.
    Export {
        #[arg(long, value_enum, default_value = "csv")]
        format: ExportFormat,
        /// A département code (49) or an EPCI SIREN (244900015).
        #[arg(long)]
        territory: Option<String>,
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ImportFormat {
    /// National places standard, CSV.
    StandardCsv,
    /// National places standard, JSON array.
    StandardJson,
    /// ANCT list of France services (CSV).
    FranceServices,
    /// data·inclusion structures (v1 JSON array).
    DataInclusion,
}

impl ImportFormat {
    fn into_directory_format(self) -> DirectoryFormat {
        match self {
            ImportFormat::StandardCsv => DirectoryFormat::StandardCsv,
            ImportFormat::StandardJson => DirectoryFormat::StandardJson,
            ImportFormat::FranceServices => DirectoryFormat::FranceServices,
            ImportFormat::DataInclusion => DirectoryFormat::DataInclusion,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
}

pub async fn run(database_url: &str, command: DirectoryCommand) -> anyhow::Result<()> {
    let store = Store::connect(database_url).await?;
    match command {
        DirectoryCommand::Import {
            file,
            format,
            services,
        } => import(&store, &file, format, services).await,
        DirectoryCommand::Export {
            format,
            territory,
            output,
        } => export(&store, format, territory, output).await,
    }
}

fn read(path: &PathBuf) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path)
        .map_err(|e| anyhow::anyhow!("lecture de {} impossible : {e}", path.display()))
}

async fn import(
    store: &Store,
    file: &PathBuf,
    format: Option<ImportFormat>,
    services: Option<PathBuf>,
) -> anyhow::Result<()> {
    let bytes = read(file)?;
    let (format, report) = match services {
        Some(services) => {
            let services = read(&services)?;
            (
                DirectoryFormat::DataInclusion,
                read_data_inclusion(&bytes, Some(&services)),
            )
        }
        None => read_directory_file(&bytes, format.map(ImportFormat::into_directory_format))
            .map_err(|reason| anyhow::anyhow!("{}", reason))?,
    };
    eprintln!("Format : {}", format.label());
    let default_source = format.default_source();
    if let Some(error) = &report.file_error {
        anyhow::bail!("{} : {error}", file.display());
    }
    let bar = ProgressBar::new(report.places.len() as u64)
        .with_style(
            ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        )
        .with_message("lieux");
    println!(
        "Import sans restriction de territoire, en tant qu'exploitant (ligne de commande) : \
         tous les lieux du fichier peuvent être ajoutés ou modifiés."
    );
    let file_name = file.file_name().map_or_else(
        || file.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    );
    let origin = format!("Import en ligne de commande du fichier « {file_name} »");
    let author = ImportAuthor {
        account_id: None,
        origin: &origin,
        rights: PlaceRights::Everything,
    };
    let stored = store
        .import_places_by(
            default_source,
            &report.places,
            &author,
            crate::now(),
            &|done, _| bar.set_position(done),
        )
        .await?;
    bar.finish_and_clear();
    print_report(&report, &stored);
    Ok(())
}

fn print_report(read: &PlacesReport, stored: &PlaceImportReport) {
    for warning in &read.warnings {
        println!(
            "ligne {} · {} : {}",
            warning.line, warning.field, warning.message
        );
    }
    for note in &stored.placements {
        println!(
            "ligne {} ({}) · commune : {}",
            note.line, note.id, note.message
        );
    }
    for error in &read.rejected {
        let id = error
            .id
            .as_deref()
            .map(|id| format!(" ({id})"))
            .unwrap_or_default();
        println!(
            "REJET ligne {}{id} · {} : {}",
            error.line, error.field, error.reason
        );
    }
    for rejection in &stored.rejected {
        println!(
            "REJET ligne {} ({}) · {} : {}",
            rejection.line, rejection.id, rejection.field, rejection.reason
        );
    }
    let rejected_rows: std::collections::BTreeSet<u64> =
        read.rejected.iter().map(|e| e.line).collect();
    for (rule, count) in &stored.placed_by_rule {
        println!("communes trouvées par « {} » : {count}", rule.label());
    }
    for conflict in &stored.conflicts {
        println!(
            "CONFLIT ligne {} ({}) · {} : correction à la main « {} » conservée, le fichier propose « {} »",
            conflict.line,
            conflict.id,
            conflict.field,
            conflict.hand_value,
            conflict.file_value
        );
    }
    println!(
        "{} lieux ajoutés, {} mis à jour, {} inchangés ; {} lignes rejetées.",
        stored.inserted,
        stored.updated,
        stored.unchanged,
        rejected_rows.len() + stored.rejected.len()
    );
    println!(
        "{} conflits d'import : champs corrigés à la main conservés malgré une autre valeur du fichier, \
         à trancher par la coordination sur la page « Conflits d'import » (/annuaire/conflits).",
        stored.conflicts.len()
    );
}

/// The place as the cartographie nationale's reference library accepts it: that library refuses
/// parentheses in commune names ("Château-Chinon (Ville)"), which the standard itself allows; they are
/// left out of the exported name (the INSEE code still identifies the commune).
fn for_national_map(
    mut place: aiguillage_domain::directory::Place,
) -> aiguillage_domain::directory::Place {
    if place.commune.contains(['(', ')']) {
        place.commune = place
            .commune
            .replace(['(', ')'], "")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
    }
    place
}

async fn export(
    store: &Store,
    format: ExportFormat,
    territory: Option<String>,
    output: Option<PathBuf>,
) -> anyhow::Result<()> {
    let scope = territory
        .map(|code| code.parse::<TerritoryScope>())
        .transpose()?;
    if let Some(scope) = &scope {
        if store.territory_name(scope).await?.is_none() {
            anyhow::bail!("territoire {} inconnu", scope.code());
        }
    }
    let places: Vec<_> = store
        .places(scope.as_ref())
        .await?
        .into_iter()
        .map(|stored| for_national_map(stored.place))
        .collect();
    let text = match format {
        ExportFormat::Csv => write_csv(&places),
        ExportFormat::Json => serde_json::to_string_pretty(&write_json(&places))?,
    };
    match output {
        Some(path) => {
            std::fs::write(&path, text)?;
            eprintln!("{} lieux écrits dans {}", places.len(), path.display());
        }
        None => std::io::stdout().write_all(text.as_bytes())?,
    }
    Ok(())
}
