//! One care document: skeleton creation, typed views, and the one helper every edit goes through.
//!
//! Every write commits with a message naming the acting member and what changed, and a time
//! (milliseconds since the Unix epoch), so history can say who changed what, when. The server
//! checks that the named member is the one whose device uploaded the change.

use std::any::Any;
use std::sync::{Arc, Mutex, PoisonError};

use automerge::{ActorId, Automerge, ChangeHash, transaction::CommitOptions};
use autosurgeon::{hydrate, reconcile};
use serde::{Deserialize, Serialize};

use crate::ids::MemberId;
use crate::parts::{Parts, Touched};
use crate::policy::DocKind;
use crate::schema::{self, DocSchema};
use crate::time::Timestamp;
use crate::validation::{Links, ValidationError};

/// Runs `$body` with `$t` bound to the schema type of `$kind`.
macro_rules! with_schema {
    ($kind:expr, $t:ident => $body:expr) => {
        match $kind {
            $crate::policy::DocKind::Team => {
                type $t = $crate::schema::Team;
                $body
            }
            $crate::policy::DocKind::Appointments => {
                type $t = $crate::schema::Appointments;
                $body
            }
            $crate::policy::DocKind::Questions => {
                type $t = $crate::schema::Questions;
                $body
            }
            $crate::policy::DocKind::Plan => {
                type $t = $crate::schema::Plan;
                $body
            }
            $crate::policy::DocKind::Notes => {
                type $t = $crate::schema::Notes;
                $body
            }
        }
    };
}

/// Why a document operation failed. Messages never contain document content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocError {
    /// The edit or the uploaded content breaks a schema rule.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The document has no skeleton yet (it was never received from the server).
    #[error("the {0} document has not been received yet")]
    NoSkeleton(DocKind),
    /// A typed view of another kind was asked of this document.
    #[error("this is a {found} document, not {expected}")]
    WrongKind {
        /// The kind asked for.
        expected: DocKind,
        /// The document's kind.
        found: DocKind,
    },
    /// The bytes are not an Automerge document.
    #[error("the document bytes are malformed")]
    Malformed,
    /// The content does not have the schema's shape.
    #[error("the {0} document does not match its schema")]
    Shape(DocKind),
    /// Automerge refused an operation (should not happen for edits made through this API).
    #[error("document operation failed")]
    Automerge,
}

/// What a commit message holds: who acted, and a short description of what they did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitMessage {
    /// The acting member.
    pub by: MemberId,
    /// What changed, in a few words ("Added a note"). Never document content.
    pub what: String,
}

impl CommitMessage {
    /// The message as stored in the change.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a stored message; `None` for changes not made through this API.
    pub fn decode(message: &str) -> Option<Self> {
        serde_json::from_str(message).ok()
    }
}

/// Past this many new changes a typed view is hydrated whole rather than refreshed.
const MAX_CHANGES_TO_REFRESH: usize = 64;

/// One of a circle's five documents.
#[derive(Debug, Clone)]
pub struct Document {
    kind: DocKind,
    doc: Automerge,
    view: LastView,
}

/// The last typed view and the heads it was made at: hydrating is the costly part of every
/// check and edit, and the same heads always give the same content, so a second view at the
/// same heads is a clone. A clone of the document shares it until either changes.
#[derive(Default)]
struct LastView(Mutex<Option<ViewAt>>);

/// A typed view and the heads it shows.
type ViewAt = (Vec<ChangeHash>, Arc<dyn Any + Send + Sync>);

impl Clone for LastView {
    fn clone(&self) -> Self {
        Self(Mutex::new(
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        ))
    }
}

impl std::fmt::Debug for LastView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LastView")
    }
}

impl LastView {
    fn get<T: Clone + 'static>(&self, heads: &[ChangeHash]) -> Option<T> {
        let last = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match last.as_ref() {
            Some((at, value)) if at.as_slice() == heads => value.downcast_ref::<T>().cloned(),
            _ => None,
        }
    }

    /// The last view, whatever heads it was made at.
    fn last<T: Clone + 'static>(&self) -> Option<(Vec<ChangeHash>, T)> {
        let last = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let (at, value) = last.as_ref()?;
        Some((at.clone(), value.downcast_ref::<T>()?.clone()))
    }

    fn put<T: Send + Sync + 'static>(&self, heads: Vec<ChangeHash>, value: T) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some((heads, Arc::new(value)));
    }
}

impl Document {
    /// Creates a document's skeleton: every container its schema needs, in one commit.
    ///
    /// Done exactly once per document, by whoever creates the circle (the server); everyone
    /// else receives the skeleton through sync before they write.
    pub fn create(kind: DocKind, actor: ActorId, by: MemberId, at: Timestamp) -> Self {
        let mut doc = Self::from_automerge(kind, Automerge::new().with_actor(actor));
        with_schema!(kind, T => doc.write(&T::default(), &Touched::everything(), by, &format!("Created the {kind} document"), at))
            .unwrap_or_else(|_| unreachable!("a skeleton always reconciles into an empty document"));
        doc
    }

