//! Orientation pages: the ranked, explained offers for a diagnosed person, the choice of one with the
//! person's consent to share (which structure, which data), and the referrals of a structure (sent and
//! received) with their history and the transitions each side may make.
//! The referral page itself is drawn by `pages::pathway::referral_page` (it carries the pathway's
//! sessions and closing): the dependency goes from here to `pathway`, never back.

use crate::auth::Professional;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::form_fields::Errors;
use crate::pages::orientation_form::{SendForm, StepForm, StepRequest};
use crate::pages::pathway::{referral_page_with, PathwaySubmission, SESSION_RECORDED, STALE};
use crate::pages::questionnaire::ProfileView;
use crate::pages::{format_time, render};
use crate::routes::may_reach;
use aiguillage_domain::diagnostic::Profile;
use aiguillage_domain::directory::opening_hours::WeeklyHours;
use aiguillage_domain::geo::Position;
use aiguillage_domain::ids::{OfferId, PersonId, ReferralId, StructureId};
use aiguillage_domain::orientation::{
    rank, CandidateOffer, RankedOffer, ReferralEvent, Seeker, Side,
};
use aiguillage_domain::person::sharing_consent;
use aiguillage_domain::role::Role;
use aiguillage_service::referrals::{self, ReferralChoice, ReferralStep, Stepped};
use aiguillage_service::state::AppState;
use aiguillage_store::{PersonRecord, ReferralRecord, StoredPlace};
use askama::Template;
use axum::extract::{Form, Path, Query};
use axum::http::Method;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// Offers shown at most in the ranked list.
const SHOWN: usize = 15;
/// Degrees of latitude per kilometre, for the coarse box before exact distances.
const DEGREES_PER_KM: f64 = 1.0 / 111.0;

/// One ranked offer as the page shows it.
pub(crate) struct OfferLine {
    pub(crate) offer_id: i64,
    pub(crate) place_name: String,
    pub(crate) offer_name: String,
    pub(crate) commune: String,
    pub(crate) distance: String,
    pub(crate) score: String,
    pub(crate) ranked: RankedOffer,
    /// The place's opening hours in plain French, one line per open day (empty when unknown).
    pub(crate) hours: Vec<String>,
    /// Where the place is and its phone (spaced), for the public self-diagnostic.
    pub(crate) address: String,
    pub(crate) phone: Option<String>,
}

pub(crate) struct Candidates {
    pub(crate) lines: Vec<OfferLine>,
    pub(crate) excluded: Vec<(String, String)>,
    /// An urgent procedure that no offer within reach helps with.
    pub(crate) urgency_uncovered: bool,
}

/// Where the person lives and when they were born, what ranking needs of them.
pub(crate) struct Whereabouts<'a> {
    pub(crate) commune_code: &'a str,
    pub(crate) birth_year: Option<i32>,
    /// When the person can come (from their latest diagnostic): places closed then are left out.
    pub(crate) availability: &'a [aiguillage_domain::diagnostic::Availability],
    /// How the person gets about: the distance is also given as a time.
    pub(crate) travel_modes: &'a [aiguillage_domain::diagnostic::TravelMode],
}

