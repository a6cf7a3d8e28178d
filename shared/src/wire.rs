//! Wire types of the server API (JSON over HTTP, version 1), shared by the server, the app and the tests.
//!
//! Every route lives under `/v1`; binary payloads (Automerge sync messages) travel as base64.

use std::collections::BTreeMap;

use base64::Engine;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ids::{CircleId, DeviceId, DocumentId, InviteId, MemberId};
use crate::policy::{Access, DocKind};
use crate::role::{Relationship, Role};
use crate::time::Timestamp;
use crate::vocabulary;

/// The API version in every route's prefix (`/v1/...`).
pub const API_VERSION: u32 = 1;

vocabulary! {
    /// Stable error codes, in error bodies and per-document sync refusals.
    pub enum ErrorCode {
        /// The request is not well-formed (wrong field types, bad ids, bad query).
        BadRequest = "bad_request",
        /// The body is not the JSON the route expects.
        MalformedJson = "malformed_json",
        /// No valid sign-in token.
        Unauthorized = "unauthorized",
        /// Signed in, but not allowed to do this.
        Forbidden = "forbidden",
        /// No such thing (or not visible to this member).
        NotFound = "not_found",
        /// The member's access was revoked; delete local copies.
        Revoked = "revoked",
        /// The content breaks a schema rule.
        Invalid = "invalid",
        /// Bytes that are not Automerge data.
        Malformed = "malformed",
        /// Over a size or count limit.
        TooLarge = "too_large",
        /// A change made with an actor id that is not the uploading device's.
        UnknownActor = "unknown_actor",
        /// A change to an item only its author may change.
        NotAuthor = "not_author",
        /// The invite code is unknown.
        InviteInvalid = "invite_invalid",
        /// The invite has expired.
        InviteExpired = "invite_expired",
        /// The invite was already used.
        InviteUsed = "invite_used",
        /// The invite was cancelled, or the person who made it may no longer invite.
        InviteCancelled = "invite_cancelled",
        /// The member already belongs to the circle.
        AlreadyMember = "already_member",
        /// The circle already has its one consumer.
        CircleHasConsumer = "circle_has_consumer",
        /// The username is taken.
        UsernameTaken = "username_taken",
        /// Wrong username or password.
        InvalidCredentials = "invalid_credentials",
        /// The password is too short or too long.
        WeakPassword = "weak_password",
        /// This server does not accept new accounts.
        RegistrationClosed = "registration_closed",
        /// Too many attempts; try again later.
        RateLimited = "rate_limited",
        /// The server is too busy; try again later.
        Overloaded = "overloaded",
        /// The request took too long.
        Timeout = "timeout",
        /// The path exists but not with this HTTP method.
        MethodNotAllowed = "method_not_allowed",
        /// Something failed on the server; nothing was changed.
        Internal = "internal",
    }
}

impl ErrorCode {
    /// The HTTP status that carries this code.
    pub const fn http_status(self) -> u16 {
        match self {
            ErrorCode::BadRequest | ErrorCode::Malformed | ErrorCode::WeakPassword => 400,
            ErrorCode::MalformedJson => 400,
            ErrorCode::Unauthorized | ErrorCode::InvalidCredentials => 401,
            ErrorCode::Forbidden
            | ErrorCode::Revoked
            | ErrorCode::NotAuthor
            | ErrorCode::UnknownActor
            | ErrorCode::RegistrationClosed => 403,
            ErrorCode::NotFound | ErrorCode::InviteInvalid => 404,
            ErrorCode::AlreadyMember | ErrorCode::CircleHasConsumer | ErrorCode::UsernameTaken => {
                409
            }
            ErrorCode::InviteExpired | ErrorCode::InviteUsed | ErrorCode::InviteCancelled => 410,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::TooLarge => 413,
            ErrorCode::Invalid => 422,
            ErrorCode::RateLimited => 429,
            ErrorCode::Internal => 500,
            ErrorCode::Overloaded => 503,
            ErrorCode::Timeout => 504,
        }
    }
}

/// The body of every error response: `{ "error": { "code": "...", "message": "..." } }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// An error's stable code and a human message (never health data, never internals).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable code.
    pub code: ErrorCode,
    /// Human-readable explanation.
    pub message: String,
}

