//! The person's file as the hub of the loop, through the real router: it lists every referral with
//! its state and next step; identity and contact are corrected with the enrolment's checks (a wrong
//! field changes nothing, the correction is audited, another structure gets "not found"); and a
//! second referral while one is open is sent only with the reason, kept in its history; a refused
//! referral is re-oriented from the refusal and its hint, to another structure's offer.

use crate::common;

use aiguillage_domain::audit::AuditAction;
use aiguillage_web::Settings;
use axum::http::StatusCode;
use common::journeys::{referral_at_first_contact, sent_referral, world};
use common::{body_text, location, referral_location};

#[tokio::test]
async fn the_file_lists_each_referral_with_its_state_and_next_step() {
    let world = world(Settings::default()).await;
    let (app, prescriber) = (&world.app, &world.prescriber);
    let (person, referral) = referral_at_first_contact(&world, "Josiane").await;
    let page = body_text(
        app.get(&format!("/personnes/{person}"), Some(prescriber))
            .await,
    )
    .await;
    assert!(page.contains("<h2>Orientations</h2>"), "{page}");
    assert!(page.contains(&format!("href=\"{referral}\"")), "{page}");
    assert!(page.contains("Premier contact fait"), "{page}");
    assert!(
        page.contains("Personne contactée : l&#x27;accompagnement va commencer.")
            || page.contains("Personne contactée : l'accompagnement va commencer."),
        "the next step in words: {page}"
    );
    assert!(page.contains("Médiathèque Toussaint"), "{page}");
}

