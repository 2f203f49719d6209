//! `aiguillage backup …` (issue 18): encrypted backups of the embedded SQLite database, taken while
//! the server runs, and their restore.
//!
//! - `backup key --output FILE` makes the operator's key pair: the secret identity goes to FILE
//!   (mode 0600, to keep off the server), the public recipient is printed for the server's settings.
//! - `backup create --output DIR` writes a consistent copy (`Store::copy_database_to`), encrypts it
//!   with age to the recipient (`--recipient` or `AIGUILLAGE_BACKUP_RECIPIENT`) as
//!   `aiguillage-AAAAMMJJTHHMMSSZ.db.age`, deletes the plaintext copy, and deletes the backups of DIR
//!   older than `--keep-days` (30): an erased person does not survive in a backup beyond that window.
//! - `backup restore --input FILE --identity KEY` decrypts, checks the copy (integrity, migration
//!   level) and only then replaces the database file, keeping the replaced one beside it. The server
//!   must be stopped.

use aiguillage_store::{check_sqlite_copy, BackupCheck, Store};
use anyhow::{anyhow, bail, Context};
use clap::Subcommand;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// How long backups are kept by default (days).
pub const KEEP_DAYS: i64 = 30;
const PREFIX: &str = "aiguillage-";
const SUFFIX: &str = ".db.age";

#[derive(Subcommand)]
pub enum BackupCommand {
    /// Make the operator's key pair: the secret key to FILE (keep it off the server), the public key
    /// printed for `backup create`.
    Key {
        #[arg(long)]
        output: PathBuf,
    },
    /// Back up the database (SQLite) while the server runs, encrypted, keeping --keep-days of backups.
    Create {
        #[arg(long)]
        output: PathBuf,
        /// The public key (age1…) the backups are encrypted to.
        #[arg(long, env = "AIGUILLAGE_BACKUP_RECIPIENT")]
        recipient: String,
        #[arg(long, default_value_t = KEEP_DAYS)]
        keep_days: i64,
    },
    /// Restore a backup in place of the database (the server stopped): checked before anything is
    /// replaced.
    Restore {
        #[arg(long)]
        input: PathBuf,
        /// The file holding the secret key (AGE-SECRET-KEY-1…).
        #[arg(long, env = "AIGUILLAGE_BACKUP_IDENTITY")]
        identity: PathBuf,
    },
}

pub async fn run(database_url: &str, command: BackupCommand) -> anyhow::Result<()> {
    match command {
        BackupCommand::Key { output } => make_key(&output),
        BackupCommand::Create {
            output,
            recipient,
            keep_days,
        } => create(database_url, &output, &recipient, keep_days).await,
        BackupCommand::Restore { input, identity } => {
            restore(database_url, &input, &identity).await
        }
    }
}

fn make_key(output: &Path) -> anyhow::Result<()> {
    use age::secrecy::ExposeSecret;
    if output.exists() {
        bail!(
            "{} existe déjà : choisissez un autre fichier, une clé ne s'écrase pas",
            output.display()
        );
    }
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public();
    let text = format!(
        "# Clé secrète des sauvegardes d'Aiguillage : à garder hors du serveur.\n# Clé publique : {recipient}\n{}\n",
        identity.to_string().expose_secret()
    );
    write_private(output, text.as_bytes())?;
    println!(
        "Clé secrète écrite dans {} (à garder hors du serveur).",
        output.display()
    );
    println!("Clé publique, pour AIGUILLAGE_BACKUP_RECIPIENT : {recipient}");
    Ok(())
}

/// Writes a file only its owner may read.
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("impossible d'écrire {}", path.display()))?;
    file.write_all(bytes)?;
    Ok(())
}

/// The database file of a `sqlite://FILE` URL.
fn sqlite_file(database_url: &str) -> anyhow::Result<PathBuf> {
    let rest = database_url
        .strip_prefix("sqlite://")
        .ok_or_else(|| anyhow!("la sauvegarde intégrée vaut pour SQLite ; pour PostgreSQL, utilisez pg_dump et pg_restore (README)"))?;
    Ok(PathBuf::from(rest.split('?').next().unwrap_or(rest)))
}

/// The name of a backup taken at `at` (`aiguillage-20261206T113000Z.db.age`).
fn backup_name(at: i64) -> String {
    let moment = aiguillage_domain::calendar::rfc3339(at);
    let compact: String = moment
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    format!("{PREFIX}{compact}{SUFFIX}")
}

/// When a backup of that name was taken.
fn taken_at(name: &str) -> Option<i64> {
    let stamp = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    if stamp.len() != 16 {
        return None;
    }
    let text = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &stamp[0..4],
        &stamp[4..6],
        &stamp[6..8],
        &stamp[9..11],
        &stamp[11..13],
        &stamp[13..15]
    );
    time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|moment| moment.unix_timestamp())
}

