//! The sheet the person takes home once oriented (`domain::orientation::take_home` gives its
//! words): the receiving place with its address, ways in, opening hours in plain French and phone;
//! who contacts the person and within how many days; what to bring; the helpline. Read by the
//! sending structure, or by the receiving one once the person agreed to share with it; sent by
//! e-mail to the person when they agree and have an address (audited, nothing else is stored).

use crate::referrals::{visible_referral, ReferralError};
use crate::state::AppState;
use aiguillage_domain::appointment::{when_in_french, AppointmentStatus};
use aiguillage_domain::audit::{AuditAction, AuditEvent};
use aiguillage_domain::diagnostic::{Equipment, Profile};
use aiguillage_domain::directory::opening_hours::WeeklyHours;
use aiguillage_domain::ids::ReferralId;
use aiguillage_domain::orientation::{contact_promise, ways_in, what_to_bring, Helpline, Side};
use aiguillage_domain::UnixSeconds;
use aiguillage_store::{Actor, StoreError};

/// The take-home sheet of one referral.
#[derive(Debug, Clone)]
pub struct TakeHomeSheet {
    pub referral_id: ReferralId,
    pub first_name: String,
    pub email: Option<String>,
    /// When the latest diagnostic was made (or the referral sent, without one).
    pub diagnosed_at: UnixSeconds,
    pub profile: Profile,
    pub commune_name: String,
    pub place_name: String,
    pub offer_name: String,
    /// Street, complement, postal code and commune, one line each.
    pub address: Vec<String>,
    pub phone: Option<String>,
    /// One line per day (« lundi : 9 h – 12 h »); empty when unknown.
    pub hours: Vec<String>,
    pub ways_in: Vec<&'static str>,
    pub promise: String,
    /// The next appointment booked, in words (« mardi 24/11/2026 à 14 h, sur place »).
    pub appointment: Option<String>,
    pub bring: Vec<String>,
    pub helpline: Helpline,
}

/// Why the sheet was not mailed.
#[derive(Debug, thiserror::Error)]
pub enum SheetMailError {
    #[error(
        "Cochez la case : la personne doit être d'accord pour recevoir la fiche par courriel."
    )]
    NotAgreed,
    #[error("La personne n'a pas d'adresse e-mail enregistrée : imprimez la fiche.")]
    NoAddress,
    #[error("L'envoi de courriels n'est pas configuré sur cette instance : imprimez la fiche.")]
    NoMailRelay,
    #[error("Le courriel n'a pas pu partir ({0}) : imprimez la fiche.")]
    Relay(String),
    #[error(transparent)]
    Referral(#[from] ReferralError),
}

impl From<StoreError> for SheetMailError {
    fn from(error: StoreError) -> Self {
        SheetMailError::Referral(ReferralError::Store(error))
    }
}

/// The sheet of a referral the actor's structure sent, or receives with the person's agreement to
/// share; "not found" otherwise.
pub async fn sheet(
    state: &AppState,
    actor: &Actor<'_>,
    referral_id: ReferralId,
) -> Result<TakeHomeSheet, ReferralError> {
    let (referral, side) = visible_referral(state, actor, referral_id).await?;
    if side == Side::Receiver && !referral.shared_with_receiver {
        return Err(ReferralError::NotFound);
    }
    let profile = referral.profile.clone().ok_or(ReferralError::NotFound)?;
    let diagnostics = state
        .store
        .diagnostics_of(actor, referral.person_id, state.now())
        .await?;
    let latest = diagnostics.last();
    let equipment = latest
        .map(|d| d.answers.equipment.as_slice())
        .unwrap_or(&[]);
    let has_device = equipment.iter().any(|e| {
        matches!(
            e,
            Equipment::Smartphone | Equipment::Computer | Equipment::Tablet
        )
    });
    let has_accounts = equipment
        .iter()
        .any(|e| matches!(e, Equipment::UsableEmail | Equipment::OnlineAccounts));
    let stored = state
        .store
        .place(referral.receiver_structure_id.get())
        .await?;
    let place = &stored.place;
    let offer = stored
        .offers
        .iter()
        .zip(&stored.offer_ids)
        .find(|(_, id)| **id == referral.offer_id.get())
        .map(|(offer, _)| offer);
    let (targets, _) = state
        .store
        .settings_for_commune(&stored.commune_code)
        .await?;
    let delay = offer
        .and_then(|o| o.facts.first_contact_delay_days)
        .unwrap_or(targets.answer_days + targets.first_contact_days);
    let now = state.now();
    let appointment = state
        .store
        .appointments_of_referral(referral_id.get())
        .await?
        .into_iter()
        .find(|a| a.status == AppointmentStatus::Booked && a.starts_at >= now)
        .map(|a| {
            format!(
                "{}, {}",
                when_in_french(a.starts_at, &stored.departement_code),
                a.channel.label().to_lowercase()
            )
        });
    let mut address = vec![place.address.clone()];
    address.extend(place.address_complement.clone());
    address.push(format!("{} {}", place.postal_code, place.commune));
    address.retain(|line| !line.trim().is_empty());
    let hours = place
        .opening_hours
        .as_deref()
        .and_then(|text| WeeklyHours::parse(text).ok())
        .map(|week| week.in_french())
        .unwrap_or_default();
    Ok(TakeHomeSheet {
        referral_id,
        first_name: referral.first_name.clone(),
        email: referral.email.clone(),
        diagnosed_at: latest.map_or(referral.created_at, |d| d.made_at),
        bring: what_to_bring(&profile, has_device, has_accounts),
        profile,
        commune_name: referral.commune_name.clone(),
        place_name: place.name.clone(),
        offer_name: referral.offer_name.clone(),
        address,
        phone: place.phone.clone(),
        hours,
        ways_in: ways_in(&place.access_modes),
        promise: match &appointment {
            Some(_) => format!("{} vous attend au rendez-vous ci-dessus.", place.name),
            None => contact_promise(&place.name, delay),
        },
        appointment,
        helpline: state.settings.helpline.clone(),
    })
}

