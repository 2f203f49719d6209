//! The signed-in professional's notifications: their own and their structure's, newest first.

use crate::auth::{CurrentUser, Viewer};
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::{format_time, render};
use aiguillage_service::state::AppState;
use aiguillage_store::Notification;
use askama::Template;
use axum::extract::State;
use axum::response::Response;

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsTemplate {
    layout: Layout,
    notifications: Vec<(String, Notification)>,
}

/// `GET /notifications`.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    user: CurrentUser,
) -> Result<Response, WebError> {
    let notifications = state
        .store
        .notifications_of(user.account.id, user.account.structure_id, 100)
        .await?
        .into_iter()
        .map(|n| (format_time(n.created_at), n))
        .collect();
    render(&NotificationsTemplate {
        layout: Layout::new(&state, &viewer, "/notifications", "Notifications"),
        notifications,
    })
}
