//! The steering dashboard (`/pilotage`): for a coordinator, the standard indicators of their
//! territory (or a commune or EPCI inside it) over a period, cut by audience, age band and typology,
//! masked below the instance's minimum cell size, with charts drawn on the server and the table of
//! each chart, and the comparison with the département and the nation; for a structure manager the
//! same for their structure; for a mediator their own activity.

use crate::auth::reader::SteeringBounds;
use crate::auth::{CurrentUser, Professional};
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::{format_count, render};
use aiguillage_domain::calendar::parse_typed_date;
use aiguillage_domain::diagnostic::Typology;
use aiguillage_domain::directory::Audience;
use aiguillage_domain::indicators::{departement_of, own_activity};
use aiguillage_domain::indicators::{
    Area, Cell, Cut, Dataset, IndicatorTable, Period, Publication,
};
use aiguillage_domain::orientation::TargetDelays;
use aiguillage_domain::pathway::AgeBand;
use aiguillage_domain::role::Role;
use aiguillage_domain::territory::{TerritoryArea, TerritoryScope};
use aiguillage_domain::UnixSeconds;
use aiguillage_service::steering::{masked_funnel, masked_publication};
use aiguillage_service::steering::{Loaded, MemoLookup, MemoizedFigures};
use askama::Template;
use axum::extract::Query;
use axum::response::Response;
use serde::Deserialize;
use std::sync::Arc;

use aiguillage_domain::calendar::DAY;
/// The tables drawn as charts, with the column drawn.
const CHARTS: &[(&str, usize)] = &[
    ("entonnoir", 0),
    ("delais", 1),
    ("issues", 0),
    ("autonomie", 4),
];

/// The filters of the form, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    pub du: Option<String>,
    pub au: Option<String>,
    pub territoire: Option<String>,
    pub public: Option<String>,
    pub age: Option<String>,
    pub typologie: Option<String>,
}

/// The filters read: the cut, and what to show back in the form.
pub struct Chosen {
    pub cut: Cut,
    pub from: UnixSeconds,
    pub to: UnixSeconds,
    pub problems: Vec<String>,
    pub area_label: String,
}

