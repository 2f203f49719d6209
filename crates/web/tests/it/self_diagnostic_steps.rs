//! The public self-diagnostic one question at a time, played as a browser without JavaScript would:
//! each page shows one question with its place in the list, the answers given so far travel in
//! hidden fields, a needed answer left out keeps the person on the question with a linked message,
//! going back keeps every answer, and the places suggested at the end are the ones the professional
//! ranking puts first — a full place is never suggested.

use crate::common::journeys::{sent_referral, world, ANSWERS};
use crate::common::{body_text, set_cookie, TestApp, START};
use aiguillage_web::Settings;
use axum::http::StatusCode;

/// The step fields in their order (each page asks the one at its rank).
const ORDER: &[&str] = &[
    "equipement",
    "competence_appareil",
    "competence_recherche",
    "competence_messagerie",
    "competence_demarche",
    "competence_securite",
    "lecture",
    "ecriture",
    "langues",
    "prise_en_charge",
    "deplacement",
    "moyens",
    "a_distance",
    "disponibilites",
    "envie",
    "leviers",
    "urgence_organisme",
    "commune",
];

fn unescape(text: &str) -> String {
    text.replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The hidden fields of a page, as a browser sends them back.
fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let marker = "<input type=\"hidden\" name=\"";
    html.match_indices(marker)
        .filter_map(|(at, _)| {
            let rest = &html[at + marker.len()..];
            let (name, rest) = rest.split_once('"')?;
            let value = rest.split_once("value=\"")?.1.split_once('"')?.0;
            Some((name.to_owned(), unescape(value)))
        })
        .collect()
}

/// A person with no account: the anti-forgery cookie and the first page.
async fn first_page(app: &TestApp) -> (String, String) {
    let page = app.get("/auto-diagnostic", None).await;
    assert_eq!(page.status(), StatusCode::OK);
    let cookie = format!(
        "__Host-aiguillage_csrf={}",
        set_cookie(&page, "__Host-aiguillage_csrf").expect("csrf cookie")
    );
    (cookie, body_text(page).await)
}

/// Posts the page's hidden fields with `answers` and `aller`.
async fn post_step(
    app: &TestApp,
    cookie: &str,
    page: &str,
    answers: &[(&str, &str)],
    going: &str,
) -> (StatusCode, String) {
    let mut fields = hidden_fields(page);
    fields.extend(
        answers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    fields.push(("aller".to_owned(), going.to_owned()));
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let response = app
        .post_form("/auto-diagnostic", Some(cookie), &borrowed)
        .await;
    let status = response.status();
    (status, body_text(response).await)
}

/// The answers of the journeys' questionnaire for one step (the commune typed at the last one).
fn answers_of<'a>(field: &str, commune: &'a str) -> Vec<(&'static str, &'a str)> {
    if field == "commune" {
        return vec![("commune", commune)];
    }
    ANSWERS
        .iter()
        .filter(|(name, _)| *name == field)
        .map(|(name, value)| (*name, *value))
        .collect()
}

