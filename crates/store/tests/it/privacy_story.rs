//! The data-protection access rules in storage (DATA-PROTECTION.md, "Who sees what"), on whichever
//! backend the test run names, moving the clock as the rules do: a receiving structure loses sight of
//! a referral 90 days after it ended while the enrolling structure keeps it; a contact request taken
//! by one structure is seen by it alone, erased when it closes it, and erased anyway once its
//! lifetime is over; a referral redirected to a structure the person did not agree to share with
//! carries neither name, contacts, message nor profile to it until the sender records the agreement.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use crate::support::{store_of_maine_et_loire, structure_with_account};
use aiguillage_domain::audit::AuditAction;
use aiguillage_domain::calendar::parse_iso_date;
use aiguillage_domain::contact_request::{ContactRequestClosing, CONTACT_REQUEST_LIFETIME_DAYS};
use aiguillage_domain::diagnostic::{
    profile, Answers, LiteracyLevel, SkillAnswer, SkillDomain, TravelRange, Willingness,
};
use aiguillage_domain::directory::Offer;
use aiguillage_domain::ids::{OfferId, ReferralId};
use aiguillage_domain::orientation::{
    transition, ClosingOutcome, ReferralEvent, RefusalReason, Side, RECEIVER_ACCESS_AFTER_END_DAYS,
};
use aiguillage_domain::pathway::{
    Closing, Equipment, Gains, NewSession, ObservedAutonomy, SessionKind, SessionPlace, Theme,
};
use aiguillage_domain::person::{
    contact_request_consent, enrolment_consent, sharing_consent, PersonDraft,
};
use aiguillage_domain::role::Role;
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_store::testing::actor;
use aiguillage_store::{
    Applied, CloseOutcome, NewContactRequest, NewReferral, RequestViewer, SessionOutcome, Store,
};

const NOW: i64 = 1_795_392_000; // 2026-11-23
use aiguillage_domain::calendar::DAY;

/// The CCAS of Angers prescribes; the library of Saumur and the digital space of Segré receive.
/// Each is (structure, account).
struct World {
    store: Store,
    /// The database's URL (`sqlite://FILE` on SQLite).
    url: String,
    ccas: (i64, i64),
    library: (i64, i64),
    segre: (i64, i64),
    library_offer: OfferId,
    segre_offer: OfferId,
}

async fn world() -> World {
    let (store, url) = store_of_maine_et_loire().await;
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
            "mediatheque@example.fr",
            Role::Mediator,
        ),
        (
            "Espace numérique de Segré",
            "49331",
            "segre@example.fr",
            Role::Mediator,
        ),
    ] {
        ids.push(structure_with_account(&store, (name, commune), (email, role), NOW).await);
    }
    let mut offers = Vec::new();
    for structure in [ids[1].0, ids[2].0] {
        let offer = Offer {
            name: "Ateliers premiers pas".into(),
            ..Offer::default()
        };
        offers.push(
            store
                .save_offer(
                    structure,
                    None,
                    &offer,
                    None,
                    aiguillage_store::PlaceRights::Everything,
                    NOW,
                )
                .await
                .expect("offer"),
        );
    }
    World {
        store,
        url,
        ccas: ids[0],
        library: ids[1],
        segre: ids[2],
        library_offer: OfferId::new(offers[0]),
        segre_offer: OfferId::new(offers[1]),
    }
}

fn answers() -> Answers {
    Answers {
        equipment: vec![],
        skills: SkillDomain::ALL
            .iter()
            .map(|d| (*d, SkillAnswer::WithHelp))
            .collect(),
        detailed: vec![],
        french_reading: LiteracyLevel::Comfortable,
        french_writing: LiteracyLevel::WithDifficulty,
        languages: vec![],
        support_needs: vec![],
        travel_range: TravelRange::UpTo5Km,
        travel_modes: vec![],
        accepts_remote: false,
        availability: vec![],
        willingness: Willingness::Yes,
        levers: vec![],
        urgency: None,
        notes: None,
    }
}

const MESSAGE: &str = "Vit seule depuis le décès de son mari, a peur des arnaques.";

