//! One journal entry per real access: a list view writes one entry naming every record it shows
//! (found again by the search by person), a POST that reads a record to change it writes the change
//! only, a page that reads a referral several times writes one read; the chain stays intact.

use crate::common::journeys::{sent_referral, world, World};
use crate::common::{body_text, Session};
use aiguillage_domain::audit::AuditAction;
use aiguillage_domain::role::Role;
use aiguillage_store::{AuditChainCheck, AuditEntry};
use aiguillage_web::Settings;
use axum::http::StatusCode;

/// The entries written while `visit` runs, oldest first.
async fn written_by<F: std::future::Future<Output = ()>>(
    world: &World,
    visit: F,
) -> Vec<AuditEntry> {
    let before = world.app.store.count_audit().await.expect("count");
    visit.await;
    let after = world.app.store.count_audit().await.expect("count");
    let mut entries = world
        .app
        .store
        .list_audit(after - before, 0)
        .await
        .expect("journal");
    entries.reverse();
    entries
}

async fn get_ok(world: &World, path: &str, session: &Session) {
    let response = world.app.get(path, Some(session)).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
}

#[tokio::test]
async fn every_view_and_every_change_writes_one_entry_per_access() {
    let world = world(Settings::default()).await;
    let mut people = Vec::new();
    for name in ["Hélène", "Aïcha"] {
        people.push(sent_referral(&world, name).await);
    }
    // Enrolling, diagnosing and sending: three requests, three entries (the file read to send is
    // the referral's creation).
    let mut third = None;
    let journey = async { third = Some(sent_referral(&world, "Marcel").await) };
    let written = written_by(&world, journey).await;
    people.push(third.expect("sent"));
    let steps: Vec<(AuditAction, &str)> = written
        .iter()
        .map(|entry| (entry.action, entry.record_kind.as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            (AuditAction::Create, "person"),
            (AuditAction::Update, "person"),
            (AuditAction::Create, "referral")
        ]
    );
    let referral = people[0].1.clone();

    // The list of people: one entry naming the three files.
    let listed = written_by(&world, get_ok(&world, "/personnes", &world.prescriber)).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].record_kind, "person_list");
    let mut named: Vec<&str> = listed[0].record_id.split(' ').collect();
    named.sort_unstable();
    let mut expected: Vec<String> = people
        .iter()
        .map(|(id, _)| format!("personne-{id}"))
        .collect();
    expected.sort_unstable();
    assert_eq!(named, expected);

    // The referrals the library receives: one entry.
    let received = written_by(&world, get_ok(&world, "/orientations", &world.mediator)).await;
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!(received[0].record_kind, "referral_list");

    // A referral's page reads it (and its thread) once.
    let opened = written_by(&world, get_ok(&world, &referral, &world.mediator)).await;
    assert_eq!(opened.len(), 1, "{opened:?}");
    assert_eq!(opened[0].action, AuditAction::Read);

    // Accepting reads the referral to change it: one entry, the change.
    let accept = async {
        let response = world
            .app
            .post_form(
                &referral,
                Some(&world.mediator.cookie),
                &[
                    ("csrf_token", world.mediator.csrf.as_str()),
                    ("action", "accepter"),
                    ("version", "1"),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    };
    let accepted = written_by(&world, accept).await;
    assert_eq!(accepted.len(), 1, "{accepted:?}");
    assert_eq!(accepted[0].action, AuditAction::Update);

    // A refused diagnostic form shows the file again: at most one read.
    let (second, _) = people[1].clone();
    let refuse_diagnostic = async {
        let response = world
            .app
            .post_form(
                &format!("/personnes/{second}/diagnostic"),
                Some(&world.prescriber.cookie),
                &[("csrf_token", world.prescriber.csrf.as_str())],
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    };
    let refused = written_by(&world, refuse_diagnostic).await;
    assert!(
        refused.len() <= 1,
        "a refused form is at most one read: {refused:?}"
    );

    // The administrator finds the list view by the person's name, and the chain holds.
    let admin = world.app.sign_in(Role::Administrator).await;
    let page = body_text(
        world
            .app
            .get(
                "/administration/journal?personne=H%C3%A9l%C3%A8ne",
                Some(&admin),
            )
            .await,
    )
    .await;
    assert!(
        page.contains("GET /personnes"),
        "the list view is found by name"
    );
    assert!(page.contains("Liste de 3 personnes"), "{page}");
    assert!(page.contains(&format!("Orientation n° {}", referral_number(&referral))));
    assert!(matches!(
        world.app.store.verify_audit_chain().await.expect("verify"),
        AuditChainCheck::Intact { .. }
    ));
}

fn referral_number(path: &str) -> &str {
    path.trim_start_matches("/orientations/")
}