/// The places within reach of the person, ranked.
pub(crate) async fn ranked_offers(
    state: &AppState,
    person: Whereabouts<'_>,
    profile: &Profile,
    leave_out: Option<StructureId>,
) -> Result<Candidates, WebError> {
    let (latitude, longitude) = state
        .store
        .commune_centre(person.commune_code)
        .await?
        .ok_or_else(|| {
            WebError::BadRequest(
                "La position de la commune de la personne n'est pas connue.".to_owned(),
            )
        })?;
    let reach_km = f64::from(profile.requirements.max_distance_km.max(30));
    let span = reach_km * DEGREES_PER_KM;
    let longitude_span = span / latitude.to_radians().cos().max(0.1);
    let places: Vec<StoredPlace> = state
        .store
        .places_in_box(
            (latitude - span, latitude + span),
            (longitude - longitude_span, longitude + longitude_span),
        )
        .await?;
    let open = state.store.open_referrals_by_offer().await?;
    let candidates: Vec<CandidateOffer> = places
        .iter()
        .filter(|place| leave_out.is_none_or(|s| s.get() != place.structure_id))
        .flat_map(|place| {
            let position = place
                .latitude
                .zip(place.longitude)
                .map(|(latitude, longitude)| Position {
                    latitude,
                    longitude,
                });
            place
                .offers
                .iter()
                .zip(&place.offer_ids)
                .map(move |(offer, id)| (place, offer, *id, position))
        })
        .map(|(place, offer, offer_id, position)| CandidateOffer {
            offer_id,
            place: &place.place,
            offer,
            position,
            open_referrals: open.get(&offer_id).copied().unwrap_or(0),
        })
        .collect();
    let age = person
        .birth_year
        .map(|year| aiguillage_domain::calendar::date_of(state.now()).year() - year);
    let seeker = Seeker {
        profile,
        position: Position {
            latitude,
            longitude,
        },
        age,
        availability: person.availability,
        travel_modes: person.travel_modes,
    };
    let (_, weights) = state
        .store
        .settings_for_commune(person.commune_code)
        .await?;
    let ranking = rank(&seeker, &candidates, &weights);
    let describe = |offer_id: i64| {
        candidates
            .iter()
            .find(|c| c.offer_id == offer_id)
            .map(|c| {
                (
                    c.place.name.clone(),
                    c.offer.name.clone(),
                    c.place.commune.clone(),
                )
            })
            .unwrap_or_default()
    };
    let reach_of = |offer_id: i64| -> (String, Option<String>) {
        candidates
            .iter()
            .find(|c| c.offer_id == offer_id)
            .map(|c| {
                (
                    format!(
                        "{}, {} {}",
                        c.place.address, c.place.postal_code, c.place.commune
                    ),
                    c.place
                        .phone
                        .as_deref()
                        .map(aiguillage_domain::phone::spaced),
                )
            })
            .unwrap_or_default()
    };
    let hours_of = |offer_id: i64| -> Vec<String> {
        candidates
            .iter()
            .find(|c| c.offer_id == offer_id)
            .and_then(|c| c.place.opening_hours.as_deref())
            .and_then(|text| WeeklyHours::parse(text).ok())
            .map(|week| {
                week.in_french()
                    .into_iter()
                    .filter(|day| !day.ends_with("fermé"))
                    .collect()
            })
            .unwrap_or_default()
    };
    let urgency_uncovered = ranking.urgency_uncovered;
    let lines = ranking
        .ranked
        .into_iter()
        .take(SHOWN)
        .map(|ranked| {
            let (place_name, offer_name, commune) = describe(ranked.offer_id);
            let (address, phone) = reach_of(ranked.offer_id);
            OfferLine {
                address,
                phone,
                hours: hours_of(ranked.offer_id),
                offer_id: ranked.offer_id,
                place_name,
                offer_name,
                commune,
                distance: ranked
                    .distance_km
                    .map(|d| format!("{d:.0} km"))
                    .unwrap_or_else(|| "à distance".to_owned()),
                score: format!("{:.0}", ranked.total),
                ranked,
            }
        })
        .collect();
    let excluded = ranking
        .excluded
        .iter()
        .map(|e| {
            let (place_name, offer_name, _) = describe(e.offer_id);
            (format!("{place_name} — {offer_name}"), e.reason.to_string())
        })
        .collect();
    Ok(Candidates {
        lines,
        excluded,
        urgency_uncovered,
    })
}

#[derive(Template)]
#[template(path = "orientation.html")]
struct OrientationTemplate {
    layout: Layout,
    person: PersonRecord,
    view: ProfileView,
    lines: Vec<OfferLine>,
    excluded: Vec<(String, String)>,
    chosen: Option<Chosen>,
    message: String,
    /// Why one more referral, as typed.
    why_again: String,
    /// The person's referrals still open: sending another one asks why.
    open: Vec<OpenLine>,
    /// Where the choice and the form go: `/personnes/{id}/orientation`, or the re-orientation's.
    form_path: String,
    /// The refused referral being re-oriented, if that is what the page is for.
    reorienting: Option<Reorienting>,
    /// A French message per field of the sending form that was refused.
    errors: Errors,
    /// How an appointment may take place: (code, label).
    channels: Vec<(&'static str, &'static str)>,
    /// An urgent procedure no offer within reach helps with: where else to look.
    urgency_alternatives: Option<UrgencyAlternatives>,
}

