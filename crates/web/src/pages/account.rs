//! "Mon compte": the signed-in professional's own account, its security (second factor, password
//! change) and live sessions (each with its device, start and last activity, and a button to end
//! it), and how they receive notifications by e-mail (at each one, a daily summary, or none).

use crate::auth::Professional;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::form_fields::{fields, text};
use crate::pages::{format_time, render};
use aiguillage_domain::account::MailDigest;
use aiguillage_domain::ids::AccountId;
use aiguillage_domain::second_factor::required_for;
use aiguillage_domain::session::{device_label, ABSOLUTE_TIMEOUT_SECONDS, IDLE_TIMEOUT_SECONDS};
use aiguillage_store::Account;
use askama::Template;
use axum::body::Bytes;
use axum::extract::Query;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountTemplate {
    layout: Layout,
    display_name: String,
    email: String,
    role_label: &'static str,
    structure_name: String,
    territory_name: String,
    created_at: String,
    last_login_at: String,
    idle_minutes: i64,
    absolute_hours: i64,
    /// The e-mail choices (code, label, chosen).
    digests: Vec<(&'static str, &'static str, bool)>,
    /// The choice was just saved.
    saved: bool,
    /// The live calendar feeds: (created on, only the referrals given to the professional).
    feeds: Vec<(String, bool)>,
    /// The address of the feed just created (shown once: only its hash is kept).
    new_feed: Option<String>,
    /// The feeds were just revoked.
    revoked: bool,
    /// The account's live sessions.
    sessions: Vec<SessionRow>,
    /// The second factor: `Some(since)` when on.
    second_factor_since: Option<String>,
    /// The account's role requires the second factor.
    second_factor_required: bool,
    /// A confirmation from the redirection (`mot_de_passe=change`, `session=terminee`).
    notice: Option<&'static str>,
}

/// One live session, as the page lists it.
struct SessionRow {
    handle: String,
    device: String,
    started: String,
    last_seen: String,
    current: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct AccountQuery {
    #[serde(default)]
    enregistre: String,
    #[serde(default)]
    agenda: String,
    #[serde(default)]
    mot_de_passe: String,
    #[serde(default)]
    session: String,
}

/// `GET /compte`.
pub async fn show(
    me: Professional,
    Query(query): Query<AccountQuery>,
) -> Result<Response, WebError> {
    let saved = !query.enregistre.is_empty();
    let revoked = query.agenda == "revoque";
    let notice = if query.mot_de_passe == "change" {
        Some("Votre mot de passe est changé. Vos autres sessions sont fermées.")
    } else if query.session == "terminee" {
        Some("La session est fermée.")
    } else {
        None
    };
    account_page(me, saved, (None, revoked), notice).await
}

/// The account page with the address of a calendar feed just created.
pub async fn show_with_feed(me: Professional, url: String) -> Result<Response, WebError> {
    account_page(me, false, (Some(url), false), None).await
}

async fn account_page(
    me: Professional,
    saved: bool,
    (new_feed, revoked): (Option<String>, bool),
    notice: Option<&'static str>,
) -> Result<Response, WebError> {
    let account_id = AccountId::new(me.user.account.id);
    let chosen = me.state.store.mail_digest_of(account_id).await?;
    let mut page = AccountTemplate::of(me.layout("/compte", "Mon compte"), &me.user.account);
    page.digests = MailDigest::ALL
        .iter()
        .map(|d| (d.code(), d.label(), *d == chosen))
        .collect();
    page.saved = saved;
    page.feeds = me
        .state
        .store
        .calendar_feeds_of(me.user.account.id)
        .await?
        .into_iter()
        .map(|(at, only)| (format_time(at), only))
        .collect();
    page.new_feed = new_feed;
    page.revoked = revoked;
    page.notice = notice;
    page.sessions = me
        .state
        .store
        .sessions_of(account_id, &me.user.token_hash, me.now())
        .await?
        .into_iter()
        .map(|s| SessionRow {
            device: device_label(&s.user_agent),
            started: format_time(s.created_at),
            last_seen: format_time(s.last_seen_at),
            current: s.current,
            handle: s.handle,
        })
        .collect();
    page.second_factor_since = me
        .state
        .store
        .second_factor_of(account_id)
        .await?
        .map(|f| format_time(f.confirmed_at));
    page.second_factor_required = required_for(me.user.account.role);
    render(&page)
}

/// `POST /compte/courriels`: how the professional receives notifications by e-mail; an unknown
/// choice is a 400 and changes nothing.
pub async fn set_digest(me: Professional, body: Bytes) -> Result<Response, WebError> {
    let values = fields(&body);
    let chosen = text(&values, "recapitulatif");
    let digest = MailDigest::from_code(&chosen).ok_or_else(|| {
        WebError::BadRequest(format!(
            "Choix de courriels « {chosen} » inconnu : rien n'a été changé."
        ))
    })?;
    let account_id = AccountId::new(me.user.account.id);
    me.state.store.set_mail_digest(account_id, digest).await?;
    Ok(Redirect::to("/compte?enregistre=1#courriels").into_response())
}

/// The name of the account's territory, or its code when it has none.
pub fn territory_name(account: &Account) -> String {
    account
        .territory_name
        .clone()
        .unwrap_or_else(|| account.territory.to_string())
}

impl AccountTemplate {
    fn of(layout: Layout, account: &Account) -> AccountTemplate {
        AccountTemplate {
            layout,
            display_name: account.display_name.clone(),
            email: account.email.clone(),
            role_label: account.role.label(),
            structure_name: account.structure_name.clone(),
            territory_name: territory_name(account),
            created_at: format_time(account.created_at),
            last_login_at: account
                .last_login_at
                .map_or_else(|| "jamais".to_owned(), format_time),
            idle_minutes: IDLE_TIMEOUT_SECONDS / 60,
            absolute_hours: ABSOLUTE_TIMEOUT_SECONDS / 3600,
            digests: Vec::new(),
            saved: false,
            feeds: Vec::new(),
            new_feed: None,
            revoked: false,
            sessions: Vec::new(),
            second_factor_since: None,
            second_factor_required: false,
            notice: None,
        }
    }
}
