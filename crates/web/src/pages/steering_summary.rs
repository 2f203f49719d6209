//! `GET /pilotage/synthese`: the two printable pages an elected official reads — the same masked
//! figures as the full dashboard (same cut, same filters), a handful chosen and said in sentences:
//! how many people were found and helped, how far they went, what they gained, whom the help
//! reaches, and what the places did.

use crate::auth::reader::{FiguresReader, SteeringBounds};
use crate::auth::Professional;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::render;
use crate::pages::steering::{cell_text, Filters};
use crate::pages::steering_export::masked_publication_for;
use aiguillage_domain::indicators::{Cell, Publication};
use askama::Template;
use axum::extract::Query;
use axum::response::Response;

/// One figure and what it counts.
pub struct KeyFigure {
    pub value: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "steering_summary.html")]
struct SummaryTemplate {
    layout: Layout,
    territory: String,
    period: String,
    min_cell: u64,
    computed_at: String,
    essentials: Vec<KeyFigure>,
    funnel: Vec<(String, String, String)>,
    outcomes: Vec<(String, String, String)>,
    gains: Vec<KeyFigure>,
    reach: Vec<KeyFigure>,
    offer: Vec<KeyFigure>,
    problems: Vec<String>,
    full_query: String,
}

/// The text of a cell of the publication (« secret », « — » or the figure).
fn figure(publication: &Publication, table: &str, row: &str, column: usize) -> String {
    publication
        .tables
        .iter()
        .find(|t| t.id == table)
        .and_then(|t| t.at(row, column))
        .map_or_else(|| "—".to_owned(), cell_text)
}

fn key(
    publication: &Publication,
    (table, row, column): (&str, &str, usize),
    text: &str,
) -> KeyFigure {
    KeyFigure {
        value: figure(publication, table, row, column),
        text: text.to_owned(),
    }
}

/// The rows of a table as (label, count, share), keys given.
fn rows(publication: &Publication, table: &str, keys: &[&str]) -> Vec<(String, String, String)> {
    let Some(table) = publication.tables.iter().find(|t| t.id == table) else {
        return Vec::new();
    };
    keys.iter()
        .filter_map(|key| table.row(key))
        .map(|row| {
            let text = |at: usize| row.cells.get(at).map_or_else(String::new, cell_text);
            (row.label.clone(), text(0), text(1))
        })
        .collect()
}

/// The closing outcomes, most frequent first (secret ones last), at most five.
fn main_outcomes(publication: &Publication) -> Vec<(String, String, String)> {
    let Some(table) = publication.tables.iter().find(|t| t.id == "issues") else {
        return Vec::new();
    };
    let mut outcomes: Vec<_> = table.rows.iter().filter(|r| r.key != "total").collect();
    outcomes.sort_by_key(|row| {
        std::cmp::Reverse(match row.cells.first() {
            Some(Cell::Count { value }) => *value,
            _ => 0,
        })
    });
    outcomes
        .into_iter()
        .filter(|row| !matches!(row.cells.first(), Some(Cell::Count { value: 0 })))
        .take(5)
        .map(|row| {
            let text = |at: usize| row.cells.get(at).map_or_else(String::new, cell_text);
            (row.label.clone(), text(0), text(1))
        })
        .collect()
}

pub async fn show(
    me: Professional,
    reader: FiguresReader,
    Query(filters): Query<Filters>,
) -> Result<Response, WebError> {
    let (publication, context, problems) = masked_publication_for(&reader, &filters).await?;
    let p = &publication;
    let territory = match (&context.territoire.nom, &reader.steering) {
        (Some(name), _) => name.clone(),
        (None, SteeringBounds::Nation) => "France".to_owned(),
        (None, _) => context.territoire.code.clone().unwrap_or_default(),
    };
    // « 2026-12-05 » → « 05/12/2026 ».
    let french_date = |iso: &Option<String>| {
        let parts: Vec<&str> = iso.as_deref().unwrap_or_default().split('-').collect();
        match parts.as_slice() {
            [year, month, day] => format!("{day}/{month}/{year}"),
            _ => String::new(),
        }
    };
    let period = format!(
        "du {} au {}",
        french_date(&context.periode.debut),
        french_date(&context.periode.fin)
    );
    let essentials = vec![
        key(
            p,
            ("entonnoir", "reperage", 0),
            "personnes repérées et inscrites",
        ),
        key(
            p,
            ("entonnoir", "orientation", 0),
            "orientées vers un lieu d'accompagnement",
        ),
        key(
            p,
            ("entonnoir", "parcours", 0),
            "ont commencé un accompagnement",
        ),
        key(
            p,
            ("activite", "ensemble", 0),
            "séances de médiation tenues",
        ),
    ];
    let funnel = rows(
        p,
        "entonnoir",
        &[
            "reperage",
            "diagnostic",
            "orientation",
            "acceptation",
            "premier_contact",
            "parcours",
            "parcours_termine",
        ],
    );
    let gains = vec![
        key(
            p,
            ("gains", "au_moins_un_droit", 0),
            "accompagnements clos ont ouvert au moins un droit",
        ),
        key(
            p,
            ("gains", "emploi_formation", 0),
            "ont mené à un emploi ou une formation",
        ),
        key(
            p,
            ("abandon", "abandon_ou_injoignable", 1),
            "des accompagnements clos se sont arrêtés en route (abandon ou personne injoignable)",
        ),
    ];
    let reach = vec![
        key(
            p,
            ("portee_public", "ensemble", 4),
            "des personnes repérées vivent dans les communes les plus fragiles du pays",
        ),
        key(
            p,
            ("portee_public", "Seniors", 0),
            "personnes repérées ont 60 ans ou plus",
        ),
        key(p, ("portee_public", "Jeunes", 0), "ont moins de 25 ans"),
    ];
    let offer = vec![
        key(
            p,
            ("delais_cibles", "reponse", 3),
            "des orientations ont attendu une réponse au-delà du délai cible",
        ),
        key(
            p,
            ("rendez_vous", "absence", 1),
            "des rendez-vous renseignés ont été manqués",
        ),
        key(
            p,
            ("capacite_offre", "ensemble", 3),
            "des places connues sont occupées",
        ),
    ];
    let mut full_query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("du", &filters.du),
        ("au", &filters.au),
        ("territoire", &filters.territoire),
        ("public", &filters.public),
        ("age", &filters.age),
        ("typologie", &filters.typologie),
    ] {
        if let Some(value) = value.as_deref().filter(|v| !v.trim().is_empty()) {
            full_query.append_pair(name, value);
        }
    }
    render(&SummaryTemplate {
        layout: me.layout("/pilotage", "Synthèse pour les élus"),
        territory,
        period,
        min_cell: context.seuil_secret,
        computed_at: crate::pages::format_time(me.now()),
        essentials,
        funnel,
        outcomes: main_outcomes(p),
        gains,
        reach,
        offer,
        problems,
        full_query: full_query.finish(),
    })
}