fn day_start(text: &str) -> Option<UnixSeconds> {
    let date = parse_typed_date(text)?;
    Some(date.midnight().assume_utc().unix_timestamp())
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn area_of(scope: &TerritoryScope) -> Area {
    match scope {
        TerritoryScope::Epci(code) => Area::Epci(code.clone()),
        TerritoryScope::Departement(code) => Area::Departement(code.clone()),
    }
}

/// Reads the filters; anything unreadable is reported and left at its default.
pub fn choose(filters: &Filters, bounds: &SteeringBounds, now: UnixSeconds) -> Chosen {
    let mut problems = Vec::new();
    let mut date = |value: &Option<String>, name: &str, default: UnixSeconds| match non_empty(value)
    {
        None => default,
        Some(text) => day_start(text).unwrap_or_else(|| {
            problems.push(format!(
                "{name} « {text} » : date attendue au format JJ/MM/AAAA (ou AAAA-MM-JJ)."
            ));
            default
        }),
    };
    let mut from = date(&filters.du, "Début", now - 365 * DAY);
    let to = date(&filters.au, "Fin", now - now.rem_euclid(DAY)) + DAY;
    if from >= to {
        problems
            .push("La période commence après sa fin : les 12 derniers mois sont affichés.".into());
        from = to - 365 * DAY;
    }
    let period = Period::between(from, to).unwrap_or_else(|_| Period::all());
    let mut cut = Cut {
        area: None,
        period,
        structure: None,
        audience: None,
        age_band: None,
        typology: None,
    };
    let mut area_label = String::new();
    let typed = non_empty(&filters.territoire);
    let mut choose_area = |accepted: &dyn Fn(&TerritoryArea) -> bool, refused: &str| {
        let text = typed?;
        match area_named(text) {
            Ok(area) if accepted(&area) => {
                area_label = area.code().to_owned();
                Some(area_cut(area))
            }
            Ok(_) => {
                problems.push(format!("Territoire « {text} » : {refused}"));
                None
            }
            Err(problem) => {
                problems.push(problem);
                None
            }
        }
    };
    match bounds {
        SteeringBounds::Territory(own) => {
            let chosen = choose_area(
                &|area| inside(area, own),
                "indiquez une commune (code INSEE) ou une intercommunalité de votre territoire.",
            );
            cut.area = Some(chosen.unwrap_or_else(|| area_of(own)));
        }
        // The instance's administrator steers the nation: France, or any area of it.
        SteeringBounds::Nation => {
            cut.area = choose_area(
                &known,
                "indiquez une commune (code INSEE), une intercommunalité (SIREN) ou un département (code) ; la France entière est affichée.",
            );
        }
        SteeringBounds::Structure(structure) => cut.structure = Some(*structure),
    }
    cut.audience = non_empty(&filters.public).and_then(|typed| {
        let public = Audience::from_label(typed).filter(|a| AgeBand::implied_publics().contains(a));
        if public.is_none() {
            problems.push(format!(
                "Public « {typed} » : seuls les publics déduits de l'âge (Jeunes, Seniors) sont connus ; tous les publics sont affichés."
            ));
        }
        public
    });
    cut.age_band = non_empty(&filters.age).and_then(AgeBand::from_label);
    cut.typology = non_empty(&filters.typologie).and_then(Typology::from_label);
    Chosen {
        cut,
        from,
        to,
        problems,
        area_label,
    }
}

/// The area a code or a name stands for, searched as on the territory page (« Saumur », « 49328 »,
/// « Maine-et-Loire »); a name several areas share, or none, is a problem in words.
fn area_named(text: &str) -> Result<TerritoryArea, String> {
    use crate::pages::territory_diagnostic::{choose, Choice};
    let reference = aiguillage_service::territory_diagnostic::reference()
        .map_err(|_| "Le référentiel des territoires est indisponible.".to_owned())?;
    match choose(reference, text) {
        Choice::Area(area) => Ok(area),
        Choice::Several(found) => {
            let names: Vec<String> = found
                .iter()
                .map(|(area, name)| match area {
                    TerritoryArea::Commune(code) => format!("{name}, commune {code}"),
                    TerritoryArea::Epci(code) => format!("{name}, intercommunalité {code}"),
                    TerritoryArea::Departement(code) => format!("{name}, département {code}"),
                })
                .collect();
            Err(format!(
                "Territoire « {text} » : plusieurs territoires portent ce nom ({}) ; précisez le nom entier ou le code.",
                names.join(" ; ")
            ))
        }
        Choice::Unknown(message) => Err(message),
    }
}

fn area_cut(area: TerritoryArea) -> Area {
    match area {
        TerritoryArea::Commune(c) => Area::Commune(c),
        TerritoryArea::Epci(c) => Area::Epci(c),
        TerritoryArea::Departement(c) => Area::Departement(c),
    }
}

/// Whether the territory reference knows the area (one of its communes lies in it).
fn known(area: &TerritoryArea) -> bool {
    aiguillage_service::territory_diagnostic::reference().is_ok_and(|reference| {
        reference
            .territory
            .communes
            .iter()
            .any(|c| area.contains(c))
    })
}

/// Whether an area lies in the coordinator's territory, as far as its code tells (communes by the
/// territory reference).
fn inside(area: &TerritoryArea, own: &TerritoryScope) -> bool {
    let Ok(reference) = aiguillage_service::territory_diagnostic::reference() else {
        return false;
    };
    let own_area = TerritoryArea::from(own);
    match area {
        TerritoryArea::Commune(code) => reference
            .territory
            .communes
            .iter()
            .any(|c| &c.code == code && own_area.contains(c)),
        other => {
            other == &own_area || {
                let communes: Vec<_> = reference
                    .territory
                    .communes
                    .iter()
                    .filter(|c| other.contains(c))
                    .collect();
                !communes.is_empty() && communes.iter().all(|c| own_area.contains(c))
            }
        }
    }
}

/// A cell as the page writes it.
pub fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Count { value } | Cell::Amount { value } => format_count(*value as i64),
        Cell::Rate { .. } => cell
            .percent()
            .map(|p| format!("{} %", format!("{p:.1}").replace('.', ",")))
            .unwrap_or_default(),
        Cell::Duration { .. } => cell.days().map(duration_text).unwrap_or_default(),
        Cell::Empty => "—".to_owned(),
        Cell::Masked => "secret".to_owned(),
    }
}

