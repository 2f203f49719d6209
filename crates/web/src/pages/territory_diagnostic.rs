//! The territory page and printable territorial diagnostic (`/territoire/diagnostic`): for the
//! viewer's territory or any commune, EPCI or département (`?territoire=` a code or a name), the
//! fragility index and its indicators, coverage, offers, the mix of support models and kinds of
//! help, and for the coordinator of that territory its active queue; tables as the accessible form
//! of the map, with a print stylesheet so that a coordinator can hand it to elected officials.

use crate::auth::{CurrentUser, Professional};
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::download::{tables_download, unknown_format, TableFormat};
use crate::pages::{format_count, render};
use aiguillage_domain::fragility::FRAGILE_FROM;
use aiguillage_domain::orientation::ReferralState;
use aiguillage_domain::role::Role;
use aiguillage_domain::territory::{search_key, TerritoryArea};
use aiguillage_interop::spreadsheet::{Column, Table, Value};
use aiguillage_service::territory_diagnostic::{diagnose, reference, Diagnostic, Reference};
use askama::Template;
use axum::extract::Query;
use axum::response::Response;
use serde::Deserialize;

/// Communes listed in the detailed table (most fragile first).
const LISTED: usize = 40;
/// Places listed by name.
const PLACES_LISTED: usize = 60;
/// Territories proposed when a name matches several.
const CANDIDATES: usize = 30;

struct NeedLine {
    label: &'static str,
    beyond: String,
    share: String,
}

struct Row {
    name: String,
    code: String,
    population: String,
    index: String,
    published: String,
    emergency: String,
    inclusion: String,
    acculturation: String,
    far: bool,
    models: usize,
}

struct Link {
    param: String,
    kind: &'static str,
    name: String,
}

#[derive(Template)]
#[template(path = "territory_diagnostic.html")]
struct DiagnosticTemplate {
    layout: Layout,
    search: String,
    problem: Option<String>,
    candidates: Vec<Link>,
    area_param: String,
    kind: &'static str,
    territory_name: String,
    parents: Vec<Link>,
    index: String,
    indicators: Vec<(String, String, String)>,
    population: String,
    commune_count: usize,
    threshold: String,
    needs: Vec<NeedLine>,
    rows: Vec<Row>,
    listed: usize,
    models: Vec<(String, String, String, String)>,
    help: Vec<(String, String, String, String, String)>,
    places: Vec<(i64, String, String, String, usize)>,
    place_count: usize,
    gaps: Vec<(String, String, usize)>,
    fragile_from: String,
    fragile_count: usize,
    queue: Option<Vec<(String, usize)>>,
    can_compute: bool,
    /// The steering dashboard of this area, for the coordinator whose territory holds it.
    steering_link: Option<String>,
}

#[derive(Deserialize)]
pub struct DiagnosticQuery {
    territoire: Option<String>,
    /// `xlsx` (every table) or `csv` (coverage by commune) to download the diagnostic's tables.
    format: Option<String>,
    separateur: Option<String>,
}

/// A number with a decimal comma, as French writes it.
fn decimal(value: f64, digits: usize) -> String {
    format!("{value:.digits$}").replace('.', ",")
}

fn minutes(value: Option<f64>) -> String {
    value.map_or_else(|| "aucune offre".to_owned(), |m| format!("{m:.0} min"))
}

fn kind_of(area: &TerritoryArea) -> &'static str {
    match area {
        TerritoryArea::Commune(_) => "Commune",
        TerritoryArea::Epci(_) => "Intercommunalité",
        TerritoryArea::Departement(_) => "Département",
    }
}

fn link(area: TerritoryArea, name: String) -> Link {
    Link {
        kind: kind_of(&area),
        param: area.to_string(),
        name,
    }
}

fn rows(diagnostic: &Diagnostic) -> Vec<Row> {
    diagnostic
        .communes
        .iter()
        .take(LISTED)
        .map(|c| Row {
            name: c.name.clone(),
            code: c.code.clone(),
            population: format_count(c.population as i64),
            index: c.index.map_or_else(|| "—".to_owned(), |i| decimal(i, 1)),
            published: c
                .published_2019
                .map_or_else(|| "—".to_owned(), |i| format!("{i:.0}")),
            emergency: minutes(c.minutes.first().copied().flatten()),
            inclusion: minutes(c.minutes.get(1).copied().flatten()),
            acculturation: minutes(c.minutes.get(2).copied().flatten()),
            far: c.minutes[..3.min(c.minutes.len())]
                .iter()
                .any(|m| m.is_none_or(|m| m > diagnostic.threshold)),
            models: c.models_within_reach,
        })
        .collect()
}

