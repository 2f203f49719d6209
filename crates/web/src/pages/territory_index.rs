//! The coordinator's own fragility index (`/territoire/indice`): choose indicators among the shipped
//! national ones and those uploaded for the territory (a CSV `code_insee,indicator,value`, e.g. a
//! benefits office's data), weigh them, pick the 2023 or 2021–22 method, and read every commune of
//! the territory with each indicator's score, its index and what was missing; download it as CSV.

use crate::auth::{CurrentUser, Professional};
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::download::{tables_download, unknown_format, TableFormat};
use crate::pages::render;
use aiguillage_domain::fragility::{
    compute, AreaIndex, Direction, IndicatorChoice, Method, Observations,
};
use aiguillage_domain::territory::{CommuneKind, TerritoryScope};
use aiguillage_interop::fragility::{
    direction_of, label_of, read_local_upload, IndicatorFile, DEFAULT_SELECTION,
};
use aiguillage_interop::spreadsheet::{Column, Table, Value};
use aiguillage_service::territory_diagnostic::reference;
use aiguillage_store::LocalIndicatorReport;
use askama::Template;
use axum::extract::{Multipart, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Communes listed on the page (most fragile first); the CSV has them all.
const LISTED: usize = 80;

struct IndicatorRow {
    key: String,
    label: String,
    local: bool,
    weight: String,
    communes_with_value: usize,
}

struct CommuneRow {
    code: String,
    name: String,
    scores: Vec<String>,
    index: String,
    missing: String,
}

#[derive(Template)]
#[template(path = "territory_index.html")]
struct IndexTemplate {
    layout: Layout,
    territory_name: String,
    indicators: Vec<IndicatorRow>,
    method_2021: bool,
    chosen: Vec<String>,
    rows: Vec<CommuneRow>,
    total: usize,
    without_index: usize,
    query: String,
    upload: Option<UploadOutcome>,
    problem: Option<String>,
    preview: Option<Preview>,
}

/// What an uploaded file holds, shown before anything is stored: each indicator with how many
/// communes of the territory it covers, its range, and the way it reads (asked).
struct Preview {
    /// The file's text, sent back with the confirmation.
    content: String,
    indicators: Vec<PreviewIndicator>,
    rejected: Vec<(usize, String)>,
}

struct PreviewIndicator {
    key: String,
    inside: usize,
    outside: usize,
    range: String,
}

struct UploadOutcome {
    stored: usize,
    indicators: String,
    outside: usize,
    rejected: Vec<(usize, String)>,
}

/// The choice read from the query: method and weight per indicator (`poids_KEY`).
struct Choice {
    method: Method,
    weights: BTreeMap<String, f64>,
}

fn choice_of(query: &HashMap<String, String>, available: &[String]) -> Choice {
    let method = match query.get("methode").map(String::as_str) {
        Some("2021") => Method::Deciles2021,
        _ => Method::Ranks2023,
    };
    let asked = query.keys().any(|k| k.starts_with("poids_"));
    let weights = available
        .iter()
        .filter_map(|key| {
            let weight = if asked {
                query
                    .get(&format!("poids_{key}"))
                    .and_then(|w| w.trim().replace(',', ".").parse::<f64>().ok())
                    .filter(|w| w.is_finite() && *w > 0.0)?
            } else if DEFAULT_SELECTION.contains(&key.as_str()) {
                1.0
            } else {
                return None;
            };
            Some((key.clone(), weight))
        })
        .collect();
    Choice { method, weights }
}

/// The shipped national values, with the territory's uploaded ones beside them.
async fn observations(me: &Professional) -> Result<(Observations, Vec<String>), WebError> {
    observations_of(&me.state.store, Some(&me.user.account.territory)).await
}

/// The shipped national values, with the uploaded ones of a territory (none for the whole instance).
pub(crate) async fn observations_of(
    store: &aiguillage_store::Store,
    territory: Option<&TerritoryScope>,
) -> Result<(Observations, Vec<String>), WebError> {
    let reference = reference()?;
    let mut all = reference
        .observations
        .get("commune")
        .cloned()
        .unwrap_or_default();
    let local = match territory {
        Some(scope) => store.local_indicators(scope).await?,
        None => Observations::default(),
    };
    let local_keys: Vec<String> = local.keys().cloned().collect();
    for (key, values) in local {
        all.insert(key, values);
    }
    Ok((all, local_keys))
}

fn scored(
    (all, lower_is_worse): (&Observations, &BTreeSet<String>),
    choice: &Choice,
    user: &CurrentUser,
) -> Result<(Vec<AreaIndex>, Vec<IndicatorChoice>), WebError> {
    scored_in((all, lower_is_worse), choice, Some(&user.account.territory))
}

/// The way an indicator reads: as the territory's coordinator said for its own data, as the
/// national table says for the shipped ones.
fn direction(key: &str, lower_is_worse: &BTreeSet<String>) -> Direction {
    if lower_is_worse.contains(key) {
        Direction::LowerIsMoreFragile
    } else {
        direction_of(key)
    }
}

/// Every commune of the territory (of the instance with `None`) scored, most fragile first.
fn scored_in(
    (all, lower_is_worse): (&Observations, &BTreeSet<String>),
    choice: &Choice,
    territory: Option<&TerritoryScope>,
) -> Result<(Vec<AreaIndex>, Vec<IndicatorChoice>), WebError> {
    let reference = reference()?;
    let choices: Vec<IndicatorChoice> = choice
        .weights
        .iter()
        .map(|(key, weight)| IndicatorChoice {
            key: key.clone(),
            direction: direction(key, lower_is_worse),
            weight: *weight,
        })
        .collect();
    let codes: Vec<String> = reference
        .territory
        .communes
        .iter()
        .filter(|c| c.kind == CommuneKind::Commune)
        .map(|c| c.code.clone())
        .collect();
    let territory = territory.map(aiguillage_domain::territory::TerritoryArea::from);
    let inside: std::collections::BTreeSet<&str> = reference
        .territory
        .communes
        .iter()
        .filter(|c| territory.as_ref().is_none_or(|t| t.contains(c)))
        .map(|c| c.code.as_str())
        .collect();
    let mut result: Vec<AreaIndex> = compute(&codes, all, &choices, choice.method)
        .into_iter()
        .filter(|a| inside.contains(a.code.as_str()))
        .collect();
    result.sort_by(|a, b| {
        b.index
            .unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&a.index.unwrap_or(f64::NEG_INFINITY))
    });
    Ok((result, choices))
}

