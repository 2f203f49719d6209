//! The coordinator's pages: the territory's active queue, pseudonymised and filterable (beyond target
//! delay, refused, by offer, by urgency), and the territory's settings (target delays, ranking weights).

use crate::auth::Professional;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::download::{tables_download, unknown_format, TableFormat};
use crate::pages::form_fields::{fields, number, text, Errors, Fields};
use crate::pages::{format_time, render};
use aiguillage_domain::calendar::date_of;
use aiguillage_domain::orientation::{
    days_waiting, lateness, ReferralState, TargetDelays, Weights,
};
use aiguillage_interop::spreadsheet::{Column, Table, Value};
use aiguillage_store::QueueEntry;
use askama::Template;
use axum::body::Bytes;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The queue's filters, as in the page's URL.
#[derive(Debug, Default, Deserialize)]
pub struct QueueFilters {
    /// `retard`, `refusees`, `attente` (waiting for an answer) or empty for all.
    #[serde(default)]
    vue: String,
    #[serde(default)]
    urgence: String,
    #[serde(default)]
    offre: String,
    /// The page of lines shown (from 1); downloads hold every line the filters keep.
    page: Option<usize>,
    /// `csv` or `xlsx` to download the lines shown.
    format: Option<String>,
    separateur: Option<String>,
    /// The structure just reminded, for the confirmation.
    #[serde(default)]
    relancee: String,
}

impl QueueFilters {
    /// The query of the page's filters, for its download links.
    fn query(&self) -> String {
        format!(
            "vue={}&urgence={}&offre={}",
            urlencoding::encode(&self.vue),
            urlencoding::encode(&self.urgence),
            urlencoding::encode(&self.offre)
        )
    }
}

struct QueueLine {
    referral_id: i64,
    pseudonym: String,
    commune: String,
    typology: String,
    first_help: String,
    urgent: bool,
    offer: String,
    state: &'static str,
    waiting: i64,
    late: Option<String>,
    since: String,
}

/// Lines on one page of the queue.
const QUEUE_PAGE_SIZE: usize = 50;

#[derive(Template)]
#[template(path = "queue.html")]
struct QueueTemplate {
    layout: Layout,
    lines: Vec<QueueLine>,
    /// Lines the filters keep (all pages).
    kept: usize,
    /// The page shown, the number of pages, and the rank of its first line.
    pager: crate::pages::Pager,
    first_rank: usize,
    total: usize,
    late_count: usize,
    delays: TargetDelays,
    view: String,
    urgent_only: bool,
    offer: String,
    offers: Vec<(i64, String)>,
    query: String,
    nudged: String,
}

fn keep(entry: &QueueEntry, filters: &QueueFilters, late: bool) -> bool {
    let view_ok = match filters.vue.as_str() {
        "retard" => late,
        "refusees" => entry.state == ReferralState::Refused,
        "attente" => entry.state.awaits_answer(),
        _ => true,
    };
    let urgent_ok = filters.urgence.is_empty() || entry.urgent;
    let offer_ok = filters.offre.is_empty() || filters.offre == entry.offer_id.to_string();
    view_ok && urgent_ok && offer_ok
}

/// `POST /file-active/{id}/relance`: the coordinator reminds the receiving structure of one
/// referral of the territory's queue (in the app and by e-mail, no personal data); any other
/// referral is a 404.
pub async fn nudge(
    me: Professional,
    axum::extract::Path(id): axum::extract::Path<i64>,
    body: Bytes,
) -> Result<Response, WebError> {
    let scope = &me.user.account.territory;
    let entry = me
        .state
        .store
        .territory_referral(scope, id)
        .await?
        .filter(|entry| entry.state != ReferralState::Closed)
        .ok_or(WebError::NotFound)?;
    aiguillage_service::notify::notify_structure(
        &me.state,
        aiguillage_domain::ids::StructureId::new(entry.receiver_structure_id),
        aiguillage_service::notify::Notice::Nudged,
        aiguillage_domain::ids::ReferralId::new(id),
    )
    .await?;
    let back_to_entry = text(&fields(&body), "retour") == "fiche";
    let to = format!(
        "/file-active{}?relancee={}",
        if back_to_entry {
            format!("/{id}")
        } else {
            String::new()
        },
        urlencoding::encode(&entry.receiver_structure)
    );
    Ok(Redirect::to(&to).into_response())
}

