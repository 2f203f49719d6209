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
use crate::pages::orientation::{ranked_offers, Whereabouts};
use crate::pages::people::{input, InputField};
use crate::pages::questionnaire::{
    hidden_answers, read_answers, urgency_fields, ProfileView, UrgencyFields,
};
use crate::pages::render;
use crate::pages::self_diagnostic_steps::{step_error, steps, Step, StepKind};
use aiguillage_domain::calendar::date_of;
use aiguillage_domain::diagnostic::{profile, Answers, RecommendedHelp};
use aiguillage_domain::orientation::Helpline;
use aiguillage_domain::person::{check_person, contact_request_consent, PersonDraft, PersonInput};
use aiguillage_service::directory_search::locality_of;
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

#[derive(Template)]
#[template(path = "self_diagnostic_step.html")]
struct StepTemplate {
    layout: Layout,
    /// The step shown, from 1, and how many there are.
    number: usize,
    total: usize,
    step: Step,
    next_question: Option<&'static str>,
    last: bool,
    values: Fields,
    /// The answers of the other steps, carried.
    hidden: Vec<(String, String)>,
    /// The field to go to and the message, when the step was left without its answer.
    error: Option<(&'static str, String)>,
    urgency: UrgencyFields,
    commune: String,
    helpline: Helpline,
}

impl StepTemplate {
    /// The helpline's number for a `tel:` link.
    fn helpline_tel(&self) -> String {
        self.helpline.phone.split_whitespace().collect()
    }