/// A referral from the CCAS to the library of Josiane Le Goff.
async fn sent_referral(world: &World) -> ReferralId {
    let store = &world.store;
    let ccas = actor(world.ccas);
    let person = store
        .enrol_person(
            &ccas,
            &PersonDraft {
                first_name: "Josiane".into(),
                last_name: "Le Goff".into(),
                phone: Some("0612345678".into()),
                email: None,
                no_phone: false,
                commune_code: "49007".into(),
                birth_year: Some(1951),
            },
            &enrolment_consent("CCAS d'Angers"),
            NOW,
        )
        .await
        .expect("enrol");
    let computed = profile(&answers(), time::macros::date!(2026 - 11 - 23));
    store
        .send_referral(
            &ccas,
            &NewReferral {
                person_id: person,
                offer_id: world.library_offer,
                profile: &computed,
                message: MESSAGE,
                consent: &sharing_consent("Médiathèque de Saumur", "Ateliers premiers pas"),
                why_again: "",
                appointment: None,
            },
            NOW,
        )
        .await
        .expect("send")
        .expect("visible person and offer")
}

/// Applies `event` as `who` on `side`, at `at`.
async fn apply(world: &World, who: (i64, i64), id: ReferralId, event: ReferralEvent, at: i64) {
    let store = &world.store;
    let (current, side) = store
        .referral(&actor(who), id, at)
        .await
        .expect("read")
        .expect("visible");
    let side = match event {
        ReferralEvent::Redirect { .. } => Side::Sender,
        _ => side,
    };
    let to = transition(current.state, &event, side).expect("allowed");
    let applied = store
        .apply_referral_event(&actor(who), (id, current.version), (side, &event), "", at)
        .await
        .expect("apply");
    assert_eq!(
        applied,
        Applied::Done {
            from: current.state,
            to
        }
    );
}

fn session() -> NewSession {
    NewSession {
        held_on: parse_iso_date("2026-11-23").expect("date"),
        duration_minutes: 60,
        kind: SessionKind::Individual,
        place: SessionPlace::AtStructure,
        equipment: [Equipment::Phone].into(),
        themes: [Theme::Email].into(),
        autonomy: Some(ObservedAutonomy::FullyGuided),
        participants: None,
        anonymous_participants: None,
        workshop_title: None,
        workshop_level: None,
        notes: Some("Revoir la sauvegarde des photos.".into()),
    }
}

/// What the library sees of the referral at `at`: (detail, listed, sessions, closing).
async fn library_sees(world: &World, id: ReferralId, at: i64) -> (bool, bool, bool, bool) {
    let store = &world.store;
    let library = actor(world.library);
    let detail = store
        .referral(&library, id, at)
        .await
        .expect("read")
        .is_some();
    let listed = store
        .referrals_of_structure(&library, true, at)
        .await
        .expect("list")
        .iter()
        .any(|r| r.id == id);
    let sessions = store
        .sessions_of_referral(&library, id, at)
        .await
        .expect("sessions")
        .is_some();
    let closing = store
        .referral_closing(&library, id, at)
        .await
        .expect("closing")
        .is_some();
    (detail, listed, sessions, closing)
}

