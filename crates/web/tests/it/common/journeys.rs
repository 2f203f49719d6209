//! A referral's journey shared by the pathway and steering tests: a library in Angers that receives
//! referrals, its mediator, and a person enrolled, diagnosed, sent, accepted and first contacted.

use super::{location, referral_location, sign_in_elsewhere, Session, TestApp};
use aiguillage_domain::directory::{Place, Service, SupportMode};
use aiguillage_domain::role::Role;
use aiguillage_web::Settings;
use axum::http::StatusCode;

pub const ANSWERS: &[(&str, &str)] = &[
    ("equipement", "Un smartphone"),
    ("competence_appareil", "Avec de l'aide"),
    ("competence_recherche", "Pas du tout"),
    ("competence_messagerie", "Avec de l'aide"),
    ("competence_demarche", "Pas du tout"),
    ("competence_securite", "Pas du tout"),
    ("lecture", "À l'aise"),
    ("ecriture", "À l'aise"),
    ("langues", "Français"),
    ("deplacement", "Jusqu'à 15 km"),
    ("envie", "Oui"),
];

pub const MEDIATOR: &str = "mediatrice@example.fr";

/// The app, the library in Angers that receives referrals, and its mediator signed in.
pub struct World {
    pub app: TestApp,
    pub library_id: i64,
    pub offer_id: i64,
    pub prescriber: Session,
    pub mediator: Session,
}

pub async fn world(settings: Settings) -> World {
    let app = TestApp::with_settings(settings).await;
    let place = Place {
        id: "mediatheque-angers".into(),
        pivot: "21490007800012".into(),
        name: "Médiathèque Toussaint".into(),
        commune: "Angers".into(),
        postal_code: "49100".into(),
        insee_code: Some("49007".into()),
        address: "49 rue Toussaint".into(),
        phone: Some("02 41 24 25 50".into()),
        opening_hours: Some("Tu-Fr 10:00-18:00; Sa 10:00-13:00".into()),
        access_modes: vec![
            aiguillage_domain::directory::AccessMode::WalkIn,
            aiguillage_domain::directory::AccessMode::Phone,
        ],
        updated_on: "2026-01-15".into(),
        services: vec![Service::EverydayTools, Service::AdministrativeProcedures],
        support_modes: vec![SupportMode::Individual, SupportMode::CollectiveWorkshop],
        ..Place::default()
    };
    app.store
        .import_places("test", &[(2, place)], None, 0, &|_, _| {})
        .await
        .expect("import");
    let library_id = app
        .store
        .place_id("test", "mediatheque-angers")
        .await
        .expect("id")
        .expect("imported");
    let offer_id = app.store.offers_of(library_id).await.expect("offers")[0].id;
    let prescriber = app.sign_in(Role::Prescriber).await;
    let mediator = sign_in_elsewhere(&app, library_id, MEDIATOR, Role::Mediator).await;
    World {
        app,
        library_id,
        offer_id,
        prescriber,
        mediator,
    }
}

/// Enrols a person of Angers at the CCAS (with an e-mail address when not empty) and diagnoses them
/// with `ANSWERS` and the `extra` answers (urgency, availability…). Returns the person's id.
pub async fn diagnosed_person(
    app: &TestApp,
    prescriber: &Session,
    (first_name, email): (&str, &str),
    extra: &[(&str, &str)],
) -> i64 {
    let mut fields = vec![("csrf_token", prescriber.csrf.as_str())];
    fields.extend_from_slice(&[
        ("prenom", first_name),
        ("nom", "Le Goff"),
        ("telephone", "0612345678"),
        ("courriel", email),
        ("commune_recherche", "Angers"),
        ("consentement", "oui"),
    ]);
    let response = app
        .post_form("/personnes/inscrire", Some(&prescriber.cookie), &fields)
        .await;
    let to = location(&response).expect("enrolled");
    let mut answers = vec![("csrf_token", prescriber.csrf.as_str())];
    answers.extend_from_slice(ANSWERS);
    answers.extend_from_slice(extra);
    let response = app.post_form(&to, Some(&prescriber.cookie), &answers).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    to.trim_start_matches("/personnes/")
        .trim_end_matches("/diagnostic")
        .parse()
        .expect("id")
}

/// Enrols and diagnoses a person at the CCAS and sends them to the library. Returns (person id,
/// referral path).
pub async fn sent_referral(world: &World, first_name: &str) -> (i64, String) {
    let (app, prescriber) = (&world.app, &world.prescriber);
    let person = diagnosed_person(app, prescriber, (first_name, ""), &[]).await;
    let offer = world.offer_id.to_string();
    let sent = app
        .post_form(
            &format!("/personnes/{person}/orientation"),
            Some(&prescriber.cookie),
            &[
                ("csrf_token", &prescriber.csrf),
                ("offre", &offer),
                ("consentement", "oui"),
            ],
        )
        .await;
    let referral = referral_location(&sent).expect("sent");
    (person, referral)
}

/// Enrols and diagnoses a person at the CCAS, sends them to the library, and lets the library
/// accept and record the first contact. Returns (person id, referral path).
pub async fn referral_at_first_contact(world: &World, first_name: &str) -> (i64, String) {
    let (person, referral) = sent_referral(world, first_name).await;
    let app = &world.app;
    for (action, version) in [("accepter", "1"), ("premier_contact", "2")] {
        let response = app
            .post_form(
                &referral,
                Some(&world.mediator.cookie),
                &[
                    ("csrf_token", &world.mediator.csrf),
                    ("action", action),
                    ("version", version),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{action}");
    }
    (person, referral)
}

/// Today's date in the test clock, as the form sends it.
pub const TODAY: &str = "2026-11-18";

pub fn good_session(csrf: &str) -> Vec<(&str, &str)> {
    vec![
        ("csrf_token", csrf),
        ("date", TODAY),
        ("duree", "45"),
        ("duree_autre", ""),
        ("lieu", "lieu_activite"),
        ("materiel", "telephone"),
        ("thematiques", "email"),
        ("demarches", "logement"),
        ("autonomie", "partiellement_autonome"),
        ("notes", "Revoir la sauvegarde des photos."),
    ]
}
