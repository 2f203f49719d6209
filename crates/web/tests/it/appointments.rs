//! Appointments through the real router: the library's manager publishes windows (a wrong one is
//! refused, another structure cannot touch them); the prescriber books a free slot while sending
//! (a full slot is refused and nothing is sent); the sheet gives the appointment; the mediator's
//! agenda subscribes to a secret iCalendar feed (read back by an iCalendar parser: the event, no
//! name) that stops answering once revoked; a no-show is recorded; the person is reminded by
//! e-mail the day before (a real SMTP server receives it), once.

use crate::common;

use aiguillage_domain::role::Role;
use aiguillage_service::notify::send_appointment_reminders;
use aiguillage_web::Settings;
use axum::http::StatusCode;
use common::journeys::{diagnosed_person, world};
use common::{body_text, sign_in_again, sign_in_elsewhere, Session, SmtpServer, TestApp};

/// Tuesday 24 November 2026, 14 h in Angers (13:00 UTC): the first slot after the test's start
/// (Wednesday 18 November).
const TUESDAY_14H: i64 = 1_795_525_200;

async fn send_with_slot(
    app: &TestApp,
    prescriber: &Session,
    (person, offer): (i64, i64),
    slot: i64,
) -> axum::response::Response {
    let (offer, slot) = (offer.to_string(), slot.to_string());
    app.post_form(
        &format!("/personnes/{person}/orientation"),
        Some(&prescriber.cookie),
        &[
            ("csrf_token", prescriber.csrf.as_str()),
            ("offre", &offer),
            ("consentement", "oui"),
            ("rendez_vous", &slot),
            ("canal", "on_site"),
        ],
    )
    .await
}