#[tokio::test]
async fn the_receiving_structure_loses_a_closed_referral_ninety_days_after_its_end() {
    let world = world().await;
    let store = &world.store;
    let id = sent_referral(&world).await;
    apply(&world, world.library, id, ReferralEvent::Accept, NOW).await;
    apply(
        &world,
        world.library,
        id,
        ReferralEvent::RecordFirstContact,
        NOW,
    )
    .await;
    let library = actor(world.library);
    let recorded = store
        .record_session(&library, id, &session(), NOW)
        .await
        .expect("record");
    assert!(matches!(recorded, SessionOutcome::Recorded { .. }));
    let (current, _) = store
        .referral(&library, id, NOW)
        .await
        .expect("read")
        .expect("visible");
    let closing = Closing {
        outcome: ClosingOutcome::Autonomous,
        gains: Gains::default(),
        sent_elsewhere: None,
    };
    let closed_at = NOW + DAY;
    let closed = store
        .close_referral(&library, (id, current.version), &closing, "", closed_at)
        .await
        .expect("close");
    assert_eq!(closed, CloseOutcome::Closed);

    let just_before = closed_at + RECEIVER_ACCESS_AFTER_END_DAYS * DAY - 1;
    assert_eq!(
        library_sees(&world, id, just_before).await,
        (true, true, true, true),
        "open, or closed less than 90 days ago"
    );
    let after = closed_at + RECEIVER_ACCESS_AFTER_END_DAYS * DAY;
    assert_eq!(
        library_sees(&world, id, after).await,
        (false, false, false, false),
        "closed 90 days ago: the receiving structure no longer sees it"
    );
    let again = store
        .close_referral(&library, (id, current.version + 1), &closing, "", after)
        .await
        .expect("close");
    assert_eq!(again, CloseOutcome::NotFound, "not found, not refused");

    let ccas = actor(world.ccas);
    let (kept, _) = store
        .referral(&ccas, id, after + 400 * DAY)
        .await
        .expect("read")
        .expect("the enrolling structure keeps its record");
    assert_eq!(kept.last_name, "Le Goff");
    assert!(store
        .referral_closing(&ccas, id, after)
        .await
        .expect("closing")
        .is_some());
    // The library's own activity (CRA: no name, no notes exported) stays with it.
    let own = store
        .sessions_of_structure(
            &library,
            (
                parse_iso_date("2026-11-01").expect("date"),
                parse_iso_date("2026-11-30").expect("date"),
            ),
            after,
        )
        .await
        .expect("own sessions");
    assert_eq!(own.len(), 1);
    let exported = aiguillage_interop::cra::write_cra_csv(&[own[0].cra_activity()]);
    assert!(!exported.contains("Le Goff") && !exported.contains("0612345678"));
    assert!(
        !exported.contains("Revoir la sauvegarde"),
        "notes never exported"
    );
}

#[tokio::test]
async fn the_receiving_structure_loses_a_refused_referral_ninety_days_after_refusing_it() {
    let world = world().await;
    let id = sent_referral(&world).await;
    let refused = ReferralEvent::Refuse {
        reason: RefusalReason::NoCapacity,
    };
    apply(&world, world.library, id, refused, NOW).await;
    assert!(library_sees(&world, id, NOW + 89 * DAY).await.0);
    assert_eq!(
        library_sees(&world, id, NOW + 90 * DAY).await,
        (false, false, false, false)
    );
    let still_open = sent_referral(&world).await;
    assert!(
        library_sees(&world, still_open, NOW + 400 * DAY).await.0,
        "an open referral stays visible"
    );
}

#[tokio::test]
async fn a_redirected_referral_shows_nothing_the_consent_does_not_cover_until_it_is_recorded() {
    let world = world().await;
    let store = &world.store;
    let id = sent_referral(&world).await;
    apply(
        &world,
        world.ccas,
        id,
        ReferralEvent::Redirect {
            offer_id: world.segre_offer.get(),
        },
        NOW,
    )
    .await;
    let segre = actor(world.segre);
    let (seen, side) = store
        .referral(&segre, id, NOW)
        .await
        .expect("read")
        .expect("the new receiver sees the referral");
    assert_eq!(side, Side::Receiver);
    assert!(!seen.shared_with_receiver);
    assert_eq!(seen.first_name, "J. L.");
    assert_eq!(seen.last_name, "");
    assert_eq!((seen.phone, seen.email), (None, None));
    assert_eq!(seen.message, None, "the prescriber's message is withheld");
    assert_eq!(seen.profile, None, "the profile is withheld");
    let listed = store
        .referrals_of_structure(&segre, true, NOW)
        .await
        .expect("list");
    assert!(listed
        .iter()
        .all(|r| r.message.is_none() && r.profile.is_none()));
    assert_eq!(listed.len(), 1);

    let ccas = actor(world.ccas);
    let (sender_view, _) = store
        .referral(&ccas, id, NOW)
        .await
        .expect("read")
        .expect("sender");
    assert_eq!(sender_view.message.as_deref(), Some(MESSAGE));
    assert!(sender_view.profile.is_some());

    let consent = sharing_consent("Espace numérique de Segré", "Ateliers premiers pas");
    assert!(store
        .record_sharing_consent(&ccas, id, &consent, NOW)
        .await
        .expect("consent"));
    let (agreed, _) = store
        .referral(&segre, id, NOW)
        .await
        .expect("read")
        .expect("visible");
    assert!(agreed.shared_with_receiver);
    assert_eq!(agreed.last_name, "Le Goff");
    assert_eq!(agreed.message.as_deref(), Some(MESSAGE));
    assert!(agreed.profile.is_some());
    assert!(
        store
            .referral(&actor(world.library), id, NOW)
            .await
            .expect("read")
            .is_none(),
        "the former receiver no longer sees it"
    );
}

