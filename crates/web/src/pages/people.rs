//! The people a structure helps: the list and search, enrolment with consent (nothing is stored
//! without it; possible duplicates shown first), the person's page (identity, consent, diagnostics
//! over time, every referral with its state and next step), the correction of identity and contact
//! (checked like an enrolment, audited by the fields changed, registered as a rectification when the
//! person asked for it) and erasure when consent is withdrawn or erasure asked (registered too). Another structure's person is "not found".

use crate::auth::{CurrentUser, Professional};
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::form_fields::{fields, text, Errors, Fields};
use crate::pages::{format_time, render};
use aiguillage_domain::contact_request::ContactRequestClosing;
use aiguillage_domain::diagnostic::DomainProgress;
use aiguillage_domain::ids::{AccountId, PersonId, ReferralId, StructureId};
use aiguillage_domain::orientation::ReferralState;
use aiguillage_domain::person::{check_person, enrolment_consent, PersonDraft, PersonInput};
use aiguillage_domain::rights::RightsRequestKind;
use aiguillage_service::people::{self, DuplicateCheck, EnrolError};
use aiguillage_service::state::AppState;
use aiguillage_store::{
    Actor, CommuneSummary, ConsentRecord, PersonRecord, ReferralRecord, StoredDiagnostic,
};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The actor of a request: the signed-in professional, their structure, and the route.
pub fn actor<'a>(user: &CurrentUser, reason: &'a str) -> Actor<'a> {
    Actor {
        account_id: AccountId::new(user.account.id),
        structure_id: StructureId::new(user.account.structure_id),
        reason,
    }
}

#[derive(Template)]
#[template(path = "people.html")]
struct PeopleTemplate {
    layout: Layout,
    query: String,
    erased: bool,
    people: Vec<PersonLine>,
    /// Everyone the search finds, the rank of the page's first, and the pages.
    total: i64,
    first_rank: i64,
    pager: crate::pages::Pager,
}

struct PersonLine {
    id: PersonId,
    name: String,
    /// The structure that enrolled the person, when it is not the viewer's (who follows them).
    sent_by: Option<String>,
    commune: String,
    birth_year: String,
    last_contact: String,
}

/// The person's first and last names.
fn full_name(person: &PersonRecord) -> String {
    format!("{} {}", person.first_name, person.last_name)
}