/// `GET /file-active/{id}`: one referral of the territory's queue, pseudonymised (no name, no
/// contact, no free text): the person's commune and profile, the offer, both structures, its delays
/// and its steps, with the coordinator's actions. Any other referral is a 404. The read is audited.
pub async fn entry(
    me: Professional,
    axum::extract::Path(id): axum::extract::Path<i64>,
    Query(notice): Query<EntryNotice>,
) -> Result<Response, WebError> {
    let scope = &me.user.account.territory;
    let store = &me.state.store;
    let entry = store
        .territory_referral(scope, id)
        .await?
        .ok_or(WebError::NotFound)?;
    let (delays, _) = store.territory_settings(scope).await?;
    let referral = aiguillage_domain::ids::ReferralId::new(id);
    let history = store.referral_history(referral).await?;
    store
        .record_referral_read(&me.actor(), id, me.now())
        .await?;
    let now = me.now();
    let late = lateness(entry.state, entry.state_changed_at, now, &delays);
    render(&QueueEntryTemplate {
        layout: me.layout("/file-active", "File active"),
        needs: entry
            .profile
            .services
            .iter()
            .map(|need| need.service.label())
            .collect(),
        autonomy: format!(
            "{} ({} %)",
            entry.profile.overall.label(),
            entry.profile.overall_percent
        ),
        waiting: days_waiting(entry.created_at, now),
        sent_on: format_time(entry.created_at),
        since: format_time(entry.state_changed_at),
        late: late.map(|l| format!("{} : {} de retard", l.what, days(l.days_late))),
        redistributable: entry.state == ReferralState::Refused || entry.state.awaits_answer(),
        steps: history
            .into_iter()
            .map(|line| QueueStep {
                at: format_time(line.at),
                event: line.event,
                states: format!("{} → {}", line.from_state, line.to_state),
                who: line.who.unwrap_or_default(),
            })
            .collect(),
        state: entry.state.label(),
        nudged: !notice.relancee.is_empty(),
        open: entry.state != ReferralState::Closed,
        entry,
    })
}

/// « 1 jour », « 3 jours ».
fn days(count: i64) -> String {
    match count {
        1 => "1 jour".to_owned(),
        n => format!("{n} jours"),
    }
}

/// The notice a referral's page of the queue shows after a reminder.
#[derive(Deserialize, Default)]
pub struct EntryNotice {
    #[serde(default)]
    relancee: String,
}

/// One step of a referral, as the coordinator reads it (no comment: free text stays between the
/// two structures).
struct QueueStep {
    at: String,
    event: String,
    states: String,
    who: String,
}

#[derive(Template)]
#[template(path = "queue_entry.html")]
struct QueueEntryTemplate {
    layout: Layout,
    entry: QueueEntry,
    state: &'static str,
    autonomy: String,
    needs: Vec<&'static str>,
    sent_on: String,
    since: String,
    waiting: i64,
    late: Option<String>,
    redistributable: bool,
    steps: Vec<QueueStep>,
    nudged: bool,
    open: bool,
}

/// `GET /file-active`.
pub async fn show(
    me: Professional,
    Query(filters): Query<QueueFilters>,
) -> Result<Response, WebError> {
    let scope = &me.user.account.territory;
    let (delays, _) = me.state.store.territory_settings(scope).await?;
    let entries = me.state.store.territory_queue(scope).await?;
    if filters.format.is_some() {
        let (format, separator) = (filters.format.as_deref(), filters.separateur.as_deref());
        let format =
            TableFormat::from_query(format, separator).ok_or_else(|| unknown_format(format))?;
        let table = queue_table(&entries, &filters, &delays, me.now());
        return tables_download("file-active", &[table], format);
    }
    let (lines, late_count) = queue_lines(&entries, &filters, &delays, me.now());
    let kept = lines.len();
    let pages = kept.div_ceil(QUEUE_PAGE_SIZE).max(1);
    let page = filters.page.unwrap_or(1).clamp(1, pages);
    let first = (page - 1) * QUEUE_PAGE_SIZE;
    let lines: Vec<QueueLine> = lines
        .into_iter()
        .skip(first)
        .take(QUEUE_PAGE_SIZE)
        .collect();
    render(&QueueTemplate {
        query: filters.query(),
        layout: me.layout("/file-active", "File active"),
        total: entries.len(),
        kept,
        pager: crate::pages::Pager {
            page: i64::try_from(page).unwrap_or(1),
            pages: i64::try_from(pages).unwrap_or(1),
            pattern: format!("/file-active?{}&page={{}}", filters.query()),
            label: "Pages de la file active",
        },
        first_rank: first + 1,
        lines,
        late_count,
        delays,
        view: filters.vue,
        urgent_only: !filters.urgence.is_empty(),
        offer: filters.offre,
        offers: offer_choices(&entries),
        nudged: filters.relancee,
    })
}

