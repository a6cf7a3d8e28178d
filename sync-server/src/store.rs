//! Storage behind one trait whose every method takes the authenticated caller (where there is one),
//! so a PostgreSQL implementation can follow without touching the handlers.
//!
//! Each method is one transaction: it commits before it returns, or changes nothing.

pub mod migrations;
pub mod sqlite;

use async_trait::async_trait;
use carecircle_shared::automerge::ActorId;
use carecircle_shared::limits::Limits;
use carecircle_shared::wire::{
    AccessLogEntry, CircleDetail, CircleSummary, DeviceInfo, InviteInfo, SyncRequest, SyncResponse,
};
use carecircle_shared::{
    Access, CircleId, DeviceId, DocError, DocKind, Document, InviteId, MemberId, Relationship,
    Role, Timestamp,
};

use crate::error::ApiResult;

/// The member and device a valid token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The signed-in member.
    pub member: MemberId,
    /// The device the token was issued to.
    pub device: DeviceId,
    /// The member's display name.
    pub display_name: String,
}

/// What is stored for an account's sign-in.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The account's member id.
    pub member: MemberId,
    /// Display name.
    pub display_name: String,
    /// argon2id PHC string.
    pub password_hash: String,
}

/// A device to create at sign-in.
#[derive(Debug, Clone)]
pub struct NewDevice {
    /// The member signing in.
    pub member: MemberId,
    /// The device's name.
    pub name: String,
    /// The device's first Automerge actor.
    pub actor: ActorId,
    /// SHA-256 of its bearer token.
    pub token_hash: String,
}

/// A server-side edit (circle skeletons are made inside `create_circle`; this is for demo data).
pub type ServerEdit = Box<dyn FnOnce(&mut Document) -> Result<(), DocError> + Send>;

/// Everything the server keeps.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Checks the database answers (for `/healthz`).
    async fn ping(&self) -> ApiResult<()>;

    /// Creates an account; `username_taken` if the (case-folded) name exists.
    async fn create_account(
        &self,
        username: &str,
        display_name: &str,
        password_hash: &str,
    ) -> ApiResult<MemberId>;

    /// The stored credentials for a username, if any.
    async fn credentials(&self, username: &str) -> ApiResult<Option<Credentials>>;

    /// Creates a device (signs it in) and registers its first actor.
    async fn create_device(&self, device: NewDevice) -> ApiResult<DeviceId>;

    /// The caller a token hash belongs to; `unauthorized` if none, revoked, or unused since
    /// `idle_cutoff` (such a token is signed out for good).
    async fn authenticate(&self, token_hash: &str, idle_cutoff: Timestamp) -> ApiResult<Caller>;

    /// Signs the calling device out (its token stops working).
    async fn sign_out(&self, caller: &Caller) -> ApiResult<()>;

    /// The caller's signed-in devices.
    async fn list_devices(&self, caller: &Caller) -> ApiResult<Vec<DeviceInfo>>;

    /// Signs one of the caller's devices out.
    async fn revoke_device(&self, caller: &Caller, device: DeviceId) -> ApiResult<()>;

    /// Registers another actor for the calling device (after "reset to the server's copy").
    async fn register_actor(&self, caller: &Caller, actor: ActorId) -> ApiResult<()>;

    /// Creates a circle with the caller in `role`, and its five documents with skeletons.
    async fn create_circle(
        &self,
        caller: &Caller,
        name: &str,
        role: Role,
    ) -> ApiResult<CircleSummary>;

    /// The circles the caller belongs to (a case manager's caseload).
    async fn list_circles(&self, caller: &Caller) -> ApiResult<Vec<CircleSummary>>;

    /// One circle with its members.
    async fn circle_detail(&self, caller: &Caller, circle: CircleId) -> ApiResult<CircleDetail>;

    /// Creates an invite whose code hashes to `code_hash`.
    async fn create_invite(
        &self,
        caller: &Caller,
        circle: CircleId,
        role: Role,
        code_hash: &str,
        expires_at: Timestamp,
    ) -> ApiResult<InviteId>;

    /// The circle's outstanding invites the caller may see (`shared::policy::may_manage_invite`).
    async fn list_invites(&self, caller: &Caller, circle: CircleId) -> ApiResult<Vec<InviteInfo>>;

    /// Cancels an outstanding invite (its creator, or a member who may manage every invite).
    async fn cancel_invite(
        &self,
        caller: &Caller,
        circle: CircleId,
        invite: InviteId,
    ) -> ApiResult<()>;

    /// Accepts an invite by its code's hash: only while it is unused, not cancelled, not expired
    /// and its creator may still invite that role, and never for a member revoked after the
    /// invite was made.
    async fn accept_invite(
        &self,
        caller: &Caller,
        code_hash: &str,
        relationship: Option<Relationship>,
    ) -> ApiResult<CircleSummary>;

    /// Sets a member's access to one document (the consumer's decision).
    async fn set_access(
        &self,
        caller: &Caller,
        circle: CircleId,
        member: MemberId,
        kind: DocKind,
        access: Access,
    ) -> ApiResult<()>;

    /// Revokes a member (the consumer), or leaves (a member removing themselves).
    async fn remove_member(
        &self,
        caller: &Caller,
        circle: CircleId,
        member: MemberId,
    ) -> ApiResult<()>;

    /// A page of the circle's access log, newest first, entries before `before` (a `seq`).
    async fn access_log(
        &self,
        caller: &Caller,
        circle: CircleId,
        before: Option<i64>,
        limit: usize,
    ) -> ApiResult<Vec<AccessLogEntry>>;

    /// One batched sync exchange; answered only after it is durably committed.
    async fn sync(
        &self,
        caller: &Caller,
        request: SyncRequest,
        limits: &Limits,
    ) -> ApiResult<SyncResponse>;

    /// A change made by the server on a member's behalf (demo data), with the server's actor.
    async fn server_edit(
        &self,
        caller: &Caller,
        circle: CircleId,
        kind: DocKind,
        edit: ServerEdit,
    ) -> ApiResult<()>;
}