/// What the visitor asked for: one area, several that match a name, or nothing known.
pub(crate) enum Choice {
    Area(TerritoryArea),
    Several(Vec<(TerritoryArea, String)>),
    Unknown(String),
}

pub(crate) fn choose(reference: &Reference, text: &str) -> Choice {
    if let Ok(area) = text.parse::<TerritoryArea>() {
        if reference.name_of(&area).is_some() {
            return Choice::Area(area);
        }
    }
    let found = reference.find(text, CANDIDATES);
    let key = search_key(text);
    let exact: Vec<&(TerritoryArea, String)> =
        found.iter().filter(|(_, n)| search_key(n) == key).collect();
    match (exact.as_slice(), found.len()) {
        ([(area, _)], _) => Choice::Area(area.clone()),
        (_, 0) => Choice::Unknown(format!(
            "Aucun territoire ne correspond à « {text} ». Indiquez le nom ou le code d'une commune (49007), d'un département (49) ou le SIREN d'une intercommunalité."
        )),
        (_, 1) => Choice::Area(found[0].0.clone()),
        _ => Choice::Several(found),
    }
}

/// The active queue by state, for the coordinator of that very territory.
async fn queue_of(
    me: &Professional,
    area: &TerritoryArea,
) -> Result<Option<Vec<(String, usize)>>, WebError> {
    let user = &me.user;
    if user.account.role != Role::Coordinator
        || area.scope().as_ref() != Some(&user.account.territory)
    {
        return Ok(None);
    }
    let queue = me
        .state
        .store
        .territory_queue(&user.account.territory)
        .await?;
    Ok(Some(
        ReferralState::ALL
            .iter()
            .map(|s| {
                (
                    s.label().to_owned(),
                    queue.iter().filter(|e| e.state == *s).count(),
                )
            })
            .filter(|(_, n)| *n > 0)
            .collect(),
    ))
}

/// `GET /territoire/diagnostic[?territoire=…]`.
pub async fn show(
    me: Professional,
    Query(query): Query<DiagnosticQuery>,
) -> Result<Response, WebError> {
    let reference = reference()?;
    let search = trimmed(query.territoire.as_deref());
    let own = TerritoryArea::from(&me.user.account.territory);
    let (area, problem, candidates) = chosen_area(reference, own, search.as_deref());
    let diagnostic = diagnose(&me.state.store, &area).await?;
    if query.format.is_some() {
        let (format, separator) = (query.format.as_deref(), query.separateur.as_deref());
        let format =
            TableFormat::from_query(format, separator).ok_or_else(|| unknown_format(format))?;
        let stem = format!("diagnostic-{}", diagnostic.area).replace([':', ' '], "-");
        return tables_download(&stem, &diagnostic_tables(&diagnostic), format);
    }
    let queue = queue_of(&me, &area).await?;
    let title = format!("Diagnostic territorial : {}", diagnostic.name);
    let mut page = page_of(me.layout("/territoire", &title), &diagnostic, queue);
    page.search = search.unwrap_or_default();
    page.problem = problem;
    page.candidates = candidates;
    page.can_compute = me.user.account.role == Role::Coordinator;
    page.steering_link = steering_link(reference, &me.user, &area);
    render(&page)
}

