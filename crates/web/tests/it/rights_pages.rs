//! A person's rights through the real router: the export page (consents with their texts, the
//! diagnostic's profile, the referral's events, the sessions, who read the file) and the same as a
//! JSON file; another structure (or the structure that only follows the person) gets 404; a
//! correction asked by the person is audited by the fields changed, never their old values, and
//! registered; the administrator's register lists requests with their deadline and lateness, and
//! as CSV; an erasure keeps its register entry without the name.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use crate::common;

use aiguillage_domain::role::Role;
use aiguillage_store::AuditFilter;
use aiguillage_web::Settings;
use axum::http::{header, StatusCode};
use common::journeys::{good_session, referral_at_first_contact, world};
use common::{body_text, location, sign_in_elsewhere};

/// How askama writes a text in a page.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
}

#[tokio::test]
async fn the_export_shows_everything_held_and_the_json_file_holds_the_same() {
    let world = world(Settings::default()).await;
    let app = &world.app;
    let (person, referral) = referral_at_first_contact(&world, "Josiane").await;
    let recorded = app
        .post_form(
            &format!("{referral}/seances"),
            Some(&world.mediator.cookie),
            &good_session(&world.mediator.csrf),
        )
        .await;
    assert_eq!(recorded.status(), StatusCode::SEE_OTHER);
    // The mediator reads the person's file: the export names her among the readers.
    let read = app
        .get(&format!("/personnes/{person}"), Some(&world.mediator))
        .await;
    assert_eq!(read.status(), StatusCode::OK);

    let page_response = app
        .get(
            &format!("/personnes/{person}/donnees"),
            Some(&world.prescriber),
        )
        .await;
    assert_eq!(page_response.status(), StatusCode::OK);
    let page = body_text(page_response).await;
    assert!(page.contains("Vos données enregistrées"));
    assert!(page.contains("Josiane") && page.contains("Le Goff"));
    assert!(
        page.contains("Ce que nous gardons : votre nom"),
        "consent text"
    );
    assert!(
        page.contains("puisse vous accompagner"),
        "sharing consent text"
    );
    assert!(page.contains("Votre profil :") && page.contains("Votre autonomie :"));
    assert!(
        page.contains("Le 18/11/2026 : Accompagnement individuel"),
        "session"
    );
    assert!(page.contains("Compte mediatrice@example.fr"), "a reader");
    assert!(page.contains("aig-no-print"), "printable");

    let json_response = app
        .get(
            &format!("/personnes/{person}/donnees.json"),
            Some(&world.prescriber),
        )
        .await;
    assert_eq!(json_response.status(), StatusCode::OK);
    let disposition = json_response
        .headers()
        .get(header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    let doc: serde_json::Value =
        serde_json::from_str(&body_text(json_response).await).expect("JSON");
    for key in [
        "person",
        "consents",
        "diagnostics",
        "referrals",
        "audit",
        "requests",
    ] {
        assert!(doc.get(key).is_some(), "{key}");
    }
    assert_eq!(doc["person"]["reference"], format!("personne-{person}"));
    let diagnostic = &doc["diagnostics"][0];
    assert!(diagnostic["typology"]["code"].is_string());
    assert!(diagnostic["typology"]["label"].is_string());
    assert!(diagnostic["profile"]["typology"].is_string());
    let referral_doc = &doc["referrals"][0];
    assert_eq!(referral_doc["sessions"].as_array().map(Vec::len), Some(1));
    let events = referral_doc["events"].as_array().expect("events");
    assert!(events.len() >= 3, "{events:?}");
    for event in events {
        let text = event["event"].as_str().expect("event text");
        assert!(page.contains(&escaped(text)), "{text} on the page");
    }
    assert!(doc["audit"]
        .as_array()
        .expect("audit")
        .iter()
        .any(|entry| entry["who"] == "Compte mediatrice@example.fr"));

    // The mediator's structure only follows the person: not found, as for anyone else's person.
    for path in ["donnees", "donnees.json"] {
        let response = app
            .get(
                &format!("/personnes/{person}/{path}"),
                Some(&world.mediator),
            )
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let elsewhere =
        sign_in_elsewhere(app, world.library_id, "autre@example.fr", Role::Prescriber).await;
    let response = app
        .get(&format!("/personnes/{person}/donnees"), Some(&elsewhere))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_correction_asked_by_the_person_is_audited_without_the_old_values() {
    let world = world(Settings::default()).await;
    let app = &world.app;
    let prescriber = &world.prescriber;
    let (person, _) = referral_at_first_contact(&world, "Josiane").await;
    let corrected = app
        .post_form(
            &format!("/personnes/{person}/modifier"),
            Some(&prescriber.cookie),
            &[
                ("csrf_token", prescriber.csrf.as_str()),
                ("prenom", "Josiane"),
                ("nom", "Kerbrat"),
                ("telephone", "0698765432"),
                ("commune_recherche", "Angers"),
                ("commune", "49007"),
                ("a_la_demande", "oui"),
            ],
        )
        .await;
    assert_eq!(corrected.status(), StatusCode::SEE_OTHER);
    let (entries, _) = app
        .store
        .search_audit(&AuditFilter::default(), 1_000, 0)
        .await
        .expect("audit");
    let all = format!("{entries:?}");
    for value in ["Le Goff", "0612345678", "Kerbrat", "0698765432"] {
        assert!(!all.contains(value), "{value} in the audit table");
    }
    assert!(entries
        .iter()
        .any(|entry| entry.reason.ends_with("[changed:last_name,phone]")));
    let admin = app.sign_in(Role::Administrator).await;
    let journal = body_text(app.get("/administration/journal", Some(&admin)).await).await;
    assert!(
        journal.contains("modifiés : nom, téléphone"),
        "the journal in words"
    );
    let register = body_text(
        app.get("/administration/demandes-droits", Some(&admin))
            .await,
    )
    .await;
    assert!(register.contains("Rectification"));
    assert!(register.contains(&format!("personne-{person}")));
}

#[tokio::test]
async fn the_register_lists_requests_with_their_deadline_and_exports_them() {
    let world = world(Settings::default()).await;
    let app = &world.app;
    let prescriber = &world.prescriber;
    let (person, _) = referral_at_first_contact(&world, "Josiane").await;
    let registered = app
        .post_form(
            &format!("/personnes/{person}/demandes-droits"),
            Some(&prescriber.cookie),
            &[
                ("csrf_token", prescriber.csrf.as_str()),
                ("type", "access"),
                ("recue_le", ""),
            ],
        )
        .await;
    assert_eq!(registered.status(), StatusCode::SEE_OTHER);
    let to = location(&registered).expect("to the export");
    assert!(
        to.starts_with(&format!("/personnes/{person}/donnees?demande=")),
        "{to}"
    );
    let export = body_text(app.get(&to, Some(prescriber)).await).await;
    assert!(export.contains("Données remises : demande répondue"));
    let request = to
        .rsplit_once('=')
        .map(|(_, id)| id.to_owned())
        .expect("id");
    let answered = app
        .post_form(
            &format!("/personnes/{person}/demandes-droits/{request}/reponse"),
            Some(&prescriber.cookie),
            &[("csrf_token", prescriber.csrf.as_str())],
        )
        .await;
    assert_eq!(answered.status(), StatusCode::SEE_OTHER);
    // A date in the future: the form comes back with its message, nothing registered.
    let refused = app
        .post_form(
            &format!("/personnes/{person}/demandes-droits"),
            Some(&prescriber.cookie),
            &[
                ("csrf_token", prescriber.csrf.as_str()),
                ("type", "objection"),
                ("recue_le", "01/01/2027"),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = body_text(refused).await;
    assert!(refused.contains("ne peut pas être dans le futur"));
    assert!(refused.contains("value=\"01/01/2027\""), "the date kept");
    // An objection received long ago, not answered: late.
    let late = app
        .post_form(
            &format!("/personnes/{person}/demandes-droits"),
            Some(&prescriber.cookie),
            &[
                ("csrf_token", prescriber.csrf.as_str()),
                ("type", "objection"),
                ("recue_le", "01/10/2026"),
            ],
        )
        .await;
    assert_eq!(late.status(), StatusCode::SEE_OTHER);
    let person_page = body_text(
        app.get(&format!("/personnes/{person}"), Some(prescriber))
            .await,
    )
    .await;
    assert!(person_page.contains("Droits de la personne"));
    assert!(person_page.contains("En retard"));

    let admin = app.sign_in(Role::Administrator).await;
    let register = body_text(
        app.get("/administration/demandes-droits", Some(&admin))
            .await,
    )
    .await;
    assert!(register.contains("Accès à ses données"));
    assert!(
        register.contains("18/12/2026"),
        "deadline of the access request"
    );
    assert!(register.contains("01/11/2026"), "deadline of the objection");
    assert!(register.contains("En retard") && register.contains("Répondue"));
    assert!(!register.contains("Josiane") && !register.contains("Le Goff"));
    let late_only = body_text(
        app.get(
            "/administration/demandes-droits?etat=en-retard",
            Some(&admin),
        )
        .await,
    )
    .await;
    assert!(late_only.contains("Opposition") && !late_only.contains("Accès à ses données"));
    assert_eq!(
        late_only.matches("<td><code>personne-").count(),
        1,
        "one late request"
    );

    let csv_response = app
        .get(
            "/administration/demandes-droits.csv?separateur=point-virgule",
            Some(&admin),
        )
        .await;
    assert_eq!(csv_response.status(), StatusCode::OK);
    let kind = csv_response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(kind.starts_with("text/csv"), "{kind}");
    let csv = body_text(csv_response).await;
    assert!(csv.contains("recue_le;type;structure;personne"), "{csv}");
    assert!(csv.contains(&format!("personne-{person}")));
    assert!(csv.contains("2026-12-18") && csv.contains("En retard"));

    // A prescriber does not reach the register.
    let refused = app
        .get("/administration/demandes-droits", Some(prescriber))
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_erasure_keeps_its_register_entry_without_the_name() {
    let world = world(Settings::default()).await;
    let app = &world.app;
    let prescriber = &world.prescriber;
    let (person, _) = referral_at_first_contact(&world, "Josiane").await;
    let erased = app
        .post_form(
            &format!("/personnes/{person}/effacer"),
            Some(&prescriber.cookie),
            &[
                ("csrf_token", prescriber.csrf.as_str()),
                ("confirmer", "oui"),
                ("motif", "effacement"),
            ],
        )
        .await;
    assert_eq!(erased.status(), StatusCode::SEE_OTHER);
    let gone = app
        .get(&format!("/personnes/{person}"), Some(prescriber))
        .await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    let admin = app.sign_in(Role::Administrator).await;
    let register = body_text(
        app.get("/administration/demandes-droits", Some(&admin))
            .await,
    )
    .await;
    assert!(register.contains("Effacement"));
    assert!(register.contains(&format!("personne-{person}")));
    assert!(!register.contains("Josiane") && !register.contains("Le Goff"));
    let csv = body_text(
        app.get("/administration/demandes-droits.csv", Some(&admin))
            .await,
    )
    .await;
    assert!(!csv.contains("Josiane") && !csv.contains("Le Goff"));
}
