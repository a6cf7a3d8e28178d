//! The device's own storage, behind one async trait with an implementation per platform.
//!
//! Per document: parts (compacted snapshots and appended change chunks, each stored under its
//! content's hash), the sync state, and the heads last seen by the person (for "what changed
//! since you last looked"). Also the session, the circle list, and refused edits kept readable.
//! A write returns only once it is durable.
//!
//! Parts are content-addressed so that two writers of one store (two tabs of the web app, the
//! desktop app and the command line) never overwrite each other's parts, and a compaction
//! removes only the parts its writer had loaded: anything another writer appended meanwhile
//! stays, and loading merges it.

#[cfg(target_arch = "wasm32")]
pub mod indexeddb;
#[cfg(not(target_arch = "wasm32"))]
pub mod sqlite;
#[doc(hidden)]
pub mod suite;

use carecircle_shared::automerge::ChangeHash;
use carecircle_shared::wire::{CircleSummary, ErrorCode, MemberInfo, SyncCursor};
use carecircle_shared::{CircleId, DeviceId, DocKind, DocumentId, MemberId, Timestamp};
use serde::{Deserialize, Serialize};

use crate::error::AppResult;

/// A signed-in device's session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedSession {
    /// Server address.
    pub server: String,
    /// Bearer token.
    pub token: String,
    /// The member.
    pub member: MemberId,
    /// This device.
    pub device: DeviceId,
    /// The member's display name.
    pub display_name: String,
    /// The actor id this device writes with now (hex); a reset registers a new one.
    pub actor: String,
    /// When this device last finished a complete sync.
    #[serde(default)]
    pub last_synced_at: Option<Timestamp>,
    /// More actor ids of this device (hex), one per writer that has used the store at once
    /// (web: a second tab); each writer holds one, so no two write with the same id.
    #[serde(default)]
    pub actors: Vec<String>,
    /// Where the last complete sync left this device (what the server has told it of); none
    /// before the first, which then asks for everything.
    #[serde(default)]
    pub cursor: Option<SyncCursor>,
}

/// One stored piece of a document: a snapshot (a whole saved document) or a chunk of changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The store's key for it: derived from its content, so the same bytes are one part.
    pub id: String,
    /// Automerge bytes (a saved document or incremental changes; loading takes either).
    pub bytes: Vec<u8>,
}

impl Part {
    /// A part for `bytes`; snapshots sort before chunks when a document is loaded.
    pub fn new(bytes: Vec<u8>, snapshot: bool) -> Part {
        use sha2::Digest as _;
        let hash = sha2::Sha256::digest(&bytes);
        Part {
            id: format!(
                "{}/{}",
                if snapshot { 0 } else { 1 },
                hex::encode(&hash[..16])
            ),
            bytes,
        }
    }
}

/// What one document gets in a [`LocalStore::write`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocWrite {
    /// The document.
    pub doc: DocumentId,
    /// Its kind (for a document new to the store).
    pub kind: DocKind,
    /// A new part, with the parts it covers (a compaction's snapshot removes them; the document
    /// is created if new).
    pub part: Option<(Part, Vec<String>)>,
    /// A new sync state (for a document the store has).
    pub state: Option<Vec<u8>>,
}

impl DocWrite {
    /// A new part, covering `covered`.
    pub fn part(doc: DocumentId, kind: DocKind, part: Part, covered: Vec<String>) -> Self {
        DocWrite {
            doc,
            kind,
            part: Some((part, covered)),
            state: None,
        }
    }
}

/// An upload the server refused, kept readable and recoverable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedEdit {
    /// Local id.
    pub id: i64,
    /// The document.
    pub doc: DocumentId,
    /// Its kind.
    pub kind: DocKind,
    /// Why it was refused.
    pub code: ErrorCode,
    /// The server's explanation.
    pub message: String,
    /// When it was set aside.
    pub at: Timestamp,
    /// Only what my unsynced changes touched, as a small document of its kind (Automerge
    /// bytes; earlier versions kept the whole local copy here).
    pub copy: Vec<u8>,
    /// The person has seen the message (or the document was withdrawn, which has its own);
    /// the words stay readable until they are deleted.
    pub resolved: bool,
}

