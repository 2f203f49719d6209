//! The take-home sheet of a referral (`/orientations/{id}/fiche`): where to go, who contacts the
//! person and within how many days, what to bring, the helpline; printable in easy-to-read French,
//! and sent to the person by e-mail when they agree and have an address.

use crate::auth::Professional;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::diagnostic::format_day;
use crate::pages::form_fields::{fields, text};
use crate::pages::questionnaire::ProfileView;
use crate::pages::render;
use aiguillage_domain::diagnostic::RecommendedHelp;
use aiguillage_domain::ids::ReferralId;
use aiguillage_service::take_home::{mail_sheet, sheet, SheetMailError, TakeHomeSheet};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "referral_sheet.html")]
struct SheetTemplate {
    layout: Layout,
    sheet: TakeHomeSheet,
    view: ProfileView,
    date: String,
    next_step: String,
    /// The address the sheet was just sent to.
    sent_to: Option<String>,
    /// Why the e-mail did not go.
    mail_error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SheetQuery {
    #[serde(default)]
    envoyee: String,
}

fn sheet_page(
    me: &Professional,
    sheet: TakeHomeSheet,
    sent_to: Option<String>,
    mail_error: Option<String>,
) -> Result<Response, WebError> {
    let status = if mail_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let view = ProfileView::new(sheet.profile.clone(), None, None, &sheet.commune_name);
    let page = render(&SheetTemplate {
        layout: me.layout("/orientations", "Fiche d'orientation"),
        date: format_day(sheet.diagnosed_at),
        next_step: sheet.promise.clone(),
        view,
        sheet,
        sent_to,
        mail_error,
    })?;
    Ok((status, page).into_response())
}

/// `GET /orientations/{id}/fiche`: the sheet to print or send.
pub async fn show(
    me: Professional,
    Path(id): Path<ReferralId>,
    Query(query): Query<SheetQuery>,
) -> Result<Response, WebError> {
    let sheet = sheet(&me.state, &me.actor(), id).await?;
    let sent_to = (!query.envoyee.is_empty())
        .then(|| sheet.email.clone())
        .flatten();
    sheet_page(&me, sheet, sent_to, None)
}

/// `POST /orientations/{id}/fiche`: sends the sheet to the person's e-mail address once the box
/// says they agree; otherwise the page comes back saying why, with the sheet still to print.
pub async fn send(
    me: Professional,
    Path(id): Path<ReferralId>,
    body: Bytes,
) -> Result<Response, WebError> {
    let agreed = text(&fields(&body), "accord") == "oui";
    match mail_sheet(&me.state, &me.actor(), id, agreed).await {
        Ok(_) => Ok(Redirect::to(&format!("/orientations/{id}/fiche?envoyee=1")).into_response()),
        Err(SheetMailError::Referral(error)) => Err(error.into()),
        Err(refused) => {
            let sheet = sheet(&me.state, &me.actor(), id).await?;
            sheet_page(&me, sheet, None, Some(refused.to_string()))
        }
    }
}
