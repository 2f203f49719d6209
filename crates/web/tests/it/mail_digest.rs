//! Each professional chooses how notifications reach them by e-mail (a real SMTP server receives
//! what goes): at each notification (the default), once a day as a summary counting them, or
//! never; the app shows them whatever the choice, and an unknown choice changes nothing.

use crate::common;

use aiguillage_service::notify::{digests_holding_lease, send_daily_digests, DIGEST_LEASE};
use axum::http::StatusCode;
use common::journeys::{sent_referral, world, MEDIATOR};
use common::{body_text, SmtpServer};

fn mails_to(smtp: &SmtpServer, address: &str) -> Vec<String> {
    smtp.received()
        .into_iter()
        .filter(|m| m.contains(&format!("To: {address}")))
        .collect()
}

#[tokio::test]
async fn a_professional_chooses_each_mail_a_daily_summary_or_none() {
    let smtp = SmtpServer::start();
    let settings = smtp.settings();
    let world = world(settings).await;
    let (app, mediator) = (&world.app, &world.mediator);
    let choose = |code: &'static str| async move {
        app.post_form(
            "/compte/courriels",
            Some(&mediator.cookie),
            &[
                ("csrf_token", mediator.csrf.as_str()),
                ("recapitulatif", code),
            ],
        )
        .await
    };
    let page = body_text(app.get("/compte", Some(mediator)).await).await;
    assert!(
        page.contains("value=\"immediate\" checked"),
        "one mail per notification by default: {page}"
    );
    let _ = sent_referral(&world, "Josiane").await;
    assert_eq!(mails_to(&smtp, MEDIATOR).len(), 1, "at once, by default");

    // An unknown choice is refused and changes nothing.
    assert_eq!(
        choose("hebdomadaire").await.status(),
        StatusCode::BAD_REQUEST
    );
    let page = body_text(app.get("/compte", Some(mediator)).await).await;
    assert!(page.contains("value=\"immediate\" checked"), "{page}");

    // Daily: nothing at once, one summary counting the two new ones, then nothing more.
    assert_eq!(choose("daily").await.status(), StatusCode::SEE_OTHER);
    let _ = sent_referral(&world, "Odette").await;
    let _ = sent_referral(&world, "Gisèle").await;
    assert_eq!(mails_to(&smtp, MEDIATOR).len(), 1, "no mail at once");
    let state = app.state.clone();
    // `queue digest` holds a lease: while another run (the same cron line on another host) holds
    // it, nothing is sent; once given back, the run sends the summary.
    let other = (DIGEST_LEASE, "queue-digest-other-host");
    let now = state.now();
    assert!(state
        .store
        .take_job_lease(other, now, 3600)
        .await
        .expect("lease"));
    assert_eq!(
        digests_holding_lease(&state, "queue-digest-here")
            .await
            .expect("digest"),
        None
    );
    assert_eq!(mails_to(&smtp, MEDIATOR).len(), 1, "nothing sent meanwhile");
    state
        .store
        .release_job_lease(other.0, other.1)
        .await
        .expect("release");
    assert_eq!(
        digests_holding_lease(&state, "queue-digest-here")
            .await
            .expect("digest"),
        Some(1)
    );
    let mails = mails_to(&smtp, MEDIATOR);
    assert_eq!(mails.len(), 2);
    assert!(
        mails
            .iter()
            .any(|m| m.contains("2 nouvelles notifications")),
        "{mails:?}"
    );
    assert_eq!(send_daily_digests(&state).await.expect("digest"), 0);

    // None: no mail at all, but the app still shows the notification.
    assert_eq!(choose("none").await.status(), StatusCode::SEE_OTHER);
    let _ = sent_referral(&world, "Paulette").await;
    assert_eq!(send_daily_digests(&state).await.expect("digest"), 0);
    assert_eq!(mails_to(&smtp, MEDIATOR).len(), 2);
    let shown = body_text(app.get("/notifications", Some(mediator)).await).await;
    assert_eq!(
        shown.matches("Nouvelle orientation reçue").count(),
        4,
        "{shown}"
    );
}
