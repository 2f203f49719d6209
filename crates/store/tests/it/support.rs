//! Fixtures the store's stories share: a store holding Maine-et-Loire's communes, and a structure in
//! a commune with one account of a given role.

use aiguillage_domain::account::{DisplayName, Email, NewAccount};
use aiguillage_domain::role::Role;
use aiguillage_domain::territory::TerritoryScope;
use aiguillage_interop::territory::embedded;
use aiguillage_store::testing::fresh_store;
use aiguillage_store::{NewStructure, Store};

/// A fresh store (and its URL) holding the communes of Maine-et-Loire (49).
pub async fn store_of_maine_et_loire() -> (Store, String) {
    let (store, url) = fresh_store().await.expect("fresh store");
    let data = embedded().expect("territory").with_communes_of(&["49"]);
    store
        .import_territory(&data, &|_| {})
        .await
        .expect("territory import");
    (store, url)
}

/// A structure in `commune` with one account (`email`, `role`, territory: département 49):
/// `(structure id, account id)`.
pub async fn structure_with_account(
    store: &Store,
    (name, commune): (&str, &str),
    (email, role): (&str, Role),
    now: i64,
) -> (i64, i64) {
    let structure = store
        .ensure_structure(
            &NewStructure {
                name: name.into(),
                kind: "test".into(),
                commune_code: commune.into(),
            },
            now,
        )
        .await
        .expect("structure");
    let account = store
        .create_account(
            &NewAccount {
                email: Email::parse(email).expect("email"),
                display_name: DisplayName::parse("Camille Martin").expect("name"),
                role,
                structure_id: structure,
                territory: TerritoryScope::Departement("49".into()),
            },
            "$argon2id$test",
            now,
        )
        .await
        .expect("account");
    (structure, account)
}
