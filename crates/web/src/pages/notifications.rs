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
        .await?
        .into_iter()
        .map(|n| (format_time(n.created_at), n))
        .collect();
    render(&NotificationsTemplate {
        layout: me.layout("/notifications", "Notifications"),
        notifications,
    })
}
