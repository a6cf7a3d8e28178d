//! One upload at a time per document: a sync that carries changes for a document holds that
//! document's lock from loading it to committing the merge, so every upload is checked against
//! the document as the previous one left it (and the loaded copy is never stale). Syncs that
//! only ask for changes never wait for it.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use carecircle_shared::DocumentId;
use carecircle_shared::automerge::sync;
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

/// The locks of documents being written; an entry lives only while someone holds or awaits it.
#[derive(Debug, Default)]
pub struct DocLocks {
    locks: Mutex<HashMap<DocumentId, Arc<AsyncMutex<()>>>>,
}

/// Locks held until dropped.
#[derive(Debug)]
pub struct Held {
    owner: Arc<DocLocks>,
    guards: Vec<(DocumentId, OwnedMutexGuard<()>)>,
}

/// True when `message` (an encoded sync message) carries changes: only those need the lock.
pub fn carries_changes(message: &[u8]) -> bool {
    sync::Message::decode(message).is_ok_and(|m| !m.changes.is_empty())
}

impl DocLocks {
    /// Takes the locks of `ids`, in one global order so two syncs never wait on each other.
    pub async fn lock(self: &Arc<Self>, ids: impl IntoIterator<Item = DocumentId>) -> Held {
        let ids: BTreeSet<DocumentId> = ids.into_iter().collect();
        let mut held = Held {
            owner: self.clone(),
            guards: Vec::with_capacity(ids.len()),
        };
        for id in ids {
            let lock = self
                .locks
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(id)
                .or_default()
                .clone();
            held.guards.push((id, lock.lock_owned().await));
        }
        held
    }

    /// How many documents have a lock entry (for tests: entries do not accumulate).
    pub fn entries(&self) -> usize {
        self.locks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let ids: Vec<DocumentId> = self.guards.iter().map(|(id, _)| *id).collect();
        self.guards.clear();
        let mut locks = self
            .owner
            .locks
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for id in ids {
            // Only the map still refers to it: nobody holds or awaits this lock.
            if locks.get(&id).is_some_and(|l| Arc::strong_count(l) == 1) {
                locks.remove(&id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_second_writer_waits_and_entries_are_dropped() {
        let locks = Arc::new(DocLocks::default());
        let (a, b) = (DocumentId::random(), DocumentId::random());
        let first = locks.lock([a, b]).await;
        let waiting = {
            let locks = locks.clone();
            tokio::spawn(async move { locks.lock([b]).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "the second writer waits");
        drop(first);
        let second = waiting.await.expect("task");
        assert_eq!(locks.entries(), 1, "a is gone, b is held");
        drop(second);
        assert_eq!(locks.entries(), 0);
    }
}