/// Binary data carried as base64 in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bytes(pub Vec<u8>);

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(s.as_bytes())
            .map(Bytes)
            .map_err(|_| serde::de::Error::custom("not base64"))
    }
}

/// `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// "ok".
    pub status: String,
    /// The server's version.
    pub version: String,
}

/// `POST /v1/accounts`: create an account and sign this device in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterRequest {
    /// Sign-in name (case-insensitive, unique).
    pub username: String,
    /// Password.
    pub password: String,
    /// The name others in the circle see.
    pub display_name: String,
    /// This device's name, e.g. "Sam's phone".
    pub device_name: String,
    /// This device's Automerge actor id (hex).
    pub actor: String,
}

/// `POST /v1/sessions`: sign a device in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    /// Sign-in name.
    pub username: String,
    /// Password.
    pub password: String,
    /// This device's name.
    pub device_name: String,
    /// This device's Automerge actor id (hex).
    pub actor: String,
}

/// The answer to registering or signing in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Bearer token for this device; shown once, stored on the server only as a hash.
    pub token: String,
    /// The signed-in member.
    pub member: MemberId,
    /// This device.
    pub device: DeviceId,
    /// The member's display name.
    pub display_name: String,
}

/// `POST /v1/devices/current/actors`: register another actor id for this device (after a reset).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterActor {
    /// The new actor id (hex).
    pub actor: String,
}

/// One of my devices (`GET /v1/devices`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// The device.
    pub id: DeviceId,
    /// Its name.
    pub name: String,
    /// When it signed in.
    pub created_at: Timestamp,
    /// When it last made a request.
    pub last_seen_at: Timestamp,
    /// True for the device making this request.
    pub current: bool,
}

/// `POST /v1/circles`: create a circle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateCircle {
    /// The circle's name (usually the consumer's first name).
    pub name: String,
    /// The creator's role: consumer (for themselves) or case manager (for a consumer).
    pub role: Role,
}

/// One document of a circle, as its member sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocRef {
    /// The document.
    pub id: DocumentId,
    /// Which of the five.
    pub kind: DocKind,
    /// My access to it.
    pub access: Access,
}

/// A circle I belong to (`GET /v1/circles` lists them: a case manager's caseload).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CircleSummary {
    /// The circle.
    pub id: CircleId,
    /// Its name.
    pub name: String,
    /// My role in it.
    pub role: Role,
    /// Its documents I may read, with my access (documents I may not read are not listed).
    pub documents: Vec<DocRef>,
}

/// A member of a circle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberInfo {
    /// The member.
    pub member: MemberId,
    /// Their display name.
    pub display_name: String,
    /// Their role.
    pub role: Role,
    /// For carers: how they are related to the consumer.
    pub relationship: Option<Relationship>,
    /// Their access to each document.
    pub access: BTreeMap<DocKind, Access>,
    /// When they joined.
    pub joined_at: Timestamp,
}

/// `GET /v1/circles/{circle}`: a circle with its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CircleDetail {
    /// The circle as I see it.
    pub circle: CircleSummary,
    /// Its current members.
    pub members: Vec<MemberInfo>,
}

/// `POST /v1/circles/{circle}/invites`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateInvite {
    /// The role the invitee will have.
    pub role: Role,
    /// Seconds until it expires (at most the server's limit; default three days).
    pub expires_in_secs: Option<u64>,
}

/// A created invite; the code is shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    /// The invite.
    pub id: InviteId,
    /// The short code to read out or type.
    pub code: String,
    /// The role it grants.
    pub role: Role,
    /// When it stops working.
    pub expires_at: Timestamp,
}

/// One outstanding invite as listed by `GET /v1/circles/{circle}/invites` (never its code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteInfo {
    /// The invite.
    pub id: InviteId,
    /// The role it grants.
    pub role: Role,
    /// Who made it.
    pub created_by: MemberId,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it stops working.
    pub expires_at: Timestamp,
}

/// `POST /v1/invites/accept`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptInvite {
    /// The code.
    pub code: String,
    /// For carers: how they are related to the consumer.
    pub relationship: Option<Relationship>,
}

