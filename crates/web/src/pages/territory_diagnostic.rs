//! The printable territorial diagnostic (`/territoire/diagnostic`): fragility, coverage and the mix of
//! support models of the viewer's territory, as tables (the accessible form of a map), with a print
//! stylesheet so that a coordinator can hand it to elected officials.

use crate::auth::{CurrentUser, Viewer};
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::{format_count, render};
use crate::state::AppState;
use crate::territory_diagnostic::{diagnose, Diagnostic, FRAGILE_FROM};
use askama::Template;
use axum::extract::State;
use axum::response::Response;

/// Communes listed in the detailed table (most fragile first).
const LISTED: usize = 40;

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

#[derive(Template)]
#[template(path = "territory_diagnostic.html")]
struct DiagnosticTemplate {
    layout: Layout,
    territory_name: String,
    population: String,
    commune_count: usize,
    threshold: String,
    needs: Vec<NeedLine>,
    rows: Vec<Row>,
    listed: usize,
    models: Vec<(String, String, String, String)>,
    gaps: Vec<(String, String, usize)>,
    fragile_from: String,
    fragile_count: usize,
}

/// A number with a decimal comma, as French writes it.
fn decimal(value: f64, digits: usize) -> String {
    format!("{value:.digits$}").replace('.', ",")
}

fn minutes(value: Option<f64>) -> String {
    value.map_or_else(|| "aucune offre".to_owned(), |m| format!("{m:.0} min"))
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
            index: c
                .index
                .map_or_else(|| "—".to_owned(), |i| format!("{i:.1}")),
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

/// `GET /territoire/diagnostic`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    user: CurrentUser,
) -> Result<Response, WebError> {
    let scope = &user.account.territory;
    let diagnostic = diagnose(&state.store, scope).await?;
    let population = diagnostic.population.max(1) as f64;
    let needs = diagnostic
        .needs
        .iter()
        .zip(&diagnostic.beyond)
        .map(|(need, beyond)| NeedLine {
            label: need.label(),
            beyond: format_count(*beyond as i64),
            share: format!("{} %", decimal(100.0 * *beyond as f64 / population, 1)),
        })
        .collect();
    let models = diagnostic
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
        .collect();
    let gaps = diagnostic
        .gaps()
        .map(|c| {
            (
                c.name.clone(),
                c.index.map_or_else(String::new, |i| decimal(i, 1)),
                c.models_within_reach,
            )
        })
        .collect();
    render(&DiagnosticTemplate {
        layout: Layout::new(&state, &viewer, "/territoire", "Diagnostic territorial"),
        territory_name: state
            .store
            .territory_name(scope)
            .await?
            .unwrap_or_else(|| scope.to_string()),
        population: format_count(diagnostic.population as i64),
        commune_count: diagnostic.communes.len(),
        threshold: format!("{:.0}", diagnostic.threshold),
        needs,
        rows: rows(&diagnostic),
        listed: LISTED.min(diagnostic.communes.len()),
        models,
        fragile_count: diagnostic
            .communes
            .iter()
            .filter(|c| c.index.is_some_and(|i| i >= FRAGILE_FROM))
            .count(),
        gaps,
        fragile_from: format!("{FRAGILE_FROM:.0}"),
    })
}
