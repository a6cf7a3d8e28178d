//! The sync engine: batched exchanges of every readable document until quiet, refusals kept
//! recoverable, revoked copies deleted, back-off on network errors, no retry of 401/403.
//!
//! One sync run (driven whole by [`CareCircle::sync`], or step by step by the screens) decodes
//! each document's stored sync state when its batch starts, keeps it for its round trips, and
//! stores it after every answered round.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use carecircle_shared::automerge::sync::{self, SyncDoc as _};
use carecircle_shared::automerge::{ActorId, ChangeHash, ReadDoc as _};
use carecircle_shared::document::CommitMessage;
use carecircle_shared::limits::Limits;
use carecircle_shared::wire::{
    Bytes, CircleDetail, CircleSummary, ErrorCode, Refusal, SyncCursor, SyncDoc, SyncRequest,
    SyncResponse, WholeDoc,
};
use carecircle_shared::{CircleId, DocKind, Document, DocumentId};

use crate::client::Client;
use crate::core::CareCircle;
use crate::error::{AppError, AppResult};
use crate::store::{DocWrite, RefusedEdit};

/// Most round trips in one exchange.
pub const MAX_ROUNDS: usize = 40;

/// What one sync did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SyncReport {
    /// HTTP requests made (every one of the run: exchanges, the circle list, member lists).
    pub requests: usize,
    /// Documents that received changes from the server.
    pub received: usize,
    /// Refusals, by document.
    pub refused: BTreeMap<DocumentId, Refusal>,
    /// Copies of my unsynced words set aside (see [`CareCircle::refused_edits`]).
    pub kept: usize,
    /// Documents deleted from this device because access was withdrawn.
    pub deleted: Vec<(DocumentId, DocKind)>,
    /// Circles this member is no longer in (removed, or left elsewhere), by name: their
    /// documents are among `deleted`, and one message says so for the whole circle.
    pub left: Vec<(String, Vec<DocumentId>)>,
    /// Documents named in the run's exchanges (each once): the ones with something to upload,
    /// the ones the server said changed, and new ones; unchanged documents are not named.
    pub exchanged: usize,
}

/// One sync in progress: which step comes next, and what it has done so far.
#[derive(Debug)]
pub struct SyncRun {
    report: SyncReport,
    stage: Stage,
    members: Members,
    /// The circles and documents known when the circle list was asked for.
    asked_with: (Vec<CircleId>, Vec<DocumentId>),
    /// The cursor to keep when the run completes (from the first exchange's answer).
    cursor: Option<SyncCursor>,
    /// Memberships or access changed: the circle list and member lists are fetched again.
    standing: bool,
    /// Documents to exchange after the first exchange (and the circle list, if fetched).
    todo: Vec<DocumentId>,
    /// Every document named so far.
    named: HashSet<DocumentId>,
}

/// Whose member list a sync run refreshes at its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Members {
    /// Nobody's.
    None,
    /// This circle's.
    Of(CircleId),
    /// The circle shown (if still listed), else the first of the list the run fetches.
    Shown(Option<CircleId>),
}

#[derive(Debug)]
enum Stage {
    /// This tab's actor id is new: register it before uploading anything written with it.
    Register,
    /// The first exchange: what this device has to upload, and the question "what changed
    /// since my cursor?".
    Poll,
    /// The first exchange is on its way, with the states of the documents it names.
    Polled(HashMap<DocumentId, sync::State>),
    /// Fetch the circle list.
    Circles,
    /// Exchange documents, batch by batch (the last batch first), round by round.
    Docs {
        batches: Vec<Vec<DocumentId>>,
        live: HashMap<DocumentId, sync::State>,
        rounds: usize,
    },
    /// Refresh a circle's member list.
    Members(CircleId),
    Done,
}

