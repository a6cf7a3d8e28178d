//! The embedded default store: one SQLite file (WAL, `synchronous=FULL`, foreign keys on), one
//! writer connection, every method one `BEGIN IMMEDIATE` transaction run off the async threads.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use carecircle_shared::automerge::{ActorId, Automerge};
use carecircle_shared::limits::Limits;
use carecircle_shared::policy::{self, CircleAction};
use carecircle_shared::wire::{
    AccessLogEntry, Bytes, CircleDetail, CircleSummary, DeviceInfo, DocRef, ErrorCode, InviteInfo,
    LogAction, MemberInfo, Refusal, SyncChanges, SyncCursor, SyncDoc, SyncDocReply, SyncRequest,
    SyncResponse, WholeDoc,
};
use carecircle_shared::{
    Access, CircleId, DeviceId, DocKind, Document, DocumentId, InviteId, MemberId, Relationship,
    Role, Timestamp,
};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

mod cache;
mod changes;
mod pool;

use self::cache::DocCache;
use self::pool::Pool;
use super::migrations::MIGRATIONS;
use super::{Caller, Credentials, NewDevice, ServerEdit, Store};
use crate::clock::now;
use crate::doc_locks::{DocLocks, carries_changes};
use crate::error::{ApiError, ApiResult};
use crate::exchange::{self, Author, Uploader};

/// Appended change chunks per document before they are folded into a new snapshot.
const CHUNKS_BEFORE_COMPACTION: i64 = 64;
/// Skip the `last_seen_at` write when the previous one is this recent.
const LAST_SEEN_RESOLUTION_MS: i64 = 60_000;

/// Why the store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// SQLite failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A durability setting did not take effect.
    #[error("database setting {0} did not take effect")]
    Pragma(&'static str),
    /// The file was written by a newer server.
    #[error("the database schema (version {0}) is newer than this server understands")]
    TooNew(i64),
    /// A backup's destination already exists (a backup never overwrites anything).
    #[error("{0} already exists; a backup never overwrites a file")]
    Exists(String),
    /// The copy failed its integrity check.
    #[error("the backup copy failed its integrity check: {0}")]
    Corrupt(String),
}

/// Copies the database at `from` to the new file `to` with SQLite's online backup API (one
/// step, so the copy is one consistent snapshot even while a server writes), then checks the
/// copy's integrity. Returns the copy's size in bytes.
pub fn backup(from: &Path, to: &Path) -> Result<u64, OpenError> {
    if to.exists() {
        return Err(OpenError::Exists(to.display().to_string()));
    }
    let source = Connection::open_with_flags(from, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    source.busy_timeout(std::time::Duration::from_secs(10))?;
    let mut copy = Connection::open(to)?;
    {
        let backup = rusqlite::backup::Backup::new(&source, &mut copy)?;
        backup.step(-1)?;
    }
    let check: String = copy.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(OpenError::Corrupt(check));
    }
    drop(copy);
    Ok(std::fs::metadata(to).map(|m| m.len()).unwrap_or(0))
}

/// The SQLite store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: Arc<Pool>,
    docs: Arc<DocCache>,
    writing: Arc<DocLocks>,
    server_actor: ActorId,
}

fn db(e: rusqlite::Error) -> ApiError {
    ApiError::internal(e)
}

impl SqliteStore {
    /// How many documents syncs have loaded (from the cache or the database) since it opened.
    pub fn documents_loaded(&self) -> u64 {
        self.docs.loads()
    }
}

