//! The app core: one signed-in device's circles and documents, and the one local edit path.
//!
//! Screens and the command line call this; it keeps documents in memory, writes every edit to
//! the local store before reporting it saved, and syncs through [`crate::engine`].

use std::collections::{BTreeMap, BTreeSet};

use carecircle_shared::automerge::{ActorId, Automerge};
use carecircle_shared::schema::{Appointments, DocSchema, Questions, Team};
use carecircle_shared::wire::{CircleSummary, LoginRequest, RegisterRequest, Session};
use carecircle_shared::{
    CircleId, DocKind, Document, DocumentId, ItemId, Links, MemberId, Relationship, Role,
    Timestamp, ValidationError,
};

use crate::client::Client;
use crate::error::{AppError, AppResult};
use crate::store::{DocWrite, LocalStore, Part, SavedSession};

/// Where syncing stands, for the always-visible status line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncStatus {
    /// The last attempt could not reach the server.
    pub offline: bool,
    /// A sync is under way.
    pub syncing: bool,
    /// When the last complete sync finished.
    pub last_synced_at: Option<Timestamp>,
    /// My changes saved on this device that the server has not confirmed yet.
    pub waiting: usize,
}

/// The app core for one device.
pub struct CareCircle {
    pub(crate) store: Box<dyn LocalStore>,
    pub(crate) client: Client,
    pub(crate) session: Option<SavedSession>,
    pub(crate) circles: Vec<CircleSummary>,
    pub(crate) docs: BTreeMap<DocumentId, Document>,
    pub(crate) status: SyncStatus,
    pub(crate) clock: fn() -> Timestamp,
    /// The stored parts each document in memory was made from (loaded or written here): when
    /// enough have gathered they are folded into one snapshot, and only they are removed.
    pub(crate) parts: BTreeMap<DocumentId, BTreeSet<String>>,
    /// The actor id this core writes with is not known to be registered with the server yet
    /// (a new tab's own id): the next sync registers it first.
    pub(crate) actor_unregistered: bool,
    /// The actor id this tab writes with, when it is not the session's (web: one per tab).
    pub(crate) tab_actor: Option<ActorId>,
    /// Something was written to the store since [`Self::take_changed`].
    pub(crate) changed: bool,
}

/// Chunks a document may gather in the local store before they are folded into one snapshot.
pub const CHUNKS_BEFORE_COMPACTION: usize = 128;

impl std::fmt::Debug for CareCircle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CareCircle")
            .field("server", &self.client.base())
            .field("circles", &self.circles.len())
            .field("docs", &self.docs.len())
            .finish()
    }
}

/// The device clock.
pub fn system_clock() -> Timestamp {
    let ms = chrono::Utc::now().timestamp_millis();
    Timestamp(ms)
}

/// Loads a stored document from its parts (in any order: changes wait for the ones they
/// depend on).
pub fn assemble(kind: DocKind, parts: &[Part], actor: ActorId) -> AppResult<Document> {
    let mut doc = Automerge::new();
    load_parts(&mut doc, parts)?;
    let mut doc = Document::from_automerge(kind, doc);
    doc.set_actor(actor);
    Ok(doc)
}

fn load_parts<'a>(doc: &mut Automerge, parts: impl IntoIterator<Item = &'a Part>) -> AppResult<()> {
    for part in parts.into_iter().filter(|p| !p.bytes.is_empty()) {
        doc.load_incremental(&part.bytes)
            .map_err(|_| AppError::Storage("a stored document could not be read".into()))?;
    }
    Ok(())
}

fn part_ids(parts: &[Part]) -> BTreeSet<String> {
    parts.iter().map(|p| p.id.clone()).collect()
}

impl CareCircle {
    /// How long one request may take before the network counts as down (default
    /// [`carecircle_shared::limits::CLIENT_REQUEST_TIMEOUT_SECS`]).
    pub fn set_request_timeout(&mut self, timeout: std::time::Duration) {
        self.client.set_timeout(timeout);
    }