fn number(value: Option<f64>) -> String {
    match value {
        Some(v) if v.fract() == 0.0 => format!("{v:.0}"),
        Some(v) => format!("{v:.2}").replace('.', ","),
        None => String::new(),
    }
}

/// The index of every commune as a table: code, scores of the chosen indicators, index.
fn table_of(result: &[AreaIndex], choices: &[IndicatorChoice]) -> Table {
    let mut columns = vec![Column::new("code_insee", "Code INSEE de la commune")];
    columns.extend(choices.iter().map(|c| {
        Column::new(
            c.key.clone(),
            format!(
                "Score de l'indicateur « {} » (poids {}), de 0 à 1",
                c.key, c.weight
            ),
        )
    }));
    columns.push(Column::new(
        "index",
        "Indice de fragilité numérique de la commune (moyenne pondérée des scores)",
    ));
    let rows = result
        .iter()
        .map(|area| {
            let mut row = vec![Value::text(area.code.clone())];
            row.extend(
                area.scores
                    .iter()
                    .map(|s| s.map_or(Value::Empty, Value::Decimal)),
            );
            row.push(area.index.map_or(Value::Empty, |v| {
                Value::Decimal((v * 1000.0).round() / 1000.0)
            }));
            row
        })
        .collect();
    Table {
        sheet: "indice".into(),
        title: "Indice de fragilité numérique par commune".into(),
        columns,
        rows,
    }
}

async fn page(
    me: &Professional,
    query: &HashMap<String, String>,
    upload: Option<UploadOutcome>,
    problem: Option<String>,
) -> Result<IndexTemplate, WebError> {
    page_with(me, query, (upload, problem), None).await
}

