//! The public self-diagnostic: a person (or a relative) answers in easy-to-read French, sees their
//! profile and fitting places nearby, and nothing is stored — unless they ask to be contacted, with
//! their consent; the request then joins the queue of their commune's territory, where one
//! structure takes it and closes it, or it is erased after `CONTACT_REQUEST_LIFETIME_DAYS`
//! (`domain::contact_request`); the thank-you page says so.

use crate::auth::Viewer;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::form_fields::{fields, text, Errors, Fields};
use crate::pages::login::login_csrf;
use crate::pages::people::{input, InputField};
use crate::pages::questionnaire::{
    hidden_answers, read_answers, sections, urgency_fields, ProfileView, Wording,
};
use crate::pages::render;
use aiguillage_domain::calendar::date_of;
use aiguillage_domain::diagnostic::{profile, Answers, RecommendedHelp};
use aiguillage_domain::person::{check_person, contact_request_consent, PersonDraft, PersonInput};
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_service::directory_search::{run_search, DirectoryQuery, Found};
use aiguillage_service::state::AppState;
use aiguillage_store::NewContactRequest;
use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;

/// Places shown at most on the result page.
const PLACES_SHOWN: usize = 5;

/// The frame of a public page, with a CSRF token whether or not someone is signed in.
async fn public_layout(
    state: &AppState,
    viewer: &Viewer,
    jar: CookieJar,
    title: &str,
) -> Result<(CookieJar, Layout), WebError> {
    let layout = Layout::new(state, viewer, "/auto-diagnostic", title);
    if viewer.0.is_some() {
        return Ok((jar, layout));
    }
    let (jar, token) = login_csrf(state, jar).await?;
    Ok((jar, layout.with_csrf_token(token)))
}

async fn form_page(
    state: &AppState,
    viewer: &Viewer,
    jar: CookieJar,
    values: &Fields,
    errors: Errors,
) -> Result<Response, WebError> {
    let (jar, layout) =
        public_layout(state, viewer, jar, "Faire le point sur le numérique").await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = render(&crate::pages::diagnostic::QuestionnaireTemplate {
        layout,
        heading: "Faire le point sur le numérique".to_owned(),
        intro: "Répondez à quelques questions. C'est rapide : 5 minutes. Vous pouvez répondre seul ou avec un proche. Nous ne gardons rien, sauf si vous demandez qu'on vous appelle.".to_owned(),
        action: "/auto-diagnostic".to_owned(),
        sections: sections(values, Wording::EasyToRead, false),
        urgency: urgency_fields(values),
        errors,
        professional: false,
        notes: String::new(),
        commune: Some(text(values, "commune")),
        submit_label: "Voir mon résultat",
        cancel_href: "/".to_owned(),
    })?;
    Ok((status, jar, page).into_response())
}

/// `GET /auto-diagnostic`.
pub async fn form(
    State(state): State<AppState>,
    viewer: Viewer,
    jar: CookieJar,
) -> Result<Response, WebError> {
    form_page(&state, &viewer, jar, &Fields::new(), Errors::new()).await
}

#[derive(Template)]
#[template(path = "self_diagnostic_result.html")]
struct ResultTemplate {
    layout: Layout,
    contact_fields: &'static [InputField],
    date: String,
    next_step: &'static str,
    view: ProfileView,
    places: Vec<PlaceLine>,
    around: Option<String>,
    hidden: Vec<(String, String)>,
    consent_text: String,
    values: Fields,
    errors: Errors,
}

impl ResultTemplate {
    fn value(&self, name: &str) -> String {
        text(&self.values, name)
    }
}

struct PlaceLine {
    name: String,
    address: String,
    phone: Option<String>,
    distance: String,
}

/// Fitting places around the person's commune: the first service needed and any specific support,
/// within the distance they can travel (at least 5 km).
async fn nearby(
    state: &AppState,
    view: &ProfileView,
    commune: &str,
) -> Result<(Vec<PlaceLine>, Option<String>), WebError> {
    if commune.trim().is_empty() {
        return Ok((Vec::new(), None));
    }
    let requirements = &view.profile.requirements;
    let query = DirectoryQuery {
        besoin: view
            .profile
            .services
            .first()
            .map(|need| need.service.label().to_owned())
            .unwrap_or_default(),
        accompagnement_specifique: requirements
            .specific_support
            .first()
            .map(|s| s.label().to_owned())
            .unwrap_or_default(),
        commune: commune.to_owned(),
        rayon: requirements.max_distance_km.clamp(5, 100).to_string(),
        ..DirectoryQuery::default()
    };
    let outcome = run_search(
        &state.store,
        &query,
        &TerritoryScope::Departement(String::new()),
    )
    .await?;
    let places = outcome
        .found
        .iter()
        .take(PLACES_SHOWN)
        .map(
            |Found {
                 stored,
                 distance_km,
             }| PlaceLine {
                name: stored.place.name.clone(),
                address: format!(
                    "{}, {} {}",
                    stored.place.address, stored.place.postal_code, stored.place.commune
                ),
                phone: stored
                    .place
                    .phone
                    .as_deref()
                    .map(aiguillage_domain::phone::spaced),
                distance: distance_km
                    .map(|d| format!("à {:.0} km", d.max(1.0)))
                    .unwrap_or_default(),
            },
        )
        .collect();
    Ok((places, outcome.around))
}