    /// Also trusts the certificates in `pem` for HTTPS to the server (a self-hosted server with
    /// its own certificate authority; native builds only).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn trust_certificates(&mut self, pem: &[u8]) -> AppResult<()> {
        self.client.trust_certificates(pem)
    }

    /// Opens the core over a local store; restores the session, circles and documents saved there.
    pub async fn open(store: Box<dyn LocalStore>, server: &str) -> AppResult<Self> {
        let session = store.session().await?;
        let mut client = Client::new(session.as_ref().map_or(server, |s| s.server.as_str()));
        client.set_token(session.as_ref().map(|s| s.token.clone()));
        let circles = store.circles().await?;
        let actor = session
            .as_ref()
            .and_then(|s| hex::decode(&s.actor).ok())
            .map(ActorId::from)
            .unwrap_or_else(ActorId::random);
        let mut docs = BTreeMap::new();
        let mut counts = BTreeMap::new();
        for (id, kind) in store.documents().await? {
            if let Some(parts) = store.load(id).await? {
                docs.insert(id, assemble(kind, &parts, actor.clone())?);
                counts.insert(id, part_ids(&parts));
            }
        }
        let status = SyncStatus {
            last_synced_at: session.as_ref().and_then(|s| s.last_synced_at),
            ..SyncStatus::default()
        };
        Ok(Self {
            store,
            client,
            session,
            circles,
            docs,
            status,
            clock: system_clock,
            parts: counts,
            actor_unregistered: false,
            tab_actor: None,
            changed: false,
        })
    }

    /// The one way new changes reach the local store: appends them durably (changes made after
    /// `before`), folding the parts this copy knows into one snapshot once enough have gathered.
    pub(crate) async fn persist(
        &mut self,
        id: DocumentId,
        before: &[carecircle_shared::automerge::ChangeHash],
    ) -> AppResult<()> {
        match self.next_part(id, before) {
            Some(write) => self.store.write(&[write]).await,
            None => Ok(()),
        }
    }

    /// The write that stores what `id` gained since `before` (a compaction snapshot when
    /// enough parts have gathered), counted among the parts this copy knows; `None` if it
    /// gained nothing. The caller writes it (alone, or with the rest of a sync exchange).
    pub(crate) fn next_part(
        &mut self,
        id: DocumentId,
        before: &[carecircle_shared::automerge::ChangeHash],
    ) -> Option<DocWrite> {
        let doc = self.docs.get(&id)?;
        let chunk = doc.automerge().save_after(before);
        if chunk.is_empty() {
            return None;
        }
        let known = self.parts.entry(id).or_default();
        let write = if known.len() + 1 > CHUNKS_BEFORE_COMPACTION {
            let snapshot = Part::new(doc.save(), true);
            let covered: Vec<String> = known.iter().cloned().collect();
            *known = BTreeSet::from([snapshot.id.clone()]);
            DocWrite::part(id, doc.kind(), snapshot, covered)
        } else {
            let part = Part::new(chunk, false);
            known.insert(part.id.clone());
            DocWrite::part(id, doc.kind(), part, Vec::new())
        };
        self.changed = true;
        Some(write)
    }

    /// Takes in what another writer of this device's store (another tab) saved: parts not
    /// loaded here yet, new documents, the circle list. Returns true if anything changed.
    pub async fn reload(&mut self) -> AppResult<bool> {
        let Some(session) = self.store.session().await? else {
            // Signed out elsewhere on this device.
            let was = self.session.is_some();
            self.session = None;
            self.circles.clear();
            self.docs.clear();
            self.parts.clear();
            self.client.set_token(None);
            return Ok(was);
        };
        if self.session.is_none() {
            self.client.set_base(&session.server);
            self.client.set_token(Some(session.token.clone()));
            self.session = Some(session);
        }
        let mut changed = false;
        let circles = self.store.circles().await?;
        if circles != self.circles {
            self.circles = circles;
            changed = true;
        }
        let actor = self.actor()?;
        for (id, kind) in self.store.documents().await? {
            let Some(parts) = self.store.load(id).await? else {
                continue;
            };
            let known = self.parts.entry(id).or_default();
            let new: Vec<&Part> = parts.iter().filter(|p| !known.contains(&p.id)).collect();
            if new.is_empty() {
                continue;
            }
            let doc = self
                .docs
                .entry(id)
                .or_insert_with(|| Document::empty(kind, actor.clone()));
            let before = doc.heads();
            load_parts(doc.automerge_mut(), new.iter().copied())?;
            known.extend(new.iter().map(|p| p.id.clone()));
            changed |= doc.heads() != before;
        }
        Ok(changed)
    }

    /// True once after this core has written to the store (for telling the other tabs).
    pub fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    /// The server this device syncs with.
    pub fn server(&self) -> &str {
        self.client.base()
    }

    /// Uses another clock (tests).
    pub fn set_clock(&mut self, clock: fn() -> Timestamp) {
        self.clock = clock;
    }

    /// Now, by this device's clock.
    pub fn now(&self) -> Timestamp {
        (self.clock)()
    }

    /// Points the core at another server address (keeps the session).
    pub async fn set_server(&mut self, base: &str) -> AppResult<()> {
        self.client.set_base(base);
        let base = base.to_string();
        self.update_session(move |s| s.server = base).await
    }

    /// Changes the saved session: the stored copy is read first (another tab may have changed
    /// it since this one loaded it), changed, written, and taken as this core's.
    pub(crate) async fn update_session(
        &mut self,
        f: impl FnOnce(&mut SavedSession),
    ) -> AppResult<()> {
        if self.session.is_none() {
            return Ok(());
        }
        let Some(mut saved) = self.store.session().await?.or_else(|| self.session.clone()) else {
            return Ok(());
        };
        f(&mut saved);
        self.store.set_session(Some(&saved)).await?;
        self.session = Some(saved);
        Ok(())
    }

    /// The signed-in session.
    pub fn session(&self) -> Option<&SavedSession> {
        self.session.as_ref()
    }

    /// The signed-in member.
    pub fn me(&self) -> AppResult<MemberId> {
        self.session
            .as_ref()
            .map(|s| s.member)
            .ok_or(AppError::NotSignedIn)
    }

    pub(crate) fn actor(&self) -> AppResult<ActorId> {
        let s = self.session.as_ref().ok_or(AppError::NotSignedIn)?;
        if let Some(a) = &self.tab_actor {
            return Ok(a.clone());
        }
        hex::decode(&s.actor)
            .map(ActorId::from)
            .map_err(|_| AppError::Storage("the saved actor id is unreadable".into()))
    }

    /// Every actor id this device has (hex): the session's first, then the others'.
    pub fn device_actors(&self) -> Vec<String> {
        self.session
            .iter()
            .flat_map(|s| std::iter::once(s.actor.clone()).chain(s.actors.iter().cloned()))
            .collect()
    }

    /// Writes with `actor` from now on (one of [`Self::device_actors`], or a new one that is
    /// then added to them); the next sync registers it with the server before uploading.
    pub async fn use_actor(&mut self, actor: ActorId) -> AppResult<()> {
        let hex = actor.to_hex_string();
        self.update_session(|s| {
            if s.actor != hex && !s.actors.contains(&hex) {
                s.actors.push(hex);
            }
        })
        .await?;
        for d in self.docs.values_mut() {
            d.set_actor(actor.clone());
        }
        self.tab_actor = Some(actor);
        self.actor_unregistered = true;
        Ok(())
    }

    async fn start_session(&mut self, session: Session, actor: &ActorId) -> AppResult<()> {
        let saved = SavedSession {
            server: self.client.base().to_string(),
            token: session.token.clone(),
            member: session.member,
            device: session.device,
            display_name: session.display_name,
            actor: actor.to_hex_string(),
            last_synced_at: None,
            actors: Vec::new(),
            cursor: None,
        };
        self.store.set_session(Some(&saved)).await?;
        self.client.set_token(Some(session.token));
        self.session = Some(saved);
        Ok(())
    }

    /// Creates an account and signs this device in.
    pub async fn register(
        &mut self,
        username: &str,
        password: &str,
        display_name: &str,
        device_name: &str,
    ) -> AppResult<()> {
        let actor = ActorId::random();
        let session = self
            .client
            .register(&RegisterRequest {
                username: username.into(),
                password: password.into(),
                display_name: display_name.into(),
                device_name: device_name.into(),
                actor: actor.to_hex_string(),
            })
            .await?;
        self.start_session(session, &actor).await
    }

    /// Signs this device in.
    pub async fn sign_in(
        &mut self,
        username: &str,
        password: &str,
        device_name: &str,
    ) -> AppResult<()> {
        let actor = ActorId::random();
        let session = self
            .client
            .login(&LoginRequest {
                username: username.into(),
                password: password.into(),
                device_name: device_name.into(),
                actor: actor.to_hex_string(),
            })
            .await?;
        self.start_session(session, &actor).await
    }

    /// My circles (a case manager's caseload), as last synced.
    pub fn circles(&self) -> &[CircleSummary] {
        &self.circles
    }

    /// One circle.
    pub fn circle(&self, circle: CircleId) -> AppResult<&CircleSummary> {
        self.circles
            .iter()
            .find(|c| c.id == circle)
            .ok_or(AppError::NoCircle)
    }

    /// My role in a circle.
    pub fn role(&self, circle: CircleId) -> AppResult<Role> {
        Ok(self.circle(circle)?.role)
    }

    /// Creates a circle (as its consumer, or as a case manager for a consumer).
    pub async fn create_circle(&mut self, name: &str, role: Role) -> AppResult<CircleId> {
        let c = self.client.create_circle(name, role).await?;
        let id = c.id;
        self.adopt_circles(vec![c], false).await?;
        Ok(id)
    }

    /// Joins a circle with an invite code.
    pub async fn join(
        &mut self,
        code: &str,
        relationship: Option<Relationship>,
    ) -> AppResult<CircleId> {
        let c = self.client.accept(code, relationship).await?;
        let id = c.id;
        self.adopt_circles(vec![c], false).await?;
        Ok(id)
    }

    /// Merges fetched circle summaries into the saved list (`complete`: the list is all of them).
    pub(crate) async fn adopt_circles(
        &mut self,
        fetched: Vec<CircleSummary>,
        complete: bool,
    ) -> AppResult<()> {
        let actor = self.actor()?;
        if complete {
            self.circles = fetched;
        } else {
            for c in fetched {
                self.circles.retain(|x| x.id != c.id);
                self.circles.push(c);
            }
        }
        for c in &self.circles {
            for d in &c.documents {
                self.docs
                    .entry(d.id)
                    .or_insert_with(|| Document::empty(d.kind, actor.clone()));
            }
        }
        self.store.set_circles(&self.circles).await
    }

    /// The id of one of a circle's documents, if this member may read it.
    pub fn doc_id(&self, circle: CircleId, kind: DocKind) -> AppResult<DocumentId> {
        self.circle(circle)?
            .documents
            .iter()
            .find(|d| d.kind == kind)
            .map(|d| d.id)
            .ok_or(AppError::NoDocument(kind))
    }

    /// A document on this device.
    pub fn document(&self, circle: CircleId, kind: DocKind) -> AppResult<&Document> {
        self.docs
            .get(&self.doc_id(circle, kind)?)
            .filter(|d| d.has_skeleton())
            .ok_or(AppError::NoDocument(kind))
    }

    /// The typed content of one of a circle's documents.
    pub fn view<T: DocSchema>(&self, circle: CircleId) -> AppResult<T> {
        Ok(self.document(circle, T::KIND)?.view()?)
    }

    fn ids<T: DocSchema>(
        &self,
        circle: CircleId,
        ids: impl Fn(&T) -> BTreeSet<ItemId>,
    ) -> Option<BTreeSet<ItemId>> {
        self.view::<T>(circle).ok().map(|v| ids(&v))
    }

    /// The ids of the circle's other documents, for checking links in an edit.
    pub fn links(&self, circle: CircleId) -> Links {
        Links {
            appointments: self.ids(circle, |a: &Appointments| a.items.keys().cloned().collect()),
            questions: self.ids(circle, |q: &Questions| q.items.keys().cloned().collect()),
            team: self.ids(circle, |t: &Team| t.members.keys().cloned().collect()),
        }
    }

    /// The one local edit path: checks the policy allows writing, applies `f` through the shared
    /// edit helper, and stores the new changes durably before returning.
    pub async fn edit<T: DocSchema, R>(
        &mut self,
        circle: CircleId,
        what: &str,
        f: impl FnOnce(&mut T) -> Result<R, ValidationError>,
    ) -> AppResult<R> {
        let me = self.me()?;
        let entry = self
            .circle(circle)?
            .documents
            .iter()
            .find(|d| d.kind == T::KIND)
            .cloned()
            .ok_or(AppError::NoDocument(T::KIND))?;
        if !entry.access.can_write() {
            return Err(AppError::NotAllowed("you may read this but not change it"));
        }
        let role = self.role(circle)?;
        let links = self.links(circle);
        let now = self.now();
        let doc = self
            .docs
            .get_mut(&entry.id)
            .ok_or(AppError::NoDocument(T::KIND))?;
        let before = doc.heads();
        // The server's item rules (authors only change their own notes and questions, fields
        // naming a member name me), checked before anything is saved here.
        let mut edited = doc.clone();
        let result = edited.change(me, what, now, &links, f)?;
        carecircle_shared::authorship::check_item_rules(T::KIND, role, me, doc, &edited)
            .map_err(|_| AppError::NotAllowed("only the person who wrote it can change it"))?;
        *doc = edited;
        if let Err(e) = self.persist(entry.id, &before).await {
            // Not durable: undo in memory so what is shown is what is saved.
            if let Some(parts) = self.store.load(entry.id).await.ok().flatten() {
                let actor = self.actor()?;
                self.docs
                    .insert(entry.id, assemble(T::KIND, &parts, actor)?);
                self.parts.insert(entry.id, part_ids(&parts));
            }
            return Err(e);
        }
        Ok(result)
    }

    /// Signs out: refuses while local changes have not reached the server, unless `discard`.
    /// Returns how many unsynced changes there were.
    pub async fn sign_out(&mut self, discard: bool) -> AppResult<usize> {
        let waiting = self.waiting().await?;
        if waiting > 0 && !discard {
            return Err(AppError::NotAllowed(
                "some changes have not been synced yet; sync first or discard them",
            ));
        }
        let _ = self.client.logout().await;
        self.store.clear().await?;
        self.session = None;
        self.circles.clear();
        self.docs.clear();
        self.parts.clear();
        self.client.set_token(None);
        Ok(waiting)
    }
}