/// Days as people say them: hours under a day, whole days under two months, then months
/// (« 5 h », « 12 jours », « 13 mois »), never « 392,1 j ».
fn duration_text(days: f64) -> String {
    const DAYS_PER_MONTH: f64 = 365.25 / 12.0;
    let plural = |n: f64, one: &str, many: &str| {
        if n < 2.0 {
            format!("{n:.0} {one}")
        } else {
            format!("{n:.0} {many}")
        }
    };
    match days {
        d if d * 24.0 < 0.5 => "moins d'une heure".to_owned(),
        d if d < 1.0 => format!("{:.0} h", (d * 24.0).round()),
        d if d < 60.0 => plural(d.round(), "jour", "jours"),
        d => format!("{:.0} mois", (d / DAYS_PER_MONTH).round()),
    }
}

fn cell_value(cell: &Cell) -> Option<f64> {
    match cell {
        Cell::Count { value } | Cell::Amount { value } => Some(*value as f64),
        Cell::Rate { .. } => cell.percent(),
        Cell::Duration { .. } => cell.days(),
        _ => None,
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A horizontal bar chart of one column, drawn as SVG (labels escaped; masked or empty cells drawn
/// as text only). The table next to it carries the same figures for screen readers.
pub fn bar_chart(table: &IndicatorTable, column: usize) -> String {
    let bars: Vec<(&str, Option<f64>, String)> = table
        .rows
        .iter()
        .filter_map(|row| {
            let cell = row.cells.get(column)?;
            Some((row.label.as_str(), cell_value(cell), cell_text(cell)))
        })
        .collect();
    let largest = bars
        .iter()
        .filter_map(|(_, v, _)| *v)
        .fold(0.0_f64, f64::max)
        .max(1e-9);
    // Wide enough for a label of 38 characters at 13 px.
    let (label_width, bar_width, line) = (300.0, 300.0, 26.0);
    let height = line * bars.len() as f64 + 8.0;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {height}" width="100%" role="img" aria-label="{title} : graphique, détaillé dans le tableau qui suit" class="aig-chart">"#,
        w = label_width + bar_width + 90.0,
        title = escape(&table.title),
    );
    for (i, (label, value, text)) in bars.iter().enumerate() {
        let y = 4.0 + line * i as f64;
        svg.push_str(&format!(
            r##"<text x="{x}" y="{ty}" text-anchor="end" font-size="13" fill="#161616">{label}</text>"##,
            x = label_width - 8.0,
            ty = y + 17.0,
            label = escape(&shorten(label, 38)),
        ));
        let width = value.map_or(0.0, |v| (v / largest * bar_width).max(1.0));
        if width > 0.0 {
            svg.push_str(&format!(
                r##"<rect x="{label_width}" y="{ry}" width="{width:.1}" height="18" fill="#000091"/>"##,
                ry = y + 4.0,
            ));
        }
        svg.push_str(&format!(
            r##"<text x="{tx:.1}" y="{ty}" font-size="13" fill="#161616">{text}</text>"##,
            tx = label_width + width + 6.0,
            ty = y + 17.0,
            text = escape(text),
        ));
    }
    svg.push_str("</svg>");
    svg
}

fn shorten(text: &str, at: usize) -> String {
    if text.chars().count() <= at {
        return text.to_owned();
    }
    let cut: String = text.chars().take(at - 1).collect();
    format!("{cut}…")
}

/// A table as the template renders it.
pub struct TableView {
    pub id: &'static str,
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<(String, Vec<String>)>,
    pub chart: Option<String>,
    /// Rows shown before the last one (the whole), and rows left to the CSV file.
    pub shown: usize,
    pub left_out: usize,
    /// The same, as the page writes it (« 19 700 »).
    pub left_out_text: String,
}

/// The most rows a table shows in the page (the national capacity tables have one per offer and
/// per structure of France: the CSV file holds them all).
const SHOWN_ROWS: usize = 300;

/// How many of a table's `count` rows the page shows before its last one (the whole), and how many
/// it leaves to the CSV file.
fn shown_and_left_out(count: usize) -> (usize, usize) {
    if count > SHOWN_ROWS + 1 {
        (SHOWN_ROWS, count - SHOWN_ROWS - 1)
    } else {
        (count, 0)
    }
}

/// The part of a publication the page shows: each table's first rows and its whole, with how many
/// rows each table had. Only these rows are named and rendered: a national table has 20 000.
fn shown_part(publication: &Publication) -> (Publication, Vec<usize>) {
    let counts = publication.tables.iter().map(|t| t.rows.len()).collect();
    let tables = publication
        .tables
        .iter()
        .map(|table| {
            let (shown, left_out) = shown_and_left_out(table.rows.len());
            let rows = table.rows[..shown]
                .iter()
                .chain(table.rows.last().filter(|_| left_out > 0))
                .cloned()
                .collect();
            IndicatorTable {
                id: table.id,
                title: table.title.clone(),
                columns: table.columns.clone(),
                rows,
                sums: Vec::new(),
            }
        })
        .collect();
    let part = Publication {
        tables,
        links: Vec::new(),
    };
    (part, counts)
}

/// A table of [`shown_part`] as the template renders it; `count` is how many rows the whole table has.
fn view_of(table: &IndicatorTable, count: usize) -> TableView {
    let (shown, left_out) = shown_and_left_out(count);
    let kept = table.rows.iter();
    TableView {
        id: table.id,
        title: table.title.clone(),
        columns: table.columns.clone(),
        rows: kept
            .map(|row| (row.label.clone(), row.cells.iter().map(cell_text).collect()))
            .collect(),
        shown,
        left_out,
        left_out_text: format_count(left_out as i64),
        chart: CHARTS
            .iter()
            .find(|(id, _)| *id == table.id)
            .map(|(_, column)| bar_chart(table, *column)),
    }
}

/// The funnels this area is compared with: its département's (unless the area is one) and the
/// nation's.
fn compared_funnels(
    dataset: &Dataset,
    cut: &Cut,
    min_cell: u64,
) -> Result<Vec<(String, Publication)>, String> {
    let mut compared = Vec::new();
    if let Some(area) = &cut.area {
        if let Some(dep) = departement_of(area, dataset) {
            if !matches!(area, Area::Departement(code) if *code == dep) {
                let cut = Cut {
                    area: Some(Area::Departement(dep.clone())),
                    ..cut.clone()
                };
                let name = aiguillage_service::territory_diagnostic::reference()
                    .ok()
                    .and_then(|r| r.name_of(&TerritoryArea::Departement(dep.clone())))
                    .unwrap_or_else(|| format!("Département {dep}"));
                compared.push((name, masked_funnel(dataset, &cut, min_cell)?));
            }
        }
    }
    let nation = Cut {
        area: None,
        ..cut.clone()
    };
    compared.push((
        "France".to_owned(),
        masked_funnel(dataset, &nation, min_cell)?,
    ));
    Ok(compared)
}

/// The comparison of the funnel's conversion rates: this area, its département, the nation.
fn comparison(
    publications: &[(String, &Publication)],
) -> (Vec<String>, Vec<(String, Vec<String>)>) {
    let funnels: Vec<Option<&IndicatorTable>> = publications
        .iter()
        .map(|(_, p)| p.tables.iter().find(|t| t.id == "entonnoir"))
        .collect();
    let Some(Some(first)) = funnels.first() else {
        return (Vec::new(), Vec::new());
    };
    let rows = first
        .rows
        .iter()
        .skip(1)
        .map(|row| {
            let values = funnels
                .iter()
                .map(|funnel| {
                    funnel
                        .and_then(|t| t.at(&row.key, 1))
                        .map_or_else(|| "—".to_owned(), cell_text)
                })
                .collect();
            (row.label.clone(), values)
        })
        .collect();
    (
        publications.iter().map(|(name, _)| name.clone()).collect(),
        rows,
    )
}

#[derive(Template)]
#[template(path = "steering.html")]
struct SteeringTemplate {
    layout: Layout,
    scope_label: String,
    role_view: &'static str,
    /// The administrator's national view (any area of France may be chosen).
    national: bool,
    du: String,
    au: String,
    territoire: String,
    public: String,
    age: String,
    typologie: String,
    audiences: Vec<&'static str>,
    ages: Vec<&'static str>,
    typologies: Vec<&'static str>,
    problems: Vec<String>,
    tables: Vec<TableView>,
    comparison_columns: Vec<String>,
    comparison_rows: Vec<(String, Vec<String>)>,
    activity: Vec<(String, u32, u32, u32, String)>,
    min_cell: u64,
    computed_at: String,
    export_query: String,
}

fn iso_of(at: UnixSeconds) -> String {
    aiguillage_domain::calendar::iso_date(aiguillage_domain::calendar::date_of(at))
}

/// `GET /pilotage`.
pub async fn show(me: Professional, Query(filters): Query<Filters>) -> Result<Response, WebError> {
    let now = me.now();
    let chosen = choose(&filters, &SteeringBounds::of(&me.user.account), now);
    let loaded = me.state.indicators.get(&me.state.store, now).await?;
    let figures = if me.user.account.role == Role::Mediator {
        mediator_figures(&loaded, &me.user, &chosen)
    } else {
        published_figures(&me, &loaded, &chosen).await?
    };
    render(&steering_page(&me, &filters, chosen, figures, &loaded))
}

/// The comparison's columns and rows.
type Comparison = (Vec<String>, Vec<(String, Vec<String>)>);

/// What the page shows for the viewer's role: whose figures, and the figures.
#[derive(Default)]
struct Figures {
    scope_label: String,
    role_view: &'static str,
    tables: Vec<TableView>,
    comparison: Comparison,
    activity: Vec<(String, u32, u32, u32, String)>,
    /// The instance's minimum cell size the tables were masked with.
    min_cell: u64,
}

/// A mediator's own activity over the period, month by month.
fn mediator_figures(loaded: &Loaded, user: &CurrentUser, chosen: &Chosen) -> Figures {
    let period = (chosen.from, chosen.to);
    let activity = own_activity(
        &loaded.dataset.sessions_by(user.account.id),
        user.account.id,
        period,
    )
    .into_iter()
    .map(|line| {
        (
            line.month,
            line.individual,
            line.collective,
            line.participants,
            format!("{} h {:02}", line.minutes / 60, line.minutes % 60),
        )
    })
    .collect();
    Figures {
        scope_label: "Mon activité".to_owned(),
        role_view: "mediator",
        activity,
        ..Figures::default()
    }
}

/// The masked publication of the chosen cut (a structure's, or an area's compared with its
/// département and the nation).
async fn published_figures(
    me: &Professional,
    loaded: &Arc<Loaded>,
    chosen: &Chosen,
) -> Result<Figures, WebError> {
    let role = me.user.account.role;
    let steers_territories = matches!(role, Role::Coordinator | Role::Administrator);
    let role_view = if steers_territories {
        "coordinator"
    } else {
        "structure"
    };
    let scope_label = scope_label(me, chosen, steers_territories).await?;
    let (targets, _) = me
        .state
        .store
        .territory_settings(&me.user.account.territory)
        .await?;
    let compare = steers_territories && chosen.cut.area.is_some();
    let min_cell = aiguillage_service::instance::min_cell_size(&me.state).await?;
    let inputs = (loaded.clone(), chosen.cut.clone(), scope_label.clone());
    let figures = compute_figures(inputs, compare, (me.now(), targets, min_cell)).await?;
    let (publication, comparison) = &*figures;
    let (mut publication, counts) = shown_part(publication);
    crate::pages::steering_names::name_rows(&me.state.store, &mut publication).await?;
    let tables = publication
        .tables
        .iter()
        .zip(counts)
        .map(|(table, count)| view_of(table, count))
        .collect();
    let comparison = comparison.clone();
    Ok(Figures {
        scope_label,
        role_view,
        tables,
        comparison,
        activity: Vec::new(),
        min_cell,
    })
}

/// Whose figures these are, in words.
async fn scope_label(
    me: &Professional,
    chosen: &Chosen,
    steers_territories: bool,
) -> Result<String, WebError> {
    let account = &me.user.account;
    Ok(match (&chosen.cut.area, account.role) {
        (Some(_), _) if steers_territories && !chosen.area_label.is_empty() => {
            territory_name(&chosen.area_label)
        }
        (_, Role::Coordinator) => me
            .state
            .store
            .territory_name(&account.territory)
            .await?
            .unwrap_or_else(|| account.territory.to_string()),
        (None, Role::Administrator) => "France".to_owned(),
        _ => "Ma structure".to_owned(),
    })
}

/// The publication's tables and the funnels' comparison, computed on a blocking thread: nationally
/// it takes a tenth of a second, which the requests served beside it need not wait for. Computed
/// once per load of the records and minute for the same inputs (the delays it reports are in
/// days); figures of an earlier minute are served while they are recomputed in the background
/// (`Loaded::memo_lookup`).
async fn compute_figures(
    (loaded, cut, label): (Arc<Loaded>, Cut, String),
    compare: bool,
    (now, targets, min_cell): (UnixSeconds, TargetDelays, u64),
) -> Result<Arc<MemoizedFigures>, WebError> {
    let minute = now - now.rem_euclid(60);
    let key = format!("{cut:?}|{label}|{compare}|{targets:?}|{min_cell}");
    let lookup = loaded.memo_lookup(&key, minute);
    let compute = {
        let loaded = loaded.clone();
        move || -> Result<Arc<MemoizedFigures>, String> {
            let inputs = (minute, targets, min_cell);
            match figures_of(&loaded.dataset, &cut, label, compare, inputs) {
                Ok(figures) => {
                    let figures = Arc::new(figures);
                    loaded.memo_store(key, minute, figures.clone());
                    Ok(figures)
                }
                Err(error) => {
                    loaded.memo_release(&key);
                    Err(error)
                }
            }
        }
    };
    match lookup {
        MemoLookup::Fresh(figures) => Ok(figures),
        MemoLookup::Stale {
            figures, refresh, ..
        } => {
            if refresh {
                tokio::task::spawn_blocking(move || {
                    if let Err(error) = compute() {
                        tracing::warn!(%error, "dashboard figures not recomputed");
                    }
                });
            }
            Ok(figures)
        }
        MemoLookup::Missing => tokio::task::spawn_blocking(compute)
            .await
            .map_err(|error| WebError::Internal(error.to_string()))?
            .map_err(WebError::Internal),
    }
}

/// The masked publication of a cut at `minute` and, when `compare`, its funnel beside its
/// département's and the nation's.
fn figures_of(
    dataset: &Dataset,
    cut: &Cut,
    label: String,
    compare: bool,
    (minute, targets, min_cell): (UnixSeconds, TargetDelays, u64),
) -> Result<MemoizedFigures, String> {
    let publication = masked_publication(dataset, cut, minute, targets, min_cell)?;
    let comparison = if compare {
        let others = compared_funnels(dataset, cut, min_cell)?;
        let refs: Vec<(String, &Publication)> = std::iter::once((label, &publication))
            .chain(others.iter().map(|(n, p)| (n.clone(), p)))
            .collect();
        comparison(&refs)
    } else {
        (Vec::new(), Vec::new())
    };
    Ok((publication, comparison))
}

/// The query string of the CSV export: the same period and filters.
fn export_query(filters: &Filters, chosen: &Chosen) -> String {
    let mut export = form_urlencoded::Serializer::new(String::new());
    export.append_pair("du", &iso_of(chosen.from));
    export.append_pair("au", &iso_of(chosen.to - DAY));
    for (key, value) in [
        ("territoire", &filters.territoire),
        ("public", &filters.public),
        ("age", &filters.age),
        ("typologie", &filters.typologie),
    ] {
        if let Some(value) = non_empty(value) {
            export.append_pair(key, value);
        }
    }
    export.finish()
}

fn steering_page(
    me: &Professional,
    filters: &Filters,
    chosen: Chosen,
    figures: Figures,
    loaded: &Loaded,
) -> SteeringTemplate {
    let export_query = export_query(filters, &chosen);
    let (comparison_columns, comparison_rows) = figures.comparison;
    SteeringTemplate {
        layout: me.layout("/pilotage", "Pilotage"),
        scope_label: figures.scope_label,
        role_view: figures.role_view,
        national: me.user.account.role == Role::Administrator,
        du: iso_of(chosen.from),
        au: iso_of(chosen.to - DAY),
        territoire: chosen.area_label.clone(),
        public: non_empty(&filters.public).unwrap_or("").to_owned(),
        age: non_empty(&filters.age).unwrap_or("").to_owned(),
        typologie: non_empty(&filters.typologie).unwrap_or("").to_owned(),
        // Only the publics an age implies: the others are not recorded, a cut by them would
        // always read 0.
        audiences: AgeBand::implied_publics()
            .iter()
            .map(|a| a.label())
            .collect(),
        // Nobody under 16 is enrolled: a band that cannot match is not offered.
        ages: AgeBand::ALL
            .iter()
            .filter(|band| **band != AgeBand::Under12)
            .map(|a| a.label())
            .collect(),
        typologies: Typology::ALL.iter().map(|t| t.label()).collect(),
        problems: chosen.problems,
        tables: figures.tables,
        comparison_columns,
        comparison_rows,
        activity: figures.activity,
        min_cell: figures.min_cell,
        computed_at: crate::pages::format_time(loaded.loaded_at),
        export_query,
    }
}

fn territory_name(area: &str) -> String {
    area.parse::<TerritoryArea>()
        .ok()
        .and_then(|a| {
            aiguillage_service::territory_diagnostic::reference()
                .ok()?
                .name_of(&a)
        })
        .unwrap_or_else(|| area.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aiguillage_domain::indicators::Row;

    fn table_of(rows: usize) -> IndicatorTable {
        let mut table = IndicatorTable::new("capacite_offre", "Places", &["Places"]);
        for i in 0..rows {
            table.rows.push(Row::new(
                i.to_string(),
                format!("Offre {i}"),
                vec![Cell::amount(1)],
            ));
        }
        table.rows.push(Row::new(
            "ensemble",
            "Ensemble",
            vec![Cell::amount(rows as u64)],
        ));
        table
    }

    #[test]
    fn durations_read_in_hours_days_or_months() {
        assert_eq!(duration_text(0.01), "moins d'une heure");
        assert_eq!(duration_text(0.21), "5 h");
        assert_eq!(duration_text(1.2), "1 jour");
        assert_eq!(duration_text(12.4), "12 jours");
        assert_eq!(duration_text(59.4), "59 jours");
        assert_eq!(duration_text(392.1), "13 mois");
    }

    /// The view of a table as the page makes it: its shown part, then the view of that part.
    fn shown_view(table: IndicatorTable) -> TableView {
        let publication = Publication {
            tables: vec![table],
            links: Vec::new(),
        };
        let (part, counts) = shown_part(&publication);
        assert_eq!(counts, vec![publication.tables[0].rows.len()]);
        view_of(&part.tables[0], counts[0])
    }

    #[test]
    fn a_long_table_shows_its_first_rows_and_its_whole_and_says_how_many_are_left_out() {
        let view = shown_view(table_of(400));
        assert_eq!((view.shown, view.left_out), (SHOWN_ROWS, 100));
        assert_eq!(view.left_out_text, "100");
        assert_eq!(view.rows.len(), SHOWN_ROWS + 1);
        assert_eq!(view.rows[0].0, "Offre 0");
        assert_eq!(view.rows[SHOWN_ROWS].0, "Ensemble");
        assert_eq!(view.rows[SHOWN_ROWS].1, vec!["400".to_owned()]);
        let short = shown_view(table_of(SHOWN_ROWS));
        assert_eq!((short.rows.len(), short.left_out), (SHOWN_ROWS + 1, 0));
    }
}
