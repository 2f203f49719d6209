//! The coordinator's confirmation of a redistribution, tried as an attacker would: a coordinator of
//! another département, an offer that does not exist or lies outside the territory, an offer the
//! person cannot use, a referral in a state that cannot move, and a batch mixing a good move with a
//! bad one. Each is refused with a French message and nothing changes; the good move alone applies.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use crate::common;
use aiguillage_domain::ids::{AccountId, StructureId};

use aiguillage_domain::directory::{AccessMode, Place, Service, SupportMode};
use aiguillage_domain::role::Role;
use aiguillage_interop::territory::embedded;
use aiguillage_web::Settings;
use axum::http::StatusCode;
use common::journeys::{referral_at_first_contact, world, World, ANSWERS};
use common::{body_text, location, referral_location, sign_in_territory, Session, TestApp, START};

/// Adds Loire-Atlantique (44) to the test territory.
async fn add_loire_atlantique(app: &TestApp) {
    let data = embedded()
        .expect("territory files")
        .with_communes_of(&["44", "49"]);
    app.store
        .import_territory(&data, &|_| {})
        .await
        .expect("territory import");
}

/// Imports a place; returns its first offer's id.
async fn place_offer(app: &TestApp, place: Place) -> i64 {
    let id = place.id.clone();
    app.store
        .import_places("test", &[(2, place)], None, 0, &|_, _| {})
        .await
        .expect("import");
    let structure = app
        .store
        .place_id("test", &id)
        .await
        .expect("id")
        .expect("imported");
    app.store.offers_of(structure).await.expect("offers")[0].id
}

fn place(id: &str, name: &str, (commune, postal, insee): (&str, &str, &str)) -> Place {
    Place {
        id: id.into(),
        pivot: "21490007800020".into(),
        name: name.into(),
        commune: commune.into(),
        postal_code: postal.into(),
        insee_code: Some(insee.into()),
        address: "1 place de la Mairie".into(),
        updated_on: "2026-01-15".into(),
        services: vec![Service::EverydayTools, Service::AdministrativeProcedures],
        support_modes: vec![SupportMode::Individual],
        ..Place::default()
    }
}

