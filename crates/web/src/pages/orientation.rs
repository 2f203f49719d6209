//! Orientation pages: the ranked, explained offers for a diagnosed person, the choice of one with the
//! person's consent to share (which structure, which data), and the referrals of a structure (sent and
//! received) with their history and the transitions each side may make.
//! The referral page itself is drawn by `pages::pathway::referral_page` (it carries the pathway's
//! sessions and closing): the dependency goes from here to `pathway`, never back.

use crate::auth::{CurrentUser, Viewer};
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::form_fields::{fields, text};
use crate::pages::pathway::{referral_page_with, PathwaySubmission};
use crate::pages::people::actor;
use crate::pages::questionnaire::ProfileView;
use crate::pages::{format_time, render};
use crate::routes::may_reach;
use aiguillage_domain::diagnostic::Profile;
use aiguillage_domain::free_text::{check_free_text, FreeTextField};
use aiguillage_domain::geo::Position;
use aiguillage_domain::orientation::{
    rank, CandidateOffer, RankedOffer, ReferralEvent, RefusalReason, Seeker, Side,
};
use aiguillage_domain::person::sharing_consent;
use aiguillage_service::notify::{notify_structure, Notice};
use aiguillage_service::state::AppState;
use aiguillage_store::{Applied, NewReferral, PersonRecord, ReferralRecord, StoredPlace};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// Offers shown at most in the ranked list.
const SHOWN: usize = 15;
/// Degrees of latitude per kilometre, for the coarse box before exact distances.
const DEGREES_PER_KM: f64 = 1.0 / 111.0;

/// The person and the effective profile of their latest diagnostic.
async fn person_and_profile(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    reason: &str,
) -> Result<(PersonRecord, Profile), WebError> {
    let actor = actor(user, reason);
    let person = state
        .store
        .person(&actor, id, state.now())
        .await?
        .ok_or(WebError::NotFound)?;
    let latest = state
        .store
        .diagnostics_of(&actor, id)
        .await?
        .pop()
        .ok_or_else(|| {
            WebError::BadRequest("Faites d'abord le diagnostic de la personne.".to_owned())
        })?;
    Ok((person, latest.profile))
}

/// One ranked offer as the page shows it.
struct OfferLine {
    offer_id: i64,
    place_name: String,
    offer_name: String,
    commune: String,
    distance: String,
    score: String,
    ranked: RankedOffer,
}

struct Candidates {
    lines: Vec<OfferLine>,
    excluded: Vec<(String, String)>,
}

/// The places within reach of the person, ranked.
async fn ranked_offers(
    state: &AppState,
    person: &PersonRecord,
    profile: &Profile,
) -> Result<Candidates, WebError> {
    let (latitude, longitude) = state
        .store
        .commune_centre(&person.commune_code)
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
        availability: &[],
    };
    let (_, weights) = state
        .store
        .settings_for_commune(&person.commune_code)
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
    let lines = ranking
        .ranked
        .into_iter()
        .take(SHOWN)
        .map(|ranked| {
            let (place_name, offer_name, commune) = describe(ranked.offer_id);
            OfferLine {
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
            (format!("{place_name} — {offer_name}"), e.reason.clone())
        })
        .collect();
    Ok(Candidates { lines, excluded })
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
    error: Option<String>,
}

