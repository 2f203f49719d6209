//! The signed-in professional's notifications: their own and their structure's, newest first.

use crate::auth::Professional;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::{format_time, render, Pager};
use aiguillage_domain::ids::{AccountId, StructureId};
use aiguillage_store::Notification;
use askama::Template;
use axum::extract::Query;
use axum::response::Response;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsTemplate {
    layout: Layout,
    notifications: Vec<(String, Notification)>,
    total: i64,
    first_rank: i64,
    pager: Pager,
}

/// Notifications on one page.
const NOTIFICATIONS_PAGE_SIZE: i64 = 50;

/// The page asked of the list.
#[derive(Debug, Default, Deserialize)]
pub struct NotificationsQuery {
    page: Option<i64>,
}

/// `GET /notifications`: a page of them; showing the first marks them all read.
pub async fn list(
    me: Professional,
    Query(query): Query<NotificationsQuery>,
) -> Result<Response, WebError> {
    let account = &me.user.account;
    let (account_id, structure_id) = (
        AccountId::new(account.id),
        StructureId::new(account.structure_id),
    );
    let store = &me.state.store;
    let total = store.count_notifications(account_id, structure_id).await?;
    let size = NOTIFICATIONS_PAGE_SIZE;
    let pager = Pager::new(
        query.page,
        total,
        size,
        (
            "/notifications?page={}".to_owned(),
            "Pages des notifications",
        ),
    );
    let notifications = store
        .notifications_page(account_id, structure_id, (size, pager.offset(size)))
        .await?;
    if let Some(newest) = notifications.iter().map(|n| n.id).max() {
        store.mark_notifications_seen(account_id, newest).await?;
    }
    let notifications = notifications
        .into_iter()
        .map(|n| (format_time(n.created_at), n))
        .collect();
    render(&NotificationsTemplate {
        layout: seen_layout(me.layout("/notifications", "Notifications")),
        notifications,
        total,
        first_rank: pager.offset(size) + 1,
        pager,
    })
}

/// The frame of the notifications page: once shown, nothing is left unread.
fn seen_layout(mut layout: crate::layout::Layout) -> crate::layout::Layout {
    for link in &mut layout.nav {
        link.count = None;
    }
    layout
}
