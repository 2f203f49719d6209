//! The professional's diagnostic pages: the questionnaire for an enrolled person, the profile with its
//! reasons (and the progress since the previous diagnostic), the override of typology or help, the
//! printable one-page summary, and the unrecorded diagnostic run when the person did not consent.

use crate::auth::Professional;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::form_fields::{fields, text, Errors, Fields};
use crate::pages::people::contact_of;
use crate::pages::questionnaire::{
    read_answers, sections, urgency_fields, ProfileView, Section, UrgencyFields, Wording,
};
use crate::pages::{format_time, render};
use aiguillage_domain::calendar::date_of;
use aiguillage_domain::diagnostic::{
    check_override, profile, Answers, OverrideError, Profile, ProfileOverride, RecommendedHelp,
    Typology,
};
use aiguillage_domain::ids::PersonId;
use aiguillage_service::people;
use aiguillage_store::{PersonRecord, StoredDiagnostic};
use askama::Template;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Template)]
#[template(path = "questionnaire.html")]
pub struct QuestionnaireTemplate {
    pub layout: Layout,
    pub heading: String,
    pub intro: String,
    pub action: String,
    pub sections: Vec<Section>,
    pub urgency: UrgencyFields,
    pub errors: Errors,
    pub professional: bool,
    pub notes: String,
    pub commune: Option<String>,
    pub submit_label: &'static str,
    pub cancel_href: String,
}

/// The questionnaire page, blank or with the answers sent back and their errors.
fn questionnaire(
    layout: Layout,
    (heading, intro, action): (String, String, String),
    (values, commune): (&Fields, Option<String>),
    errors: Errors,
    (cancel_href, support_needs_asked): (String, bool),
) -> Result<Response, WebError> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = render(&QuestionnaireTemplate {
        layout,
        heading,
        intro,
        action,
        sections: sections(values, Wording::Professional, true)
            .into_iter()
            // The instance may switch off the question on specific support needs (sensitive).
            .filter(|s| support_needs_asked || s.groups.iter().all(|g| g.name != "prise_en_charge"))
            .collect(),
        urgency: urgency_fields(values),
        errors,
        professional: true,
        notes: text(values, "notes"),
        commune,
        submit_label: "Calculer le profil",
        cancel_href,
    })?;
    Ok((status, page).into_response())
}

async fn visible_person(me: &Professional, id: PersonId) -> Result<PersonRecord, WebError> {
    let person = me.state.store.person(&me.actor(), id, me.now()).await?;
    person.ok_or(WebError::NotFound)
}

/// The questionnaire about an enrolled person, with `intro` above it.
async fn person_questionnaire(
    me: &Professional,
    person: &PersonRecord,
    intro: &str,
    (values, errors): (&Fields, Errors),
) -> Result<Response, WebError> {
    let id = person.id;
    questionnaire(
        me.layout("/personnes", "Diagnostic"),
        (
            format!(
                "Diagnostic {} {}",
                crate::pages::of_name(&person.first_name),
                person.last_name
            ),
            intro.to_owned(),
            format!("/personnes/{id}/diagnostic"),
        ),
        (values, None),
        errors,
        (
            format!("/personnes/{id}"),
            aiguillage_service::instance::support_needs_asked(&me.state).await?,
        ),
    )
}

const PERSON_INTRO: &str = "Environ 5 minutes. Posez les questions à la personne ; chaque réponse est expliquée dans le profil.";

/// `GET /personnes/{id}/diagnostic`.
pub async fn form(me: Professional, Path(id): Path<PersonId>) -> Result<Response, WebError> {
    let person = visible_person(&me, id).await?;
    person_questionnaire(&me, &person, PERSON_INTRO, (&Fields::new(), Errors::new())).await
}

/// `POST /personnes/{id}/diagnostic`: computes and stores the profile.
pub async fn submit(
    me: Professional,
    Path(id): Path<PersonId>,
    body: Bytes,
) -> Result<Response, WebError> {
    let person = visible_person(&me, id).await?;
    let values = fields(&body);
    let mut errors = Errors::new();
    let Some(answers) = read_answers(&values, &mut errors) else {
        return person_questionnaire(&me, &person, "", (&values, errors)).await;
    };
    store_diagnostic(&me, id, &answers).await
}

/// Computes the profile of the answers, stores both and shows the profile.
async fn store_diagnostic(
    me: &Professional,
    id: PersonId,
    answers: &Answers,
) -> Result<Response, WebError> {
    let recorded = people::record_diagnostic(&me.state, &me.actor(), id, answers).await?;
    let (stored, _) = recorded.ok_or(WebError::NotFound)?;
    Ok(Redirect::to(&format!("/personnes/{id}/diagnostics/{stored}")).into_response())
}