/// The lines the filters keep as a table: pseudonyms only, dates as dates, delays in days.
fn queue_table(
    entries: &[QueueEntry],
    filters: &QueueFilters,
    delays: &TargetDelays,
    now: i64,
) -> Table {
    let day = |at: i64| {
        let date = date_of(at);
        Value::Date(date.year() as u16, u8::from(date.month()), date.day())
    };
    let rows = entries
        .iter()
        .filter_map(|entry| {
            let late = lateness(entry.state, entry.state_changed_at, now, delays);
            keep(entry, filters, late.is_some()).then(|| {
                vec![
                    Value::text(entry.pseudonym.clone()),
                    Value::text(entry.commune_name.clone()),
                    Value::text(entry.typology.clone()),
                    Value::text(entry.first_help.clone()),
                    Value::text(if entry.urgent { "oui" } else { "non" }),
                    Value::text(entry.receiver_structure.clone()),
                    Value::text(entry.offer_name.clone()),
                    Value::text(entry.state.label()),
                    day(entry.created_at),
                    Value::Integer(days_waiting(entry.created_at, now)),
                    day(entry.state_changed_at),
                    late.map_or(Value::Empty, |l| Value::Integer(l.days_late)),
                ]
            })
        })
        .collect();
    let column = Column::new;
    Table {
        sheet: "file-active".into(),
        title: "File active du territoire".into(),
        columns: vec![
            column(
                "pseudonyme",
                "Pseudonyme de la personne (ni nom ni contact)",
            ),
            column("commune", "Commune où habite la personne"),
            column("typologie", "Typologie issue du diagnostic"),
            column(
                "premiere_aide",
                "Première aide recommandée par le diagnostic",
            ),
            column("urgent", "Urgence numérique (oui ou non)"),
            column("structure", "Structure qui reçoit l'orientation"),
            column("offre", "Offre vers laquelle la personne est orientée"),
            column("etat", "État de l'orientation"),
            column("envoyee_le", "Date d'envoi de l'orientation"),
            column("jours_d_attente", "Jours écoulés depuis l'envoi"),
            column("etat_depuis", "Date du dernier changement d'état"),
            column(
                "jours_de_retard",
                "Jours au-delà du délai cible (vide : dans les délais)",
            ),
        ],
        rows,
    }
}

/// The offers of the queue, once each, to filter by.
fn offer_choices(entries: &[QueueEntry]) -> Vec<(i64, String)> {
    let mut offers: Vec<(i64, String)> = entries
        .iter()
        .map(|e| {
            (
                e.offer_id,
                format!("{} — {}", e.receiver_structure, e.offer_name),
            )
        })
        .collect();
    offers.sort();
    offers.dedup();
    offers
}

/// The lines the filters keep, and how many entries of the whole queue are late.
fn queue_lines(
    entries: &[QueueEntry],
    filters: &QueueFilters,
    delays: &TargetDelays,
    now: i64,
) -> (Vec<QueueLine>, usize) {
    let mut late_count = 0;
    let lines: Vec<QueueLine> = entries
        .iter()
        .filter_map(|entry| {
            let late = lateness(entry.state, entry.state_changed_at, now, delays);
            if late.is_some() {
                late_count += 1;
            }
            keep(entry, filters, late.is_some()).then(|| QueueLine {
                referral_id: entry.referral_id,
                pseudonym: entry.pseudonym.clone(),
                commune: entry.commune_name.clone(),
                typology: entry.typology.clone(),
                first_help: entry.first_help.clone(),
                urgent: entry.urgent,
                offer: format!("{} — {}", entry.receiver_structure, entry.offer_name),
                state: entry.state.label(),
                waiting: days_waiting(entry.created_at, now),
                late: late.map(|l| format!("{} : {} de retard", l.what, days(l.days_late))),
                since: format_time(entry.state_changed_at),
            })
        })
        .collect();
    (lines, late_count)
}

#[derive(Template)]
#[template(path = "territory_settings.html")]
struct SettingsTemplate {
    layout: Layout,
    fields: Vec<SettingField>,
    errors: Errors,
    saved: bool,
}

/// One field of the settings form.
struct SettingField {
    name: &'static str,
    label: &'static str,
    value: String,
}

