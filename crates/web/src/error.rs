//! One web error for every handler. It becomes a response carrying an [`ErrorPage`] marker; the
//! `render_error_pages` middleware then draws the French error page inside the layout of the viewer
//! (or, under `/api/`, a JSON body), so that 403, 404 and 500 look the same wherever they arise.
//! The same middleware turns the framework's own refusals (axum's `Path`, `Query`, `Form` and `Json`
//! rejections, the router's 405, the body limit's 413: English plain text without a marker) into
//! the French page, and writes a security event for each 403 given to a signed-in account and each
//! 404 on a person's record.

use crate::auth::Viewer;
use crate::layout::Layout;
use crate::security_event::{record, EventContext, SecurityEvent};
use aiguillage_service::state::AppState;
use aiguillage_store::StoreError;
use askama::Template;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
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
    /// Refused because the request names records outside the account's scope (the message says which).
    #[error("{0}")]
    ForbiddenWith(String),
    #[error("erreur interne : {0}")]
    Internal(String),
}

impl From<aiguillage_service::territory_diagnostic::DiagnoseError> for WebError {
    fn from(error: aiguillage_service::territory_diagnostic::DiagnoseError) -> Self {
        match error {
            aiguillage_service::territory_diagnostic::DiagnoseError::Unknown(_) => {
                WebError::NotFound
            }
            aiguillage_service::territory_diagnostic::DiagnoseError::Store(error) => error.into(),
        }
    }
}

impl From<aiguillage_service::referrals::ReferralError> for WebError {
    fn from(error: aiguillage_service::referrals::ReferralError) -> Self {
        use aiguillage_service::referrals::ReferralError;
        match error {
            ReferralError::NotFound => WebError::NotFound,
            ReferralError::NotDiagnosed
            | ReferralError::UnknownOffer
            | ReferralError::AlreadyOpen(_)
            | ReferralError::SlotTaken => WebError::BadRequest(error.to_string()),
            ReferralError::Store(error) => error.into(),
        }
    }
}

impl From<StoreError> for WebError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(_) => WebError::NotFound,
            StoreError::OutOfScope(_) => WebError::Forbidden,
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
                "Les données envoyées dépassent la taille autorisée (64 Kio pour un formulaire ; 25 Mio pour un fichier importé, par un compte autorisé à importer).".to_owned(),
            ),
            WebError::BadRequest(message) => (StatusCode::BAD_REQUEST, "Requête invalide", message.clone()),
            WebError::ForbiddenWith(message) => (StatusCode::FORBIDDEN, "Accès refusé", message.clone()),
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

/// The French page for a refusal the framework wrote itself (plain text, no marker), if it is one.
fn framework_refusal(status: StatusCode, headers: &HeaderMap) -> Option<ErrorPage> {
    let plain = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_none_or(|value| value.starts_with("text/plain"));
    let (title, message) = match status {
        StatusCode::BAD_REQUEST => (
            "Requête invalide",
            "L'adresse ou les données envoyées ne peuvent pas être lues. Vérifiez l'adresse, ou recommencez depuis le formulaire.",
        ),
        StatusCode::NOT_FOUND => return plain.then(|| WebError::NotFound.page()),
        StatusCode::METHOD_NOT_ALLOWED => (
            "Action non disponible",
            "Cette adresse ne permet pas cette action. Revenez à la page précédente et utilisez ses boutons ou ses liens.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => return plain.then(|| WebError::PayloadTooLarge.page()),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "Format non pris en charge",
            "Les données envoyées ne sont pas dans un format attendu (formulaire ou JSON).",
        ),
        StatusCode::UNPROCESSABLE_ENTITY => (
            "Données illisibles",
            "Les données envoyées sont incomplètes ou mal formées. Vérifiez-les puis recommencez.",
        ),
        _ => return None,
    };
    plain.then(|| ErrorPage {
        status,
        title,
        message: message.to_owned(),
    })
}

/// Paths naming a person's record (or a referral, which names a person).
fn is_person_path(path: &str) -> bool {
    ["/personnes/", "/api/v1/personnes/", "/orientations/"]
        .iter()
        .any(|prefix| path.starts_with(prefix))
}

/// The security event an answer is, if any: a 403 to a signed-in account, or a 404 on a person's
/// record for a signed-in account (another structure's person is "not found").
pub fn security_event_for(
    status: StatusCode,
    path: &str,
    signed_in: bool,
) -> Option<SecurityEvent> {
    match status {
        _ if !signed_in => None,
        StatusCode::FORBIDDEN => Some(SecurityEvent::Forbidden),
        StatusCode::NOT_FOUND if is_person_path(path) => Some(SecurityEvent::PersonNotFound),
        _ => None,
    }
}

