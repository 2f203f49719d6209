//! Fields corrected by hand and the imports that follow, on whichever backend the test run names:
//! a corrected field is kept whatever the file says, the disagreement is one open conflict however
//! often the file comes back, a preview writes none of it, the coordinator takes the file's value or
//! keeps the correction, and a file that catches up with the correction drops its mark.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use crate::support::{store_of_maine_et_loire, structure_with_account};
use aiguillage_domain::directory::{Place, Service};
use aiguillage_domain::role::Role;
use aiguillage_store::{
    ConflictChoice, ConflictSettled, ImportAuthor, PlaceImportReport, PlaceRights, PlaceSite,
    Store, StoreError,
};

const HAND: &str = "+33241999999";
const FIRST_FILE: &str = "+33241111111";
const SECOND_FILE: &str = "+33241222222";

fn place(phone: &str) -> Place {
    Place {
        id: "a".into(),
        pivot: "12345678900012".into(),
        name: "Médiathèque d'Angers".into(),
        commune: "Angers".into(),
        postal_code: "49000".into(),
        insee_code: Some("49007".into()),
        address: "1 place du Ralliement".into(),
        updated_on: "2026-01-15".into(),
        phone: Some(phone.into()),
        services: vec![Service::AdministrativeProcedures],
        ..Place::default()
    }
}

async fn import(store: &Store, place: Place, now: i64) -> PlaceImportReport {
    store
        .import_places("test", &[(2, place)], None, now, &|_, _| {})
        .await
        .expect("import")
}

/// The place imported with `+33241000000`, then its phone corrected by hand to [`HAND`]: its id and
/// the manager's account.
async fn corrected_place() -> (Store, i64, i64) {
    let (store, _) = store_of_maine_et_loire().await;
    let (_, account) = structure_with_account(
        &store,
        ("Coordination", "49007"),
        ("coordination@example.fr", Role::Coordinator),
        0,
    )
    .await;
    import(&store, place("+33241000000"), 100).await;
    let id = store.place_id("test", "a").await.expect("id").expect("a");
    let mut edited = store.place(id).await.expect("place").place;
    edited.phone = Some(HAND.into());
    store
        .update_place_by_hand(
            id,
            &edited,
            None,
            (account, "Lieu modifié : téléphone"),
            PlaceRights::Everything,
            200,
        )
        .await
        .expect("hand edit");
    (store, id, account)
}

async fn phone_of(store: &Store, id: i64) -> Option<String> {
    store.place(id).await.expect("place").place.phone
}

fn everything(_: PlaceSite<'_>) -> bool {
    true
}

fn loire_atlantique_only(site: PlaceSite<'_>) -> bool {
    site.departement_code == "44"
}

