//! Every form with a free-text field refuses a social security number (whatever its separators), an
//! IBAN or a card number with a French message naming the field, and writes nothing; the same form
//! with a clean text goes through, so the refusal is the text's alone.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use crate::common;
use aiguillage_domain::ids::{AccountId, PersonId, StructureId};

use aiguillage_domain::orientation::ReferralState;
use aiguillage_domain::role::Role;
use aiguillage_store::Actor;
use aiguillage_web::Settings;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::journeys::{
    good_session, referral_at_first_contact, world, World, ANSWERS, MEDIATOR, TODAY,
};
use common::{body_text, email_of, location};
use time::Date;

const NIR_DASHES: &str = "sécu 1-85-05-49-007-123-45";
const NIR_DOTS: &str = "n° 2.85.05.49.007.123.45 à vérifier";
const NIR_MIXED: &str = "1 85.05-49 007/123 45";
const IBAN: &str = "virement sur FR76 3000 6000 0112 3456 7890 189";
const CARD: &str = "carte 4111 1111 1111 1111";
const API_ANSWERS: &str = r#"{"equipment":["Un ordinateur","Internet à la maison"],
    "skills":[["Utiliser un appareil","Seul"],["Chercher une information","Seul"],
              ["Courriel et messagerie","Seul"],["Faire une démarche en ligne","Seul"],
              ["Se protéger en ligne","Avec de l'aide"]],
    "detailed":[],"french_reading":"À l'aise","french_writing":"À l'aise","languages":["Français"],
    "support_needs":[],"travel_range":"Jusqu'à 15 km","travel_modes":[],"accepts_remote":true,
    "availability":[],"willingness":"Oui","levers":[],"urgency":null,"notes":null}"#;

async fn account_id(world: &World, email: &str) -> i64 {
    let accounts = world.app.store.list_accounts().await.expect("accounts");
    accounts
        .iter()
        .find(|a| a.email.as_str() == email)
        .expect("account")
        .id
}

fn referral_id(path: &str) -> i64 {
    path.trim_start_matches("/orientations/")
        .parse()
        .expect("referral id")
}

async fn state_of(world: &World, referral: &str) -> ReferralState {
    world
        .app
        .store
        .referral_state(referral_id(referral))
        .await
        .expect("read")
        .expect("exists")
        .state
}

/// How many sessions the library recorded, read straight from the store.
async fn library_sessions(world: &World) -> usize {
    let actor = Actor {
        account_id: AccountId::new(account_id(world, MEDIATOR).await),
        structure_id: StructureId::new(world.library_id),
        reason: "test",
    };
    let years = (
        Date::from_calendar_date(2020, time::Month::January, 1).expect("date"),
        Date::from_calendar_date(2030, time::Month::December, 31).expect("date"),
    );
    world
        .app
        .store
        .sessions_of_structure(&actor, years, common::START)
        .await
        .expect("sessions")
        .len()
}

