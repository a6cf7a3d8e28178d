//! The HTTP client for the server API (reqwest: native, and `fetch` on wasm).

use carecircle_shared::wire::{
    AcceptInvite, AccessLogEntry, CircleDetail, CircleSummary, CreateCircle, CreateInvite,
    ErrorBody, ErrorCode, Invite, InviteInfo, LiveEvent, LoginRequest, RegisterActor,
    RegisterRequest, Session, SetAccess, SyncRequest, SyncResponse,
};
use carecircle_shared::{Access, CircleId, DocKind, InviteId, MemberId, Relationship, Role};
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use carecircle_shared::limits::CLIENT_REQUEST_TIMEOUT_SECS;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{AppError, AppResult};

/// A device's live updates, as they arrive; the stream ends with the connection.
#[cfg(not(target_arch = "wasm32"))]
pub type LiveEvents = std::pin::Pin<Box<dyn futures::Stream<Item = LiveEvent> + Send>>;
/// A device's live updates, as they arrive; the stream ends with the connection.
#[cfg(target_arch = "wasm32")]
pub type LiveEvents = std::pin::Pin<Box<dyn futures::Stream<Item = LiveEvent>>>;

/// The error an unsuccessful answer carries (its stable code), or one naming the status.
fn refused(status: reqwest::StatusCode, bytes: &[u8]) -> AppError {
    match serde_json::from_slice::<ErrorBody>(bytes) {
        Ok(body) => AppError::Server {
            code: body.error.code,
            message: body.error.message,
        },
        Err(_) => AppError::Server {
            code: ErrorCode::Internal,
            message: format!("the server answered {status}"),
        },
    }
}

/// A client of one server, optionally signed in.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
    /// Certificates trusted besides the bundled roots (a self-hosted server's own CA).
    #[cfg(not(target_arch = "wasm32"))]
    extra_roots: Vec<rustls::pki_types::CertificateDer<'static>>,
    /// How long one request may take, answer included, before it counts as offline.
    timeout: Duration,
}