/// The settings' form fields.
fn setting_fields(delays: &TargetDelays, weights: &Weights) -> Vec<SettingField> {
    [
        (
            "delai_reponse",
            "Délai cible de réponse d'une structure (jours)",
            delays.answer_days.to_string(),
        ),
        (
            "delai_contact",
            "Délai cible du premier contact après acceptation (jours)",
            delays.first_contact_days.to_string(),
        ),
        (
            "poids_besoins",
            "Poids : besoins couverts",
            weights.needs.to_string(),
        ),
        (
            "poids_distance",
            "Poids : distance",
            weights.distance.to_string(),
        ),
        (
            "poids_delai",
            "Poids : délai de premier contact",
            weights.delay.to_string(),
        ),
        (
            "poids_capacite",
            "Poids : capacité restante",
            weights.capacity.to_string(),
        ),
        (
            "poids_public",
            "Poids : public",
            weights.audience.to_string(),
        ),
        (
            "poids_modalite",
            "Poids : modalité souhaitée",
            weights.support_mode.to_string(),
        ),
        (
            "poids_qualite",
            "Poids : qualité (labels, dispositifs)",
            weights.quality.to_string(),
        ),
    ]
    .into_iter()
    .map(|(name, label, value)| SettingField { name, label, value })
    .collect()
}

#[derive(Debug, Default, Deserialize)]
pub struct SettingsQuery {
    #[serde(default)]
    enregistre: String,
}

/// `GET /territoire/reglages`.
pub async fn settings_form(
    me: Professional,
    Query(query): Query<SettingsQuery>,
) -> Result<Response, WebError> {
    let scope = &me.user.account.territory;
    let (delays, weights) = me.state.store.territory_settings(scope).await?;
    let fields = setting_fields(&delays, &weights);
    settings_page(&me, fields, Errors::new(), !query.enregistre.is_empty())
}

/// The settings page; 422 when it shows errors.
fn settings_page(
    me: &Professional,
    fields: Vec<SettingField>,
    errors: Errors,
    saved: bool,
) -> Result<Response, WebError> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = render(&SettingsTemplate {
        layout: me.layout("/file-active", "Réglages du territoire"),
        fields,
        errors,
        saved,
    })?;
    Ok((status, page).into_response())
}

fn weight(text: &str, field: &'static str, errors: &mut Errors) -> f64 {
    match text.replace(',', ".").parse::<f64>() {
        Ok(value) if (0.0..=100.0).contains(&value) => value,
        _ => {
            errors.insert(field, "Indiquez un nombre entre 0 et 100.".to_owned());
            0.0
        }
    }
}

/// `POST /territoire/reglages`: every field checked; nothing saved if one is wrong.
pub async fn save_settings(me: Professional, body: Bytes) -> Result<Response, WebError> {
    let values = fields(&body);
    let (delays, weights, errors) = read_settings(&values);
    if !errors.is_empty() {
        return settings_page(&me, sent_back(&values), errors, false);
    }
    let (scope, by) = (&me.user.account.territory, me.user.account.id);
    let store = &me.state.store;
    let saved = store.save_territory_settings(scope, (&delays, &weights), by, me.now());
    saved.await?;
    Ok(Redirect::to("/territoire/reglages?enregistre=1").into_response())
}

/// The settings' fields with the values as sent.
fn sent_back(values: &Fields) -> Vec<SettingField> {
    let mut shown = setting_fields(&TargetDelays::default(), &Weights::default());
    for field in &mut shown {
        field.value = text(values, field.name);
    }
    shown
}

/// The target delays and weights of the form, with the errors by field.
fn read_settings(values: &Fields) -> (TargetDelays, Weights, Errors) {
    let mut errors = Errors::new();
    let mut days = |name: &'static str| match number(&text(values, name), name, 365, &mut errors) {
        Some(0) | None => {
            errors
                .entry(name)
                .or_insert_with(|| "Indiquez un nombre de jours entre 1 et 365.".to_owned());
            1
        }
        Some(days) => days,
    };
    let delays = TargetDelays {
        answer_days: days("delai_reponse"),
        first_contact_days: days("delai_contact"),
    };
    let mut weight = |name: &'static str| weight(&text(values, name), name, &mut errors);
    let weights = Weights {
        needs: weight("poids_besoins"),
        distance: weight("poids_distance"),
        delay: weight("poids_delai"),
        capacity: weight("poids_capacite"),
        audience: weight("poids_public"),
        support_mode: weight("poids_modalite"),
        quality: weight("poids_qualite"),
    };
    (delays, weights, errors)
}