async fn create(
    database_url: &str,
    output: &Path,
    recipient: &str,
    keep_days: i64,
) -> anyhow::Result<()> {
    let recipient: age::x25519::Recipient = recipient
        .trim()
        .parse()
        .map_err(|e| anyhow!("clé publique illisible (attendu age1…) : {e}"))?;
    if keep_days < 1 {
        bail!("--keep-days : au moins 1 jour");
    }
    sqlite_file(database_url)?;
    std::fs::create_dir_all(output)
        .with_context(|| format!("impossible de créer {}", output.display()))?;
    let now = crate::now();
    let plain = output.join(format!(".copie-{now}.db"));
    let store = Store::connect(database_url).await?;
    store.copy_database_to(&plain).await?;
    store.close().await;
    let target = output.join(backup_name(now));
    let encrypted = encrypt(&plain, &target, &recipient);
    std::fs::remove_file(&plain).ok();
    encrypted?;
    let removed = remove_old(output, now, keep_days)?;
    println!(
        "Sauvegarde chiffrée : {} ; {removed} sauvegarde(s) de plus de {keep_days} jours supprimée(s).",
        target.display()
    );
    Ok(())
}

fn encrypt(plain: &Path, target: &Path, recipient: &age::x25519::Recipient) -> anyhow::Result<()> {
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(recipient as &dyn age::Recipient))
            .map_err(|e| anyhow!("chiffrement impossible : {e}"))?;
    let mut source = std::fs::File::open(plain)?;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(target)
        .with_context(|| format!("impossible d'écrire {}", target.display()))?;
    let mut writer = encryptor.wrap_output(file)?;
    std::io::copy(&mut source, &mut writer)?;
    writer.finish()?.sync_all()?;
    Ok(())
}

/// Deletes the backups of `dir` taken more than `keep_days` before `now`; returns how many.
fn remove_old(dir: &Path, now: i64, keep_days: i64) -> anyhow::Result<usize> {
    let mut removed = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(at) = taken_at(&name) else { continue };
        if now - at > keep_days * aiguillage_domain::calendar::DAY {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

fn read_identity(path: &Path) -> anyhow::Result<age::x25519::Identity> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("impossible de lire {}", path.display()))?;
    let line = text
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with("AGE-SECRET-KEY-"))
        .ok_or_else(|| {
            anyhow!(
                "{} ne contient aucune clé secrète (AGE-SECRET-KEY-1…)",
                path.display()
            )
        })?;
    line.parse()
        .map_err(|e| anyhow!("clé secrète illisible : {e}"))
}

async fn restore(database_url: &str, input: &Path, identity: &Path) -> anyhow::Result<()> {
    let database = sqlite_file(database_url)?;
    let identity = read_identity(identity)?;
    let staged = database.with_extension(format!("restauration-{}.db", crate::now()));
    decrypt(input, &staged, &identity)?;
    match check_sqlite_copy(&staged).await? {
        BackupCheck::Sound { migration } => {
            let kept = replace(&database, &staged)?;
            println!(
                "Base restaurée depuis {} (niveau de migration {migration}).",
                input.display()
            );
            if let Some(kept) = kept {
                println!("La base remplacée est gardée dans {}.", kept.display());
            }
            Ok(())
        }
        refused => {
            std::fs::remove_file(&staged).ok();
            match refused {
                BackupCheck::Damaged(problems) => bail!("sauvegarde endommagée, rien n'est remplacé : {}", problems.join(" ; ")),
                BackupCheck::OtherLevel { found, expected } => bail!(
                    "sauvegarde d'une autre version (niveau {found}, cette version écrit le niveau {expected}) : rien n'est remplacé"
                ),
                BackupCheck::Sound { .. } => Ok(()),
            }
        }
    }
}

fn decrypt(input: &Path, target: &Path, identity: &age::x25519::Identity) -> anyhow::Result<()> {
    let file = std::fs::File::open(input)
        .with_context(|| format!("impossible de lire {}", input.display()))?;
    let decryptor = age::Decryptor::new(file)
        .map_err(|e| anyhow!("ce fichier n'est pas une sauvegarde chiffrée : {e}"))?;
    let mut reader = decryptor
        .decrypt(std::iter::once(identity as &dyn age::Identity))
        .map_err(|e| anyhow!("déchiffrement impossible avec cette clé : {e}"))?;
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes)?;
    write_private(target, &bytes)
}

/// Puts the staged copy in place of the database; the replaced file (and its write-ahead log) is
/// kept beside it. Returns where it was kept.
fn replace(database: &Path, staged: &Path) -> anyhow::Result<Option<PathBuf>> {
    let kept = if database.exists() {
        let kept = database.with_extension(format!("avant-restauration-{}.db", crate::now()));
        std::fs::rename(database, &kept)?;
        for suffix in ["-wal", "-shm"] {
            let side = PathBuf::from(format!("{}{suffix}", database.display()));
            if side.exists() {
                std::fs::rename(&side, PathBuf::from(format!("{}{suffix}", kept.display())))?;
            }
        }
        Some(kept)
    } else {
        None
    };
    std::fs::rename(staged, database)?;
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backup_name_tells_when_it_was_taken() {
        let at = 1_795_392_000;
        let name = backup_name(at);
        assert!(
            name.starts_with("aiguillage-2026") && name.ends_with(".db.age"),
            "{name}"
        );
        assert_eq!(taken_at(&name), Some(at));
        assert_eq!(taken_at("aiguillage-notes.txt"), None);
    }
}
