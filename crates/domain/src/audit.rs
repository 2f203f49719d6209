//! The audit trail of reads and changes of personal records: what an entry holds and how entries are
//! chained by hashes, so that a removed or altered entry breaks the chain. New entries are keyed
//! (HMAC-SHA256 under the instance's secret audit key); plain SHA-256 entries are legacy.

use crate::UnixSeconds;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What was done to the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Read,
    Create,
    Update,
    Delete,
}

impl AuditAction {
    pub fn code(self) -> &'static str {
        match self {
            AuditAction::Read => "read",
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Delete => "delete",
        }
    }

    pub fn from_code(code: &str) -> Option<AuditAction> {
        [
            AuditAction::Read,
            AuditAction::Create,
            AuditAction::Update,
            AuditAction::Delete,
        ]
        .into_iter()
        .find(|action| action.code() == code)
    }

    /// The French word shown in the administrator's journal.
    pub fn label(self) -> &'static str {
        match self {
            AuditAction::Read => "Consultation",
            AuditAction::Create => "Création",
            AuditAction::Update => "Modification",
            AuditAction::Delete => "Suppression",
        }
    }
}

/// One access to a personal record, before it is stored: who, what, which record, why (the route).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// The account that acted; `None` for the command line or the system.
    pub actor_account_id: Option<i64>,
    pub action: AuditAction,
    /// The kind of record: `account`, later `person`, `referral`…
    pub record_kind: String,
    /// The record's pseudonymous identifier (never a name).
    pub record_id: String,
    /// Why: the route or command that caused the access, e.g. `GET /administration/comptes`.
    pub reason: String,
}

/// How long after an entry the same actor's access to the same record, for the same reason (the
/// same route), is the same access: the page that reads a file before changing it, or shows it again
/// while it redraws, is one access to the data-protection officer, not two.
pub const SAME_ACCESS_SECONDS: UnixSeconds = 10;

/// What a new entry does to the chain, given the chain's last entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joining {
    /// A new entry after the last one.
    Append,
    /// The last entry already records this access (a read after a read or a change of the record).
    Covered,
    /// The last entry is the read that prepared this change: it becomes the change.
    Upgrade,
}

/// How `event` at `now` joins the chain whose last entry is `last` (written at `last_at`): one entry
/// per real access. Entries join only within one request: the same actor (an account), the same
/// reason (the route), within [`SAME_ACCESS_SECONDS`], neither of them a list. Then a read after any
/// entry about the same record is already recorded; a read followed by a change of the same record,
/// or by the creation of a record made from it (a referral from a person's file), becomes that
/// change. Two changes stay two entries.
pub fn joining(
    last: &AuditEvent,
    last_at: UnixSeconds,
    event: &AuditEvent,
    now: UnixSeconds,
) -> Joining {
    let same_request = event.actor_account_id.is_some()
        && last.actor_account_id == event.actor_account_id
        && last.reason == event.reason
        && !is_list(&last.record_kind)
        && !is_list(&event.record_kind)
        && (now - last_at).abs() <= SAME_ACCESS_SECONDS;
    if !same_request {
        return Joining::Append;
    }
    let same_record = last.record_id == event.record_id;
    match (last.action, event.action) {
        (_, AuditAction::Read) if same_record => Joining::Covered,
        (AuditAction::Read, AuditAction::Create) => Joining::Upgrade,
        (AuditAction::Read, _) if same_record => Joining::Upgrade,
        _ => Joining::Append,
    }
}

/// The kind of the one entry that records a list of several records of `kind` (« person » →
/// « person_list »).
pub fn list_kind(kind: &str) -> String {
    format!("{kind}{LIST_SUFFIX}")
}

const LIST_SUFFIX: &str = "_list";

/// Whether entries of this kind record a list (their record id is the listed ids, space-separated).
pub fn is_list(kind: &str) -> bool {
    kind.ends_with(LIST_SUFFIX)
}

/// The one entry recording that `events` (reads by one actor for one reason) were shown together:
/// `None` when they are not such a list (fewer than two, or mixed), to be recorded one by one.
pub fn list_entry(events: &[AuditEvent]) -> Option<AuditEvent> {
    let (first, rest) = events.split_first()?;
    let alike = |event: &AuditEvent| {
        event.actor_account_id == first.actor_account_id
            && event.action == first.action
            && event.reason == first.reason
            && event.record_kind == first.record_kind
    };
    if rest.is_empty() || !rest.iter().all(alike) || is_list(&first.record_kind) {
        return None;
    }
    let ids: Vec<&str> = events
        .iter()
        .map(|event| event.record_id.as_str())
        .collect();
    Some(AuditEvent {
        record_kind: list_kind(&first.record_kind),
        record_id: ids.join(" "),
        ..first.clone()
    })
}

