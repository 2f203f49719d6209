//! The sealed copy of the indicator records (`Store::write_indicator_snapshot`): read back by the
//! instance that wrote it, it holds the very records and gives the very figures of the load it was
//! made from; it is sealed (no code of a commune in clear, mode 0600); a copy under another key, or
//! altered by one byte, is refused and removed; an erasure removes the copy, and records read before
//! it are not written again;
//! PostgreSQL keeps none unless configured.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use crate::indicator_changes_story::{fragile, records_of};
use crate::indicators_story::{day, story, world};
use aiguillage_domain::indicators::{standard_publication, Area, Cut, Params};
use aiguillage_domain::orientation::TargetDelays;
use aiguillage_store::testing::actor;
use aiguillage_store::{AuditKey, Backend, IndicatorSnapshot, Store, INDICATOR_SNAPSHOT_SUFFIX};
use std::sync::Arc;

#[tokio::test]
async fn a_sealed_copy_gives_back_the_records_and_figures_of_its_load_and_nothing_else() {
    let world = world().await;
    let people = story(&world).await;
    let store = &world.store;
    let load = store
        .indicator_dataset(day(100), &fragile())
        .await
        .expect("load");
    let snapshot = IndicatorSnapshot {
        dataset: Arc::new(load.dataset.clone()),
        watermark: load.watermark,
        marks: load.marks,
        dropped: load.dropped,
        fully_loaded_at: day(100),
        load_millis: 1_234,
    };
    if store.backend() == Backend::Postgres {
        assert_eq!(store.indicator_snapshot_file(), None);
        store
            .write_indicator_snapshot(snapshot)
            .await
            .expect("no-op");
        assert!(store.read_indicator_snapshot().await.is_none());
        return;
    }
    let file = store
        .indicator_snapshot_file()
        .expect("beside the database")
        .to_owned();
    assert!(file
        .to_string_lossy()
        .ends_with(&format!(".db{INDICATOR_SNAPSHOT_SUFFIX}")));
    assert!(store.read_indicator_snapshot().await.is_none(), "none yet");
    store
        .write_indicator_snapshot(snapshot)
        .await
        .expect("written")
        .then_some(())
        .expect("no erasure since the load");

    let bytes = std::fs::read(&file).expect("file");
    assert!(!bytes.windows(5).any(|w| w == b"49007" || w == b"49328"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let read = store.read_indicator_snapshot().await.expect("read back");
    assert_eq!(read.watermark, load.watermark);
    assert_eq!(read.marks, load.marks);
    assert_eq!(read.dropped, load.dropped);
    assert_eq!((read.fully_loaded_at, read.load_millis), (day(100), 1_234));
    assert_eq!(records_of(&read.dataset), records_of(&load.dataset));
    let params = Params {
        now: day(100),
        targets: TargetDelays::default(),
    };
    let anjou = Cut {
        area: Some(Area::Departement("49".into())),
        ..Cut::default()
    };
    for cut in [Cut::default(), anjou] {
        assert_eq!(
            standard_publication(&read.dataset, &cut, &params),
            standard_publication(&load.dataset, &cut, &params)
        );
    }

    // Another instance's key cannot open it: the copy is removed.
    let stranger = Store::connect_with_key(&world.url, AuditKey::generate())
        .await
        .expect("same database, other key");
    assert!(stranger.read_indicator_snapshot().await.is_none());
    assert!(!file.exists(), "a copy that cannot be read is removed");

    // One byte altered: refused and removed.
    store
        .write_indicator_snapshot(read.clone())
        .await
        .expect("written again");
    let mut bytes = std::fs::read(&file).expect("file");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    std::fs::write(&file, bytes).expect("altered");
    assert!(store.read_indicator_snapshot().await.is_none());
    assert!(!file.exists());

    // An erasure removes the copy, which held the erased person…
    store
        .write_indicator_snapshot(read.clone())
        .await
        .expect("written again");
    assert!(file.exists());
    assert!(store
        .erase_person(&actor(world.ccas), people.4, day(101))
        .await
        .expect("erased"));
    assert!(!file.exists(), "the copy goes with the erasure");
    // … and records read before it are not written again (a background write finishing late).
    let written = store.write_indicator_snapshot(read).await.expect("checked");
    assert!(!written);
    assert!(!file.exists());
}
