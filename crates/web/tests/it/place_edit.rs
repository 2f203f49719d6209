//! Editing a directory place: a structure manager edits their own place, a coordinator the places of
//! their territory; bad input is explained and nothing is saved; every change is dated and attributed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use crate::common;

use aiguillage_domain::directory::{HelpStyle, Place, Service, SupportModel};
use aiguillage_domain::role::Role;
use aiguillage_service::accounts::{create_account, AccountRequest, Requester};
use axum::http::StatusCode;
use common::{body_text, location, Session, TestApp};

fn place(id: &str, commune: &str, insee: &str, postal: &str) -> Place {
    Place {
        id: id.into(),
        pivot: "12345678900012".into(),
        name: format!("Lieu {id}"),
        commune: commune.into(),
        postal_code: postal.into(),
        insee_code: Some(insee.into()),
        address: "1 rue du Port".into(),
        updated_on: "2026-01-15".into(),
        services: vec![Service::AdministrativeProcedures],
        ..Place::default()
    }
}

/// The app with a place in Angers and one in Nantes (44), and a manager of the Angers place.
async fn app_with_places() -> (TestApp, i64, i64, Session) {
    let app = TestApp::new().await;
    let data = aiguillage_interop::territory::embedded()
        .expect("data")
        .with_communes_of(&["44"]);
    app.store
        .import_territory(&data, &|_| {})
        .await
        .expect("44");
    let places = vec![
        (2, place("angers", "Angers", "49007", "49000")),
        (3, place("nantes", "Nantes", "44109", "44000")),
    ];
    app.store
        .import_places("test", &places, None, 0, &|_, _| {})
        .await
        .expect("places");
    let angers = app
        .store
        .place_id("test", "angers")
        .await
        .expect("id")
        .expect("angers");
    let nantes = app
        .store
        .place_id("test", "nantes")
        .await
        .expect("id")
        .expect("nantes");
    let request = AccountRequest {
        email: "responsable.angers@test.fr".into(),
        display_name: "Responsable Angers".into(),
        role: "structure_manager".into(),
        structure_id: angers.to_string(),
        territory: "49".into(),
        password: "quatre mots bien choisis ici".into(),
    };
    create_account(
        &app.store,
        &request,
        Requester {
            account_id: None,
            reason: "test",
        },
        0,
    )
    .await
    .expect("manager");
    let response = app
        .attempt_login("responsable.angers@test.fr", "quatre mots bien choisis ici")
        .await;
    let token = common::set_cookie(&response, "aiguillage_session").expect("session");
    let cookie = format!("aiguillage_session={token}");
    let page = body_text(
        app.get(
            "/compte",
            Some(&Session {
                cookie: cookie.clone(),
                csrf: String::new(),
            }),
        )
        .await,
    )
    .await;
    let manager = Session {
        cookie,
        csrf: common::hidden_csrf(&page).expect("csrf"),
    };
    (app, angers, nantes, manager)
}

fn form<'a>(csrf: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("csrf_token", csrf),
        ("horaires_lundi", "9 h – 12 h"),
        ("horaires_mardi", "9h-12h"),
        ("horaires_mercredi", "09:00-12:00"),
        ("horaires_jeudi", "de 9 h à 12 h"),
        ("horaires_vendredi", "9h-12h"),
        ("telephone", "+33241000000"),
    ];
    fields.retain(|(name, _)| extra.iter().all(|(other, _)| other != name));
    fields.extend_from_slice(extra);
    fields
}

