//! The storage error: not found, conflict, or the database failing.

/// What can go wrong in storage. `NotFound` and `Conflict` are the caller's business; the rest is ours.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("enregistrement introuvable : {0}")]
    NotFound(String),
    #[error("conflit : {0}")]
    Conflict(String),
    /// The record exists but is outside the actor's scope.
    #[error("hors de votre périmètre : {0}")]
    OutOfScope(String),
    #[error("adresse de base de données non prise en charge : « {0} » (attendu sqlite://… ou postgres://…)")]
    UnsupportedUrl(String),
    #[error("impossible de créer {path} : {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    AuditKey(String),
    #[error("donnée stockée illisible : {0}")]
    Corrupt(String),
    #[error("erreur de base de données : {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration impossible : {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// Turns a unique-constraint violation into a `Conflict` carrying `message`; other errors pass.
    pub(crate) fn on_unique_violation(
        error: sqlx::Error,
        message: impl Into<String>,
    ) -> StoreError {
        match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(message.into())
            }
            _ => StoreError::Database(error),
        }
    }
}
