//! The store's stories call the shared fixtures of `aiguillage_store::testing` through these
//! panicking shorthands.

use aiguillage_domain::role::Role;
use aiguillage_store::testing;
use aiguillage_store::Store;

/// A fresh store (and its URL) holding the communes of Maine-et-Loire (49).
pub async fn store_of_maine_et_loire() -> (Store, String) {
    testing::store_of_maine_et_loire()
        .await
        .expect("store of Maine-et-Loire")
}

/// A structure in `commune` with one account: `(structure id, account id)`.
pub async fn structure_with_account(
    store: &Store,
    place: (&str, &str),
    account: (&str, Role),
    now: i64,
) -> (i64, i64) {
    testing::structure_with_account(store, place, account, now)
        .await
        .expect("structure with account")
}
