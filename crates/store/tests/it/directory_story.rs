//! The directory in storage, on whichever backend the test run names: upsert on (source, id), commune
//! resolution, rejections, territory filter.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failure panics with its message"
)]

use aiguillage_domain::directory::{Offer, OfferFacts, Place, Service, SupportModel};
use aiguillage_domain::ids::AccountId;
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
        (7, place("e", "Chigné", "49490", Some("49098"))),
    ];
    let report = store
        .import_places("test", &places, None, 100, &|_, _| {})
        .await
        .expect("import");
    assert_eq!(report.inserted, 3);
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
    assert_eq!(stored.len(), 3);
    let cholet = stored
        .iter()
        .find(|p| p.place.id == "d")
        .expect("a former INSEE code naming another commune than the name gives way to the name");
    assert_eq!(cholet.commune_code, "49099");
    let chigne = stored
        .iter()
        .find(|p| p.place.id == "e")
        .expect("a former INSEE code places the row in the commune that absorbed it");
    assert_eq!(
        chigne.commune_code, "49228",
        "Chigné is part of Noyant-Villages"
    );
    let note = report
        .placements
        .iter()
        .find(|n| n.id == "e")
        .expect("noted");
    assert_eq!(
        note.message,
        "commune « Chigné » (49490) rattachée à Noyant-Villages (49228) : ancien code INSEE d'une commune fusionnée"
    );
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
    assert_eq!(
        offers[0].offer.name, "Aide aux démarches administratives",
        "named by what it offers"
    );
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
        .save_offer(
            id,
            Some(offers[0].id),
            &refined,
            None,
            aiguillage_store::PlaceRights::Everything,
            200,
        )
        .await
        .expect("save");
    let workshop = Offer {
        name: "Ateliers".into(),
        services: vec![Service::SafeUse],
        ..Offer::default()
    };
    let workshop_id = store
        .save_offer(
            id,
            None,
            &workshop,
            None,
            aiguillage_store::PlaceRights::Everything,
            200,
        )
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
            .save_offer(
                id + 1000,
                Some(workshop_id),
                &workshop,
                None,
                aiguillage_store::PlaceRights::Everything,
                400
            )
            .await
            .is_err(),
        "not another structure's offer"
    );
}

#[tokio::test]
async fn a_checked_import_writes_only_what_its_rights_allow_and_records_each_change() {
    use aiguillage_store::{ImportAuthor, PlaceRights, PlaceSite};
    let store = store_with_pays_de_la_loire().await;
    let first = vec![
        (2, place("a", "Angers", "49000", Some("49007"))),
        (3, place("n", "Nantes", "44000", Some("44109"))),
    ];
    store
        .import_places("test", &first, None, 100, &|_, _| {})
        .await
        .expect("operator import");
    let only_49 = |site: PlaceSite<'_>| site.departement_code == "49";
    let author = ImportAuthor {
        account_id: None,
        origin: "Essai",
        rights: PlaceRights::Checked(&only_49),
    };
    let mut renamed_a = place("a", "Angers", "49000", Some("49007"));
    renamed_a.name = "Angers renommé".into();
    let mut renamed_n = place("n", "Nantes", "44000", Some("44109"));
    renamed_n.name = "Nantes renommé".into();
    let moved_a = place("a2", "Angers", "49000", Some("49007"));
    let batch = vec![
        (2, renamed_a),
        (3, renamed_n),
        (4, place("n2", "Nantes", "44000", Some("44109"))),
        (5, moved_a),
    ];
    let report = store
        .import_places_by("test", &batch, &author, 200, &|_, _| {})
        .await
        .expect("checked import");
    assert_eq!((report.inserted, report.updated), (1, 1));
    let lines: Vec<u64> = report.rejected.iter().map(|r| r.line).collect();
    assert_eq!(lines, vec![3, 4]);
    assert!(report.rejected[0]
        .reason
        .contains("vous ne pouvez pas modifier le lieu « Lieu n »"));
    let a = store.place_id("test", "a").await.expect("q").expect("a");
    let n = store.place_id("test", "n").await.expect("q").expect("n");
    assert_eq!(store.place(n).await.expect("n").place.name, "Lieu n");
    assert!(store.place_id("test", "n2").await.expect("q").is_none());
    let changes_a = store.place_changes(a, 10).await.expect("changes");
    assert_eq!(changes_a[0].summary, "Essai : lieu modifié : nom");
    assert_eq!(changes_a[1].summary, "Import : lieu ajouté");
    let changes_n = store.place_changes(n, 10).await.expect("changes");
    assert_eq!(changes_n.len(), 1, "the refused update is not recorded");
    let a2 = store.place_id("test", "a2").await.expect("q").expect("a2");
    assert_eq!(
        store.place_changes(a2, 10).await.expect("changes")[0].summary,
        "Essai : lieu ajouté"
    );
}

#[tokio::test]
async fn a_pending_import_is_one_per_account_bounded_and_expires() {
    use aiguillage_store::{NewStructure, PENDING_IMPORT_MAX_BYTES};
    let store = store_with_pays_de_la_loire().await;
    let structure = NewStructure {
        name: "CCAS".into(),
        kind: "CCAS".into(),
        commune_code: "49007".into(),
    };
    let structure_id = store.ensure_structure(&structure, 0).await.expect("s");
    use aiguillage_domain::account::{DisplayName, Email, NewAccount};
    let account = NewAccount {
        email: Email::parse("c@test.fr").expect("email"),
        display_name: DisplayName::parse("Camille Martin").expect("name"),
        role: aiguillage_domain::role::Role::Coordinator,
        structure_id,
        territory: TerritoryScope::Departement("49".into()),
    };
    let account_id = store
        .create_account(&account, "$argon2id$test", 0)
        .await
        .expect("account");
    let first = store
        .save_pending_import(AccountId::new(account_id), "1.csv", "standard-csv", "a", 10)
        .await
        .expect("first");
    let second = store
        .save_pending_import(
            AccountId::new(account_id),
            &"n".repeat(500),
            "standard-csv",
            "b",
            20,
        )
        .await
        .expect("second");
    assert!(store
        .take_pending_import(first, AccountId::new(account_id), 30)
        .await
        .expect("take")
        .is_none());
    let kept = store
        .take_pending_import(second, AccountId::new(account_id), 30)
        .await
        .expect("take")
        .expect("the newer one is kept");
    assert_eq!(kept.content, "b");
    assert_eq!(kept.file_name.chars().count(), 120);
    let too_big = "x".repeat(PENDING_IMPORT_MAX_BYTES + 1);
    assert!(store
        .save_pending_import(
            AccountId::new(account_id),
            "gros.csv",
            "standard-csv",
            &too_big,
            40
        )
        .await
        .is_err());
    let third = store
        .save_pending_import(AccountId::new(account_id), "3.csv", "standard-csv", "c", 50)
        .await
        .expect("third");
    assert!(store
        .take_pending_import(third, AccountId::new(account_id), 50 + 3600)
        .await
        .expect("take")
        .is_none());
}