/// Sixteen requests left at the same moment each read their commune then write: on SQLite a
/// deferred transaction would meet another one's commit between the two and fail at once
/// (`SQLITE_BUSY_SNAPSHOT`); every write transaction takes its turn instead, and all are stored.
#[tokio::test]
async fn requests_left_at_the_same_moment_are_all_stored() {
    let (store, _url) = store_of_maine_et_loire().await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..16 {
        let store = store.clone();
        tasks.spawn(async move { leave_request(&store, &format!("Personne {i}"), NOW).await });
    }
    let mut ids = tasks.join_all().await;
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 16, "{ids:?}");
}

pub(crate) async fn leave_request(store: &Store, first_name: &str, at: i64) -> i64 {
    let computed = profile(&answers(), time::macros::date!(2026 - 11 - 23));
    store
        .add_contact_request(
            &NewContactRequest {
                first_name,
                phone: Some("0241000000"),
                email: None,
                commune_code: "49007",
                answers: &answers(),
                profile: &computed,
                consent: &contact_request_consent(),
            },
            at,
        )
        .await
        .expect("request")
}

fn territory() -> TerritoryScope {
    TerritoryScope::Departement("49".into())
}

/// The first names of the requests `who` sees at `at`.
async fn seen_by(store: &Store, who: Option<(i64, i64)>, at: i64) -> Vec<(String, Option<String>)> {
    let actor = who.map(actor);
    let viewer = match &actor {
        Some(actor) => RequestViewer::Professional(actor),
        None => RequestViewer::Coordinator,
    };
    store
        .contact_requests_in(&territory(), viewer, at)
        .await
        .expect("list")
        .into_iter()
        .map(|r| (r.first_name, r.phone))
        .collect()
}

fn fact(counts: &[(String, String, i64)], name: &str) -> i64 {
    counts
        .iter()
        .filter(|(_, fact, _)| fact == name)
        .map(|(_, _, n)| n)
        .sum()
}

#[tokio::test]
async fn a_taken_contact_request_is_seen_by_its_structure_alone_and_erased_when_closed() {
    let world = world().await;
    let store = &world.store;
    let id = leave_request(store, "Marcel", NOW).await;
    let marcel = ("Marcel".to_owned(), Some("0241000000".to_owned()));
    assert_eq!(
        seen_by(store, Some(world.library), NOW).await,
        vec![marcel.clone()]
    );

    assert!(store
        .take_contact_request(&actor(world.ccas), &territory(), id, NOW)
        .await
        .expect("take"));
    assert!(
        !store
            .take_contact_request(&actor(world.library), &territory(), id, NOW)
            .await
            .expect("take"),
        "already taken"
    );
    assert_eq!(seen_by(store, Some(world.ccas), NOW).await, vec![marcel]);
    assert!(
        seen_by(store, Some(world.library), NOW).await.is_empty(),
        "another structure no longer sees it"
    );
    assert_eq!(
        seen_by(store, None, NOW).await,
        vec![("M.".to_owned(), None)],
        "the coordinator: an initial, no contact"
    );

    let closing = ContactRequestClosing::Enrolled;
    assert!(
        !store
            .close_contact_request(&actor(world.library), id, closing, NOW)
            .await
            .expect("close"),
        "only the structure that took it closes it"
    );
    assert_eq!(
        store
            .personal_row_counts()
            .await
            .expect("counts")
            .contact_requests,
        1
    );
    assert!(store
        .close_contact_request(&actor(world.ccas), id, closing, NOW + DAY)
        .await
        .expect("close"));
    assert_eq!(
        store
            .personal_row_counts()
            .await
            .expect("counts")
            .contact_requests,
        0
    );
    let counts = store.anonymous_counts().await.expect("counts");
    assert_eq!(fact(&counts, "demande_contact_close:inscrite"), 1);
    assert!(seen_by(store, Some(world.ccas), NOW + DAY).await.is_empty());
    let trail = store.list_audit(20, 0).await.expect("audit");
    let of_request: Vec<_> = trail
        .iter()
        .filter(|e| e.record_id == format!("demande-{id}"))
        .map(|e| e.action)
        .collect();
    for action in [
        AuditAction::Create,
        AuditAction::Read,
        AuditAction::Update,
        AuditAction::Delete,
    ] {
        assert!(
            of_request.contains(&action),
            "{action:?} audited: {of_request:?}"
        );
    }
}