/// A request a sync run needs sent.
#[derive(Debug)]
pub enum SyncStep {
    /// Register this actor id for the device.
    Register(ActorId),
    /// Fetch the circle list.
    Circles,
    /// One batched exchange.
    Docs(SyncRequest),
    /// Fetch a circle's members.
    Members(CircleId),
}

/// The answer to a [`SyncStep`].
#[derive(Debug)]
pub enum SyncAnswer {
    /// The actor id is registered.
    Registered,
    /// The circle list.
    Circles(Vec<CircleSummary>),
    /// The exchange's answer.
    Docs(SyncResponse),
    /// A circle's members.
    Members(CircleId, CircleDetail),
}

impl SyncStep {
    /// Sends the request with (a clone of) the core's client: the future holds no borrow of
    /// the core, so edits go on being saved while it is on its way.
    pub async fn send(self, client: Client) -> AppResult<SyncAnswer> {
        Ok(match self {
            SyncStep::Register(actor) => {
                client.register_actor(&actor.to_hex_string()).await?;
                SyncAnswer::Registered
            }
            SyncStep::Circles => SyncAnswer::Circles(client.circles().await?),
            SyncStep::Docs(request) => SyncAnswer::Docs(client.sync(&request).await?),
            SyncStep::Members(c) => SyncAnswer::Members(c, client.circle(c).await?),
        })
    }
}

impl CareCircle {
    /// The client, for sending a sync run's requests.
    pub fn client(&self) -> Client {
        self.client.clone()
    }

