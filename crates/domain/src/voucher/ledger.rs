//! The vouchers' ledger: one append-only entry per event of a voucher (issued, allocated, received,
//! handed, redeemed, redemption cancelled, cancelled, expired), keyed by the voucher's number, each
//! entry chained to the one before by an HMAC-SHA256 under the instance's key, like the audit trail.
//! An entry names structures and places, never a person: no name, contact, diagnostic or referral;
//! the link to a person goes only through the referral the voucher row points to, which the
//! person's erasure removes. [`verify`] walks the chain and names the first entry that does not hold.

use crate::UnixSeconds;
use hmac::{Hmac, Mac};
use sha2::Sha256;

labelled_enum! {
    /// What happened to a voucher.
    LedgerKind {
        Issued = "issued" => "Imprimé",
        Allocated = "allocated" => "Carnet attribué à un prescripteur",
        Received = "received" => "Carnet reçu par le prescripteur",
        Handed = "handed" => "Remis à une personne",
        Redeemed = "redeemed" => "Encaissé",
        RedemptionCancelled = "redemption_cancelled" => "Encaissement annulé",
        Cancelled = "cancelled" => "Annulé",
        Expired = "expired" => "Expiré",
    }
}

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One event, as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    pub sequence: i64,
    pub at: UnixSeconds,
    pub number: String,
    pub campaign_id: i64,
    pub kind: LedgerKind,
    /// The structure acting (the prescriber allocated or handing, the place redeeming).
    pub structure_id: Option<i64>,
    /// A code with no personal data: `referral` or `anonymous` for a handing, the cancellation's
    /// reason code, empty otherwise.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of an entry's content chained to `prev_hash`, under `key`.
pub fn entry_hash(key: &[u8], prev_hash: &str, entry: &LedgerEntry) -> String {
    let message = format!(
        "aiguillage-voucher-ledger\n{prev_hash}\n{}\n{}\n{}\n{}\n{}\n{}\n{}",
        entry.sequence,
        entry.at,
        entry.number,
        entry.campaign_id,
        entry.kind.code(),
        entry
            .structure_id
            .map(|id| id.to_string())
            .unwrap_or_default(),
        entry.detail,
    );
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("L'écriture n° {0} ne suit pas la précédente (numérotation interrompue).")]
    Gap(i64),
    #[error("L'écriture n° {0} n'est pas chaînée à la précédente.")]
    Unlinked(i64),
    #[error("L'écriture n° {0} a été modifiée après son inscription.")]
    Altered(i64),
}

/// Checks the whole chain, in sequence order from the first entry.
pub fn verify(key: &[u8], entries: &[LedgerEntry]) -> Result<(), ChainBreak> {
    let mut prev = GENESIS.to_owned();
    let first = entries.first().map_or(1, |e| e.sequence);
    for (expected_sequence, entry) in (first..).zip(entries) {
        if entry.sequence != expected_sequence {
            return Err(ChainBreak::Gap(expected_sequence));
        }
        if entry.prev_hash != prev {
            return Err(ChainBreak::Unlinked(entry.sequence));
        }
        if entry_hash(key, &prev, entry) != entry.hash {
            return Err(ChainBreak::Altered(entry.sequence));
        }
        prev.clone_from(&entry.hash);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"une cle de test suffisamment longue";

    fn chain(kinds: &[LedgerKind]) -> Vec<LedgerEntry> {
        let mut prev = GENESIS.to_owned();
        let mut entries = Vec::new();
        for (i, kind) in kinds.iter().enumerate() {
            let sequence = i64::try_from(i).unwrap() + 1;
            let mut entry = LedgerEntry {
                sequence,
                at: 1_800_000_000 + sequence,
                number: "7KQ4M2XD9TRBHW3F".into(),
                campaign_id: 1,
                kind: *kind,
                structure_id: Some(4),
                detail: String::new(),
                prev_hash: prev.clone(),
                hash: String::new(),
            };
            entry.hash = entry_hash(KEY, &prev, &entry);
            prev.clone_from(&entry.hash);
            entries.push(entry);
        }
        entries
    }

    #[test]
    fn an_intact_chain_verifies() {
        let entries = chain(&[
            LedgerKind::Issued,
            LedgerKind::Allocated,
            LedgerKind::Handed,
            LedgerKind::Redeemed,
        ]);
        assert_eq!(verify(KEY, &entries), Ok(()));
    }

    #[test]
    fn a_changed_entry_a_removed_one_or_another_key_is_detected() {
        let entries = chain(&[LedgerKind::Issued, LedgerKind::Handed, LedgerKind::Redeemed]);
        let mut changed = entries.clone();
        changed[1].structure_id = Some(5);
        assert_eq!(verify(KEY, &changed), Err(ChainBreak::Altered(2)));
        let mut removed = entries.clone();
        removed.remove(1);
        assert_eq!(verify(KEY, &removed), Err(ChainBreak::Gap(2)));
        assert_eq!(
            verify(b"une autre cle", &entries),
            Err(ChainBreak::Altered(1))
        );
        let mut relinked = entries;
        relinked[2].prev_hash = GENESIS.into();
        assert_eq!(verify(KEY, &relinked), Err(ChainBreak::Unlinked(3)));
    }
}