async fn result_page(
    state: &AppState,
    viewer: &Viewer,
    jar: CookieJar,
    (values, answers): (Fields, &Answers),
    errors: Errors,
) -> Result<Response, WebError> {
    let commune = text(&values, "commune");
    let view = ProfileView::new(profile(answers, date_of(state.now())), None, None, &commune);
    let (places, around) = nearby(state, &view, &commune).await?;
    let (jar, layout) = public_layout(state, viewer, jar, "Votre résultat").await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = render(&ResultTemplate {
        layout,
        contact_fields: CONTACT_INPUTS,
        date: crate::pages::diagnostic::format_day(state.now()),
        next_step: "Si vous le demandez plus bas, un professionnel de votre territoire vous appelle ou vous écrit pour la suite.",
        view,
        places,
        around,
        hidden: hidden_answers(&values)
            .into_iter()
            .filter(|(name, _)| !CONTACT_FIELDS.contains(&name.as_str()))
            .collect(),
        consent_text: contact_request_consent().text,
        values,
        errors,
    })?;
    Ok((status, jar, page).into_response())
}

/// The contact form's text fields.
const CONTACT_INPUTS: &[InputField] = &[
    input("prenom", "Votre prénom", "", "text"),
    input("telephone", "Votre téléphone", "", "tel"),
    input("courriel", "Ou votre e-mail", "", "email"),
    input("commune", "Votre commune ou code postal", "", "text"),
];

/// The contact form's own fields (not answers to carry).
const CONTACT_FIELDS: &[&str] = &["prenom", "telephone", "courriel", "accord", "commune"];

/// `POST /auto-diagnostic`: the result, computed and shown; nothing is written.
pub async fn result(
    State(state): State<AppState>,
    viewer: Viewer,
    jar: CookieJar,
    body: Bytes,
) -> Result<Response, WebError> {
    let values = fields(&body);
    let mut errors = Errors::new();
    match read_answers(&values, &mut errors) {
        Some(answers) => result_page(&state, &viewer, jar, (values, &answers), Errors::new()).await,
        None => form_page(&state, &viewer, jar, &values, errors).await,
    }
}

#[derive(Template)]
#[template(path = "self_diagnostic_thanks.html")]
struct ThanksTemplate {
    layout: Layout,
    first_name: String,
    /// How long the request is kept (`domain::contact_request`), said as it is.
    lifetime_days: i64,
}

/// `POST /auto-diagnostic/contact`: with the person's consent, their request joins the queue of
/// their commune's territory.
pub async fn contact(
    State(state): State<AppState>,
    viewer: Viewer,
    jar: CookieJar,
    body: Bytes,
) -> Result<Response, WebError> {
    let values = fields(&body);
    let mut errors = Errors::new();
    let Some(answers) = read_answers(&values, &mut errors) else {
        return form_page(&state, &viewer, jar, &values, errors).await;
    };
    let (draft, errors) = checked_contact(&state, &values, errors).await?;
    let (Some(draft), true) = (draft, errors.is_empty()) else {
        return result_page(&state, &viewer, jar, (values, &answers), errors).await;
    };
    keep_request(&state, &draft, &answers).await?;
    thanks(&state, &viewer, jar, draft.first_name).await
}

/// The page that thanks the person and says how long the request is kept.
async fn thanks(
    state: &AppState,
    viewer: &Viewer,
    jar: CookieJar,
    first_name: String,
) -> Result<Response, WebError> {
    let (jar, layout) = public_layout(state, viewer, jar, "Demande envoyée").await?;
    let page = render(&ThanksTemplate {
        layout,
        first_name,
        lifetime_days: aiguillage_domain::contact_request::CONTACT_REQUEST_LIFETIME_DAYS,
    })?;
    Ok((jar, page).into_response())
}

/// The contact form checked: the person's draft when every field is right, and the errors by field
/// (added to those of the answers).
async fn checked_contact(
    state: &AppState,
    values: &Fields,
    mut errors: Errors,
) -> Result<(Option<PersonDraft>, Errors), WebError> {
    if text(values, "accord") != "oui" {
        errors.insert(
            "accord",
            "Cochez la case pour que nous puissions garder vos coordonnées. Sinon, rien n'est gardé.".to_owned(),
        );
    }
    let found = state
        .store
        .search_communes(&text(values, "commune"), 1)
        .await?;
    let commune = match found.into_iter().next() {
        Some(found) => found.code,
        None => {
            errors.insert(
                "commune",
                "Indiquez votre commune ou votre code postal.".to_owned(),
            );
            String::new()
        }
    };
    let input = PersonInput {
        first_name: text(values, "prenom"),
        last_name: "-".to_owned(),
        phone: text(values, "telephone"),
        email: text(values, "courriel"),
        no_phone: false,
        commune_code: commune,
        birth_year: String::new(),
    };
    let year = date_of(state.now()).year();
    let draft = match check_person(&input, year) {
        Ok(draft) => Some(draft),
        Err(problems) => {
            for problem in problems {
                let name = match problem.field.name() {
                    "sans_telephone" => "telephone",
                    "commune" => "commune",
                    other => other,
                };
                errors.entry(name).or_insert(
                    problem
                        .message
                        .replace(", ou cochez « La personne n'a pas de téléphone »", ""),
                );
            }
            None
        }
    };
    Ok((draft, errors))
}

/// Keeps the request, with the answers, the profile and the consent given, for the territory's
/// professionals to call back.
async fn keep_request(
    state: &AppState,
    draft: &PersonDraft,
    answers: &Answers,
) -> Result<(), WebError> {
    let now = state.now();
    let computed = profile(answers, date_of(now));
    let consent = contact_request_consent();
    let request = NewContactRequest {
        first_name: &draft.first_name,
        phone: draft.phone.as_deref(),
        email: draft.email.as_deref(),
        commune_code: &draft.commune_code,
        answers,
        profile: &computed,
        consent: &consent,
    };
    state.store.add_contact_request(&request, now).await?;
    Ok(())
}
