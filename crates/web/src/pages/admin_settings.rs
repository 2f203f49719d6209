//! The instance's settings (`/administration/reglages`, administrators only): the retention
//! durations the purge applies, the minimum cell size of published statistics (only upward from the
//! server's own), and whether the diagnostic asks about specific support needs. Every field is
//! checked by the domain with its French message; nothing is saved while one is refused; each
//! change is audited. The page also lists the last purges with their counts per rule.

use crate::auth::Professional;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::form_fields::{fields, text, Errors, Fields};
use crate::pages::{format_time, render};
use aiguillage_domain::instance::InstanceOptions;
use aiguillage_domain::retention::RetentionPeriods;
use aiguillage_service::instance::{self, SettingsError};
use askama::Template;
use axum::body::Bytes;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// A number field: its form name, its label, the value shown.
struct NumberField {
    name: &'static str,
    label: &'static str,
    value: String,
}

/// A past purge: when it ran, the moment applied, each rule's label and count.
struct PurgeLine {
    ran_at: String,
    as_of: String,
    counts: Vec<(&'static str, u64)>,
}

#[derive(Template)]
#[template(path = "admin_settings.html")]
struct SettingsTemplate {
    layout: Layout,
    numbers: Vec<NumberField>,
    support_needs_asked: bool,
    errors: Errors,
    saved: bool,
    purges: Vec<PurgeLine>,
}

/// The form's fields: `(name, label, the value in RetentionPeriods or InstanceOptions)`.
const NUMBERS: [(&str, &str); 7] = [
    (
        "person_months",
        "Conservation d'une fiche après le dernier contact (mois, 24 au plus)",
    ),
    (
        "warning_days",
        "Avertissement du référent avant l'anonymisation (jours)",
    ),
    ("extension_months", "Prolongation possible, une fois (mois)"),
    ("audit_months", "Conservation du journal d'audit (mois)"),
    (
        "notification_months",
        "Conservation des notifications (mois)",
    ),
    (
        "technical_log_months",
        "Conservation des traces techniques (mois)",
    ),
    (
        "min_cell_size",
        "Seuil du secret statistique (effectif minimum publié)",
    ),
];

fn values_of(periods: &RetentionPeriods, options: &InstanceOptions) -> Fields {
    let numbers = [
        u64::from(periods.person_months),
        u64::from(periods.warning_days),
        u64::from(periods.extension_months),
        u64::from(periods.audit_months),
        u64::from(periods.notification_months),
        u64::from(periods.technical_log_months),
        options.min_cell_size,
    ];
    NUMBERS
        .iter()
        .zip(numbers)
        .map(|((name, _), value)| ((*name).to_owned(), vec![value.to_string()]))
        .collect()
}

async fn settings_page(
    me: &Professional,
    (values, support_needs_asked): (&Fields, bool),
    errors: Errors,
    saved: bool,
) -> Result<Response, WebError> {
    let runs = me.state.store.purge_runs(5).await?;
    let purges = runs
        .into_iter()
        .map(|(ran_at, as_of, report)| PurgeLine {
            ran_at: format_time(ran_at),
            as_of: format_time(as_of),
            counts: report
                .lines()
                .into_iter()
                .map(|(rule, count)| (rule.label(), count))
                .collect(),
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = render(&SettingsTemplate {
        layout: me.layout("/administration/reglages", "Réglages de l'instance"),
        numbers: NUMBERS
            .iter()
            .map(|(name, label)| NumberField {
                name,
                label,
                value: text(values, name),
            })
            .collect(),
        support_needs_asked,
        errors,
        saved,
        purges,
    })?;
    Ok((status, page).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    enregistre: String,
}

/// `GET /administration/reglages`.
pub async fn show(me: Professional, Query(query): Query<SavedQuery>) -> Result<Response, WebError> {
    let periods = me.state.store.retention_periods().await?;
    let options = instance::options(&me.state).await?;
    let values = values_of(&periods, &options);
    let saved = !query.enregistre.is_empty();
    settings_page(
        &me,
        (&values, options.support_needs_asked),
        Errors::new(),
        saved,
    )
    .await
}

/// Reads a whole number; a French message under the field otherwise.
fn number(values: &Fields, name: &'static str, errors: &mut Errors) -> u64 {
    let typed = text(values, name);
    typed.trim().parse().unwrap_or_else(|_| {
        errors.insert(name, format!("« {typed} » n'est pas un nombre entier."));
        0
    })
}

fn months(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// `POST /administration/reglages`: saves the page once every field is accepted.
pub async fn save(me: Professional, body: Bytes) -> Result<Response, WebError> {
    let values = fields(&body);
    let mut errors = Errors::new();
    let periods = RetentionPeriods {
        person_months: months(number(&values, "person_months", &mut errors)),
        warning_days: months(number(&values, "warning_days", &mut errors)),
        extension_months: months(number(&values, "extension_months", &mut errors)),
        audit_months: months(number(&values, "audit_months", &mut errors)),
        notification_months: months(number(&values, "notification_months", &mut errors)),
        technical_log_months: months(number(&values, "technical_log_months", &mut errors)),
    };
    let options = InstanceOptions {
        min_cell_size: number(&values, "min_cell_size", &mut errors),
        support_needs_asked: text(&values, "besoins_specifiques") == "oui",
    };
    if errors.is_empty() {
        match instance::save(&me.state, &me.actor(), periods, options).await {
            Ok(()) => {
                return Ok(Redirect::to("/administration/reglages?enregistre=1").into_response())
            }
            Err(SettingsError::Invalid(refused)) => {
                for error in refused {
                    errors.insert(error.field, error.message);
                }
            }
            Err(SettingsError::Store(error)) => return Err(error.into()),
        }
    }
    settings_page(&me, (&values, options.support_needs_asked), errors, false).await
}
