//! The desktop and mobile store: one SQLite file (WAL, `synchronous=FULL`): an edit is "saved on
//! this device" only once its transaction has committed.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use carecircle_shared::automerge::ChangeHash;
use carecircle_shared::wire::{CircleSummary, MemberInfo};
use carecircle_shared::{CircleId, DocKind, DocumentId, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};

use super::{
    DocWrite, LocalStore, Part, RefusedEdit, SavedSession, decode_heads, encode_heads, members_key,
};
use crate::error::{AppError, AppResult};

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, snapshot BLOB NOT NULL,
    sync_state BLOB, last_seen TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE TABLE IF NOT EXISTS chunks (
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (document_id, seq)
) STRICT;
CREATE TABLE IF NOT EXISTS parts (
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    id TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (document_id, id)
) STRICT;
CREATE TABLE IF NOT EXISTS refused (
    id INTEGER PRIMARY KEY AUTOINCREMENT, document_id TEXT NOT NULL, kind TEXT NOT NULL,
    code TEXT NOT NULL, message TEXT NOT NULL, at INTEGER NOT NULL, copy BLOB NOT NULL,
    resolved INTEGER NOT NULL DEFAULT 0
) STRICT;
"#;

/// How many transactions a store has committed; readable after the store is handed over.
#[derive(Debug, Clone)]
pub struct Commits(Arc<AtomicU64>);

impl Commits {
    /// Commits so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// SQLite-backed local store.
#[derive(Debug)]
pub struct SqliteLocalStore {
    conn: Mutex<Connection>,
    commits: Arc<AtomicU64>,
}

fn err(e: impl std::fmt::Display) -> AppError {
    AppError::Storage(e.to_string())
}

impl SqliteLocalStore {
    /// Opens (creating) the store at `path`.
    pub fn open(path: &Path) -> AppResult<Self> {
        let mut conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(err)?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(AppError::Storage("WAL mode unavailable".into()));
        }
        conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
            .map_err(err)?;
        conn.execute_batch(SCHEMA).map_err(err)?;
        // Every commit is a flush to disk (synchronous=FULL): counted, so tests and the
        // benchmark can see how many a sync costs.
        let commits = Arc::new(AtomicU64::new(0));
        let counter = commits.clone();
        conn.commit_hook(Some(move || {
            counter.fetch_add(1, Ordering::Relaxed);
            false
        }))
        .map_err(err)?;
        let store = Self {
            conn: Mutex::new(conn),
            commits,
        };
        store.with(upgrade_parts)?;
        Ok(store)
    }

    /// A counter of the transactions this store has committed (each one a flush to disk).
    pub fn commits(&self) -> Commits {
        Commits(self.commits.clone())
    }

    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>) -> AppResult<T> {
        let mut conn = self
            .conn
            .lock()
            .map_err(|_| AppError::Storage("store lock poisoned".into()))?;
        f(&mut conn).map_err(err)
    }

    fn get_kv(&self, key: &str) -> AppResult<Option<String>> {
        self.with(|c| {
            c.query_row("SELECT value FROM kv WHERE key = ?1", params![key], |r| {
                r.get(0)
            })
            .optional()
        })
    }

    fn set_kv(&self, key: &str, value: Option<&str>) -> AppResult<()> {
        self.with(|c| match value {
            Some(v) => c
                .execute(
                    "INSERT INTO kv (key, value) VALUES (?1, ?2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    params![key, v],
                )
                .map(|_| ()),
            None => c
                .execute("DELETE FROM kv WHERE key = ?1", params![key])
                .map(|_| ()),
        })
    }
}

