//! Sizes, counts and rates: one source for the app's batching and the server's enforcement.

use serde::{Deserialize, Serialize};

/// Limits shared by client and server. The server may be configured with other values; the
/// app reads the server's values from `GET /v1/limits` and batches within them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Largest request body the server accepts, in bytes.
    pub max_request_bytes: usize,
    /// Most documents in one sync request.
    pub max_docs_per_sync: usize,
    /// Largest one document may grow to (saved, compressed), in bytes.
    pub max_document_bytes: usize,
    /// Largest single sync message, in bytes.
    pub max_sync_message_bytes: usize,
    /// Default number of rows in a listed page (access log, history).
    pub page_size: usize,
    /// Largest page a client may ask for.
    pub max_page_size: usize,
    /// Longest an invite may live, in seconds.
    pub max_invite_lifetime_secs: u64,
    /// Sign-in attempts allowed per minute per client address.
    pub login_attempts_per_minute: u32,
    /// Invite acceptance attempts allowed per minute per client address.
    pub invite_attempts_per_minute: u32,
    /// New accounts allowed per minute per client address.
    pub registrations_per_minute: u32,
    /// New accounts allowed per minute from everyone together.
    pub registrations_per_minute_total: u32,
    /// Requests in flight before the server sheds load with `overloaded`.
    pub max_concurrent_requests: usize,
    /// Seconds before a request is abandoned with `timeout`.
    pub request_timeout_secs: u64,
}

impl Limits {
    /// The defaults, used unless configured otherwise.
    pub const DEFAULT: Limits = Limits {
        max_request_bytes: 8 * 1024 * 1024,
        max_docs_per_sync: 256,
        max_document_bytes: 4 * 1024 * 1024,
        max_sync_message_bytes: 4 * 1024 * 1024,
        page_size: 100,
        max_page_size: 1000,
        max_invite_lifetime_secs: 7 * 24 * 60 * 60,
        login_attempts_per_minute: 10,
        invite_attempts_per_minute: 10,
        registrations_per_minute: 5,
        registrations_per_minute_total: 60,
        max_concurrent_requests: 256,
        request_timeout_secs: 30,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The most any per-minute rate setting may be: the rate limiter counts in nanoseconds per
/// request, and a higher setting is refused at start-up rather than silently capped.
pub const MAX_RATE_PER_MINUTE: u32 = 1_000_000;
/// Live-update streams (`GET /v1/events`) one device may hold open at once (a tab each); one
/// more is refused as `rate_limited`, and that tab keeps polling.
pub const MAX_EVENT_STREAMS_PER_DEVICE: usize = 4;
/// How long the server keeps announcing to one stream before ending it (the app reconnects at
/// once): a device signed out by its idle time stops being told anything within this.
pub const EVENT_STREAM_SECS: u64 = 30 * 60;
/// How long the server waits for requests under way when told to stop; live streams are cut.
pub const SHUTDOWN_GRACE_SECS: u64 = 10;
/// How long a session token lives without being used before it stops working (90 days).
pub const DEFAULT_TOKEN_IDLE_SECS: u64 = 90 * 24 * 60 * 60;

/// An upload's changes may inflate to at most this many times `max_document_bytes` before the
/// server refuses them as `too_large` (compressed changes and document columns are inflated
/// under this budget before automerge decodes them).
pub const MAX_INFLATION_FACTOR: usize = 4;

/// Longest short text field (a name, a phone number, a title), in characters.
pub const MAX_SHORT_TEXT_CHARS: usize = 500;
/// Longest free-text field (a note, a plan section), in characters.
pub const MAX_LONG_TEXT_CHARS: usize = 20_000;
/// Most items in one collection (notes, appointments...) of one document.
pub const MAX_ITEMS_PER_COLLECTION: usize = 10_000;
/// Most entries in a small list inside an item (strategies, people involved, linked questions).
pub const MAX_LIST_ENTRIES: usize = 200;
/// Shortest password accepted at registration.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password accepted (argon2 input is bounded to keep hashing cheap to refuse).
pub const MAX_PASSWORD_CHARS: usize = 256;
/// Characters in an invite code (from [`INVITE_CODE_ALPHABET`]).
pub const INVITE_CODE_CHARS: usize = 10;
/// The invite code alphabet: no 0/O, 1/I/L, so codes can be read aloud and typed.
pub const INVITE_CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Default invite lifetime, in seconds (three days).
pub const DEFAULT_INVITE_LIFETIME_SECS: u64 = 3 * 24 * 60 * 60;

/// How long the app waits for one request before treating the network as down (a stalled
/// connection must never hold up the app): the server's own request timeout.
pub const CLIENT_REQUEST_TIMEOUT_SECS: u64 = 30;
