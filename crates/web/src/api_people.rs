//! The people part of the JSON API, for partner tools: enrol a person (with the consent text version
//! the tool showed), submit a diagnostic, read the latest profile. Same permissions and visibility as
//! the pages (another structure's person is "not found"), same audit.

use crate::auth::Professional;
use crate::error::WebError;
use aiguillage_domain::calendar::date_of;
use aiguillage_domain::diagnostic::{check_notes, Answers, Profile, PublicOverride, PublicProfile};
use aiguillage_domain::ids::PersonId;
use aiguillage_domain::person::{
    check_person, enrolment_consent, ConsentText, PersonDraft, PersonInput,
};
use aiguillage_service::people::{self, DuplicateCheck, EnrolError};
use aiguillage_store::StoredDiagnostic;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

/// The people endpoints' part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(enrol, submit_diagnostic, profile),
    components(schemas(Enrolment, Consent, Enrolled, DiagnosticStored, ProfileRead))
)]
pub struct PeopleApiDoc;

/// The person's answer to the consent text shown by the partner tool.
#[derive(Deserialize, ToSchema)]
pub struct Consent {
    /// `true` only if the person agreed.
    accord: bool,
    /// The version of the text shown (must be the current one, see the error message otherwise).
    version: String,
}

/// A person to enrol.
#[derive(Deserialize, ToSchema)]
pub struct Enrolment {
    prenom: String,
    nom: String,
    #[serde(default)]
    telephone: String,
    #[serde(default)]
    courriel: String,
    #[serde(default)]
    sans_telephone: bool,
    /// INSEE code of the commune of residence.
    commune_insee: String,
    annee_naissance: Option<i32>,
    consentement: Consent,
}

/// An enrolled person.
#[derive(Serialize, ToSchema)]
pub struct Enrolled {
    id: i64,
    version_consentement: String,
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, WebError> {
    serde_json::from_slice(body)
        .map_err(|e| WebError::BadRequest(format!("Corps JSON illisible : {e}")))
}

#[utoipa::path(post, path = "/api/v1/personnes", tag = "personnes",
    request_body = Enrolment,
    responses((status = 201, body = Enrolled, description = "Personne inscrite avec son consentement"),
              (status = 400, description = "Consentement absent ou périmé, ou champ invalide : rien n'est enregistré"),
              (status = 401, description = "Connexion requise"), (status = 403, description = "Rôle non autorisé")))]
pub async fn enrol(me: Professional, body: Bytes) -> Result<Response, WebError> {
    let enrolment: Enrolment = parse(&body)?;
    let consent = enrolment_consent(&me.user.account.structure_name);
    check_consent(&enrolment.consentement, &consent)?;
    let now = me.now();
    let draft = checked_person(enrolment, now)?;
    let (structure, actor) = (&me.user.account.structure_name, me.actor());
    // The API's client shows no list of possible duplicates: it enrols the person it was given.
    let enrolling = (&draft, DuplicateCheck::ConfirmedNew);
    let id = match people::enrol(&me.state, &actor, structure, enrolling).await {
        Ok(id) => id,
        Err(EnrolError::UnknownCommune(code)) => {
            let message = format!("commune_insee : aucune commune n'a le code « {code} ».");
            return Err(WebError::BadRequest(message));
        }
        Err(refused @ EnrolError::PossibleDuplicates(_)) => {
            return Err(WebError::BadRequest(refused.to_string()))
        }
        Err(EnrolError::Store(error)) => return Err(error.into()),
    };
    Ok(created(Enrolled::new(id.get(), consent.version)))
}

impl Enrolled {
    fn new(id: i64, version_consentement: String) -> Enrolled {
        Enrolled {
            id,
            version_consentement,
        }
    }
}

/// A 201 answer with its JSON body.
fn created(body: impl Serialize) -> Response {
    (StatusCode::CREATED, Json(body)).into_response()
}

/// The person agreed, to the text in force.
fn check_consent(given: &Consent, in_force: &ConsentText) -> Result<(), WebError> {
    if !given.accord {
        return Err(WebError::BadRequest(
            "La personne n'a pas donné son accord : rien n'est enregistré.".to_owned(),
        ));
    }
    if given.version != in_force.version {
        return Err(WebError::BadRequest(format!(
            "Le texte de consentement montré n'est pas le texte en vigueur (version {}) : montrez-le à la personne. Texte : {}",
            in_force.version, in_force.text
        )));
    }
    Ok(())
}

