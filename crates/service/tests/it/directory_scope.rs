//! Who may write which place, asked of the directory use cases: the store checks the rule of
//! `domain::directory::access` on the very place written, inside its transaction, so a manager
//! writes only their own place and a coordinator only the places of their territory; a refused
//! write leaves the place and its offers as they were.

use aiguillage_domain::account::{DisplayName, Email, NewAccount};
use aiguillage_domain::directory::{Offer, Place, Service};
use aiguillage_domain::role::Role;
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_service::directory_edit::{self, PlaceEdit};
use aiguillage_service::{AppState, Settings};
use aiguillage_store::testing::store_of_maine_et_loire;
use aiguillage_store::{Account, StoreError};

const NOW: i64 = 1_763_892_000;

fn place(id: &str, commune: &str, postal_code: &str, insee_code: &str) -> Place {
    Place {
        id: id.into(),
        pivot: "12345678900012".into(),
        name: format!("Lieu {id}"),
        commune: commune.into(),
        postal_code: postal_code.into(),
        insee_code: Some(insee_code.into()),
        address: "1 place du Ralliement".into(),
        updated_on: "2026-01-15".into(),
        services: vec![Service::AdministrativeProcedures],
        ..Place::default()
    }
}

/// An account of `role` at `structure`, over `territory`.
async fn account(
    state: &AppState,
    (email, role): (&str, Role),
    structure: i64,
    territory: TerritoryScope,
) -> Account {
    let new = NewAccount {
        email: Email::parse(email).expect("email"),
        display_name: DisplayName::parse("Camille Martin").expect("name"),
        role,
        structure_id: structure,
        territory,
    };
    let id = state.store.create_account(&new, "$argon2id$test", NOW);
    state
        .store
        .account(id.await.expect("account"))
        .await
        .expect("read")
}

/// The phone number a write puts on the place, and the write.
async fn set_phone(state: &AppState, by: &Account, place_id: i64) -> Result<(), StoreError> {
    let mut place = state.store.place(place_id).await.expect("place").place;
    place.phone = Some("+33241000000".into());
    let edit = PlaceEdit {
        place: &place,
        support_model: None,
        summary: "Lieu modifié : téléphone",
    };
    directory_edit::update_place(state, by, place_id, &edit).await
}

async fn phone_of(state: &AppState, place_id: i64) -> Option<String> {
    state
        .store
        .place(place_id)
        .await
        .expect("place")
        .place
        .phone
}

#[tokio::test]
async fn a_place_is_written_only_by_its_manager_or_a_coordinator_of_its_territory() {
    let (store, _) = store_of_maine_et_loire().await.expect("store");
    let state = AppState::new(store, Settings::default());
    let places = [
        (2, place("angers", "Angers", "49000", "49007")),
        (3, place("saumur", "Saumur", "49400", "49328")),
    ];
    let imported = state
        .store
        .import_places("test", &places, None, NOW, &|_, _| {});
    assert_eq!(imported.await.expect("import").inserted, 2);
    let angers = state.store.place_id("test", "angers").await.expect("id");
    let saumur = state.store.place_id("test", "saumur").await.expect("id");
    let (angers, saumur) = (angers.expect("angers"), saumur.expect("saumur"));
    let departement = TerritoryScope::Departement("49".into());
    let saumur_epci = TerritoryScope::Epci("200071876".into());

    let other_manager = account(
        &state,
        ("gerant@example.fr", Role::StructureManager),
        saumur,
        departement.clone(),
    )
    .await;
    let refused = set_phone(&state, &other_manager, angers).await;
    assert!(
        matches!(refused, Err(StoreError::OutOfScope(_))),
        "{refused:?}"
    );
    assert_eq!(phone_of(&state, angers).await, None, "nothing written");
    let workshop = Offer {
        name: "Atelier".into(),
        ..Offer::default()
    };
    let offers_before = state.store.offers_of(angers).await.expect("offers").len();
    let offer = (&workshop, "Offre « Atelier » ajoutée");
    let refused = directory_edit::save_offer(&state, &other_manager, (angers, None), offer).await;
    assert!(
        matches!(refused, Err(StoreError::OutOfScope(_))),
        "{refused:?}"
    );
    let offers_after = state.store.offers_of(angers).await.expect("offers").len();
    assert_eq!(offers_after, offers_before);
    set_phone(&state, &other_manager, saumur)
        .await
        .expect("a manager writes their own place");

    let saumur_coordinator = account(
        &state,
        ("coord-saumur@example.fr", Role::Coordinator),
        saumur,
        saumur_epci,
    )
    .await;
    let refused = set_phone(&state, &saumur_coordinator, angers).await;
    assert!(
        matches!(refused, Err(StoreError::OutOfScope(_))),
        "{refused:?}"
    );
    let coordinator = account(
        &state,
        ("coord-49@example.fr", Role::Coordinator),
        saumur,
        departement.clone(),
    )
    .await;
    set_phone(&state, &coordinator, angers)
        .await
        .expect("a coordinator of the département writes its places");
    assert_eq!(
        phone_of(&state, angers).await.as_deref(),
        Some("+33241000000")
    );
    let added = directory_edit::save_offer(&state, &coordinator, (angers, None), offer).await;
    assert!(added.is_ok(), "{added:?}");

    let mediator = account(
        &state,
        ("med@example.fr", Role::Mediator),
        angers,
        departement,
    )
    .await;
    let refused = set_phone(&state, &mediator, angers).await;
    assert!(
        matches!(refused, Err(StoreError::OutOfScope(_))),
        "a mediator edits no place"
    );
}
