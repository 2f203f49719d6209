//! One web error for every handler. It becomes a response carrying an [`ErrorPage`] marker; the
//! `render_error_pages` middleware then draws the French error page inside the layout of the viewer
//! (or, under `/api/`, a JSON body), so that 403, 404 and 500 look the same wherever they arise.

use crate::auth::Viewer;
use crate::layout::Layout;
use crate::state::AppState;
use aiguillage_store::StoreError;
use askama::Template;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;

/// What went wrong, as the person needs to hear it.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("connexion requise")]
    SignInRequired,
    #[error("accès refusé")]
    Forbidden,
    #[error("page introuvable")]
    NotFound,
    #[error("jeton de sécurité invalide")]
    CsrfRejected,
    #[error("requête trop volumineuse")]
    PayloadTooLarge,
    #[error("{0}")]
    BadRequest(String),
    #[error("erreur interne : {0}")]
    Internal(String),
}

impl From<crate::territory_diagnostic::DiagnoseError> for WebError {
    fn from(error: crate::territory_diagnostic::DiagnoseError) -> Self {
        match error {
            crate::territory_diagnostic::DiagnoseError::Unknown(_) => WebError::NotFound,
            crate::territory_diagnostic::DiagnoseError::Store(error) => error.into(),
        }
    }
}

impl From<StoreError> for WebError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(_) => WebError::NotFound,
            other => WebError::Internal(other.to_string()),
        }
    }
}

/// The marker a failed response carries until it is drawn.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub status: StatusCode,
    pub title: &'static str,
    pub message: String,
}

impl WebError {
    fn page(&self) -> ErrorPage {
        let (status, title, message) = match self {
            WebError::SignInRequired => (
                StatusCode::UNAUTHORIZED,
                "Connexion requise",
                "Connectez-vous pour accéder à cette page.".to_owned(),
            ),
            WebError::Forbidden => (
                StatusCode::FORBIDDEN,
                "Accès refusé",
                "Votre rôle ne donne pas accès à cette page. Si vous pensez que c'est une erreur, adressez-vous à l'administrateur de la plateforme.".to_owned(),
            ),
            WebError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page non trouvée",
                "La page que vous cherchez est introuvable. Vérifiez l'adresse ou revenez à l'accueil.".to_owned(),
            ),
            WebError::CsrfRejected => (
                StatusCode::FORBIDDEN,
                "Formulaire expiré",
                "Le formulaire n'est plus valide (session expirée ou page ouverte depuis trop longtemps). Rechargez la page puis recommencez.".to_owned(),
            ),
            WebError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Envoi trop volumineux",
                "Les données envoyées dépassent la taille autorisée.".to_owned(),
            ),
            WebError::BadRequest(message) => (StatusCode::BAD_REQUEST, "Requête invalide", message.clone()),
            WebError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Erreur inattendue",
                "Une erreur est survenue de notre côté. Réessayez dans quelques instants ; si elle persiste, prévenez l'administrateur.".to_owned(),
            ),
        };
        ErrorPage {
            status,
            title,
            message,
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let WebError::Internal(cause) = &self {
            tracing::error!(%cause, "internal error");
        }
        let page = self.page();
        let mut response = page.status.into_response();
        response.extensions_mut().insert(page);
        response
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate {
    layout: Layout,
    page: ErrorPage,
}

/// The 404 handler for paths no route serves.
pub async fn not_found() -> WebError {
    WebError::NotFound
}

/// Middleware: draws the body of every response that carries an [`ErrorPage`].
pub async fn render_error_pages(
    State(state): State<AppState>,
    viewer: Viewer,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let Some(page) = response.extensions().get::<ErrorPage>().cloned() else {
        return response;
    };
    if path.starts_with("/api/") || path == "/healthz" {
        let body = serde_json::json!({ "error": page.title, "message": page.message });
        return (page.status, Json(body)).into_response();
    }
    let template = ErrorTemplate {
        layout: Layout::new(&state, &viewer, &path, page.title),
        page: page.clone(),
    };
    match template.render() {
        Ok(html) => (
            page.status,
            [(header::CACHE_CONTROL, "no-store")],
            Html(html),
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "error page template failed");
            (page.status, page.message).into_response()
        }
    }
}
