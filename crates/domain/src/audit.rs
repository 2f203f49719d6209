//! The audit trail of reads and changes of personal records: what an entry holds and how entries are
//! chained by hashes, so that a removed or altered entry breaks the chain.

use crate::UnixSeconds;
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

/// The hash of an entry, chained to the previous one (`prev_hash` is empty for the first entry).
pub fn chain_hash(prev_hash: &str, sequence: i64, at: UnixSeconds, event: &AuditEvent) -> String {
    let mut hasher = Sha256::new();
    let actor = event
        .actor_account_id
        .map(|id| id.to_string())
        .unwrap_or_default();
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
        hasher.update(part.as_bytes());
        hasher.update([0x1f]);
    }
    hex::encode(hasher.finalize())
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
    fn action_codes_round_trip() {
        for action in [AuditAction::Read, AuditAction::Update] {
            assert_eq!(AuditAction::from_code(action.code()), Some(action));
        }
    }
}
