//! Teams in the store, on whichever backend the test run names: an account's home membership is
//! written with it; an invitation is accepted once (a new account, or an existing one joining a
//! second structure), never after its time or its cancellation; a manager changes roles only in
//! their own structure, never to a role they may not grant, nor leaving it without a manager;
//! removing a member ends their sessions, moves their home to another membership, and removing the
//! last one deactivates the account; every refusal leaves the database unchanged.

use crate::support::{store_of_maine_et_loire, structure_with_account};
use aiguillage_domain::ids::{AccountId, StructureId};
use aiguillage_domain::role::Role;
use aiguillage_domain::team::{InvitationState, INVITATION_LIFETIME_SECONDS};
use aiguillage_store::testing::database_contents;
use aiguillage_store::{Acceptance, NewInvitation, StoreError, TeamActor};

const NOW: i64 = 1_795_000_000;

fn actor(account: i64, structure: i64) -> TeamActor<'static> {
    TeamActor {
        account_id: AccountId::new(account),
        structure_id: StructureId::new(structure),
        reason: "test",
    }
}

fn invitation<'a>(email: &'a str, structure: i64, role: Role, token: &'a str) -> NewInvitation<'a> {
    NewInvitation {
        email,
        structure_id: StructureId::new(structure),
        role,
        token_hash: token,
        expires_at: NOW + INVITATION_LIFETIME_SECONDS,
    }
}

#[tokio::test]
async fn invitations_memberships_role_changes_and_removals_keep_to_their_structure() {
    let (store, _) = store_of_maine_et_loire().await;
    let (angers, manager) = structure_with_account(
        &store,
        ("CCAS d'Angers", "49007"),
        ("responsable@angers.fr", Role::StructureManager),
        NOW,
    )
    .await;
    let (saumur, other_manager) = structure_with_account(
        &store,
        ("Médiathèque de Saumur", "49328"),
        ("responsable@saumur.fr", Role::StructureManager),
        NOW,
    )
    .await;
    let home = store.memberships_of(AccountId::new(manager)).await.unwrap();
    assert_eq!(home.len(), 1, "the home membership comes with the account");
    assert!(home[0].home && home[0].role == Role::StructureManager);

    // A manager invites to their own structure only, and never a role they may not grant.
    let before = database_contents(&store).await.unwrap();
    let foreign = store
        .create_invitation(
            &actor(manager, angers),
            &invitation("x@example.fr", saumur, Role::Mediator, "t0"),
            NOW,
        )
        .await;
    assert!(
        matches!(foreign, Err(StoreError::NotFound(_))),
        "{foreign:?}"
    );
    let forbidden = store
        .create_invitation(
            &actor(manager, angers),
            &invitation("x@example.fr", angers, Role::Coordinator, "t0"),
            NOW,
        )
        .await;
    assert!(matches!(forbidden, Err(StoreError::OutOfScope(_))));
    assert_eq!(database_contents(&store).await.unwrap(), before);

    // A new account through an invitation, once.
    let id = store
        .create_invitation(
            &actor(manager, angers),
            &invitation("camille@example.fr", angers, Role::Mediator, "t1"),
            NOW,
        )
        .await
        .unwrap();
    let waiting = store
        .pending_invitations(StructureId::new(angers), NOW)
        .await
        .unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].id, id);
    let again = store
        .create_invitation(
            &actor(manager, angers),
            &invitation("camille@example.fr", angers, Role::Mediator, "t1b"),
            NOW,
        )
        .await;
    assert!(
        matches!(again, Err(StoreError::Conflict(_))),
        "one waiting invitation per address"
    );
    let new_account = Acceptance::NewAccount {
        display_name: "Camille Dupont",
        password_hash: "$argon2id$test",
    };
    let accepted = store
        .accept_invitation("t1", new_account.clone(), "test", NOW + 10)
        .await
        .unwrap();
    assert_eq!(accepted.structure, StructureId::new(angers));
    let camille = accepted.account;
    let twice = store
        .accept_invitation("t1", new_account, "test", NOW + 20)
        .await;
    assert!(
        matches!(twice, Err(StoreError::NotFound(_))),
        "a link serves once"
    );
    assert_eq!(
        store
            .invitation_by_token("t1", NOW + 20)
            .await
            .unwrap()
            .unwrap()
            .state,
        InvitationState::Used
    );
    let account = store.account(camille.get()).await.unwrap();
    assert_eq!(
        (account.role, account.structure_id),
        (Role::Mediator, angers)
    );

    // An expired or cancelled link does nothing.
    store
        .create_invitation(
            &actor(manager, angers),
            &invitation("tard@example.fr", angers, Role::Prescriber, "t2"),
            NOW,
        )
        .await
        .unwrap();
    let late = Acceptance::NewAccount {
        display_name: "Trop Tard",
        password_hash: "$argon2id$test",
    };
    let expired = store
        .accept_invitation(
            "t2",
            late.clone(),
            "test",
            NOW + INVITATION_LIFETIME_SECONDS,
        )
        .await;
    assert!(matches!(expired, Err(StoreError::NotFound(_))));
    let cancelled = store
        .create_invitation(
            &actor(manager, angers),
            &invitation("annule@example.fr", angers, Role::Prescriber, "t3"),
            NOW,
        )
        .await
        .unwrap();
    let by_other = store
        .cancel_invitation(&actor(other_manager, saumur), cancelled, NOW)
        .await;
    assert!(
        matches!(by_other, Err(StoreError::NotFound(_))),
        "another structure's invitation"
    );
    store
        .cancel_invitation(&actor(manager, angers), cancelled, NOW + 1)
        .await
        .unwrap();
    assert!(store
        .accept_invitation("t3", late, "test", NOW + 2)
        .await
        .is_err());

    // Camille joins Saumur too: two memberships, her home stays Angers.
    store
        .create_invitation(
            &actor(other_manager, saumur),
            &invitation("camille@example.fr", saumur, Role::Prescriber, "t4"),
            NOW,
        )
        .await
        .unwrap();
    let wrong_account = store
        .accept_invitation(
            "t4",
            Acceptance::Existing(AccountId::new(manager)),
            "test",
            NOW,
        )
        .await;
    assert!(
        matches!(wrong_account, Err(StoreError::OutOfScope(_))),
        "only the invited account"
    );
    store
        .accept_invitation("t4", Acceptance::Existing(camille), "test", NOW + 30)
        .await
        .unwrap();
    let memberships = store.memberships_of(camille).await.unwrap();
    assert_eq!(memberships.len(), 2);
    assert!(memberships[0].home && memberships[0].structure_id.get() == angers);
    assert_eq!(memberships[1].role, Role::Prescriber);

    // Role changes: only in one's own structure, only grantable roles, a manager always left.
    let before = database_contents(&store).await.unwrap();
    let outside = store
        .change_member_role(
            &actor(other_manager, saumur),
            AccountId::new(manager),
            Role::Mediator,
            NOW,
        )
        .await;
    assert!(matches!(outside, Err(StoreError::NotFound(_))));
    let admin = store
        .change_member_role(&actor(manager, angers), camille, Role::Administrator, NOW)
        .await;
    assert!(matches!(admin, Err(StoreError::OutOfScope(_))));
    let last = store
        .change_member_role(
            &actor(manager, angers),
            AccountId::new(manager),
            Role::Mediator,
            NOW,
        )
        .await;
    assert!(
        matches!(last, Err(StoreError::Conflict(_))),
        "the last manager keeps the role"
    );
    let leave = store
        .remove_member(&actor(manager, angers), AccountId::new(manager), NOW)
        .await;
    assert!(matches!(leave, Err(StoreError::Conflict(_))), "nor leaves");
    assert_eq!(
        database_contents(&store).await.unwrap(),
        before,
        "nothing written"
    );
    store
        .change_member_role(&actor(manager, angers), camille, Role::Prescriber, NOW + 40)
        .await
        .unwrap();
    assert_eq!(
        store.account(camille.get()).await.unwrap().role,
        Role::Prescriber,
        "home kept in sync"
    );

    // Removal from her home: her sessions end, her home moves to Saumur.
    store
        .create_session("session-de-camille", camille.get(), "csrf", NOW)
        .await
        .unwrap();
    let removed = store
        .remove_member(&actor(manager, angers), camille, NOW + 50)
        .await
        .unwrap();
    assert_eq!(removed.sessions_ended, 1);
    assert!(!removed.deactivated);
    assert!(store
        .session_owner("session-de-camille", NOW + 60)
        .await
        .unwrap()
        .is_none());
    let account = store.account(camille.get()).await.unwrap();
    assert_eq!(
        (account.structure_id, account.role, account.active),
        (saumur, Role::Prescriber, true)
    );
    // Then from her last structure: deactivated, kept.
    let removed = store
        .remove_member(&actor(other_manager, saumur), camille, NOW + 70)
        .await
        .unwrap();
    assert!(removed.deactivated);
    assert!(!store.account(camille.get()).await.unwrap().active);
    assert!(store.memberships_of(camille).await.unwrap().is_empty());
    let journal = store.list_audit(50, 0).await.unwrap();
    for kind in ["invitation", "membership", "account"] {
        assert!(
            journal.iter().any(|e| e.record_kind == kind),
            "{kind} audited"
        );
    }
}

