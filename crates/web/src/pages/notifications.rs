//! The signed-in professional's notifications: their own and their structure's, newest first.

use crate::auth::Professional;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::{format_time, render};
use aiguillage_domain::ids::{AccountId, StructureId};
use aiguillage_store::Notification;
use askama::Template;
use axum::response::Response;

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsTemplate {
    layout: Layout,
    notifications: Vec<(String, Notification)>,
}

/// `GET /notifications`.
pub async fn list(me: Professional) -> Result<Response, WebError> {
    let account = &me.user.account;
    let notifications = me
        .state
        .store
        .notifications_of(
            AccountId::new(account.id),
            StructureId::new(account.structure_id),
            100,
        )
        .await?;
    if let Some(newest) = notifications.iter().map(|n| n.id).max() {
        me.state
            .store
            .mark_notifications_seen(AccountId::new(account.id), newest)
            .await?;
    }
    let notifications = notifications
        .into_iter()
        .map(|n| (format_time(n.created_at), n))
        .collect();
    render(&NotificationsTemplate {
        layout: seen_layout(me.layout("/notifications", "Notifications")),
        notifications,
    })
}

/// The frame of the notifications page: once shown, nothing is left unread.
fn seen_layout(mut layout: crate::layout::Layout) -> crate::layout::Layout {
    for link in &mut layout.nav {
        link.count = None;
    }
    layout
}
