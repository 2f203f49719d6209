//! What the OpenAPI document says of the answers an API route gives besides its handler's own: the
//! refusals of the framework and of the guard, the same for every route. Each operation's audience is
//! read from the routing table (`routes::ROUTES`), so the document follows the policy:
//!
//! - a route with parameters or a body answers 400 when one cannot be read (axum's rejection, drawn
//!   in French by `error::render_error_pages`), and 413 when its body is over the limit;
//! - a route for signed-in professionals answers 401 without a session, 403 to a role it is not for;
//! - a route a partner tool may call with its bearer credential also answers 401, 403 or 429 from
//!   the guard (`{"errors": [{"status", "detail"}]}`), with `Retry-After` on a 429;
//! - every 4xx answer without a body of its own carries the JSON error (`{"error", "message"}`).
//!
//! The security schemes say how: the session cookie, or the bearer credential and the scope it needs.

use crate::policy::Audience;
use crate::routes::ROUTES;
use serde_json::{json, Map, Value};

/// The JSON body of an error drawn by `error::render_error_pages`.
const ERROR: &str = "Erreur";
/// The JSON body of a partner tool's call refused by the guard.
const CLIENT_ERRORS: &str = "ErreursClient";
/// The security scheme of a signed-in professional.
const SESSION: &str = "session";
/// The security scheme of a partner tool.
const BEARER: &str = "jeton";

/// Adds to the document the refusals every operation may give, the error bodies and the security
/// schemes.
pub fn describe_refusals(document: &mut Value) {
    add_components(document);
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item.iter_mut() {
            let who = ROUTES
                .iter()
                .find(|route| {
                    route.path == path && route.method.as_str().eq_ignore_ascii_case(method)
                })
                .map(|route| route.who);
            if let Some(operation) = operation.as_object_mut() {
                describe_operation(operation, who);
            }
        }
    }
}

/// The error bodies and the security schemes, among the document's components.
fn add_components(document: &mut Value) {
    let Some(root) = document.as_object_mut() else {
        return;
    };
    let components = object_at(root, "components");
    let schemas = object_at(components, "schemas");
    schemas.insert(
        ERROR.to_owned(),
        json!({
            "type": "object",
            "description": "Une requête refusée, dite en français.",
            "required": ["error", "message"],
            "properties": {
                "error": { "type": "string", "description": "Le titre : « Requête invalide », « Connexion requise », « Accès refusé », « Page non trouvée »…" },
                "message": { "type": "string", "description": "Ce qui ne va pas (le champ et la raison, pour une donnée illisible) et que faire." }
            }
        }),
    );
    schemas.insert(
        CLIENT_ERRORS.to_owned(),
        json!({
            "type": "object",
            "description": "L'appel d'un client d'API refusé par la vérification de son jeton.",
            "required": ["errors"],
            "properties": {
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["status", "detail"],
                        "properties": {
                            "status": { "type": "string", "description": "Le code HTTP, en texte (« 401 »)." },
                            "detail": { "type": "string", "description": "La raison, en français." }
                        }
                    }
                }
            }
        }),
    );
    let schemes = object_at(components, "securitySchemes");
    schemes.insert(
        SESSION.to_owned(),
        json!({
            "type": "apiKey",
            "in": "cookie",
            "name": crate::auth::session::SESSION_COOKIE,
            "description": "La session d'un professionnel connecté (les écritures demandent aussi l'en-tête X-CSRF-Token de la session)."
        }),
    );
    schemes.insert(
        BEARER.to_owned(),
        json!({
            "type": "http",
            "scheme": "bearer",
            "description": "Le jeton `identifiant:secret` d'un client d'API (aiguillage api-client add), avec la portée que l'opération demande."
        }),
    );
}

/// The object under `key`, created empty if absent (or replaced if not an object).
fn object_at<'a>(parent: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let entry = parent
        .entry(key.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    match entry {
        Value::Object(map) => map,
        _ => unreachable!("just made an object"),
    }
}

/// One operation's refusals, by what it takes and who may call it.
fn describe_operation(operation: &mut Map<String, Value>, who: Option<Audience>) {
    let has_parameters = operation
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|parameters| !parameters.is_empty());
    let has_body = operation.get("requestBody").is_some_and(Value::is_object);
    let mut refusals: Vec<(&str, &str)> = Vec::new();
    if has_parameters || has_body {
        refusals.push((
            "400",
            "Requête invalide : un paramètre ou le corps ne peut pas être lu (le message dit lequel)",
        ));
    }
    if has_body {
        refusals.push(("413", "Corps trop volumineux"));
    }
    let (security, client) = match who {
        Some(Audience::SignedIn) => {
            refusals.push(("401", "Connexion requise"));
            (Some(json!([{ SESSION: [] }])), false)
        }
        Some(Audience::Roles(_)) => {
            refusals.push(("401", "Connexion requise"));
            refusals.push(("403", "Rôle non autorisé"));
            (Some(json!([{ SESSION: [] }])), false)
        }
        Some(Audience::RolesOrClient(_, scope)) => {
            refusals.push(("401", "Connexion ou jeton requis"));
            refusals.push(("403", "Rôle non autorisé, ou jeton sans cette portée"));
            refusals.push((
                "429",
                "Trop d'appels de ce client d'API dans la fenêtre en cours (réessayer après Retry-After secondes)",
            ));
            (
                Some(json!([{ SESSION: [] }, { BEARER: [scope.code()] }])),
                true,
            )
        }
        Some(Audience::ApiClient(scope)) => {
            refusals.push(("401", "Jeton requis"));
            refusals.push(("403", "Jeton sans cette portée"));
            refusals.push(("429", "Trop d'appels de ce client d'API"));
            (Some(json!([{ BEARER: [scope.code()] }])), true)
        }
        Some(Audience::Public) | None => (None, false),
    };
    if let Some(security) = security {
        operation.insert("security".to_owned(), security);
    }
    let responses = object_at(operation, "responses");
    for (status, description) in refusals {
        responses
            .entry(status.to_owned())
            .or_insert_with(|| json!({ "description": description }));
    }
    for (status, response) in responses.iter_mut() {
        let Some(response) = response.as_object_mut() else {
            continue;
        };
        if !status.starts_with('4') || response.contains_key("content") {
            continue;
        }
        let by_guard = client && matches!(status.as_str(), "401" | "403" | "429");
        let schema = if by_guard {
            json!({ "oneOf": [reference(ERROR), reference(CLIENT_ERRORS)] })
        } else {
            reference(ERROR)
        };
        response.insert(
            "content".to_owned(),
            json!({ "application/json": { "schema": schema } }),
        );
        if status == "429" {
            response.insert(
                "headers".to_owned(),
                json!({ "Retry-After": {
                    "description": "Secondes avant la prochaine fenêtre d'appels",
                    "required": true,
                    "schema": { "type": "integer", "minimum": 0 }
                } }),
            );
        }
    }
}

/// A reference to a schema of the document's components.
fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}
