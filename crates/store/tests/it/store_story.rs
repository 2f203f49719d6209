//! The storage story, run on whichever backend `AIGUILLAGE_TEST_DATABASE_URL` names (SQLite otherwise):
//! CI runs this same file once on SQLite and once on a real PostgreSQL server.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use aiguillage_domain::account::{DisplayName, Email, NewAccount};
use aiguillage_domain::audit::{AuditAction, AuditEvent};
use aiguillage_domain::role::Role;
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_domain::throttle::WINDOW_SECONDS;
use aiguillage_interop::territory::{embedded, TerritoryData};
use aiguillage_store::testing::{connect_test_store, fresh_store};
use aiguillage_store::{AuditChainCheck, NewStructure, Store, StoreError};

const NOW: i64 = 1_795_000_000;

fn quiet(_: aiguillage_store::ImportProgress) {}

async fn store_with_maine_et_loire() -> Store {
    let (store, _) = fresh_store().await.expect("fresh store");
    let data = embedded()
        .expect("territory files")
        .with_communes_of(&["49"]);
    store.import_territory(&data, &quiet).await.expect("import");
    store
}

async fn structure_in_angers(store: &Store) -> i64 {
    let structure = NewStructure {
        name: "Médiathèque Toussaint".into(),
        kind: "Médiathèque".into(),
        commune_code: "49007".into(),
    };
    store
        .ensure_structure(&structure, NOW)
        .await
        .expect("structure")
}

fn new_account(email: &str, role: Role, structure_id: i64) -> NewAccount {
    NewAccount {
        email: Email::parse(email).expect("email"),
        display_name: DisplayName::parse("Claire Martin").expect("name"),
        role,
        structure_id,
        territory: TerritoryScope::Departement("49".into()),
    }
}

#[tokio::test]
async fn importing_all_of_france_twice_changes_nothing_the_second_time() {
    let (store, _) = fresh_store().await.expect("fresh store");
    let data: TerritoryData = embedded().expect("territory files");
    let first = store
        .import_territory(&data, &quiet)
        .await
        .expect("first import");
    assert_eq!(first.communes.inserted, 35_014);
    assert_eq!(first.epcis.inserted, 1_255);
    let counts = store.territory_counts().await.expect("counts");
    assert_eq!(counts.communes, 34_969);
    assert_eq!(counts.municipal_arrondissements, 45);
    assert_eq!(counts.epcis, 1_255);
    assert_eq!(counts.departements, 101);
    assert_eq!(counts.regions, 18);
    assert_eq!(counts.departements_overseas_collectivities, 8);

    let second = store
        .import_territory(&data, &quiet)
        .await
        .expect("second import");
    assert_eq!(second.changed(), 0);
    assert_eq!(second.communes.unchanged, 35_014);
    assert_eq!(store.territory_counts().await.expect("counts"), counts);
}

#[tokio::test]
async fn a_changed_commune_is_updated_and_the_rest_left_alone() {
    let store = store_with_maine_et_loire().await;
    let mut data = embedded()
        .expect("territory files")
        .with_communes_of(&["49"]);
    let angers = data
        .communes
        .iter_mut()
        .find(|c| c.code == "49007")
        .expect("Angers");
    angers.population = Some(160_000);
    let report = store
        .import_territory(&data, &quiet)
        .await
        .expect("refresh");
    assert_eq!(report.communes.updated, 1);
    assert_eq!(report.communes.inserted, 0);
    let found = store.search_communes("angers", 1).await.expect("search");
    assert_eq!(found[0].population, Some(160_000));
}

#[tokio::test]
async fn communes_are_found_by_name_without_accents_or_by_postal_code() {
    let store = store_with_maine_et_loire().await;
    let by_name = store
        .search_communes("les ponts de ce", 5)
        .await
        .expect("search");
    assert_eq!(by_name[0].code, "49246");
    assert_eq!(
        by_name[0].epci_name.as_deref(),
        Some("CU Angers Loire Métropole")
    );
    let by_postal_code = store.search_communes("49300", 5).await.expect("search");
    assert!(by_postal_code.iter().any(|c| c.name == "Cholet"));
}

#[tokio::test]
async fn an_account_email_can_only_be_used_once() {
    let store = store_with_maine_et_loire().await;
    let structure_id = structure_in_angers(&store).await;
    let account = new_account("claire.martin@angers.fr", Role::Mediator, structure_id);
    let id = store
        .create_account(&account, "hash", NOW)
        .await
        .expect("create");
    let again = store.create_account(&account, "hash", NOW).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let stored = store.account(id).await.expect("account");
    assert_eq!(stored.role, Role::Mediator);
    assert_eq!(stored.structure_name, "Médiathèque Toussaint");
    assert_eq!(store.list_accounts().await.expect("list").len(), 1);
}