/// Who asked what, kept from the request for the security event written after the answer.
struct Asked {
    method: String,
    path: String,
    client: Option<String>,
}

impl Asked {
    fn of(request: &Request) -> Asked {
        Asked {
            method: request.method().to_string(),
            path: request.uri().path().to_owned(),
            client: request
                .extensions()
                .get::<ConnectInfo<std::net::SocketAddr>>()
                .map(|info| info.0.ip().to_string()),
        }
    }

    fn record_security_event(&self, status: StatusCode, viewer: &Viewer) {
        let account_id = viewer.0.as_ref().map(|user| user.account.id);
        if let Some(event) = security_event_for(status, &self.path, account_id.is_some()) {
            record(
                event,
                EventContext {
                    account_id,
                    client: self.client.as_deref(),
                    method: Some(&self.method),
                    path: Some(&self.path),
                },
            );
        }
    }
}

/// Middleware: draws the body of every response that carries an [`ErrorPage`], or that is a plain
/// refusal of the framework; writes the security event of a refusal.
pub async fn render_error_pages(
    State(state): State<AppState>,
    viewer: Viewer,
    request: Request,
    next: Next,
) -> Response {
    let asked = Asked::of(&request);
    let path = asked.path.clone();
    let response = next.run(request).await;
    asked.record_security_event(response.status(), &viewer);
    let marked = response.extensions().get::<ErrorPage>().cloned();
    let Some(page) = marked.or_else(|| framework_refusal(response.status(), response.headers()))
    else {
        return response;
    };
    let allow = response.headers().get(header::ALLOW).cloned();
    let mut drawn = draw(&state, &viewer, &path, page);
    if let Some(allow) = allow {
        drawn.headers_mut().insert(header::ALLOW, allow);
    }
    drawn
}

/// The French page (or JSON under `/api/`) of one error.
fn draw(state: &AppState, viewer: &Viewer, path: &str, page: ErrorPage) -> Response {
    if path.starts_with("/api/") || path == "/healthz" || path == "/readyz" {
        let body = serde_json::json!({ "error": page.title, "message": page.message });
        return (
            page.status,
            [(header::CACHE_CONTROL, "no-store")],
            Json(body),
        )
            .into_response();
    }
    let template = ErrorTemplate {
        layout: Layout::new(state, viewer, path, page.title),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_to_a_signed_in_account_are_security_events() {
        let forbidden = StatusCode::FORBIDDEN;
        let not_found = StatusCode::NOT_FOUND;
        assert_eq!(
            security_event_for(forbidden, "/pilotage", true),
            Some(SecurityEvent::Forbidden)
        );
        assert_eq!(security_event_for(forbidden, "/pilotage", false), None);
        for path in [
            "/personnes/12",
            "/api/v1/personnes/12/profil",
            "/orientations/3",
        ] {
            assert_eq!(
                security_event_for(not_found, path, true),
                Some(SecurityEvent::PersonNotFound),
                "{path}"
            );
            assert_eq!(security_event_for(not_found, path, false), None, "{path}");
        }
        assert_eq!(security_event_for(not_found, "/annuaire/9999", true), None);
        assert_eq!(
            security_event_for(StatusCode::OK, "/personnes/12", true),
            None
        );
    }

    #[test]
    fn only_plain_framework_refusals_are_redrawn() {
        let mut plain = HeaderMap::new();
        plain.insert(
            header::CONTENT_TYPE,
            "text/plain; charset=utf-8".parse().expect("value"),
        );
        let mut html = HeaderMap::new();
        html.insert(
            header::CONTENT_TYPE,
            "text/html; charset=utf-8".parse().expect("value"),
        );
        for status in [400, 404, 405, 413, 415, 422] {
            let status = StatusCode::from_u16(status).expect("status");
            let page = framework_refusal(status, &plain).expect("redrawn");
            assert_eq!(page.status, status);
            assert!(framework_refusal(status, &HeaderMap::new()).is_some());
            assert!(
                framework_refusal(status, &html).is_none(),
                "our own form pages stay"
            );
        }
        assert!(framework_refusal(StatusCode::OK, &plain).is_none());
        assert!(framework_refusal(StatusCode::CONFLICT, &plain).is_none());
    }
}
