//! Group commit of the audit entries of concurrent views: every list or detail view of personal data
//! appends to the audit chain before the page is shown, and on SQLite writers take turns. Rather
//! than one transaction per view, the views that arrive while a batch is being written wait
//! together, and the next writer appends all their entries in one transaction. Each view still
//! returns only once its own entries are committed (or with the batch's error).
//!
//! The batch is written by a spawned task: a view whose visitor goes away (its request dropped)
//! neither rolls back nor loses the entries of the others waiting with it.

use crate::audit::append_audit_in;
use crate::{Store, StoreError};
use aiguillage_domain::audit::AuditEvent;
use aiguillage_domain::UnixSeconds;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// The entries of one view, waiting for a batch.
struct Pending {
    entries: Vec<AuditEvent>,
    now: UnixSeconds,
    done: oneshot::Sender<Result<i64, String>>,
}

/// The views waiting to be written, and the turn of whoever writes the next batch.
#[derive(Default)]
pub(crate) struct AuditBatches {
    waiting: Mutex<Vec<Pending>>,
    writing: Arc<tokio::sync::Mutex<()>>,
}

impl AuditBatches {
    fn push(&self, pending: Pending) {
        match self.waiting.lock() {
            Ok(mut waiting) => waiting.push(pending),
            Err(poisoned) => poisoned.into_inner().push(pending),
        }
    }

    fn take(&self) -> Vec<Pending> {
        match self.waiting.lock() {
            Ok(mut waiting) => std::mem::take(&mut *waiting),
            Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
        }
    }
}

impl Store {
    /// Appends `entries` (one view's) to the audit chain in the next batch, and returns once they
    /// are committed, with the sequence number of the last one.
    pub(crate) async fn append_audit_batched(
        &self,
        entries: Vec<AuditEvent>,
        now: UnixSeconds,
    ) -> Result<i64, StoreError> {
        let (done, mut written) = oneshot::channel();
        self.audit_batches.push(Pending { entries, now, done });
        loop {
            tokio::select! {
                biased;
                result = &mut written => {
                    let outcome = result.unwrap_or_else(|_| {
                        Err("écriture du journal d'audit interrompue".to_owned())
                    });
                    return outcome.map_err(|error| StoreError::Database(sqlx::Error::Protocol(error)));
                }
                turn = self.audit_batches.writing.clone().lock_owned() => {
                    let batch = self.audit_batches.take();
                    if batch.is_empty() {
                        // Ours went with the batch just written: its answer is on its way.
                        drop(turn);
                        continue;
                    }
                    let store = self.clone();
                    let writer = tokio::spawn(async move {
                        store.write_audit_batch(batch).await;
                        drop(turn);
                    });
                    // The batch finishes even if this view is dropped; its answer comes by `written`.
                    let _ = writer.await;
                }
            }
        }
    }

    /// Writes a batch in one transaction and tells each view how it went.
    async fn write_audit_batch(&self, batch: Vec<Pending>) {
        let outcome = self.append_all(&batch).await.map_err(|e| e.to_string());
        if let Err(error) = &outcome {
            tracing::warn!(%error, views = batch.len(), "audit batch not written");
        }
        match outcome {
            Ok(seqs) => {
                for (pending, seq) in batch.into_iter().zip(seqs) {
                    let _ = pending.done.send(Ok(seq));
                }
            }
            Err(error) => {
                for pending in batch {
                    let _ = pending.done.send(Err(error.clone()));
                }
            }
        }
    }

    /// Each view's last sequence number, in the batch's order.
    async fn append_all(&self, batch: &[Pending]) -> Result<Vec<i64>, StoreError> {
        let mut transaction = self.begin_write().await?;
        let mut seqs = Vec::with_capacity(batch.len());
        for pending in batch {
            let mut seq = 0;
            for entry in &pending.entries {
                seq =
                    append_audit_in(&mut transaction, &self.audit_key, entry, pending.now).await?;
            }
            seqs.push(seq);
        }
        transaction.commit().await?;
        Ok(seqs)
    }
}
