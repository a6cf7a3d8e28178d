//! The web build's store: IndexedDB (through `rexie`). Each write is one IndexedDB transaction,
//! reported done only after the browser says it committed.
//!
//! Object stores: `kv` (session, circle list; JSON strings), `docs` (per document: kind, sync
//! state, last-seen heads; JSON), `parts` (snapshots and chunks as bytes, keyed
//! `"<doc>/<part id>"`: content-addressed, so two tabs never write the same key with different
//! bytes; earlier versions' `"<doc>/<seq>"` keys still load), `refused` (JSON).

use carecircle_shared::automerge::ChangeHash;
use carecircle_shared::wire::{CircleSummary, MemberInfo};
use carecircle_shared::{CircleId, DocKind, DocumentId, Timestamp};
use js_sys::Uint8Array;
use rexie::{KeyRange, ObjectStore, Rexie, TransactionMode};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

use super::{
    DocWrite, LocalStore, Part, RefusedEdit, SavedSession, decode_heads, encode_heads, members_key,
};
use crate::error::{AppError, AppResult};

const STORES: [&str; 4] = ["kv", "docs", "parts", "refused"];

/// IndexedDB-backed local store.
pub struct IndexedDbStore {
    db: Rexie,
}

impl std::fmt::Debug for IndexedDbStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexedDbStore").finish()
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct DocEntry {
    kind: String,
    sync_state: Option<Vec<u8>>,
    last_seen: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredRefusal {
    doc: DocumentId,
    kind: DocKind,
    code: carecircle_shared::wire::ErrorCode,
    message: String,
    at: i64,
    copy: Vec<u8>,
    resolved: bool,
}

fn err(e: impl std::fmt::Debug) -> AppError {
    AppError::Storage(format!("{e:?}"))
}

fn key(s: &str) -> JsValue {
    JsValue::from_str(s)
}

fn part_key(doc: DocumentId, part: &str) -> String {
    format!("{doc}/{part}")
}

fn parts_range(doc: DocumentId) -> AppResult<KeyRange> {
    KeyRange::bound(
        &key(&format!("{doc}/")),
        &key(&format!("{doc}/~")),
        Some(false),
        Some(false),
    )
    .map_err(err)
}

impl IndexedDbStore {
    /// Opens (creating) the database `name`.
    pub async fn open(name: &str) -> AppResult<Self> {
        let mut builder = Rexie::builder(name).version(1);
        for store in STORES {
            builder = builder.add_object_store(ObjectStore::new(store));
        }
        Ok(Self {
            db: builder.build().await.map_err(err)?,
        })
    }

    async fn get_json<T: for<'de> Deserialize<'de>>(
        &self,
        store: &str,
        k: &str,
    ) -> AppResult<Option<T>> {
        let tx = self
            .db
            .transaction(&[store], TransactionMode::ReadOnly)
            .map_err(err)?;
        let value = tx
            .store(store)
            .map_err(err)?
            .get(key(k))
            .await
            .map_err(err)?;
        tx.done().await.map_err(err)?;
        match value.and_then(|v| v.as_string()) {
            Some(s) => serde_json::from_str(&s).map(Some).map_err(err),
            None => Ok(None),
        }
    }

    async fn put_json<T: Serialize>(
        &self,
        store: &str,
        k: &str,
        value: Option<&T>,
    ) -> AppResult<()> {
        let tx = self
            .db
            .transaction(&[store], TransactionMode::ReadWrite)
            .map_err(err)?;
        let s = tx.store(store).map_err(err)?;
        match value {
            Some(v) => {
                let text = serde_json::to_string(v).map_err(err)?;
                s.put(&key(&text), Some(&key(k))).await.map_err(err)?;
            }
            None => s.delete(key(k)).await.map_err(err)?,
        }
        tx.done().await.map_err(err)?;
        Ok(())
    }

    /// Every (key, value) of a store whose values are JSON strings; unreadable rows are skipped.
    async fn scan_json<T: for<'de> Deserialize<'de>>(
        &self,
        store: &str,
    ) -> AppResult<Vec<(String, T)>> {
        let tx = self
            .db
            .transaction(&[store], TransactionMode::ReadOnly)
            .map_err(err)?;
        let all = tx
            .store(store)
            .map_err(err)?
            .scan(None, None, None, None)
            .await
            .map_err(err)?;
        tx.done().await.map_err(err)?;
        Ok(all
            .into_iter()
            .filter_map(|(k, v)| {
                Some((k.as_string()?, serde_json::from_str(&v.as_string()?).ok()?))
            })
            .collect())
    }

    async fn entry(&self, doc: DocumentId) -> AppResult<Option<DocEntry>> {
        self.get_json("docs", &doc.to_string()).await
    }

    async fn update_entry(&self, doc: DocumentId, f: impl FnOnce(&mut DocEntry)) -> AppResult<()> {
        if let Some(mut e) = self.entry(doc).await? {
            f(&mut e);
            self.put_json("docs", &doc.to_string(), Some(&e)).await?;
        }
        Ok(())
    }

    async fn delete_parts(&self, tx_store: &rexie::Store, doc: DocumentId) -> AppResult<()> {
        tx_store.delete(parts_range(doc)?.into()).await.map_err(err)
    }

    /// Every write in one transaction: parts put (the ones they cover removed), entries made
    /// for new documents, sync states set.
    async fn write_all(&self, writes: &[DocWrite]) -> AppResult<()> {
        let tx = self
            .db
            .transaction(&["docs", "parts"], TransactionMode::ReadWrite)
            .map_err(err)?;
        let parts = tx.store("parts").map_err(err)?;
        let docs = tx.store("docs").map_err(err)?;
        for w in writes {
            let doc = w.doc;
            if let Some((part, covers)) = &w.part {
                for old in covers.iter().filter(|p| **p != part.id) {
                    parts.delete(key(&part_key(doc, old))).await.map_err(err)?;
                }
                let value: JsValue = Uint8Array::from(part.bytes.as_slice()).into();
                parts
                    .put(&value, Some(&key(&part_key(doc, &part.id))))
                    .await
                    .map_err(err)?;
            }
            let stored = docs.get(key(&doc.to_string())).await.map_err(err)?;
            let entry = match (stored.and_then(|v| v.as_string()), &w.state) {
                (Some(text), Some(state)) => DocEntry {
                    sync_state: Some(state.clone()),
                    ..serde_json::from_str::<DocEntry>(&text).map_err(err)?
                },
                (Some(_), None) => continue,
                // A document is made by its first part; a state alone is for one it has.
                (None, state) if w.part.is_some() => DocEntry {
                    kind: w.kind.as_str().into(),
                    sync_state: state.clone(),
                    ..DocEntry::default()
                },
                (None, _) => continue,
            };
            let text = serde_json::to_string(&entry).map_err(err)?;
            docs.put(&key(&text), Some(&key(&doc.to_string())))
                .await
                .map_err(err)?;
        }
        tx.done().await.map_err(err)?;
        Ok(())
    }
}

#[async_trait::async_trait(?Send)]
impl LocalStore for IndexedDbStore {
    async fn session(&self) -> AppResult<Option<SavedSession>> {
        self.get_json("kv", "session").await
    }

    async fn set_session(&self, session: Option<&SavedSession>) -> AppResult<()> {
        self.put_json("kv", "session", session).await
    }

    async fn circles(&self) -> AppResult<Vec<CircleSummary>> {
        Ok(self.get_json("kv", "circles").await?.unwrap_or_default())
    }

    async fn set_circles(&self, circles: &[CircleSummary]) -> AppResult<()> {
        self.put_json("kv", "circles", Some(&circles)).await
    }

    async fn members(&self, circle: CircleId) -> AppResult<Vec<MemberInfo>> {
        Ok(self
            .get_json("kv", &members_key(circle))
            .await?
            .unwrap_or_default())
    }

    async fn set_members(&self, circle: CircleId, members: &[MemberInfo]) -> AppResult<()> {
        self.put_json("kv", &members_key(circle), Some(&members))
            .await
    }

    async fn documents(&self) -> AppResult<Vec<(DocumentId, DocKind)>> {
        Ok(self
            .scan_json::<DocEntry>("docs")
            .await?
            .into_iter()
            .filter_map(|(k, entry)| Some((k.parse().ok()?, entry.kind.parse().ok()?)))
            .collect())
    }

    async fn load(&self, doc: DocumentId) -> AppResult<Option<Vec<Part>>> {
        if self.entry(doc).await?.is_none() {
            return Ok(None);
        }
        let tx = self
            .db
            .transaction(&["parts"], TransactionMode::ReadOnly)
            .map_err(err)?;
        let parts = tx
            .store("parts")
            .map_err(err)?
            .scan(Some(parts_range(doc)?), None, None, None)
            .await
            .map_err(err)?;
        tx.done().await.map_err(err)?;
        let prefix = format!("{doc}/");
        Ok(Some(
            parts
                .into_iter()
                .filter_map(|(k, v)| {
                    Some(Part {
                        id: k.as_string()?.strip_prefix(&prefix)?.to_string(),
                        bytes: Uint8Array::new(&v).to_vec(),
                    })
                })
                .collect(),
        ))
    }

    async fn write(&self, writes: &[DocWrite]) -> AppResult<()> {
        if writes.is_empty() {
            return Ok(());
        }
        self.write_all(writes).await
    }

    async fn delete(&self, doc: DocumentId) -> AppResult<()> {
        let tx = self
            .db
            .transaction(&["docs", "parts"], TransactionMode::ReadWrite)
            .map_err(err)?;
        self.delete_parts(&tx.store("parts").map_err(err)?, doc)
            .await?;
        tx.store("docs")
            .map_err(err)?
            .delete(key(&doc.to_string()))
            .await
            .map_err(err)?;
        tx.done().await.map_err(err)?;
        Ok(())
    }

    async fn sync_state(&self, doc: DocumentId) -> AppResult<Option<Vec<u8>>> {
        Ok(self.entry(doc).await?.and_then(|e| e.sync_state))
    }

    async fn set_sync_state(&self, doc: DocumentId, state: Option<&[u8]>) -> AppResult<()> {
        let state = state.map(<[u8]>::to_vec);
        self.update_entry(doc, |e| e.sync_state = state).await
    }

    async fn last_seen(&self, doc: DocumentId) -> AppResult<Vec<ChangeHash>> {
        Ok(self
            .entry(doc)
            .await?
            .map(|e| decode_heads(&e.last_seen))
            .unwrap_or_default())
    }

    async fn set_last_seen(&self, doc: DocumentId, heads: &[ChangeHash]) -> AppResult<()> {
        let heads = encode_heads(heads);
        self.update_entry(doc, |e| e.last_seen = heads).await
    }

    async fn add_refused(&self, edit: &RefusedEdit) -> AppResult<i64> {
        // No shared counter (two tabs would read the same one): the time, and a random tail.
        let tail = (js_sys::Math::random() * 1000.0) as i64;
        let next = edit.at.millis().max(1) * 1000 + tail;
        let stored = StoredRefusal {
            doc: edit.doc,
            kind: edit.kind,
            code: edit.code,
            message: edit.message.clone(),
            at: edit.at.millis(),
            copy: edit.copy.clone(),
            resolved: edit.resolved,
        };
        self.put_json("refused", &format!("{next:012}"), Some(&stored))
            .await?;
        Ok(next)
    }

    async fn refused(&self) -> AppResult<Vec<RefusedEdit>> {
        Ok(self
            .scan_json::<StoredRefusal>("refused")
            .await?
            .into_iter()
            .filter_map(|(k, s)| {
                Some(RefusedEdit {
                    id: k.parse().ok()?,
                    doc: s.doc,
                    kind: s.kind,
                    code: s.code,
                    message: s.message,
                    at: Timestamp(s.at),
                    copy: s.copy,
                    resolved: s.resolved,
                })
            })
            .collect())
    }

    async fn resolve_refused(&self, id: i64) -> AppResult<()> {
        let k = format!("{id:012}");
        if let Some(mut s) = self.get_json::<StoredRefusal>("refused", &k).await? {
            s.resolved = true;
            self.put_json("refused", &k, Some(&s)).await?;
        }
        Ok(())
    }

    async fn dismiss_refused(&self, id: i64) -> AppResult<()> {
        self.put_json::<StoredRefusal>("refused", &format!("{id:012}"), None)
            .await
    }

    async fn clear(&self) -> AppResult<()> {
        let tx = self
            .db
            .transaction(&STORES, TransactionMode::ReadWrite)
            .map_err(err)?;
        for store in STORES {
            tx.store(store).map_err(err)?.clear().await.map_err(err)?;
        }
        tx.done().await.map_err(err)?;
        Ok(())
    }
}