#[tokio::test]
async fn identity_and_contact_are_corrected_with_the_enrolment_checks_and_audited() {
    let world = world(Settings::default()).await;
    let (app, prescriber) = (&world.app, &world.prescriber);
    let (person, referral) = referral_at_first_contact(&world, "Josiane").await;
    let path = format!("/personnes/{person}/modifier");
    let form = body_text(app.get(&path, Some(prescriber)).await).await;
    assert!(
        form.contains("value=\"Josiane\""),
        "filled with what is recorded: {form}"
    );
    assert!(form.contains("value=\"Angers\""), "{form}");

    let bad = [
        ("csrf_token", prescriber.csrf.as_str()),
        ("prenom", "Josiane"),
        ("nom", "Le Goff"),
        ("telephone", "12"),
        ("commune_recherche", "Angers"),
    ];
    let response = app.post_form(&path, Some(&prescriber.cookie), &bad).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body_text(response).await;
    assert!(
        page.contains("Rien n&#x27;a été modifié") || page.contains("Rien n'a été modifié"),
        "{page}"
    );
    assert!(
        page.contains("value=\"12\""),
        "what was typed stays: {page}"
    );
    let file = body_text(
        app.get(&format!("/personnes/{person}"), Some(prescriber))
            .await,
    )
    .await;
    assert!(
        file.contains("06 12 34 56 78") || file.contains("0612345678"),
        "unchanged: {file}"
    );

    let good = [
        ("csrf_token", prescriber.csrf.as_str()),
        ("prenom", "Josiane"),
        ("nom", "Le Goff-Martin"),
        ("telephone", "07 98 76 54 32"),
        ("courriel", "josiane@example.fr"),
        ("commune_recherche", "Angers"),
    ];
    let response = app.post_form(&path, Some(&prescriber.cookie), &good).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&response).as_deref(),
        Some(format!("/personnes/{person}?fait=modifiee").as_str())
    );
    let file = body_text(
        app.get(
            &format!("/personnes/{person}?fait=modifiee"),
            Some(prescriber),
        )
        .await,
    )
    .await;
    assert!(file.contains("Identité et contact corrigés."), "{file}");
    assert!(
        file.contains("Le Goff-Martin") && file.contains("josiane@example.fr"),
        "{file}"
    );
    let seen = body_text(app.get(&referral, Some(&world.mediator)).await).await;
    assert!(
        seen.contains("josiane@example.fr"),
        "the receiving structure sees the new contact at once: {seen}"
    );
    let journal = app.store.list_audit(50, 0).await.expect("audit");
    assert!(
        journal.iter().any(|e| e.action == AuditAction::Update
            && e.record_id == format!("personne-{person}")),
        "the correction is in the journal"
    );

    let response = app.get(&path, Some(&world.mediator)).await;
    assert_eq!(
        response.status(),
        StatusCode::NOT_FOUND,
        "another structure's person"
    );
    let response = app
        .post_form(
            &path,
            Some(&world.mediator.cookie),
            &[
                ("csrf_token", world.mediator.csrf.as_str()),
                ("prenom", "Intrus"),
                ("nom", "Intrus"),
                ("telephone", "0611111111"),
                ("commune_recherche", "Angers"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let file = body_text(
        app.get(&format!("/personnes/{person}"), Some(prescriber))
            .await,
    )
    .await;
    assert!(
        !file.contains("Intrus"),
        "nothing written by another structure"
    );
}

#[tokio::test]
async fn a_second_referral_while_one_is_open_goes_only_with_its_reason() {
    let world = world(Settings::default()).await;
    let (app, prescriber) = (&world.app, &world.prescriber);
    let (person, first) = referral_at_first_contact(&world, "Josiane").await;
    let path = format!("/personnes/{person}/orientation");
    let offer = world.offer_id.to_string();
    let page = body_text(
        app.get(&format!("{path}?offre={offer}"), Some(prescriber))
            .await,
    )
    .await;
    assert!(page.contains("Une orientation est déjà en cours"), "{page}");
    assert!(page.contains(&format!("href=\"{first}\"")), "{page}");
    assert!(page.contains("name=\"motif_nouvel_envoi\""), "{page}");

    let without = [
        ("csrf_token", prescriber.csrf.as_str()),
        ("offre", offer.as_str()),
        ("consentement", "oui"),
    ];
    let response = app
        .post_form(&path, Some(&prescriber.cookie), &without)
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body_text(response).await;
    assert!(
        page.contains("indiquez pourquoi vous en envoyez une autre"),
        "{page}"
    );
    let file = body_text(
        app.get(&format!("/personnes/{person}"), Some(prescriber))
            .await,
    )
    .await;
    assert_eq!(
        file.matches("href=\"/orientations/").count(),
        1,
        "nothing sent"
    );

    let with = [
        ("csrf_token", prescriber.csrf.as_str()),
        ("offre", offer.as_str()),
        ("consentement", "oui"),
        (
            "motif_nouvel_envoi",
            "Un second besoin : les démarches de retraite",
        ),
    ];
    let response = app.post_form(&path, Some(&prescriber.cookie), &with).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let second = referral_location(&response).expect("sent");
    assert_ne!(second, first);
    let page = body_text(app.get(&second, Some(prescriber)).await).await;
    assert!(
        page.contains("Un second besoin : les démarches de retraite"),
        "the reason is in the history: {page}"
    );
}

/// Imports a social centre in Angers with one offer; returns (structure id, offer id).
async fn social_centre(app: &common::TestApp) -> (i64, i64) {
    use aiguillage_domain::directory::{Place, Service, SupportMode};
    let place = Place {
        id: "centre-social-angers".into(),
        pivot: "21490007800099".into(),
        name: "Centre social Jean Vilar".into(),
        commune: "Angers".into(),
        postal_code: "49000".into(),
        insee_code: Some("49007".into()),
        address: "1 place Jean Vilar".into(),
        updated_on: "2026-01-15".into(),
        services: vec![Service::EverydayTools, Service::AdministrativeProcedures],
        support_modes: vec![SupportMode::Individual],
        ..Place::default()
    };
    app.store
        .import_places("test", &[(2, place)], None, 0, &|_, _| {})
        .await
        .expect("import");
    let id = app
        .store
        .place_id("test", "centre-social-angers")
        .await
        .expect("id")
        .expect("imported");
    (id, app.store.offers_of(id).await.expect("offers")[0].id)
}

#[tokio::test]
async fn a_refused_referral_is_reoriented_with_the_refusal_and_its_hint_in_view() {
    let world = world(Settings::default()).await;
    let (app, prescriber, library) = (&world.app, &world.prescriber, &world.mediator);
    let (centre, centre_offer) = social_centre(app).await;
    let (_, referral) = sent_referral(&world, "Josiane").await;
    let refuse = [
        ("csrf_token", library.csrf.as_str()),
        ("action", "refuser"),
        ("version", "1"),
        ("motif", "need_not_covered"),
        ("commentaire", "Voir le centre social Jean Vilar"),
    ];
    let response = app
        .post_form(&referral, Some(&library.cookie), &refuse)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let seen = body_text(app.get(&referral, Some(library)).await).await;
    assert!(
        !seen.contains("id=\"cloture\""),
        "the refusing structure has nothing to close: {seen}"
    );

    let page = body_text(app.get(&referral, Some(prescriber)).await).await;
    assert!(page.contains("à réorienter"), "{page}");
    assert!(
        page.contains("Voir le centre social Jean Vilar"),
        "the hint: {page}"
    );
    let reorient = format!("{referral}/reorientation");
    assert!(page.contains(&format!("href=\"{reorient}\"")), "{page}");
    assert!(
        page.contains("Ne pas réorienter : clore l"),
        "closing is the other way: {page}"
    );

    let choice = body_text(app.get(&reorient, Some(prescriber)).await).await;
    assert!(
        choice.contains("Besoin non couvert par l"),
        "the reason: {choice}"
    );
    assert!(
        choice.contains("Voir le centre social Jean Vilar"),
        "{choice}"
    );
    assert!(
        choice.contains("Centre social Jean Vilar —"),
        "another offer: {choice}"
    );
    assert!(
        !choice.contains(&format!("?offre={}#confirmation", world.offer_id)),
        "the refusing structure's offers are left out: {choice}"
    );
    let offer = centre_offer.to_string();
    let without = [
        ("csrf_token", prescriber.csrf.as_str()),
        ("offre", offer.as_str()),
        ("version", "2"),
    ];
    let response = app
        .post_form(&reorient, Some(&prescriber.cookie), &without)
        .await;
    assert_eq!(
        response.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "no agreement"
    );
    let response = app.get(&reorient, Some(library)).await;
    assert_eq!(
        response.status(),
        StatusCode::NOT_FOUND,
        "the receiver does not re-orient"
    );

    let with = [
        ("csrf_token", prescriber.csrf.as_str()),
        ("offre", offer.as_str()),
        ("version", "2"),
        ("consentement", "oui"),
    ];
    let response = app
        .post_form(&reorient, Some(&prescriber.cookie), &with)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&response).as_deref(),
        Some(format!("{referral}?fait=reorientee").as_str())
    );
    let page = body_text(app.get(&referral, Some(prescriber)).await).await;
    assert!(page.contains("Réorientée"), "{page}");
    assert!(page.contains("Centre social Jean Vilar"), "{page}");
    let again = app
        .post_form(&reorient, Some(&prescriber.cookie), &with)
        .await;
    assert_eq!(
        again.status(),
        StatusCode::BAD_REQUEST,
        "once only: {}",
        body_text(again).await
    );

    let receiver = common::sign_in_elsewhere(
        app,
        centre,
        "centre@example.fr",
        aiguillage_domain::role::Role::Mediator,
    )
    .await;
    let seen = body_text(app.get(&referral, Some(&receiver)).await).await;
    assert!(
        seen.contains("Josiane"),
        "the agreement covers the new structure: {seen}"
    );
    assert!(seen.contains("Accepter"), "{seen}");
}