    /// Syncs all circles: refreshes the circle list, then exchanges every document in batches.
    /// The whole run, network included, in one call; the app's screens drive the same steps
    /// with [`Self::sync_begin`] so that edits are saved while a request is on its way.
    pub async fn sync(&mut self) -> AppResult<SyncReport> {
        let mut run = self.sync_begin(Members::None);
        let result = loop {
            match self.sync_next(&mut run).await {
                Ok(Some(request)) => match request.send(self.client.clone()).await {
                    Ok(answer) => {
                        if let Err(e) = self.sync_answer(&mut run, answer).await {
                            break Err(e);
                        }
                    }
                    Err(e) => break Err(e),
                },
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        self.sync_end(run, result).await
    }

    /// Starts a sync run; `members`: also refresh a circle's member list at the end.
    pub fn sync_begin(&mut self, members: Members) -> SyncRun {
        self.status.syncing = true;
        SyncRun {
            report: SyncReport::default(),
            stage: if self.actor_unregistered {
                Stage::Register
            } else {
                Stage::Poll
            },
            members,
            asked_with: Default::default(),
            cursor: None,
            standing: false,
            todo: Vec::new(),
            named: HashSet::new(),
        }
    }

    /// The next request of a run, or `None` when it is complete. Only local work happens here;
    /// the caller sends the request (with [`SyncStep::send`]) without holding the core.
    pub async fn sync_next(&mut self, run: &mut SyncRun) -> AppResult<Option<SyncStep>> {
        loop {
            match &mut run.stage {
                Stage::Register => {
                    run.report.requests += 1;
                    return Ok(Some(SyncStep::Register(self.actor()?)));
                }
                Stage::Poll => {
                    let mut request = SyncRequest {
                        docs: Vec::new(),
                        since: Some(self.session().and_then(|s| s.cursor).unwrap_or_default()),
                    };
                    let mut live = HashMap::new();
                    let ids: Vec<DocumentId> = self.docs.keys().copied().collect();
                    for id in ids {
                        let Some(state) = self.pending_state(id).await? else {
                            continue;
                        };
                        if request.docs.len() == Limits::DEFAULT.max_docs_per_sync {
                            // The rest go in the exchanges after this one.
                            run.todo.push(id);
                            continue;
                        }
                        let mut state = state;
                        if let Some(m) =
                            self.docs[&id].automerge().generate_sync_message(&mut state)
                        {
                            request.docs.push(SyncDoc {
                                doc: id,
                                message: Some(Bytes(m.encode())),
                            });
                            run.named.insert(id);
                            live.insert(id, state);
                        }
                    }
                    // What the answer's circle list (if it brings one) is compared with.
                    run.asked_with = (
                        self.circles.iter().map(|c| c.id).collect(),
                        self.docs.keys().copied().collect(),
                    );
                    run.report.requests += 1;
                    run.stage = Stage::Polled(live);
                    return Ok(Some(SyncStep::Docs(request)));
                }
                // Asked again before an answer came (it was lost): ask again.
                Stage::Polled(_) => run.stage = Stage::Poll,
                Stage::Circles => {
                    // What the answer is compared with: circles and documents known now. One
                    // added while the request is on its way (joined here or in another tab) is
                    // not in the answer, and is not "left".
                    run.asked_with = (
                        self.circles.iter().map(|c| c.id).collect(),
                        self.docs.keys().copied().collect(),
                    );
                    run.report.requests += 1;
                    return Ok(Some(SyncStep::Circles));
                }
                Stage::Docs {
                    batches,
                    live,
                    rounds,
                } => {
                    if live.is_empty() {
                        let Some(batch) = batches.pop() else {
                            // The circle list has arrived by now: "the first" is known. The
                            // shown circle's members are fetched again only when memberships
                            // changed (or none are kept yet).
                            let members = match std::mem::replace(&mut run.members, Members::None) {
                                Members::None => None,
                                Members::Of(c) => Some(c),
                                Members::Shown(c) => c
                                    .filter(|c| self.circle(*c).is_ok())
                                    .or_else(|| self.circles.first().map(|c| c.id)),
                            };
                            let members = match members {
                                Some(c) if !run.standing => {
                                    let kept = self.store.members(c).await?;
                                    kept.is_empty().then_some(c)
                                }
                                other => other,
                            };
                            run.stage = members.map_or(Stage::Done, Stage::Members);
                            continue;
                        };
                        for id in batch {
                            let state = self.stored_state(id).await?;
                            live.insert(id, state);
                        }
                        *rounds = 0;
                    }
                    let mut request = SyncRequest::default();
                    for (id, state) in live.iter_mut() {
                        if self.in_step(*id, state) {
                            continue;
                        }
                        if let Some(m) = self
                            .docs
                            .get(id)
                            .and_then(|d| d.automerge().generate_sync_message(state))
                        {
                            request.docs.push(SyncDoc {
                                doc: *id,
                                message: Some(Bytes(m.encode())),
                            });
                            run.named.insert(*id);
                        }
                    }
                    if request.docs.is_empty() || *rounds >= MAX_ROUNDS {
                        live.clear();
                        continue;
                    }
                    *rounds += 1;
                    run.report.requests += 1;
                    return Ok(Some(SyncStep::Docs(request)));
                }
                Stage::Members(c) => {
                    run.report.requests += 1;
                    return Ok(Some(SyncStep::Members(*c)));
                }
                Stage::Done => return Ok(None),
            }
        }
    }

    /// Takes in the answer to the run's last request.
    pub async fn sync_answer(&mut self, run: &mut SyncRun, answer: SyncAnswer) -> AppResult<()> {
        match answer {
            SyncAnswer::Registered => {
                self.actor_unregistered = false;
                run.stage = Stage::Poll;
            }
            SyncAnswer::Circles(fetched) => {
                let asked_with = std::mem::take(&mut run.asked_with);
                self.take_circles(fetched, &asked_with, &mut run.report)
                    .await?;
                // Documents new to this device are exchanged with the ones still to do.
                let new = self.docs.keys().filter(|id| !asked_with.1.contains(id));
                let mut todo = std::mem::take(&mut run.todo);
                todo.extend(new.copied());
                self.start_docs(run, todo);
            }
            SyncAnswer::Docs(mut response) if matches!(run.stage, Stage::Polled(_)) => {
                let Stage::Polled(mut live) = std::mem::replace(&mut run.stage, Stage::Done) else {
                    unreachable!("matched above");
                };
                let mut todo = std::mem::take(&mut run.todo);
                let fetch_circles = match response.changes.take() {
                    Some(mut changes) => {
                        run.cursor = Some(changes.cursor);
                        run.standing = changes.standing;
                        // The circle list, when it came with the answer: as if fetched.
                        let given = changes.circles.is_some();
                        if let Some(circles) = changes.circles.take() {
                            let asked_with = std::mem::take(&mut run.asked_with);
                            self.take_circles(circles, &asked_with, &mut run.report)
                                .await?;
                            let new = self.docs.keys().filter(|id| !asked_with.1.contains(id));
                            todo.extend(new.copied());
                        }
                        // Whole documents for a device that had nothing: done with them.
                        let whole: HashSet<DocumentId> =
                            changes.whole.iter().map(|w| w.doc).collect();
                        self.take_whole(std::mem::take(&mut changes.whole), &mut run.report)
                            .await?;
                        if changes.everything {
                            todo.extend(self.docs.keys().copied());
                        }
                        let unknown = changes.docs.iter().any(|d| !self.docs.contains_key(d));
                        todo.extend(changes.docs);
                        todo.retain(|id| !whole.contains(id));
                        unknown || !given && (changes.standing || self.circles.is_empty())
                    }
                    // A server that does not answer the question: everything, as before.
                    None => {
                        todo.extend(self.docs.keys().copied());
                        run.standing = true;
                        true
                    }
                };
                self.take_docs(response, &mut live, &mut run.report).await?;
                // Documents the first exchange named that need more rounds go on.
                todo.extend(
                    live.into_iter()
                        .filter(|(id, state)| !self.in_step(*id, state))
                        .map(|(id, _)| id),
                );
                if fetch_circles {
                    run.todo = todo;
                    run.stage = Stage::Circles;
                } else {
                    self.start_docs(run, todo);
                }
            }
            SyncAnswer::Docs(response) => {
                let Stage::Docs { live, .. } = &mut run.stage else {
                    return Ok(());
                };
                let mut live = std::mem::take(live);
                let result = self.take_docs(response, &mut live, &mut run.report).await;
                if let Stage::Docs { live: l, .. } = &mut run.stage {
                    *l = live;
                }
                result?;
            }
            SyncAnswer::Members(circle, detail) => {
                self.store.set_members(circle, &detail.members).await?;
                run.stage = Stage::Done;
            }
        }
        Ok(())
    }

    /// Ends a run: the status line learns how it went; returns what it did.
    pub async fn sync_end(&mut self, run: SyncRun, result: AppResult<()>) -> AppResult<SyncReport> {
        self.status.syncing = false;
        match result {
            Ok(()) => {
                let now = self.now();
                self.status.offline = false;
                self.status.last_synced_at = Some(now);
                let cursor = run.cursor;
                self.update_session(|s| {
                    s.last_synced_at = Some(now);
                    s.cursor = cursor.or(s.cursor);
                })
                .await?;
                let mut report = run.report;
                report.exchanged = run.named.len();
                Ok(report)
            }
            Err(e) => {
                if matches!(e, AppError::Offline) {
                    self.status.offline = true;
                }
                Err(e)
            }
        }
    }

    /// The circle list as the server sent it: circles I am no longer in are reported and their
    /// documents deleted here.
    async fn take_circles(
        &mut self,
        mut fetched: Vec<CircleSummary>,
        (circles, docs): &(Vec<CircleId>, Vec<DocumentId>),
        report: &mut SyncReport,
    ) -> AppResult<()> {
        for c in self.circles.iter().filter(|c| circles.contains(&c.id)) {
            if !fetched.iter().any(|f| f.id == c.id) {
                let docs = c.documents.iter().map(|d| d.id).collect();
                report.left.push((c.name.clone(), docs));
            }
        }
        let listed: Vec<DocumentId> = fetched
            .iter()
            .flat_map(|c| c.documents.iter().map(|d| d.id))
            .collect();
        let gone: Vec<(DocumentId, DocKind)> = self
            .docs
            .iter()
            .filter(|(id, _)| docs.contains(id) && !listed.contains(id))
            .map(|(id, d)| (*id, d.kind()))
            .collect();
        for (id, kind) in gone {
            self.forget(id, kind, None, report).await?;
        }
        // Circles that arrived while the request was on its way stay.
        for c in &self.circles {
            if !circles.contains(&c.id) && !fetched.iter().any(|f| f.id == c.id) {
                fetched.push(c.clone());
            }
        }
        self.adopt_circles(fetched, true).await
    }

    /// Sets the run to exchange `todo` (each once, those still here), in batches.
    fn start_docs(&self, run: &mut SyncRun, todo: Vec<DocumentId>) {
        let mut seen = HashSet::new();
        let ids: Vec<DocumentId> = todo
            .into_iter()
            .filter(|id| self.docs.contains_key(id) && seen.insert(*id))
            .collect();
        let mut batches: Vec<Vec<DocumentId>> = ids
            .chunks(Limits::DEFAULT.max_docs_per_sync)
            .map(<[DocumentId]>::to_vec)
            .collect();
        batches.reverse();
        run.stage = Stage::Docs {
            batches,
            live: HashMap::new(),
            rounds: 0,
        };
    }

    /// The stored sync state of a document this device must exchange even if nothing changed
    /// on the server: one never exchanged, or with changes the server is not known to have.
    async fn pending_state(&self, id: DocumentId) -> AppResult<Option<sync::State>> {
        let Some(stored) = self.store.sync_state(id).await? else {
            return Ok(Some(sync::State::new()));
        };
        let mut state = self.fitting(id, Some(stored));
        let doc = self.docs[&id].automerge();
        let known = doc
            .get_heads()
            .iter()
            .all(|h| state.shared_heads.contains(h));
        if known {
            return Ok(None);
        }
        // The server had everything up to the shared heads when this state was stored: say so,
        // so the first message carries the new changes rather than only asking what it has. If
        // it has lost some (a restore), its answer says what it needs and the rounds go on.
        let shared = state.shared_heads.clone();
        state.their_have = Some(vec![sync::Have {
            last_sync: shared.clone(),
            bloom: sync::BloomFilter::default(),
        }]);
        state.their_need = Some(Vec::new());
        state.their_heads = Some(shared);
        Ok(Some(state))
    }

    /// True when the server's last answer for a document advertised exactly this copy's
    /// heads: both have the same changes, and a further message would only acknowledge that
    /// (the next exchange's first message says it anyway).
    fn in_step(&self, id: DocumentId, state: &sync::State) -> bool {
        let (Some(doc), Some(theirs)) = (self.docs.get(&id), state.their_heads.as_ref()) else {
            return false;
        };
        let mut ours = doc.automerge().get_heads();
        let mut theirs = theirs.clone();
        ours.sort();
        theirs.sort();
        ours == theirs
    }

    /// A document's stored sync state, if it still fits the copy here (another tab of the
    /// same device may have stored one naming changes this copy has not loaded yet).
    async fn stored_state(&self, id: DocumentId) -> AppResult<sync::State> {
        let stored = self.store.sync_state(id).await?;
        Ok(self.fitting(id, stored))
    }

    /// `stored` (an encoded sync state) decoded, if it fits the copy here; else a new state.
    fn fitting(&self, id: DocumentId, stored: Option<Vec<u8>>) -> sync::State {
        let state = stored
            .and_then(|b| sync::State::decode(&b).ok())
            .unwrap_or_default();
        let fits = self.docs.get(&id).is_some_and(|d| {
            state
                .shared_heads
                .iter()
                .all(|h| d.automerge().get_change_by_hash(h).is_some())
        });
        if fits { state } else { sync::State::new() }
    }

    /// Syncs with retries: waits 0.5 s, 1 s, 2 s... between attempts that could not reach the
    /// server; never retries an authorization failure.
    pub async fn sync_with_retry(&mut self, attempts: usize) -> AppResult<SyncReport> {
        let mut delay = Duration::from_millis(500);
        let mut last = AppError::Offline;
        for attempt in 0..attempts.max(1) {
            match self.sync().await {
                Ok(report) => return Ok(report),
                Err(e) if e.is_final() => return Err(e),
                Err(e) => last = e,
            }
            if attempt + 1 < attempts {
                futures_timer::Delay::new(delay).await;
                delay = (delay * 2).min(Duration::from_secs(30));
            }
        }
        Err(last)
    }

    /// Takes in whole documents (a device that had nothing): each merged into its copy here,
    /// stored with a sync state saying the server has what it sent, all in one transaction.
    async fn take_whole(&mut self, whole: Vec<WholeDoc>, report: &mut SyncReport) -> AppResult<()> {
        let mut writes = Vec::with_capacity(whole.len());
        for w in whole {
            let Some(doc) = self.docs.get_mut(&w.doc) else {
                continue;
            };
            let kind = doc.kind();
            let am = doc.automerge_mut();
            let before = am.get_heads();
            am.load_incremental(&w.bytes.0).map_err(|_| {
                AppError::Storage("a document from the server could not be read".into())
            })?;
            let mut state = sync::State::new();
            state.shared_heads = am.get_heads();
            let mut part = None;
            if state.shared_heads != before {
                part = self.next_part(w.doc, &before).and_then(|p| p.part);
                report.received += 1;
            }
            writes.push(DocWrite {
                doc: w.doc,
                kind,
                part,
                state: Some(state.encode()),
            });
        }
        self.store.write(&writes).await
    }

    /// Applies one answered round to the documents of the current batch.
    async fn take_docs(
        &mut self,
        response: SyncResponse,
        live: &mut HashMap<DocumentId, sync::State>,
        report: &mut SyncReport,
    ) -> AppResult<()> {
        // Everything this answer brought, stored in one transaction at the end.
        let mut writes = Vec::new();
        for answer in response.docs {
            let id = answer.doc;
            let Some(mut state) = live.remove(&id) else {
                continue;
            };
            // Gone meanwhile (left, removed): nothing to apply.
            let Some(kind) = self.docs.get(&id).map(Document::kind) else {
                continue;
            };
            if let Some(refusal) = answer.refused {
                let withdrawn = matches!(refusal.code, ErrorCode::Revoked | ErrorCode::NotFound);
                self.refused(id, kind, refusal, report).await?;
                if !withdrawn {
                    // My words are set aside; the document starts over from the shared copy,
                    // which the next round of this run fetches.
                    live.insert(id, sync::State::new());
                }
                continue;
            }
            let mut part = None;
            if let Some(message) = answer
                .message
                .and_then(|m| sync::Message::decode(&m.0).ok())
            {
                let doc = self
                    .docs
                    .get_mut(&id)
                    .expect("listed document")
                    .automerge_mut();
                let before = doc.get_heads();
                doc.receive_sync_message(&mut state, message).map_err(|_| {
                    AppError::Storage("a server message could not be applied".into())
                })?;
                if doc.get_heads() != before {
                    part = self.next_part(id, &before).and_then(|w| w.part);
                    report.received += 1;
                }
            }
            writes.push(DocWrite {
                doc: id,
                kind,
                part,
                state: Some(state.encode()),
            });
            live.insert(id, state);
        }
        self.store.write(&writes).await
    }

    async fn refused(
        &mut self,
        id: DocumentId,
        kind: DocKind,
        refusal: Refusal,
        report: &mut SyncReport,
    ) -> AppResult<()> {
        if refusal.code == ErrorCode::Revoked || refusal.code == ErrorCode::NotFound {
            self.forget(id, kind, Some(refusal.clone()), report).await?;
        } else {
            if self.keep_refused(id, kind, &refusal, false).await? {
                report.kept += 1;
            }
            self.start_over(id, kind).await?;
        }
        report.refused.insert(id, refusal);
        Ok(())
    }

    /// Sets my unsynced words aside (readable, recoverable) if there are any; true if it did.
    async fn keep_refused(
        &mut self,
        id: DocumentId,
        kind: DocKind,
        refusal: &Refusal,
        resolved: bool,
    ) -> AppResult<bool> {
        let Some(doc) = self.docs.get(&id) else {
            return Ok(false);
        };
        if self.unsynced_in(id, doc).await? == 0 {
            return Ok(false);
        }
        // Only what my unsynced changes touched is kept (my own words, for me to copy or add
        // again), never a copy of the document, which I may no longer be allowed to read.
        let shared = self.shared_heads(id).await?;
        let copy = doc.own_part(&shared, self.me()?, self.now())?.save();
        let edit = RefusedEdit {
            id: 0,
            doc: id,
            kind,
            code: refusal.code,
            message: refusal.message.clone(),
            at: self.now(),
            copy,
            resolved,
        };
        self.store.add_refused(&edit).await?;
        Ok(true)
    }

    /// Drops this device's copy of a document (its refused changes set aside) so that the
    /// next exchange brings the shared copy: the rest of the document keeps syncing.
    async fn start_over(&mut self, id: DocumentId, kind: DocKind) -> AppResult<()> {
        let actor = self.actor()?;
        self.store.delete(id).await?;
        self.parts.remove(&id);
        self.docs.insert(id, Document::empty(kind, actor));
        self.changed = true;
        Ok(())
    }

    /// Deletes a document this member may no longer read, keeping unsynced edits recoverable.
    async fn forget(
        &mut self,
        id: DocumentId,
        kind: DocKind,
        refusal: Option<Refusal>,
        report: &mut SyncReport,
    ) -> AppResult<()> {
        let refusal = refusal.unwrap_or(Refusal {
            code: ErrorCode::Revoked,
            message: "your access to this document was withdrawn".into(),
        });
        if self.keep_refused(id, kind, &refusal, true).await? {
            report.kept += 1;
        }
        self.store.delete(id).await?;
        self.docs.remove(&id);
        self.parts.remove(&id);
        report.deleted.push((id, kind));
        Ok(())
    }

    /// The heads the server is known to have of `id`.
    async fn shared_heads(&self, id: DocumentId) -> AppResult<Vec<ChangeHash>> {
        Ok(self.stored_state(id).await?.shared_heads)
    }

    async fn unsynced_in(&self, id: DocumentId, doc: &Document) -> AppResult<usize> {
        let me = self.me()?;
        let shared = self.shared_heads(id).await?;
        Ok(doc
            .automerge()
            .get_changes(&shared)
            .iter()
            .filter(|c| {
                c.message()
                    .and_then(CommitMessage::decode)
                    .is_some_and(|m| m.by == me)
            })
            .count())
    }

    /// My changes saved on this device that the server has not yet confirmed.
    pub async fn waiting(&self) -> AppResult<usize> {
        let mut n = 0;
        for (id, doc) in &self.docs {
            n += self.unsynced_in(*id, doc).await?;
        }
        Ok(n)
    }

    /// Edits the server refused, kept readable; `Document::load(kind, &edit.copy)` shows them.
    pub async fn refused_edits(&self) -> AppResult<Vec<RefusedEdit>> {
        self.store.refused().await
    }

    /// Sync status for the status line: offline, syncing, last synced, changes waiting.
    pub async fn status(&self) -> AppResult<crate::core::SyncStatus> {
        Ok(crate::core::SyncStatus {
            waiting: self.waiting().await?,
            ..self.status.clone()
        })
    }
}