/// How an entry's hash was computed, stored beside the hash so that the chain can be re-computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditHashScheme {
    /// Plain SHA-256 (entries written before the instance key existed): anyone can recompute it.
    LegacySha256,
    /// HMAC-SHA256 under the instance's audit key: rewriting an entry needs the key.
    HmacSha256,
}

impl AuditHashScheme {
    pub fn code(self) -> &'static str {
        match self {
            AuditHashScheme::LegacySha256 => "sha256",
            AuditHashScheme::HmacSha256 => "hmac-sha256",
        }
    }

    pub fn from_code(code: &str) -> Option<AuditHashScheme> {
        [AuditHashScheme::LegacySha256, AuditHashScheme::HmacSha256]
            .into_iter()
            .find(|scheme| scheme.code() == code)
    }
}

/// The fields of an entry, in the order they are hashed, each followed by a unit separator.
fn hashed_parts(prev_hash: &str, sequence: i64, at: UnixSeconds, event: &AuditEvent) -> Vec<u8> {
    let actor = event
        .actor_account_id
        .map(|id| id.to_string())
        .unwrap_or_default();
    let mut message = Vec::new();
    for part in [
        prev_hash,
        &sequence.to_string(),
        &at.to_string(),
        &actor,
        event.action.code(),
        &event.record_kind,
        &event.record_id,
        &event.reason,
    ] {
        message.extend_from_slice(part.as_bytes());
        message.push(0x1f);
    }
    message
}

/// The legacy (unkeyed) hash of an entry, chained to the previous one (`prev_hash` is empty for the
/// first entry). Kept only to verify entries written before the audit key existed.
pub fn chain_hash(prev_hash: &str, sequence: i64, at: UnixSeconds, event: &AuditEvent) -> String {
    hex::encode(Sha256::digest(hashed_parts(prev_hash, sequence, at, event)))
}

/// The keyed hash of an entry: HMAC-SHA256 under the instance's audit key, over the same fields as
/// [`chain_hash`]. Without the key, nobody can compute the hash of an altered entry.
pub fn keyed_chain_hash(
    key: &[u8],
    prev_hash: &str,
    sequence: i64,
    at: UnixSeconds,
    event: &AuditEvent,
) -> String {
    hmac_hex(key, &hashed_parts(prev_hash, sequence, at, event))
}

/// The seal of the unkeyed prefix of the chain: the number of legacy entries and the hash of the last
/// one, under the key. Written once, when the keyed scheme is introduced, so that nobody without the
/// key can later pass keyed entries off as legacy ones, or add legacy ones.
pub fn legacy_seal(key: &[u8], legacy_entries: i64, last_legacy_hash: &str) -> String {
    let mut message = b"aiguillage-audit-legacy-prefix".to_vec();
    for part in [&legacy_entries.to_string(), last_legacy_hash] {
        message.push(0x1f);
        message.extend_from_slice(part.as_bytes());
    }
    hmac_hex(key, &message)
}

/// The seal of a checkpoint left when the purge deletes the chain's oldest entries: the last deleted
/// entry's sequence number and hash (the first kept entry's `prev_hash`), how many were deleted and
/// when, under the key. The chain then verifies from the checkpoint: nobody without the key can
/// delete entries and pass the cut off as a checkpoint.
pub fn checkpoint_seal(key: &[u8], through_seq: i64, through_hash: &str, made_at: i64) -> String {
    let mut message = b"aiguillage-audit-checkpoint".to_vec();
    for part in [&through_seq.to_string(), through_hash, &made_at.to_string()] {
        message.push(0x1f);
        message.extend_from_slice(part.as_bytes());
    }
    hmac_hex(key, &message)
}