/// The diagnostic's tables for a spreadsheet: coverage by commune first (the CSV holds it alone),
/// then the support models, the kinds of help and the places.
pub(crate) fn diagnostic_tables(diagnostic: &Diagnostic) -> Vec<Table> {
    let decimal = |value: Option<f64>| {
        value.map_or(Value::Empty, |v| Value::Decimal((v * 10.0).round() / 10.0))
    };
    let mut columns = vec![
        Column::new("code_insee", "Code INSEE de la commune"),
        Column::new("commune", "Nom de la commune"),
        Column::new("population", "Population municipale"),
        Column::new(
            "indice",
            "Indice de fragilité numérique (méthode 2023), sur 10",
        ),
        Column::new(
            "indice_2019",
            "Indice publié en 2019 (méthode de la MedNum), quand il existe",
        ),
    ];
    columns.extend(diagnostic.needs.iter().map(|need| {
        Column::new(
            format!("minutes_{}", need.code()),
            format!("Temps de trajet modélisé, en minutes, jusqu'à l'offre la plus proche pour « {} » (vide : aucune offre dans sa zone)", need.label()),
        )
    }));
    columns.push(Column::new(
        "modeles_a_portee",
        "Nombre de modèles d'accompagnement présents dans le seuil de trajet",
    ));
    let communes = diagnostic
        .communes
        .iter()
        .map(|c| {
            let mut row = vec![
                Value::text(c.code.clone()),
                Value::text(c.name.clone()),
                Value::Integer(i64::try_from(c.population).unwrap_or(i64::MAX)),
                decimal(c.index),
                decimal(c.published_2019),
            ];
            row.extend(c.minutes.iter().map(|m| decimal(*m)));
            row.push(Value::Integer(c.models_within_reach as i64));
            row
        })
        .collect();
    let count = |n: usize| Value::Integer(n as i64);
    vec![
        Table {
            sheet: "couverture".into(),
            title: format!("Couverture par commune : {}", diagnostic.name),
            columns,
            rows: communes,
        },
        Table {
            sheet: "modeles".into(),
            title: "Modèles d'accompagnement présents".into(),
            columns: vec![
                Column::new("modele", "Modèle d'accompagnement"),
                Column::new("lieux", "Nombre de lieux"),
                Column::new("lieux_pour_10000", "Lieux pour 10 000 habitants"),
                Column::new(
                    "capacite_hebdomadaire",
                    "Capacité déclarée, personnes par semaine",
                ),
            ],
            rows: diagnostic
                .models
                .iter()
                .map(|m| {
                    vec![
                        Value::text(m.model),
                        count(m.places),
                        Value::Decimal(m.per_10_000),
                        Value::Integer(i64::from(m.capacity_per_week)),
                    ]
                })
                .collect(),
        },
        Table {
            sheet: "aides".into(),
            title: "Types d'aide présents".into(),
            columns: vec![
                Column::new("type_aide", "Type d'aide"),
                Column::new("offres", "Nombre d'offres"),
                Column::new("structures", "Nombre de structures"),
                Column::new("structures_pour_10000", "Structures pour 10 000 habitants"),
                Column::new(
                    "capacite_hebdomadaire",
                    "Capacité déclarée, personnes par semaine",
                ),
            ],
            rows: diagnostic
                .help
                .iter()
                .map(|h| {
                    vec![
                        Value::text(h.kind),
                        count(h.offers),
                        count(h.structures),
                        Value::Decimal(h.structures_per_10_000),
                        Value::Integer(i64::from(h.capacity_per_week)),
                    ]
                })
                .collect(),
        },
        Table {
            sheet: "lieux".into(),
            title: "Lieux de l'annuaire".into(),
            columns: vec![
                Column::new("lieu", "Nom du lieu"),
                Column::new("commune", "Commune du lieu"),
                Column::new("modele", "Modèle d'accompagnement (vide : non renseigné)"),
                Column::new("offres", "Nombre d'offres"),
            ],
            rows: diagnostic
                .places
                .iter()
                .map(|p| {
                    vec![
                        Value::text(p.name.clone()),
                        Value::text(p.commune.clone()),
                        Value::text(p.model.unwrap_or_default()),
                        count(p.offers),
                    ]
                })
                .collect(),
        },
    ]
}