    /// A document not yet received: empty until the first sync brings its skeleton.
    pub fn empty(kind: DocKind, actor: ActorId) -> Self {
        Self::from_automerge(kind, Automerge::new().with_actor(actor))
    }

    /// Loads saved bytes (a snapshot, optionally followed by change chunks).
    pub fn load(kind: DocKind, bytes: &[u8]) -> Result<Self, DocError> {
        let doc = Automerge::load(bytes).map_err(|_| DocError::Malformed)?;
        Ok(Self::from_automerge(kind, doc))
    }

    /// Wraps an Automerge document of a known kind.
    pub fn from_automerge(kind: DocKind, doc: Automerge) -> Self {
        Self {
            kind,
            doc,
            view: LastView::default(),
        }
    }

    /// `doc` (this document with more changes, e.g. a fork that received an upload) as a
    /// document whose first typed view refreshes only what those changes touched.
    pub fn successor(&self, doc: Automerge) -> Self {
        Self {
            kind: self.kind,
            doc,
            view: self.view.clone(),
        }
    }

    /// Sets the actor id later changes are made with (the device's registered actor).
    pub fn set_actor(&mut self, actor: ActorId) {
        self.doc.set_actor(actor);
    }

    /// Which document this is.
    pub fn kind(&self) -> DocKind {
        self.kind
    }

    /// Unwraps the Automerge document.
    pub fn into_automerge(self) -> Automerge {
        self.doc
    }

    /// The underlying Automerge document (for sync and storage).
    pub fn automerge(&self) -> &Automerge {
        &self.doc
    }

    /// The underlying Automerge document, mutably (for sync). Edits go through [`Self::change`].
    pub fn automerge_mut(&mut self) -> &mut Automerge {
        &mut self.doc
    }

    /// A compacted snapshot.
    pub fn save(&self) -> Vec<u8> {
        self.doc.save()
    }