/// Enrols, diagnoses and sends a person to the library, which accepts: the referral's id (version 2).
async fn accepted_referral(world: &World, first_name: &str) -> i64 {
    let (app, prescriber) = (&world.app, &world.prescriber);
    let response = app
        .post_form(
            "/personnes/inscrire",
            Some(&prescriber.cookie),
            &[
                ("csrf_token", prescriber.csrf.as_str()),
                ("prenom", first_name),
                ("nom", "Le Goff"),
                ("telephone", "0612345678"),
                ("commune_recherche", "Angers"),
                ("consentement", "oui"),
            ],
        )
        .await;
    let to = location(&response).expect("enrolled");
    let mut answers = vec![("csrf_token", prescriber.csrf.as_str())];
    answers.extend_from_slice(ANSWERS);
    app.post_form(&to, Some(&prescriber.cookie), &answers).await;
    let person = to
        .trim_start_matches("/personnes/")
        .trim_end_matches("/diagnostic");
    let sent = app
        .post_form(
            &format!("/personnes/{person}/orientation"),
            Some(&prescriber.cookie),
            &[
                ("csrf_token", &prescriber.csrf),
                ("offre", &world.offer_id.to_string()),
                ("consentement", "oui"),
            ],
        )
        .await;
    let referral = referral_location(&sent).expect("sent");
    let accepted = app
        .post_form(
            &referral,
            Some(&world.mediator.cookie),
            &[
                ("csrf_token", &world.mediator.csrf),
                ("action", "accepter"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    referral
        .trim_start_matches("/orientations/")
        .parse()
        .expect("id")
}

/// What a move must not change: state, version, offer, and the notifications of a structure.
async fn snapshot(world: &World, referral_id: i64, watched: i64) -> (String, usize) {
    let state = world
        .app
        .store
        .referral_state(referral_id)
        .await
        .expect("read")
        .expect("exists");
    let notes = world
        .app
        .store
        .notifications_of(AccountId::new(0), StructureId::new(watched), 100)
        .await
        .expect("notifications")
        .len();
    (format!("{state:?}"), notes)
}

async fn confirm(app: &TestApp, coordinator: &Session, moves: &[String]) -> (StatusCode, String) {
    let mut fields = vec![("csrf_token", coordinator.csrf.as_str())];
    for one in moves {
        fields.push(("deplacement", one));
    }
    let response = app
        .post_form(
            "/territoire/redistribution",
            Some(&coordinator.cookie),
            &fields,
        )
        .await;
    let status = response.status();
    (status, body_text(response).await)
}

#[tokio::test]
async fn a_confirmation_is_held_to_the_coordinators_queue_and_the_offers_rules() {
    let world = world(Settings::default()).await;
    let app = &world.app;
    add_loire_atlantique(app).await;
    let good_offer = place_offer(
        app,
        place(
            "espace-belle-beille",
            "Espace Belle-Beille",
            ("Angers", "49000", "49007"),
        ),
    )
    .await;
    let good_structure = app
        .store
        .place_id("test", "espace-belle-beille")
        .await
        .expect("id")
        .expect("imported");
    let nantes_offer = place_offer(
        app,
        place(
            "mediatheque-nantes",
            "Médiathèque de Nantes",
            ("Nantes", "44000", "44109"),
        ),
    )
    .await;
    let closed_place = Place {
        access_modes: vec![AccessMode::NoPublicReception],
        ..place(
            "bureau-angers",
            "Bureau sans accueil",
            ("Angers", "49000", "49007"),
        )
    };
    let closed_offer = place_offer(app, closed_place).await;
    let referral = accepted_referral(&world, "Maëlle").await;
    let before = snapshot(&world, referral, good_structure).await;

    // A coordinator of Loire-Atlantique moves a Maine-et-Loire referral: refused, nothing changes.
    let outsider = sign_in_territory(
        app,
        (Role::Coordinator, "44", "44109"),
        "coordination44@example.fr",
    )
    .await;
    let (status, page) = confirm(app, &outsider, &[format!("{referral}:2:{good_offer}")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(
        page.contains("pas dans la file active de votre territoire"),
        "{page}"
    );
    assert_eq!(snapshot(&world, referral, good_structure).await, before);

    let coordinator = app.sign_in(Role::Coordinator).await;
    let cases = [
        (
            format!("{referral}:2:987654"),
            "n'existe pas dans l'annuaire",
        ),
        (
            format!("{referral}:2:{nantes_offer}"),
            "pas dans votre territoire",
        ),
        (
            format!("{referral}:2:{closed_offer}"),
            "n'accueille pas de public",
        ),
        (
            format!("{referral}:2:{}", world.offer_id),
            "déjà sur cette offre",
        ),
    ];
    for (one, expected) in cases {
        let (status, page) = confirm(app, &coordinator, std::slice::from_ref(&one)).await;
        let outside = expected.contains("territoire");
        let wanted = if outside {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::BAD_REQUEST
        };
        assert_eq!(status, wanted, "{one}: {page}");
        assert!(page.contains(expected), "{one}: {page}");
        assert!(page.contains("Aucune réorientation n'a été appliquée"));
        assert_eq!(snapshot(&world, referral, good_structure).await, before);
    }

    // A referral already at first contact cannot be moved.
    let (_, at_contact) = referral_at_first_contact(&world, "Yann").await;
    let at_contact: i64 = at_contact
        .trim_start_matches("/orientations/")
        .parse()
        .expect("id");
    let (status, page) =
        confirm(app, &coordinator, &[format!("{at_contact}:3:{good_offer}")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("ne permet pas de la réorienter"), "{page}");

    // A good move beside a bad one: neither is applied.
    let mixed = [
        format!("{referral}:2:{good_offer}"),
        format!("{at_contact}:3:{good_offer}"),
    ];
    let (status, _) = confirm(app, &coordinator, &mixed).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(snapshot(&world, referral, good_structure).await, before);

    // The good move alone is applied, and the new structure is told.
    let (status, _) = confirm(app, &coordinator, &[format!("{referral}:2:{good_offer}")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let after = snapshot(&world, referral, good_structure).await;
    assert!(after.0.contains("Redirected"), "{after:?}");
    assert_eq!(
        after.1,
        before.1 + 1,
        "the new receiving structure is notified"
    );
}

#[tokio::test]
async fn moves_into_one_offer_stop_at_its_capacity() {
    let world = world(Settings::default()).await;
    let app = &world.app;
    let small_offer = place_offer(
        app,
        place(
            "espace-belle-beille",
            "Espace Belle-Beille",
            ("Angers", "49000", "49007"),
        ),
    )
    .await;
    let structure = app
        .store
        .place_id("test", "espace-belle-beille")
        .await
        .expect("id")
        .expect("imported");
    let mut offer = app.store.offers_of(structure).await.expect("offers")[0]
        .offer
        .clone();
    offer.facts.capacity_per_week = Some(1);
    app.store
        .save_offer(
            structure,
            Some(small_offer),
            &offer,
            None,
            aiguillage_store::PlaceRights::Everything,
            START,
        )
        .await
        .expect("capacity");
    let first = accepted_referral(&world, "Maëlle").await;
    let second = accepted_referral(&world, "Yann").await;
    let coordinator = app.sign_in(Role::Coordinator).await;
    let both = [
        format!("{first}:2:{small_offer}"),
        format!("{second}:2:{small_offer}"),
    ];
    let (status, page) = confirm(app, &coordinator, &both).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("Complet"), "{page}");
    let (status, _) = confirm(app, &coordinator, &both[..1]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

/// A confirmed redistribution can be undone while nobody acted on it: the referral the new
/// structure already accepted stays, the other returns to its offer and state; a coordinator of
/// another territory finds nothing, and a batch is undone once.
#[tokio::test]
async fn a_redistribution_is_undone_for_what_nobody_acted_on() {
    let world = world(Settings::default()).await;
    let app = &world.app;
    add_loire_atlantique(app).await;
    let good_offer = place_offer(
        app,
        place(
            "espace-belle-beille",
            "Espace Belle-Beille",
            ("Angers", "49000", "49007"),
        ),
    )
    .await;
    let good_structure = app
        .store
        .place_id("test", "espace-belle-beille")
        .await
        .expect("id")
        .expect("imported");
    let untouched = accepted_referral(&world, "Maëlle").await;
    let answered = accepted_referral(&world, "Gaël").await;
    let scope = aiguillage_domain::territory::TerritoryScope::Departement("49".into());
    let accepted_at = |entry: Option<aiguillage_store::QueueEntry>| {
        entry.expect("in the territory").state_changed_at
    };
    let accepted_since = accepted_at(
        app.store
            .territory_referral(&scope, untouched)
            .await
            .expect("read"),
    );
    // The redistribution comes twenty minutes later.
    app.advance(20 * 60);
    let coordinator = app.sign_in(Role::Coordinator).await;
    let moves = [
        format!("{untouched}:2:{good_offer}"),
        format!("{answered}:2:{good_offer}"),
    ];
    let mut fields = vec![("csrf_token", coordinator.csrf.as_str())];
    for one in &moves {
        fields.push(("deplacement", one));
    }
    let applied = app
        .post_form(
            "/territoire/redistribution",
            Some(&coordinator.cookie),
            &fields,
        )
        .await;
    let to = location(&applied).expect("applied");
    let batch = to.rsplit_once("lot=").expect("the batch").1.to_owned();
    let page = body_text(app.get(&to, Some(&coordinator)).await).await;
    assert!(page.contains("2 réorientations appliquées"), "{page}");
    assert!(page.contains("Annuler cette redistribution"), "{page}");

    // The new structure accepts one of the two.
    let newcomer = common::sign_in_elsewhere(
        app,
        good_structure,
        "belle-beille@example.fr",
        Role::Mediator,
    )
    .await;
    let accepted = app
        .post_form(
            &format!("/orientations/{answered}"),
            Some(&newcomer.cookie),
            &[
                ("csrf_token", newcomer.csrf.as_str()),
                ("action", "accepter"),
                ("version", "3"),
            ],
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);

    // Another territory's coordinator cannot undo it: not found, nothing changes.
    let outsider = sign_in_territory(
        app,
        (Role::Coordinator, "44", "44109"),
        "coordination44@example.fr",
    )
    .await;
    let undo_path = format!("/territoire/redistribution/{batch}/annuler");
    let before = snapshot(&world, untouched, world.library_id).await;
    let foreign = app
        .post_form(
            &undo_path,
            Some(&outsider.cookie),
            &[("csrf_token", outsider.csrf.as_str())],
        )
        .await;
    assert_eq!(foreign.status(), StatusCode::NOT_FOUND);
    assert_eq!(snapshot(&world, untouched, world.library_id).await, before);

    // The coordinator undoes it: the untouched one returns, accepted, to the library (told); the
    // answered one stays and is named.
    let newcomer_notes = snapshot(&world, untouched, good_structure).await.1;
    let undone = app
        .post_form(
            &undo_path,
            Some(&coordinator.cookie),
            &[("csrf_token", coordinator.csrf.as_str())],
        )
        .await;
    let to = location(&undone).expect("undone");
    let page = body_text(app.get(&to, Some(&coordinator)).await).await;
    assert!(
        page.contains("1 orientation revient à son offre d'origine"),
        "{page}"
    );
    assert!(page.contains(&format!("n° {answered}")), "{page}");
    assert!(page.contains("Annulée le"), "{page}");
    let (state, library_notes) = snapshot(&world, untouched, world.library_id).await;
    assert!(state.contains("Accepted"), "{state}");
    assert_eq!(
        accepted_at(
            app.store
                .territory_referral(&scope, untouched)
                .await
                .expect("read")
        ),
        accepted_since,
        "back in its state since when it was: its delays run from there"
    );
    assert_eq!(
        library_notes,
        before.1 + 1,
        "the library is told it is back"
    );
    assert_eq!(
        snapshot(&world, untouched, good_structure).await.1,
        newcomer_notes + 1,
        "the new structure is told it lost it"
    );
    let kept = snapshot(&world, answered, good_structure).await.0;
    assert!(kept.contains("Accepted"), "{kept}");
    let receiving = app
        .get(&format!("/orientations/{untouched}"), Some(&world.mediator))
        .await;
    assert_eq!(
        receiving.status(),
        StatusCode::OK,
        "the library has it again"
    );
    let history = body_text(receiving).await;
    assert!(
        history.contains("Annulation d'une redistribution"),
        "{history}"
    );

    // Once is enough.
    let again = app
        .post_form(
            &undo_path,
            Some(&coordinator.cookie),
            &[("csrf_token", coordinator.csrf.as_str())],
        )
        .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
}

/// The notices of a confirmation are written by the transaction that applies its moves, not after
/// it: a crash between the two (`kill -9`, scripts/crash-consistency.sh) cannot leave moves whose
/// structures were never told. The store alone is called here, and both notices are there.
#[tokio::test]
async fn a_confirmation_writes_its_notices_with_its_moves() {
    use aiguillage_domain::territory::TerritoryScope;
    use aiguillage_store::{Actor, ConfirmedMove, RedistributionOutcome};
    let world = world(Settings::default()).await;
    let app = &world.app;
    let good_offer = place_offer(
        app,
        place(
            "espace-belle-beille",
            "Espace Belle-Beille",
            ("Angers", "49000", "49007"),
        ),
    )
    .await;
    let good_structure = app
        .store
        .place_id("test", "espace-belle-beille")
        .await
        .expect("id")
        .expect("imported");
    let referral = accepted_referral(&world, "Maëlle").await;
    app.sign_in(Role::Coordinator).await;
    let accounts = app.store.list_accounts().await.expect("accounts");
    let of_role = |role: Role| {
        accounts
            .iter()
            .find(|a| a.role == role)
            .expect("an account of the role")
    };
    let (coordinator, sender) = (of_role(Role::Coordinator), of_role(Role::Prescriber));
    let notes = |structure: i64| async move {
        app.store
            .notifications_of(AccountId::new(0), StructureId::new(structure), 100)
            .await
            .expect("notifications")
            .into_iter()
            .map(|n| n.text)
            .collect::<Vec<_>>()
    };
    let actor = Actor {
        account_id: AccountId::new(coordinator.id),
        structure_id: StructureId::new(coordinator.structure_id),
        reason: "test",
    };
    let moves = [ConfirmedMove {
        referral_id: referral,
        version: 2,
        offer_id: good_offer,
    }];
    let outcome = app
        .store
        .apply_redistribution(
            &actor,
            &TerritoryScope::Departement("49".into()),
            &moves,
            (
                "reçue par la redistribution",
                "réorientée par la redistribution",
            ),
            (START + 60, 2026),
        )
        .await
        .expect("applied");
    assert!(
        matches!(outcome, RedistributionOutcome::Applied { ref moved, .. } if moved.len() == 1),
        "{outcome:?}"
    );
    assert!(notes(good_structure)
        .await
        .contains(&"reçue par la redistribution".to_owned()));
    assert!(notes(sender.structure_id)
        .await
        .contains(&"réorientée par la redistribution".to_owned()));
}