#[tokio::test]
async fn a_manager_gives_a_received_referral_to_one_of_its_mediators() {
    use aiguillage_domain::role::Role;
    let world = world(Settings::default()).await;
    let app = &world.app;
    let (_, referral) = sent_referral(&world, "Josiane").await;
    let manager = common::sign_in_elsewhere(
        app,
        world.library_id,
        "responsable@example.fr",
        Role::StructureManager,
    )
    .await;
    let accounts = app.store.list_accounts().await.expect("accounts");
    let mediator = accounts
        .iter()
        .find(|a| a.role == Role::Mediator && a.structure_id == world.library_id)
        .expect("the library's mediator");
    let prescriber = accounts
        .iter()
        .find(|a| a.role == Role::Prescriber)
        .expect("prescriber");

    let list = body_text(app.get("/orientations", Some(&manager)).await).await;
    assert!(list.contains("Josiane Le Goff"), "{list}");
    assert!(
        !list.contains(&format!("href=\"{referral}\"")),
        "the manager assigns, the mediator opens"
    );
    assert!(
        list.contains(&format!("<option value=\"{}\">", mediator.id)),
        "{list}"
    );
    assert_eq!(
        app.get(&referral, Some(&manager)).await.status(),
        StatusCode::FORBIDDEN
    );

    let path = format!("{referral}/attribution");
    let give = |id: String| vec![("csrf_token", manager.csrf.clone()), ("mediateur", id)];
    let form = give(prescriber.id.to_string());
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = app.post_form(&path, Some(&manager.cookie), &fields).await;
    assert_eq!(
        response.status(),
        StatusCode::NOT_FOUND,
        "not one of its mediators"
    );
    let form = give(mediator.id.to_string());
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = app.post_form(&path, Some(&manager.cookie), &fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let list = body_text(
        app.get("/orientations?fait=attribuee", Some(&manager))
            .await,
    )
    .await;
    assert!(list.contains("Attribution enregistrée"), "{list}");
    assert!(
        list.contains(&format!("<option value=\"{}\" selected>", mediator.id)),
        "{list}"
    );
    let theirs = body_text(app.get("/orientations", Some(&world.mediator)).await).await;
    assert!(theirs.contains("<strong>vous</strong>"), "{theirs}");
    let journal = app.store.list_audit(20, 0).await.expect("audit");
    assert!(journal
        .iter()
        .any(|e| e.action == AuditAction::Update && e.reason.ends_with("/attribution")));

    let elsewhere = common::sign_in_elsewhere(
        app,
        1,
        "autre-responsable@example.fr",
        Role::StructureManager,
    )
    .await;
    let form = [("csrf_token", elsewhere.csrf.as_str()), ("mediateur", "")];
    let response = app.post_form(&path, Some(&elsewhere.cookie), &form).await;
    assert_eq!(
        response.status(),
        StatusCode::NOT_FOUND,
        "another structure's manager"
    );
    let list = body_text(app.get("/orientations", Some(&manager)).await).await;
    assert!(
        list.contains(&format!("<option value=\"{}\" selected>", mediator.id)),
        "unchanged"
    );
}

#[tokio::test]
async fn the_header_counts_unread_notifications_until_they_are_shown() {
    let world = world(Settings::default()).await;
    let (app, mediator) = (&world.app, &world.mediator);
    let home = body_text(app.get("/", Some(mediator)).await).await;
    assert!(!home.contains("non lue"), "nothing yet: {home}");
    sent_referral(&world, "Josiane").await;
    let home = body_text(app.get("/", Some(mediator)).await).await;
    assert!(
        home.contains("1<span class=\"fr-sr-only\"> non lue</span>"),
        "{home}"
    );
    let shown = body_text(app.get("/notifications", Some(mediator)).await).await;
    let badge = "fr-mr-1v\">Nouvelle</span>";
    assert!(shown.contains(badge), "{shown}");
    assert!(
        !shown.contains("non lue"),
        "the page itself leaves nothing unread"
    );
    let home = body_text(app.get("/", Some(mediator)).await).await;
    assert!(!home.contains("non lue"), "{home}");
    let again = body_text(app.get("/notifications", Some(mediator)).await).await;
    assert!(!again.contains(badge), "{again}");
    let other = body_text(app.get("/", Some(&world.prescriber)).await).await;
    assert!(
        !other.contains("non lue"),
        "the sender was not notified of its own sending"
    );
}

#[tokio::test]
async fn the_two_sides_write_in_the_referral_thread_and_nobody_else_reads_it() {
    let world = world(Settings::default()).await;
    let (app, prescriber, mediator) = (&world.app, &world.prescriber, &world.mediator);
    let (person, referral) = sent_referral(&world, "Josiane").await;
    let path = format!("{referral}/messages");
    let page = body_text(app.get(&referral, Some(mediator)).await).await;
    assert!(page.contains("id=\"echanges\""), "{page}");

    let empty = [("csrf_token", mediator.csrf.as_str()), ("message", "  ")];
    let response = app.post_form(&path, Some(&mediator.cookie), &empty).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let identifier = [
        ("csrf_token", mediator.csrf.as_str()),
        ("message", "Son numéro : 2 51 03 49 007 123 45"),
    ];
    let response = app
        .post_form(&path, Some(&mediator.cookie), &identifier)
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body_text(response).await;
    assert!(page.contains("ne doit jamais être noté"), "{page}");
    assert!(
        page.contains("2 51 03 49 007 123 45"),
        "what was typed stays to be corrected"
    );

    let question = [
        ("csrf_token", mediator.csrf.as_str()),
        ("message", "Madame préfère-t-elle être appelée le matin ?"),
    ];
    let response = app
        .post_form(&path, Some(&mediator.cookie), &question)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let answer = [
        ("csrf_token", prescriber.csrf.as_str()),
        ("message", "Oui, plutôt avant 11 h."),
    ];
    let response = app
        .post_form(&path, Some(&prescriber.cookie), &answer)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = body_text(app.get(&referral, Some(prescriber)).await).await;
    let (asked, answered) = (
        page.find("Madame préfère-t-elle être appelée le matin ?"),
        page.find("Oui, plutôt avant 11 h."),
    );
    assert!(
        asked.is_some() && answered.is_some() && asked < answered,
        "in order: {page}"
    );
    assert_eq!(
        app.store
            .personal_row_counts()
            .await
            .unwrap()
            .referral_messages,
        2
    );
    let notices = body_text(app.get("/notifications", Some(prescriber)).await).await;
    assert!(
        notices.contains("Nouveau message sur une orientation"),
        "{notices}"
    );

    let elsewhere = app
        .store
        .ensure_structure(
            &aiguillage_store::NewStructure {
                name: "Médiathèque de Saumur".into(),
                kind: "Médiathèque".into(),
                commune_code: "49328".into(),
            },
            0,
        )
        .await
        .expect("structure");
    let outsider = common::sign_in_elsewhere(
        app,
        elsewhere,
        "curieux@example.fr",
        aiguillage_domain::role::Role::Mediator,
    )
    .await;
    let intrusion = [
        ("csrf_token", outsider.csrf.as_str()),
        ("message", "Bonjour"),
    ];
    let response = app
        .post_form(&path, Some(&outsider.cookie), &intrusion)
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    let erase = [
        ("csrf_token", prescriber.csrf.as_str()),
        ("confirmer", "oui"),
    ];
    let response = app
        .post_form(
            &format!("/personnes/{person}/effacer"),
            Some(&prescriber.cookie),
            &erase,
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let counts = app.store.personal_row_counts().await.expect("counts");
    assert_eq!(
        counts.referral_messages, 0,
        "the thread goes with the referral: {counts:?}"
    );
}

#[tokio::test]
async fn a_taken_contact_request_becomes_an_enrolment_with_its_answers_as_first_diagnostic() {
    let world = world(Settings::default()).await;
    let (app, prescriber) = (&world.app, &world.prescriber);
    let (login_cookie, token) = app.login_form().await;
    let mut fields = vec![("csrf_token", token.as_str())];
    fields.extend_from_slice(common::journeys::ANSWERS);
    fields.extend_from_slice(&[
        ("prenom", "Odette"),
        ("telephone", "0655443322"),
        ("commune", "Angers"),
        ("accord", "oui"),
    ]);
    let response = app
        .post_form("/auto-diagnostic/contact", Some(&login_cookie), &fields)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let list = body_text(app.get("/demandes-contact", Some(prescriber)).await).await;
    let start =
        list.find("/demandes-contact/").expect("a request to take") + "/demandes-contact/".len();
    let id: i64 = list[start..]
        .split('/')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("its id");
    let take = [("csrf_token", prescriber.csrf.as_str())];
    let response = app
        .post_form(
            &format!("/demandes-contact/{id}/prendre"),
            Some(&prescriber.cookie),
            &take,
        )
        .await;
    assert!(response.status().is_redirection());
    let list = body_text(app.get("/demandes-contact", Some(prescriber)).await).await;
    assert!(
        list.contains(&format!("/personnes/inscrire?demande={id}")),
        "{list}"
    );

    let form_path = format!("/personnes/inscrire?demande={id}");
    let form = body_text(app.get(&form_path, Some(prescriber)).await).await;
    assert!(
        form.contains("value=\"Odette\"") && form.contains("0655443322"),
        "{form}"
    );
    assert!(
        form.contains(&format!("name=\"demande\" value=\"{id}\"")),
        "{form}"
    );
    assert_eq!(
        app.get(&form_path, Some(&world.mediator)).await.status(),
        StatusCode::NOT_FOUND,
        "another structure did not take it"
    );

    let enrol = [
        ("csrf_token", prescriber.csrf.as_str()),
        ("demande", &id.to_string()),
        ("prenom", "Odette"),
        ("nom", "Lemoine"),
        ("telephone", "0655443322"),
        ("commune_recherche", "Angers"),
        ("consentement", "oui"),
    ];
    let response = app
        .post_form("/personnes/inscrire", Some(&prescriber.cookie), &enrol)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let to = location(&response).expect("redirect");
    assert!(
        to.contains("/diagnostics/"),
        "the answers made the first diagnostic: {to}"
    );
    let result = body_text(app.get(&to, Some(prescriber)).await).await;
    assert!(result.contains("Odette Lemoine"), "{result}");
    let counts = app.store.personal_row_counts().await.expect("counts");
    assert_eq!(
        counts.contact_requests, 0,
        "the request is closed and erased"
    );
    assert_eq!(counts.diagnostics, 1);
}

#[tokio::test]
async fn the_receiving_structure_follows_the_person_and_measures_progress_with_the_sender() {
    let world = world(Settings::default()).await;
    let (app, prescriber, mediator) = (&world.app, &world.prescriber, &world.mediator);
    // Sent but not yet accepted: the library does not follow the person yet.
    let (waiting, _) = sent_referral(&world, "Odette").await;
    let waiting_file = format!("/personnes/{waiting}");
    assert_eq!(
        app.get(&waiting_file, Some(mediator)).await.status(),
        StatusCode::NOT_FOUND
    );
    let (person, referral) = referral_at_first_contact(&world, "Josiane").await;
    let file = format!("/personnes/{person}");

    // The referral leads the library to the file, which the library's list shows too.
    let referral_page = body_text(app.get(&referral, Some(mediator)).await).await;
    assert!(
        referral_page.contains(&format!("href=\"{file}\"")),
        "{referral_page}"
    );
    let list = body_text(app.get("/personnes", Some(mediator)).await).await;
    assert!(list.contains("Josiane Le Goff"), "{list}");
    assert!(list.contains("Orientée par"), "{list}");
    assert!(!list.contains("Odette"), "not yet accepted: {list}");
    let page = body_text(app.get(&file, Some(mediator)).await).await;
    assert!(
        page.contains("a orienté cette personne vers votre structure"),
        "{page}"
    );
    assert!(page.contains("Envoyée par"), "{page}");
    assert!(page.contains("Refaire le diagnostic"), "{page}");
    for absent in [
        "/modifier",
        "/effacer",
        "/orientation\"",
        "Texte montré à la personne",
    ] {
        assert!(
            !page.contains(absent),
            "« {absent} » is the enrolling structure's: {page}"
        );
    }
    // Only the enrolling structure corrects, erases or orients.
    assert_eq!(
        app.get(&format!("{file}/modifier"), Some(mediator))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let erase = app
        .post_form(
            &format!("{file}/effacer"),
            Some(&mediator.cookie),
            &[("csrf_token", mediator.csrf.as_str()), ("confirmer", "oui")],
        )
        .await;
    assert_eq!(erase.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&format!("{file}/orientation"), Some(mediator))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // The mediator re-runs the diagnostic: better at searching and at procedures.
    let mut answers = vec![("csrf_token", mediator.csrf.as_str())];
    answers.extend(common::journeys::ANSWERS.iter().map(|(k, v)| match *k {
        "competence_recherche" | "competence_demarche" => (*k, "Seul"),
        _ => (*k, *v),
    }));
    let done = app
        .post_form(
            &format!("{file}/diagnostic"),
            Some(&mediator.cookie),
            &answers,
        )
        .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let result = location(&done).expect("the new diagnostic");
    let result_page = body_text(app.get(&result, Some(mediator)).await).await;
    assert!(result_page.contains("Progrès"), "{result_page}");
    assert!(!result_page.contains("id=\"orientation\""), "{result_page}");

    // Both sides read the progress on the file.
    for (side, session) in [("library", mediator), ("CCAS", prescriber)] {
        let page = body_text(app.get(&file, Some(session)).await).await;
        assert!(
            page.contains("Progrès depuis le premier diagnostic"),
            "{side}: {page}"
        );
        assert!(page.contains("Chercher une information"), "{side}: {page}");
        assert!(page.contains("Progrès (+"), "{side}: {page}");
        assert!(
            page.contains(&format!("Compte {}", common::journeys::MEDIATOR)),
            "{side}: {page}"
        );
    }
}

#[tokio::test]
async fn my_structure_shows_the_place_offers_team_and_counts_of_the_viewer_s_structure() {
    let world = world(Settings::default()).await;
    let (app, mediator) = (&world.app, &world.mediator);
    let (_, referral) = referral_at_first_contact(&world, "Josiane").await;
    let recorded = app
        .post_form(
            &format!("{referral}/seances"),
            Some(&mediator.cookie),
            &common::journeys::good_session(&mediator.csrf),
        )
        .await;
    assert_eq!(recorded.status(), StatusCode::SEE_OTHER);
    let _ = sent_referral(&world, "Odette").await;
    let page = body_text(app.get("/ma-structure", Some(mediator)).await).await;
    assert!(page.contains("<h1>Médiathèque Toussaint</h1>"), "{page}");
    assert!(page.contains("49 rue Toussaint, 49100 Angers"), "{page}");
    assert!(
        page.contains(
            "Maîtrise des outils numériques du quotidien et aide aux démarches administratives"
        ),
        "{page}"
    );
    assert!(
        page.contains(common::journeys::MEDIATOR),
        "the team: {page}"
    );
    // One waiting for an answer (Odette), one in pathway (Josiane) with its one session.
    assert!(page.contains("<td>Envoyée</td><td>1</td>"), "{page}");
    assert!(page.contains("<td>En parcours</td><td>1</td>"), "{page}");
    assert!(
        page.contains(
            "<p class=\"fr-callout__title\">1</p><p class=\"fr-callout__text\">séance individuelle"
        ),
        "{page}"
    );
    assert!(!page.contains("Josiane"), "counts only, no names: {page}");
    // The prescriber's structure is not a place that receives: the page is not theirs to open.
    assert_eq!(
        app.get("/ma-structure", Some(&world.prescriber))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}
