//! The purge as the enrolling team lives it, with a clock the test moves: a person untouched for
//! nearly 24 months; the dry run counts the warning and changes nothing; the purge warns the team in
//! the app and by e-mail (a link, no name); the referent extends the record once (a reason is
//! required, a second extension is refused); a year later the team is warned again, and 30 days on
//! the record is anonymised: the person's page is gone, the run is recorded, no name is left.

use crate::common;

use aiguillage_domain::calendar::DAY;
use aiguillage_domain::retention::PurgeRule;
use aiguillage_domain::role::Role;
use aiguillage_service::retention::{purge, PurgeError};
use axum::http::StatusCode;
use common::journeys::{diagnosed_person, world};
use common::{body_text, SmtpServer};

#[tokio::test]
async fn a_record_is_warned_extended_once_then_anonymised() {
    let smtp = SmtpServer::start();
    let world = world(smtp.settings()).await;
    let (app, prescriber) = (&world.app, &world.prescriber);
    let person = diagnosed_person(app, prescriber, ("Josiane", ""), &[]).await;
    let state = app.state.clone();
    let mails_before = smtp.received().len();

    // 23 months and a few days on: within 30 days of the end.
    app.advance(24 * 30 * DAY - 10 * DAY);
    let now = state.now();
    let dry = purge(&state, "test", now, true).await.expect("dry run");
    assert_eq!(dry.count(PurgeRule::PersonWarned), 1);
    assert_eq!(dry.count(PurgeRule::PersonAnonymised), 0);
    assert_eq!(
        smtp.received().len(),
        mails_before,
        "a dry run sends nothing"
    );
    assert!(state.store.purge_runs(5).await.expect("runs").is_empty());

    let done = purge(&state, "test", now, false).await.expect("purge");
    assert_eq!(done.count(PurgeRule::PersonWarned), 1);
    let mails = smtp.received();
    assert_eq!(mails.len(), mails_before + 1, "{mails:?}");
    // Quoted-printable: soft line breaks undone.
    let mail = mails.last().expect("mail").replace("=\n", "");
    assert!(
        mail.contains(&format!("/personnes/{person}/conservation")),
        "{mail}"
    );
    assert!(!mail.contains("Josiane"), "no name by e-mail: {mail}");
    assert_eq!(state.store.purge_runs(5).await.expect("runs").len(), 1);
    // Warned once: the next run does not warn again.
    let again = purge(&state, "test", now + 3600, false)
        .await
        .expect("purge");
    assert_eq!(again.count(PurgeRule::PersonWarned), 0);

    let prescriber = app.sign_in(Role::Prescriber).await;
    let notifications = body_text(app.get("/notifications", Some(&prescriber)).await).await;
    assert!(
        notifications.contains("sera anonymisé le"),
        "{notifications}"
    );
    let page = body_text(
        app.get(
            &format!("/personnes/{person}/conservation"),
            Some(&prescriber),
        )
        .await,
    )
    .await;
    assert!(page.contains("Équipe avertie le"), "{page}");
    // The structure's list of records nearing their end names her; another structure's does not.
    let due = body_text(app.get("/personnes/echeances", Some(&prescriber)).await).await;
    assert!(due.contains("Josiane Le Goff"), "{due}");
    let elsewhere = common::sign_in_elsewhere(
        app,
        world.library_id,
        "accueil@mediatheque.example.fr",
        Role::Prescriber,
    )
    .await;
    let theirs = body_text(app.get("/personnes/echeances", Some(&elsewhere)).await).await;
    assert!(
        theirs.contains("Aucune fiche de votre structure"),
        "{theirs}"
    );

    // The referent extends it: a reason is required, then once only.
    let extend = |reason: &'static str| {
        let prescriber = prescriber.clone();
        async move {
            app.post_form(
                &format!("/personnes/{person}/conservation"),
                Some(&prescriber.cookie),
                &[("csrf_token", prescriber.csrf.as_str()), ("motif", reason)],
            )
            .await
        }
    };
    let missing = extend("").await;
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(missing)
        .await
        .contains("Choisissez pourquoi la fiche doit être gardée plus longtemps."));
    assert_eq!(
        extend("support_ongoing").await.status(),
        StatusCode::SEE_OTHER
    );
    let twice = extend("person_asked").await;
    assert_eq!(twice.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(twice)
        .await
        .contains("déjà été prolongée une fois"));

    // Extended: nothing goes at the first deadline; eleven months later the team is warned again,
    // and 30 days after that the record becomes facts.
    app.advance(40 * DAY);
    let kept = purge(&state, "test", state.now(), false)
        .await
        .expect("purge");
    assert_eq!(kept.count(PurgeRule::PersonAnonymised), 0);
    app.advance(330 * DAY);
    let warned = purge(&state, "test", state.now(), false)
        .await
        .expect("purge");
    assert_eq!(warned.count(PurgeRule::PersonWarned), 1);
    app.advance(31 * DAY);
    let gone = purge(&state, "test", state.now(), false)
        .await
        .expect("purge");
    assert_eq!(gone.count(PurgeRule::PersonAnonymised), 1);
    let prescriber = app.sign_in(Role::Prescriber).await;
    let page = app
        .get(&format!("/personnes/{person}"), Some(&prescriber))
        .await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let facts = state.store.anonymised_facts().await.expect("facts");
    assert_eq!(facts.len(), 1);
    assert_eq!(facts[0].person.commune, "49007");
    let counts = state.store.personal_row_counts().await.expect("counts");
    assert_eq!(counts.people, 0, "{counts:?}");
}

