//! `aiguillage indicators export`: the standard steering indicators of a territory (or of the
//! nation) over a period, masked for statistical secrecy, written as CSV files (one per table) or
//! as one open-data JSON document — the same writer as the web pages (`interop::indicators_export`,
//! docs/donnees-ouvertes.md).

use aiguillage_domain::calendar::{midnight_of, parse_iso_date, rfc3339, DAY};
use aiguillage_domain::indicators::{mask, standard_publication, Area, Cut, Params, Period};
use aiguillage_domain::orientation::TargetDelays;
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_domain::UnixSeconds;
use aiguillage_interop::indicators_export::{
    write_csv_files, write_json, ExportContext, Periode, Territoire,
};
use aiguillage_interop::territory::embedded;
use aiguillage_service::steering::fragile_communes;
use aiguillage_store::Store;
use anyhow::{bail, Context};
use clap::{Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Subcommand)]
pub enum IndicatorsCommand {
    /// Write the standard indicators of a territory and period, masked, as CSV files or JSON.
    Export {
        /// dep:CODE, epci:SIREN or commune:INSEE; the whole instance when absent.
        #[arg(long)]
        territory: Option<String>,
        /// First day of the period (YYYY-MM-DD, included).
        #[arg(long)]
        from: Option<String>,
        /// Last day of the period (YYYY-MM-DD, included).
        #[arg(long)]
        to: Option<String>,
        #[arg(long, value_enum, default_value = "csv")]
        format: Format,
        /// A folder for CSV (one file per table, created if needed; default `indicateurs`), a file
        /// for JSON (default: standard output).
        #[arg(long)]
        output: Option<PathBuf>,
        /// Counts below this are masked, with what could give them back by subtraction (at least 11).
        #[arg(long, default_value_t = aiguillage_domain::indicators::DEFAULT_MIN_CELL)]
        min_cell: u64,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Csv,
    Json,
}

pub async fn run(database_url: &str, command: IndicatorsCommand) -> anyhow::Result<()> {
    match command {
        IndicatorsCommand::Export {
            territory,
            from,
            to,
            format,
            output,
            min_cell,
        } => {
            let request = Request {
                territory: territory.as_deref().map(parse_territory).transpose()?,
                period: parse_period(from.as_deref(), to.as_deref())?,
                min_cell,
            };
            if min_cell < aiguillage_domain::indicators::DEFAULT_MIN_CELL {
                bail!(
                    "le seuil du secret statistique est d'au moins {} (--min-cell {min_cell})",
                    aiguillage_domain::indicators::DEFAULT_MIN_CELL
                );
            }
            export(database_url, &request, format, output).await
        }
    }
}

struct Request {
    territory: Option<Area>,
    period: (Period, Periode),
    min_cell: u64,
}

/// `dep:49`, `epci:200071678`, `commune:49007`.
fn parse_territory(text: &str) -> anyhow::Result<Area> {
    let (kind, code) = text.split_once(':').with_context(|| {
        format!("territoire « {text} » : attendu dep:CODE, epci:SIREN ou commune:INSEE")
    })?;
    let code = code.trim().to_owned();
    if code.is_empty() {
        bail!("territoire « {text} » : le code manque");
    }
    Ok(match kind.trim() {
        "dep" | "departement" => Area::Departement(code),
        "epci" => Area::Epci(code),
        "commune" => Area::Commune(code),
        other => bail!("territoire « {text} » : « {other} » n'est pas dep, epci ni commune"),
    })
}

fn midnight(text: &str, what: &str) -> anyhow::Result<UnixSeconds> {
    let date = parse_iso_date(text)
        .with_context(|| format!("{what} « {text} » : attendu une date AAAA-MM-JJ"))?;
    Ok(midnight_of(date))
}

/// The period from the first day (included) to the last day (included): `[from, to + 1 day)`.
fn parse_period(from: Option<&str>, to: Option<&str>) -> anyhow::Result<(Period, Periode)> {
    let start = from.map(|f| midnight(f, "--from")).transpose()?;
    let end = to
        .map(|t| midnight(t, "--to").map(|m| m + DAY))
        .transpose()?;
    let period = match (start, end) {
        (Some(start), Some(end)) => Period::between(start, end)
            .map_err(|_| anyhow::anyhow!("la période doit commencer avant de finir"))?,
        (Some(start), None) => Period::since(start),
        (None, Some(end)) => Period::until(end),
        (None, None) => Period::all(),
    };
    let periode = Periode {
        debut: from.map(|f| f.trim().to_owned()),
        fin: to.map(|t| t.trim().to_owned()),
    };
    Ok((period, periode))
}

/// The area's level, code and name from the territory reference; an unknown code is an error.
fn territoire(area: Option<&Area>) -> anyhow::Result<Territoire> {
    let Some(area) = area else {
        return Ok(Territoire::national());
    };
    let data = embedded()?;
    let (niveau, code, name) = match area {
        Area::Departement(code) => (
            "departement",
            code,
            data.departements
                .iter()
                .find(|d| d.code == *code)
                .map(|d| d.name.clone()),
        ),
        Area::Epci(code) => (
            "epci",
            code,
            data.epcis
                .iter()
                .find(|e| e.code == *code)
                .map(|e| e.name.clone()),
        ),
        Area::Commune(code) => (
            "commune",
            code,
            data.communes
                .iter()
                .find(|c| c.code == *code)
                .map(|c| c.name.clone()),
        ),
    };
    let Some(name) = name else {
        bail!("territoire inconnu : {niveau} {code}");
    };
    Ok(Territoire {
        niveau: niveau.into(),
        code: Some(code.clone()),
        nom: Some(name),
    })
}

/// The target delays of the territory: its coordinator's, else the defaults.
async fn targets(store: &Store, area: Option<&Area>) -> anyhow::Result<TargetDelays> {
    Ok(match area {
        None => TargetDelays::default(),
        Some(Area::Departement(code)) => {
            store
                .territory_settings(&TerritoryScope::Departement(code.clone()))
                .await?
                .0
        }
        Some(Area::Epci(code)) => {
            store
                .territory_settings(&TerritoryScope::Epci(code.clone()))
                .await?
                .0
        }
        Some(Area::Commune(code)) => store.settings_for_commune(code).await?.0,
    })
}

async fn export(
    database_url: &str,
    request: &Request,
    format: Format,
    output: Option<PathBuf>,
) -> anyhow::Result<()> {
    let territoire = territoire(request.territory.as_ref())?;
    let store = Store::connect(database_url).await?;
    let now = crate::now();
    let started = Instant::now();
    let load = store.indicator_dataset(now, &fragile_communes()).await?;
    let loaded = started.elapsed();
    let cut = Cut {
        area: request.territory.clone(),
        period: request.period.0,
        ..Cut::default()
    };
    let params = Params {
        now,
        targets: targets(&store, request.territory.as_ref()).await?,
    };
    let started = Instant::now();
    let mut publication = standard_publication(&load.dataset, &cut, &params);
    let report = mask(&mut publication, request.min_cell)?;
    let computed = started.elapsed();
    let context = ExportContext {
        territoire,
        periode: request.period.1.clone(),
        seuil_secret: request.min_cell,
        calcule_le: rfc3339(now),
    };
    match format {
        Format::Json => {
            let text = write_json(&publication, &context)?;
            match output {
                Some(path) if path.as_os_str() != "-" => std::fs::write(&path, text)
                    .with_context(|| format!("écriture de {}", path.display()))?,
                _ => println!("{text}"),
            }
        }
        Format::Csv => {
            let folder = output.unwrap_or_else(|| PathBuf::from("indicateurs"));
            std::fs::create_dir_all(&folder)
                .with_context(|| format!("création de {}", folder.display()))?;
            for (name, content) in write_csv_files(&publication, request.min_cell)? {
                let path = folder.join(name);
                std::fs::write(&path, content)
                    .with_context(|| format!("écriture de {}", path.display()))?;
            }
            eprintln!(
                "{} tableaux écrits dans {}.",
                publication.tables.len(),
                folder.display()
            );
        }
    }
    eprintln!(
        "Données chargées en {:.2} s ({} enregistrements incohérents écartés) ; indicateurs calculés et masqués en {:.3} s ({} cellules masquées : {} petites, {} par masquage secondaire).",
        loaded.as_secs_f64(),
        load.dropped,
        computed.as_secs_f64(),
        report.primary + report.secondary,
        report.primary,
        report.secondary
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn territories_and_periods_are_read() {
        assert_eq!(
            parse_territory("dep:49").ok(),
            Some(Area::Departement("49".into()))
        );
        assert_eq!(
            parse_territory("epci:200071678").ok(),
            Some(Area::Epci("200071678".into()))
        );
        assert_eq!(
            parse_territory("commune:49007").ok(),
            Some(Area::Commune("49007".into()))
        );
        assert!(parse_territory("49").is_err());
        assert!(parse_territory("region:52").is_err());
        let (period, periode) =
            parse_period(Some("2026-01-01"), Some("2026-01-31")).expect("period");
        assert_eq!(period.from(), Some(1_767_225_600));
        assert_eq!(period.to(), Some(1_767_225_600 + 31 * DAY));
        assert_eq!(periode.fin.as_deref(), Some("2026-01-31"));
        assert!(parse_period(Some("2026-02-01"), Some("2026-01-31")).is_err());
        assert!(parse_period(Some("01/02/2026"), None).is_err());
        assert_eq!(parse_period(None, None).expect("all").0, Period::all());
    }
}
