//! The second factor and the password's self-service in the store, on whichever backend the test run
//! names: the TOTP secret is stored sealed (read raw, neither its bytes nor its base32 appear) and
//! read back; a step is used once; a recovery code is spent once and stored keyed-hashed; the
//! administrator's reset deletes it all with the account's sessions; a reset link is spent once and
//! only in time, ending every session.

use crate::support::{store_of_maine_et_loire, structure_with_account};
use aiguillage_domain::ids::AccountId;
use aiguillage_domain::role::Role;
use aiguillage_domain::second_factor::secret_base32;
use aiguillage_store::testing::database_contents;
use aiguillage_store::CredentialChange;

const NOW: i64 = 1_795_000_000;
const SECRET: &[u8; 20] = b"storysecret-totp-123";

#[tokio::test]
async fn a_secret_is_sealed_a_step_and_a_recovery_code_serve_once_and_a_reset_clears_all() {
    let (store, _) = store_of_maine_et_loire().await;
    let (_, id) = structure_with_account(
        &store,
        ("Mairie", "49007"),
        ("coordination@angers.fr", Role::Coordinator),
        NOW,
    )
    .await;
    let account = AccountId::new(id);
    let change = CredentialChange {
        by: Some(account),
        reason: "test",
    };
    assert!(store
        .begin_totp_enrolment(account, SECRET, NOW)
        .await
        .unwrap());
    assert_eq!(
        store
            .pending_totp_secret(account, NOW + 60)
            .await
            .unwrap()
            .as_deref(),
        Some(SECRET.as_slice())
    );
    assert_eq!(
        store.totp_material(account).await.unwrap(),
        None,
        "not confirmed yet"
    );
    let codes = ["ABCDE23456".to_owned(), "FGHJK78923".to_owned()];
    assert!(store
        .confirm_totp_enrolment(account, (100, &codes), change, NOW)
        .await
        .unwrap());
    assert!(
        !store
            .begin_totp_enrolment(account, SECRET, NOW)
            .await
            .unwrap(),
        "confirmed stays"
    );
    let raw = format!("{:?}", database_contents(&store).await.unwrap());
    assert!(!raw.contains("storysecret") && !raw.contains(&secret_base32(SECRET)));
    assert!(!raw.contains("ABCDE23456"), "recovery codes hashed");
    let material = store.totp_material(account).await.unwrap().unwrap();
    assert_eq!(material.secret, SECRET.to_vec());
    assert_eq!(material.last_used_step, Some(100));

    assert!(
        !store.use_totp_step(account, 100).await.unwrap(),
        "the enrolment's step"
    );
    assert!(store.use_totp_step(account, 101).await.unwrap());
    assert!(!store.use_totp_step(account, 101).await.unwrap(), "once");
    assert!(
        !store.use_totp_step(account, 100).await.unwrap(),
        "nor an earlier one"
    );
    assert!(store
        .use_recovery_code(account, "ABCDE23456", NOW)
        .await
        .unwrap());
    assert!(!store
        .use_recovery_code(account, "ABCDE23456", NOW)
        .await
        .unwrap());
    assert!(!store
        .use_recovery_code(account, "ZZZZZ23456", NOW)
        .await
        .unwrap());
    assert_eq!(
        store
            .second_factor_of(account)
            .await
            .unwrap()
            .unwrap()
            .recovery_codes_left,
        1
    );

    store
        .create_session("jeton", id, "csrf", NOW)
        .await
        .unwrap();
    assert!(store
        .reset_second_factor(account, change, NOW)
        .await
        .unwrap());
    assert_eq!(store.second_factor_of(account).await.unwrap(), None);
    assert!(store
        .session_owner("jeton", NOW + 1)
        .await
        .unwrap()
        .is_none());
    assert!(!store
        .use_recovery_code(account, "FGHJK78923", NOW)
        .await
        .unwrap());
    let journal = store.list_audit(10, 0).await.unwrap();
    assert!(journal
        .iter()
        .any(|e| e.record_kind == "second_factor" && e.action.code() == "delete"));

    // A reset link: in time and once, every session ended.
    store
        .create_session("autre", id, "csrf", NOW)
        .await
        .unwrap();
    store
        .create_password_reset(account, "lien", NOW + 1800, NOW)
        .await
        .unwrap();
    assert_eq!(
        store
            .password_reset_account("lien", NOW + 1800)
            .await
            .unwrap(),
        None,
        "expired"
    );
    assert_eq!(
        store
            .reset_password("lien", "$argon2id$nouveau", "test", NOW + 60)
            .await
            .unwrap(),
        Some(account)
    );
    assert_eq!(
        store
            .reset_password("lien", "$argon2id$encore", "test", NOW + 61)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.password_hash_of(account).await.unwrap(),
        "$argon2id$nouveau"
    );
    assert!(store
        .session_owner("autre", NOW + 62)
        .await
        .unwrap()
        .is_none());
}
