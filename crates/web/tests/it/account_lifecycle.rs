//! The accounts' lifecycle as the daily job runs it, with the real SMTP server of the tests: after 5
//! months without sign-in every account is warned by e-mail (once), an account that signs in again
//! is kept, the others are deactivated at 6 months and can no longer sign in, and 24 months later
//! their identity is anonymised.

use crate::common::{email_of, password_of, SmtpServer, TestApp, START};
use aiguillage_domain::calendar::{date_of, midnight_of, shift_months};
use aiguillage_domain::role::Role;
use aiguillage_service::account_lifecycle::run;
use axum::http::StatusCode;

fn months_later(months: i64) -> i64 {
    midnight_of(shift_months(date_of(START), months)) + 2 * 86_400
}

async fn account_id(app: &TestApp, role: Role) -> i64 {
    let sql = format!(
        "SELECT id AS n FROM accounts WHERE email = '{}'",
        email_of(role)
    );
    aiguillage_store::testing::scalar(&app.store, &sql)
        .await
        .expect("account")
}

#[tokio::test]
async fn accounts_without_sign_in_are_warned_by_mail_deactivated_then_anonymised() {
    let smtp = SmtpServer::start();
    let app = TestApp::with_settings(smtp.settings()).await;
    let accounts = Role::ALL.len();

    let report = run(&app.state, months_later(4)).await.expect("run");
    assert_eq!(report.warned, 0, "nothing before five months");

    let warned_on = months_later(5);
    let report = run(&app.state, warned_on).await.expect("run");
    assert_eq!((report.warned, report.mailed), (accounts, accounts));
    let mut mails = smtp.received();
    for _ in 0..100 {
        if mails.len() >= accounts {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        mails = smtp.received();
    }
    assert_eq!(mails.len(), accounts);
    let mediator_mail = mails
        .iter()
        .find(|m| m.contains(&email_of(Role::Mediator)))
        .expect("the mediator is told");
    assert!(
        mediator_mail.contains("Subject: =?utf-8?")
            || mediator_mail.contains("Subject: Votre compte")
    );
    assert!(mediator_mail.contains("/connexion"));
    let again = run(&app.state, warned_on + 86_400).await.expect("run");
    assert_eq!(again.warned, 0, "warned once");

    // The prescriber signs in again; the others are deactivated at six months.
    let prescriber = account_id(&app, Role::Prescriber).await;
    app.store
        .record_login(prescriber, warned_on + 3 * 86_400)
        .await
        .expect("login");
    let report = run(&app.state, months_later(6) + 30 * 86_400)
        .await
        .expect("run");
    assert_eq!(report.deactivated, accounts - 1);
    let refused = app
        .attempt_login(&email_of(Role::Mediator), &password_of(Role::Mediator))
        .await;
    assert_ne!(
        refused.status(),
        StatusCode::SEE_OTHER,
        "a deactivated account cannot sign in"
    );

    // Twenty-four months after deactivation: the identities are anonymised.
    let report = run(&app.state, months_later(6 + 30)).await.expect("run");
    assert_eq!(report.anonymised, accounts - 1);
    assert_eq!(
        account_id(&app, Role::Prescriber).await,
        prescriber,
        "the prescriber kept its identity"
    );
    let named = aiguillage_store::testing::scalar(
        &app.store,
        &format!(
            "SELECT COUNT(*) AS n FROM accounts WHERE email = '{}'",
            email_of(Role::Mediator)
        ),
    )
    .await
    .expect("count");
    assert_eq!(named, 0, "no account holds the mediator's address any more");
}
