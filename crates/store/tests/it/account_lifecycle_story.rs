//! The accounts' lifecycle on both backends: an account without sign-in is warned once at 5 months,
//! deactivated at 6 with its sessions ended, its identity anonymised 24 months later, each step
//! audited; an account that signs in after its warning is not deactivated.

use crate::support::{store_of_maine_et_loire, structure_with_account};
use aiguillage_domain::account_lifecycle::LifecycleStep;
use aiguillage_domain::calendar::parse_midnight;
use aiguillage_domain::role::Role;
use aiguillage_store::testing::scalar;
use aiguillage_store::{LifecycleAccount, Store};

fn at(day: &str) -> i64 {
    parse_midnight(day).expect("day") + 43_200
}

async fn account(store: &Store, id: i64) -> LifecycleAccount {
    store
        .lifecycle_accounts()
        .await
        .expect("accounts")
        .into_iter()
        .find(|a| a.id == id)
        .expect("listed")
}

#[tokio::test]
async fn an_account_without_sign_in_is_warned_deactivated_then_anonymised() {
    let (store, _) = store_of_maine_et_loire().await;
    let created = at("2026-01-15");
    let (_, idle) = structure_with_account(
        &store,
        ("Médiathèque d'Angers", "49007"),
        ("inactive@test.fr", Role::Mediator),
        created,
    )
    .await;
    let (_, back) = structure_with_account(
        &store,
        ("Centre social de Cholet", "49099"),
        ("revenue@test.fr", Role::Mediator),
        created,
    )
    .await;

    // Five months on: both warned, once.
    let june = at("2026-06-16");
    for id in [idle, back] {
        let judged = account(&store, id).await;
        assert!(matches!(
            judged.activity.step(june),
            LifecycleStep::Warn { .. }
        ));
        assert!(store
            .mark_inactivity_warned(&judged, june)
            .await
            .expect("warn"));
        assert!(!store
            .mark_inactivity_warned(&judged, june)
            .await
            .expect("once"));
    }
    // One signs in after the warning: judged before, it is not deactivated.
    let stale = account(&store, back).await;
    store
        .record_login(back, at("2026-07-01"))
        .await
        .expect("login");
    assert!(!store
        .deactivate_inactive_account(&stale, at("2026-07-20"))
        .await
        .expect("kept"));
    assert_eq!(
        account(&store, back).await.activity.step(at("2026-07-20")),
        LifecycleStep::Keep
    );

    // Six months and 30 days' notice: the idle one is deactivated, its records kept.
    let july = at("2026-07-16");
    let judged = account(&store, idle).await;
    assert_eq!(judged.activity.step(july), LifecycleStep::Deactivate);
    assert!(store
        .deactivate_inactive_account(&judged, july)
        .await
        .expect("deactivate"));
    let active = scalar(
        &store,
        &format!("SELECT COUNT(*) AS n FROM accounts WHERE id = {idle} AND deactivated_at IS NULL"),
    )
    .await
    .expect("count");
    assert_eq!(active, 0);
    assert!(!store
        .login_candidate("inactive@test.fr")
        .await
        .expect("candidate")
        .is_some_and(|c| c.account.active));

    // 24 months after deactivation: the identity is anonymised, once.
    let judged = account(&store, idle).await;
    assert_eq!(judged.activity.step(at("2028-07-15")), LifecycleStep::Keep);
    assert_eq!(
        judged.activity.step(at("2028-07-16")),
        LifecycleStep::Anonymise
    );
    assert!(store
        .anonymise_account(&judged, at("2028-07-16"))
        .await
        .expect("anonymise"));
    assert!(!store
        .anonymise_account(&judged, at("2028-07-17"))
        .await
        .expect("once"));
    assert!(store
        .login_candidate("inactive@test.fr")
        .await
        .expect("gone")
        .is_none());
    assert!(store
        .lifecycle_accounts()
        .await
        .expect("list")
        .iter()
        .all(|a| a.id != idle));
    let audited = scalar(
        &store,
        &format!("SELECT COUNT(*) AS n FROM audit_log WHERE record_kind = 'account' AND record_id = '{idle}'"),
    )
    .await
    .expect("audit");
    assert_eq!(audited, 3, "warned, deactivated, anonymised");
}