/// Moves parts kept the earlier way (a snapshot column, numbered chunks) into `parts`.
fn upgrade_parts(c: &mut Connection) -> rusqlite::Result<()> {
    let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut old: Vec<(String, Part)> = Vec::new();
    for (query, snapshot) in [
        (
            "SELECT id, snapshot FROM documents WHERE length(snapshot) > 0",
            true,
        ),
        (
            "SELECT document_id, data FROM chunks ORDER BY document_id, seq",
            false,
        ),
    ] {
        let mut stmt = tx.prepare(query)?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?;
        for row in rows {
            let (doc, bytes) = row?;
            old.push((doc, Part::new(bytes, snapshot)));
        }
    }
    if old.is_empty() {
        return Ok(());
    }
    for (doc, part) in &old {
        insert_part(&tx, doc, part)?;
    }
    tx.execute("UPDATE documents SET snapshot = x''", [])?;
    tx.execute("DELETE FROM chunks", [])?;
    tx.commit()
}

fn insert_part(tx: &rusqlite::Transaction<'_>, doc: &str, part: &Part) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT OR IGNORE INTO parts (document_id, id, data) VALUES (?1, ?2, ?3)",
        params![doc, part.id, part.bytes],
    )
    .map(|_| ())
}

fn ensure_document(
    tx: &rusqlite::Transaction<'_>,
    doc: &str,
    kind: DocKind,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT OR IGNORE INTO documents (id, kind, snapshot) VALUES (?1, ?2, x'')",
        params![doc, kind.as_str()],
    )
    .map(|_| ())
}

fn json<T: serde::Serialize>(v: &T) -> AppResult<String> {
    serde_json::to_string(v).map_err(err)
}

#[async_trait::async_trait]
impl LocalStore for SqliteLocalStore {
    async fn session(&self) -> AppResult<Option<SavedSession>> {
        self.get_kv("session")?
            .map(|s| serde_json::from_str(&s).map_err(err))
            .transpose()
    }

    async fn set_session(&self, session: Option<&SavedSession>) -> AppResult<()> {
        let value = session.map(json).transpose()?;
        self.set_kv("session", value.as_deref())
    }

    async fn circles(&self) -> AppResult<Vec<CircleSummary>> {
        Ok(self
            .get_kv("circles")?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default())
    }

    async fn set_circles(&self, circles: &[CircleSummary]) -> AppResult<()> {
        self.set_kv("circles", Some(&json(&circles)?))
    }

    async fn members(&self, circle: CircleId) -> AppResult<Vec<MemberInfo>> {
        Ok(self
            .get_kv(&members_key(circle))?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default())
    }

    async fn set_members(&self, circle: CircleId, members: &[MemberInfo]) -> AppResult<()> {
        self.set_kv(&members_key(circle), Some(&json(&members)?))
    }