#[tokio::test]
async fn diagnostic_notes_and_override_reasons_refuse_identifiers_and_write_nothing() {
    let world = world(Settings::default()).await;
    let (app, prescriber) = (&world.app, &world.prescriber);
    let (person, _) = referral_at_first_contact(&world, "Josiane").await;
    let before = app.store.personal_row_counts().await.expect("counts");

    let form = format!("/personnes/{person}/diagnostic");
    let mut answers = vec![("csrf_token", prescriber.csrf.as_str())];
    answers.extend_from_slice(ANSWERS);
    let mut with_notes = answers.clone();
    with_notes.push(("notes", NIR_DASHES));
    let refused = app
        .post_form(&form, Some(&prescriber.cookie), &with_notes)
        .await;
    assert_ne!(refused.status(), StatusCode::SEE_OTHER);
    let page = body_text(refused).await;
    assert!(
        page.contains("Le champ « Notes » semble contenir un numéro de sécurité sociale"),
        "{page}"
    );
    assert_eq!(
        app.store.personal_row_counts().await.expect("counts"),
        before
    );

    // The API refuses the same notes (an IBAN here) with a 400 and writes nothing.
    let json = API_ANSWERS.replace("\"notes\":null", &format!("\"notes\":\"{IBAN}\""));
    let request = Request::post(format!("/api/v1/personnes/{person}/diagnostics"))
        .header(header::COOKIE, &prescriber.cookie)
        .header("x-csrf-token", &prescriber.csrf)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json))
        .expect("request");
    let response = app.send(request).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body = body_text(response).await;
    assert!(body.contains("coordonnées bancaires (IBAN)"), "{body}");
    assert_eq!(
        app.store.personal_row_counts().await.expect("counts"),
        before
    );

    let mut clean = answers.clone();
    clean.push(("notes", "Rappeler au 06 12 34 56 78 mardi"));
    let accepted = app.post_form(&form, Some(&prescriber.cookie), &clean).await;
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    let result = location(&accepted).expect("result page");
    assert_eq!(
        app.store
            .personal_row_counts()
            .await
            .expect("counts")
            .diagnostics,
        before.diagnostics + 1
    );

    let adjust = format!("{result}/ajustement");
    let override_with = |reason: &'static str| {
        [
            ("csrf_token", prescriber.csrf.as_str()),
            ("typologie", "Non autonome, non réfractaire"),
            (
                "aide",
                "Urgence numérique : faire la démarche en attente d'abord",
            ),
            ("raison", reason),
        ]
    };
    let actor = Actor {
        account_id: AccountId::new(account_id(&world, &email_of(Role::Prescriber)).await),
        structure_id: StructureId::new(app.structure_id),
        reason: "test",
    };
    for reason in [NIR_DOTS, CARD] {
        let refused = app
            .post_form(&adjust, Some(&prescriber.cookie), &override_with(reason))
            .await;
        assert_ne!(refused.status(), StatusCode::SEE_OTHER, "{reason}");
        let page = body_text(refused).await;
        assert!(
            page.contains("Le champ « Pourquoi ? » semble contenir"),
            "{page}"
        );
        let stored = app
            .store
            .diagnostics_of(&actor, PersonId::new(person), common::START)
            .await
            .expect("read");
        assert!(stored.iter().all(|d| d.override_.is_none()), "{reason}");
    }
    let accepted = app
        .post_form(
            &adjust,
            Some(&prescriber.cookie),
            &override_with("Elle se débrouille mieux que ses réponses le disent."),
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    let stored = app
        .store
        .diagnostics_of(&actor, PersonId::new(person), common::START)
        .await
        .expect("read");
    assert!(stored.iter().any(|d| d.override_.is_some()));
}

#[tokio::test]
async fn referral_messages_and_comments_refuse_identifiers_and_write_nothing() {
    let world = world(Settings::default()).await;
    let (app, prescriber, mediator) = (&world.app, &world.prescriber, &world.mediator);
    let (person, referral) = referral_at_first_contact(&world, "Josiane").await;
    let actor = Actor {
        account_id: AccountId::new(account_id(&world, &email_of(Role::Prescriber)).await),
        structure_id: StructureId::new(app.structure_id),
        reason: "test",
    };
    let sent_count = || async {
        app.store
            .referrals_of_structure(&actor, false, common::START)
            .await
            .expect("referrals")
            .len()
    };
    let before = sent_count().await;
    let offer = world.offer_id.to_string();
    let send = format!("/personnes/{person}/orientation");
    for message in [IBAN, NIR_MIXED] {
        let refused = app
            .post_form(
                &send,
                Some(&prescriber.cookie),
                &[
                    ("csrf_token", &prescriber.csrf),
                    ("offre", &offer),
                    ("consentement", "oui"),
                    ("message", message),
                ],
            )
            .await;
        assert_ne!(refused.status(), StatusCode::SEE_OTHER, "{message}");
        let page = body_text(refused).await;
        assert!(
            page.contains("Le champ « Message pour la structure » semble contenir"),
            "{page}"
        );
        assert_eq!(sent_count().await, before, "{message}");
    }

    let act_with = |comment: &'static str| {
        [
            ("csrf_token", mediator.csrf.as_str()),
            ("action", "parcours"),
            ("version", "3"),
            ("commentaire", comment),
        ]
    };
    let refused = app
        .post_form(&referral, Some(&mediator.cookie), &act_with(CARD))
        .await;
    assert_ne!(refused.status(), StatusCode::SEE_OTHER);
    let page = body_text(refused).await;
    assert!(
        page.contains("Le champ « Commentaire » semble contenir un numéro de carte bancaire"),
        "{page}"
    );
    assert_eq!(
        state_of(&world, &referral).await,
        ReferralState::FirstContact
    );
    let accepted = app
        .post_form(
            &referral,
            Some(&mediator.cookie),
            &act_with("Première séance jeudi."),
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    assert_eq!(state_of(&world, &referral).await, ReferralState::InPathway);
}