/// The sheet as the plain text of an e-mail to the person.
pub fn mail_text(sheet: &TakeHomeSheet) -> String {
    let mut text = format!(
        "Bonjour {},\n\nVoici votre fiche d'orientation.\n\nOù aller : {} ({})\n",
        sheet.first_name, sheet.place_name, sheet.offer_name
    );
    for line in &sheet.address {
        text.push_str(&format!("  {line}\n"));
    }
    if let Some(phone) = &sheet.phone {
        text.push_str(&format!("Téléphone : {phone}\n"));
    }
    if !sheet.hours.is_empty() {
        text.push_str("Horaires :\n");
        for line in &sheet.hours {
            text.push_str(&format!("  {line}\n"));
        }
    }
    if let Some(appointment) = &sheet.appointment {
        text.push_str(&format!("\nVotre rendez-vous : {appointment}.\n"));
    }
    text.push_str(&format!("\nEt maintenant ? {}\n", sheet.promise));
    text.push_str("\nÀ apporter :\n");
    for item in &sheet.bring {
        text.push_str(&format!("  - {item}\n"));
    }
    let helpline = &sheet.helpline;
    text.push_str(&format!(
        "\nEn attendant, une question ? {} : {} ({}) — {}\n",
        helpline.name, helpline.phone, helpline.hours, helpline.website
    ));
    text
}

/// Sends the sheet to the person's address, if they agreed (`agreed`) and have one and the
/// instance has a mail relay; the sending is audited. Returns the address written to.
pub async fn mail_sheet(
    state: &AppState,
    actor: &Actor<'_>,
    referral_id: ReferralId,
    agreed: bool,
) -> Result<String, SheetMailError> {
    let sheet = sheet(state, actor, referral_id).await?;
    if !agreed {
        return Err(SheetMailError::NotAgreed);
    }
    let address = sheet.email.clone().ok_or(SheetMailError::NoAddress)?;
    let smtp = state
        .settings
        .smtp
        .as_ref()
        .ok_or(SheetMailError::NoMailRelay)?;
    let subject = format!("Votre orientation vers {}", sheet.place_name);
    let sent = crate::mail::send_mail(
        smtp,
        std::slice::from_ref(&address),
        &subject,
        &mail_text(&sheet),
    )
    .await
    .map_err(SheetMailError::Relay)?;
    if sent == 0 {
        return Err(SheetMailError::Relay(format!(
            "adresse « {address} » refusée"
        )));
    }
    let event = AuditEvent {
        actor_account_id: Some(actor.account_id.get()),
        action: AuditAction::Read,
        record_kind: "referral".to_owned(),
        record_id: format!("orientation-{referral_id}"),
        reason: actor.reason.to_owned(),
    };
    state.store.record_audit(&event, state.now()).await?;
    Ok(address)
}