    async fn documents(&self) -> AppResult<Vec<(DocumentId, DocKind)>> {
        let rows: Vec<(String, String)> = self.with(|c| {
            let mut stmt = c.prepare("SELECT id, kind FROM documents")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, kind)| Some((id.parse().ok()?, kind.parse().ok()?)))
            .collect())
    }

    async fn load(&self, doc: DocumentId) -> AppResult<Option<Vec<Part>>> {
        self.with(|c| {
            let known: Option<i64> = c
                .query_row(
                    "SELECT 1 FROM documents WHERE id = ?1",
                    params![doc.to_string()],
                    |r| r.get(0),
                )
                .optional()?;
            if known.is_none() {
                return Ok(None);
            }
            let mut stmt =
                c.prepare_cached("SELECT id, data FROM parts WHERE document_id = ?1 ORDER BY id")?;
            let parts = stmt.query_map(params![doc.to_string()], |r| {
                Ok(Part {
                    id: r.get(0)?,
                    bytes: r.get(1)?,
                })
            })?;
            parts.collect::<rusqlite::Result<Vec<_>>>().map(Some)
        })
    }

    async fn write(&self, writes: &[DocWrite]) -> AppResult<()> {
        if writes.is_empty() {
            return Ok(());
        }
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            for w in writes {
                let id = w.doc.to_string();
                if let Some((part, covered)) = &w.part {
                    ensure_document(&tx, &id, w.kind)?;
                    insert_part(&tx, &id, part)?;
                    for old in covered.iter().filter(|p| **p != part.id) {
                        tx.execute(
                            "DELETE FROM parts WHERE document_id = ?1 AND id = ?2",
                            params![id, old],
                        )?;
                    }
                }
                if let Some(state) = &w.state {
                    tx.execute(
                        "UPDATE documents SET sync_state = ?2 WHERE id = ?1",
                        params![id, state],
                    )?;
                }
            }
            tx.commit()
        })
    }

    async fn delete(&self, doc: DocumentId) -> AppResult<()> {
        self.with(|c| {
            c.execute(
                "DELETE FROM documents WHERE id = ?1",
                params![doc.to_string()],
            )
            .map(|_| ())
        })
    }

    async fn sync_state(&self, doc: DocumentId) -> AppResult<Option<Vec<u8>>> {
        self.with(|c| {
            c.query_row(
                "SELECT sync_state FROM documents WHERE id = ?1",
                params![doc.to_string()],
                |r| r.get::<_, Option<Vec<u8>>>(0),
            )
            .optional()
            .map(Option::flatten)
        })
    }

    async fn set_sync_state(&self, doc: DocumentId, state: Option<&[u8]>) -> AppResult<()> {
        self.with(|c| {
            c.execute(
                "UPDATE documents SET sync_state = ?2 WHERE id = ?1",
                params![doc.to_string(), state],
            )
            .map(|_| ())
        })
    }

    async fn last_seen(&self, doc: DocumentId) -> AppResult<Vec<ChangeHash>> {
        let s: Option<String> = self.with(|c| {
            c.query_row(
                "SELECT last_seen FROM documents WHERE id = ?1",
                params![doc.to_string()],
                |r| r.get(0),
            )
            .optional()
        })?;
        Ok(s.map(|s| decode_heads(&s)).unwrap_or_default())
    }

    async fn set_last_seen(&self, doc: DocumentId, heads: &[ChangeHash]) -> AppResult<()> {
        self.with(|c| {
            c.execute(
                "UPDATE documents SET last_seen = ?2 WHERE id = ?1",
                params![doc.to_string(), encode_heads(heads)],
            )
            .map(|_| ())
        })
    }

    async fn add_refused(&self, edit: &RefusedEdit) -> AppResult<i64> {
        self.with(|c| {
            c.execute(
                "INSERT INTO refused (document_id, kind, code, message, at, copy, resolved) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    edit.doc.to_string(),
                    edit.kind.as_str(),
                    edit.code.as_str(),
                    edit.message,
                    edit.at.millis(),
                    edit.copy,
                    edit.resolved
                ],
            )?;
            Ok(c.last_insert_rowid())
        })
    }

    async fn refused(&self) -> AppResult<Vec<RefusedEdit>> {
        type Row = (i64, String, String, String, String, i64, Vec<u8>, bool);
        let rows: Vec<Row> = self.with(|c| {
            let mut stmt = c.prepare(
                "SELECT id, document_id, kind, code, message, at, copy, resolved FROM refused ORDER BY id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
            })?;
            rows.collect()
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, doc, kind, code, message, at, copy, resolved)| {
                Some(RefusedEdit {
                    id,
                    doc: doc.parse().ok()?,
                    kind: kind.parse().ok()?,
                    code: code.parse().ok()?,
                    message,
                    at: Timestamp(at),
                    copy,
                    resolved,
                })
            })
            .collect())
    }

    async fn resolve_refused(&self, id: i64) -> AppResult<()> {
        self.with(|c| {
            c.execute("UPDATE refused SET resolved = 1 WHERE id = ?1", params![id])
                .map(|_| ())
        })
    }

    async fn dismiss_refused(&self, id: i64) -> AppResult<()> {
        self.with(|c| {
            c.execute("DELETE FROM refused WHERE id = ?1", params![id])
                .map(|_| ())
        })
    }

    async fn clear(&self) -> AppResult<()> {
        self.with(|c| {
            c.execute_batch(
                "DELETE FROM parts; DELETE FROM chunks; DELETE FROM documents; DELETE FROM refused; DELETE FROM kv;",
            )
        })
    }
}
