//! Appointments, on the web: the receiving structure sets one on a referral (date, hour, how) and
//! records what became of it (came, no show, cancelled); its manager publishes the windows the
//! sending form offers as free slots and the days it is closed (`/ma-structure/creneaux`); every
//! professional may subscribe their usual agenda to a secret, revocable iCalendar feed
//! (`/agenda/{jeton}`) that names no one.

use crate::auth::Professional;
use crate::error::WebError;
use crate::layout::Layout;
use crate::pages::form_fields::{fields, text, Errors, Fields};
use crate::pages::render;
use aiguillage_domain::appointment::{
    local_moment, when_in_french, AppointmentChannel, AppointmentStatus, SlotWindow, WEEKDAYS,
};
use aiguillage_domain::calendar::{iso_date, parse_typed_date};
use aiguillage_domain::ids::ReferralId;
use aiguillage_domain::UnixSeconds;
use aiguillage_service::credentials::{random_token, token_hash};
use aiguillage_service::referrals::visible_referral;
use aiguillage_service::state::AppState;
use aiguillage_store::{Settled, StoredAppointment};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

/// An appointment as the referral page lists it.
pub struct AppointmentLine {
    pub id: i64,
    pub when: String,
    pub channel: &'static str,
    pub status: &'static str,
    pub booked: bool,
    /// Whether its time has come: only then can the person be said to have come or not.
    pub begun: bool,
    pub by: String,
}

impl AppointmentLine {
    pub fn of(appointment: &StoredAppointment, now: UnixSeconds) -> AppointmentLine {
        AppointmentLine {
            id: appointment.id,
            when: when_in_french(appointment.starts_at, &appointment.departement),
            channel: appointment.channel.label(),
            status: appointment.status.label(),
            booked: appointment.status == AppointmentStatus::Booked,
            begun: AppointmentStatus::Attended.may_settle(appointment.starts_at, now),
            by: appointment.booked_by_name.clone().unwrap_or_default(),
        }
    }
}

/// « 14:30 » → minutes after midnight.
fn minutes_of(typed: &str) -> Option<u16> {
    let (hours, minutes) = typed.trim().split_once(':')?;
    let (hours, minutes): (u16, u16) = (hours.parse().ok()?, minutes.parse().ok()?);
    (hours < 24 && minutes < 60).then_some(hours * 60 + minutes)
}

/// `POST /orientations/{id}/rendez-vous`: the receiving structure sets an appointment agreed with
/// the person. A wrong field comes back as a 400 with the reason; nothing is written.
pub async fn set(
    me: Professional,
    Path(id): Path<ReferralId>,
    body: Bytes,
) -> Result<Response, WebError> {
    let (state, actor) = (&me.state, me.actor());
    let (referral, side) = visible_referral(state, &actor, id).await?;
    if side != aiguillage_domain::orientation::Side::Receiver
        || !referral.state.followed_by_receiver()
        || referral.state == aiguillage_domain::orientation::ReferralState::Closed
    {
        return Err(WebError::NotFound);
    }
    let values = fields(&body);
    let date = parse_typed_date(&text(&values, "date")).ok_or_else(|| {
        WebError::BadRequest("Indiquez la date du rendez-vous (JJ/MM/AAAA).".to_owned())
    })?;
    let minute = minutes_of(&text(&values, "heure")).ok_or_else(|| {
        WebError::BadRequest("Indiquez l'heure du rendez-vous (HH:MM).".to_owned())
    })?;
    let channel = AppointmentChannel::from_code(&text(&values, "canal")).ok_or_else(|| {
        WebError::BadRequest("Choisissez comment a lieu le rendez-vous.".to_owned())
    })?;
    let departement = state
        .store
        .place(me.user.account.structure_id)
        .await
        .map(|p| p.departement_code)
        .unwrap_or_default();
    let starts_at = local_moment(date, minute, &departement);
    if starts_at < me.now() {
        return Err(WebError::BadRequest(
            "Ce moment est passé : choisissez une date et une heure à venir.".to_owned(),
        ));
    }
    let written = state
        .store
        .set_appointment(&actor, id.get(), (starts_at, 30, channel), me.now())
        .await?;
    if !written {
        return Err(WebError::NotFound);
    }
    Ok(Redirect::to(&format!("/orientations/{id}?fait=rendez_vous#rendez-vous")).into_response())
}