async fn page_with(
    me: &Professional,
    query: &HashMap<String, String>,
    (upload, problem): (Option<UploadOutcome>, Option<String>),
    preview: Option<Preview>,
) -> Result<IndexTemplate, WebError> {
    let reference = reference()?;
    let (state, user) = (&me.state, &me.user);
    let (all, local_keys) = observations(me).await?;
    let lower_is_worse = state
        .store
        .local_indicators_lower_is_worse(&user.account.territory)
        .await?;
    let available: Vec<String> = all.keys().cloned().collect();
    let choice = choice_of(query, &available);
    let (result, choices) = scored((&all, &lower_is_worse), &choice, user)?;
    let names: BTreeMap<&str, &str> = reference
        .territory
        .communes
        .iter()
        .map(|c| (c.code.as_str(), c.name.as_str()))
        .collect();
    let territory = aiguillage_domain::territory::TerritoryArea::from(&user.account.territory);
    let inside: Vec<&str> = reference
        .territory
        .communes
        .iter()
        .filter(|c| c.kind == CommuneKind::Commune && territory.contains(c))
        .map(|c| c.code.as_str())
        .collect();
    let indicators = available
        .iter()
        .map(|key| IndicatorRow {
            label: label_of(key).to_owned(),
            local: local_keys.contains(key),
            weight: choice
                .weights
                .get(key)
                .map_or_else(|| "0".to_owned(), |w| format!("{w}")),
            communes_with_value: all.get(key).map_or(0, |values| {
                inside
                    .iter()
                    .filter(|code| values.contains_key(**code))
                    .count()
            }),
            key: key.clone(),
        })
        .collect();
    let rows = result
        .iter()
        .take(LISTED)
        .map(|area| CommuneRow {
            name: names
                .get(area.code.as_str())
                .copied()
                .unwrap_or("")
                .to_owned(),
            code: area.code.clone(),
            scores: area.scores.iter().map(|s| number(*s)).collect(),
            index: number(area.index),
            missing: area
                .missing
                .iter()
                .map(|k| label_of(k).to_owned())
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect();
    let query = {
        let mut serialized = form_urlencoded::Serializer::new(String::new());
        serialized.append_pair(
            "methode",
            if choice.method == Method::Deciles2021 {
                "2021"
            } else {
                "2023"
            },
        );
        for (key, weight) in &choice.weights {
            serialized.append_pair(&format!("poids_{key}"), &format!("{weight}"));
        }
        serialized.finish()
    };
    Ok(IndexTemplate {
        layout: me.layout("/territoire", "Indice de fragilité du territoire"),
        territory_name: state
            .store
            .territory_name(&user.account.territory)
            .await?
            .unwrap_or_else(|| user.account.territory.to_string()),
        indicators,
        method_2021: choice.method == Method::Deciles2021,
        chosen: choices
            .iter()
            .map(|c| label_of(&c.key).to_owned())
            .collect(),
        total: result.len(),
        without_index: result.iter().filter(|a| a.index.is_none()).count(),
        rows,
        query,
        upload,
        problem,
        preview,
    })
}

/// The preview of a file read: per indicator, communes inside and outside the territory, range.
fn preview_of(
    me: &Professional,
    content: String,
    file: &IndicatorFile,
) -> Result<Preview, WebError> {
    let reference = reference()?;
    let territory = aiguillage_domain::territory::TerritoryArea::from(&me.user.account.territory);
    let inside: std::collections::BTreeSet<&str> = reference
        .territory
        .communes
        .iter()
        .filter(|c| c.kind == CommuneKind::Commune && territory.contains(c))
        .map(|c| c.code.as_str())
        .collect();
    let indicators = file
        .observations
        .iter()
        .map(|(key, values)| {
            let kept: Vec<f64> = values
                .iter()
                .filter(|(code, _)| inside.contains(code.as_str()))
                .map(|(_, v)| *v)
                .collect();
            let (low, high) = kept
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
                    (l.min(*v), h.max(*v))
                });
            PreviewIndicator {
                key: key.clone(),
                inside: kept.len(),
                outside: values.len() - kept.len(),
                range: if kept.is_empty() {
                    "—".to_owned()
                } else {
                    format!("de {} à {}", number(Some(low)), number(Some(high)))
                },
            }
        })
        .collect();
    Ok(Preview {
        content,
        indicators,
        rejected: file
            .rejected
            .iter()
            .map(|r| (r.line, r.reason.clone()))
            .collect(),
    })
}

/// `GET /territoire/indice[?methode=2023&poids_KEY=W…][&format=csv|xlsx[&separateur=point-virgule]]`.
pub async fn show(
    me: Professional,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let format = query.get("format").map(String::as_str);
    if format.is_some() {
        let separator = query.get("separateur").map(String::as_str);
        let format =
            TableFormat::from_query(format, separator).ok_or_else(|| unknown_format(format))?;
        return download(&me, &query, format).await;
    }
    render(&page(&me, &query, None, None).await?)
}

/// The index of every commune of the territory as a CSV or Excel file.
async fn download(
    me: &Professional,
    query: &HashMap<String, String>,
    format: TableFormat,
) -> Result<Response, WebError> {
    let territory = Some(&me.user.account.territory);
    let table = index_table(&me.state.store, territory, query).await?;
    tables_download("indice-fragilite", &[table], format)
}

/// The index of every commune of a territory (of the instance with `None`) for the choice the
/// query asks (`methode`, `poids_KEY`), as a table.
pub(crate) async fn index_table(
    store: &aiguillage_store::Store,
    territory: Option<&TerritoryScope>,
    query: &HashMap<String, String>,
) -> Result<Table, WebError> {
    let (all, _) = observations_of(store, territory).await?;
    let lower_is_worse = match territory {
        Some(scope) => store.local_indicators_lower_is_worse(scope).await?,
        None => BTreeSet::new(),
    };
    let available: Vec<String> = all.keys().cloned().collect();
    let (result, choices) = scored_in(
        (&all, &lower_is_worse),
        &choice_of(query, &available),
        territory,
    )?;
    Ok(table_of(&result, &choices))
}

