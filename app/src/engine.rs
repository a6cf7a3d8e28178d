//! The sync engine: batched exchanges of every readable document until quiet, refusals kept
//! recoverable, revoked copies deleted, back-off on network errors, no retry of 401/403.
//!
//! One call to [`CareCircle::sync`] is one exchange: each document's stored sync state is decoded
//! at its start, kept only for its round trips, and stored after every answered round.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use carecircle_shared::automerge::sync::{self, SyncDoc as _};
use carecircle_shared::automerge::{ActorId, ChangeHash};
use carecircle_shared::document::CommitMessage;
use carecircle_shared::limits::Limits;
use carecircle_shared::wire::{Bytes, ErrorCode, Refusal, SyncDoc, SyncRequest};
use carecircle_shared::{DocKind, Document, DocumentId};

use crate::core::CareCircle;
use crate::error::{AppError, AppResult};
use crate::store::RefusedEdit;

/// Most round trips in one exchange.
pub const MAX_ROUNDS: usize = 40;

/// What one sync did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SyncReport {
    /// HTTP requests made.
    pub requests: usize,
    /// Documents that received changes from the server.
    pub received: usize,
    /// Refusals, by document.
    pub refused: BTreeMap<DocumentId, Refusal>,
    /// Documents deleted from this device because access was withdrawn.
    pub deleted: Vec<(DocumentId, DocKind)>,
    /// Circles this member is no longer in (removed, or left elsewhere), by name: their
    /// documents are among `deleted`, and one message says so for the whole circle.
    pub left: Vec<(String, Vec<DocumentId>)>,
}

impl CareCircle {
    /// Documents currently held back by a refusal (they sync again after a reset).
    async fn blocked(&self) -> AppResult<Vec<DocumentId>> {
        Ok(self
            .store
            .refused()
            .await?
            .into_iter()
            .filter(|r| !r.resolved)
            .map(|r| r.doc)
            .collect())
    }

    /// Syncs all circles: refreshes the circle list, then exchanges every document in batches.
    pub async fn sync(&mut self) -> AppResult<SyncReport> {
        self.status.syncing = true;
        let result = self.sync_inner().await;
        self.status.syncing = false;
        match &result {
            Ok(_) => {
                let now = self.now();
                self.status.offline = false;
                self.status.last_synced_at = Some(now);
                if let Some(s) = &mut self.session {
                    s.last_synced_at = Some(now);
                    self.store.set_session(Some(s)).await?;
                }
            }
            Err(AppError::Offline) => self.status.offline = true,
            Err(_) => {}
        }
        result
    }