/// Where to look when no offer within reach helps with the urgent procedure: farther, remotely, or
/// someone who acts on the person's behalf (all in the directory).
struct UrgencyAlternatives {
    organisation: &'static str,
    farther: String,
    farther_km: u32,
    remote: String,
}

impl UrgencyAlternatives {
    fn of(profile: &Profile, person: &PersonRecord) -> UrgencyAlternatives {
        let organisation = profile
            .urgency
            .as_ref()
            .map_or("", |u| u.organisation.label());
        let farther_km = (profile.requirements.max_distance_km * 2).clamp(30, 100);
        let need = urlencoding::encode(
            aiguillage_domain::directory::Service::AdministrativeProcedures.label(),
        );
        let commune = urlencoding::encode(&person.commune_name);
        UrgencyAlternatives {
            organisation,
            farther: format!("/annuaire?commune={commune}&rayon={farther_km}&besoin={need}"),
            farther_km,
            remote: format!(
                "/annuaire?besoin={need}&modalite={}",
                urlencoding::encode(aiguillage_domain::directory::SupportMode::Remote.label())
            ),
        }
    }
}

/// A referral the structure sent, being re-oriented: what its receiving structure answered.
pub(crate) struct Reorienting {
    pub referral_id: ReferralId,
    pub version: i64,
    pub refused_by: String,
    pub refused_structure: StructureId,
    /// « Refus : Plus de place disponible », when it was refused.
    pub answer: Option<String>,
    /// The refusing structure's comment, often where to go instead.
    pub hint: String,
}

/// What the orientation page is for.
pub(crate) enum Mode {
    /// A new referral of the person.
    New,
    /// Another offer for a referral the structure sent.
    Reorient(Reorienting),
}

/// An open referral of the person, as the orientation page warns of it.
struct OpenLine {
    id: ReferralId,
    offer: String,
    structure: String,
    state: &'static str,
    since: String,
}

impl OpenLine {
    fn of(referral: &ReferralRecord) -> OpenLine {
        OpenLine {
            id: referral.id,
            offer: referral.offer_name.clone(),
            structure: referral.receiver_structure.clone(),
            state: referral.state.label(),
            since: format_time(referral.state_changed_at),
        }
    }
}

/// What the sending form had typed, shown again with its errors.
#[derive(Default)]
pub(crate) struct Typed {
    pub message: String,
    pub why_again: String,
}

/// The offer picked, with the consent text naming its structure.
struct Chosen {
    offer_id: OfferId,
    structure: String,
    offer_name: String,
    consent_text: String,
    /// The receiving structure's free slots for a first appointment: (start, in words), those
    /// within the person's availability when some are.
    slots: Vec<(i64, String)>,
    /// No free slot falls within the person's availability: all of them are offered.
    slots_outside_availability: bool,
}

/// How many days ahead the sending form offers slots.
const SLOT_DAYS: u32 = 21;
/// How many slots the list shows at most.
const SLOTS_SHOWN: usize = 40;

#[derive(Debug, Default, Deserialize)]
pub struct ChoiceQuery {
    #[serde(default)]
    offre: Option<OfferId>,
}

impl ChoiceQuery {
    /// The offer asked for.
    pub fn offer(&self) -> Option<OfferId> {
        self.offre
    }
}