#[tokio::test]
async fn a_coordinator_invites_managers_of_their_territory_only() {
    let (store, _) = store_of_maine_et_loire().await;
    let (home, coordinator) = structure_with_account(
        &store,
        ("Département", "49007"),
        ("coordination@49.fr", Role::Coordinator),
        NOW,
    )
    .await;
    let (saumur, _) = structure_with_account(
        &store,
        ("Médiathèque de Saumur", "49328"),
        ("responsable@saumur.fr", Role::StructureManager),
        NOW,
    )
    .await;
    let mediator = store
        .create_invitation(
            &actor(coordinator, home),
            &invitation("m@example.fr", saumur, Role::Mediator, "c1"),
            NOW,
        )
        .await;
    assert!(
        matches!(mediator, Err(StoreError::OutOfScope(_))),
        "a coordinator grants managers only"
    );
    store
        .create_invitation(
            &actor(coordinator, home),
            &invitation("r@example.fr", saumur, Role::StructureManager, "c2"),
            NOW,
        )
        .await
        .unwrap();
    let accepted = store
        .accept_invitation(
            "c2",
            Acceptance::NewAccount {
                display_name: "Romane Petit",
                password_hash: "$argon2id$test",
            },
            "test",
            NOW + 5,
        )
        .await
        .unwrap();
    let account = store.account(accepted.account.get()).await.unwrap();
    assert_eq!(
        (account.role, account.structure_id),
        (Role::StructureManager, saumur)
    );
    assert!(store
        .structure_in_territory(StructureId::new(saumur), &account.territory)
        .await
        .unwrap());
}
