//! Recently used documents, kept loaded so a sync does not re-read and re-decode a document's
//! snapshot and chunks from SQLite: bounded by an estimate of their memory, least recently used
//! first out. An entry is used only while its version matches the database's, and is put back
//! only after the transaction that wrote it has committed.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use carecircle_shared::DocumentId;

use super::StoredDoc;

/// Loaded documents take about this many times their saved size in memory.
const MEMORY_PER_SAVED_BYTE: usize = 8;

struct Entry {
    stored: StoredDoc,
    cost: usize,
    used: u64,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<DocumentId, Entry>,
    cost: usize,
    clock: u64,
}

/// The cache; `budget` bytes of estimated memory (0 turns it off).
pub(super) struct DocCache {
    inner: Mutex<Inner>,
    budget: usize,
}

impl std::fmt::Debug for DocCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocCache")
            .field("budget", &self.budget)
            .finish()
    }
}

impl DocCache {
    pub(super) fn new(budget: usize) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            budget,
        }
    }

    /// A copy of document `id` if the cache holds it at `version`.
    pub(super) fn get(&self, id: DocumentId, version: i64) -> Option<StoredDoc> {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.clock += 1;
        let clock = inner.clock;
        let entry = inner.entries.get_mut(&id)?;
        if entry.stored.version != version {
            return None;
        }
        entry.used = clock;
        Some(entry.stored.clone())
    }

    /// Keeps `stored` (as committed) for later requests, evicting the least recently used.
    pub(super) fn put(&self, id: DocumentId, stored: StoredDoc) {
        let cost = stored.bytes.saturating_mul(MEMORY_PER_SAVED_BYTE).max(1);
        if cost > self.budget {
            self.forget(id);
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.clock += 1;
        let used = inner.clock;
        if let Some(old) = inner.entries.insert(id, Entry { stored, cost, used }) {
            inner.cost -= old.cost;
        }
        inner.cost += cost;
        while inner.cost > self.budget {
            let Some(oldest) = inner
                .entries
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(id, _)| *id)
            else {
                break;
            };
            if let Some(e) = inner.entries.remove(&oldest) {
                inner.cost -= e.cost;
            }
        }
    }

    /// Drops document `id` (changed in a way the cache did not see).
    pub(super) fn forget(&self, id: DocumentId) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(e) = inner.entries.remove(&id) {
            inner.cost -= e.cost;
        }
    }
}
