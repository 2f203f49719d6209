//! Who may do what on a referral, asked of the use cases themselves: a structure that neither sent
//! nor receives it is told "not found" for every use case and changes nothing; each side may only
//! take its own steps; a stale page changes nothing; answers reach the sender as notifications.

use aiguillage_domain::calendar::date_of;
use aiguillage_domain::diagnostic::{profile, SkillAnswer};
use aiguillage_domain::directory::Offer;
use aiguillage_domain::ids::{AccountId, OfferId, PersonId, ReferralId, StructureId};
use aiguillage_domain::orientation::{
    ClosingOutcome, ReferralEvent, ReferralState, TransitionError,
};
use aiguillage_domain::pathway::{
    Closing, Equipment, Gains, NewSession, ObservedAutonomy, SessionKind, SessionPlace, Theme,
};
use aiguillage_domain::person::{enrolment_consent, PersonDraft};
use aiguillage_domain::role::Role;
use aiguillage_service::pathway::{self, ClosingStep, PathwayOutcome, PathwayRefusal};
use aiguillage_service::referrals::{
    self, Agreement, ReferralChoice, ReferralError, ReferralStep, Stepped,
};
use aiguillage_service::{AppState, Settings};
use aiguillage_store::testing::actor;
use aiguillage_store::testing::{answers_with, store_of_maine_et_loire, structure_with_account};
use std::collections::BTreeSet;
use std::sync::Arc;

/// 2026-11-23, 10:00 UTC.
const NOW: i64 = 1_763_892_000;

/// The instance, the three structures' (structure, account) ids, the library's offer and a person
/// the CCAS enrolled and diagnosed.
struct World {
    state: AppState,
    ccas: (i64, i64),
    library: (i64, i64),
    outsider: (i64, i64),
    offer: OfferId,
    person: PersonId,
}

async fn world() -> World {
    let (store, _) = store_of_maine_et_loire().await.expect("store");
    let mut ids = Vec::new();
    for (name, commune, email, role) in [
        (
            "CCAS d'Angers",
            "49007",
            "ccas@example.fr",
            Role::Prescriber,
        ),
        (
            "Médiathèque de Saumur",
            "49328",
            "media@example.fr",
            Role::Mediator,
        ),
        (
            "Espace social de Segré",
            "49331",
            "segre@example.fr",
            Role::Mediator,
        ),
    ] {
        let structure = structure_with_account(&store, (name, commune), (email, role), NOW);
        ids.push(structure.await.expect("structure"));
    }
    let offer = Offer {
        name: "Ateliers premiers pas".into(),
        ..Offer::default()
    };
    let offer = store
        .save_offer(
            ids[1].0,
            None,
            &offer,
            None,
            aiguillage_store::PlaceRights::Everything,
            NOW,
        )
        .await;
    let mut state = AppState::new(store, Settings::default());
    state.clock = Arc::new(|| NOW);
    let person = enrolled_and_diagnosed(&state, ids[0]).await;
    World {
        state,
        ccas: ids[0],
        library: ids[1],
        outsider: ids[2],
        offer: OfferId::new(offer.expect("offer")),
        person,
    }
}

async fn enrolled_and_diagnosed(state: &AppState, ccas: (i64, i64)) -> PersonId {
    let draft = PersonDraft {
        first_name: "Josiane".into(),
        last_name: "Le Goff".into(),
        phone: Some("0612345678".into()),
        email: None,
        no_phone: false,
        commune_code: "49007".into(),
        birth_year: Some(1950),
    };
    let consent = enrolment_consent("CCAS d'Angers");
    let (store, ccas) = (&state.store, actor(ccas));
    let person = store.enrol_person(&ccas, &draft, &consent, NOW).await;
    let person = person.expect("enrol");
    let answers = answers_with(SkillAnswer::WithHelp);
    let computed = profile(&answers, date_of(NOW));
    let diagnosed = store.add_diagnostic(&ccas, person, &answers, &computed, NOW);
    diagnosed.await.expect("diagnostic").expect("visible");
    person
}

/// An individual hour at the structure, today.
fn one_hour_session() -> NewSession {
    NewSession {
        held_on: date_of(NOW),
        duration_minutes: 60,
        kind: SessionKind::Individual,
        place: SessionPlace::AtStructure,
        equipment: BTreeSet::from([Equipment::Computer]),
        themes: BTreeSet::from([Theme::Email]),
        autonomy: Some(ObservedAutonomy::PartlyAutonomous),
        participants: None,
        anonymous_participants: None,
        workshop_title: None,
        workshop_level: None,
        notes: None,
    }
}

fn choice(offer: OfferId) -> ReferralChoice {
    ReferralChoice {
        offer,
        agreement: Agreement::recorded(true).expect("ticked"),
        message: "Souhaite apprendre à utiliser sa messagerie.".into(),
        why_again: String::new(),
        appointment: None,
    }
}

fn step(referral: ReferralId, seen_version: i64, event: ReferralEvent) -> ReferralStep {
    ReferralStep {
        referral,
        seen_version,
        event,
        comment: String::new(),
    }
}

async fn referral_count(world: &World) -> usize {
    let ccas = actor(world.ccas);
    let sent = world.state.store.referrals_of_structure(&ccas, false, NOW);
    sent.await.expect("list").len()
}

async fn state_of(world: &World, referral: ReferralId) -> (ReferralState, i64) {
    let ccas = actor(world.ccas);
    let found = referrals::visible_referral(&world.state, &ccas, referral).await;
    let (record, _) = found.expect("visible to its sender");
    (record.state, record.version)
}