/// The enrolment's person, checked, or every problem in one message.
fn checked_person(enrolment: Enrolment, now: i64) -> Result<PersonDraft, WebError> {
    let input = PersonInput {
        first_name: enrolment.prenom,
        last_name: enrolment.nom,
        phone: enrolment.telephone,
        email: enrolment.courriel,
        no_phone: enrolment.sans_telephone,
        commune_code: enrolment.commune_insee,
        birth_year: enrolment
            .annee_naissance
            .map(|y| y.to_string())
            .unwrap_or_default(),
    };
    check_person(&input, date_of(now).year()).map_err(|problems| {
        WebError::BadRequest(
            problems
                .iter()
                .map(|p| format!("{} : {}", p.field.name(), p.message))
                .collect::<Vec<_>>()
                .join(" "),
        )
    })
}

/// A stored diagnostic and its profile.
#[derive(Serialize, ToSchema)]
pub struct DiagnosticStored {
    diagnostic_id: i64,
    /// The computed profile (see docs/diagnostic.md).
    #[schema(value_type = Object)]
    profil: PublicProfile,
}

#[utoipa::path(post, path = "/api/v1/personnes/{id}/diagnostics", tag = "personnes",
    params(("id" = i64, Path, description = "Identifiant de la personne")),
    request_body(content = Object, description = "Les réponses du questionnaire (valeurs exactes des libellés, voir docs/diagnostic.md)"),
    responses((status = 201, body = DiagnosticStored, description = "Diagnostic enregistré, profil calculé"),
              (status = 400, description = "Réponses illisibles : rien n'est enregistré"),
              (status = 404, description = "Personne introuvable (ou d'une autre structure)")))]
pub async fn submit_diagnostic(
    me: Professional,
    Path(id): Path<PersonId>,
    body: Bytes,
) -> Result<Response, WebError> {
    let answers = checked_answers(&body)?;
    let recorded = people::record_diagnostic(&me.state, &me.actor(), id, &answers).await?;
    let (diagnostic_id, profil) = recorded.ok_or(WebError::NotFound)?;
    Ok(created(DiagnosticStored::new(diagnostic_id, profil)))
}

/// The answers in the body, their notes checked.
fn checked_answers(body: &[u8]) -> Result<Answers, WebError> {
    let answers: Answers = parse(body)?;
    check_notes(answers.notes.as_deref().unwrap_or_default())
        .map_err(|e| WebError::BadRequest(format!("notes : {e}")))?;
    Ok(answers)
}

impl DiagnosticStored {
    fn new(diagnostic_id: i64, profil: Profile) -> DiagnosticStored {
        DiagnosticStored {
            diagnostic_id,
            profil: PublicProfile::from(&profil),
        }
    }
}

/// The latest profile of a person.
#[derive(Serialize, ToSchema)]
pub struct ProfileRead {
    personne_id: i64,
    diagnostic_id: i64,
    /// Unix seconds.
    date: i64,
    #[schema(value_type = Object)]
    profil: PublicProfile,
    /// The professional's override (typology, help, reason), if any.
    #[schema(value_type = Option<Object>)]
    ajustement: Option<PublicOverride>,
}

#[utoipa::path(get, path = "/api/v1/personnes/{id}/profil", tag = "personnes",
    params(("id" = i64, Path, description = "Identifiant de la personne")),
    responses((status = 200, body = ProfileRead, description = "Le profil du dernier diagnostic"),
              (status = 404, description = "Personne introuvable (ou d'une autre structure), ou sans diagnostic")))]
pub async fn profile(
    me: Professional,
    Path(id): Path<PersonId>,
) -> Result<Json<ProfileRead>, WebError> {
    let (store, actor) = (&me.state.store, me.actor());
    let person = store.person(&actor, id, me.now()).await?;
    person.ok_or(WebError::NotFound)?;
    let mut diagnostics = store.diagnostics_of(&actor, id, me.now()).await?;
    let latest: StoredDiagnostic = diagnostics.pop().ok_or(WebError::NotFound)?;
    Ok(Json(ProfileRead {
        personne_id: id.get(),
        diagnostic_id: latest.id,
        date: latest.made_at,
        profil: PublicProfile::from(&latest.profile),
        ajustement: latest.override_.as_ref().map(PublicOverride::from),
    }))
}