#[tokio::test]
async fn a_purge_waits_for_the_one_holding_the_lease() {
    let world = world(Default::default()).await;
    let state = world.app.state.clone();
    let now = state.now();
    assert!(state
        .store
        .take_job_lease(("purge", "serve-1"), now, 3600)
        .await
        .expect("lease"));
    let busy = purge(&state, "purge-cli", now, true).await;
    assert!(matches!(busy, Err(PurgeError::Busy)), "{busy:?}");
    assert_eq!(
        aiguillage_service::retention::daily_purge(&state, "serve-2")
            .await
            .expect("daily")
            .map(|r| r.lines().len()),
        None,
        "the other instance skips the day"
    );
}

/// Several records of one referent nearing their end: one notification and one e-mail counting
/// them, leading to the list.
#[tokio::test]
async fn a_referent_gets_one_warning_for_several_records() {
    let smtp = SmtpServer::start();
    let world = world(smtp.settings()).await;
    let (app, prescriber) = (&world.app, &world.prescriber);
    for name in ["Josiane", "Odette", "Huguette"] {
        diagnosed_person(app, prescriber, (name, ""), &[]).await;
    }
    let state = app.state.clone();
    let mails_before = smtp.received().len();
    app.advance(24 * 30 * DAY - 10 * DAY);
    let done = purge(&state, "test", state.now(), false)
        .await
        .expect("purge");
    assert_eq!(done.count(PurgeRule::PersonWarned), 3);
    let mails = smtp.received();
    assert_eq!(mails.len(), mails_before + 1, "one e-mail");
    let mail = mails.last().expect("mail").replace("=\n", "");
    assert!(mail.contains("3 dossiers seront anonymis"), "{mail}");
    assert!(mail.contains("/personnes/echeances"), "{mail}");
    let prescriber = app.sign_in(Role::Prescriber).await;
    let notifications = body_text(app.get("/notifications", Some(&prescriber)).await).await;
    assert_eq!(
        notifications.matches("seront anonymisés").count(),
        1,
        "{notifications}"
    );
    let due = body_text(app.get("/personnes/echeances", Some(&prescriber)).await).await;
    assert!(due.contains("3 fiche(s)"), "{due}");
}
