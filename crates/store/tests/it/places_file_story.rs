//! A real-shaped regional places file (687 rows in the vocabulary before the standard's 1.0,
//! communes written as people write them; `tests/fixtures/lieux-v0-auvergne-rhone-alpes.csv`, made by
//! `scripts/make-v0-places-fixture.py`): what maps is stored, every other row has one precise reason,
//! and importing it again changes nothing.

use std::collections::BTreeMap;

use aiguillage_domain::directory::HelpStyle;
use aiguillage_interop::places_standard::{read_places, PlacesFormat};
use aiguillage_interop::territory::embedded;
use aiguillage_store::testing::fresh_store;
use aiguillage_store::{PlacementRule, Store};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/lieux-v0-auvergne-rhone-alpes.csv"
);
const BROKEN_IDS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/lieux-v0-auvergne-rhone-alpes.broken-ids.txt"
);
const SOURCE: &str = "reseau-regional-ara";

async fn store_with_auvergne_rhone_alpes() -> Store {
    let (store, _) = fresh_store().await.expect("store");
    let data = embedded().expect("territory").with_communes_of(&[
        "01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74",
    ]);
    store
        .import_territory(&data, &|_| {})
        .await
        .expect("territory");
    store
}

#[tokio::test]
async fn a_regional_v0_file_is_stored_but_for_rows_that_cannot_be_places_and_a_reimport_changes_nothing(
) {
    let store = store_with_auvergne_rhone_alpes().await;
    let bytes = std::fs::read(FIXTURE).expect("fixture");
    let read = read_places(&bytes, PlacesFormat::Csv);
    assert_eq!(read.file_error, None);
    let first = store
        .import_places(SOURCE, &read.places, None, 1_700_000_000, &|_, _| {})
        .await
        .expect("import");

    // Every row is either stored or rejected, and a rejected row has exactly one reason.
    let mut reasons: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for error in &read.rejected {
        let id = error.id.clone().unwrap_or_default();
        reasons.entry(id).or_default().push(error.reason.clone());
    }
    for rejection in &first.rejected {
        reasons
            .entry(rejection.id.clone())
            .or_default()
            .push(rejection.reason.clone());
    }
    assert_eq!(first.inserted as usize + reasons.len(), 687, "{reasons:#?}");
    assert!(
        first.inserted >= 650,
        "only {} stored: {reasons:#?}",
        first.inserted
    );
    for (id, why) in &reasons {
        assert_eq!(why.len(), 1, "{id}: {why:?}");
    }
    let broken: Vec<String> = std::fs::read_to_string(BROKEN_IDS)
        .expect("broken ids")
        .lines()
        .map(str::to_owned)
        .collect();
    let rejected: Vec<String> = reasons.keys().cloned().collect();
    assert_eq!(
        rejected, broken,
        "only the rows made to be broken are rejected"
    );

    // The communes the first real file could not find are found, each by its rule.
    let rules: BTreeMap<PlacementRule, u64> = first.placed_by_rule.clone();
    for rule in [
        PlacementRule::InseeCode,
        PlacementRule::PostalCodeAndName,
        PlacementRule::PostalCodeAndLooseName,
        PlacementRule::NameInDepartement,
        PlacementRule::MergedCommune,
        PlacementRule::PartOfNameInPostalCode,
    ] {
        assert!(
            rules.get(&rule).copied().unwrap_or(0) > 0,
            "{rule:?}: {rules:?}"
        );
    }
    for (written, code) in [
        ("Annecy Cedex 03", "74010"),
        ("SAINT GERVAIS", "74236"),
        ("Pont de Claix", "38317"),
        ("Saint-Just St-Rambert", "42279"),
        ("Ardes sur couze", "63009"),
        ("Seynod", "74010"),
    ] {
        let place = read
            .places
            .iter()
            .find(|(_, place)| place.commune == written)
            .map(|(_, place)| place.id.clone())
            .expect(written);
        let id = store
            .place_id(SOURCE, &place)
            .await
            .expect("query")
            .expect(written);
        let stored = store.place(id).await.expect("place");
        assert_eq!(stored.commune_code, code, "{written}");
        let noted = first.placements.iter().any(|note| note.id == place);
        assert!(noted, "the report names the rule that placed « {written} »");
    }

    // Acting on the person's behalf is kept as the offer's help style.
    let on_behalf = read
        .places
        .iter()
        .filter(|(_, place)| place.declared_help_style.is_some())
        .map(|(_, place)| place.id.clone())
        .next()
        .expect("a row acting on behalf");
    let id = store
        .place_id(SOURCE, &on_behalf)
        .await
        .expect("query")
        .expect("stored");
    let stored = store.place(id).await.expect("place");
    assert_eq!(
        stored.offers[0].facts.help_style,
        Some(HelpStyle::ActsOnBehalf)
    );

    let again = store
        .import_places(SOURCE, &read.places, None, 1_700_086_400, &|_, _| {})
        .await
        .expect("reimport");
    assert_eq!((again.inserted, again.updated), (0, 0));
    assert_eq!(again.unchanged, first.inserted);
    assert_eq!(again.rejected, first.rejected);
}