/// The offer picked, with the consent text naming its structure.
struct Chosen {
    offer_id: i64,
    structure: String,
    offer_name: String,
    consent_text: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct ChoiceQuery {
    #[serde(default)]
    offre: Option<i64>,
}

async fn chosen(state: &AppState, offer_id: Option<i64>) -> Result<Option<Chosen>, WebError> {
    let Some(offer_id) = offer_id else {
        return Ok(None);
    };
    let (_, structure, offer_name) = state
        .store
        .offer_owner(offer_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let consent = sharing_consent(&structure, &offer_name);
    Ok(Some(Chosen {
        offer_id,
        structure,
        offer_name,
        consent_text: consent.text,
    }))
}

async fn orientation_page(
    state: &AppState,
    viewer: &Viewer,
    (person, profile): (PersonRecord, Profile),
    choice: Option<i64>,
    (message, error): (String, Option<String>),
) -> Result<Response, WebError> {
    let candidates = ranked_offers(state, &person, &profile).await?;
    let chosen = chosen(state, choice).await?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = render(&OrientationTemplate {
        layout: Layout::new(state, viewer, "/personnes", "Orientation"),
        view: ProfileView::new(profile, None, None, &person.commune_name),
        person,
        lines: candidates.lines,
        excluded: candidates.excluded,
        chosen,
        message,
        error,
    })?;
    Ok((status, page).into_response())
}

/// `GET /personnes/{id}/orientation`: the ranked offers; with `?offre=ID`, the confirmation.
pub async fn candidates(
    State(state): State<AppState>,
    viewer: Viewer,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(query): Query<ChoiceQuery>,
) -> Result<Response, WebError> {
    let found = person_and_profile(
        &state,
        &user,
        id,
        &format!("GET /personnes/{id}/orientation"),
    )
    .await?;
    orientation_page(&state, &viewer, found, query.offre, (String::new(), None)).await
}

/// `POST /personnes/{id}/orientation`: sends the referral once the person agreed to the sharing.
pub async fn send(
    State(state): State<AppState>,
    viewer: Viewer,
    user: CurrentUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, WebError> {
    let reason = format!("POST /personnes/{id}/orientation");
    let (person, profile) = person_and_profile(&state, &user, id, &reason).await?;
    let values = fields(&body);
    let offer_id = text(&values, "offre").parse::<i64>().ok();
    let message = text(&values, "message");
    let refuse = |error: &str| (message.clone(), Some(error.to_owned()));
    if let Err(error) = check_free_text(FreeTextField::ReferralMessage, &message) {
        return orientation_page(
            &state,
            &viewer,
            (person, profile),
            offer_id,
            refuse(&error.to_string()),
        )
        .await;
    }
    if text(&values, "consentement") != "oui" {
        return orientation_page(
            &state,
            &viewer,
            (person, profile),
            offer_id,
            refuse("Sans l'accord de la personne pour ce partage, rien n'est transmis : cochez son accord ou choisissez une autre solution avec elle."),
        )
        .await;
    }
    let Some(Chosen {
        offer_id,
        structure,
        offer_name,
        ..
    }) = chosen(&state, offer_id).await?
    else {
        return Err(WebError::BadRequest("Choisissez une offre.".to_owned()));
    };
    let consent = sharing_consent(&structure, &offer_name);
    let referral = state
        .store
        .send_referral(
            &actor(&user, &reason),
            &NewReferral {
                person_id: id,
                offer_id,
                profile: &profile,
                message: &message,
                consent: &consent,
            },
            state.now(),
        )
        .await?
        .ok_or(WebError::NotFound)?;
    if let Some((receiver, _, _)) = state.store.offer_owner(offer_id).await? {
        notify_structure(&state, receiver, Notice::Received, referral).await?;
    }
    Ok(Redirect::to(&format!("/orientations/{referral}")).into_response())
}

/// A referral line of a list.
struct ReferralLine {
    id: i64,
    who: String,
    other_side: String,
    offer: String,
    state: &'static str,
    changed: String,
    urgent: bool,
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
    }
}

#[derive(Template)]
#[template(path = "referrals.html")]
struct ReferralsTemplate {
    layout: Layout,
    sections: Vec<ReferralSection>,
    /// The viewer may record a collective workshop.
    workshop_link: bool,
}

/// Received or sent referrals.
struct ReferralSection {
    title: &'static str,
    received: bool,
    lines: Vec<ReferralLine>,
}

/// `GET /orientations`: what the structure received (to handle) and what it sent.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    user: CurrentUser,
) -> Result<Response, WebError> {
    let actor = actor(&user, "GET /orientations");
    let now = state.now();
    let received = state
        .store
        .referrals_of_structure(&actor, true, now)
        .await?;
    let sent = state
        .store
        .referrals_of_structure(&actor, false, now)
        .await?;
    render(&ReferralsTemplate {
        layout: Layout::new(&state, &viewer, "/orientations", "Orientations"),
        workshop_link: may_reach(Some(user.account.role), &Method::GET, "/ateliers/nouveau"),
        sections: vec![
            ReferralSection {
                title: "Reçues par votre structure (à traiter)",
                received: true,
                lines: received.iter().map(|r| referral_line(r, true)).collect(),
            },
            ReferralSection {
                title: "Envoyées par votre structure",
                received: false,
                lines: sent.iter().map(|r| referral_line(r, false)).collect(),
            },
        ],
    })
}

async fn referral_page(
    state: &AppState,
    (viewer, user): (&Viewer, &CurrentUser),
    found: (ReferralRecord, Side),
    error: Option<String>,
) -> Result<Response, WebError> {
    let status = if error.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    referral_page_with(
        state,
        (viewer, user),
        found,
        (error, status),
        PathwaySubmission::default(),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct DetailQuery {
    #[serde(default)]
    seance: String,
}

/// `GET /orientations/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    viewer: Viewer,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(query): Query<DetailQuery>,
) -> Result<Response, WebError> {
    let reason = format!("GET /orientations/{id}");
    let found = state
        .store
        .referral(&actor(&user, &reason), id, state.now())
        .await?
        .ok_or(WebError::NotFound)?;
    let submitted = PathwaySubmission {
        notice: (!query.seance.is_empty()).then_some("Séance enregistrée."),
        ..PathwaySubmission::default()
    };
    referral_page_with(
        &state,
        (&viewer, &user),
        found,
        (None, StatusCode::OK),
        submitted,
    )
    .await
}

/// The sender records the person's agreement to share with the structure a coordinator redirected
/// the referral to; without the box ticked nothing is written.
async fn record_consent(
    state: &AppState,
    (viewer, user): (&Viewer, &CurrentUser),
    actor: &aiguillage_store::Actor<'_>,
    (referral, side): (ReferralRecord, Side),
    values: &crate::pages::form_fields::Fields,
) -> Result<Response, WebError> {
    if text(values, "consentement") != "oui" {
        return referral_page(
            state,
            (viewer, user),
            (referral, side),
            Some("Cochez l'accord de la personne pour ce partage, ou cherchez une autre solution avec elle.".to_owned()),
        )
        .await;
    }
    let consent = sharing_consent(&referral.receiver_structure, &referral.offer_name);
    state
        .store
        .record_sharing_consent(actor, referral.id, &consent, state.now())
        .await?;
    Ok(Redirect::to(&format!("/orientations/{}", referral.id)).into_response())
}

/// The event a submitted action asks for, with its comment.
fn event_of(values: &crate::pages::form_fields::Fields) -> Result<ReferralEvent, String> {
    match text(values, "action").as_str() {
        "accepter" => Ok(ReferralEvent::Accept),
        "refuser" => RefusalReason::from_label(&text(values, "motif"))
            .map(|reason| ReferralEvent::Refuse { reason })
            .ok_or_else(|| "Choisissez le motif du refus.".to_owned()),
        "premier_contact" => Ok(ReferralEvent::RecordFirstContact),
        "parcours" => Ok(ReferralEvent::StartPathway),
        other => Err(format!("Action « {other} » inconnue.")),
    }
}

/// `POST /orientations/{id}`: a transition, refused with a message when the state machine forbids it
/// or when someone else acted first.
pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    user: CurrentUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, WebError> {
    let reason = format!("POST /orientations/{id}");
    let actor = actor(&user, &reason);
    let (referral, side) = state
        .store
        .referral(&actor, id, state.now())
        .await?
        .ok_or(WebError::NotFound)?;
    let values = fields(&body);
    if text(&values, "action") == "consentement_partage" && side == Side::Sender {
        return record_consent(&state, (&viewer, &user), &actor, (referral, side), &values).await;
    }
    let version = text(&values, "version").parse::<i64>().unwrap_or(-1);
    let comment = text(&values, "commentaire");
    if let Err(error) = check_free_text(FreeTextField::ReferralComment, &comment) {
        return referral_page(
            &state,
            (&viewer, &user),
            (referral, side),
            Some(error.to_string()),
        )
        .await;
    }
    let event = match event_of(&values) {
        Ok(event) => event,
        Err(message) => {
            return referral_page(&state, (&viewer, &user), (referral, side), Some(message)).await
        }
    };
    let applied = state
        .store
        .apply_referral_event(&actor, (id, version), (side, &event), &comment, state.now())
        .await?;
    match applied {
        Applied::Refused(error) => {
            referral_page(
                &state,
                (&viewer, &user),
                (referral, side),
                Some(error.to_string()),
            )
            .await
        }
        Applied::Done { .. } => {
            let answer = match event {
                ReferralEvent::Accept => Some(Notice::Accepted),
                ReferralEvent::Refuse { .. } => Some(Notice::Refused),
                _ => None,
            };
            if let Some(notice) = answer {
                notify_structure(&state, referral.sender_structure_id, notice, id).await?;
            }
            Ok(Redirect::to(&format!("/orientations/{id}")).into_response())
        }
        Applied::StaleVersion => {
            let fresh = state
                .store
                .referral(&actor, id, state.now())
                .await?
                .ok_or(WebError::NotFound)?;
            referral_page(
                &state,
                (&viewer, &user),
                fresh,
                Some("Quelqu'un a modifié cette orientation juste avant vous : voici son état à jour, rien n'a été enregistré.".to_owned()),
            )
            .await
        }
    }
}