/// The text asked for, trimmed, unless blank.
pub(crate) fn trimmed(asked: Option<&str>) -> Option<String> {
    asked
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// The area the search names (the viewer's own without one), the problem with the search, and the
/// territories to choose from when it names several.
fn chosen_area(
    reference: &Reference,
    own: TerritoryArea,
    search: Option<&str>,
) -> (TerritoryArea, Option<String>, Vec<Link>) {
    match search.map(|t| choose(reference, t)) {
        None => (own, None, Vec::new()),
        Some(Choice::Area(area)) => (area, None, Vec::new()),
        Some(Choice::Unknown(problem)) => (own, Some(problem), Vec::new()),
        Some(Choice::Several(found)) => (
            own,
            None,
            found.into_iter().map(|(a, n)| link(a, n)).collect(),
        ),
    }
}

fn page_of(
    layout: Layout,
    diagnostic: &Diagnostic,
    queue: Option<Vec<(String, usize)>>,
) -> DiagnosticTemplate {
    let population = diagnostic.population.max(1) as f64;
    DiagnosticTemplate {
        layout,
        search: String::new(),
        problem: None,
        candidates: Vec::new(),
        area_param: diagnostic.area.to_string(),
        kind: kind_of(&diagnostic.area),
        territory_name: diagnostic.name.clone(),
        parents: diagnostic
            .parents
            .iter()
            .map(|(a, n)| link(a.clone(), n.clone()))
            .collect(),
        index: diagnostic
            .index
            .map_or_else(|| "inconnu".to_owned(), |i| decimal(i, 1)),
        indicators: diagnostic
            .indicators
            .iter()
            .map(|i| {
                (
                    i.label.clone(),
                    i.value
                        .map_or_else(|| "inconnue".to_owned(), |v| decimal(v, 1)),
                    i.score.map_or_else(|| "—".to_owned(), |s| decimal(s, 0)),
                )
            })
            .collect(),
        population: format_count(diagnostic.population as i64),
        commune_count: diagnostic.communes.len(),
        threshold: format!("{:.0}", diagnostic.threshold),
        needs: diagnostic
            .needs
            .iter()
            .zip(&diagnostic.beyond)
            .map(|(need, beyond)| NeedLine {
                label: need.label(),
                beyond: format_count(*beyond as i64),
                share: format!("{} %", decimal(100.0 * *beyond as f64 / population, 1)),
            })
            .collect(),
        rows: rows(diagnostic),
        listed: LISTED.min(diagnostic.communes.len()),
        models: diagnostic
            .models
            .iter()
            .map(|m| {
                (
                    m.model.to_owned(),
                    m.places.to_string(),
                    decimal(m.per_10_000, 2),
                    m.capacity_per_week.to_string(),
                )
            })
            .collect(),
        help: diagnostic
            .help
            .iter()
            .map(|h| {
                (
                    h.kind.to_owned(),
                    h.offers.to_string(),
                    h.structures.to_string(),
                    decimal(h.structures_per_10_000, 2),
                    h.capacity_per_week.to_string(),
                )
            })
            .collect(),
        places: diagnostic
            .places
            .iter()
            .take(PLACES_LISTED)
            .map(|p| {
                (
                    p.structure_id,
                    p.name.clone(),
                    p.commune.clone(),
                    p.model.unwrap_or("non renseigné").to_owned(),
                    p.offers,
                )
            })
            .collect(),
        place_count: diagnostic.places.len(),
        fragile_count: diagnostic
            .communes
            .iter()
            .filter(|c| c.index.is_some_and(|i| i >= FRAGILE_FROM))
            .count(),
        gaps: diagnostic
            .gaps()
            .map(|c| {
                (
                    c.name.clone(),
                    c.index.map_or_else(String::new, |i| decimal(i, 1)),
                    c.models_within_reach,
                )
            })
            .collect(),
        fragile_from: format!("{FRAGILE_FROM:.0}"),
        queue,
        can_compute: false,
        steering_link: None,
    }
}

/// `/pilotage` for the area, when the viewer coordinates a territory that holds it.
fn steering_link(
    reference: &Reference,
    user: &CurrentUser,
    area: &TerritoryArea,
) -> Option<String> {
    if user.account.role != Role::Coordinator {
        return None;
    }
    let own = TerritoryArea::from(&user.account.territory);
    if *area == own {
        return Some("/pilotage".to_owned());
    }
    let inside = match area {
        TerritoryArea::Departement(_) => false,
        _ => reference
            .territory
            .communes
            .iter()
            .filter(|c| area.contains(c))
            .all(|c| own.contains(c)),
    };
    inside.then(|| format!("/pilotage?territoire={area}"))
}