    async fn sync_inner(&mut self) -> AppResult<SyncReport> {
        let mut report = SyncReport::default();
        let fetched = self.client.circles().await?;
        for c in &self.circles {
            if !fetched.iter().any(|f| f.id == c.id) {
                let docs = c.documents.iter().map(|d| d.id).collect();
                report.left.push((c.name.clone(), docs));
            }
        }
        // Circles no longer listed (membership revoked): delete their documents here.
        let listed: Vec<DocumentId> = fetched
            .iter()
            .flat_map(|c| c.documents.iter().map(|d| d.id))
            .collect();
        let gone: Vec<(DocumentId, DocKind)> = self
            .docs
            .iter()
            .filter(|(id, _)| !listed.contains(id))
            .map(|(id, d)| (*id, d.kind()))
            .collect();
        for (id, kind) in gone {
            self.forget(id, kind, None, &mut report).await?;
        }
        self.adopt_circles(fetched, true).await?;
        let blocked = self.blocked().await?;
        let ids: Vec<DocumentId> = self
            .docs
            .keys()
            .filter(|id| !blocked.contains(id))
            .copied()
            .collect();
        for batch in ids.chunks(Limits::DEFAULT.max_docs_per_sync) {
            self.exchange(batch, &mut report).await?;
        }
        Ok(report)
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

    async fn exchange(&mut self, ids: &[DocumentId], report: &mut SyncReport) -> AppResult<()> {
        let mut live: HashMap<DocumentId, sync::State> = HashMap::new();
        for id in ids {
            let stored = self.store.sync_state(*id).await?;
            live.insert(
                *id,
                stored
                    .and_then(|b| sync::State::decode(&b).ok())
                    .unwrap_or_default(),
            );
        }
        for _ in 0..MAX_ROUNDS {
            let mut request = SyncRequest::default();
            for (id, state) in live.iter_mut() {
                if let Some(m) = self
                    .docs
                    .get(id)
                    .and_then(|d| d.automerge().generate_sync_message(state))
                {
                    request.docs.push(SyncDoc {
                        doc: *id,
                        message: Some(Bytes(m.encode())),
                    });
                }
            }
            if request.docs.is_empty() {
                return Ok(());
            }
            report.requests += 1;
            let response = self.client.sync(&request).await?;
            for answer in response.docs {
                let id = answer.doc;
                let Some(mut state) = live.remove(&id) else {
                    continue;
                };
                let Some(kind) = self.docs.get(&id).map(Document::kind) else {
                    continue;
                };
                if let Some(refusal) = answer.refused {
                    self.refused(id, kind, refusal, report).await?;
                    continue;
                }
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
                        self.persist(id, &before).await?;
                        report.received += 1;
                    }
                }
                self.store.set_sync_state(id, Some(&state.encode())).await?;
                live.insert(id, state);
            }
        }
        Ok(())
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
            self.keep_refused(id, kind, &refusal, false).await?;
        }
        report.refused.insert(id, refusal);
        Ok(())
    }

    /// Sets a refused copy aside (readable, recoverable) if it holds unsynced changes of mine.
    async fn keep_refused(
        &mut self,
        id: DocumentId,
        kind: DocKind,
        refusal: &Refusal,
        resolved: bool,
    ) -> AppResult<()> {
        let Some(doc) = self.docs.get(&id) else {
            return Ok(());
        };
        if self.unsynced_in(id, doc).await? == 0 {
            return Ok(());
        }
        // Withdrawn (`resolved`): only what my unsynced changes touched is kept, never a copy
        // of the document I may no longer read.
        let copy = if resolved {
            let shared = self.shared_heads(id).await?;
            doc.own_part(&shared, self.me()?, self.now())?.save()
        } else {
            doc.save()
        };
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
        self.keep_refused(id, kind, &refusal, true).await?;
        self.store.delete(id).await?;
        self.docs.remove(&id);
        self.parts.remove(&id);
        report.deleted.push((id, kind));
        Ok(())
    }

    /// The heads the server is known to have of `id`.
    async fn shared_heads(&self, id: DocumentId) -> AppResult<Vec<ChangeHash>> {
        Ok(self
            .store
            .sync_state(id)
            .await?
            .and_then(|b| sync::State::decode(&b).ok())
            .map(|s| s.shared_heads)
            .unwrap_or_default())
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

    /// "Reset this document to the server's copy": the refused copy stays readable in
    /// [`Self::refused_edits`]; this device continues with a new, registered actor id.
    pub async fn reset_to_server(&mut self, doc: DocumentId) -> AppResult<SyncReport> {
        let actor = ActorId::random();
        self.client.register_actor(&actor.to_hex_string()).await?;
        if let Some(s) = &mut self.session {
            s.actor = actor.to_hex_string();
            self.store.set_session(Some(s)).await?;
        }
        for d in self.docs.values_mut() {
            d.set_actor(actor.clone());
        }
        let kind = self
            .docs
            .get(&doc)
            .map(Document::kind)
            .ok_or(AppError::NoCircle)?;
        self.store.delete(doc).await?;
        self.parts.remove(&doc);
        self.docs.insert(doc, Document::empty(kind, actor));
        for r in self.store.refused().await? {
            if r.doc == doc && !r.resolved {
                self.store.resolve_refused(r.id).await?;
            }
        }
        let mut report = SyncReport::default();
        self.exchange(&[doc], &mut report).await?;
        Ok(report)
    }

    /// Sync status for the status line: offline, syncing, last synced, changes waiting.
    pub async fn status(&self) -> AppResult<crate::core::SyncStatus> {
        Ok(crate::core::SyncStatus {
            waiting: self.waiting().await?,
            ..self.status.clone()
        })
    }
}
