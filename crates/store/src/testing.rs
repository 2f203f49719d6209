//! Test support shared by the crates' test suites: a fresh, empty store per test, on the backend named
//! by `AIGUILLAGE_TEST_DATABASE_URL` (a PostgreSQL server URL: each test gets its own new database),
//! or on a new SQLite file in the temporary folder when that variable is unset.

use crate::{Store, StoreError};
use rand::Rng;
use sqlx::any::install_default_drivers;
use sqlx::{Connection, Executor};

/// The environment variable naming the PostgreSQL server the tests run against.
pub const TEST_DATABASE_URL_VAR: &str = "AIGUILLAGE_TEST_DATABASE_URL";

fn unique_name() -> String {
    let suffix: u64 = rand::thread_rng().gen();
    format!("aiguillage_test_{suffix:016x}")
}

/// A new empty store with migrations applied, and the URL it was opened with.
pub async fn fresh_store() -> Result<(Store, String), StoreError> {
    install_default_drivers();
    let url = match std::env::var(TEST_DATABASE_URL_VAR) {
        Ok(server_url) if server_url.starts_with("postgres") => {
            fresh_postgres_database(&server_url).await?
        }
        _ => {
            let path = std::env::temp_dir().join(format!("{}.db", unique_name()));
            format!("sqlite://{}", path.display())
        }
    };
    Ok((Store::connect(&url).await?, url))
}

/// Creates a new database on the server and returns its URL.
async fn fresh_postgres_database(server_url: &str) -> Result<String, StoreError> {
    let name = unique_name();
    let mut admin = sqlx::AnyConnection::connect(server_url).await?;
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await?;
    admin.close().await?;
    let (base, query) = match server_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (server_url, String::new()),
    };
    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
    Ok(format!("{server}/{name}{query}"))
}