#[tokio::test]
async fn one_question_a_page_with_its_place_a_linked_error_and_answers_kept_going_back() {
    let app = TestApp::new().await;
    let (cookie, page) = first_page(&app).await;
    let total = ORDER.len();
    assert!(page.contains(&format!("Question 1 sur {total}")), "{page}");
    assert!(
        page.contains("Qu&#x27;avez-vous pour aller sur internet")
            || page.contains("Qu'avez-vous pour aller sur internet")
    );
    assert!(
        page.contains("01 70 772 372"),
        "the national helpline on every step"
    );
    assert!(!page.contains("name=\"lecture\""), "one question only");
    assert!(
        page.contains("Une adresse e-mail que vous savez ouvrir"),
        "the words shown say « vous »"
    );

    let (status, second) = post_step(
        &app,
        &cookie,
        &page,
        &[("equipement", "Un smartphone")],
        "suivant",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        second.contains(&format!("Question 2 sur {total}")),
        "{second}"
    );
    assert!(
        second.contains("name=\"equipement\" value=\"Un smartphone\""),
        "carried hidden"
    );

    // Going on without the needed answer: the same question, a message linked to its first answer.
    let (status, refused) = post_step(&app, &cookie, &second, &[], "suivant").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("Il manque une réponse"), "{refused}");
    assert!(
        refused.contains("href=\"#competence_appareil-1\""),
        "{refused}"
    );
    assert!(refused.contains("id=\"competence_appareil-1\""));
    assert!(refused.contains(&format!("Question 2 sur {total}")));

    // Going back keeps both the earlier answer (checked again) and the one just given (carried).
    let (_, back) = post_step(
        &app,
        &cookie,
        &refused,
        &[("competence_appareil", "Seul")],
        "precedent",
    )
    .await;
    assert!(back.contains(&format!("Question 1 sur {total}")), "{back}");
    assert!(back.contains("value=\"Un smartphone\" checked"), "{back}");
    assert!(
        back.contains("name=\"competence_appareil\" value=\"Seul\""),
        "{back}"
    );

    // A value the step does not offer (a tampered form) is refused with a French message.
    let (status, tampered) = post_step(
        &app,
        &cookie,
        &second,
        &[("competence_appareil", "Expert")],
        "suivant",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        tampered.contains("n&#x27;est pas proposée") || tampered.contains("n'est pas proposée"),
        "{tampered}"
    );
}

#[tokio::test]
async fn the_places_suggested_are_the_rankings_and_a_full_one_is_left_out() {
    let world = world(Settings::default()).await;
    let app = &world.app;
    // The library takes one person a week and already has one: full.
    let mut offer = app.store.offers_of(world.library_id).await.expect("offers")[0]
        .offer
        .clone();
    offer.facts.capacity_per_week = Some(1);
    app.store
        .save_offer(
            world.library_id,
            Some(world.offer_id),
            &offer,
            None,
            aiguillage_store::PlaceRights::Everything,
            START,
        )
        .await
        .expect("capacity");
    sent_referral(&world, "Hélène").await;
    let other = aiguillage_domain::directory::Place {
        id: "espace-belle-beille".into(),
        pivot: "21490007800020".into(),
        name: "Espace Belle-Beille".into(),
        commune: "Angers".into(),
        postal_code: "49000".into(),
        insee_code: Some("49007".into()),
        address: "5 rue Eugène Bardon".into(),
        updated_on: "2026-01-15".into(),
        services: vec![
            aiguillage_domain::directory::Service::EverydayTools,
            aiguillage_domain::directory::Service::AdministrativeProcedures,
        ],
        support_modes: vec![aiguillage_domain::directory::SupportMode::Individual],
        ..aiguillage_domain::directory::Place::default()
    };
    app.store
        .import_places("test", &[(2, other)], None, 0, &|_, _| {})
        .await
        .expect("import");

    let (cookie, mut page) = first_page(app).await;
    for (rank, field) in ORDER.iter().enumerate() {
        assert!(
            page.contains(&format!("Question {} sur {}", rank + 1, ORDER.len())),
            "{field}: {page}"
        );
        let (status, next) =
            post_step(app, &cookie, &page, &answers_of(field, "Angers"), "suivant").await;
        assert_eq!(status, StatusCode::OK, "{field}: {next}");
        page = next;
    }
    assert!(page.contains("Votre résultat"), "{page}");
    assert!(
        page.contains("Espace Belle-Beille"),
        "the place that fits: {page}"
    );
    assert!(
        !page.contains("Médiathèque Toussaint"),
        "a full place is not suggested: {page}"
    );
    assert!(
        page.contains("Près de Angers")
            || page.contains("Près d&#x27;Angers")
            || page.contains("Près d'Angers"),
        "{page}"
    );
}