#[derive(Template)]
#[template(path = "diagnostic_result.html")]
struct ResultTemplate {
    layout: Layout,
    person: Option<PersonRecord>,
    /// The viewer's structure enrolled the person, so may orient them (a structure that follows
    /// them re-runs the diagnostic but does not send referrals for them).
    may_orient: bool,
    made_at: String,
    view: ProfileView,
    base: String,
    typologies: Vec<(&'static str, bool)>,
    helps: Vec<(&'static str, bool)>,
    override_reason: String,
    errors: Errors,
}

/// A stored diagnostic of a visible person, with the one before it.
async fn stored_diagnostic(
    me: &Professional,
    (id, diagnostic_id): (PersonId, i64),
) -> Result<(PersonRecord, StoredDiagnostic, Option<StoredDiagnostic>), WebError> {
    let person = visible_person(me, id).await?;
    let diagnostics = me
        .state
        .store
        .diagnostics_of(&me.actor(), id, me.now())
        .await?;
    let index = diagnostics
        .iter()
        .position(|d| d.id == diagnostic_id)
        .ok_or(WebError::NotFound)?;
    let previous = index.checked_sub(1).map(|i| diagnostics[i].clone());
    Ok((person, diagnostics[index].clone(), previous))
}

fn choices<T: Copy + PartialEq>(
    all: &[T],
    label: fn(T) -> &'static str,
    current: T,
) -> Vec<(&'static str, bool)> {
    all.iter().map(|v| (label(*v), *v == current)).collect()
}

fn result_page(
    me: &Professional,
    (person, diagnostic, previous): (PersonRecord, StoredDiagnostic, Option<StoredDiagnostic>),
    override_reason: String,
    errors: Errors,
) -> Result<Response, WebError> {
    let view = ProfileView::new(
        diagnostic.profile.clone(),
        diagnostic.override_.clone(),
        previous.as_ref().map(|p| &p.profile),
        &person.commune_name,
    );
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = render(&ResultTemplate {
        layout: me.layout("/personnes", "Profil"),
        base: format!("/personnes/{}/diagnostics/{}", person.id, diagnostic.id),
        made_at: format_time(diagnostic.made_at),
        typologies: choices(Typology::ALL, Typology::label, view.typology),
        helps: choices(
            RecommendedHelp::ALL,
            RecommendedHelp::label,
            view.first_help,
        ),
        may_orient: person.structure_id.get() == me.user.account.structure_id,
        person: Some(person),
        view,
        override_reason,
        errors,
    })?;
    Ok((status, page).into_response())
}

/// `GET /personnes/{id}/diagnostics/{diagnostic}`: the profile with its reasons.
pub async fn result(
    me: Professional,
    Path(ids): Path<(PersonId, i64)>,
) -> Result<Response, WebError> {
    let found = stored_diagnostic(&me, ids).await?;
    result_page(&me, found, String::new(), Errors::new())
}

/// `POST /personnes/{id}/diagnostics/{diagnostic}/ajustement`: the professional sets another
/// typology or help, with a reason.
pub async fn adjust(
    me: Professional,
    Path(ids): Path<(PersonId, i64)>,
    body: Bytes,
) -> Result<Response, WebError> {
    let found = stored_diagnostic(&me, ids).await?;
    let values = fields(&body);
    let why = text(&values, "raison");
    match override_of(&found.1.profile, &values) {
        Ok(decision) => save_override(&me, ids, &decision).await,
        Err(error) => result_page(&me, found, why, reason_error(&error)),
    }
}

/// The override's error, shown beside the reason field.
fn reason_error(error: &OverrideError) -> Errors {
    Errors::from([("raison", error.to_string())])
}

/// The override the adjustment form asks for, checked against the computed profile.
fn override_of(computed: &Profile, values: &Fields) -> Result<ProfileOverride, OverrideError> {
    let typology = Typology::from_label(&text(values, "typologie"));
    let help = RecommendedHelp::from_label(&text(values, "aide"));
    check_override(computed, typology, help, &text(values, "raison"))
}

/// Stores the override and goes back to the profile.
async fn save_override(
    me: &Professional,
    (id, diagnostic_id): (PersonId, i64),
    decision: &ProfileOverride,
) -> Result<Response, WebError> {
    let actor = me.actor();
    let saved = people::override_diagnostic(&me.state, &actor, (id, diagnostic_id), decision);
    if !saved.await? {
        return Err(WebError::NotFound);
    }
    let to = format!("/personnes/{id}/diagnostics/{diagnostic_id}#ajustement");
    Ok(Redirect::to(&to).into_response())
}

#[derive(Template)]
#[template(path = "diagnostic_summary.html")]
struct SummaryTemplate {
    layout: Layout,
    first_name: String,
    date: String,
    view: ProfileView,
    next_step: String,
    contact: String,
    back: String,
}

/// `GET /personnes/{id}/diagnostics/{diagnostic}/fiche`: the printable summary for the person.
pub async fn summary(
    me: Professional,
    Path((id, diagnostic_id)): Path<(PersonId, i64)>,
) -> Result<Response, WebError> {
    let (person, diagnostic, _) = stored_diagnostic(&me, (id, diagnostic_id)).await?;
    let (profile, override_) = (diagnostic.profile, diagnostic.override_);
    render(&SummaryTemplate {
        layout: me.layout("/personnes", "Votre bilan numérique"),
        first_name: person.first_name.clone(),
        date: format_day(diagnostic.made_at),
        view: ProfileView::new(profile, override_, None, &person.commune_name),
        next_step: next_step(&me, &person).await?,
        contact: contact_of(&person),
        back: format!("/personnes/{id}/diagnostics/{diagnostic_id}"),
    })
}

/// Who contacts the person next, in a sentence for their sheet: the structure their open referral
/// goes to (it calls, not the sender), or else the viewer's structure, to choose where to go.
async fn next_step(me: &Professional, person: &PersonRecord) -> Result<String, WebError> {
    let referrals = me
        .state
        .store
        .referrals_of_person(&me.actor(), person.id, me.now())
        .await?;
    let open = referrals.iter().find(|r| r.state.holds_a_place());
    Ok(match open {
        Some(referral) => format!(
            "{} vous appelle ou vous écrit pour la suite. Votre fiche d'orientation dit où aller et quoi apporter.",
            referral.receiver_structure
        ),
        None => format!(
            "{} vous recontacte pour choisir avec vous où être accompagné.",
            me.user.account.structure_name
        ),
    })
}

/// A day as `23/11/2026`, on Paris's calendar.
pub fn format_day(unix: i64) -> String {
    let date = aiguillage_domain::calendar::paris_time(unix).date();
    format!(
        "{:02}/{:02}/{}",
        date.day(),
        u8::from(date.month()),
        date.year()
    )
}

#[derive(Template)]
#[template(path = "diagnostic_unrecorded.html")]
struct UnrecordedTemplate {
    layout: Layout,
    date: String,
    view: ProfileView,
    next_step: &'static str,
    /// The commune typed, kept on screen, and the one it was read as (`None` when unknown).
    commune_typed: String,
    commune: Option<String>,
    /// The best-ranked offers around that commune (nothing is stored).
    offers: Vec<crate::pages::orientation::OfferLine>,
}

/// Offers shown for a diagnostic without recording.
const UNRECORDED_OFFERS: usize = 5;

const UNRECORDED: &str = "Diagnostic sans enregistrement";

/// The questionnaire run without recording, with `intro` above it.
async fn unrecorded_questionnaire(
    me: &Professional,
    intro: &str,
    values: &Fields,
    errors: Errors,
) -> Result<Response, WebError> {
    questionnaire(
        me.layout("/personnes", UNRECORDED),
        (
            UNRECORDED.to_owned(),
            intro.to_owned(),
            "/diagnostic-sans-enregistrement".to_owned(),
        ),
        (values, Some(text(values, "commune"))),
        errors,
        (
            "/personnes".to_owned(),
            aiguillage_service::instance::support_needs_asked(&me.state).await?,
        ),
    )
}

/// `GET /diagnostic-sans-enregistrement`: the questionnaire when the person did not consent.
pub async fn unrecorded_form(me: Professional) -> Result<Response, WebError> {
    let intro = "La personne n'a pas donné son accord : rien ne sera enregistré. Le profil s'affiche à l'écran et peut être imprimé pour elle.";
    unrecorded_questionnaire(&me, intro, &Fields::new(), Errors::new()).await
}

/// `POST /diagnostic-sans-enregistrement`: the profile, on screen only; nothing is written.
pub async fn unrecorded_result(me: Professional, body: Bytes) -> Result<Response, WebError> {
    let values = fields(&body);
    let mut errors = Errors::new();
    let Some(answers) = read_answers(&values, &mut errors) else {
        return unrecorded_questionnaire(&me, "Rien ne sera enregistré.", &values, errors).await;
    };
    let now = me.now();
    let commune_typed = text(&values, "commune");
    let found = me.state.store.search_communes(&commune_typed, 1).await?;
    let commune = found.into_iter().next();
    let computed = profile(&answers, date_of(now));
    let offers = match &commune {
        Some(commune) => {
            let whereabouts = crate::pages::orientation::Whereabouts {
                commune_code: &commune.code,
                birth_year: None,
                availability: &answers.availability,
                travel_modes: &answers.travel_modes,
            };
            let mut ranked =
                crate::pages::orientation::ranked_offers(&me.state, whereabouts, &computed, None)
                    .await?
                    .lines;
            ranked.truncate(UNRECORDED_OFFERS);
            ranked
        }
        None => Vec::new(),
    };
    let commune_name = commune.as_ref().map(|c| c.name.clone()).unwrap_or_default();
    let view = ProfileView::new(computed, None, None, &commune_name);
    render(&UnrecordedTemplate {
        layout: me.layout("/personnes", "Profil (non enregistré)"),
        date: format_day(now),
        view,
        next_step: "Ce bilan n'est enregistré nulle part : personne ne vous appellera à son sujet. Gardez cette feuille et allez vers un des lieux proposés ci-dessous.",
        commune_typed,
        commune: commune.map(|c| c.name),
        offers,
    })
}
