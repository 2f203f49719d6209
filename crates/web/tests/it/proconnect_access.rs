//! The access requests of agents ProConnect knows and this instance does not, through the real
//! pages: the library's manager sees the request of an agent of the library's SIRET, cannot grant a
//! role above a structure manager by forging the form, lets the agent in as mediator (an account
//! whose password never matches, the identity linked, every step audited), cannot decide twice, and
//! a refused agent stays refused. A coordinator decides only for a structure without a manager. An
//! identity whose e-mail already has an account is linked to it, and later found by its subject.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use crate::common::{self, body_text, location, sign_in_elsewhere};
use aiguillage_domain::proconnect::{ClaimedIdentity, ProConnectIdentity};
use aiguillage_domain::role::Role;
use aiguillage_interop::territory::embedded;
use aiguillage_store::testing::{database_contents, scalar};
use aiguillage_store::AccessRequestState;
use aiguillage_web::Settings;
use axum::http::StatusCode;

const ISSUER: &str = "https://proconnect.example/api/v2";
const LIBRARY_SIRET: &str = "21490007800012";

fn agent(subject: &str, email: &str, siret: &str) -> ProConnectIdentity {
    ClaimedIdentity {
        subject: subject.into(),
        email: Some(email.into()),
        given_name: Some("Agathe".into()),
        usual_name: Some("Toussaint".into()),
        siret: Some(siret.into()),
    }
    .check()
    .expect("identity")
}

