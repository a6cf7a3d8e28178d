//! Recently used documents, kept loaded so a sync does not re-read and re-decode a document's
//! snapshot and chunks from SQLite: bounded by an estimate of their memory, least recently used
//! first out. An entry is used only while its version matches the version the reader's
//! snapshot shows. A writer puts the new version in just before it commits, keeping the one
//! before it, so a reader never misses: one whose snapshot predates the commit finds the
//! previous version, one after it the new one. A failed commit takes the document out.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use carecircle_shared::DocumentId;

use super::StoredDoc;

/// Loaded documents take about this many times their saved size in memory.
const MEMORY_PER_SAVED_BYTE: usize = 8;

struct Entry {
    stored: StoredDoc,
    /// The version before `stored`, while readers may still be looking at it.
    previous: Option<StoredDoc>,
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
    /// Documents a sync has loaded (from here or from the database), for tests and benchmarks.
    loads: AtomicU64,
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
            loads: AtomicU64::new(0),
        }
    }

    /// Counts one document loaded for a sync.
    pub(super) fn note_load(&self) {
        self.loads.fetch_add(1, Ordering::Relaxed);
    }

    /// Documents loaded for syncs so far.
    pub(super) fn loads(&self) -> u64 {
        self.loads.load(Ordering::Relaxed)
    }

    /// A copy of document `id` if the cache holds it at `version`.
    pub(super) fn get(&self, id: DocumentId, version: i64) -> Option<StoredDoc> {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.clock += 1;
        let clock = inner.clock;
        let entry = inner.entries.get_mut(&id)?;
        let found = [Some(&entry.stored), entry.previous.as_ref()]
            .into_iter()
            .flatten()
            .find(|s| s.version == version)?
            .clone();
        entry.used = clock;
        Some(found)
    }

    /// Keeps `stored` for later requests (the version it replaces stays too), evicting the
    /// least recently used. Called by the writer before the transaction writing it commits.
    pub(super) fn put(&self, id: DocumentId, stored: StoredDoc) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let previous = inner
            .entries
            .remove(&id)
            .map(|old| {
                inner.cost -= old.cost;
                old.stored
            })
            .filter(|old| old.version + 1 == stored.version);
        let cost = [Some(&stored), previous.as_ref()]
            .into_iter()
            .flatten()
            .map(|s| s.bytes.saturating_mul(MEMORY_PER_SAVED_BYTE).max(1))
            .sum();
        if cost > self.budget {
            return;
        }
        inner.clock += 1;
        let used = inner.clock;
        inner.entries.insert(
            id,
            Entry {
                stored,
                previous,
                cost,
                used,
            },
        );
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use carecircle_shared::automerge::ActorId;
    use carecircle_shared::{CircleId, DocKind, Document};

    use super::*;

    fn stored(version: i64) -> StoredDoc {
        StoredDoc {
            circle: CircleId::nil(),
            kind: DocKind::Notes,
            doc: Arc::new(Document::empty(DocKind::Notes, ActorId::random())),
            bytes: 100,
            chunks: 0,
            version,
        }
    }

    #[test]
    fn readers_before_and_after_a_commit_both_find_their_version() {
        let cache = DocCache::new(1 << 20);
        let id = DocumentId::random();
        cache.put(id, stored(1));
        cache.put(id, stored(2));
        assert!(
            cache.get(id, 1).is_some(),
            "a snapshot from before the commit"
        );
        assert!(cache.get(id, 2).is_some(), "a snapshot from after it");
        cache.put(id, stored(3));
        assert!(cache.get(id, 1).is_none(), "only one version back is kept");
        assert!(cache.get(id, 2).is_some() && cache.get(id, 3).is_some());
        cache.put(id, stored(7));
        assert!(
            cache.get(id, 3).is_none(),
            "a gap keeps no previous version"
        );
        cache.forget(id);
        assert!(cache.get(id, 7).is_none());
    }

    #[test]
    fn the_budget_holds_with_previous_versions_counted() {
        let cache = DocCache::new(100 * MEMORY_PER_SAVED_BYTE * 3);
        let (a, b) = (DocumentId::random(), DocumentId::random());
        cache.put(a, stored(1));
        cache.put(a, stored(2));
        cache.put(b, stored(1));
        cache.put(b, stored(2));
        assert!(
            cache.get(a, 2).is_none(),
            "the least recently used went out"
        );
        assert!(cache.get(b, 1).is_some() && cache.get(b, 2).is_some());
    }
}