fn line(person: &PersonRecord, viewer_structure: i64) -> PersonLine {
    PersonLine {
        id: person.id,
        name: full_name(person),
        sent_by: (person.structure_id.get() != viewer_structure)
            .then(|| person.structure_name.clone()),
        commune: person.commune_name.clone(),
        birth_year: person
            .birth_year
            .map(|y| y.to_string())
            .unwrap_or_else(|| "—".to_owned()),
        last_contact: format_time(person.last_contact_at),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct PeopleQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    efface: String,
    /// The page shown (from 1).
    page: Option<i64>,
}

/// People on one page of `/personnes`.
const PEOPLE_PAGE_SIZE: i64 = 50;

/// `GET /personnes`: the structure's people, searchable by name.
pub async fn list(
    me: Professional,
    Query(query): Query<PeopleQuery>,
) -> Result<Response, WebError> {
    let store = &me.state.store;
    let asked = query.page.unwrap_or(1).max(1);
    let size = PEOPLE_PAGE_SIZE;
    let (mut people, total) = store
        .search_people_page(&me.actor(), &query.q, (size, (asked - 1) * size), me.now())
        .await?;
    let pattern = format!("/personnes?q={}&page={{}}", urlencoding::encode(&query.q));
    let pager =
        crate::pages::Pager::new(Some(asked), total, size, (pattern, "Pages des personnes"));
    if pager.page != asked {
        people = store
            .search_people_page(&me.actor(), &query.q, (size, pager.offset(size)), me.now())
            .await?
            .0;
    }
    render(&PeopleTemplate {
        first_rank: pager.offset(size) + 1,
        total,
        pager,
        layout: me.layout("/personnes", "Personnes accompagnées"),
        query: query.q,
        erased: !query.efface.is_empty(),
        people: people
            .iter()
            .map(|p| line(p, me.user.account.structure_id))
            .collect(),
    })
}

/// A text field of the enrolment form.
pub struct InputField {
    pub name: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub kind: &'static str,
}

pub const fn input(
    name: &'static str,
    label: &'static str,
    hint: &'static str,
    kind: &'static str,
) -> InputField {
    InputField {
        name,
        label,
        hint,
        kind,
    }
}

/// The identity and contact fields, in order.
const IDENTITY_FIELDS: &[InputField] = &[
    input("prenom", "Prénom", "", "text"),
    input("nom", "Nom", "Le nom d'usage suffit.", "text"),
    input(
        "telephone",
        "Téléphone",
        "Par exemple 06 12 34 56 78.",
        "tel",
    ),
    input(
        "courriel",
        "Courriel",
        "Facultatif si la personne a un téléphone.",
        "email",
    ),
    input(
        "annee_naissance",
        "Année de naissance (facultatif)",
        "Sur 4 chiffres. La plateforme accompagne les personnes de 16 ans et plus.",
        "text",
    ),
];

#[derive(Template)]
#[template(path = "person_enrol.html")]
struct EnrolTemplate {
    layout: Layout,
    identity_fields: &'static [InputField],
    consent_text: String,
    consent_version: String,
    values: Fields,
    communes: Vec<CommuneSummary>,
    duplicates: Vec<PersonLine>,
    errors: Errors,
    /// The contact request the enrolment starts from (its answers become the first diagnostic).
    request: Option<i64>,
}

impl EnrolTemplate {
    fn value(&self, name: &str) -> String {
        text(&self.values, name)
    }

    fn checked(&self, name: &str, value: &str) -> bool {
        self.values
            .get(name)
            .is_some_and(|values| values.iter().any(|v| v == value))
    }
}

fn enrol_page(
    me: &Professional,
    values: Fields,
    (communes, duplicates): (Vec<CommuneSummary>, Vec<PersonLine>),
    errors: Errors,
) -> Result<Response, WebError> {
    let consent = enrolment_consent(&me.user.account.structure_name);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let request = text(&values, "demande").parse().ok();
    let page = render(&EnrolTemplate {
        layout: me.layout("/personnes", "Inscrire une personne"),
        identity_fields: IDENTITY_FIELDS,
        consent_text: consent.text,
        consent_version: consent.version,
        values,
        communes,
        duplicates,
        errors,
        request,
    })?;
    Ok((status, page).into_response())
}

/// Which contact request the enrolment starts from.
#[derive(Debug, Default, Deserialize)]
pub struct EnrolQuery {
    demande: Option<i64>,
}

/// `GET /personnes/inscrire[?demande=ID]`: the enrolment form with the consent text; from a contact
/// request the structure took, filled with what the person gave (their consent is asked again).
pub async fn enrol_form(
    me: Professional,
    Query(query): Query<EnrolQuery>,
) -> Result<Response, WebError> {
    let nothing = (Vec::new(), Vec::new());
    let Some(request) = query.demande else {
        return enrol_page(&me, Fields::new(), nothing, Errors::new());
    };
    let taken = me
        .state
        .store
        .taken_contact_request(&me.actor(), request, me.now())
        .await?
        .ok_or(WebError::NotFound)?;
    let mut values = Fields::new();
    let mut set = |name: &str, value: String| {
        if !value.is_empty() {
            values.insert(name.to_owned(), vec![value]);
        }
    };
    set("demande", request.to_string());
    set("prenom", taken.first_name);
    set("telephone", taken.phone.unwrap_or_default());
    set("courriel", taken.email.unwrap_or_default());
    set("commune_recherche", taken.commune_name);
    set("commune", taken.commune_code);
    enrol_page(&me, values, nothing, Errors::new())
}

/// After an enrolment from a contact request: its answers become the person's first diagnostic and
/// the request is closed (its contacts erased, an anonymous count kept). Returns where to go next.
async fn enrolled_from_request(
    me: &Professional,
    person: PersonId,
    request: i64,
) -> Result<String, WebError> {
    let actor = me.actor();
    let Some(taken) = me
        .state
        .store
        .taken_contact_request(&actor, request, me.now())
        .await?
    else {
        return Ok(format!("/personnes/{person}/diagnostic"));
    };
    let recorded = people::record_diagnostic(&me.state, &actor, person, &taken.answers).await?;
    me.state
        .store
        .close_contact_request(&actor, request, ContactRequestClosing::Enrolled, me.now())
        .await?;
    Ok(match recorded {
        Some((diagnostic, _)) => format!("/personnes/{person}/diagnostics/{diagnostic}"),
        None => format!("/personnes/{person}/diagnostic"),
    })
}

/// The commune the form names: a code chosen among candidates, or the one commune matching the
/// typed name or postal code; several matches are offered as a choice.
async fn resolve_commune(
    state: &AppState,
    values: &Fields,
    errors: &mut Errors,
) -> Result<(Option<String>, Vec<CommuneSummary>), WebError> {
    let chosen = text(values, "commune");
    let typed = text(values, "commune_recherche");
    if !chosen.is_empty() {
        let matches = state.store.search_communes(&typed, 20).await?;
        if matches.iter().any(|c| c.code == chosen) || typed.is_empty() {
            return Ok((Some(chosen), matches));
        }
    }
    if typed.is_empty() {
        errors.insert(
            "commune_recherche",
            "Indiquez la commune de résidence (nom ou code postal).".to_owned(),
        );
        return Ok((None, Vec::new()));
    }
    let matches = state.store.search_communes(&typed, 20).await?;
    match matches.len() {
        0 => {
            errors.insert(
                "commune_recherche",
                format!("Aucune commune ne correspond à « {typed} »."),
            );
            Ok((None, matches))
        }
        1 => Ok((Some(matches[0].code.clone()), matches)),
        _ => {
            errors.insert(
                "commune",
                "Plusieurs communes correspondent : choisissez la bonne ci-dessous.".to_owned(),
            );
            Ok((None, matches))
        }
    }
}

/// `POST /personnes/inscrire`: checks everything, then, only if the person consents, stores the
/// person and their consent. Without consent the questionnaire can still be run, unrecorded.
pub async fn enrol(me: Professional, body: Bytes) -> Result<Response, WebError> {
    let values = fields(&body);
    if text(&values, "consentement") == "non" {
        return Ok(Redirect::to("/diagnostic-sans-enregistrement").into_response());
    }
    let (draft, communes, mut errors) = checked_enrolment(&me.state, &values).await?;
    let (Some(draft), true) = (draft, errors.is_empty()) else {
        return enrol_page(&me, values, (communes, Vec::new()), errors);
    };
    let check = match text(&values, "confirmer_nouvelle").as_str() {
        "oui" => DuplicateCheck::ConfirmedNew,
        _ => DuplicateCheck::Ask,
    };
    let structure = &me.user.account.structure_name;
    match people::enrol(&me.state, &me.actor(), structure, (&draft, check)).await {
        Ok(id) => {
            let next = match text(&values, "demande").parse::<i64>() {
                Ok(request) => enrolled_from_request(&me, id, request).await?,
                Err(_) => format!("/personnes/{id}/diagnostic"),
            };
            Ok(Redirect::to(&next).into_response())
        }
        Err(EnrolError::PossibleDuplicates(found)) => {
            errors.insert("doublon", DUPLICATE_WARNING.to_owned());
            let duplicates = found
                .iter()
                .map(|p| line(p, me.user.account.structure_id))
                .collect();
            enrol_page(&me, values, (communes, duplicates), errors)
        }
        Err(error @ EnrolError::UnknownCommune(_)) => {
            errors.insert("commune_recherche", error.to_string());
            enrol_page(&me, values, (communes, Vec::new()), errors)
        }
        Err(EnrolError::Store(error)) => Err(error.into()),
    }
}

const DUPLICATE_WARNING: &str = "Cette personne est peut-être déjà inscrite : vérifiez la liste ci-dessous avant de créer une nouvelle fiche.";

/// The enrolment form read and checked: the person's draft when every field is right, the
/// communes offered, and the errors by field.
async fn checked_enrolment(
    state: &AppState,
    values: &Fields,
) -> Result<(Option<PersonDraft>, Vec<CommuneSummary>, Errors), WebError> {
    let (draft, communes, mut errors) = checked_identity(state, values).await?;
    if text(values, "consentement") != "oui" {
        errors.insert(
            "consentement",
            "Indiquez la réponse de la personne : sans son accord, rien n'est enregistré."
                .to_owned(),
        );
    }
    Ok((draft, communes, errors))
}

/// The identity and contact fields read and checked, as for an enrolment.
async fn checked_identity(
    state: &AppState,
    values: &Fields,
) -> Result<(Option<PersonDraft>, Vec<CommuneSummary>, Errors), WebError> {
    let mut errors = Errors::new();
    let (commune, communes) = resolve_commune(state, values, &mut errors).await?;
    let current_year = aiguillage_domain::calendar::date_of(state.now()).year();
    let draft = checked_person(values, commune, current_year, &mut errors);
    Ok((draft, communes, errors))
}

/// The identity and contact fields checked, the commune already resolved (or not, its message then
/// already in `errors`): the person's draft when every field is right, a message per field otherwise.
pub(crate) fn checked_person(
    values: &Fields,
    commune: Option<String>,
    current_year: i32,
    errors: &mut Errors,
) -> Option<PersonDraft> {
    let input = PersonInput {
        first_name: text(values, "prenom"),
        last_name: text(values, "nom"),
        phone: text(values, "telephone"),
        email: text(values, "courriel"),
        no_phone: text(values, "sans_telephone") == "oui",
        commune_code: commune.unwrap_or_default(),
        birth_year: text(values, "annee_naissance"),
    };
    match check_person(&input, current_year) {
        Ok(draft) => Some(draft),
        Err(problems) => {
            for problem in problems {
                if problem.field.name() != "commune" || !errors.contains_key("commune_recherche") {
                    let name = match problem.field.name() {
                        "commune" => "commune_recherche",
                        other => other,
                    };
                    errors.entry(name).or_insert(problem.message);
                }
            }
            None
        }
    }
}

#[derive(Template)]
#[template(path = "person_edit.html")]
struct EditTemplate {
    layout: Layout,
    person_id: PersonId,
    person_name: String,
    identity_fields: &'static [InputField],
    values: Fields,
    communes: Vec<CommuneSummary>,
    errors: Errors,
}

impl EditTemplate {
    fn value(&self, name: &str) -> String {
        text(&self.values, name)
    }

    fn checked(&self, name: &str, value: &str) -> bool {
        self.values
            .get(name)
            .is_some_and(|values| values.iter().any(|v| v == value))
    }
}

/// The form's values for a person as recorded.
fn values_of(person: &PersonRecord) -> Fields {
    let mut values = Fields::new();
    let mut set = |name: &str, value: String| {
        if !value.is_empty() {
            values.insert(name.to_owned(), vec![value]);
        }
    };
    set("prenom", person.first_name.clone());
    set("nom", person.last_name.clone());
    set("telephone", person.phone.clone().unwrap_or_default());
    set("courriel", person.email.clone().unwrap_or_default());
    set(
        "annee_naissance",
        person.birth_year.map(|y| y.to_string()).unwrap_or_default(),
    );
    if person.no_phone {
        set("sans_telephone", "oui".to_owned());
    }
    set("commune_recherche", person.commune_name.clone());
    set("commune", person.commune_code.clone());
    values
}

fn edit_page(
    me: &Professional,
    person: &PersonRecord,
    (values, communes): (Fields, Vec<CommuneSummary>),
    errors: Errors,
) -> Result<Response, WebError> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = render(&EditTemplate {
        layout: me.layout("/personnes", "Corriger l'identité et le contact"),
        person_id: person.id,
        person_name: full_name(person),
        identity_fields: IDENTITY_FIELDS,
        values,
        communes,
        errors,
    })?;
    Ok((status, page).into_response())
}

