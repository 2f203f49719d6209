//! Published fragility indexes in storage, on whichever backend the test run names: a file with one
//! bad row stores nothing; rows with a code unknown to the territory reference are reported and
//! skipped; a good file replaces the previous import of its edition; a commune reads its own value.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use aiguillage_interop::published_index::read_published_index;
use aiguillage_store::Store;

const NOW: i64 = 1_795_392_000;
const HEADER: &str = "name,division,code,no_thd_coverage_rate,no_4g_coverage_rate,poverty_rate,older_65_rate,nscol15p_rate,total\n";

async fn store() -> Store {
    let (store, _) = crate::support::store_of_maine_et_loire().await;
    store
}

#[tokio::test]
async fn a_broken_file_stores_nothing_and_a_good_one_replaces_the_edition() {
    let store = store().await;
    let good = format!("{HEADER}Angers,city,49007,1,2,8,4,5,4\nSaumur,city,49328,3,3,,5,6,4.25\n");
    let file = read_published_index(&good).expect("read");
    let report = store
        .import_published_index(&file, NOW)
        .await
        .expect("import");
    assert_eq!(
        (report.stored, report.rejected.len(), report.unknown.len()),
        (2, 0, 0)
    );
    assert_eq!(
        store
            .published_index_of_commune("2023", "49007")
            .await
            .expect("read"),
        Some(4.0)
    );

    // One out-of-range row: nothing changes.
    let broken = format!("{HEADER}Angers,city,49007,9,9,9,9,9,9\nTrop,city,49099,11,1,1,1,1,3\n");
    let file = read_published_index(&broken).expect("read");
    let report = store
        .import_published_index(&file, NOW)
        .await
        .expect("import");
    assert_eq!(report.stored, 0);
    assert_eq!(
        report.rejected.iter().map(|r| r.line).collect::<Vec<_>>(),
        vec![3]
    );
    assert_eq!(
        store
            .published_index_of_commune("2023", "49007")
            .await
            .expect("read"),
        Some(4.0),
        "unchanged"
    );

    // A new good file replaces the edition whole; a code outside the reference is skipped, reported.
    let newer =
        format!("{HEADER}Angers,city,49007,2,2,8,4,5,4.2\nAilleurs,city,75056,1,1,1,1,1,1\n");
    let file = read_published_index(&newer).expect("read");
    let report = store
        .import_published_index(&file, NOW)
        .await
        .expect("import");
    assert_eq!(report.stored, 1);
    assert_eq!(report.unknown.len(), 1);
    assert!(report.unknown[0].reason.contains("absent du référentiel"));
    assert_eq!(
        store
            .published_index_of_commune("2023", "49007")
            .await
            .expect("read"),
        Some(4.2)
    );
    assert_eq!(
        store
            .published_index_of_commune("2023", "49328")
            .await
            .expect("read"),
        None
    );
    let many = store
        .published_index_of_communes("2023", &["49007".to_owned(), "49328".to_owned()])
        .await
        .expect("read many");
    assert_eq!(many.get("49007"), Some(&4.2));
    assert!(!many.contains_key("49328"));
    assert_eq!(
        store
            .published_index_counts()
            .await
            .expect("counts")
            .get("2023"),
        Some(&1)
    );
}

#[tokio::test]
async fn local_indicators_are_kept_per_territory_and_replaced_per_indicator() {
    use aiguillage_domain::fragility::Observations;
    use aiguillage_domain::territory::TerritoryScope;
    let store = store().await;
    let anjou = TerritoryScope::Departement("49".into());
    let mut upload = Observations::new();
    upload.entry("caf_suivis".into()).or_default().extend([
        ("49007".to_owned(), 12.5),
        ("49328".to_owned(), 20.0),
        ("75056".to_owned(), 9.0), // Paris: outside the territory
    ]);
    let none = std::collections::BTreeSet::new();
    let lower = std::collections::BTreeSet::from(["caf_suivis".to_owned()]);
    let report = store
        .save_local_indicators(&anjou, (&upload, &lower), None, NOW)
        .await
        .expect("save");
    assert_eq!(report.stored, 2);
    assert_eq!(report.indicators, vec!["caf_suivis".to_owned()]);
    assert_eq!(
        store
            .local_indicators_lower_is_worse(&anjou)
            .await
            .expect("directions"),
        lower
    );
    assert_eq!(
        report.outside,
        vec![("caf_suivis".to_owned(), "75056".to_owned())]
    );
    // A new upload of the indicator replaces its values whole.
    let mut again = Observations::new();
    again
        .entry("caf_suivis".into())
        .or_default()
        .insert("49007".into(), 14.0);
    store
        .save_local_indicators(&anjou, (&again, &none), None, NOW)
        .await
        .expect("save again");
    // Sent again as « higher is worse », it reads so.
    assert!(store
        .local_indicators_lower_is_worse(&anjou)
        .await
        .expect("directions")
        .is_empty());
    let stored = store.local_indicators(&anjou).await.expect("read");
    assert_eq!(stored["caf_suivis"].len(), 1);
    assert_eq!(stored["caf_suivis"]["49007"], 14.0);
    // Only outside values: nothing stored, nothing replaced.
    let mut elsewhere = Observations::new();
    elsewhere
        .entry("caf_suivis".into())
        .or_default()
        .insert("75056".into(), 1.0);
    let report = store
        .save_local_indicators(&anjou, (&elsewhere, &none), None, NOW)
        .await
        .expect("save elsewhere");
    assert_eq!(report.stored, 0);
    assert_eq!(
        store.local_indicators(&anjou).await.expect("read")["caf_suivis"]["49007"],
        14.0
    );
    let other = TerritoryScope::Epci("244900015".into());
    assert!(store
        .local_indicators(&other)
        .await
        .expect("read")
        .is_empty());
    assert_eq!(
        store
            .delete_local_indicator(&anjou, "caf_suivis")
            .await
            .expect("delete"),
        1
    );
    assert!(store
        .local_indicators(&anjou)
        .await
        .expect("read")
        .is_empty());
}