#[tokio::test]
async fn a_corrected_field_survives_imports_until_the_coordinator_takes_the_file_value() {
    let (store, id, account) = corrected_place().await;
    let marks = store.hand_fields(id).await.expect("marks");
    let marked: Vec<(&str, &str)> = marks
        .iter()
        .map(|m| (m.field.as_str(), m.hand_value.as_str()))
        .collect();
    assert_eq!(marked, vec![("telephone", HAND)], "only the changed field");

    // The preview reports the conflict and writes nothing.
    let author = ImportAuthor {
        account_id: Some(account),
        origin: "Import web du fichier « lieux.csv »",
        rights: PlaceRights::Everything,
    };
    let previewed = store
        .preview_import_places("test", &[(2, place(FIRST_FILE))], &author, 300)
        .await
        .expect("preview");
    assert_eq!(previewed.conflicts.len(), 1);
    assert_eq!(
        (previewed.inserted, previewed.updated, previewed.unchanged),
        (0, 0, 1),
        "the only difference is the kept field"
    );
    assert!(store
        .open_import_conflicts(&everything)
        .await
        .expect("conflicts")
        .is_empty());

    // The import keeps the hand value, applies the rest, and reports one conflict.
    let mut file = place(FIRST_FILE);
    file.summary = Some("Nouvelle présentation".into());
    let report = import(&store, file.clone(), 400).await;
    assert_eq!((report.updated, report.unchanged), (1, 0));
    let conflict = &report.conflicts[..];
    assert_eq!(conflict.len(), 1);
    assert_eq!(
        (
            conflict[0].line,
            conflict[0].field.as_str(),
            conflict[0].hand_value.as_str(),
            conflict[0].file_value.as_str()
        ),
        (2, "telephone", HAND, FIRST_FILE)
    );
    let stored = store.place(id).await.expect("place").place;
    assert_eq!(stored.phone.as_deref(), Some(HAND));
    assert_eq!(stored.summary.as_deref(), Some("Nouvelle présentation"));

    // The same file again: still reported, not duplicated.
    let again = import(&store, file.clone(), 500).await;
    assert_eq!((again.unchanged, again.conflicts.len()), (1, 1));
    let open = store
        .open_import_conflicts(&everything)
        .await
        .expect("open");
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].found_at, 400, "the first finding is kept");

    // A newer file value brings the open conflict up to date.
    file.phone = Some(SECOND_FILE.into());
    import(&store, file.clone(), 600).await;
    let open = store
        .open_import_conflicts(&everything)
        .await
        .expect("open");
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].file_value, SECOND_FILE);
    assert_eq!(open[0].place_name, "Médiathèque d'Angers");
    assert!(store
        .open_import_conflicts(&loire_atlantique_only)
        .await
        .expect("open")
        .is_empty());

    // Rights of another territory: not found, nothing changed.
    let outsider = store
        .resolve_import_conflict(
            open[0].id,
            ConflictChoice::TakeFile,
            (account, PlaceRights::Checked(&loire_atlantique_only)),
            700,
        )
        .await;
    assert!(
        matches!(outsider, Err(StoreError::NotFound(_))),
        "{outsider:?}"
    );
    assert_eq!(phone_of(&store, id).await.as_deref(), Some(HAND));
    assert_eq!(
        store
            .open_import_conflicts(&everything)
            .await
            .expect("open")
            .len(),
        1
    );

    // The coordinator takes the file's value: written, mark gone, conflict closed, recorded.
    let settled = store
        .resolve_import_conflict(
            open[0].id,
            ConflictChoice::TakeFile,
            (account, PlaceRights::Checked(&everything)),
            800,
        )
        .await
        .expect("resolved");
    assert_eq!(settled, ConflictSettled::Done);
    assert_eq!(phone_of(&store, id).await.as_deref(), Some(SECOND_FILE));
    assert!(store.hand_fields(id).await.expect("marks").is_empty());
    assert!(store
        .open_import_conflicts(&everything)
        .await
        .expect("open")
        .is_empty());
    let changes = store.place_changes(id, 1).await.expect("changes");
    assert_eq!(
        changes[0].summary,
        "Conflit d'import résolu : valeur du fichier retenue pour « Numéro de téléphone »"
    );
    let twice = store
        .resolve_import_conflict(
            open[0].id,
            ConflictChoice::KeepHand,
            (account, PlaceRights::Everything),
            900,
        )
        .await
        .expect("answered");
    assert_eq!(twice, ConflictSettled::Already);

    // With the mark gone, the next file's value is simply imported.
    file.phone = Some("+33241333333".into());
    let next = import(&store, file, 1000).await;
    assert_eq!((next.updated, next.conflicts.len()), (1, 0));
    assert_eq!(phone_of(&store, id).await.as_deref(), Some("+33241333333"));
}

#[tokio::test]
async fn a_kept_correction_is_not_asked_again_and_a_file_that_catches_up_drops_the_mark() {
    let (store, id, account) = corrected_place().await;
    let report = import(&store, place(FIRST_FILE), 300).await;
    let open = store
        .open_import_conflicts(&everything)
        .await
        .expect("open");
    assert_eq!((report.conflicts.len(), open.len()), (1, 1));
    let kept = store
        .resolve_import_conflict(
            open[0].id,
            ConflictChoice::KeepHand,
            (account, PlaceRights::Checked(&everything)),
            400,
        )
        .await
        .expect("kept");
    assert_eq!(kept, ConflictSettled::Done);
    assert_eq!(phone_of(&store, id).await.as_deref(), Some(HAND));
    assert_eq!(store.hand_fields(id).await.expect("marks").len(), 1);

    // The same refused value again: kept quietly, no new conflict.
    let again = import(&store, place(FIRST_FILE), 500).await;
    assert!(again.conflicts.is_empty());
    assert!(store
        .open_import_conflicts(&everything)
        .await
        .expect("open")
        .is_empty());
    assert_eq!(phone_of(&store, id).await.as_deref(), Some(HAND));

    // The file now says what the hand said: the mark goes, nothing to settle.
    let caught_up = import(&store, place(HAND), 600).await;
    assert!(caught_up.conflicts.is_empty());
    assert_eq!(caught_up.unchanged, 1);
    assert!(store.hand_fields(id).await.expect("marks").is_empty());
    let next = import(&store, place(SECOND_FILE), 700).await;
    assert_eq!((next.updated, next.conflicts.len()), (1, 0));
    assert_eq!(phone_of(&store, id).await.as_deref(), Some(SECOND_FILE));
}

#[tokio::test]
async fn a_new_correction_equal_to_the_file_closes_the_open_conflict() {
    let (store, id, account) = corrected_place().await;
    import(&store, place(FIRST_FILE), 300).await;
    let mut edited = store.place(id).await.expect("place").place;
    edited.phone = Some(FIRST_FILE.into());
    store
        .update_place_by_hand(
            id,
            &edited,
            None,
            (account, "Lieu modifié : téléphone"),
            PlaceRights::Everything,
            400,
        )
        .await
        .expect("hand edit");
    assert!(store
        .open_import_conflicts(&everything)
        .await
        .expect("open")
        .is_empty());
    let marks = store.hand_fields(id).await.expect("marks");
    assert_eq!(marks[0].hand_value, FIRST_FILE);
    assert_eq!(marks[0].edited_at, 400);
}