async fn chosen(
    state: &AppState,
    offer_id: Option<OfferId>,
    availability: &[aiguillage_domain::diagnostic::Availability],
) -> Result<Option<Chosen>, WebError> {
    let Some(offer_id) = offer_id else {
        return Ok(None);
    };
    let (receiver, structure, offer_name) = state
        .store
        .offer_owner(offer_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let consent = sharing_consent(&structure, &offer_name);
    let departement = state
        .store
        .place(receiver.get())
        .await
        .map(|p| p.departement_code)
        .unwrap_or_default();
    let free = state
        .store
        .free_slots_of(receiver.get(), state.now(), SLOT_DAYS)
        .await?;
    let fitting: Vec<_> = free
        .iter()
        .filter(|slot| {
            aiguillage_domain::appointment::suits(slot.starts_at, &departement, availability)
        })
        .copied()
        .collect();
    let slots_outside_availability = fitting.is_empty() && !free.is_empty();
    let slots = if slots_outside_availability {
        free
    } else {
        fitting
    }
    .into_iter()
    .take(SLOTS_SHOWN)
    .map(|slot| {
        (
            slot.starts_at,
            aiguillage_domain::appointment::when_in_french(slot.starts_at, &departement),
        )
    })
    .collect();
    Ok(Some(Chosen {
        offer_id,
        structure,
        offer_name,
        consent_text: consent.text,
        slots,
        slots_outside_availability,
    }))
}

/// The orientation page: the ranked offers, the chosen one's confirmation, and the sending form as
/// submitted with its errors (422 when there are some).
pub(crate) async fn orientation_page(
    professional: &Professional,
    (person, profile): (PersonRecord, Profile),
    (choice, mode): (Option<OfferId>, Mode),
    (typed, errors): (Typed, Errors),
) -> Result<Response, WebError> {
    let state = &professional.state;
    let actor = professional.actor();
    let (open, form_path, reorienting) = match mode {
        Mode::New => (
            referrals::open_referrals(state, &actor, person.id).await?,
            format!("/personnes/{}/orientation", person.id),
            None,
        ),
        Mode::Reorient(reorienting) => (
            Vec::new(),
            format!("/orientations/{}/reorientation", reorienting.referral_id),
            Some(reorienting),
        ),
    };
    let leave_out = reorienting.as_ref().map(|r| r.refused_structure);
    let latest = state
        .store
        .diagnostics_of(&actor, person.id, state.now())
        .await?
        .pop();
    let (availability, travel_modes) = latest
        .map(|d| (d.answers.availability, d.answers.travel_modes))
        .unwrap_or_default();
    let whereabouts = Whereabouts {
        commune_code: &person.commune_code,
        birth_year: person.birth_year,
        availability: &availability,
        travel_modes: &travel_modes,
    };
    let candidates = ranked_offers(state, whereabouts, &profile, leave_out).await?;
    let chosen = chosen(state, choice, &availability).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let urgency_alternatives = candidates
        .urgency_uncovered
        .then(|| UrgencyAlternatives::of(&profile, &person));
    let page = render(&OrientationTemplate {
        layout: professional.layout("/personnes", "Orientation"),
        view: ProfileView::new(profile, None, None, &person.commune_name),
        person,
        urgency_alternatives,
        lines: candidates.lines,
        excluded: candidates.excluded,
        chosen,
        message: typed.message,
        why_again: typed.why_again,
        open: open.iter().map(OpenLine::of).collect(),
        form_path,
        reorienting,
        errors,
        channels: aiguillage_domain::appointment::AppointmentChannel::ALL
            .iter()
            .map(|c| (c.code(), c.label()))
            .collect(),
    })?;
    Ok((status, page).into_response())
}

/// `GET /personnes/{id}/orientation`: the ranked offers; with `?offre=ID`, the confirmation.
pub async fn candidates(
    professional: Professional,
    Path(person): Path<PersonId>,
    Query(query): Query<ChoiceQuery>,
) -> Result<Response, WebError> {
    let found =
        referrals::person_to_orient(&professional.state, &professional.actor(), person).await?;
    orientation_page(
        &professional,
        found,
        (query.offre, Mode::New),
        (Typed::default(), Errors::new()),
    )
    .await
}

/// `POST /personnes/{id}/orientation`: sends the referral once the person agreed to the sharing; a
/// form with errors comes back with a message on each field concerned.
pub async fn send(
    professional: Professional,
    Path(person): Path<PersonId>,
    Form(form): Form<SendForm>,
) -> Result<Response, WebError> {
    let offer = form.offer();
    let typed = Typed {
        message: form.message.clone(),
        why_again: form.motif_nouvel_envoi.clone(),
    };
    let actor = professional.actor();
    match ReferralChoice::try_from(form) {
        Ok(choice) => match referrals::send(&professional.state, &actor, person, &choice).await {
            Ok(referral) => {
                Ok(Redirect::to(&format!("/orientations/{referral}?fait=envoyee")).into_response())
            }
            Err(
                error @ (referrals::ReferralError::AlreadyOpen(_)
                | referrals::ReferralError::SlotTaken),
            ) => {
                let field = match error {
                    referrals::ReferralError::SlotTaken => "rendez_vous",
                    _ => "motif_nouvel_envoi",
                };
                let mut errors = Errors::new();
                errors.insert(field, error.to_string());
                let found =
                    referrals::person_to_orient(&professional.state, &actor, person).await?;
                orientation_page(&professional, found, (offer, Mode::New), (typed, errors)).await
            }
            Err(error) => Err(error.into()),
        },
        Err(errors) => {
            let found = referrals::person_to_orient(&professional.state, &actor, person).await?;
            orientation_page(&professional, found, (offer, Mode::New), (typed, errors)).await
        }
    }
}

/// A referral line of a list.
struct ReferralLine {
    id: ReferralId,
    who: String,
    other_side: String,
    offer: String,
    state: &'static str,
    changed: String,
    urgent: bool,
    /// The mediator it is given to (received referrals), if any.
    assigned: Option<String>,
    assigned_id: Option<i64>,
}

fn referral_line(referral: &ReferralRecord, received: bool) -> ReferralLine {
    ReferralLine {
        id: referral.id,
        who: format!("{} {}", referral.first_name, referral.last_name),
        other_side: if received {
            referral.sender_structure.clone()
        } else {
            referral.receiver_structure.clone()
        },
        offer: referral.offer_name.clone(),
        state: referral.state.label(),
        changed: format_time(referral.state_changed_at),
        urgent: referral.urgent,
        assigned: referral.assigned_name.clone(),
        assigned_id: referral.assigned_account_id.map(|a| a.get()),
    }
}

#[derive(Template)]
#[template(path = "referrals.html")]
struct ReferralsTemplate {
    layout: Layout,
    sections: Vec<ReferralSection>,
    /// The viewer may record a collective workshop.
    workshop_link: bool,
    /// The viewer opens referrals (a prescriber or a mediator; a manager assigns them).
    can_open: bool,
    /// The structure's mediators, (account id, name), when the viewer assigns received referrals.
    mediators: Vec<(i64, String)>,
    /// The viewer's own account, to mark what is given to them.
    me: i64,
    notice: Option<&'static str>,
}

impl ReferralsTemplate {
    fn is_assigned(&self, line: &ReferralLine, account: &i64) -> bool {
        line.assigned_id == Some(*account)
    }
}

/// What was just done on the list.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    fait: String,
    /// The page shown of the received and of the sent referrals (from 1).
    recues: Option<i64>,
    envoyees: Option<i64>,
}

