//! A receiving structure corrects or deletes the sessions it recorded, through the real router: the
//! form comes back filled, a correction obeys the recording rules (no date after today where the
//! structure is, in its legal time: at 23:30 UTC it is already tomorrow in Angers), a refused one
//! changes nothing, a deletion asks for confirmation, and nobody else reaches the session.

use crate::common;

use aiguillage_domain::role::Role;
use aiguillage_store::testing::database_contents;
use aiguillage_web::Settings;
use axum::http::StatusCode;
use common::journeys::{good_session, referral_at_first_contact, world, TODAY};
use common::{body_text, location, sign_in_elsewhere};

/// The session form with another date and duration.
fn corrected<'a>(csrf: &'a str, date: &'a str, minutes: &'a str) -> Vec<(&'a str, &'a str)> {
    good_session(csrf)
        .into_iter()
        .map(|(k, v)| match k {
            "date" => (k, date),
            "duree" => (k, "autre"),
            "duree_autre" => (k, minutes),
            _ => (k, v),
        })
        .collect()
}

#[tokio::test]
async fn the_receiving_structure_corrects_and_deletes_its_own_session() {
    let world = world(Settings::default()).await;
    let (app, mediator) = (&world.app, &world.mediator);
    let (_, referral) = referral_at_first_contact(&world, "Gisèle").await;
    let recorded = app
        .post_form(
            &format!("{referral}/seances"),
            Some(&mediator.cookie),
            &good_session(&mediator.csrf),
        )
        .await;
    assert_eq!(recorded.status(), StatusCode::SEE_OTHER);
    let page = body_text(app.get(&referral, Some(mediator)).await).await;
    let marker = "href=\"/seances/";
    let start = page.find(marker).expect("a link to correct the session") + marker.len();
    let id: String = page[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let edit = format!("/seances/{id}/modifier");

    let form = body_text(app.get(&edit, Some(mediator)).await).await;
    assert!(form.contains(&format!("value=\"{TODAY}\"")), "{form}");
    assert!(form.contains("Revoir la sauvegarde des photos."), "{form}");
    // The sending structure sees the session on the referral, but cannot touch it.
    let prescriber = &world.prescriber;
    assert_eq!(
        app.get(&edit, Some(prescriber)).await.status(),
        StatusCode::NOT_FOUND
    );
    let sender_page = body_text(app.get(&referral, Some(prescriber)).await).await;
    assert!(!sender_page.contains(&edit), "{sender_page}");

    // A date after today where the library is: refused, nothing changed, the values kept.
    let before = database_contents(&app.store).await.expect("contents");
    let refused = app
        .post_form(
            &edit,
            Some(&mediator.cookie),
            &corrected(&mediator.csrf, "2026-11-19", "50"),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = body_text(refused).await;
    assert!(
        refused.contains("La date de la séance (2026-11-19) est dans le futur."),
        "{refused}"
    );
    assert!(refused.contains("value=\"50\""), "{refused}");
    assert_eq!(
        before,
        database_contents(&app.store).await.expect("contents")
    );

    // 23:30 UTC on the 18th is already the 19th in Angers: the same date is now accepted.
    // Another mediator of the library signs in then (the first one's session has expired): any
    // mediator of the structure that recorded it may correct it.
    app.advance(12 * 3_600 + 23 * 60 + 20);
    let mediator = &sign_in_elsewhere(
        app,
        world.library_id,
        "second.mediateur@example.fr",
        Role::Mediator,
    )
    .await;
    let done = app
        .post_form(
            &edit,
            Some(&mediator.cookie),
            &corrected(&mediator.csrf, "2026-11-19", "50"),
        )
        .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&done).as_deref(),
        Some(format!("{referral}?fait=seance_corrigee#seances").as_str())
    );
    let shown = format!("{referral}?fait=seance_corrigee");
    let page = body_text(app.get(&shown, Some(mediator)).await).await;
    assert!(page.contains("Séance corrigée."), "{page}");
    assert!(
        page.contains("<tr><td>19/11/2026</td><td>50 min</td>"),
        "{page}"
    );
    assert!(
        !page.contains("<tr><td>18/11/2026</td>"),
        "the old date is gone: {page}"
    );

    // A deletion must be confirmed; then the session is gone and the referral keeps its state.
    let delete = format!("/seances/{id}/supprimer");
    let unconfirmed = app
        .post_form(
            &delete,
            Some(&mediator.cookie),
            &[("csrf_token", mediator.csrf.as_str())],
        )
        .await;
    assert_eq!(unconfirmed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let unconfirmed = body_text(unconfirmed).await;
    assert!(
        unconfirmed.contains("Cochez la case de confirmation pour supprimer la séance"),
        "{unconfirmed}"
    );
    let deleted = app
        .post_form(
            &delete,
            Some(&mediator.cookie),
            &[("csrf_token", mediator.csrf.as_str()), ("confirmer", "oui")],
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    let shown = location(&deleted).expect("back to the referral");
    let page = body_text(app.get(&shown, Some(mediator)).await).await;
    assert!(page.contains("Séance supprimée."), "{page}");
    assert!(page.contains("Aucune séance enregistrée"), "{page}");
    assert!(page.contains("En parcours"), "{page}");
    assert_eq!(
        app.get(&edit, Some(mediator)).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_session_date_typed_the_french_way_is_read_and_a_wrong_one_explained() {
    let world = common::journeys::world(aiguillage_web::Settings::default()).await;
    let (app, mediator) = (&world.app, &world.mediator);
    let (_, referral) = common::journeys::referral_at_first_contact(&world, "Ginette").await;
    let record = |date: &'static str| {
        let mut fields = common::journeys::good_session(&mediator.csrf);
        fields[1] = ("date", date);
        let path = format!("{referral}/seances");
        async move { app.post_form(&path, Some(&mediator.cookie), &fields).await }
    };
    let wrong = record("31/02/2026").await;
    assert_eq!(wrong.status(), axum::http::StatusCode::UNPROCESSABLE_ENTITY);
    let page = common::body_text(wrong).await;
    assert!(page.contains("sous la forme JJ/MM/AAAA"), "{page}");
    assert!(
        page.contains("Format attendu : JJ/MM/AAAA"),
        "the hint: {page}"
    );
    let typed = record("17/11/2026").await;
    assert_eq!(typed.status(), axum::http::StatusCode::SEE_OTHER);
    let page = common::body_text(app.get(&referral, Some(mediator)).await).await;
    assert!(page.contains("17/11/2026"), "{page}");
}
