//! The sheet the person takes home, through the real router: it names the receiving place (not the
//! sender) with its address, phone, ways in and hours in plain French, who contacts the person and
//! within how many days, what to bring and the helpline; it goes by e-mail to the person only when
//! they agree (a real SMTP server receives it); another structure finds nothing. Without consent
//! to store, the diagnostic keeps the commune typed, ranks the offers and promises no call.

use crate::common;

use aiguillage_web::Settings;
use axum::http::StatusCode;
use common::journeys::{sent_referral, world, ANSWERS};
use common::{body_text, location, sign_in_territory, SmtpServer};

#[tokio::test]
async fn the_sheet_names_the_receiving_place_and_goes_by_mail_only_with_agreement() {
    let smtp = SmtpServer::start();
    let settings = smtp.settings();
    let world = world(settings).await;
    let (app, prescriber) = (&world.app, &world.prescriber);
    let (person, referral) = sent_referral(&world, "Josiane").await;
    let page = body_text(app.get(&referral, Some(prescriber)).await).await;
    let sheet = format!("{referral}/fiche");
    assert!(page.contains(&format!("href=\"{sheet}\"")), "{page}");

    let page = body_text(app.get(&sheet, Some(prescriber)).await).await;
    for expected in [
        "Médiathèque Toussaint",
        "49 rue Toussaint",
        "49100 Angers",
        "02 41 24 25 50",
        "Vous pouvez venir sur place aux heures d'ouverture.",
        "mardi : 10 h – 18 h",
        "samedi : 10 h – 13 h",
        "lundi : fermé",
        "Médiathèque Toussaint vous appelle ou vous écrit d'ici 15 jours.",
        "Vos lunettes si vous en portez.",
        "Solidarité numérique",
        "01 70 772 372",
    ] {
        assert!(page.contains(expected), "« {expected} » missing: {page}");
    }
    assert!(
        !page.contains("Angers vous appelle"),
        "the sender does not call: {page}"
    );

    // No address on record: the sheet says to print it, and mailing is refused.
    let refused = app
        .post_form(
            &sheet,
            Some(&prescriber.cookie),
            &[("csrf_token", prescriber.csrf.as_str()), ("accord", "oui")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = body_text(refused).await;
    assert!(refused.contains("pas d'adresse e-mail"), "{refused}");

    // With an address: refused without the box ticked, sent with it.
    let edit = app
        .post_form(
            &format!("/personnes/{person}/modifier"),
            Some(&prescriber.cookie),
            &[
                ("csrf_token", prescriber.csrf.as_str()),
                ("prenom", "Josiane"),
                ("nom", "Le Goff"),
                ("telephone", "0612345678"),
                ("courriel", "josiane@example.fr"),
                ("commune_recherche", "Angers"),
            ],
        )
        .await;
    assert_eq!(edit.status(), StatusCode::SEE_OTHER);
    let unticked = app
        .post_form(
            &sheet,
            Some(&prescriber.cookie),
            &[("csrf_token", prescriber.csrf.as_str())],
        )
        .await;
    assert_eq!(unticked.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let to_person = |mails: Vec<String>| -> Vec<String> {
        mails
            .into_iter()
            .filter(|m| m.contains("To: josiane@example.fr"))
            .collect()
    };
    assert!(to_person(smtp.received()).is_empty());
    let sent = app
        .post_form(
            &sheet,
            Some(&prescriber.cookie),
            &[("csrf_token", prescriber.csrf.as_str()), ("accord", "oui")],
        )
        .await;
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    let shown = body_text(
        app.get(&location(&sent).expect("back"), Some(prescriber))
            .await,
    )
    .await;
    assert!(
        shown.contains("Fiche envoyée à josiane@example.fr"),
        "{shown}"
    );
    let mails = to_person(smtp.received());
    assert_eq!(mails.len(), 1, "{:?}", smtp.received());
    assert!(mails[0].contains("josiane@example.fr"), "{}", mails[0]);
    assert!(mails[0].contains("Toussaint"), "{}", mails[0]);

    // Another structure, and a stranger to the referral, find nothing.
    let stranger = sign_in_territory(
        app,
        (aiguillage_domain::role::Role::Prescriber, "49", "49328"),
        "prescriptrice.saumur@example.fr",
    )
    .await;
    assert_eq!(
        app.get(&sheet, Some(&stranger)).await.status(),
        StatusCode::NOT_FOUND
    );
    // The receiving library may print it again (the person agreed to share with it).
    let receiving = app.get(&sheet, Some(&world.mediator)).await;
    assert_eq!(receiving.status(), StatusCode::OK);
}

#[tokio::test]
async fn without_consent_the_commune_stays_on_screen_with_ranked_offers_and_no_call_is_promised() {
    let world = world(Settings::default()).await;
    let (app, prescriber) = (&world.app, &world.prescriber);
    let mut answers = vec![
        ("csrf_token", prescriber.csrf.as_str()),
        ("commune", "Angers"),
    ];
    answers.extend_from_slice(ANSWERS);
    let before = aiguillage_store::testing::database_contents(&app.store)
        .await
        .expect("contents");
    let response = app
        .post_form(
            "/diagnostic-sans-enregistrement",
            Some(&prescriber.cookie),
            &answers,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = body_text(response).await;
    assert!(
        page.contains("autour d'Angers") || page.contains("autour d&#39;Angers"),
        "{page}"
    );
    assert!(page.contains("Médiathèque Toussaint"), "{page}");
    assert!(page.contains("personne ne vous appellera"), "{page}");
    assert!(!page.contains("vous appelle ou vous écrit"), "{page}");
    let after = aiguillage_store::testing::database_contents(&app.store)
        .await
        .expect("contents");
    let changed: Vec<_> = before
        .keys()
        .filter(|t| before.get(*t) != after.get(*t) && !t.contains("audit"))
        .collect();
    assert!(changed.is_empty(), "nothing stored: {changed:?}");
}