/// `POST /rendez-vous/{id}`: the receiving structure records what became of an appointment.
pub async fn settle(
    me: Professional,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, WebError> {
    let values = fields(&body);
    let status = match text(&values, "issue").as_str() {
        "venue" => AppointmentStatus::Attended,
        "absente" => AppointmentStatus::NoShow,
        "annule" => AppointmentStatus::Cancelled,
        other => {
            return Err(WebError::BadRequest(format!(
                "Issue de rendez-vous « {other} » inconnue : rien n'a été changé."
            )))
        }
    };
    let referral = text(&values, "orientation");
    let settled = me
        .state
        .store
        .settle_appointment(&me.actor(), id, status, me.now())
        .await?;
    match settled {
        Settled::Done => {}
        Settled::NotFound => return Err(WebError::NotFound),
        Settled::TooEarly => {
            return Err(WebError::BadRequest(
                "Le rendez-vous n'a pas encore eu lieu : on ne peut noter la venue ou l'absence \
                 qu'après son heure. Rien n'a été changé."
                    .to_owned(),
            ))
        }
    }
    let back = match referral.parse::<i64>() {
        Ok(referral) => format!("/orientations/{referral}?fait=rendez_vous_note#rendez-vous"),
        Err(_) => "/orientations".to_owned(),
    };
    Ok(Redirect::to(&back).into_response())
}

#[derive(Template)]
#[template(path = "slot_windows.html")]
struct SlotsTemplate {
    layout: Layout,
    windows: Vec<(i64, String)>,
    closed: Vec<(String, String)>,
    weekdays: Vec<(usize, &'static str)>,
    values: Fields,
    errors: Errors,
}

impl SlotsTemplate {
    fn value(&self, name: &str) -> String {
        text(&self.values, name)
    }
}

async fn slots_page(
    me: &Professional,
    values: Fields,
    errors: Errors,
) -> Result<Response, WebError> {
    let store = &me.state.store;
    let structure = me.user.account.structure_id;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = render(&SlotsTemplate {
        layout: me.layout("/ma-structure", "Créneaux de rendez-vous"),
        windows: store
            .slot_windows(structure)
            .await?
            .into_iter()
            .map(|(id, w)| (id, w.in_french()))
            .collect(),
        closed: store
            .closed_days(structure)
            .await?
            .into_iter()
            .map(|d| {
                (
                    iso_date(d),
                    format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year()),
                )
            })
            .collect(),
        weekdays: WEEKDAYS.iter().copied().enumerate().collect(),
        values,
        errors,
    })?;
    Ok((status, page).into_response())
}

/// `GET /ma-structure/creneaux`.
pub async fn slots_form(me: Professional) -> Result<Response, WebError> {
    slots_page(&me, Fields::new(), Errors::new()).await
}

/// `POST /ma-structure/creneaux`: adds a window (`action=ajouter`), removes one (`retirer`), closes
/// a day (`fermer`) or opens it again (`ouvrir`). A wrong field comes back with its message.
pub async fn slots_submit(me: Professional, body: Bytes) -> Result<Response, WebError> {
    let values = fields(&body);
    let (store, actor) = (&me.state.store, me.actor());
    let mut errors = Errors::new();
    match text(&values, "action").as_str() {
        "ajouter" => {
            let weekday = text(&values, "jour").parse::<u8>().unwrap_or(7);
            let start = minutes_of(&text(&values, "debut"));
            let end = minutes_of(&text(&values, "fin"));
            let length = text(&values, "duree").parse::<u16>().unwrap_or(0);
            let capacity = text(&values, "places").parse::<u16>().unwrap_or(0);
            match (start, end) {
                (Some(start_minute), Some(end_minute)) => {
                    let window = SlotWindow {
                        weekday,
                        start_minute,
                        end_minute,
                        length_minutes: length,
                        capacity,
                    };
                    match window.checked() {
                        Ok(window) => store.add_slot_window(&actor, &window, me.now()).await?,
                        Err(error) => {
                            errors.insert("debut", error.to_string());
                        }
                    }
                }
                _ => {
                    errors.insert(
                        "debut",
                        "Indiquez l'heure de début et de fin (HH:MM).".to_owned(),
                    );
                }
            }
        }
        "retirer" => {
            let id = text(&values, "plage").parse::<i64>().unwrap_or(0);
            if !store.delete_slot_window(&actor, id).await? {
                return Err(WebError::NotFound);
            }
        }
        action @ ("fermer" | "ouvrir") => match parse_typed_date(&text(&values, "jour_ferme")) {
            Some(day) => {
                store
                    .set_closed_day(&actor, day, action == "fermer")
                    .await?
            }
            None => {
                errors.insert("jour_ferme", "Indiquez la date (JJ/MM/AAAA).".to_owned());
            }
        },
        other => {
            return Err(WebError::BadRequest(format!(
                "Action « {other} » inconnue : rien n'a été changé."
            )))
        }
    }
    if !errors.is_empty() {
        return slots_page(&me, values, errors).await;
    }
    Ok(Redirect::to("/ma-structure/creneaux").into_response())
}

/// `POST /compte/agenda`: a new secret feed address, shown once; `seulement_moi=oui` keeps to the
/// referrals given to the professional.
pub async fn create_feed(me: Professional, body: Bytes) -> Result<Response, WebError> {
    let only_mine = text(&fields(&body), "seulement_moi") == "oui";
    let token = random_token();
    let account = &me.user.account;
    me.state
        .store
        .create_calendar_feed(
            (account.id, account.structure_id),
            only_mine,
            &token_hash(&token),
            me.now(),
        )
        .await?;
    let url = format!("{}/agenda/{token}", me.state.settings.public_url);
    crate::pages::account::show_with_feed(me, url).await
}

/// `POST /compte/agenda/revocation`: every feed of the professional stops answering.
pub async fn revoke_feeds(me: Professional) -> Result<Response, WebError> {
    me.state
        .store
        .revoke_calendar_feeds(me.user.account.id, me.now())
        .await?;
    Ok(Redirect::to("/compte?agenda=revoque#agenda").into_response())
}

/// `GET /agenda/{jeton}`: the iCalendar feed of a live secret (anyone holding the address, as for
/// every agenda subscription); "not found" otherwise. Events name no one: the referral's number, the
/// offer and how it takes place, with the link to the referral (sign-in required).
pub async fn feed(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let token = token.trim_end_matches(".ics");
    let Some((account, structure, only_mine)) =
        state.store.calendar_feed(&token_hash(token)).await?
    else {
        return Err(WebError::NotFound);
    };
    let appointments = state
        .store
        .feed_appointments(structure, only_mine.then_some(account), state.now())
        .await?;
    let body = calendar_text(&appointments, &state.settings.public_url);
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}

/// The feed's iCalendar text (`icalendar` crate): one event per appointment, cancelled ones marked.
fn calendar_text(appointments: &[aiguillage_store::FeedAppointment], public_url: &str) -> String {
    use icalendar::{Calendar, Component, Event, EventLike, EventStatus};
    let mut calendar = Calendar::new();
    calendar.name("Aiguillage — rendez-vous");
    for appointment in appointments {
        let Some(start) = chrono::DateTime::from_timestamp(appointment.starts_at, 0) else {
            continue;
        };
        let end = start + chrono::Duration::minutes(appointment.length_minutes);
        let mut event = Event::new();
        event
            .uid(&format!("rendez-vous-{}@aiguillage", appointment.id))
            .summary(&format!(
                "Premier rendez-vous — orientation n° {} ({})",
                appointment.referral_id,
                appointment.channel.label()
            ))
            .description(&format!(
                "{} — état : {}. Les coordonnées de la personne sont dans Aiguillage.",
                appointment.offer_name,
                appointment.status.label()
            ))
            .url(&format!(
                "{public_url}/orientations/{}",
                appointment.referral_id
            ))
            .starts(start)
            .ends(end);
        if appointment.status == AppointmentStatus::Cancelled {
            event.status(EventStatus::Cancelled);
        }
        calendar.push(event.done());
    }
    calendar.done().to_string()
}
