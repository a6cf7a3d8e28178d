//! A device for tests: its own copies of its circles' documents, synced through the real server
//! with the standard Automerge sync protocol in batched requests.

use std::collections::{BTreeMap, HashMap};

use carecircle_shared::automerge::sync::{self, SyncDoc as _};
use carecircle_shared::automerge::transaction::{CommitOptions, Transaction};
use carecircle_shared::automerge::{ActorId, AutomergeError};
use carecircle_shared::document::CommitMessage;
use carecircle_shared::schema::{DocSchema, Note, Notes};
use carecircle_shared::wire::{
    Bytes, CircleSummary, Refusal, Session, SyncDoc, SyncRequest, SyncResponse,
};
use carecircle_shared::{
    CircleId, DocKind, Document, DocumentId, ItemId, Links, MemberId, ValidationError,
};

use crate::api::{Api, Reply};

/// Most round trips one `sync` makes before giving up.
pub const MAX_ROUNDS: usize = 30;

/// What one `sync` did.
#[derive(Debug, Default, Clone)]
pub struct SyncReport {
    /// HTTP requests made.
    pub requests: usize,
    /// Per-document refusals seen.
    pub refusals: BTreeMap<DocumentId, Refusal>,
    /// Request-level errors (non-2xx).
    pub errors: Vec<Reply>,
}

/// A signed-in device.
#[derive(Debug)]
pub struct Peer {
    /// Signed-in client.
    pub api: Api,
    /// The session.
    pub session: Session,
    /// This device's actor.
    pub actor: ActorId,
    /// Circles as last listed.
    pub circles: Vec<CircleSummary>,
    /// Local copies by document id.
    pub docs: BTreeMap<DocumentId, Document>,
    /// Encoded sync states by document id.
    pub states: HashMap<DocumentId, Vec<u8>>,
}

impl Peer {
    /// Registers `username` and signs a new device in.
    pub async fn register(api: &Api, username: &str) -> Self {
        let actor = ActorId::random();
        let (api, session) = api.signed_up(username, &actor).await;
        Self {
            api,
            session,
            actor,
            circles: Vec::new(),
            docs: BTreeMap::new(),
            states: HashMap::new(),
        }
    }

    /// Lists my circles and adds an empty copy for every document I may read and lack.
    pub async fn refresh(&mut self) {
        self.circles = self.api.get("/v1/circles").await.ok();
        for c in &self.circles {
            for d in &c.documents {
                self.docs
                    .entry(d.id)
                    .or_insert_with(|| Document::empty(d.kind, self.actor.clone()));
            }
        }
    }

    /// The id of `kind` in `circle`.
    pub fn doc_id(&self, circle: CircleId, kind: DocKind) -> DocumentId {
        self.circles
            .iter()
            .find(|c| c.id == circle)
            .and_then(|c| c.documents.iter().find(|d| d.kind == kind))
            .map(|d| d.id)
            .unwrap_or_else(|| panic!("{kind} of circle {circle} is not listed for this peer"))
    }

    /// My copy of `kind` in `circle`.
    pub fn doc(&self, circle: CircleId, kind: DocKind) -> &Document {
        &self.docs[&self.doc_id(circle, kind)]
    }

    /// The typed view of my copy.
    pub fn view<T: DocSchema>(&self, circle: CircleId) -> T {
        self.doc(circle, T::KIND).view().expect("typed view")
    }

    /// Edits my copy through the one edit helper, as this member.
    pub fn edit<T: DocSchema, R>(
        &mut self,
        circle: CircleId,
        what: &str,
        f: impl FnOnce(&mut T) -> Result<R, ValidationError>,
    ) -> R {
        let id = self.doc_id(circle, T::KIND);
        let member = self.session.member;
        let doc = self.docs.get_mut(&id).expect("doc");
        doc.change(member, what, now(), &Links::unknown(), f)
            .expect("local edit")
    }

    /// Makes a raw change on my copy of `kind` (bypassing the edit helper), its commit message
    /// naming `by`.
    pub fn raw_change(
        &mut self,
        circle: CircleId,
        kind: DocKind,
        by: MemberId,
        f: impl FnOnce(&mut Transaction<'_>),
    ) {
        let id = self.doc_id(circle, kind);
        let doc = self.docs.get_mut(&id).expect("doc").automerge_mut();
        let message = CommitMessage {
            by,
            what: "raw".into(),
        }
        .encode();
        doc.transact_with(
            |_| {
                CommitOptions::default()
                    .with_message(message)
                    .with_time(now().millis())
            },
            |tx| {
                f(tx);
                Ok::<_, AutomergeError>(())
            },
        )
        .expect("raw change");
    }

    /// Adds a note of mine to my copy of the circle's notes; its id.
    pub fn add_note(&mut self, circle: CircleId, text: &str) -> ItemId {
        let author = Some(self.session.member);
        self.edit(circle, "Added a note", |n: &mut Notes| {
            let note = Note {
                author,
                text: text.into(),
                ..Default::default()
            };
            let id = note.id.clone();
            n.items.insert(id.clone(), note);
            Ok(id)
        })
    }

    /// Syncs every local document until quiet.
    pub async fn sync(&mut self) -> SyncReport {
        let ids: Vec<DocumentId> = self.docs.keys().copied().collect();
        self.sync_docs(&ids).await
    }

    /// Syncs the given documents in batched round trips until neither side has anything to say.
    ///
    /// One call is one exchange: each state is decoded at its start, kept for its round trips,
    /// and stored encoded after every answered round (never after a failed one).
    pub async fn sync_docs(&mut self, ids: &[DocumentId]) -> SyncReport {
        let mut report = SyncReport::default();
        let mut live: HashMap<DocumentId, sync::State> = ids
            .iter()
            .map(|id| {
                let state = self
                    .states
                    .get(id)
                    .and_then(|b| sync::State::decode(b).ok());
                (*id, state.unwrap_or_default())
            })
            .collect();
        for _ in 0..MAX_ROUNDS {
            let mut request = SyncRequest::default();
            for (id, state) in live.iter_mut() {
                if let Some(m) = self.docs[id].automerge().generate_sync_message(state) {
                    request.docs.push(SyncDoc {
                        doc: *id,
                        message: Some(Bytes(m.encode())),
                    });
                }
            }
            if request.docs.is_empty() {
                break;
            }
            report.requests += 1;
            let reply = self.api.post("/v1/sync", &request).await;
            if reply.status != 200 {
                report.errors.push(reply);
                return report;
            }
            let response: SyncResponse = reply.json();
            for answer in response.docs {
                let id = answer.doc;
                if let Some(refusal) = answer.refused {
                    report.refusals.insert(id, refusal);
                    live.remove(&id);
                    self.states.remove(&id);
                    continue;
                }
                let Some(state) = live.get_mut(&id) else {
                    continue;
                };
                if let Some(message) = answer
                    .message
                    .and_then(|m| sync::Message::decode(&m.0).ok())
                {
                    let doc = self.docs.get_mut(&id).expect("doc").automerge_mut();
                    doc.receive_sync_message(state, message)
                        .expect("apply server message");
                }
                self.states.insert(id, state.encode());
            }
        }
        report
    }
}

/// Now, as a timestamp: the server's clock, so test records and server records agree.
pub use carecircle_server::clock::now;
