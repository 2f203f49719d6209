//! The directory in storage, on whichever backend the test run names: upsert on (source, id), commune
//! resolution, rejections, territory filter.

use aiguillage_domain::directory::{
    Offer, OfferFacts, Place, Service, SupportModel, DEFAULT_OFFER_NAME,
};
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_interop::territory::embedded;
use aiguillage_store::testing::fresh_store;
use aiguillage_store::Store;

async fn store_with_pays_de_la_loire() -> Store {
    let (store, _) = fresh_store().await.expect("fresh store");
    let data = embedded()
        .expect("territory")
        .with_communes_of(&["49", "44"]);
    store
        .import_territory(&data, &|_| {})
        .await
        .expect("territory import");
    store
}

fn place(id: &str, commune: &str, postal_code: &str, insee_code: Option<&str>) -> Place {
    Place {
        id: id.into(),
        pivot: "12345678900012".into(),
        name: format!("Lieu {id}"),
        commune: commune.into(),
        postal_code: postal_code.into(),
        insee_code: insee_code.map(str::to_owned),
        address: "1 place du Ralliement".into(),
        updated_on: "2026-01-15".into(),
        services: vec![Service::AdministrativeProcedures],
        ..Place::default()
    }
}

#[tokio::test]
async fn importing_the_same_places_twice_changes_nothing_and_a_change_is_an_update() {
    let store = store_with_pays_de_la_loire().await;
    let mut places = vec![
        (2, place("a", "Angers", "49000", Some("49007"))),
        (3, place("b", "Saumur", "49400", None)),
    ];
    let first = store
        .import_places("test", &places, None, 100, &|_, _| {})
        .await
        .expect("import");
    assert_eq!((first.inserted, first.updated, first.unchanged), (2, 0, 0));
    let again = store
        .import_places("test", &places, None, 200, &|_, _| {})
        .await
        .expect("import");
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 2));

    places[1].1.services.push(Service::SafeUse);
    let changed = store
        .import_places("test", &places, None, 300, &|_, _| {})
        .await
        .expect("import");
    assert_eq!(
        (changed.inserted, changed.updated, changed.unchanged),
        (0, 1, 1)
    );
    let stored = store.places(None).await.expect("places");
    assert_eq!(stored.len(), 2);
    let saumur = stored.iter().find(|p| p.place.id == "b").expect("Saumur");
    assert_eq!(
        saumur.commune_code, "49328",
        "resolved by postal code and name"
    );
    assert_eq!(
        saumur.place.services,
        vec![Service::AdministrativeProcedures, Service::SafeUse]
    );
    assert!(
        saumur.latitude.is_some(),
        "the commune centre stands in for missing coordinates"
    );
}

#[tokio::test]
async fn a_place_in_an_unknown_commune_or_a_repeated_id_is_rejected_alone() {
    let store = store_with_pays_de_la_loire().await;
    let places = vec![
        (2, place("a", "Angers", "49000", Some("49007"))),
        (3, place("b", "Nullepart", "49999", None)),
        (4, place("c", "Nulle", "49998", Some("99999"))),
        (5, place("a", "Angers", "49000", Some("49007"))),
        (6, place("d", "Cholet", "49300", Some("49098"))),
    ];
    let report = store
        .import_places("test", &places, None, 100, &|_, _| {})
        .await
        .expect("import");
    assert_eq!(report.inserted, 2);
    let lines: Vec<(u64, &str)> = report
        .rejected
        .iter()
        .map(|r| (r.line, r.field.as_str()))
        .collect();
    assert_eq!(lines, vec![(3, "commune"), (4, "code_insee"), (5, "id")]);
    assert!(report.rejected[0]
        .reason
        .contains("« Nullepart » (49999) introuvable"));
    assert!(report.rejected[1]
        .reason
        .contains("code INSEE « 99999 » absent du référentiel"));
    let stored = store.places(None).await.expect("places");
    assert_eq!(stored.len(), 2);
    let cholet = stored
        .iter()
        .find(|p| p.place.id == "d")
        .expect("an outdated INSEE code falls back to the name");
    assert_eq!(cholet.commune_code, "49099");
}

#[tokio::test]
async fn places_are_filtered_by_territory_and_keep_their_orientation_facts() {
    let store = store_with_pays_de_la_loire().await;
    let places = vec![
        (2, place("angers", "Angers", "49000", Some("49007"))),
        (3, place("nantes", "Nantes", "44000", Some("44109"))),
    ];
    store
        .import_places("test", &places, None, 100, &|_, _| {})
        .await
        .expect("import");
    let in_49 = store
        .places(Some(&TerritoryScope::Departement("49".into())))
        .await
        .expect("places");
    assert_eq!(
        in_49
            .iter()
            .map(|p| p.place.id.as_str())
            .collect::<Vec<_>>(),
        vec!["angers"]
    );
    let in_angers_epci = store
        .places(Some(&TerritoryScope::Epci("244900015".into())))
        .await
        .expect("places");
    assert_eq!(in_angers_epci.len(), 1);

    let structure_id = in_49[0].structure_id;
    store
        .set_support_model(structure_id, Some(SupportModel::PlaceOfKnowledge))
        .await
        .expect("model");
    let reread = store
        .places(Some(&TerritoryScope::Departement("49".into())))
        .await
        .expect("places");
    assert_eq!(
        reread[0].support_model,
        Some(SupportModel::PlaceOfKnowledge)
    );
}

#[tokio::test]
async fn an_imported_place_gets_one_offer_that_reimports_refresh_without_losing_its_facts() {
    let store = store_with_pays_de_la_loire().await;
    let mut places = vec![(2, place("a", "Angers", "49000", Some("49007")))];
    store
        .import_places("test", &places, None, 100, &|_, _| {})
        .await
        .expect("import");
    let id = store
        .place_id("test", "a")
        .await
        .expect("id")
        .expect("place");
    let offers = store.offers_of(id).await.expect("offers");
    assert_eq!(offers.len(), 1);
    assert_eq!(offers[0].offer.name, DEFAULT_OFFER_NAME);
    assert_eq!(
        offers[0].offer.services,
        vec![Service::AdministrativeProcedures]
    );

    let mut refined = offers[0].offer.clone();
    refined.facts = OfferFacts {
        capacity_per_week: Some(12),
        first_contact_delay_days: Some(5),
        ..OfferFacts::default()
    };
    store
        .save_offer(id, Some(offers[0].id), &refined, None, 200)
        .await
        .expect("save");
    let workshop = Offer {
        name: "Ateliers".into(),
        services: vec![Service::SafeUse],
        ..Offer::default()
    };
    let workshop_id = store
        .save_offer(id, None, &workshop, None, 200)
        .await
        .expect("new offer");

    places[0].1.services.push(Service::EverydayTools);
    store
        .import_places("test", &places, None, 300, &|_, _| {})
        .await
        .expect("reimport");
    let offers = store.offers_of(id).await.expect("offers");
    assert_eq!(offers.len(), 2);
    assert_eq!(
        offers[0].offer.services,
        vec![Service::AdministrativeProcedures, Service::EverydayTools]
    );
    assert_eq!(
        offers[0].offer.facts.capacity_per_week,
        Some(12),
        "facts survive a re-import"
    );
    assert_eq!((offers[1].id, offers[1].position), (workshop_id, 1));
    assert!(
        store
            .save_offer(id + 1000, Some(workshop_id), &workshop, None, 400)
            .await
            .is_err(),
        "not another structure's offer"
    );
}