/// `Send + Sync` on native targets (stores are shared with async runtimes), nothing on wasm.
#[cfg(not(target_arch = "wasm32"))]
pub trait Platform: Send + Sync {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + Sync> Platform for T {}
/// `Send + Sync` on native targets (stores are shared with async runtimes), nothing on wasm.
#[cfg(target_arch = "wasm32")]
pub trait Platform {}
#[cfg(target_arch = "wasm32")]
impl<T> Platform for T {}

/// Local storage.
#[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
#[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
pub trait LocalStore: Platform {
    /// The saved session, if signed in.
    async fn session(&self) -> AppResult<Option<SavedSession>>;
    /// Saves (or with `None` forgets) the session.
    async fn set_session(&self, session: Option<&SavedSession>) -> AppResult<()>;
    /// The circle list as last fetched.
    async fn circles(&self) -> AppResult<Vec<CircleSummary>>;
    /// Saves the circle list.
    async fn set_circles(&self, circles: &[CircleSummary]) -> AppResult<()>;
    /// A circle's members as last fetched (names for authors while offline).
    async fn members(&self, circle: CircleId) -> AppResult<Vec<MemberInfo>>;
    /// Saves a circle's member list.
    async fn set_members(&self, circle: CircleId, members: &[MemberInfo]) -> AppResult<()>;
    /// Ids and kinds of every stored document.
    async fn documents(&self) -> AppResult<Vec<(DocumentId, DocKind)>>;
    /// A document's parts, snapshots first (`None` if not stored).
    async fn load(&self, doc: DocumentId) -> AppResult<Option<Vec<Part>>>;
    /// Stores every write in one transaction (one flush to disk): all of them, durable, when it
    /// returns, or none. A sync exchange saves everything it received this way.
    async fn write(&self, writes: &[DocWrite]) -> AppResult<()>;
    /// Adds a part (creating the document if new; the same part twice is stored once); durable
    /// when it returns.
    async fn append(&self, doc: DocumentId, kind: DocKind, part: &Part) -> AppResult<()> {
        self.write(&[DocWrite::part(doc, kind, part.clone(), Vec::new())])
            .await
    }
    /// Compaction: adds `snapshot` and, in the same transaction, removes the parts `covered`
    /// (those the snapshot was made from; others stay).
    async fn replace(
        &self,
        doc: DocumentId,
        kind: DocKind,
        snapshot: &Part,
        covered: &[String],
    ) -> AppResult<()> {
        self.write(&[DocWrite::part(
            doc,
            kind,
            snapshot.clone(),
            covered.to_vec(),
        )])
        .await
    }
    /// Deletes a document with its sync state and last-seen heads.
    async fn delete(&self, doc: DocumentId) -> AppResult<()>;
    /// The stored sync state.
    async fn sync_state(&self, doc: DocumentId) -> AppResult<Option<Vec<u8>>>;
    /// Stores (or with `None` forgets) the sync state.
    async fn set_sync_state(&self, doc: DocumentId, state: Option<&[u8]>) -> AppResult<()>;
    /// The heads the person last looked at.
    async fn last_seen(&self, doc: DocumentId) -> AppResult<Vec<ChangeHash>>;
    /// Records the heads the person has now looked at.
    async fn set_last_seen(&self, doc: DocumentId, heads: &[ChangeHash]) -> AppResult<()>;
    /// Keeps a refused edit; returns its local id.
    async fn add_refused(&self, edit: &RefusedEdit) -> AppResult<i64>;
    /// Refused edits, oldest first.
    async fn refused(&self) -> AppResult<Vec<RefusedEdit>>;
    /// Marks a refused edit dealt with; it stays readable.
    async fn resolve_refused(&self, id: i64) -> AppResult<()>;
    /// Forgets a refused edit (after recovering or dismissing it).
    async fn dismiss_refused(&self, id: i64) -> AppResult<()>;
    /// Deletes everything (sign-out).
    async fn clear(&self) -> AppResult<()>;
}

/// The key-value entry holding a circle's member list.
pub(crate) fn members_key(circle: CircleId) -> String {
    format!("members:{circle}")
}

/// Heads as stored (hex, comma-separated).
pub fn encode_heads(heads: &[ChangeHash]) -> String {
    heads
        .iter()
        .map(|h| h.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// Heads from their stored form; unreadable entries are skipped.
pub fn decode_heads(s: &str) -> Vec<ChangeHash> {
    s.split(',')
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.parse().ok())
        .collect()
}