#[tokio::test]
async fn a_contact_request_nobody_closes_is_erased_when_its_lifetime_is_over() {
    let world = world().await;
    let store = &world.store;
    let lifetime = CONTACT_REQUEST_LIFETIME_DAYS * DAY;
    let untaken = leave_request(store, "Marcel", NOW).await;
    let taken = leave_request(store, "Lucienne", NOW).await;
    assert!(store
        .take_contact_request(&actor(world.ccas), &territory(), taken, NOW + 10 * DAY)
        .await
        .expect("take"));

    let names = |seen: Vec<(String, Option<String>)>| -> Vec<String> {
        seen.into_iter().map(|(name, _)| name).collect()
    };
    assert_eq!(
        names(seen_by(store, Some(world.ccas), NOW + lifetime - 1).await),
        vec!["Marcel".to_owned(), "Lucienne".to_owned()]
    );
    assert!(
        !store
            .take_contact_request(&actor(world.library), &territory(), untaken, NOW + lifetime)
            .await
            .expect("take"),
        "an expired request cannot be taken"
    );
    assert_eq!(
        names(seen_by(store, Some(world.ccas), NOW + lifetime).await),
        vec!["Lucienne".to_owned()],
        "untaken for 90 days: erased; taken 80 days ago: kept"
    );
    assert_eq!(
        store
            .personal_row_counts()
            .await
            .expect("counts")
            .contact_requests,
        1
    );
    assert_eq!(
        store
            .erase_expired_contact_requests(NOW + 10 * DAY + lifetime)
            .await
            .expect("purge"),
        1,
        "taken but never closed: erased 90 days after it was taken"
    );
    assert_eq!(
        store
            .personal_row_counts()
            .await
            .expect("counts")
            .contact_requests,
        0
    );
    let counts = store.anonymous_counts().await.expect("counts");
    assert_eq!(fact(&counts, "demande_contact_expiree"), 2);
    let trail = store.list_audit(50, 0).await.expect("audit");
    assert!(trail
        .iter()
        .any(|e| e.record_id == format!("demande-{untaken}")
            && e.action == AuditAction::Delete
            && e.actor_account_id.is_none()));
}

/// Whether `needle` occurs in a SQLite file or its write-ahead log.
fn left_in_files(path: &str, needle: &str) -> bool {
    [path.to_owned(), format!("{path}-wal")].iter().any(|file| {
        std::fs::read(file)
            .unwrap_or_default()
            .windows(needle.len())
            .any(|window| window == needle.as_bytes())
    })
}

#[tokio::test]
async fn closed_and_expired_contact_requests_leave_no_trace_in_the_sqlite_file_nor_its_wal() {
    let world = world().await;
    let store = &world.store;
    let Some(path) = world.url.strip_prefix("sqlite://") else {
        return; // PostgreSQL: the server's own files are out of the store's hands.
    };
    let closed = leave_request(store, "Ermengilde", NOW).await;
    leave_request(store, "Zéphyrine", NOW).await;
    assert!(left_in_files(path, "Ermengilde") && left_in_files(path, "Zéphyrine"));
    let taker = actor(world.ccas);
    assert!(store
        .take_contact_request(&taker, &territory(), closed, NOW)
        .await
        .expect("take"));
    assert!(store
        .close_contact_request(&taker, closed, ContactRequestClosing::Enrolled, NOW)
        .await
        .expect("close"));
    assert!(!left_in_files(path, "Ermengilde"), "the closed request");
    let after_lifetime = NOW + (CONTACT_REQUEST_LIFETIME_DAYS + 1) * DAY;
    assert_eq!(
        store
            .erase_expired_contact_requests(after_lifetime)
            .await
            .expect("purge"),
        1
    );
    assert!(!left_in_files(path, "Zéphyrine"), "the expired request");
}