/// `PUT /v1/circles/{circle}/members/{member}/access`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetAccess {
    /// The document.
    pub kind: DocKind,
    /// The new access.
    pub access: Access,
}

vocabulary! {
    /// What an access-log entry records.
    pub enum LogAction {
        /// Received a document (or changes to it) through sync.
        Read = "read",
        /// Uploaded changes that were merged.
        Write = "write",
        /// Uploaded changes that were refused.
        Refused = "refused",
        /// Created the circle.
        CreateCircle = "create_circle",
        /// Created an invite.
        CreateInvite = "create_invite",
        /// Cancelled an invite (by hand, or because its creator was removed or left).
        CancelInvite = "cancel_invite",
        /// Joined with an invite.
        Join = "join",
        /// Changed a member's access.
        ChangeAccess = "change_access",
        /// Revoked a member.
        Revoke = "revoke",
        /// Left the circle.
        Leave = "leave",
    }
}

impl LogAction {
    /// A plain-language label for screens.
    pub const fn label(self) -> &'static str {
        match self {
            LogAction::Read => "Received",
            LogAction::Write => "Changed",
            LogAction::Refused => "Change refused",
            LogAction::CreateCircle => "Created the circle",
            LogAction::CreateInvite => "Created an invite",
            LogAction::CancelInvite => "Cancelled an invite",
            LogAction::Join => "Joined",
            LogAction::ChangeAccess => "Changed access",
            LogAction::Revoke => "Removed a member",
            LogAction::Leave => "Left the circle",
        }
    }
}

/// One entry of a circle's access log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessLogEntry {
    /// Entry number, increasing; pass as `before` to page back.
    pub seq: i64,
    /// When.
    pub at: Timestamp,
    /// Who acted.
    pub member: MemberId,
    /// From which device, if a device was involved.
    pub device: Option<DeviceId>,
    /// What they did.
    pub action: LogAction,
    /// Which document, if any.
    pub kind: Option<DocKind>,
    /// The member acted upon (access change, revoke), if any.
    pub subject: Option<MemberId>,
    /// The detail of an access change or refusal code (e.g. "plan: none", "forbidden").
    pub detail: String,
    /// The display name of who acted, kept after they leave or are removed.
    #[serde(default)]
    pub name: String,
    /// When who acted stopped being a member (left or removed), if they have.
    #[serde(default)]
    pub removed_at: Option<Timestamp>,
    /// The display name of the member acted upon, if any.
    #[serde(default)]
    pub subject_name: Option<String>,
}

/// `POST /v1/sync`: sync messages for many documents in one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SyncRequest {
    /// One entry per document.
    pub docs: Vec<SyncDoc>,
    /// Where this device stood after its last complete sync (the zero cursor if it has none):
    /// the answer then says what changed since, so unchanged documents are never named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<SyncCursor>,
}

/// How far a device has seen the server: two numbers, whatever the number of documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SyncCursor {
    /// The server's change clock: every document change numbered up to this has been exchanged.
    pub docs: i64,
    /// The last membership or access change (an access-log entry) in the member's circles.
    pub standing: i64,
}

/// What changed since a request's cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SyncChanges {
    /// The cursor to keep once every document listed here has been exchanged.
    pub cursor: SyncCursor,
    /// Documents the member reads that changed since the cursor, but for those the request
    /// named (their answers are in `docs`).
    pub docs: Vec<DocumentId>,
    /// The circle list or a member list changed: fetch them again.
    pub standing: bool,
    /// The cursor is ahead of this server (it was restored from an older backup): exchange
    /// every document, so what the server lost is uploaded again.
    pub everything: bool,
    /// The member's circles, when `standing` (so the list needs no request of its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub circles: Option<Vec<CircleSummary>>,
    /// For a device with nothing yet (it sent the zero cursor): whole documents, compacted, in
    /// place of starting the sync protocol for them (as many as fit one answer); the rest are
    /// in `docs`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub whole: Vec<WholeDoc>,
}

/// A whole document as saved by the server (what a device with nothing of it starts from).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WholeDoc {
    /// The document.
    pub doc: DocumentId,
    /// `Automerge::save()` bytes.
    pub bytes: Bytes,
}