#[tokio::test]
async fn an_account_in_an_unknown_territory_is_refused_and_nothing_is_written() {
    let store = store_with_maine_et_loire().await;
    let structure_id = structure_in_angers(&store).await;
    let mut account = new_account("paul@angers.fr", Role::Prescriber, structure_id);
    account.territory = TerritoryScope::Epci("999999999".into());
    let result = store.create_account(&account, "hash", NOW).await;
    assert!(matches!(result, Err(StoreError::NotFound(_))), "{result:?}");
    assert!(store.list_accounts().await.expect("list").is_empty());
}

#[tokio::test]
async fn a_session_ends_after_thirty_idle_minutes_and_is_shared_by_every_instance() {
    let (store, url) = fresh_store().await.expect("fresh store");
    let data = embedded()
        .expect("territory files")
        .with_communes_of(&["49"]);
    store.import_territory(&data, &quiet).await.expect("import");
    let structure_id = structure_in_angers(&store).await;
    let account_id = store
        .create_account(
            &new_account("a@b.fr", Role::Coordinator, structure_id),
            "hash",
            NOW,
        )
        .await
        .expect("account");
    store
        .create_session("token-hash", account_id, "csrf", NOW)
        .await
        .expect("session");

    let other_instance = connect_test_store(&url).await.expect("second instance");
    let seen = other_instance
        .session_owner("token-hash", NOW + 60)
        .await
        .expect("read");
    assert_eq!(seen.map(|o| o.session.account_id), Some(account_id));
    let later = store
        .session_owner("token-hash", NOW + 60 + 29 * 60)
        .await
        .expect("read");
    assert!(later.is_some(), "activity keeps the session alive");
    let expired = store
        .session_owner("token-hash", NOW + 60 + 29 * 60 + 30 * 60)
        .await
        .expect("read");
    assert!(expired.is_none());
}

#[tokio::test]
async fn a_request_writes_the_session_only_when_its_activity_moved_a_minute() {
    let (store, _) = fresh_store().await.expect("fresh store");
    let data = aiguillage_interop::territory::embedded()
        .expect("territory files")
        .with_communes_of(&["49"]);
    store.import_territory(&data, &quiet).await.expect("import");
    let structure_id = structure_in_angers(&store).await;
    let account_id = store
        .create_account(
            &new_account("t@b.fr", Role::Mediator, structure_id),
            "hash",
            NOW,
        )
        .await
        .expect("account");
    store
        .create_session("touch", account_id, "csrf", NOW)
        .await
        .expect("session");
    let last_seen = |store: &Store| {
        let store = store.clone();
        async move {
            aiguillage_store::testing::scalar(
                &store,
                "SELECT last_seen_at AS n FROM sessions WHERE token_hash = 'touch'",
            )
            .await
            .expect("last seen")
        }
    };
    for second in [1, 30, 59] {
        assert!(store
            .session_owner("touch", NOW + second)
            .await
            .expect("read")
            .is_some());
        assert_eq!(
            last_seen(&store).await,
            NOW,
            "no write within the minute ({second} s)"
        );
    }
    store.session_owner("touch", NOW + 60).await.expect("read");
    assert_eq!(
        last_seen(&store).await,
        NOW + 60,
        "written once the minute passed"
    );
    store.session_owner("touch", NOW + 100).await.expect("read");
    assert_eq!(last_seen(&store).await, NOW + 60);
}

#[tokio::test]
async fn login_failures_are_counted_within_the_window_only() {
    let (store, _) = fresh_store().await.expect("fresh store");
    for second in 0..3 {
        store
            .record_login_failure("email:x@y.fr", NOW + second)
            .await
            .expect("failure");
    }
    let recent = store
        .recent_login_failures("email:x@y.fr", NOW + 10)
        .await
        .expect("count");
    assert_eq!(recent.count, 3);
    assert_eq!(recent.oldest_at, Some(NOW));
    let later = store
        .recent_login_failures("email:x@y.fr", NOW + WINDOW_SECONDS + 5)
        .await
        .expect("count");
    assert_eq!(later.count, 0);
    store
        .clear_login_failures("email:x@y.fr")
        .await
        .expect("clear");
    assert_eq!(
        store
            .recent_login_failures("email:x@y.fr", NOW + 10)
            .await
            .expect("count")
            .count,
        0
    );
}

fn read_event(record_id: usize) -> AuditEvent {
    AuditEvent {
        actor_account_id: None,
        action: AuditAction::Read,
        record_kind: "account".into(),
        record_id: record_id.to_string(),
        reason: "GET /administration/comptes".into(),
    }
}

#[tokio::test]
async fn concurrent_audit_appends_keep_one_unbroken_chain() {
    let (store, _) = fresh_store().await.expect("fresh store");
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move { store.record_audit(&read_event(i), NOW).await })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").expect("append");
    }
    assert_eq!(
        store.verify_audit_chain().await.expect("verify"),
        AuditChainCheck::Intact { entries: 20 }
    );
    let newest = store.list_audit(5, 0).await.expect("list");
    assert_eq!(newest.len(), 5);
    assert_eq!(newest[0].seq, 20);
}