fn not_found<T>(result: &Result<T, ReferralError>) -> bool {
    matches!(result, Err(ReferralError::NotFound))
}

#[tokio::test]
async fn a_structure_outside_the_referral_is_told_not_found_and_changes_nothing() {
    let world = world().await;
    let state = &world.state;
    let outsider = actor(world.outsider);
    // Someone else's person cannot be referred.
    let sent = referrals::send(state, &outsider, world.person, &choice(world.offer)).await;
    assert!(not_found(&sent), "{sent:?}");
    assert_eq!(referral_count(&world).await, 0);
    let ccas = actor(world.ccas);
    let referral = referrals::send(state, &ccas, world.person, &choice(world.offer)).await;
    let referral = referral.expect("the CCAS sends");
    // Nor can their referral be read, answered, given a session, closed or consented for.
    let read = referrals::visible_referral(state, &outsider, referral).await;
    assert!(not_found(&read), "{read:?}");
    let accepted =
        referrals::take_step(state, &outsider, &step(referral, 1, ReferralEvent::Accept)).await;
    assert!(not_found(&accepted));
    let agreement = Agreement::recorded(true).expect("ticked");
    let consented = referrals::record_agreement(state, &outsider, referral, agreement).await;
    assert!(not_found(&consented));
    let session = one_hour_session();
    let recorded = pathway::record_session(state, &outsider, referral, &session).await;
    assert!(not_found(&recorded), "{recorded:?}");
    let closing = ClosingStep {
        referral,
        seen_version: 1,
        closing: Closing {
            outcome: ClosingOutcome::DroppedOut,
            gains: Gains::default(),
            sent_elsewhere: None,
        },
        comment: String::new(),
    };
    let closed = pathway::close(state, &outsider, &closing).await;
    assert!(not_found(&closed), "{closed:?}");
    assert_eq!(state_of(&world, referral).await, (ReferralState::Sent, 1));
}

#[tokio::test]
async fn each_side_takes_only_its_own_steps_and_a_stale_page_changes_nothing() {
    let world = world().await;
    let state = &world.state;
    let (ccas, library) = (actor(world.ccas), actor(world.library));
    let referral = referrals::send(state, &ccas, world.person, &choice(world.offer)).await;
    let referral = referral.expect("sent");
    // The library was told it arrived.
    let told = state
        .store
        .notifications_of(
            AccountId::new(world.library.1),
            StructureId::new(world.library.0),
            10,
        )
        .await;
    assert_eq!(told.expect("notifications").len(), 1);
    // The sender cannot accept its own referral, nor record a session on it.
    let own = referrals::take_step(state, &ccas, &step(referral, 1, ReferralEvent::Accept)).await;
    assert!(
        matches!(
            own,
            Ok(Stepped::Refused(TransitionError::NotYourSide { .. }, _))
        ),
        "{own:?}"
    );
    let session = one_hour_session();
    let by_sender = pathway::record_session(state, &ccas, referral, &session).await;
    assert!(
        matches!(
            by_sender,
            Ok(PathwayOutcome::Refused(
                PathwayRefusal::SessionsNotOpen(ReferralState::Sent),
                _
            ))
        ),
        "{by_sender:?}"
    );
    // A page showing an older version changes nothing.
    let stale =
        referrals::take_step(state, &library, &step(referral, 0, ReferralEvent::Accept)).await;
    assert!(matches!(stale, Ok(Stepped::Stale(_))));
    assert_eq!(state_of(&world, referral).await, (ReferralState::Sent, 1));
    // The library accepts at the version it saw; the CCAS hears of it.
    let accepted =
        referrals::take_step(state, &library, &step(referral, 1, ReferralEvent::Accept)).await;
    assert!(matches!(accepted, Ok(Stepped::Done)));
    assert_eq!(
        state_of(&world, referral).await,
        (ReferralState::Accepted, 2)
    );
    let heard = state
        .store
        .notifications_of(
            AccountId::new(world.ccas.1),
            StructureId::new(world.ccas.0),
            10,
        )
        .await;
    let heard = heard.expect("notifications");
    assert_eq!(heard.len(), 1);
    assert_eq!(heard[0].link, format!("/orientations/{referral}"));
}

#[tokio::test]
async fn an_orientation_needs_a_diagnosis_and_an_existing_offer() {
    let world = world().await;
    let state = &world.state;
    let ccas = actor(world.ccas);
    let gone = referrals::send(state, &ccas, world.person, &choice(OfferId::new(9_999))).await;
    assert!(matches!(gone, Err(ReferralError::UnknownOffer)), "{gone:?}");
    let draft = PersonDraft {
        first_name: "Marcel".into(),
        last_name: "Dupuis".into(),
        phone: None,
        email: None,
        no_phone: true,
        commune_code: "49007".into(),
        birth_year: None,
    };
    let consent = enrolment_consent("CCAS d'Angers");
    let undiagnosed = state.store.enrol_person(&ccas, &draft, &consent, NOW).await;
    let undiagnosed = undiagnosed.expect("enrol");
    let early = referrals::send(state, &ccas, undiagnosed, &choice(world.offer)).await;
    assert!(
        matches!(early, Err(ReferralError::NotDiagnosed)),
        "{early:?}"
    );
    assert_eq!(referral_count(&world).await, 0);
}