fn hmac_hex(key: &[u8], message: &[u8]) -> String {
    // HMAC accepts keys of any length, so this construction cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(record_id: &str) -> AuditEvent {
        AuditEvent {
            actor_account_id: Some(3),
            action: AuditAction::Read,
            record_kind: "account".into(),
            record_id: record_id.into(),
            reason: "GET /administration/comptes".into(),
        }
    }

    fn change(record_id: &str) -> AuditEvent {
        AuditEvent {
            action: AuditAction::Update,
            ..event(record_id)
        }
    }

    #[test]
    fn a_read_then_a_change_of_the_same_record_by_the_same_request_is_one_access() {
        assert_eq!(
            joining(&event("7"), 100, &change("7"), 101),
            Joining::Upgrade
        );
        assert_eq!(
            joining(&event("7"), 100, &event("7"), 100),
            Joining::Covered
        );
        assert_eq!(
            joining(&change("7"), 100, &event("7"), 100),
            Joining::Covered
        );
        // Two changes are two changes; another record, reason, actor or a later access is new.
        assert_eq!(
            joining(&change("7"), 100, &change("7"), 100),
            Joining::Append
        );
        assert_eq!(joining(&event("7"), 100, &event("8"), 100), Joining::Append);
        assert_eq!(
            joining(&event("7"), 100, &change("8"), 100),
            Joining::Append
        );
        let created = AuditEvent {
            action: AuditAction::Create,
            ..event("8")
        };
        assert_eq!(joining(&event("7"), 100, &created, 100), Joining::Upgrade);
        let elsewhere = AuditEvent {
            reason: "GET /administration/journal".into(),
            ..event("7")
        };
        assert_eq!(joining(&event("7"), 100, &elsewhere, 100), Joining::Append);
        let someone_else = AuditEvent {
            actor_account_id: Some(4),
            ..event("7")
        };
        assert_eq!(
            joining(&event("7"), 100, &someone_else, 100),
            Joining::Append
        );
        let command_line = AuditEvent {
            actor_account_id: None,
            ..event("7")
        };
        assert_eq!(
            joining(&command_line, 100, &command_line, 100),
            Joining::Append
        );
        let later = 100 + SAME_ACCESS_SECONDS + 1;
        assert_eq!(
            joining(&event("7"), 100, &event("7"), later),
            Joining::Append
        );
    }

    #[test]
    fn a_list_of_reads_is_one_entry_naming_every_record() {
        let list = list_entry(&[event("7"), event("8"), event("9")]).expect("a list");
        assert_eq!(list.record_kind, "account_list");
        assert_eq!(list.record_id, "7 8 9");
        assert!(is_list(&list.record_kind));
        assert_eq!(list_entry(&[event("7")]), None, "one record is not a list");
        assert_eq!(
            list_entry(&[event("7"), change("8")]),
            None,
            "mixed actions"
        );
        assert_eq!(list_entry(&[]), None);
        // A list never joins an entry about one record of it.
        assert_eq!(joining(&list, 100, &event("7"), 100), Joining::Append);
    }

    #[test]
    fn the_hash_depends_on_the_previous_hash_and_on_every_field() {
        let first = chain_hash("", 1, 1000, &event("7"));
        assert_eq!(first.len(), 64);
        assert_ne!(first, chain_hash("x", 1, 1000, &event("7")));
        assert_ne!(first, chain_hash("", 2, 1000, &event("7")));
        assert_ne!(first, chain_hash("", 1, 1000, &event("8")));
        assert_eq!(first, chain_hash("", 1, 1000, &event("7")));
    }

    #[test]
    fn the_keyed_hash_depends_on_the_key_and_differs_from_the_plain_hash() {
        let key = [7_u8; 32];
        let keyed = keyed_chain_hash(&key, "", 1, 1000, &event("7"));
        assert_eq!(keyed.len(), 64);
        assert_eq!(keyed, keyed_chain_hash(&key, "", 1, 1000, &event("7")));
        assert_ne!(
            keyed,
            keyed_chain_hash(&[8_u8; 32], "", 1, 1000, &event("7"))
        );
        assert_ne!(keyed, keyed_chain_hash(&key, "", 1, 1000, &event("8")));
        assert_ne!(keyed, chain_hash("", 1, 1000, &event("7")));
    }

    #[test]
    fn the_legacy_seal_depends_on_the_key_the_count_and_the_last_hash() {
        let key = [7_u8; 32];
        let seal = legacy_seal(&key, 3, "abc");
        assert_eq!(seal, legacy_seal(&key, 3, "abc"));
        assert_ne!(seal, legacy_seal(&key, 4, "abc"));
        assert_ne!(seal, legacy_seal(&key, 3, "abd"));
        assert_ne!(seal, legacy_seal(&[8_u8; 32], 3, "abc"));
    }

    #[test]
    fn hash_scheme_codes_round_trip() {
        for scheme in [AuditHashScheme::LegacySha256, AuditHashScheme::HmacSha256] {
            assert_eq!(AuditHashScheme::from_code(scheme.code()), Some(scheme));
        }
        assert_eq!(AuditHashScheme::from_code("md5"), None);
    }

    #[test]
    fn action_codes_round_trip() {
        for action in [AuditAction::Read, AuditAction::Update] {
            assert_eq!(AuditAction::from_code(action.code()), Some(action));
        }
    }
}