/// Referrals on one page of each section of `/orientations`.
const REFERRALS_PAGE_SIZE: i64 = 50;

/// Received or sent referrals: one page of them.
struct ReferralSection {
    title: &'static str,
    received: bool,
    lines: Vec<ReferralLine>,
    /// All of them, and the section's pages (the other section's page kept in the links).
    total: i64,
    pager: crate::pages::Pager,
}

/// One section's page: the page asked (clamped to the last), its referrals and how many in all.
async fn section_page(
    professional: &Professional,
    received: bool,
    asked: Option<i64>,
) -> Result<(i64, i64, Vec<ReferralRecord>, i64), WebError> {
    let (state, actor, now) = (
        &professional.state,
        professional.actor(),
        professional.now(),
    );
    let mut page = asked.unwrap_or(1).max(1);
    loop {
        let offset = (page - 1) * REFERRALS_PAGE_SIZE;
        let (records, total) = state
            .store
            .referrals_of_structure_page(&actor, received, (REFERRALS_PAGE_SIZE, offset), now)
            .await?;
        let pages = ((total + REFERRALS_PAGE_SIZE - 1) / REFERRALS_PAGE_SIZE).max(1);
        if page <= pages {
            return Ok((page, pages, records, total));
        }
        page = pages;
    }
}