#[tokio::test]
async fn a_manager_edits_their_own_place_and_the_change_is_signed() {
    let (app, angers, nantes, manager) = app_with_places().await;
    let fields = form(
        &manager.csrf,
        &[
            ("services", "Utilisation sécurisée du numérique"),
            ("publics", "Seniors"),
            ("modele", "Lieu de savoir"),
            ("telephone", "02 41 51 00 00"),
        ],
    );
    let response = app
        .post_form(
            &format!("/annuaire/{angers}/modifier"),
            Some(&manager.cookie),
            &fields,
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&response),
        Some(format!("/annuaire/{angers}?modifie=1"))
    );
    let stored = app.store.place(angers).await.expect("place");
    assert_eq!(stored.place.services, vec![Service::SafeUse]);
    assert_eq!(stored.support_model, Some(SupportModel::PlaceOfKnowledge));
    let default_offer = &app.store.offers_of(angers).await.expect("offers")[0];
    assert_eq!(
        default_offer.offer.services,
        vec![Service::SafeUse],
        "the default offer follows the place"
    );
    let changes = app.store.place_changes(angers, 5).await.expect("changes");
    assert_eq!(
        changes[0].account_name.as_deref(),
        Some("Responsable Angers")
    );
    assert!(
        changes[0].summary.contains("services")
            && changes[0].summary.contains("modèle d'accompagnement"),
        "{}",
        changes[0].summary
    );
    let page = body_text(
        app.get(&format!("/annuaire/{angers}"), Some(&manager))
            .await,
    )
    .await;
    assert!(page.contains("Responsable Angers") && page.contains("Modifier ce lieu"));
    assert_eq!(
        stored.place.phone.as_deref(),
        Some("+33241510000"),
        "a French number as typed is kept in the standard's form"
    );
    assert!(page.contains("02 41 51 00 00"), "and shown spaced");
    // The week typed day by day, in four spellings, is stored in the standard's syntax and shown
    // in plain French.
    assert_eq!(
        stored.place.opening_hours.as_deref(),
        Some("Mo-Fr 09:00-12:00")
    );
    assert!(page.contains("lundi : 9 h – 12 h"), "{page}");
    let form_again = body_text(
        app.get(&format!("/annuaire/{angers}/modifier"), Some(&manager))
            .await,
    )
    .await;
    assert!(
        form_again.contains("id=\"horaires_jeudi\" name=\"horaires_jeudi\" value=\"9 h – 12 h\""),
        "{form_again}"
    );
    assert!(
        form_again.contains("value=\"02 41 51 00 00\""),
        "the phone spaced in the form"
    );

    let other = app
        .get(&format!("/annuaire/{nantes}/modifier"), Some(&manager))
        .await;
    assert_eq!(other.status(), StatusCode::FORBIDDEN, "not their structure");
}