/// The fields of the upload form: a file (first step), or the file's text confirmed with the
/// indicators whose low values mark fragility (second step), or an indicator to forget.
#[derive(Default)]
struct Upload {
    bytes: Vec<u8>,
    delete: Option<String>,
    content: Option<String>,
    confirmed: bool,
    lower_is_worse: std::collections::BTreeSet<String>,
}

async fn read_upload(mut multipart: Multipart) -> Result<Upload, String> {
    let mut upload = Upload::default();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| format!("envoi illisible : {e}"))?
    {
        match field.name() {
            Some("fichier") => {
                upload.bytes = field
                    .bytes()
                    .await
                    .map_err(|e| format!("fichier illisible : {e}"))?
                    .to_vec();
            }
            Some("supprimer") => {
                upload.delete = Some(field.text().await.map_err(|e| e.to_string())?)
            }
            Some("contenu") => {
                upload.content = Some(field.text().await.map_err(|e| e.to_string())?)
            }
            Some("confirmer") => upload.confirmed = true,
            Some("plus_bas_fragile") => {
                upload
                    .lower_is_worse
                    .insert(field.text().await.map_err(|e| e.to_string())?);
            }
            _ => {}
        }
    }
    Ok(upload)
}

/// `POST /territoire/indice`: stores an uploaded indicator file (or forgets one indicator).
pub async fn upload(me: Professional, multipart: Multipart) -> Result<Response, WebError> {
    let upload = match read_upload(multipart).await {
        Ok(upload) => upload,
        Err(message) => return refuse(&me, message).await,
    };
    if let Some(key) = upload.delete {
        return forget(&me, key.trim()).await;
    }
    let bytes = match (&upload.content, upload.confirmed) {
        (Some(content), true) => content.clone().into_bytes(),
        _ => upload.bytes,
    };
    let (text, file) = match indicator_file(bytes) {
        Ok(read) => read,
        Err(message) => return refuse(&me, message).await,
    };
    if !upload.confirmed {
        // First step: what was understood, nothing stored yet.
        let preview = preview_of(&me, text, &file)?;
        return render(&page_with(&me, &HashMap::new(), (None, None), Some(preview)).await?);
    }
    let report = save_indicators(&me, &file, &upload.lower_is_worse).await?;
    saved_page(&me, &report, &file).await
}

/// Forgets one of the territory's own indicators, and shows the page again.
async fn forget(me: &Professional, key: &str) -> Result<Response, WebError> {
    let store = &me.state.store;
    store
        .delete_local_indicator(&me.user.account.territory, key)
        .await?;
    render(&page(me, &HashMap::new(), None, None).await?)
}

/// The page with what the upload stored (422 when it stored nothing).
async fn saved_page(
    me: &Professional,
    report: &LocalIndicatorReport,
    file: &IndicatorFile,
) -> Result<Response, WebError> {
    let status = if report.stored == 0 {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let outcome = UploadOutcome::of(report, file);
    let page = page(me, &HashMap::new(), Some(outcome), None).await?;
    Ok((status, render(&page)?).into_response())
}

/// The page with the reason the upload was refused (422).
async fn refuse(me: &Professional, message: String) -> Result<Response, WebError> {
    let page = page(me, &HashMap::new(), None, Some(message)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

/// The uploaded indicator file, read, or why it is refused (an indicator may not take a national
/// one's name).
fn indicator_file(bytes: Vec<u8>) -> Result<(String, IndicatorFile), String> {
    let shipped = reference().map_err(|error| error.to_string())?;
    let national = shipped.observations.get("commune");
    read_local_upload(bytes, |key| national.is_some_and(|n| n.contains_key(key)))
}

/// Stores the file's values for the territory's communes, with the way each indicator reads.
async fn save_indicators(
    me: &Professional,
    file: &IndicatorFile,
    lower_is_worse: &std::collections::BTreeSet<String>,
) -> Result<LocalIndicatorReport, WebError> {
    let (scope, by) = (&me.user.account.territory, Some(me.user.account.id));
    let store = &me.state.store;
    let saved =
        store.save_local_indicators(scope, (&file.observations, lower_is_worse), by, me.now());
    Ok(saved.await?)
}

impl UploadOutcome {
    fn of(report: &LocalIndicatorReport, file: &IndicatorFile) -> UploadOutcome {
        UploadOutcome {
            stored: report.stored,
            indicators: report.indicators.join(", "),
            outside: report.outside.len(),
            rejected: file
                .rejected
                .iter()
                .map(|r| (r.line, r.reason.clone()))
                .collect(),
        }
    }
}