#[tokio::test]
async fn session_notes_workshop_titles_and_closing_comments_refuse_identifiers() {
    let world = world(Settings::default()).await;
    let (app, mediator) = (&world.app, &world.mediator);
    let (_, referral) = referral_at_first_contact(&world, "Josiane").await;
    let sessions = format!("{referral}/seances");
    let mut session = good_session(&mediator.csrf);
    session.retain(|(name, _)| *name != "notes");
    let mut bad = session.clone();
    bad.push(("notes", NIR_DOTS));
    let refused = app.post_form(&sessions, Some(&mediator.cookie), &bad).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body_text(refused).await;
    assert!(page.contains("Le champ « Notes de la séance » semble contenir"));
    assert_eq!(
        state_of(&world, &referral).await,
        ReferralState::FirstContact
    );
    let accepted = app
        .post_form(&sessions, Some(&mediator.cookie), &session)
        .await;
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    assert_eq!(state_of(&world, &referral).await, ReferralState::InPathway);

    let id = referral_id(&referral).to_string();
    let workshop_with = |title: &'static str| {
        vec![
            ("csrf_token", mediator.csrf.as_str()),
            ("titre", title),
            ("date", TODAY),
            ("duree", "120"),
            ("lieu", "lieu_activite"),
            ("thematiques", "securite_numerique"),
            ("personnes", id.as_str()),
            ("anonymes", "2"),
            ("participants", "3"),
        ]
    };
    let before = library_sessions(&world).await;
    let refused = app
        .post_form(
            "/ateliers/nouveau",
            Some(&mediator.cookie),
            &workshop_with("Atelier 1/85/05/49/007/123/45"),
        )
        .await;
    assert_ne!(refused.status(), StatusCode::SEE_OTHER);
    assert!(body_text(refused)
        .await
        .contains("Le champ « Titre de l'atelier » semble contenir"));
    assert_eq!(library_sessions(&world).await, before, "no workshop stored");
    let accepted = app
        .post_form(
            "/ateliers/nouveau",
            Some(&mediator.cookie),
            &workshop_with("Déjouer les arnaques"),
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    assert_eq!(library_sessions(&world).await, before + 1);

    let page = body_text(app.get(&referral, Some(mediator)).await).await;
    let version = page
        .split("id=\"formulaire-cloture\"")
        .nth(1)
        .and_then(|form| form.split("name=\"version\" value=\"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .expect("version")
        .to_owned();
    let close_with = |comment: &'static str| {
        vec![
            ("csrf_token", mediator.csrf.clone()),
            ("version", version.clone()),
            ("issue", "Autonomie atteinte".to_owned()),
            ("commentaire", comment.to_owned()),
        ]
    };
    for comment in [NIR_MIXED, IBAN] {
        let fields = close_with(comment);
        let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let refused = app
            .post_form(
                &format!("{referral}/cloture"),
                Some(&mediator.cookie),
                &fields,
            )
            .await;
        assert_eq!(
            refused.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{comment}"
        );
        assert!(body_text(refused)
            .await
            .contains("Le champ « Commentaire de clôture » semble contenir"));
        assert_eq!(state_of(&world, &referral).await, ReferralState::InPathway);
    }
    let fields = close_with("Fait ses démarches seule désormais.");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let closed = app
        .post_form(
            &format!("{referral}/cloture"),
            Some(&mediator.cookie),
            &fields,
        )
        .await;
    assert_eq!(closed.status(), StatusCode::SEE_OTHER);
    assert_eq!(state_of(&world, &referral).await, ReferralState::Closed);
}