/// `GET /orientations`: what the structure received (to handle) and what it sent.
pub async fn list(
    professional: Professional,
    Query(query): Query<ListQuery>,
) -> Result<Response, WebError> {
    let state = &professional.state;
    let (received_page, received_pages, received, received_total) =
        section_page(&professional, true, query.recues).await?;
    let (sent_page, sent_pages, sent, sent_total) =
        section_page(&professional, false, query.envoyees).await?;
    let account = &professional.user.account;
    let assigning = account.role == Role::StructureManager;
    let mediators = if assigning {
        state
            .store
            .mediators_of(account.structure_id)
            .await?
            .into_iter()
            .map(|m| (m.id, m.display_name))
            .collect()
    } else {
        Vec::new()
    };
    render(&ReferralsTemplate {
        layout: professional.layout("/orientations", "Orientations"),
        can_open: !assigning,
        mediators,
        me: account.id,
        notice: (query.fait == "attribuee")
            .then_some("Attribution enregistrée : le médiateur la retrouve dans ses orientations."),
        workshop_link: may_reach(
            Some(professional.user.account.role),
            &Method::GET,
            "/ateliers/nouveau",
        ),
        sections: vec![
            ReferralSection {
                title: "Reçues par votre structure (à traiter)",
                received: true,
                lines: received.iter().map(|r| referral_line(r, true)).collect(),
                total: received_total,
                pager: crate::pages::Pager {
                    page: received_page,
                    pages: received_pages,
                    pattern: format!("/orientations?recues={{}}&envoyees={sent_page}#recues"),
                    label: "Pages des orientations reçues",
                },
            },
            ReferralSection {
                title: "Envoyées par votre structure",
                received: false,
                lines: sent.iter().map(|r| referral_line(r, false)).collect(),
                total: sent_total,
                pager: crate::pages::Pager {
                    page: sent_page,
                    pages: sent_pages,
                    pattern: format!("/orientations?recues={received_page}&envoyees={{}}#envoyees"),
                    label: "Pages des orientations envoyées",
                },
            },
        ],
    })
}

/// The assignment form of one received referral.
#[derive(Debug, Default, Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    mediateur: String,
}

/// `POST /orientations/{id}/attribution`: the structure manager gives a received referral to one of
/// the structure's mediators (empty: back to the whole structure). Another structure's referral, or
/// someone who is not one of its active mediators, is « not found » and nothing changes.
pub async fn assign(
    professional: Professional,
    Path(id): Path<ReferralId>,
    Form(form): Form<AssignForm>,
) -> Result<Response, WebError> {
    let chosen = form.mediateur.trim();
    let mediator = if chosen.is_empty() {
        None
    } else {
        let id = chosen
            .parse::<i64>()
            .map_err(|_| WebError::BadRequest("Choisissez un médiateur de la liste.".into()))?;
        Some(aiguillage_domain::ids::AccountId::new(id))
    };
    let (state, actor) = (&professional.state, professional.actor());
    if !state
        .store
        .assign_referral(&actor, id, mediator, professional.now())
        .await?
    {
        return Err(WebError::NotFound);
    }
    Ok(Redirect::to("/orientations?fait=attribuee").into_response())
}

