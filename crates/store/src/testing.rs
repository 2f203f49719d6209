//! Test support shared by the crates' test suites: a fresh, empty store per test, on the backend named
//! by `AIGUILLAGE_TEST_DATABASE_URL` (a PostgreSQL server URL: each test gets its own new database),
//! or on a new SQLite file in the temporary folder when that variable is unset. Every test store uses
//! the same fixed audit key, [`TEST_AUDIT_KEY_HEX`].

use crate::{AuditKey, Store, StoreError};
use rand::Rng;
use sqlx::any::install_default_drivers;
use sqlx::{Connection, Executor, Row};

/// The environment variable naming the PostgreSQL server the tests run against.
pub const TEST_DATABASE_URL_VAR: &str = "AIGUILLAGE_TEST_DATABASE_URL";

/// The audit key of every test store (64 hex digits = 32 bytes); never use it for a real instance.
pub const TEST_AUDIT_KEY_HEX: &str =
    "746573742d6b65792d6f662d6169677569726c6167652d61756469742d2d2d21";

/// The test audit key.
pub fn test_audit_key() -> AuditKey {
    AuditKey::parse(TEST_AUDIT_KEY_HEX).unwrap_or_else(|_| unreachable!("a valid constant key"))
}

/// Opens another store on `url` with the test audit key (a second server instance, say).
pub async fn connect_test_store(url: &str) -> Result<Store, StoreError> {
    Store::connect_with_key(url, test_audit_key()).await
}

fn unique_name() -> String {
    let suffix: u64 = rand::thread_rng().gen();
    format!("aiguillage_test_{suffix:016x}")
}

/// A new empty store with migrations applied, and the URL it was opened with.
pub async fn fresh_store() -> Result<(Store, String), StoreError> {
    let url = fresh_database_url().await?;
    Ok((connect_test_store(&url).await?, url))
}

/// The URL of a new empty database (not migrated yet) on the backend under test.
pub async fn fresh_database_url() -> Result<String, StoreError> {
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
    Ok(url)
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

/// Tables a request may write without changing anyone's records: sessions and their last use, the
/// login throttle, the audit trail (reads are audited), pending import previews, lazily created keys,
/// and sqlx's own bookkeeping.
pub const BOOKKEEPING_TABLES: &[&str] = &[
    "sessions",
    "login_attempts",
    "login_failures",
    "login_nonces",
    "login_throttle",
    "audit_log",
    "audit_head",
    "audit_subjects",
    "audit_checkpoints",
    "pending_imports",
    "instance_keys",
    "_sqlx_migrations",
];

/// The whole content of every table but the bookkeeping ones, one text per table (its rows in a
/// stable order), so that a test can tell that a refused request changed nothing.
pub async fn database_contents(
    store: &Store,
) -> Result<std::collections::BTreeMap<String, String>, StoreError> {
    let mut contents = std::collections::BTreeMap::new();
    for table in table_names(store).await? {
        if BOOKKEEPING_TABLES.contains(&table.as_str()) {
            continue;
        }
        let sql = match store.backend {
            crate::Backend::Postgres => format!(
                "SELECT COALESCE(string_agg(t::text, E'\\n' ORDER BY t::text), '') AS dump FROM {table} t"
            ),
            crate::Backend::Sqlite => {
                let columns = sqlite_columns(store, &table).await?;
                let row = columns
                    .iter()
                    .map(|c| format!("quote(\"{c}\")"))
                    .collect::<Vec<_>>()
                    .join(" || ',' || ");
                format!(
                    "SELECT COALESCE(group_concat(line, char(10)), '') AS dump
                     FROM (SELECT {row} AS line FROM \"{table}\" ORDER BY 1)"
                )
            }
        };
        let dump: String = sqlx::query(&sql)
            .fetch_one(&store.pool)
            .await?
            .try_get("dump")?;
        contents.insert(table, dump);
    }
    Ok(contents)
}

async fn table_names(store: &Store) -> Result<Vec<String>, StoreError> {
    let sql = match store.backend {
        crate::Backend::Postgres => {
            "SELECT tablename::text AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        }
        crate::Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
    };
    let rows = sqlx::query(sql).fetch_all(&store.pool).await?;
    rows.iter().map(|row| Ok(row.try_get("name")?)).collect()
}

async fn sqlite_columns(store: &Store, table: &str) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
    ))
    .fetch_all(&store.pool)
    .await?;
    rows.iter().map(|row| Ok(row.try_get("name")?)).collect()
}