/// One document's message in a sync request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncDoc {
    /// The document.
    pub doc: DocumentId,
    /// An encoded `automerge::sync::Message`, or none to just ask for the server's message.
    pub message: Option<Bytes>,
}

/// The answer to a sync request: one entry per requested document, in the same order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SyncResponse {
    /// One entry per document.
    pub docs: Vec<SyncDocReply>,
    /// What changed since the request's cursor, when it sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<SyncChanges>,
}

/// One document's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncDocReply {
    /// The document.
    pub doc: DocumentId,
    /// The server's next sync message, if it has anything to say.
    pub message: Option<Bytes>,
    /// Set when the uploaded changes (or the request for this document) were refused.
    pub refused: Option<Refusal>,
}

/// One server-sent event of `GET /v1/events`: a nudge to sync, never document content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveEvent {
    /// The stream is open: changes from now on are announced.
    Ready,
    /// Another device changed these documents (all of them readable by this member); empty
    /// when the server cannot say which (it fell behind): sync everything that changed.
    Changed(Vec<DocumentId>),
    /// A membership or access in one of the member's circles changed.
    Standing,
}

/// What a `changed` event's data holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ChangedData {
    docs: Vec<DocumentId>,
}

impl LiveEvent {
    /// The event's name (the SSE `event:` field).
    pub fn name(&self) -> &'static str {
        match self {
            LiveEvent::Ready => "ready",
            LiveEvent::Changed(_) => "changed",
            LiveEvent::Standing => "standing",
        }
    }

    /// The event's data (the SSE `data:` field), JSON.
    pub fn data(&self) -> String {
        match self {
            LiveEvent::Changed(docs) => {
                serde_json::to_string(&ChangedData { docs: docs.clone() }).unwrap_or_default()
            }
            _ => "{}".into(),
        }
    }

    /// The event an SSE `event:` name and `data:` make; `None` for anything else.
    pub fn parse(name: &str, data: &str) -> Option<LiveEvent> {
        match name {
            "ready" => Some(LiveEvent::Ready),
            "standing" => Some(LiveEvent::Standing),
            "changed" => serde_json::from_str::<ChangedData>(data)
                .ok()
                .map(|d| LiveEvent::Changed(d.docs)),
            _ => None,
        }
    }
}

/// Why a document's part of a sync was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// Stable code: forbidden, revoked, invalid, malformed, too_large, unknown_actor,
    /// not_author, not_found.
    pub code: ErrorCode,
    /// Human-readable explanation (no document content).
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_travel_as_base64() {
        let doc = SyncDoc {
            doc: DocumentId::nil(),
            message: Some(Bytes(vec![0, 1, 2, 255])),
        };
        let json = serde_json::to_string(&doc).expect("serialise");
        assert!(json.contains("\"AAEC/w==\""), "{json}");
        assert_eq!(serde_json::from_str::<SyncDoc>(&json).expect("parse"), doc);
        assert!(serde_json::from_str::<Bytes>("\"***\"").is_err());
    }

    #[test]
    fn live_events_round_trip_and_unknown_ones_are_ignored() {
        for e in [
            LiveEvent::Ready,
            LiveEvent::Standing,
            LiveEvent::Changed(vec![DocumentId::nil()]),
            LiveEvent::Changed(Vec::new()),
        ] {
            assert_eq!(LiveEvent::parse(e.name(), &e.data()), Some(e));
        }
        assert_eq!(LiveEvent::parse("changed", "not json"), None);
        assert_eq!(LiveEvent::parse("other", "{}"), None);
    }

    #[test]
    fn error_bodies_have_the_documented_shape() {
        let body = ErrorBody {
            error: ErrorDetail {
                code: ErrorCode::Forbidden,
                message: "no".into(),
            },
        };
        let json = serde_json::to_value(&body).expect("serialise");
        assert_eq!(json["error"]["code"], "forbidden");
        for code in ErrorCode::ALL {
            assert!((400..600).contains(&code.http_status()));
            assert_eq!(code.as_str().parse::<ErrorCode>(), Ok(*code));
        }
    }
}