/// The referral page, with the errors of a refused step (409) when there are some and the comment
/// typed, kept unless it was the comment that was refused.
async fn referral_page(
    professional: &Professional,
    found: (ReferralRecord, Side),
    (error, step): (Option<String>, Errors),
    comment: String,
) -> Result<Response, WebError> {
    let step_comment = if step.contains_key("commentaire") {
        String::new()
    } else {
        comment
    };
    let status = if error.is_some() || !step.is_empty() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    let error =
        error.or_else(|| (!step.is_empty()).then(|| "Corrigez les champs signalés.".to_owned()));
    referral_page_with(
        &professional.state,
        (&professional.viewer, &professional.user),
        found,
        (error, status),
        PathwaySubmission {
            step,
            step_comment,
            ..PathwaySubmission::default()
        },
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct DetailQuery {
    #[serde(default)]
    seance: String,
    /// What was just done (`envoyee`, `acceptee`, …), to confirm it at the top of the page.
    #[serde(default)]
    fait: String,
}

/// The confirmation of what was just done, by the code the redirection carries.
fn done_notice(query: &DetailQuery) -> Option<&'static str> {
    if !query.seance.is_empty() {
        return Some(SESSION_RECORDED);
    }
    Some(match query.fait.as_str() {
        "envoyee" => "Orientation envoyée : la structure qui la reçoit est prévenue.",
        "acceptee" => "Orientation acceptée : la structure qui l'a envoyée est prévenue.",
        "refusee" => "Refus enregistré : la structure qui l'a envoyée est prévenue et peut réorienter la personne.",
        "premier_contact" => "Premier contact enregistré.",
        "parcours" => "Début du parcours enregistré.",
        "accord" => "Accord de partage enregistré : la structure qui reçoit l'orientation voit désormais la fiche.",
        "close" => "Orientation close : son issue est enregistrée.",
        "message" => "Message envoyé : l'autre structure est prévenue.",
        "seance_corrigee" => "Séance corrigée.",
        "rendez_vous" => "Rendez-vous enregistré : il figure dans l'agenda de la structure.",
        "rendez_vous_note" => "Issue du rendez-vous enregistrée.",
        "seance_supprimee" => "Séance supprimée.",
        "reorientee" => "Orientation réorientée : la nouvelle structure est prévenue et doit l'accepter ou la refuser.",
        _ => return None,
    })
}

/// The code of a step's confirmation.
fn done_code(event: &ReferralEvent) -> &'static str {
    match event {
        ReferralEvent::Accept => "acceptee",
        ReferralEvent::Refuse { .. } => "refusee",
        ReferralEvent::RecordFirstContact => "premier_contact",
        ReferralEvent::StartPathway => "parcours",
        _ => "",
    }
}

/// `GET /orientations/{id}`.
pub async fn detail(
    professional: Professional,
    Path(referral): Path<ReferralId>,
    Query(query): Query<DetailQuery>,
) -> Result<Response, WebError> {
    let found =
        referrals::visible_referral(&professional.state, &professional.actor(), referral).await?;
    let submitted = PathwaySubmission {
        notice: done_notice(&query),
        ..PathwaySubmission::default()
    };
    referral_page_with(
        &professional.state,
        (&professional.viewer, &professional.user),
        found,
        (None, StatusCode::OK),
        submitted,
    )
    .await
}

/// `POST /orientations/{id}`: a step (answer, first contact, pathway) or, for the sender after a
/// redirection, the person's agreement to share; refused with a message when a field is wrong, when
/// the state machine forbids it, or when someone else acted first.
pub async fn act(
    professional: Professional,
    Path(referral): Path<ReferralId>,
    Form(form): Form<StepForm>,
) -> Result<Response, WebError> {
    let (state, actor) = (&professional.state, professional.actor());
    let done =
        |code: &str| Redirect::to(&format!("/orientations/{referral}?fait={code}")).into_response();
    let typed = form.commentaire.clone();
    let step = match StepRequest::try_from(form) {
        Ok(StepRequest::RecordAgreement(agreement)) => {
            referrals::record_agreement(state, &actor, referral, agreement).await?;
            return Ok(done("accord"));
        }
        Ok(StepRequest::Event {
            seen_version,
            event,
            comment,
        }) => ReferralStep {
            referral,
            seen_version,
            event,
            comment,
        },
        Err(errors) => {
            let found = referrals::visible_referral(state, &actor, referral).await?;
            return referral_page(&professional, found, (None, errors), typed).await;
        }
    };
    let (message, found) = match referrals::take_step(state, &actor, &step).await? {
        Stepped::Done => return Ok(done(done_code(&step.event))),
        Stepped::Refused(error, found) => (error.to_string(), found),
        Stepped::Stale(fresh) => (STALE.to_owned(), fresh),
    };
    referral_page(
        &professional,
        found,
        (Some(message), Errors::new()),
        step.comment,
    )
    .await
}
