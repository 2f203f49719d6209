//! The instance's secret audit key, which keys the audit chain (HMAC-SHA256) so that someone with
//! access to the database alone cannot rewrite it unseen. The key is never stored in the database:
//! it comes from `AIGUILLAGE_AUDIT_KEY` (hex or base64, at least 32 bytes), or from a key file
//! (`AIGUILLAGE_AUDIT_KEY_FILE`, by default `audit.key` beside the SQLite database file), which is
//! created with random content and mode 0600 at first start when missing. PostgreSQL has no file of
//! its own to sit beside: without the variable or a key file configured, the store refuses to start.

use crate::{Backend, StoreError};
use base64::Engine;
use rand::RngCore;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The environment variable holding the key itself (hex or base64).
pub const AUDIT_KEY_VAR: &str = "AIGUILLAGE_AUDIT_KEY";
/// The environment variable naming the key file.
pub const AUDIT_KEY_FILE_VAR: &str = "AIGUILLAGE_AUDIT_KEY_FILE";
/// The key file's name beside an SQLite database.
pub const AUDIT_KEY_FILE_NAME: &str = "audit.key";
/// The shortest key accepted, in bytes.
pub const MIN_AUDIT_KEY_BYTES: usize = 32;

/// A secret key of at least 32 bytes. Its `Debug` output never shows the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct AuditKey(Vec<u8>);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "AuditKey({} octets)", self.0.len())
    }
}

impl AuditKey {
    /// A key from raw bytes; refused when shorter than 32 bytes.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<AuditKey, StoreError> {
        if bytes.len() < MIN_AUDIT_KEY_BYTES {
            return Err(StoreError::AuditKey(format!(
                "la clé d'audit fait {} octets, il en faut au moins {MIN_AUDIT_KEY_BYTES}",
                bytes.len()
            )));
        }
        Ok(AuditKey(bytes))
    }

    /// A key written as hex or base64 text (surrounding blanks ignored).
    pub fn parse(text: &str) -> Result<AuditKey, StoreError> {
        let text = text.trim();
        let bytes = match hex::decode(text) {
            Ok(bytes) => bytes,
            Err(_) => base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(|_| {
                    StoreError::AuditKey(
                        "la clé d'audit n'est ni de l'hexadécimal ni du base64".to_owned(),
                    )
                })?,
        };
        AuditKey::from_bytes(bytes)
    }

    /// A new random key of 32 bytes from the operating system's generator.
    pub fn generate() -> AuditKey {
        let mut bytes = vec![0_u8; MIN_AUDIT_KEY_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        AuditKey(bytes)
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// The key of the instance whose database is `database_url`, read from the environment:
    /// `AIGUILLAGE_AUDIT_KEY`, else the file named by `AIGUILLAGE_AUDIT_KEY_FILE`, else (SQLite only)
    /// `audit.key` beside the database file. A key file is created when missing.
    pub fn from_environment(database_url: &str) -> Result<AuditKey, StoreError> {
        if let Some(text) = std::env::var(AUDIT_KEY_VAR).ok().filter(|t| !t.is_empty()) {
            return AuditKey::parse(&text).map_err(|error| located(AUDIT_KEY_VAR, error));
        }
        let file = match std::env::var_os(AUDIT_KEY_FILE_VAR).filter(|f| !f.is_empty()) {
            Some(file) => PathBuf::from(file),
            None => default_key_file(database_url)?,
        };
        AuditKey::load_or_create(&file)
    }

    /// Reads the key file, or creates it (mode 0600, a new random key in hex) when it is missing.
    pub fn load_or_create(path: &Path) -> Result<AuditKey, StoreError> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                AuditKey::parse(&text).map_err(|error| located(&path.display().to_string(), error))
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => create_key_file(path),
            Err(source) => Err(StoreError::Io {
                path: path.display().to_string(),
                source,
            }),
        }
    }
}

/// Says where a refused key came from.
fn located(source: &str, error: StoreError) -> StoreError {
    StoreError::AuditKey(format!("{source} : {error}"))
}

/// `audit.key` beside the SQLite database file; PostgreSQL has no default.
fn default_key_file(database_url: &str) -> Result<PathBuf, StoreError> {
    match Backend::from_url(database_url)? {
        Backend::Sqlite => {
            let database = Path::new(crate::sqlite_path(database_url));
            let folder = database.parent().unwrap_or_else(|| Path::new(""));
            Ok(folder.join(AUDIT_KEY_FILE_NAME))
        }
        Backend::Postgres => Err(StoreError::AuditKey(format!(
            "aucune clé d'audit configurée pour PostgreSQL : définir {AUDIT_KEY_VAR} (au moins \
             {MIN_AUDIT_KEY_BYTES} octets en hexadécimal ou base64) ou {AUDIT_KEY_FILE_VAR} (fichier \
             créé au premier démarrage s'il manque), hors de la base de données"
        ))),
    }
}

fn create_key_file(path: &Path) -> Result<AuditKey, StoreError> {
    let io_error = |source| StoreError::Io {
        path: path.display().to_string(),
        source,
    };
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(io_error)?;
    }
    let key = AuditKey::generate();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(io_error)?;
    writeln!(file, "{}", hex::encode(key.bytes())).map_err(io_error)?;
    file.sync_all().map_err(io_error)?;
    tracing::info!(file = %path.display(), "clé d'audit créée");
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_base64_keys_are_read_and_short_or_garbled_ones_refused() {
        let bytes: Vec<u8> = (0..32).collect();
        let from_hex = AuditKey::parse(&hex::encode(&bytes)).expect("hex");
        let from_base64 =
            AuditKey::parse(&base64::engine::general_purpose::STANDARD.encode(&bytes))
                .expect("base64");
        assert_eq!(from_hex.bytes(), bytes.as_slice());
        assert_eq!(from_base64, from_hex);
        let short = AuditKey::parse(&hex::encode([1_u8; 31])).expect_err("31 bytes");
        assert!(short.to_string().contains("au moins 32"), "{short}");
        assert!(AuditKey::parse("pas une clé !").is_err());
        assert!(!format!("{from_hex:?}").contains("0001"));
    }

    #[test]
    fn a_missing_key_file_is_created_private_and_read_back_the_same() {
        let folder = std::env::temp_dir().join(format!("audit-key-{}", rand::random::<u64>()));
        let path = folder.join(AUDIT_KEY_FILE_NAME);
        let created = AuditKey::load_or_create(&path).expect("created");
        let read = AuditKey::load_or_create(&path).expect("read");
        assert_eq!(created, read);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(&folder).expect("clean up");
    }

    #[test]
    fn postgres_without_a_configured_key_is_refused_with_a_clear_message() {
        let error = default_key_file("postgres://u@localhost/db").expect_err("no default");
        assert!(error.to_string().contains(AUDIT_KEY_VAR), "{error}");
        let sqlite = default_key_file("sqlite://data/aiguillage.db?mode=rwc").expect("sqlite");
        assert_eq!(sqlite, Path::new("data").join(AUDIT_KEY_FILE_NAME));
    }
}