/// Read connections a store opens by default.
pub const DEFAULT_READERS: usize = 8;
/// Estimated memory the cache of loaded documents may hold by default.
pub const DEFAULT_DOC_CACHE_BYTES: usize = 64 * 1024 * 1024;

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`, applies pragmas and migrations.
    pub fn open(path: &Path) -> Result<Self, OpenError> {
        Self::open_with_readers(path, DEFAULT_READERS)
    }

    /// Like [`open`](Self::open), with at most `readers` read connections.
    pub fn open_with_readers(path: &Path, readers: usize) -> Result<Self, OpenError> {
        Self::open_with(path, readers, DEFAULT_DOC_CACHE_BYTES)
    }

    /// Like [`open`](Self::open), with at most `readers` read connections and about
    /// `cache_bytes` of memory for recently used documents (0: none kept).
    pub fn open_with(path: &Path, readers: usize, cache_bytes: usize) -> Result<Self, OpenError> {
        let mut conn = Connection::open(path)?;
        pool::configure(&conn)?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(OpenError::Pragma("journal_mode=WAL"));
        }
        conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")?;
        let sync: i64 = conn.query_row("PRAGMA synchronous", [], |r| r.get(0))?;
        if sync != 2 {
            return Err(OpenError::Pragma("synchronous=FULL"));
        }
        let fk: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
        if fk != 1 {
            return Err(OpenError::Pragma("foreign_keys=ON"));
        }
        migrate(&mut conn)?;
        let server_actor = server_actor(&conn)?;
        Ok(Self {
            pool: Arc::new(Pool::new(conn, path, readers)),
            docs: Arc::new(DocCache::new(cache_bytes)),
            writing: Arc::default(),
            server_actor,
        })
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction on the writer; commits on `Ok`.
    async fn tx<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> ApiResult<T> + Send + 'static,
    {
        self.pool.write(f).await
    }

    /// Runs `f` in one read transaction on a reader, never waiting for the writer.
    async fn read<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> ApiResult<T> + Send + 'static,
    {
        self.pool.read(f).await
    }
}

fn migrate(conn: &mut Connection) -> Result<(), OpenError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(OpenError::TooNew(version));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

fn server_actor(conn: &Connection) -> Result<ActorId, OpenError> {
    let existing: Option<Vec<u8>> = conn
        .query_row(
            "SELECT value FROM server_meta WHERE key = 'actor'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(bytes) = existing {
        return Ok(ActorId::from(bytes));
    }
    let actor = ActorId::random();
    conn.execute(
        "INSERT INTO server_meta (key, value) VALUES ('actor', ?1)",
        params![actor.to_bytes()],
    )?;
    Ok(actor)
}

/// A member's standing in one circle.
#[derive(Debug, Clone)]
struct Membership {
    role: Role,
    revoked: bool,
    /// When the membership was revoked (milliseconds), if it was.
    revoked_at: Option<i64>,
}

fn parse<T: std::str::FromStr>(s: &str) -> ApiResult<T> {
    s.parse()
        .map_err(|_| ApiError::internal("unreadable value in the database"))
}

fn membership(
    tx: &Transaction<'_>,
    circle: CircleId,
    member: MemberId,
) -> ApiResult<Option<Membership>> {
    tx.query_row(
        "SELECT role, revoked_at FROM memberships WHERE circle_id = ?1 AND account_id = ?2",
        params![circle.to_string(), member.to_string()],
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?)),
    )
    .optional()
    .map_err(db)?
    .map(|(role, revoked_at)| {
        Ok(Membership {
            role: parse(&role)?,
            revoked: revoked_at.is_some(),
            revoked_at,
        })
    })
    .transpose()
}

fn circle_exists(tx: &Transaction<'_>, circle: CircleId) -> ApiResult<bool> {
    tx.query_row(
        "SELECT 1 FROM circles WHERE id = ?1",
        params![circle.to_string()],
        |_| Ok(()),
    )
    .optional()
    .map(|o| o.is_some())
    .map_err(db)
}

/// The caller's active membership, or the error a non-member gets.
fn require_member(
    tx: &Transaction<'_>,
    caller: &Caller,
    circle: CircleId,
) -> ApiResult<Membership> {
    match membership(tx, circle, caller.member)? {
        Some(m) if !m.revoked => Ok(m),
        Some(_) => Err(ApiError::new(
            ErrorCode::Revoked,
            "your membership of this circle was revoked",
        )),
        None if circle_exists(tx, circle)? => {
            Err(ApiError::forbidden("you are not a member of this circle"))
        }
        None => Err(ApiError::not_found("circle")),
    }
}

fn require_action(m: &Membership, action: CircleAction) -> ApiResult<()> {
    if policy::may(m.role, action) {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "a {} may not {}",
            m.role.label().to_lowercase(),
            action.as_str().replace('_', " ")
        )))
    }
}

fn access_map(
    tx: &Transaction<'_>,
    circle: CircleId,
    member: MemberId,
) -> ApiResult<BTreeMap<DocKind, Access>> {
    let mut stmt = tx
        .prepare_cached(
            "SELECT kind, access FROM member_access WHERE circle_id = ?1 AND account_id = ?2",
        )
        .map_err(db)?;
    let rows = stmt
        .query_map(params![circle.to_string(), member.to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .map_err(db)?;
    let mut out: BTreeMap<DocKind, Access> =
        DocKind::ALL.iter().map(|k| (*k, Access::None)).collect();
    for row in rows {
        let (kind, access) = row.map_err(db)?;
        out.insert(parse(&kind)?, parse(&access)?);
    }
    Ok(out)
}

fn set_default_access(
    tx: &Transaction<'_>,
    circle: CircleId,
    member: MemberId,
    role: Role,
) -> ApiResult<()> {
    for kind in DocKind::ALL {
        tx.execute(
            "INSERT INTO member_access (circle_id, account_id, kind, access) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (circle_id, account_id, kind) DO UPDATE SET access = excluded.access",
            params![
                circle.to_string(),
                member.to_string(),
                kind.as_str(),
                policy::default_access(role, *kind).as_str()
            ],
        )
        .map_err(db)?;
    }
    Ok(())
}

/// The member's circles, oldest membership first.
fn circles_of(tx: &Transaction<'_>, member: MemberId) -> ApiResult<Vec<CircleSummary>> {
    let mut stmt = tx
        .prepare_cached(
            "SELECT circle_id, role FROM memberships WHERE account_id = ?1 AND revoked_at IS NULL
             ORDER BY joined_at",
        )
        .map_err(db)?;
    let rows: Vec<(String, String)> = stmt
        .query_map(params![member.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(db)?
        .collect::<Result<_, _>>()
        .map_err(db)?;
    rows.into_iter()
        .map(|(c, r)| summary(tx, parse(&c)?, member, parse(&r)?))
        .collect()
}

/// A whole document to send: its id, circle and kind (re-checked at the write), and bytes.
type Whole = (DocumentId, CircleId, DocKind, Vec<u8>);

/// Whole documents for a device with nothing yet: the first of `changes.docs` that fit one
/// answer (at most `max_docs_per_sync`, about `max_request_bytes` in all) move out of the list.
fn whole_docs(
    tx: &Transaction<'_>,
    cache: &DocCache,
    changes: &mut SyncChanges,
    limits: &Limits,
) -> ApiResult<Vec<Whole>> {
    let mut whole = Vec::new();
    let mut budget = limits.max_request_bytes;
    let mut rest = Vec::new();
    for id in std::mem::take(&mut changes.docs) {
        if whole.len() == limits.max_docs_per_sync || budget == 0 {
            rest.push(id);
            continue;
        }
        let Some(stored) = load_doc_cached(tx, cache, id)? else {
            continue;
        };
        let bytes = stored.doc.save();
        // Base64 in JSON: four characters for three bytes.
        let cost = bytes.len() / 3 * 4 + 64;
        if cost > budget {
            budget = 0;
            rest.push(id);
            continue;
        }
        budget -= cost;
        whole.push((id, stored.circle, stored.kind, bytes));
    }
    changes.docs = rest;
    Ok(whole)
}

fn summary(
    tx: &Transaction<'_>,
    circle: CircleId,
    member: MemberId,
    role: Role,
) -> ApiResult<CircleSummary> {
    let name: String = tx
        .query_row(
            "SELECT name FROM circles WHERE id = ?1",
            params![circle.to_string()],
            |r| r.get(0),
        )
        .map_err(db)?;
    let access = access_map(tx, circle, member)?;
    let mut stmt = tx
        .prepare_cached("SELECT id, kind FROM documents WHERE circle_id = ?1")
        .map_err(db)?;
    let rows = stmt
        .query_map(params![circle.to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .map_err(db)?;
    let mut documents = Vec::new();
    for row in rows {
        let (id, kind) = row.map_err(db)?;
        let kind: DocKind = parse(&kind)?;
        let a = access.get(&kind).copied().unwrap_or(Access::None);
        if a.can_read() {
            documents.push(DocRef {
                id: parse(&id)?,
                kind,
                access: a,
            });
        }
    }
    documents.sort_by_key(|d| DocKind::ALL.iter().position(|k| *k == d.kind));
    Ok(CircleSummary {
        id: circle,
        name,
        role,
        documents,
    })
}

struct LogRow<'a> {
    circle: CircleId,
    member: MemberId,
    device: Option<DeviceId>,
    action: LogAction,
    kind: Option<DocKind>,
    subject: Option<MemberId>,
    detail: &'a str,
}

fn log(tx: &Transaction<'_>, row: LogRow<'_>) -> ApiResult<()> {
    tx.prepare_cached(
        "INSERT INTO access_log (circle_id, at, account_id, device_id, action, kind, subject, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .map_err(db)?
    .execute(params![
        row.circle.to_string(),
        now().millis(),
        row.member.to_string(),
        row.device.map(|d| d.to_string()),
        row.action.as_str(),
        row.kind.map(|k| k.as_str()),
        row.subject.map(|s| s.to_string()),
        row.detail,
    ])
    .map_err(db)?;
    Ok(())
}

/// Cancels every outstanding invite `creator` made in `circle` (they were removed or left),
/// logging each as done by `by`.
fn cancel_invites_of(
    tx: &Transaction<'_>,
    circle: CircleId,
    creator: MemberId,
    by: &Caller,
) -> ApiResult<()> {
    let at = now().millis();
    let roles: Vec<String> = tx
        .prepare_cached(
            "UPDATE invites SET cancelled_at = ?3
             WHERE circle_id = ?1 AND created_by = ?2 AND used_at IS NULL AND cancelled_at IS NULL
               AND expires_at > ?3
             RETURNING role",
        )
        .map_err(db)?
        .query_map(params![circle.to_string(), creator.to_string(), at], |r| {
            r.get(0)
        })
        .map_err(db)?
        .collect::<Result<_, _>>()
        .map_err(db)?;
    for role in roles {
        log(
            tx,
            LogRow {
                circle,
                member: by.member,
                device: Some(by.device),
                action: LogAction::CancelInvite,
                kind: None,
                subject: Some(creator),
                detail: &role,
            },
        )?;
    }
    Ok(())
}

/// Forgets the sync states of a member's devices for a circle's documents (after their access
/// was withdrawn), so a later re-grant starts a clean exchange.
fn forget_sync_states(
    tx: &Transaction<'_>,
    circle: CircleId,
    member: MemberId,
    kind: Option<DocKind>,
) -> ApiResult<()> {
    tx.execute(
        "DELETE FROM sync_states
         WHERE device_id IN (SELECT id FROM devices WHERE account_id = ?2)
           AND document_id IN (SELECT id FROM documents WHERE circle_id = ?1 AND (?3 IS NULL OR kind = ?3))",
        params![circle.to_string(), member.to_string(), kind.map(|k| k.as_str())],
    )
    .map_err(db)?;
    Ok(())
}

/// A document as stored: its circle, kind, content and stored size.
#[derive(Clone)]
struct StoredDoc {
    circle: CircleId,
    kind: DocKind,
    /// Shared with the cache: a sync that only reads never copies it.
    doc: Arc<Document>,
    bytes: usize,
    chunks: i64,
    /// Bumped by every append; tells a writer whether the document changed since it was loaded.
    version: i64,
}

/// A document from the cache when it holds the current version, else from the database.
fn load_doc_cached(
    tx: &Transaction<'_>,
    cache: &DocCache,
    id: DocumentId,
) -> ApiResult<Option<StoredDoc>> {
    let version: Option<i64> = tx
        .prepare_cached("SELECT version FROM documents WHERE id = ?1")
        .map_err(db)?
        .query_row(params![id.to_string()], |r| r.get(0))
        .optional()
        .map_err(db)?;
    let Some(version) = version else {
        return Ok(None);
    };
    cache.note_load();
    if let Some(stored) = cache.get(id, version) {
        return Ok(Some(stored));
    }
    load_doc(tx, id)
}

fn load_doc(tx: &Transaction<'_>, id: DocumentId) -> ApiResult<Option<StoredDoc>> {
    let Some((circle, kind, snapshot, version)) = tx
        .prepare_cached("SELECT circle_id, kind, snapshot, version FROM documents WHERE id = ?1")
        .map_err(db)?
        .query_row(params![id.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Vec<u8>>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })
        .optional()
        .map_err(db)?
    else {
        return Ok(None);
    };
    let corrupt = |_| ApiError::internal("a stored document could not be loaded");
    let mut doc = Automerge::load(&snapshot).map_err(corrupt)?;
    let mut bytes = snapshot.len();
    let mut chunks = 0;
    let mut stmt = tx
        .prepare_cached("SELECT data FROM document_chunks WHERE document_id = ?1 ORDER BY seq")
        .map_err(db)?;
    let rows = stmt
        .query_map(params![id.to_string()], |r| r.get::<_, Vec<u8>>(0))
        .map_err(db)?;
    for row in rows {
        let chunk = row.map_err(db)?;
        doc.load_incremental(&chunk).map_err(corrupt)?;
        bytes += chunk.len();
        chunks += 1;
    }
    let kind: DocKind = parse(&kind)?;
    Ok(Some(StoredDoc {
        circle: parse(&circle)?,
        kind,
        doc: Arc::new(Document::from_automerge(kind, doc)),
        bytes,
        chunks,
        version,
    }))
}

/// Appends a change chunk. Once there are enough chunks they are folded into a new snapshot,
/// but only from a copy that is still current: a document another request changed since
/// `stored` was loaded just gets the chunk (chunks commute; the next append compacts).
fn append_chunk(
    tx: &Transaction<'_>,
    id: DocumentId,
    stored: &mut StoredDoc,
    chunk: &[u8],
) -> ApiResult<bool> {
    let at = now().millis();
    let current: i64 = tx
        .prepare_cached("SELECT version FROM documents WHERE id = ?1")
        .map_err(db)?
        .query_row(params![id.to_string()], |r| r.get(0))
        .map_err(db)?;
    let fresh = current == stored.version;
    if fresh && stored.chunks + 1 >= CHUNKS_BEFORE_COMPACTION {
        tx.execute(
            "DELETE FROM document_chunks WHERE document_id = ?1",
            params![id.to_string()],
        )
        .map_err(db)?;
        let snapshot = stored.doc.save();
        tx.execute(
            "UPDATE documents SET snapshot = ?2, updated_at = ?3, version = version + 1,
                 changed_seq = ?4 WHERE id = ?1",
            params![id.to_string(), snapshot, at, changes::next(tx)?],
        )
        .map_err(db)?;
        stored.chunks = 0;
        stored.bytes = snapshot.len();
    } else {
        tx.prepare_cached(
            "INSERT INTO document_chunks (document_id, seq, data)
             VALUES (?1, COALESCE((SELECT MAX(seq) FROM document_chunks WHERE document_id = ?1), 0) + 1, ?2)",
        )
        .map_err(db)?
        .execute(params![id.to_string(), chunk])
        .map_err(db)?;
        tx.prepare_cached(
            "UPDATE documents SET updated_at = ?2, version = version + 1, changed_seq = ?3
             WHERE id = ?1",
        )
        .map_err(db)?
        .execute(params![id.to_string(), at, changes::next(tx)?])
        .map_err(db)?;
        stored.chunks += 1;
        stored.bytes += chunk.len();
    }
    // `stored` now matches the database only if nobody else appended since it was loaded.
    stored.version = current + 1;
    Ok(fresh)
}

fn device_actors(tx: &Transaction<'_>, device: DeviceId) -> ApiResult<HashSet<String>> {
    let mut stmt = tx
        .prepare_cached("SELECT actor FROM device_actors WHERE device_id = ?1")
        .map_err(db)?;
    let rows = stmt
        .query_map(params![device.to_string()], |r| r.get::<_, String>(0))
        .map_err(db)?;
    rows.collect::<Result<_, _>>().map_err(db)
}

fn insert_actor(tx: &Transaction<'_>, device: DeviceId, actor: &ActorId) -> ApiResult<()> {
    let hex = actor.to_hex_string();
    let owner: Option<String> = tx
        .query_row(
            "SELECT device_id FROM device_actors WHERE actor = ?1",
            params![hex],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)?;
    match owner {
        Some(d) if d == device.to_string() => Ok(()),
        Some(_) => Err(ApiError::bad_request(
            "this actor id is already registered to another device",
        )),
        None => tx
            .execute(
                "INSERT INTO device_actors (actor, device_id, created_at) VALUES (?1, ?2, ?3)",
                params![hex, device.to_string(), now().millis()],
            )
            .map(|_| ())
            .map_err(db),
    }
}

fn refusal(code: ErrorCode, message: &str) -> Option<Refusal> {
    Some(Refusal {
        code,
        message: message.into(),
    })
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> ApiResult<()> {
        self.read(|tx| tx.query_row("SELECT 1", [], |_| Ok(())).map_err(db))
            .await
    }

    async fn create_account(
        &self,
        username: &str,
        display_name: &str,
        password_hash: &str,
    ) -> ApiResult<MemberId> {
        let (username, display_name, hash) = (
            username.to_lowercase(),
            display_name.to_string(),
            password_hash.to_string(),
        );
        self.tx(move |tx| {
            let taken = tx
                .query_row("SELECT 1 FROM accounts WHERE username = ?1", params![username], |_| Ok(()))
                .optional()
                .map_err(db)?
                .is_some();
            if taken {
                return Err(ApiError::new(ErrorCode::UsernameTaken, "that username is taken"));
            }
            let id = MemberId::random();
            tx.execute(
                "INSERT INTO accounts (id, username, display_name, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id.to_string(), username, display_name, hash, now().millis()],
            )
            .map_err(db)?;
            Ok(id)
        })
        .await
    }

    async fn credentials(&self, username: &str) -> ApiResult<Option<Credentials>> {
        let username = username.to_lowercase();
        self.read(move |tx| {
            tx.query_row(
                "SELECT id, display_name, password_hash FROM accounts WHERE username = ?1",
                params![username],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                },
            )
            .optional()
            .map_err(db)?
            .map(|(id, display_name, password_hash)| {
                Ok(Credentials {
                    member: parse(&id)?,
                    display_name,
                    password_hash,
                })
            })
            .transpose()
        })
        .await
    }

    async fn create_device(&self, device: NewDevice) -> ApiResult<DeviceId> {
        self.tx(move |tx| {
            let id = DeviceId::random();
            let at = now().millis();
            tx.execute(
                "INSERT INTO devices (id, account_id, name, token_hash, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                params![id.to_string(), device.member.to_string(), device.name, device.token_hash, at],
            )
            .map_err(db)?;
            insert_actor(tx, id, &device.actor)?;
            Ok(id)
        })
        .await
    }

    async fn authenticate(&self, token_hash: &str, idle_cutoff: Timestamp) -> ApiResult<Caller> {
        let token_hash = token_hash.to_string();
        let row = self
            .read(move |tx| {
                tx.prepare_cached(
                    "SELECT d.id, d.account_id, a.display_name, d.last_seen_at FROM devices d
                     JOIN accounts a ON a.id = d.account_id
                     WHERE d.token_hash = ?1 AND d.revoked_at IS NULL",
                )
                .map_err(db)?
                .query_row(params![token_hash], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                    ))
                })
                .optional()
                .map_err(db)
            })
            .await?;
        let Some((device, member, display_name, last_seen)) = row else {
            return Err(ApiError::unauthorized());
        };
        let at = now().millis();
        let expired = last_seen < idle_cutoff.millis();
        // Recorded at most once a minute, and often enough that a token in use never looks
        // idle; an expired token is signed out for good.
        let resolution = LAST_SEEN_RESOLUTION_MS.min((at - idle_cutoff.millis()) / 4);
        if expired || at - last_seen > resolution {
            let column = if expired {
                "revoked_at"
            } else {
                "last_seen_at"
            };
            let id = device.clone();
            self.tx(move |tx| {
                tx.execute(
                    &format!("UPDATE devices SET {column} = ?2 WHERE id = ?1"),
                    params![id, at],
                )
                .map(|_| ())
                .map_err(db)
            })
            .await?;
        }
        if expired {
            return Err(ApiError::new(
                ErrorCode::Unauthorized,
                "this sign-in expired after a long time unused; sign in again",
            ));
        }
        Ok(Caller {
            member: parse(&member)?,
            device: parse(&device)?,
            display_name,
        })
    }

    async fn sign_out(&self, caller: &Caller) -> ApiResult<()> {
        let device = caller.device;
        self.tx(move |tx| {
            tx.execute(
                "UPDATE devices SET revoked_at = ?2 WHERE id = ?1",
                params![device.to_string(), now().millis()],
            )
            .map(|_| ())
            .map_err(db)
        })
        .await
    }

    async fn list_devices(&self, caller: &Caller) -> ApiResult<Vec<DeviceInfo>> {
        let caller = caller.clone();
        self.read(move |tx| {
            let mut stmt = tx
                .prepare("SELECT id, name, created_at, last_seen_at FROM devices WHERE account_id = ?1 AND revoked_at IS NULL ORDER BY created_at")
                .map_err(db)?;
            let rows = stmt
                .query_map(params![caller.member.to_string()], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, i64>(3)?))
                })
                .map_err(db)?;
            let mut out = Vec::new();
            for row in rows {
                let (id, name, created, seen) = row.map_err(db)?;
                let id: DeviceId = parse(&id)?;
                out.push(DeviceInfo { id, name, created_at: Timestamp(created), last_seen_at: Timestamp(seen), current: id == caller.device });
            }
            Ok(out)
        })
        .await
    }

    async fn revoke_device(&self, caller: &Caller, device: DeviceId) -> ApiResult<()> {
        let member = caller.member;
        self.tx(move |tx| {
            let n = tx
                .execute(
                    "UPDATE devices SET revoked_at = ?3 WHERE id = ?1 AND account_id = ?2 AND revoked_at IS NULL",
                    params![device.to_string(), member.to_string(), now().millis()],
                )
                .map_err(db)?;
            if n == 0 {
                return Err(ApiError::not_found("device"));
            }
            Ok(())
        })
        .await
    }

    async fn register_actor(&self, caller: &Caller, actor: ActorId) -> ApiResult<()> {
        let device = caller.device;
        self.tx(move |tx| insert_actor(tx, device, &actor)).await
    }

    async fn create_circle(
        &self,
        caller: &Caller,
        name: &str,
        role: Role,
    ) -> ApiResult<CircleSummary> {
        let (caller, name, actor) = (caller.clone(), name.to_string(), self.server_actor.clone());
        self.tx(move |tx| {
            if !policy::CIRCLE_CREATORS.contains(&role) {
                return Err(ApiError::forbidden("a circle is created by its consumer or a case manager"));
            }
            let circle = CircleId::random();
            let at = now();
            tx.execute(
                "INSERT INTO circles (id, name, created_by, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![circle.to_string(), name, caller.member.to_string(), at.millis()],
            )
            .map_err(db)?;
            tx.execute(
                "INSERT INTO memberships (circle_id, account_id, role, joined_at) VALUES (?1, ?2, ?3, ?4)",
                params![circle.to_string(), caller.member.to_string(), role.as_str(), at.millis()],
            )
            .map_err(db)?;
            set_default_access(tx, circle, caller.member, role)?;
            for kind in DocKind::ALL {
                let doc = Document::create(*kind, actor.clone(), caller.member, at);
                tx.execute(
                    "INSERT INTO documents (id, circle_id, kind, snapshot, updated_at, changed_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![DocumentId::random().to_string(), circle.to_string(), kind.as_str(), doc.save(), at.millis(), changes::next(tx)?],
                )
                .map_err(db)?;
            }
            log(tx, LogRow { circle, member: caller.member, device: Some(caller.device), action: LogAction::CreateCircle, kind: None, subject: None, detail: role.as_str() })?;
            summary(tx, circle, caller.member, role)
        })
        .await
    }

    async fn list_circles(&self, caller: &Caller) -> ApiResult<Vec<CircleSummary>> {
        let member = caller.member;
        self.read(move |tx| circles_of(tx, member)).await
    }

    async fn circle_detail(&self, caller: &Caller, circle: CircleId) -> ApiResult<CircleDetail> {
        let caller = caller.clone();
        self.read(move |tx| {
            let me = require_member(tx, &caller, circle)?;
            require_action(&me, CircleAction::ListMembers)?;
            let circle_summary = summary(tx, circle, caller.member, me.role)?;
            let mut stmt = tx
                .prepare(
                    "SELECT m.account_id, a.display_name, m.role, m.relationship, m.joined_at FROM memberships m
                     JOIN accounts a ON a.id = m.account_id
                     WHERE m.circle_id = ?1 AND m.revoked_at IS NULL ORDER BY m.joined_at",
                )
                .map_err(db)?;
            let rows: Vec<(String, String, String, Option<String>, i64)> = stmt
                .query_map(params![circle.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
                .map_err(db)?
                .collect::<Result<_, _>>()
                .map_err(db)?;
            let members = rows
                .into_iter()
                .map(|(id, display_name, role, relationship, joined)| {
                    let member: MemberId = parse(&id)?;
                    Ok(MemberInfo {
                        member,
                        display_name,
                        role: parse(&role)?,
                        relationship: relationship.map(|r| parse(&r)).transpose()?,
                        access: access_map(tx, circle, member)?,
                        joined_at: Timestamp(joined),
                    })
                })
                .collect::<ApiResult<_>>()?;
            Ok(CircleDetail { circle: circle_summary, members })
        })
        .await
    }

    async fn create_invite(
        &self,
        caller: &Caller,
        circle: CircleId,
        role: Role,
        code_hash: &str,
        expires_at: Timestamp,
    ) -> ApiResult<InviteId> {
        let (caller, code_hash) = (caller.clone(), code_hash.to_string());
        self.tx(move |tx| {
            let me = require_member(tx, &caller, circle)?;
            require_action(&me, policy::invite_action(role))?;
            if role == Role::Consumer && has_consumer(tx, circle)? {
                return Err(ApiError::new(ErrorCode::CircleHasConsumer, "this circle already has its consumer"));
            }
            let id = InviteId::random();
            tx.execute(
                "INSERT INTO invites (id, circle_id, code_hash, role, created_by, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![id.to_string(), circle.to_string(), code_hash, role.as_str(), caller.member.to_string(), now().millis(), expires_at.millis()],
            )
            .map_err(db)?;
            log(tx, LogRow { circle, member: caller.member, device: Some(caller.device), action: LogAction::CreateInvite, kind: None, subject: None, detail: role.as_str() })?;
            Ok(id)
        })
        .await
    }

    async fn list_invites(&self, caller: &Caller, circle: CircleId) -> ApiResult<Vec<InviteInfo>> {
        let caller = caller.clone();
        self.read(move |tx| {
            let me = require_member(tx, &caller, circle)?;
            let all = policy::may(me.role, CircleAction::ManageInvites);
            let mut stmt = tx
                .prepare_cached(
                    "SELECT id, role, created_by, created_at, expires_at FROM invites
                     WHERE circle_id = ?1 AND used_at IS NULL AND cancelled_at IS NULL AND expires_at > ?2
                       AND (?3 OR created_by = ?4)
                     ORDER BY created_at",
                )
                .map_err(db)?;
            type Row = (String, String, String, i64, i64);
            let rows: Vec<Row> = stmt
                .query_map(
                    params![circle.to_string(), now().millis(), all, caller.member.to_string()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .map_err(db)?
                .collect::<Result<_, _>>()
                .map_err(db)?;
            rows.into_iter()
                .map(|(id, role, by, created, expires)| {
                    Ok(InviteInfo {
                        id: parse(&id)?,
                        role: parse(&role)?,
                        created_by: parse(&by)?,
                        created_at: Timestamp(created),
                        expires_at: Timestamp(expires),
                    })
                })
                .collect()
        })
        .await
    }

    async fn cancel_invite(
        &self,
        caller: &Caller,
        circle: CircleId,
        invite: InviteId,
    ) -> ApiResult<()> {
        let caller = caller.clone();
        self.tx(move |tx| {
            let me = require_member(tx, &caller, circle)?;
            let row: Option<(String, String, bool, bool)> = tx
                .query_row(
                    "SELECT role, created_by, used_at IS NOT NULL, cancelled_at IS NOT NULL FROM invites
                     WHERE id = ?1 AND circle_id = ?2",
                    params![invite.to_string(), circle.to_string()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()
                .map_err(db)?;
            let Some((role, creator, used, cancelled)) = row else {
                return Err(ApiError::not_found("invite"));
            };
            let creator: MemberId = parse(&creator)?;
            if !policy::may_manage_invite(me.role, creator == caller.member) {
                return Err(ApiError::forbidden("only the consumer or the invite's creator may cancel it"));
            }
            if used {
                return Err(ApiError::new(ErrorCode::InviteUsed, "that invite has already been used"));
            }
            if cancelled {
                // A second tap on "cancel": already done.
                return Ok(());
            }
            tx.execute(
                "UPDATE invites SET cancelled_at = ?2 WHERE id = ?1",
                params![invite.to_string(), now().millis()],
            )
            .map_err(db)?;
            log(tx, LogRow { circle, member: caller.member, device: Some(caller.device), action: LogAction::CancelInvite, kind: None, subject: Some(creator), detail: &role })
        })
        .await
    }

    async fn accept_invite(
        &self,
        caller: &Caller,
        code_hash: &str,
        relationship: Option<Relationship>,
    ) -> ApiResult<CircleSummary> {
        let (caller, code_hash) = (caller.clone(), code_hash.to_string());
        self.tx(move |tx| {
            type InviteRow = (String, String, String, String, i64, i64, bool, bool);
            let invite: Option<InviteRow> = tx
                .query_row(
                    "SELECT id, circle_id, role, created_by, created_at, expires_at, used_at IS NOT NULL,
                            cancelled_at IS NOT NULL
                     FROM invites WHERE code_hash = ?1",
                    params![code_hash],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)),
                )
                .optional()
                .map_err(db)?;
            let Some((invite, circle, role, creator, created_at, expires_at, used, cancelled)) = invite else {
                return Err(ApiError::new(ErrorCode::InviteInvalid, "that invite code is not known; check it and try again"));
            };
            if used {
                return Err(ApiError::new(ErrorCode::InviteUsed, "that invite has already been used"));
            }
            let no_longer = || {
                ApiError::new(ErrorCode::InviteCancelled, "that invite was cancelled; ask for a new one")
            };
            if cancelled {
                return Err(no_longer());
            }
            let at = now();
            if at.millis() >= expires_at {
                return Err(ApiError::new(ErrorCode::InviteExpired, "that invite has expired; ask for a new one"));
            }
            let (circle, role, creator): (CircleId, Role, MemberId) = (parse(&circle)?, parse(&role)?, parse(&creator)?);
            // The invite speaks for its creator: it works only while they may still invite.
            let creator_may = membership(tx, circle, creator)?
                .is_some_and(|m| !m.revoked && policy::may_invite(m.role, role));
            if !creator_may {
                return Err(no_longer());
            }
            let existing = membership(tx, circle, caller.member)?;
            if existing.as_ref().is_some_and(|m| !m.revoked) {
                return Err(ApiError::new(ErrorCode::AlreadyMember, "you already belong to this circle"));
            }
            if existing.and_then(|m| m.revoked_at).is_some_and(|revoked| revoked >= created_at) {
                return Err(ApiError::new(
                    ErrorCode::Revoked,
                    "you were removed from this circle after this invite was made; only a newer invite lets you back in",
                ));
            }
            if role == Role::Consumer && has_consumer(tx, circle)? {
                return Err(ApiError::new(ErrorCode::CircleHasConsumer, "this circle already has its consumer"));
            }
            let relationship = if role == Role::Carer { relationship.map(|r| r.as_str()) } else { None };
            tx.execute(
                "INSERT INTO memberships (circle_id, account_id, role, relationship, joined_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (circle_id, account_id) DO UPDATE SET role = excluded.role, relationship = excluded.relationship,
                     joined_at = excluded.joined_at, revoked_at = NULL",
                params![circle.to_string(), caller.member.to_string(), role.as_str(), relationship, at.millis()],
            )
            .map_err(db)?;
            set_default_access(tx, circle, caller.member, role)?;
            tx.execute(
                "UPDATE invites SET used_at = ?2, used_by = ?3 WHERE id = ?1",
                params![invite, at.millis(), caller.member.to_string()],
            )
            .map_err(db)?;
            log(tx, LogRow { circle, member: caller.member, device: Some(caller.device), action: LogAction::Join, kind: None, subject: None, detail: role.as_str() })?;
            summary(tx, circle, caller.member, role)
        })
        .await
    }

    async fn set_access(
        &self,
        caller: &Caller,
        circle: CircleId,
        member: MemberId,
        kind: DocKind,
        access: Access,
    ) -> ApiResult<()> {
        let caller = caller.clone();
        self.tx(move |tx| {
            let me = require_member(tx, &caller, circle)?;
            require_action(&me, CircleAction::ChangeAccess)?;
            let target = match membership(tx, circle, member)? {
                Some(m) if !m.revoked => m,
                _ => return Err(ApiError::not_found("member")),
            };
            if !policy::access_can_change(target.role) {
                return Err(ApiError::forbidden("the consumer's own access cannot be changed"));
            }
            tx.execute(
                "UPDATE member_access SET access = ?4 WHERE circle_id = ?1 AND account_id = ?2 AND kind = ?3",
                params![circle.to_string(), member.to_string(), kind.as_str(), access.as_str()],
            )
            .map_err(db)?;
            if access == Access::None {
                forget_sync_states(tx, circle, member, Some(kind))?;
            }
            let detail = format!("{kind}: {access}");
            log(tx, LogRow { circle, member: caller.member, device: Some(caller.device), action: LogAction::ChangeAccess, kind: Some(kind), subject: Some(member), detail: &detail })
        })
        .await
    }

    async fn remove_member(
        &self,
        caller: &Caller,
        circle: CircleId,
        member: MemberId,
    ) -> ApiResult<()> {
        let caller = caller.clone();
        self.tx(move |tx| {
            let me = require_member(tx, &caller, circle)?;
            let leaving = member == caller.member;
            require_action(
                &me,
                if leaving {
                    CircleAction::Leave
                } else {
                    CircleAction::RevokeMember
                },
            )?;
            if !leaving && membership(tx, circle, member)?.is_none_or(|m| m.revoked) {
                return Err(ApiError::not_found("member"));
            }
            tx.execute(
                "UPDATE memberships SET revoked_at = ?3 WHERE circle_id = ?1 AND account_id = ?2",
                params![circle.to_string(), member.to_string(), now().millis()],
            )
            .map_err(db)?;
            forget_sync_states(tx, circle, member, None)?;
            cancel_invites_of(tx, circle, member, &caller)?;
            let action = if leaving {
                LogAction::Leave
            } else {
                LogAction::Revoke
            };
            log(
                tx,
                LogRow {
                    circle,
                    member: caller.member,
                    device: Some(caller.device),
                    action,
                    kind: None,
                    subject: Some(member),
                    detail: "",
                },
            )
        })
        .await
    }

    async fn access_log(
        &self,
        caller: &Caller,
        circle: CircleId,
        before: Option<i64>,
        limit: usize,
    ) -> ApiResult<Vec<AccessLogEntry>> {
        let caller = caller.clone();
        self.read(move |tx| {
            let me = require_member(tx, &caller, circle)?;
            require_action(&me, CircleAction::ReadAccessLog)?;
            let mut stmt = tx
                .prepare(
                    // Names come from the accounts, so they stay readable after someone leaves
                    // or is removed; their membership says when that was.
                    "SELECT l.seq, l.at, l.account_id, l.device_id, l.action, l.kind, l.subject, l.detail,
                            a.display_name, m.revoked_at, s.display_name
                     FROM access_log l
                     JOIN accounts a ON a.id = l.account_id
                     LEFT JOIN memberships m ON m.circle_id = l.circle_id AND m.account_id = l.account_id
                     LEFT JOIN accounts s ON s.id = l.subject
                     WHERE l.circle_id = ?1 AND l.seq < ?2 ORDER BY l.seq DESC LIMIT ?3",
                )
                .map_err(db)?;
            type Row = (
                (i64, i64, String, Option<String>, String, Option<String>, Option<String>, String),
                (String, Option<i64>, Option<String>),
            );
            let rows: Vec<Row> = stmt
                .query_map(params![circle.to_string(), before.unwrap_or(i64::MAX), limit as i64], |r| {
                    Ok((
                        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?),
                        (r.get(8)?, r.get(9)?, r.get(10)?),
                    ))
                })
                .map_err(db)?
                .collect::<Result<_, _>>()
                .map_err(db)?;
            rows.into_iter()
                .map(|((seq, at, member, device, action, kind, subject, detail), (name, removed_at, subject_name))| {
                    Ok(AccessLogEntry {
                        seq,
                        at: Timestamp(at),
                        member: parse(&member)?,
                        device: device.map(|d| parse(&d)).transpose()?,
                        action: parse(&action)?,
                        kind: kind.map(|k| parse(&k)).transpose()?,
                        subject: subject.map(|s| parse(&s)).transpose()?,
                        detail,
                        name,
                        removed_at: removed_at.map(Timestamp),
                        subject_name,
                    })
                })
                .collect()
        })
        .await
    }

    async fn sync(
        &self,
        caller: &Caller,
        request: SyncRequest,
        limits: &Limits,
    ) -> ApiResult<SyncResponse> {
        let (caller, limits) = (caller.clone(), *limits);
        if request.docs.len() > limits.max_docs_per_sync {
            return Err(ApiError::new(
                ErrorCode::TooLarge,
                format!(
                    "at most {} documents per sync request",
                    limits.max_docs_per_sync
                ),
            ));
        }
        // 0. Documents this request uploads to are written one request at a time, so each
        //    upload is checked against (and merged into) the document as the last one left it.
        let _writing = self
            .writing
            .lock(
                request
                    .docs
                    .iter()
                    .filter(|d| d.message.as_ref().is_some_and(|m| carries_changes(&m.0)))
                    .map(|d| d.doc),
            )
            .await;
        // 1. Read (a snapshot, never waiting for the writer): who the caller is in each
        //    circle, each document, each sync state.
        let member = caller.member;
        let device = caller.device;
        let cache = self.docs.clone();
        let since = request.since;
        let named: HashSet<DocumentId> = request.docs.iter().map(|d| d.doc).collect();
        let (actors, prepared, mut changes, whole) = self
            .read(move |tx| {
                // What changed since the device's cursor, from indexes alone (an idle sync
                // loads no document).
                let mut changes = since
                    .map(|since| changes::since(tx, member, since, &named))
                    .transpose()?;
                let mut whole = Vec::new();
                if let Some(c) = changes.as_mut() {
                    if c.standing {
                        c.circles = Some(circles_of(tx, member)?);
                    }
                    if since == Some(SyncCursor::default()) {
                        whole = whole_docs(tx, &cache, c, &limits)?;
                    }
                }
                let actors = device_actors(tx, device)?;
                let mut standings = Standings::default();
                let mut prepared = Vec::with_capacity(request.docs.len());
                for entry in request.docs {
                    prepared.push(prepare(
                        tx,
                        &cache,
                        &mut standings,
                        (member, device),
                        entry,
                        &limits,
                    )?);
                }
                Ok((actors, prepared, changes, whole))
            })
            .await?;
        // An idle sync named no document and is sent none whole: nothing to run or write.
        if prepared.is_empty() && whole.is_empty() {
            return Ok(SyncResponse {
                docs: Vec::new(),
                changes,
            });
        }
        // 2. The automerge work, outside every lock.
        let stepped = tokio::task::spawn_blocking(move || {
            prepared
                .into_iter()
                .map(|p| match p {
                    Prepared::Done(reply) => Stepped::Done(reply),
                    Prepared::Ready(mut ready) => {
                        let uploader = Uploader {
                            member,
                            role: ready.role,
                            access: ready.access,
                            actors: &actors,
                            relayable: &ready.relayable,
                        };
                        let mut step = exchange::step(
                            ready.stored.kind,
                            &ready.stored.doc,
                            ready.state.as_deref(),
                            ready.message.as_deref(),
                            uploader,
                            ready.stored.bytes,
                            limits.max_document_bytes,
                        );
                        if let Some(merged) = step.merged.take() {
                            ready.stored.doc = Arc::new(merged);
                        }
                        Stepped::Ran(ready, Box::new(step))
                    }
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(ApiError::internal)?;
        // 3. Write: re-check standing (a revocation may have landed meanwhile), append what
        //    was accepted, store changed sync states, log; answer only after the commit. What
        //    each written document now is goes into the cache just before the commit (see
        //    `cache.rs`), and out again if the commit fails.
        let written: Vec<DocumentId> = stepped
            .iter()
            .filter_map(|s| match s {
                Stepped::Ran(ready, step) if step.merged_chunk.is_some() => Some(ready.doc),
                _ => None,
            })
            .collect();
        let (cache, undo) = (self.docs.clone(), self.docs.clone());
        self.pool
            .write_or_undo(
                move |tx| {
                    // Nothing written since the read: this request's own changes need not
                    // come back to the device as news, so its cursor moves past them.
                    let quiet = match &changes {
                        Some(c) => changes::clock(tx)? == c.cursor.docs,
                        None => false,
                    };
                    let mut standings = Standings::default();
                    // Whole documents go only to a member who still reads them, and are logged
                    // as received like any other.
                    let mut sent_whole = Vec::with_capacity(whole.len());
                    for (id, circle, kind, bytes) in whole {
                        if standings.of(tx, circle, member, kind)?.is_err() {
                            continue;
                        }
                        log(
                            tx,
                            LogRow {
                                circle,
                                member,
                                device: Some(device),
                                action: LogAction::Read,
                                kind: Some(kind),
                                subject: None,
                                detail: "",
                            },
                        )?;
                        sent_whole.push(WholeDoc {
                            doc: id,
                            bytes: Bytes(bytes),
                        });
                    }
                    if let Some(c) = changes.as_mut() {
                        c.whole = sent_whole;
                    }
                    let mut replies = Vec::with_capacity(stepped.len());
                    let mut settled = Vec::new();
                    for s in stepped {
                        let (ready, step) = match s {
                            Stepped::Done(reply) => {
                                replies.push(reply);
                                continue;
                            }
                            Stepped::Ran(ready, step) => (ready, step),
                        };
                        let (reply, appended) =
                            commit_step(tx, &mut standings, &caller, *ready, *step)?;
                        replies.push(reply);
                        settled.extend(appended);
                    }
                    for (id, now) in settled {
                        match now {
                            Some(stored) => cache.put(id, stored),
                            None => cache.forget(id),
                        }
                    }
                    if let Some(c) = changes.as_mut().filter(|_| quiet) {
                        c.cursor.docs = changes::clock(tx)?;
                    }
                    Ok(SyncResponse {
                        docs: replies,
                        changes,
                    })
                },
                move || written.into_iter().for_each(|id| undo.forget(id)),
            )
            .await
    }

    async fn server_edit(
        &self,
        caller: &Caller,
        circle: CircleId,
        kind: DocKind,
        edit: ServerEdit,
    ) -> ApiResult<()> {
        let (caller, actor) = (caller.clone(), self.server_actor.clone());
        self.tx(move |tx| {
            require_member(tx, &caller, circle)?;
            let id: String = tx
                .query_row(
                    "SELECT id FROM documents WHERE circle_id = ?1 AND kind = ?2",
                    params![circle.to_string(), kind.as_str()],
                    |r| r.get(0),
                )
                .map_err(db)?;
            let id: DocumentId = parse(&id)?;
            let Some(mut stored) = load_doc(tx, id)? else {
                return Err(ApiError::not_found("document"));
            };
            let heads = stored.doc.heads();
            let doc = Arc::make_mut(&mut stored.doc);
            doc.set_actor(actor);
            edit(doc).map_err(|_| {
                ApiError::new(
                    ErrorCode::Invalid,
                    "the server edit does not fit the schema",
                )
            })?;
            let chunk = stored.doc.automerge().save_after(&heads);
            append_chunk(tx, id, &mut stored, &chunk)?;
            log(
                tx,
                LogRow {
                    circle,
                    member: caller.member,
                    device: None,
                    action: LogAction::Write,
                    kind: Some(kind),
                    subject: None,
                    detail: "server",
                },
            )
        })
        .await
    }
}

/// A member's standing in each circle a sync touches, read once per circle.
#[derive(Default)]
struct Standings(HashMap<CircleId, Option<Standing>>);

/// A membership with its access to each document.
type Standing = (Membership, BTreeMap<DocKind, Access>);

impl Standings {
    /// The member's role and access to `kind` in `circle`, or the refusal a non-reader gets.
    fn of(
        &mut self,
        tx: &Transaction<'_>,
        circle: CircleId,
        member: MemberId,
        kind: DocKind,
    ) -> ApiResult<Result<(Role, Access), Refusal>> {
        if let std::collections::hash_map::Entry::Vacant(slot) = self.0.entry(circle) {
            let m = membership(tx, circle, member)?;
            let access = match &m {
                Some(_) => access_map(tx, circle, member)?,
                None => BTreeMap::new(),
            };
            slot.insert(m.map(|m| (m, access)));
        }
        let refused = |code, message: &str| Refusal {
            code,
            message: message.into(),
        };
        Ok(match self.0.get(&circle).and_then(|s| s.as_ref()) {
            None => Err(refused(
                ErrorCode::Forbidden,
                "you are not a member of this circle",
            )),
            Some((m, _)) if m.revoked => Err(refused(
                ErrorCode::Revoked,
                "your membership of this circle was revoked; delete your copy",
            )),
            Some((m, access)) => {
                let a = access.get(&kind).copied().unwrap_or(Access::None);
                if a.can_read() {
                    Ok((m.role, a))
                } else {
                    Err(refused(
                        ErrorCode::Revoked,
                        "your access to this document was withdrawn; delete your copy",
                    ))
                }
            }
        })
    }
}

/// One document of a sync, as the read half found it.
enum Prepared {
    /// Answered without an exchange (unknown document, no access, oversized message).
    Done(SyncDocReply),
    /// Ready for the exchange.
    Ready(Box<Ready>),
}

/// Everything one document's exchange needs.
struct Ready {
    doc: DocumentId,
    stored: StoredDoc,
    role: Role,
    access: Access,
    state: Option<Vec<u8>>,
    message: Option<Vec<u8>>,
    /// Other writers' device actors (only looked up when a message came).
    relayable: HashMap<String, Author>,
}

/// One document after the exchange.
enum Stepped {
    Done(SyncDocReply),
    Ran(Box<Ready>, Box<exchange::Step>),
}

fn prepare(
    tx: &Transaction<'_>,
    cache: &DocCache,
    standings: &mut Standings,
    (member, device): (MemberId, DeviceId),
    entry: SyncDoc,
    limits: &Limits,
) -> ApiResult<Prepared> {
    let done = |refused: Option<Refusal>| {
        Ok(Prepared::Done(SyncDocReply {
            doc: entry.doc,
            message: None,
            refused,
        }))
    };
    if entry
        .message
        .as_ref()
        .is_some_and(|m| m.0.len() > limits.max_sync_message_bytes)
    {
        return done(refusal(
            ErrorCode::TooLarge,
            "the sync message is too large",
        ));
    }
    let Some((circle, kind)) = doc_place(tx, entry.doc)? else {
        return done(refusal(ErrorCode::NotFound, "no such document"));
    };
    // Standing first: a document the member may not read is never loaded.
    let (role, access) = match standings.of(tx, circle, member, kind)? {
        Ok(standing) => standing,
        Err(refused) => return done(Some(refused)),
    };
    let Some(stored) = load_doc_cached(tx, cache, entry.doc)? else {
        return done(refusal(ErrorCode::NotFound, "no such document"));
    };
    let state: Option<Vec<u8>> = tx
        .prepare_cached("SELECT state FROM sync_states WHERE device_id = ?1 AND document_id = ?2")
        .map_err(db)?
        .query_row(params![device.to_string(), entry.doc.to_string()], |r| {
            r.get(0)
        })
        .optional()
        .map_err(db)?;
    let relayable = match &entry.message {
        Some(_) if access.can_write() => relayable_actors(tx, circle, kind, device)?,
        _ => HashMap::new(),
    };
    Ok(Prepared::Ready(Box::new(Ready {
        doc: entry.doc,
        stored,
        role,
        access,
        state,
        message: entry.message.map(|b| b.0),
        relayable,
    })))
}

/// The actors of every device (but `device`) of the circle's current members who may write
/// `kind`, with whose they are.
fn relayable_actors(
    tx: &Transaction<'_>,
    circle: CircleId,
    kind: DocKind,
    device: DeviceId,
) -> ApiResult<HashMap<String, Author>> {
    let mut stmt = tx
        .prepare_cached(
            "SELECT da.actor, d.account_id, m.role FROM device_actors da
             JOIN devices d ON d.id = da.device_id
             JOIN memberships m ON m.account_id = d.account_id AND m.circle_id = ?1
                 AND m.revoked_at IS NULL
             JOIN member_access ma ON ma.circle_id = m.circle_id AND ma.account_id = m.account_id
                 AND ma.kind = ?2 AND ma.access = 'write'
             WHERE da.device_id != ?3",
        )
        .map_err(db)?;
    let rows = stmt
        .query_map(
            params![circle.to_string(), kind.as_str(), device.to_string()],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            },
        )
        .map_err(db)?;
    let mut out = HashMap::new();
    for row in rows {
        let (actor, member, role) = row.map_err(db)?;
        out.insert(
            actor,
            Author {
                member: parse(&member)?,
                role: parse(&role)?,
            },
        );
    }
    Ok(out)
}

/// Where a document belongs, without loading it.
fn doc_place(tx: &Transaction<'_>, id: DocumentId) -> ApiResult<Option<(CircleId, DocKind)>> {
    tx.prepare_cached("SELECT circle_id, kind FROM documents WHERE id = ?1")
        .map_err(db)?
        .query_row(params![id.to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .optional()
        .map_err(db)?
        .map(|(c, k)| Ok((parse(&c)?, parse(&k)?)))
        .transpose()
}

/// The write half of one document's exchange, inside the writer's transaction.
/// A document a sync appended to, and what it now is (`None` when another writer appended
/// since it was loaded, so the copy in hand lacks their changes).
type Appended = (DocumentId, Option<StoredDoc>);

fn commit_step(
    tx: &Transaction<'_>,
    standings: &mut Standings,
    caller: &Caller,
    mut ready: Ready,
    step: exchange::Step,
) -> ApiResult<(SyncDocReply, Option<Appended>)> {
    let (id, circle, kind) = (ready.doc, ready.stored.circle, ready.stored.kind);
    let reply = |message: Option<Vec<u8>>, refused: Option<Refusal>| SyncDocReply {
        doc: id,
        message: message.map(Bytes),
        refused,
    };
    let access = match standings.of(tx, circle, caller.member, kind)? {
        Ok((_, access)) => access,
        // Withdrawn while the exchange ran: nothing is stored and nothing is sent.
        Err(refused) => return Ok((reply(None, Some(refused)), None)),
    };
    // What was appended: the document as it now is, or `None` when another writer appended
    // since it was loaded (so this copy lacks their changes).
    let mut appended = None;
    let log_row = |action, detail| LogRow {
        circle,
        member: caller.member,
        device: Some(caller.device),
        action,
        kind: Some(kind),
        subject: None,
        detail,
    };
    let mut refused = step.refused;
    if let Some(chunk) = &step.merged_chunk {
        if access.can_write() {
            let fresh = append_chunk(tx, id, &mut ready.stored, chunk)?;
            appended = Some((id, fresh.then(|| ready.stored.clone())));
            let detail = if step.relayed { "relayed" } else { "" };
            log(tx, log_row(LogAction::Write, detail))?;
        } else {
            refused = refusal(
                ErrorCode::Forbidden,
                "you may read this document but not change it",
            );
        }
    }
    if let Some(r) = &refused {
        log(tx, log_row(LogAction::Refused, r.code.as_str()))?;
    }
    if step.sent_changes {
        log(tx, log_row(LogAction::Read, ""))?;
    }
    if ready.state.as_deref() != Some(step.state.as_slice()) {
        tx.prepare_cached(
            "INSERT INTO sync_states (device_id, document_id, state) VALUES (?1, ?2, ?3)
             ON CONFLICT (device_id, document_id) DO UPDATE SET state = excluded.state",
        )
        .map_err(db)?
        .execute(params![
            caller.device.to_string(),
            id.to_string(),
            step.state
        ])
        .map_err(db)?;
    }
    Ok((reply(step.reply, refused), appended))
}

fn has_consumer(tx: &Transaction<'_>, circle: CircleId) -> ApiResult<bool> {
    tx.query_row(
        "SELECT 1 FROM memberships WHERE circle_id = ?1 AND role = 'consumer' AND revoked_at IS NULL",
        params![circle.to_string()],
        |_| Ok(()),
    )
    .optional()
    .map(|o| o.is_some())
    .map_err(db)
}