#[tokio::test]
async fn a_manager_adds_an_offer_with_its_capacity_and_refines_the_default_one() {
    let (app, angers, nantes, manager) = app_with_places().await;
    let fields = vec![
        ("csrf_token", manager.csrf.as_str()),
        ("nom", "Ateliers premiers pas"),
        ("services", "Maîtrise des outils numériques du quotidien"),
        ("publics", "Seniors"),
        ("modalites", "Dans un atelier collectif"),
        ("capacite", "8"),
        ("delai", "14"),
        ("niveau", "Second niveau (parcours d'apprentissage)"),
        ("maniere", "Apprend à faire"),
        ("type_aide", "Inclusion numérique"),
        ("statut", "Officielle locale"),
    ];
    let created = app
        .post_form(
            &format!("/annuaire/{angers}/offres/nouvelle"),
            Some(&manager.cookie),
            &fields,
        )
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let offers = app.store.offers_of(angers).await.expect("offers");
    assert_eq!(offers.len(), 2);
    let workshop = &offers[1].offer;
    assert_eq!(workshop.name, "Ateliers premiers pas");
    assert_eq!(workshop.facts.capacity_per_week, Some(8));
    assert_eq!(workshop.facts.help_style, Some(HelpStyle::Teaches));

    let default_id = offers[0].id.to_string();
    let refine = vec![
        ("csrf_token", manager.csrf.as_str()),
        ("nom", "Permanence démarches"),
        ("services", "Aide aux démarches administratives"),
        ("capacite", "20"),
        ("maniere", "Fait pour la personne (aidant habilité)"),
    ];
    let updated = app
        .post_form(
            &format!("/annuaire/{angers}/offres/{default_id}"),
            Some(&manager.cookie),
            &refine,
        )
        .await;
    assert_eq!(updated.status(), StatusCode::SEE_OTHER);
    let offers = app.store.offers_of(angers).await.expect("offers");
    assert_eq!(offers[0].offer.name, "Permanence démarches");
    assert_eq!(offers[0].offer.facts.capacity_per_week, Some(20));
    let page = body_text(
        app.get(&format!("/annuaire/{angers}"), Some(&manager))
            .await,
    )
    .await;
    assert!(
        page.contains("Offres (2)")
            && page.contains("Ateliers premiers pas")
            && page.contains("Offre « Permanence démarches » modifiée")
    );

    let foreign = app
        .post_form(
            &format!("/annuaire/{nantes}/offres/nouvelle"),
            Some(&manager.cookie),
            &fields,
        )
        .await;
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    let bad = vec![
        ("csrf_token", manager.csrf.as_str()),
        ("nom", ""),
        ("capacite", "-3"),
    ];
    let refused = app
        .post_form(
            &format!("/annuaire/{angers}/offres/nouvelle"),
            Some(&manager.cookie),
            &bad,
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = body_text(refused).await;
    assert!(
        html.contains("Le nom de l'offre est obligatoire.")
            && html.contains("nombre entier entre 0 et 10000"),
        "{html}"
    );
    assert_eq!(
        app.store.offers_of(angers).await.expect("offers").len(),
        2,
        "nothing saved"
    );
}

#[tokio::test]
async fn a_coordinator_edits_the_places_of_their_territory_only() {
    let (app, angers, nantes, _) = app_with_places().await;
    let coordinator = app.sign_in(Role::Coordinator).await;
    // The import that built the places logged its own changes; a refused edit adds none.
    let logged = app.store.place_changes(nantes, 50).await.expect("changes");
    assert_eq!(
        app.get(&format!("/annuaire/{angers}/modifier"), Some(&coordinator))
            .await
            .status(),
        StatusCode::OK
    );
    let fields = form(&coordinator.csrf, &[("statut", "Officielle locale")]);
    let outside = app
        .post_form(
            &format!("/annuaire/{nantes}/modifier"),
            Some(&coordinator.cookie),
            &fields,
        )
        .await;
    assert_eq!(outside.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.store.place_changes(nantes, 50).await.expect("changes"),
        logged
    );
}

#[tokio::test]
async fn bad_input_is_explained_and_nothing_is_saved() {
    let (app, angers, _, manager) = app_with_places().await;
    let before = app.store.place(angers).await.expect("place");
    let logged = app.store.place_changes(angers, 50).await.expect("changes");
    let fields = vec![
        ("csrf_token", manager.csrf.as_str()),
        ("horaires_mardi", "le matin"),
        ("horaires_samedi", "18h-9h"),
        ("telephone", "02 41"),
        ("courriels", "accueil-at-mairie"),
        ("services", "Cuisine"),
    ];
    let response = app
        .post_form(
            &format!("/annuaire/{angers}/modifier"),
            Some(&manager.cookie),
            &fields,
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = body_text(response).await;
    for message in [
        "Mardi : « le matin » n'est pas compris",
        "Samedi : « 18h-9h » : l'heure de fin doit venir après l'heure de début.",
        "href=\"#horaires_mardi\"",
        "Numéro de téléphone « 02 41 » non reconnu",
        "nom@domaine.fr",
        "Valeur « Cuisine » inconnue.",
    ] {
        assert!(html.contains(message), "missing « {message} » in {html}");
    }
    assert!(html.contains("value=\"le matin\""), "typed values are kept");
    assert_eq!(app.store.place(angers).await.expect("place"), before);
    assert_eq!(
        app.store.place_changes(angers, 50).await.expect("changes"),
        logged
    );
}