    /// The current heads.
    pub fn heads(&self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    /// True once the skeleton has arrived (or was created here).
    pub fn has_skeleton(&self) -> bool {
        use automerge::ReadDoc;
        matches!(self.doc.get(automerge::ROOT, "schema"), Ok(Some(_)))
    }

    /// The typed content.
    pub fn view<T: DocSchema>(&self) -> Result<T, DocError> {
        if T::KIND != self.kind {
            return Err(DocError::WrongKind {
                expected: T::KIND,
                found: self.kind,
            });
        }
        let heads = self.doc.get_heads();
        if let Some(value) = self.view.get::<T>(&heads) {
            return Ok(value);
        }
        if !self.has_skeleton() {
            return Err(DocError::NoSkeleton(self.kind));
        }
        let refreshed = self.view.last::<T>().and_then(|(at, mut value)| {
            let touched = self.touched_since(&at, T::ITEM_MAPS)?;
            value.refresh(&self.doc, &touched).ok()?;
            Some(value)
        });
        let value: T = match refreshed {
            Some(value) => value,
            None => hydrate(&self.doc).map_err(|_| DocError::Shape(self.kind))?,
        };
        schema::check_version(value.schema_version())?;
        self.view.put(heads, value.clone());
        Ok(value)
    }

    /// What the changes made since `heads` touched, when `heads` are in this document's history
    /// and the changes are few enough that refreshing beats hydrating everything again.
    fn touched_since(&self, heads: &[ChangeHash], item_maps: &[&str]) -> Option<Touched> {
        use automerge::ReadDoc;
        if !self.doc.get_missing_deps(heads).is_empty() {
            return None;
        }
        let changes = self.doc.get_changes(heads);
        if changes.len() > MAX_CHANGES_TO_REFRESH {
            return None;
        }
        let touched = Touched::by(&self.doc, &crate::shape::NewOps::of(&changes), item_maps);
        (!touched.all).then_some(touched)
    }

    /// The one way to edit: hydrate, let `edit` change the typed value, validate what changed,
    /// and commit it with a message and a time. On any error nothing is written.
    pub fn change<T: DocSchema, R>(
        &mut self,
        by: MemberId,
        what: &str,
        at: Timestamp,
        links: &Links,
        edit: impl FnOnce(&mut T) -> Result<R, ValidationError>,
    ) -> Result<R, DocError> {
        let before: T = self.view()?;
        let mut after = before.clone();
        let result = edit(&mut after)?;
        schema::check_version(after.schema_version())?;
        after.validate_change(&before, links)?;
        self.write(&after, &after.differences(&before), by, what, at)?;
        Ok(result)
    }

    /// Writes the `touched` parts of `value`.
    fn write<T: DocSchema>(
        &mut self,
        value: &T,
        touched: &Touched,
        by: MemberId,
        what: &str,
        at: Timestamp,
    ) -> Result<(), DocError> {
        let message = CommitMessage {
            by,
            what: what.to_string(),
        }
        .encode();
        // The target shape of the touched parts, built by autosurgeon in a scratch document...
        let part = value.only(touched);
        let mut scratch = Automerge::new();
        scratch
            .transact(|tx| reconcile(tx, &part))
            .map_err(|_| DocError::Automerge)?;
        let automerge::hydrate::Value::Map(target) = scratch.hydrate(None) else {
            return Err(DocError::Automerge);
        };
        // ...then written into the real one, touching only what differs.
        self.doc
            .transact_with(
                |_| {
                    CommitOptions::default()
                        .with_message(message)
                        .with_time(at.millis())
                },
                |tx| crate::parts::write_touched(tx, &target, touched),
            )
            .map(|_| ())
            .map_err(|_| DocError::Automerge)
    }

    /// A new document of this kind holding only what `member`'s changes since `heads` touched
    /// (their own items and sections, nothing else), for them to keep when their access to
    /// this one ends before those changes reached the server.
    pub fn own_part(
        &self,
        heads: &[ChangeHash],
        member: MemberId,
        at: Timestamp,
    ) -> Result<Document, DocError> {
        with_schema!(self.kind, T => {
            let mine: Vec<automerge::Change> = self
                .doc
                .get_changes(heads)
                .into_iter()
                .filter(|c| c.message().and_then(CommitMessage::decode).is_some_and(|m| m.by == member))
                .collect();
            let touched = Touched::by(&self.doc, &crate::shape::NewOps::of(&mine), T::ITEM_MAPS);
            let kept = self.view::<T>()?.keep_touched(&touched);
            let mut own = Document::create(self.kind, ActorId::random(), member, at);
            own.change(member, "Kept my unsynced changes", at, &Links::unknown(), |x: &mut T| {
                *x = kept;
                Ok(())
            })?;
            Ok(own)
        })
    }

    /// Every piece of text in the document with the field it is in ("the text", "the
    /// reason"...), in document order: what a person wrote, for them to read back or copy
    /// (ids, member references and time zones left out).
    pub fn words(&self) -> Result<Vec<(String, String)>, DocError> {
        let value = with_schema!(self.kind, T => serde_json::to_value(self.view::<T>()?)
            .unwrap_or_default());
        let mut out = Vec::new();
        collect_words(&value, None, &mut out);
        Ok(out)
    }

    /// Checks the whole document against its schema: it has a skeleton, a supported version,
    /// and hydrates into its typed shape.
    pub fn validate(&self) -> Result<(), DocError> {
        with_schema!(self.kind, T => self.view::<T>().map(|_| ()))
    }

    /// Checks what the operations in `new` wrote (keys, kinds, losing values) against the
    /// schema, as the server does for an upload: see [`crate::shape`].
    pub fn check_written(
        &self,
        new: &crate::shape::NewOps,
    ) -> Result<(), crate::shape::ShapeError> {
        with_schema!(self.kind, T => {
            let value: T = self.view().map_err(|_| crate::shape::ShapeError::WrongKind)?;
            crate::shape::check_written::<T>(&self.doc, &value, new)
        })
    }

    /// Checks what differs between `before` and this document (items and sections that are
    /// new or changed), as the server does for an upload before merging it.
    pub fn validate_change_from(&self, before: &Document, links: &Links) -> Result<(), DocError> {
        with_schema!(self.kind, T => {
            let after: T = self.view()?;
            let before: T = before.view()?;
            after.validate_change(&before, links).map_err(DocError::from)
        })
    }
}

/// The string leaves under `value` that a person wrote (see [`Document::words`]).
fn collect_words(value: &serde_json::Value, key: Option<&str>, out: &mut Vec<(String, String)>) {
    use serde_json::Value as J;
    match value {
        J::String(text) => {
            // Ids and choices from a list (statuses, areas), not words anyone typed.
            let skip = matches!(
                key,
                Some("id" | "zone" | "version" | "kind" | "status" | "life_area" | "role")
            ) || text.trim().is_empty()
                || uuid::Uuid::parse_str(text).is_ok();
            if !skip {
                let label = crate::validation::field_label(key.unwrap_or("text"));
                out.push((label, text.clone()));
            }
        }
        J::Array(items) => items.iter().for_each(|v| collect_words(v, key, out)),
        J::Object(fields) => fields
            .iter()
            .for_each(|(k, v)| collect_words(v, Some(k), out)),
        _ => {}
    }
}