/// `fut`, unless `limit` passes first (then `None`). A timer race that works natively and in
/// the browser, where reqwest has no timeouts.
async fn within<T>(limit: Duration, fut: impl Future<Output = T>) -> Option<T> {
    let mut fut = std::pin::pin!(fut);
    let mut delay = futures_timer::Delay::new(limit);
    std::future::poll_fn(|cx| {
        if let Poll::Ready(v) = fut.as_mut().poll(cx) {
            return Poll::Ready(Some(v));
        }
        if Pin::new(&mut delay).poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}

/// The HTTP client: on native builds HTTPS through rustls (ring) trusting the bundled webpki
/// roots and `extra_roots`; in the browser, `fetch`.
#[cfg(not(target_arch = "wasm32"))]
fn http_client(extra_roots: &[rustls::pki_types::CertificateDer<'static>]) -> reqwest::Client {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for cert in extra_roots {
        let _ = roots.add(cert.clone());
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring offers the default TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .build()
        .expect("a client with a rustls configuration builds")
}

impl Client {
    /// A client of the server at `base` (e.g. `https://carecircle.example.org`).
    pub fn new(base: &str) -> Self {
        Self {
            #[cfg(not(target_arch = "wasm32"))]
            http: http_client(&[]),
            #[cfg(target_arch = "wasm32")]
            http: reqwest::Client::new(),
            base: base.trim_end_matches('/').to_string(),
            token: None,
            #[cfg(not(target_arch = "wasm32"))]
            extra_roots: Vec::new(),
            timeout: Duration::from_secs(CLIENT_REQUEST_TIMEOUT_SECS),
        }
    }

    /// Changes how long one request may take (tests use a short one).
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// Also trusts the certificates in `pem` (for a server with its own certificate authority;
    /// native builds only, the browser decides on the web).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn trust_certificates(&mut self, pem: &[u8]) -> AppResult<()> {
        use rustls::pki_types::pem::PemObject;
        let certs = rustls::pki_types::CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| AppError::Certificate("it is not PEM"))?;
        if certs.is_empty() {
            return Err(AppError::Certificate("it holds no certificate"));
        }
        self.extra_roots.extend(certs);
        self.http = http_client(&self.extra_roots);
        Ok(())
    }

    /// Uses `token` for later requests.
    pub fn set_token(&mut self, token: Option<String>) {
        self.token = token;
    }

    /// Points the client at another server address (same session).
    pub fn set_base(&mut self, base: &str) {
        self.base = base.trim_end_matches('/').to_string();
    }

    /// The server address.
    pub fn base(&self) -> &str {
        &self.base
    }

    async fn send<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> AppResult<T> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        // The whole exchange, answer included, within the timeout: a server that accepts the
        // connection and never answers is offline, not a hang.
        let answer = within(self.timeout, async {
            let resp = req.send().await.ok()?;
            let status = resp.status();
            Some((status, resp.bytes().await.ok()?))
        })
        .await
        .flatten();
        let (status, bytes) = answer.ok_or(AppError::Offline)?;
        if status.is_success() {
            let text: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
            return serde_json::from_slice(text).map_err(|_| AppError::Server {
                code: ErrorCode::Internal,
                message: "the server's answer could not be read".into(),
            });
        }
        Err(refused(status, &bytes))
    }

    /// Opens this device's live updates (`GET /v1/events`): the stream ends when the
    /// connection does (or the server ends it: signed out, removed from a circle, its
    /// lifetime); opening it waits at most the request timeout.
    pub async fn events(&self) -> AppResult<LiveEvents> {
        use eventsource_stream::Eventsource as _;
        use futures::StreamExt as _;
        let mut req = self
            .http
            .get(format!("{}/v1/events", self.base))
            .header("accept", "text/event-stream");
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        let resp = within(self.timeout, req.send())
            .await
            .and_then(Result::ok)
            .ok_or(AppError::Offline)?;
        let status = resp.status();
        if !status.is_success() {
            let bytes = within(self.timeout, resp.bytes())
                .await
                .and_then(Result::ok)
                .unwrap_or_default();
            return Err(refused(status, &bytes));
        }
        let events = resp
            .bytes_stream()
            .eventsource()
            .take_while(|e| std::future::ready(e.is_ok()))
            .filter_map(|e| {
                std::future::ready(e.ok().and_then(|e| LiveEvent::parse(&e.event, &e.data)))
            });
        Ok(Box::pin(events))
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> AppResult<T> {
        self.send(reqwest::Method::GET, path, None::<&()>).await
    }

    async fn post<T: DeserializeOwned>(&self, path: &str, body: &impl Serialize) -> AppResult<T> {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    /// Creates an account and signs this device in.
    pub async fn register(&self, req: &RegisterRequest) -> AppResult<Session> {
        self.post("/v1/accounts", req).await
    }

    /// Signs this device in.
    pub async fn login(&self, req: &LoginRequest) -> AppResult<Session> {
        self.post("/v1/sessions", req).await
    }

    /// Signs this device out on the server.
    pub async fn logout(&self) -> AppResult<()> {
        self.send(reqwest::Method::DELETE, "/v1/sessions/current", None::<&()>)
            .await
    }

    /// Registers another actor id for this device.
    pub async fn register_actor(&self, actor_hex: &str) -> AppResult<()> {
        self.post(
            "/v1/devices/current/actors",
            &RegisterActor {
                actor: actor_hex.to_string(),
            },
        )
        .await
    }

    /// My circles.
    pub async fn circles(&self) -> AppResult<Vec<CircleSummary>> {
        self.get("/v1/circles").await
    }

    /// Creates a circle.
    pub async fn create_circle(&self, name: &str, role: Role) -> AppResult<CircleSummary> {
        self.post(
            "/v1/circles",
            &CreateCircle {
                name: name.to_string(),
                role,
            },
        )
        .await
    }

    /// A circle with its members.
    pub async fn circle(&self, circle: CircleId) -> AppResult<CircleDetail> {
        self.get(&format!("/v1/circles/{circle}")).await
    }

    /// Creates an invite.
    pub async fn invite(
        &self,
        circle: CircleId,
        role: Role,
        expires_in_secs: Option<u64>,
    ) -> AppResult<Invite> {
        self.post(
            &format!("/v1/circles/{circle}/invites"),
            &CreateInvite {
                role,
                expires_in_secs,
            },
        )
        .await
    }

    /// The circle's outstanding invites I may see (never their codes).
    pub async fn invites(&self, circle: CircleId) -> AppResult<Vec<InviteInfo>> {
        self.get(&format!("/v1/circles/{circle}/invites")).await
    }

    /// Cancels an outstanding invite.
    pub async fn cancel_invite(&self, circle: CircleId, invite: InviteId) -> AppResult<()> {
        self.send(
            reqwest::Method::DELETE,
            &format!("/v1/circles/{circle}/invites/{invite}"),
            None::<&()>,
        )
        .await
    }

    /// Joins a circle with an invite code.
    pub async fn accept(
        &self,
        code: &str,
        relationship: Option<Relationship>,
    ) -> AppResult<CircleSummary> {
        self.post(
            "/v1/invites/accept",
            &AcceptInvite {
                code: code.to_string(),
                relationship,
            },
        )
        .await
    }

    /// Sets a member's access to a document.
    pub async fn set_access(
        &self,
        circle: CircleId,
        member: MemberId,
        kind: DocKind,
        access: Access,
    ) -> AppResult<()> {
        self.send(
            reqwest::Method::PUT,
            &format!("/v1/circles/{circle}/members/{member}/access"),
            Some(&SetAccess { kind, access }),
        )
        .await
    }

    /// Revokes a member, or leaves.
    pub async fn remove_member(&self, circle: CircleId, member: MemberId) -> AppResult<()> {
        self.send(
            reqwest::Method::DELETE,
            &format!("/v1/circles/{circle}/members/{member}"),
            None::<&()>,
        )
        .await
    }

    /// A page of the access log.
    pub async fn access_log(
        &self,
        circle: CircleId,
        before: Option<i64>,
        limit: usize,
    ) -> AppResult<Vec<AccessLogEntry>> {
        let before = before.map(|b| format!("&before={b}")).unwrap_or_default();
        self.get(&format!(
            "/v1/circles/{circle}/access-log?limit={limit}{before}"
        ))
        .await
    }

    /// One batched sync exchange.
    pub async fn sync(&self, req: &SyncRequest) -> AppResult<SyncResponse> {
        self.post("/v1/sync", req).await
    }
}