/// A fresh store (and its URL) holding the communes of Maine-et-Loire (49), from the embedded
/// territory file: the ground most stories stand on.
pub async fn store_of_maine_et_loire() -> Result<(Store, String), StoreError> {
    let (store, url) = fresh_store().await?;
    let data = aiguillage_interop::territory::embedded()
        .map_err(|error| StoreError::Corrupt(error.to_string()))?
        .with_communes_of(&["49"]);
    store.import_territory(&data, &|_| {}).await?;
    Ok((store, url))
}

/// A structure `name` in `commune` with one active account (`email`, `role`, territory: the
/// département 49), created at `now`: `(structure id, account id)`.
pub async fn structure_with_account(
    store: &Store,
    (name, commune): (&str, &str),
    (email, role): (&str, aiguillage_domain::role::Role),
    now: i64,
) -> Result<(i64, i64), StoreError> {
    use aiguillage_domain::account::{DisplayName, Email, NewAccount};
    let invalid = |error: String| StoreError::Conflict(error);
    let structure = store
        .ensure_structure(
            &crate::NewStructure {
                name: name.into(),
                kind: "test".into(),
                commune_code: commune.into(),
            },
            now,
        )
        .await?;
    let account = NewAccount {
        email: Email::parse(email).map_err(|e| invalid(e.to_string()))?,
        display_name: DisplayName::parse("Camille Martin").map_err(|e| invalid(e.to_string()))?,
        role,
        structure_id: structure,
        territory: aiguillage_domain::territory::TerritoryScope::Departement("49".into()),
    };
    let account = store
        .create_account(&account, "$argon2id$test", now)
        .await?;
    Ok((structure, account))
}

/// The answers of a diagnostic where every skill is answered `skill`, French read and written with
/// ease, travel up to 5 km and willing to learn; nothing else said.
pub fn answers_with(
    skill: aiguillage_domain::diagnostic::SkillAnswer,
) -> aiguillage_domain::diagnostic::Answers {
    use aiguillage_domain::diagnostic::{
        Answers, LiteracyLevel, SkillDomain, TravelRange, Willingness,
    };
    Answers {
        equipment: vec![],
        skills: SkillDomain::ALL
            .iter()
            .map(|domain| (*domain, skill))
            .collect(),
        detailed: vec![],
        french_reading: LiteracyLevel::Comfortable,
        french_writing: LiteracyLevel::Comfortable,
        languages: vec![],
        support_needs: vec![],
        travel_range: TravelRange::UpTo5Km,
        travel_modes: vec![],
        accepts_remote: false,
        availability: vec![],
        willingness: Willingness::Yes,
        levers: vec![],
        urgency: None,
        notes: None,
    }
}

/// The actor a test acts as: the account `account` of the structure `structure`, for the reason
/// « test ».
pub fn actor((structure, account): (i64, i64)) -> crate::Actor<'static> {
    use aiguillage_domain::ids::{AccountId, StructureId};
    crate::Actor {
        account_id: AccountId::new(account),
        structure_id: StructureId::new(structure),
        reason: "test",
    }
}

/// The one whole number a query answers (`SELECT … AS n`), for a test that counts rows.
pub async fn scalar(store: &Store, sql: &str) -> Result<i64, StoreError> {
    use sqlx::Row;
    let row = sqlx::query(sql).fetch_one(&store.pool).await?;
    Ok(row.try_get("n")?)
}