    fn several(&self) -> bool {
        matches!(self.step.kind, StepKind::Several)
    }
}

/// Fields that steer the steps rather than answer them.
const STEERING_FIELDS: &[&str] = &["csrf_token", "etape", "aller"];

/// Step `index` (from 0) with the answers given so far; 422 when it shows an error.
async fn step_page(
    state: &AppState,
    viewer: &Viewer,
    jar: CookieJar,
    (values, index): (&Fields, usize),
    error: Option<(&'static str, String)>,
) -> Result<Response, WebError> {
    let mut all = asked_steps(state).await?;
    let total = all.len();
    let index = index.min(total - 1);
    let next_question = all.get(index + 1).map(|next| next.question);
    let step = all.swap_remove(index);
    let own = step.fields();
    let hidden = hidden_answers(values)
        .into_iter()
        .filter(|(name, _)| {
            !STEERING_FIELDS.contains(&name.as_str()) && !own.contains(&name.as_str())
        })
        .collect();
    let title = format!(
        "Faire le point sur le numérique — question {} sur {total}",
        index + 1
    );
    let (jar, layout) = public_layout(state, viewer, jar, &title).await?;
    let status = match error {
        Some(_) => StatusCode::UNPROCESSABLE_ENTITY,
        None => StatusCode::OK,
    };
    let page = render(&StepTemplate {
        layout,
        number: index + 1,
        total,
        next_question,
        last: index + 1 == total,
        urgency: urgency_fields(values),
        commune: text(values, "commune"),
        helpline: state.settings.helpline.clone(),
        step,
        values: values.clone(),
        hidden,
        error,
    })?;
    Ok((status, jar, page).into_response())
}

/// The first step whose answer `read_answers` found missing or wrong, with its message.
fn first_failing_step(all: &[Step], errors: &Errors) -> (usize, Option<(&'static str, String)>) {
    all.iter()
        .enumerate()
        .find_map(|(index, step)| {
            step.error_keys()
                .into_iter()
                .find_map(|key| errors.get(key).map(|message| (key, message.clone())))
                .map(|error| (index, Some(error)))
        })
        .unwrap_or((0, None))
}

/// `GET /auto-diagnostic`: the first question.
pub async fn form(
    State(state): State<AppState>,
    viewer: Viewer,
    jar: CookieJar,
) -> Result<Response, WebError> {
    step_page(&state, &viewer, jar, (&Fields::new(), 0), None).await
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
    around: Nearby,
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
    offer: String,
    address: String,
    phone: Option<String>,
    distance: String,
}

/// The places the professional ranking puts first for this profile around the person's commune
/// (the same hard filters — capacity, audience, accessibility, reach — and the same order), and the
/// commune's name; a commune typed but not known says so.
async fn nearby(
    state: &AppState,
    view: &ProfileView,
    answers: &Answers,
    commune: &str,
) -> Result<(Vec<PlaceLine>, Nearby), WebError> {
    let typed = locality_of(commune);
    if typed.is_empty() {
        return Ok((Vec::new(), Nearby::NotTyped));
    }
    let Some(found) = state
        .store
        .search_communes(&typed, 1)
        .await?
        .into_iter()
        .next()
    else {
        return Ok((Vec::new(), Nearby::Unknown(commune.trim().to_owned())));
    };
    let whereabouts = Whereabouts {
        commune_code: &found.code,
        birth_year: None,
        availability: &answers.availability,
        travel_modes: &answers.travel_modes,
    };
    let candidates = match ranked_offers(state, whereabouts, &view.profile, None).await {
        Ok(candidates) => candidates,
        Err(WebError::BadRequest(_)) => return Ok((Vec::new(), Nearby::Around(found.name))),
        Err(other) => return Err(other),
    };
    let places = candidates
        .lines
        .into_iter()
        .take(PLACES_SHOWN)
        .map(|line| PlaceLine {
            name: line.place_name,
            offer: line.offer_name,
            address: line.address,
            phone: line.phone,
            distance: match line.ranked.distance_km {
                Some(km) => format!("à {:.0} km", km.max(1.0)),
                None => "à distance".to_owned(),
            },
        })
        .collect();
    Ok((places, Nearby::Around(found.name)))
}

/// Around which commune the places were looked for.
enum Nearby {
    NotTyped,
    Unknown(String),
    Around(String),
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
    let (places, around) = nearby(state, &view, answers, &commune).await?;
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

/// `POST /auto-diagnostic`: one step answered (`etape`, going on or back with `aller`): the next
/// question, the same one with its error, or after the last the result, computed and shown; nothing
/// is written. Without `etape`, every answer at once (the result or the first missing answer).
pub async fn result(
    State(state): State<AppState>,
    viewer: Viewer,
    jar: CookieJar,
    body: Bytes,
) -> Result<Response, WebError> {
    let values = fields(&body);
    let current = text(&values, "etape").parse::<usize>().ok();
    if let Some(number) = current.filter(|n| *n >= 1) {
        let index = number - 1;
        if text(&values, "aller") == "precedent" {
            return step_page(
                &state,
                &viewer,
                jar,
                (&values, index.saturating_sub(1)),
                None,
            )
            .await;
        }
        let all = asked_steps(&state).await?;
        let step = &all[index.min(all.len() - 1)];
        if let Some(error) = step_error(step, &values) {
            return step_page(&state, &viewer, jar, (&values, index), Some(error)).await;
        }
        if index + 1 < all.len() {
            return step_page(&state, &viewer, jar, (&values, index + 1), None).await;
        }
    }
    let mut errors = Errors::new();
    match read_answers(&values, &mut errors) {
        Some(answers) => result_page(&state, &viewer, jar, (values, &answers), Errors::new()).await,
        None => {
            let (index, error) = first_failing_step(&asked_steps(&state).await?, &errors);
            step_page(&state, &viewer, jar, (&values, index), error).await
        }
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
        let (index, error) = first_failing_step(&asked_steps(&state).await?, &errors);
        return step_page(&state, &viewer, jar, (&values, index), error).await;
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

/// The steps this instance asks: without the one on specific support needs when it is switched off.
async fn asked_steps(state: &AppState) -> Result<Vec<Step>, WebError> {
    let asked = aiguillage_service::instance::support_needs_asked(state).await?;
    Ok(steps()
        .into_iter()
        .filter(|step| asked || step.name != "prise_en_charge")
        .collect())
}

/// Keeps the request, with the answers, the profile and the consent given, for the territory's
/// professionals to call back.
async fn keep_request(
    state: &AppState,
    draft: &PersonDraft,
    answers: &Answers,
) -> Result<(), WebError> {
    let now = state.now();
    let mut answers = answers.clone();
    if !aiguillage_service::instance::support_needs_asked(state).await? {
        answers.support_needs.clear();
    }
    let answers = &answers;
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