#[tokio::test]
async fn a_slot_is_booked_while_sending_shows_in_the_agenda_and_is_reminded_the_day_before() {
    let smtp = SmtpServer::start();
    let settings = Settings {
        public_url: "https://aiguillage.example".into(),
        min_cell_size: 1,
        ..smtp.settings()
    };
    let world = world(settings).await;
    let (app, prescriber, mediator) = (&world.app, &world.prescriber, &world.mediator);
    let manager = sign_in_elsewhere(
        app,
        world.library_id,
        "responsable@mediatheque.example.fr",
        Role::StructureManager,
    )
    .await;
    let window = |start: &'static str, end: &'static str| {
        let manager = manager.clone();
        async move {
            app.post_form(
                "/ma-structure/creneaux",
                Some(&manager.cookie),
                &[
                    ("csrf_token", manager.csrf.as_str()),
                    ("action", "ajouter"),
                    ("jour", "1"),
                    ("debut", start),
                    ("fin", end),
                    ("duree", "30"),
                    ("places", "2"),
                ],
            )
            .await
        }
    };
    let refused = window("15:00", "14:00").await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(refused)
        .await
        .contains("L'heure de fin doit venir après l'heure de début."));
    assert_eq!(
        window("14:00", "15:00").await.status(),
        StatusCode::SEE_OTHER
    );
    let slots_page = body_text(app.get("/ma-structure/creneaux", Some(&manager)).await).await;
    assert!(
        slots_page.contains("mardi, 14 h – 15 h, rendez-vous de 30 min, 2 à la fois"),
        "{slots_page}"
    );
    // Another structure's manager cannot remove it.
    let other_manager = app.sign_in(Role::StructureManager).await;
    let marker = "name=\"plage\" value=\"";
    let start = slots_page.find(marker).expect("a window") + marker.len();
    let window_id: String = slots_page[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let removal = app
        .post_form(
            "/ma-structure/creneaux",
            Some(&other_manager.cookie),
            &[
                ("csrf_token", other_manager.csrf.as_str()),
                ("action", "retirer"),
                ("plage", window_id.as_str()),
            ],
        )
        .await;
    assert_eq!(removal.status(), StatusCode::NOT_FOUND);

    // The prescriber sees the free slots and books the first one while sending.
    let josiane = diagnosed_person(app, prescriber, ("Josiane", "josiane@example.fr"), &[]).await;
    let choice = body_text(
        app.get(
            &format!("/personnes/{josiane}/orientation?offre={}", world.offer_id),
            Some(prescriber),
        )
        .await,
    )
    .await;
    assert!(
        choice.contains(&format!(
            "<option value=\"{TUESDAY_14H}\">mardi 24/11/2026 à 14 h</option>"
        )),
        "{choice}"
    );
    // Someone free only on Saturdays: no Tuesday slot fits, all are offered with a word about it.
    let saturday = diagnosed_person(
        app,
        prescriber,
        ("Huguette", ""),
        &[("disponibilites", "Le samedi")],
    )
    .await;
    let choice = body_text(
        app.get(
            &format!("/personnes/{saturday}/orientation?offre={}", world.offer_id),
            Some(prescriber),
        )
        .await,
    )
    .await;
    assert!(
        choice.contains("ne tombe pendant les disponibilités de la personne"),
        "{choice}"
    );
    assert!(
        choice.contains(&format!("<option value=\"{TUESDAY_14H}\">")),
        "{choice}"
    );
    let sent = send_with_slot(app, prescriber, (josiane, world.offer_id), TUESDAY_14H).await;
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    let referral = common::referral_location(&sent).expect("sent");
    let sheet = body_text(
        app.get(&format!("{referral}/fiche"), Some(prescriber))
            .await,
    )
    .await;
    assert!(
        sheet.contains("Le mardi 24/11/2026 à 14 h, sur place."),
        "{sheet}"
    );
    assert!(
        sheet.contains("un rappel par courriel la veille"),
        "{sheet}"
    );

    // Two places at 14 h: a second booking goes, a third is refused and nothing is sent.
    let odette = diagnosed_person(app, prescriber, ("Odette", ""), &[]).await;
    let second = send_with_slot(app, prescriber, (odette, world.offer_id), TUESDAY_14H).await;
    assert_eq!(second.status(), StatusCode::SEE_OTHER);
    let odette_referral = common::referral_location(&second).expect("sent");
    let gisele = diagnosed_person(app, prescriber, ("Gisèle", ""), &[]).await;
    let before = aiguillage_store::testing::database_contents(&app.store)
        .await
        .expect("contents");
    let third = send_with_slot(app, prescriber, (gisele, world.offer_id), TUESDAY_14H).await;
    let status = third.status();
    let third_location = common::location(&third);
    let third_body = body_text(third).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{third_location:?} {third_body}"
    );
    assert!(third_body.contains("Ce créneau vient d'être pris"));
    let after = aiguillage_store::testing::database_contents(&app.store)
        .await
        .expect("contents");
    assert_eq!(before.get("referrals"), after.get("referrals"));
    assert_eq!(before.get("appointments"), after.get("appointments"));

    // The mediator's agenda: a secret feed, parsed as iCalendar, naming no one.
    let created = app
        .post_form(
            "/compte/agenda",
            Some(&mediator.cookie),
            &[("csrf_token", mediator.csrf.as_str())],
        )
        .await;
    assert_eq!(created.status(), StatusCode::OK);
    let page = body_text(created).await;
    let marker = "<code id=\"adresse-agenda\">https://aiguillage.example";
    let start = page.find(marker).expect("the feed's address") + marker.len();
    let end = page[start..].find('<').expect("end") + start;
    let feed_path = page[start..end].to_owned();
    let feed = app.get(&feed_path, None).await;
    assert_eq!(feed.status(), StatusCode::OK);
    assert!(feed.headers()[axum::http::header::CONTENT_TYPE]
        .to_str()
        .unwrap_or_default()
        .starts_with("text/calendar"));
    let text = body_text(feed).await;
    let unfolded = icalendar::parser::unfold(&text);
    let calendar = icalendar::parser::read_calendar(&unfolded).expect("an iCalendar document");
    let events: Vec<_> = calendar
        .components
        .iter()
        .filter(|c| c.name == "VEVENT")
        .collect();
    assert_eq!(events.len(), 2, "{text}");
    let starts: Vec<String> = events
        .iter()
        .filter_map(|e| e.find_prop("DTSTART").map(|p| p.val.to_string()))
        .collect();
    assert_eq!(starts, ["20261124T130000Z", "20261124T130000Z"], "{text}");
    assert!(text.contains("orientation n°"), "{text}");
    for secret in ["Le Goff", "Josiane", "Odette", "0612345678", "josiane@"] {
        assert!(!text.contains(secret), "the feed names no one: {text}");
    }

    // Odette does not come: recorded by the library.
    let page = body_text(app.get(&odette_referral, Some(mediator)).await).await;
    let marker = "action=\"/rendez-vous/";
    let start = page.find(marker).expect("the appointment's form") + marker.len();
    let appointment: String = page[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let odette_id = odette_referral.trim_start_matches("/orientations/");
    let settle = |issue: &'static str| {
        let path = format!("/rendez-vous/{appointment}");
        async move {
            app.post_form(
                &path,
                Some(&mediator.cookie),
                &[
                    ("csrf_token", mediator.csrf.as_str()),
                    ("issue", issue),
                    ("orientation", odette_id),
                ],
            )
            .await
        }
    };
    // Not before the time: the page offers only the cancellation, and an absence is refused.
    assert!(!page.contains("value=\"absente\""), "{page}");
    assert!(
        page.contains("à noter après l'heure du rendez-vous"),
        "{page}"
    );
    let early = settle("absente").await;
    assert_eq!(early.status(), StatusCode::BAD_REQUEST);
    assert!(body_text(early).await.contains("n'a pas encore eu lieu"));
    app.clock
        .store(TUESDAY_14H + 3_600, std::sync::atomic::Ordering::SeqCst);
    let mediator = &sign_in_again(app, common::journeys::MEDIATOR).await;
    let manager = sign_in_again(app, "responsable@mediatheque.example.fr").await;
    let prescriber = &app.sign_in(Role::Prescriber).await;
    let page = body_text(app.get(&odette_referral, Some(mediator)).await).await;
    assert!(page.contains("value=\"absente\""), "{page}");
    let settled = app
        .post_form(
            &format!("/rendez-vous/{appointment}"),
            Some(&mediator.cookie),
            &[
                ("csrf_token", mediator.csrf.as_str()),
                ("issue", "absente"),
                ("orientation", odette_id),
            ],
        )
        .await;
    assert_eq!(settled.status(), StatusCode::SEE_OTHER);
    let page = body_text(app.get(&odette_referral, Some(prescriber)).await).await;
    assert!(page.contains("Personne absente"), "{page}");
    let figures = body_text(app.get("/ma-structure", Some(&manager)).await).await;
    assert!(
        figures.contains("<p class=\"fr-callout__title\">1</p><p class=\"fr-callout__text\">rendez-vous manqué ces 30 derniers jours, pour 0 honoré"),
        "the no-show is counted: {figures}"
    );
    // …and in the territory's steering indicators: one appointment settled, missed.
    let coordinator = app.sign_in(Role::Coordinator).await;
    let steering = body_text(app.get("/pilotage", Some(&coordinator)).await).await;
    assert!(
        steering.contains("Rendez-vous : venues et absences"),
        "{steering}"
    );
    let missed = steering
        .split("<tr>")
        .find(|r| r.contains("<th scope=\"row\">Personne absente</th>"))
        .unwrap_or_default();
    assert!(missed.contains("<td>1</td>"), "{missed}");
    assert!(missed.contains("100"), "one of one settled: {missed}");

    // The day before, Josiane (who has an address) is reminded once; Odette's is settled.
    let reminders = |at: i64| {
        app.clock.store(at, std::sync::atomic::Ordering::SeqCst);
        send_appointment_reminders(&app.state)
    };
    assert_eq!(
        reminders(TUESDAY_14H - 2 * 86_400)
            .await
            .expect("reminders"),
        0,
        "two days before"
    );
    assert_eq!(reminders(TUESDAY_14H - 86_400).await.expect("reminders"), 1);
    assert_eq!(
        reminders(TUESDAY_14H - 86_000).await.expect("reminders"),
        0,
        "once"
    );
    let mails: Vec<String> = smtp
        .received()
        .into_iter()
        .filter(|m| m.contains("To: josiane@example.fr"))
        .collect();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(mails[0].contains("Rappel"), "{}", mails[0]);

    // Revoked, the feed no longer answers.
    app.clock
        .store(common::START + 600, std::sync::atomic::Ordering::SeqCst);
    let revoked = app
        .post_form(
            "/compte/agenda/revocation",
            Some(&mediator.cookie),
            &[("csrf_token", mediator.csrf.as_str())],
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get(&feed_path, None).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_first_contact_says_how_the_person_was_reached_and_the_appointment_agreed_is_set() {
    let world = world(Settings::default()).await;
    let (app, mediator) = (&world.app, &world.mediator);
    let (_, referral) = common::journeys::sent_referral(&world, "Josiane").await;
    let path = referral.as_str();
    let step = |action: &'static str, version: &'static str, channel: &'static str| async move {
        app.post_form(
            path,
            Some(&mediator.cookie),
            &[
                ("csrf_token", mediator.csrf.as_str()),
                ("action", action),
                ("version", version),
                ("joint_par", channel),
            ],
        )
        .await
    };
    assert_eq!(
        step("accepter", "1", "").await.status(),
        StatusCode::SEE_OTHER
    );
    let unknown = step("premier_contact", "2", "pigeon").await;
    assert_eq!(
        unknown.status(),
        StatusCode::CONFLICT,
        "a refused step, as every other"
    );
    assert!(body_text(unknown)
        .await
        .contains("Choisissez comment la personne a été jointe."));
    assert_eq!(
        step("premier_contact", "2", "telephone").await.status(),
        StatusCode::SEE_OTHER
    );
    let set = app
        .post_form(
            &format!("{referral}/rendez-vous"),
            Some(&mediator.cookie),
            &[
                ("csrf_token", mediator.csrf.as_str()),
                ("date", "2026-11-26"),
                ("heure", "09:30"),
                ("canal", "phone"),
            ],
        )
        .await;
    assert_eq!(set.status(), StatusCode::SEE_OTHER);
    // A moment already past is refused.
    let past = app
        .post_form(
            &format!("{referral}/rendez-vous"),
            Some(&mediator.cookie),
            &[
                ("csrf_token", mediator.csrf.as_str()),
                ("date", "2026-11-01"),
                ("heure", "09:30"),
                ("canal", "phone"),
            ],
        )
        .await;
    assert_eq!(past.status(), StatusCode::BAD_REQUEST);
    let page = body_text(app.get(&referral, Some(&world.prescriber)).await).await;
    assert!(page.contains("Personne jointe par téléphone."), "{page}");
    assert!(page.contains("jeudi 26/11/2026 à 9 h 30"), "{page}");
    assert!(page.contains("Par téléphone"), "{page}");
    assert_eq!(page.matches("<td>Prévu</td>").count(), 1, "{page}");
}