#[tokio::test]
async fn a_manager_lets_an_agent_of_the_structure_in_with_a_role_the_manager_may_grant() {
    let world = common::journeys::world(Settings::default()).await;
    let app = &world.app;
    let data = embedded().expect("territory").with_communes_of(&["49"]);
    app.store
        .import_territory(&data, &|_| {})
        .await
        .expect("territory");
    let store = &app.store;
    let lea = agent(
        "sub-agathe",
        "agathe.toussaint@angers.example",
        LIBRARY_SIRET,
    );
    let state = store
        .request_access(ISSUER, &lea, 0)
        .await
        .expect("request");
    assert_eq!(state, AccessRequestState::Waiting);
    let request = scalar(store, "SELECT MAX(id) AS n FROM access_requests")
        .await
        .expect("id");

    // The coordinator decides while the library has no manager.
    let coordinator = app.sign_in(Role::Coordinator).await;
    let page = body_text(app.get("/equipe/demandes", Some(&coordinator)).await).await;
    assert!(page.contains("agathe.toussaint@angers.example"), "{page}");

    let manager = sign_in_elsewhere(
        app,
        world.library_id,
        "responsable@mediatheque.example",
        Role::StructureManager,
    )
    .await;
    let page = body_text(app.get("/equipe/demandes", Some(&manager)).await).await;
    assert!(page.contains("Agathe Toussaint") && page.contains(LIBRARY_SIRET));
    let page = body_text(app.get("/equipe/demandes", Some(&coordinator)).await).await;
    assert!(
        !page.contains("agathe.toussaint@angers.example"),
        "the library has a manager now: the coordinator no longer decides"
    );

    let path = format!("/equipe/demandes/{request}");
    let library = world.library_id.to_string();
    let before = database_contents(store).await.expect("contents");
    for forged in ["coordinator", "administrator", "sponsor", ""] {
        let response = app
            .post_form(
                &path,
                Some(&manager.cookie),
                &[
                    ("csrf_token", manager.csrf.as_str()),
                    ("structure", &library),
                    ("role", forged),
                    ("decision", "accepter"),
                ],
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{forged}"
        );
        assert!(body_text(response).await.contains("Choisissez le rôle"));
    }
    assert_eq!(database_contents(store).await.expect("contents"), before);

    let accept = [
        ("csrf_token", manager.csrf.as_str()),
        ("structure", library.as_str()),
        ("role", "mediator"),
        ("decision", "accepter"),
    ];
    let response = app.post_form(&path, Some(&manager.cookie), &accept).await;
    assert_eq!(
        location(&response).as_deref(),
        Some("/equipe/demandes?fait=accepte")
    );
    let account = scalar(
        store,
        "SELECT id AS n FROM accounts WHERE email = 'agathe.toussaint@angers.example'
         AND role = 'mediator' AND password_hash = '!proconnect'",
    )
    .await
    .expect("the account, a mediator with no password");
    let structure = store.account(account).await.expect("account").structure_id;
    assert_eq!(structure, world.library_id);
    let memberships = scalar(
        store,
        &format!(
            "SELECT COUNT(*) AS n FROM memberships WHERE account_id = {account}
             AND structure_id = {} AND role = 'mediator'",
            world.library_id
        ),
    )
    .await
    .expect("membership");
    assert_eq!(
        memberships, 1,
        "the new account is a member of the library's team"
    );
    let audited = scalar(
        store,
        "SELECT COUNT(*) AS n FROM audit_log WHERE record_kind IN ('account', 'access_request')
         AND reason LIKE '%ProConnect%'",
    )
    .await
    .expect("audit");
    assert!(
        audited >= 3,
        "request, account and decision audited: {audited}"
    );
    let again = app.post_form(&path, Some(&manager.cookie), &accept).await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND, "decided once only");
    let password = app
        .attempt_login("agathe.toussaint@angers.example", "!proconnect")
        .await;
    assert_eq!(
        password.status(),
        StatusCode::UNAUTHORIZED,
        "no password matches"
    );
    let found = store
        .account_for_identity(ISSUER, &lea, 0)
        .await
        .expect("find");
    assert_eq!(found, Some(account), "the identity signs in to its account");

    // Refused stays refused.
    let paul = agent("sub-paul", "paul.toussaint@angers.example", LIBRARY_SIRET);
    store
        .request_access(ISSUER, &paul, 0)
        .await
        .expect("request");
    let second = scalar(store, "SELECT MAX(id) AS n FROM access_requests")
        .await
        .expect("id");
    let refuse = [
        ("csrf_token", manager.csrf.as_str()),
        ("structure", library.as_str()),
        ("role", ""),
        ("decision", "refuser"),
    ];
    let response = app
        .post_form(
            &format!("/equipe/demandes/{second}"),
            Some(&manager.cookie),
            &refuse,
        )
        .await;
    assert_eq!(
        location(&response).as_deref(),
        Some("/equipe/demandes?fait=refuse")
    );
    let state = store
        .request_access(ISSUER, &paul, 10)
        .await
        .expect("again");
    assert_eq!(state, AccessRequestState::Refused);
}

#[tokio::test]
async fn an_identity_with_the_email_of_an_account_is_linked_to_it_once() {
    let app = common::TestApp::new().await;
    let email = common::email_of(Role::Mediator);
    let account = scalar(
        &app.store,
        &format!("SELECT id AS n FROM accounts WHERE email = '{email}'"),
    )
    .await
    .expect("account");
    let identity = agent("sub-mediateur", &email, LIBRARY_SIRET);
    let found = app
        .store
        .account_for_identity(ISSUER, &identity, 0)
        .await
        .expect("link");
    assert_eq!(found, Some(account));
    let moved = agent(
        "sub-mediateur",
        "nouvelle.adresse@angers.example",
        LIBRARY_SIRET,
    );
    let again = app
        .store
        .account_for_identity(ISSUER, &moved, 0)
        .await
        .expect("by subject");
    assert_eq!(
        again,
        Some(account),
        "found by its subject, whatever the e-mail"
    );
    let stranger = agent("sub-inconnu", "inconnu@ailleurs.example", LIBRARY_SIRET);
    let none = app
        .store
        .account_for_identity(ISSUER, &stranger, 0)
        .await
        .expect("none");
    assert_eq!(none, None);
    let links = scalar(&app.store, "SELECT COUNT(*) AS n FROM account_identities")
        .await
        .expect("links");
    assert_eq!(links, 1);
}
