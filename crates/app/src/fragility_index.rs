//! `aiguillage territory index`: computes the digital fragility index of every commune (or EPCI, or
//! département, from population-weighted rates) by the 2023 or the 2021–22 method, from the shipped
//! indicator table or from the coordinator's files, and writes one CSV row per area: `code_insee`
//! (or `code`), each chosen indicator's score under its own name, then `index`.

use aiguillage_domain::fragility::{
    areas_of_level, compute, IndicatorChoice, Method, Observations,
};
use aiguillage_interop::csv_cell::write_safe_record;
use aiguillage_interop::fragility::{
    direction_of, read_indicator_file, DEFAULT_SELECTION, SHIPPED_INDICATORS_CSV,
};
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

#[derive(Clone, Copy, ValueEnum)]
pub enum MethodArg {
    #[value(name = "2023")]
    Ranks2023,
    #[value(name = "2021")]
    Deciles2021,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Level {
    Commune,
    Epci,
    Departement,
}

#[derive(Args)]
pub struct IndexArgs {
    /// 2023: scores 1–10 by rank, mean; 2021: −3…+3 points by national decile, scaled to −10…+10.
    #[arg(long, value_enum, default_value = "2023")]
    method: MethodArg,
    /// Indicator files (`code_insee,indicator,value`, or one column per indicator); the shipped
    /// table when none is given.
    #[arg(long = "indicators")]
    indicators: Vec<PathBuf>,
    /// Indicators to use, with their weight, as NAME=WEIGHT (repeat); by default the 2023 selection
    /// of the shipped table, or every indicator of the given files, each weighing 1.
    #[arg(long = "weight")]
    weights: Vec<String>,
    /// Indicators where a lower value is more fragile (coverage rates…), besides the known ones.
    #[arg(long = "lower-is-fragile")]
    lower_is_fragile: Vec<String>,
    /// Areas to score.
    #[arg(long, value_enum, default_value = "commune")]
    level: Level,
    /// Where to write the CSV (standard output by default).
    #[arg(long)]
    output: Option<PathBuf>,
}

fn choices(
    args: &IndexArgs,
    observations: &Observations,
    shipped: bool,
) -> anyhow::Result<Vec<IndicatorChoice>> {
    let direction = |key: &str| {
        if args.lower_is_fragile.iter().any(|k| k == key) {
            aiguillage_domain::fragility::Direction::LowerIsMoreFragile
        } else {
            direction_of(key)
        }
    };
    if args.weights.is_empty() {
        let keys: Vec<String> = if shipped {
            DEFAULT_SELECTION.iter().map(|k| (*k).to_owned()).collect()
        } else {
            observations.keys().cloned().collect()
        };
        return Ok(keys
            .into_iter()
            .map(|key| IndicatorChoice {
                direction: direction(&key),
                key,
                weight: 1.0,
            })
            .collect());
    }
    args.weights
        .iter()
        .map(|text| {
            let (key, weight) = text
                .split_once('=')
                .ok_or_else(|| anyhow::anyhow!("--weight « {text} » : NOM=POIDS attendu"))?;
            let weight: f64 = weight
                .trim()
                .replace(',', ".")
                .parse()
                .ok()
                .filter(|w: &f64| w.is_finite() && *w > 0.0)
                .ok_or_else(|| anyhow::anyhow!("--weight « {text} » : poids positif attendu"))?;
            if !observations.contains_key(key.trim()) {
                anyhow::bail!("indicateur « {} » absent des fichiers", key.trim());
            }
            Ok(IndicatorChoice {
                key: key.trim().to_owned(),
                direction: direction(key.trim()),
                weight,
            })
        })
        .collect()
}

fn read_observations(args: &IndexArgs) -> anyhow::Result<Observations> {
    if args.indicators.is_empty() {
        return Ok(read_indicator_file(SHIPPED_INDICATORS_CSV)?.observations);
    }
    let mut observations = Observations::new();
    for path in &args.indicators {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("lecture de {} impossible : {e}", path.display()))?;
        let file =
            read_indicator_file(&text).map_err(|e| anyhow::anyhow!("{} : {e}", path.display()))?;
        for rejection in &file.rejected {
            eprintln!(
                "{} ligne {} : {}",
                path.display(),
                rejection.line,
                rejection.reason
            );
        }
        for (key, values) in file.observations {
            observations.entry(key).or_default().extend(values);
        }
    }
    Ok(observations)
}

fn number(value: Option<f64>) -> String {
    match value {
        Some(v) if v.fract() == 0.0 => format!("{v:.0}"),
        Some(v) => format!("{v:.3}"),
        None => String::new(),
    }
}

pub fn run(args: &IndexArgs) -> anyhow::Result<()> {
    let observations = read_observations(args)?;
    let choices = choices(args, &observations, args.indicators.is_empty())?;
    let territory = aiguillage_interop::territory::embedded()?;
    let level = match args.level {
        Level::Commune => aiguillage_domain::fragility::Level::Commune,
        Level::Epci => aiguillage_domain::fragility::Level::Epci,
        Level::Departement => aiguillage_domain::fragility::Level::Departement,
    };
    let (codes, observations) = areas_of_level(level, &territory.communes, &observations);
    let method = match args.method {
        MethodArg::Ranks2023 => Method::Ranks2023,
        MethodArg::Deciles2021 => Method::Deciles2021,
    };
    let result = compute(&codes, &observations, &choices, method);
    let out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::fs::File::create(path)?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut writer = csv::Writer::from_writer(out);
    let first = if args.level == Level::Commune {
        "code_insee"
    } else {
        "code"
    };
    let mut header = vec![first.to_owned()];
    header.extend(choices.iter().map(|c| c.key.clone()));
    header.push("index".to_owned());
    write_safe_record(&mut writer, &header)?;
    for area in &result {
        let mut row = vec![area.code.clone()];
        row.extend(area.scores.iter().map(|s| number(*s)));
        row.push(number(area.index));
        write_safe_record(&mut writer, &row)?;
    }
    writer.flush()?;
    let with_index = result.iter().filter(|a| a.index.is_some()).count();
    eprintln!("{with_index} zone(s) sur {} ont un indice.", result.len());
    for (position, choice) in choices.iter().enumerate() {
        let missing = result
            .iter()
            .filter(|a| a.scores[position].is_none())
            .count();
        if missing > 0 {
            eprintln!(
                "{} : valeur inconnue pour {missing} zone(s) (non devinée, l'indice s'en passe).",
                choice.key
            );
        }
    }
    Ok(())
}