/// A person the viewer's structure enrolled: only it corrects identity and contact (a structure
/// that follows the person gets "not found").
async fn enrolled_person(me: &Professional, id: PersonId) -> Result<PersonRecord, WebError> {
    let person = me.state.store.person(&me.actor(), id, me.now()).await?;
    person
        .filter(|p| p.structure_id.get() == me.user.account.structure_id)
        .ok_or(WebError::NotFound)
}

/// `GET /personnes/{id}/modifier`: the identity and contact form, filled with what is recorded.
pub async fn edit_form(me: Professional, Path(id): Path<PersonId>) -> Result<Response, WebError> {
    let person = enrolled_person(&me, id).await?;
    edit_page(
        &me,
        &person,
        (values_of(&person), Vec::new()),
        Errors::new(),
    )
}

/// `POST /personnes/{id}/modifier`: checks every field as at enrolment and corrects the record
/// (audited); with an error, nothing changes and the form comes back with a message per field.
pub async fn update(
    me: Professional,
    Path(id): Path<PersonId>,
    body: Bytes,
) -> Result<Response, WebError> {
    let (store, actor) = (&me.state.store, me.actor());
    let person = enrolled_person(&me, id).await?;
    let values = fields(&body);
    let (draft, communes, errors) = checked_identity(&me.state, &values).await?;
    let (Some(draft), true) = (draft, errors.is_empty()) else {
        return edit_page(&me, &person, (values, communes), errors);
    };
    let on_request = match text(&values, "a_la_demande").as_str() {
        "oui" => Some(crate::pages::rights::today(me.now())),
        _ => None,
    };
    if !store
        .correct_person(&actor, id, &draft, on_request, me.now())
        .await?
    {
        return Err(WebError::NotFound);
    }
    Ok(Redirect::to(&format!("/personnes/{id}?fait=modifiee")).into_response())
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonTemplate {
    layout: Layout,
    person: PersonRecord,
    enrolled_at: String,
    consents: Vec<(ConsentRecord, String)>,
    diagnostics: Vec<DiagnosticLine>,
    /// By domain, from the first diagnostic to the latest (when there are two or more).
    progress: Vec<DomainProgress>,
    /// The structure that sent the person to the viewer's, when the viewer's structure follows
    /// them rather than enrolled them: the page then shows what the sharing consent covers.
    followed_from: Option<String>,
    referrals: Vec<PersonReferralLine>,
    /// The identity or contact was just corrected.
    updated: bool,
    contact: String,
    /// Why the erasure form was refused (the confirmation box left unticked).
    erase_error: Option<&'static str>,
    /// The person's rights requests the structure registered, and the kinds its form offers.
    requests: Vec<crate::pages::rights::RequestView>,
    request_kinds: Vec<crate::pages::rights::Coding>,
    /// The request form's date: today by default, or as typed when refused.
    today: String,
    /// Why the request form was refused (a date that cannot be recorded).
    request_error: Option<String>,
    /// A request was just registered (`demande`) or answered (`repondue`).
    done: String,
}

/// A referral of the person, as their file lists it.
struct PersonReferralLine {
    id: ReferralId,
    offer: String,
    structure: String,
    state: &'static str,
    next_step: &'static str,
    sent: String,
    changed: String,
    open: bool,
    refused: bool,
}

/// A referral of the person as their file lists it: to which structure and what the sender does
/// next, or, for the structure that receives it, from which structure and what it does next.
fn referral_line(referral: &ReferralRecord, received: bool) -> PersonReferralLine {
    let (structure, next_step) = if received {
        (
            format!("Envoyée par {}", referral.sender_structure),
            referral.state.next_step_for_receiver(),
        )
    } else {
        (
            referral.receiver_structure.clone(),
            referral.state.next_step_for_sender(),
        )
    };
    PersonReferralLine {
        id: referral.id,
        offer: referral.offer_name.clone(),
        structure,
        state: referral.state.label(),
        next_step,
        sent: format_time(referral.created_at),
        changed: format_time(referral.state_changed_at),
        open: referral.state.holds_a_place(),
        refused: referral.state == ReferralState::Refused,
    }
}

struct DiagnosticLine {
    id: i64,
    made_at: String,
    made_by: String,
    typology: String,
    overall: String,
    first_help: String,
    overridden: bool,
}

fn diagnostic_line(diagnostic: &StoredDiagnostic) -> DiagnosticLine {
    let override_ = diagnostic.override_.as_ref();
    DiagnosticLine {
        id: diagnostic.id,
        made_at: format_time(diagnostic.made_at),
        made_by: diagnostic.made_by_name.clone().unwrap_or_default(),
        typology: override_
            .and_then(|o| o.typology)
            .unwrap_or(diagnostic.profile.typology)
            .label()
            .to_owned(),
        overall: format!(
            "{} ({} %)",
            diagnostic.profile.overall.label(),
            diagnostic.profile.overall_percent
        ),
        first_help: override_
            .and_then(|o| o.help)
            .unwrap_or_else(|| diagnostic.profile.first_help())
            .label()
            .to_owned(),
        overridden: override_.is_some(),
    }
}

/// How to reach the person, in words.
pub fn contact_of(person: &PersonRecord) -> String {
    let mut ways = Vec::new();
    if let Some(phone) = &person.phone {
        ways.push(format!("téléphone {phone}"));
    }
    if let Some(email) = &person.email {
        ways.push(format!("courriel {email}"));
    }
    if person.no_phone {
        ways.push("pas de téléphone".to_owned());
    }
    if ways.is_empty() {
        "aucun moyen de contact".to_owned()
    } else {
        ways.join(", ")
    }
}

/// `GET /personnes/{id}`: identity, consent and diagnostics over time.
pub async fn detail(
    me: Professional,
    Path(id): Path<PersonId>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, WebError> {
    let done = query.fait.unwrap_or_default();
    person_page(&me, id, (None, None), &done).await
}

/// The person's file with the rights request form refused (422): its message, the date as typed.
pub async fn with_request_error(
    me: &Professional,
    id: PersonId,
    (message, typed): (String, String),
) -> Result<Response, WebError> {
    person_page(me, id, (None, Some((message, typed))), "").await
}

/// What was just done, as a redirection tells it.
#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    fait: Option<String>,
}

/// The person's file; with the erasure form's error (422) when it was sent unconfirmed.
async fn person_page(
    me: &Professional,
    id: PersonId,
    (erase_error, request_error): (Option<&'static str>, Option<(String, String)>),
    done: &str,
) -> Result<Response, WebError> {
    let (store, actor) = (&me.state.store, me.actor());
    let person = store.person(&actor, id, me.now()).await?;
    let person = person.ok_or(WebError::NotFound)?;
    let followed_from = (person.structure_id.get() != me.user.account.structure_id)
        .then(|| person.structure_name.clone());
    let consents = match followed_from {
        None => store.consents_of(&actor, id).await?,
        Some(_) => Vec::new(),
    };
    let diagnostics = store.diagnostics_of(&actor, id, me.now()).await?;
    let progress = match (diagnostics.first(), diagnostics.last()) {
        (Some(first), Some(latest)) if diagnostics.len() > 1 => {
            aiguillage_domain::diagnostic::progress(&first.profile, &latest.profile)
        }
        _ => Vec::new(),
    };
    let referrals = store.referrals_of_person(&actor, id, me.now()).await?;
    let requests = match followed_from {
        None => store.rights_requests_of_person(&actor, id).await?,
        Some(_) => Vec::new(),
    };
    let page = render(&PersonTemplate {
        requests: crate::pages::rights::request_views(&requests, me.now()),
        request_kinds: crate::pages::rights::form_kinds(),
        today: match &request_error {
            Some((_, typed)) => typed.clone(),
            None => aiguillage_domain::calendar::french_date(crate::pages::rights::today(me.now())),
        },
        request_error: request_error.as_ref().map(|(message, _)| message.clone()),
        done: done.to_owned(),
        progress,
        followed_from,
        layout: me.layout("/personnes", &full_name(&person)),
        enrolled_at: format_time(person.enrolled_at),
        consents: consents.into_iter().map(dated).collect(),
        diagnostics: diagnostics.iter().rev().map(diagnostic_line).collect(),
        referrals: referrals
            .iter()
            .map(|r| referral_line(r, r.receiver_structure_id == actor.structure_id))
            .collect(),
        updated: done == "modifiee",
        contact: contact_of(&person),
        person,
        erase_error,
    })?;
    let status = match (erase_error, &request_error) {
        (None, None) => StatusCode::OK,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    Ok((status, page).into_response())
}

/// A consent with the time it was recorded, in words.
fn dated(consent: ConsentRecord) -> (ConsentRecord, String) {
    let at = format_time(consent.recorded_at);
    (consent, at)
}

const ERASE_UNCONFIRMED: &str =
    "Cochez la case de confirmation pour effacer la fiche : rien n'a été effacé.";

/// `POST /personnes/{id}/effacer`: consent withdrawn or erasure requested — everything about the
/// person is deleted at once, leaving anonymous counts. The form must confirm.
pub async fn erase(
    me: Professional,
    Path(id): Path<PersonId>,
    body: Bytes,
) -> Result<Response, WebError> {
    if text(&fields(&body), "confirmer") != "oui" {
        return person_page(&me, id, (Some(ERASE_UNCONFIRMED), None), "").await;
    }
    let values = fields(&body);
    let kind = match text(&values, "motif").as_str() {
        "effacement" => RightsRequestKind::Erasure,
        _ => RightsRequestKind::ConsentWithdrawal,
    };
    let today = crate::pages::rights::today(me.now());
    let store = &me.state.store;
    if !store
        .erase_person_on_request(&me.actor(), (kind, id), today, me.now())
        .await?
    {
        return Err(WebError::NotFound);
    }
    Ok(Redirect::to("/personnes?efface=1").into_response())
}
