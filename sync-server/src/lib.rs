//! carecircle-server: the CareCircle sync server as a library (the binary is a thin wrapper).
//!
//! [`router`] builds the whole HTTP service over any [`Store`]; [`serve`] runs it. Tests start it
//! for real on `127.0.0.1:0`.

pub mod client_ip;
pub mod clock;
pub mod config;
pub mod demo;
pub mod doc_locks;
pub mod error;
pub mod events;
pub mod exchange;
pub mod extract;
pub mod fuzzing;
pub mod hashing;
pub mod routes;
pub mod secret;
pub mod store;
pub mod tls;
pub mod upload;
pub mod web;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::{delete, get, post, put};
use axum::{BoxError, Router};
use carecircle_shared::limits::{Limits, MAX_RATE_PER_MINUTE, SHUTDOWN_GRACE_SECS};
use carecircle_shared::wire::ErrorCode;
use tower::ServiceBuilder;
use tower_governor::GovernorLayer;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::{GlobalKeyExtractor, KeyExtractor};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use client_ip::ClientIp;
use hashing::HashPool;

pub use config::{Cli, ConfigError, ServerConfig};
pub use error::{ApiError, ApiResult};
pub use store::Store;
pub use store::sqlite::SqliteStore;
pub use web::CONTENT_SECURITY_POLICY;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// Storage.
    pub store: Arc<dyn Store>,
    /// Configuration.
    pub config: Arc<ServerConfig>,
    /// Where password hashes run.
    pub hasher: HashPool,
    /// Live-update streams and what they are told.
    pub events: events::Hub,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .finish()
    }
}

fn tower_error(err: BoxError) -> ApiError {
    if err.is::<tower::timeout::error::Elapsed>() {
        ApiError::new(ErrorCode::Timeout, "the request took too long")
    } else if err.is::<tower::load_shed::error::Overloaded>() {
        ApiError::new(
            ErrorCode::Overloaded,
            "the server is busy; try again shortly",
        )
    } else {
        ApiError::internal(err)
    }
}

/// A rate limit of `per_minute` requests per key (burst of the same size); `per_minute` was
/// validated (1..=`MAX_RATE_PER_MINUTE`), so the period is never zero. The limiter's memory of
/// quiet keys is pruned every minute for as long as the router lives.
fn rate_limit<K>(
    per_minute: u32,
    key: K,
) -> GovernorLayer<K, governor::middleware::NoOpMiddleware<governor::clock::QuantaInstant>, Body>
where
    K: KeyExtractor + Send + Sync + 'static,
    K::Key: Send + Sync + 'static,
{
    let per_minute = per_minute.clamp(1, MAX_RATE_PER_MINUTE);
    let mut builder = GovernorConfigBuilder::default().key_extractor(key);
    let config = builder
        .per_nanosecond(60_000_000_000 / u64::from(per_minute))
        .burst_size(per_minute)
        .finish();
    let config = Arc::new(config.expect("a validated rate has a non-zero period and burst"));
    let limiter = Arc::downgrade(config.limiter());
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(limiter) = limiter.upgrade() else {
                    return;
                };
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
        });
    }
    GovernorLayer::new(config).error_handler(|_| {
        ApiError::new(
            ErrorCode::RateLimited,
            "too many attempts; wait a minute and try again",
        )
        .into_response()
    })
}

pub(crate) fn method_not_allowed() -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        "this path does not take that method",
    )
}

/// The whole HTTP service, or why `config` cannot be honoured.
pub fn router(store: Arc<dyn Store>, config: ServerConfig) -> Result<Router, ConfigError> {
    config.validate()?;
    let limits = config.limits;
    let web_dir = config.web_dir.clone();
    let client_ip = ClientIp::new(&config.trusted_proxies);
    let state = AppState {
        store,
        config: Arc::new(config),
        hasher: HashPool::per_core(),
        events: events::Hub::default(),
    };
    let sign_in = Router::new()
        .route("/v1/sessions", post(routes::login))
        .route_layer(rate_limit(
            limits.login_attempts_per_minute,
            client_ip.clone(),
        ));
    let invites = Router::new()
        .route("/v1/invites/accept", post(routes::accept_invite))
        .route_layer(rate_limit(
            limits.invite_attempts_per_minute,
            client_ip.clone(),
        ));
    let registration = Router::new()
        .route("/v1/accounts", post(routes::register))
        .route_layer(rate_limit(
            limits.registrations_per_minute_total,
            GlobalKeyExtractor,
        ))
        .route_layer(rate_limit(limits.registrations_per_minute, client_ip));
    let api = Router::new()
        .route("/healthz", get(routes::healthz))
        .route("/v1/limits", get(routes::limits))
        .route("/v1/sessions/current", delete(routes::logout))
        .route("/v1/devices", get(routes::devices))
        .route("/v1/devices/{device}", delete(routes::revoke_device))
        .route("/v1/devices/current/actors", post(routes::register_actor))
        .route(
            "/v1/circles",
            post(routes::create_circle).get(routes::circles),
        )
        .route("/v1/circles/{circle}", get(routes::circle))
        .route(
            "/v1/circles/{circle}/invites",
            post(routes::create_invite).get(routes::invites),
        )
        .route(
            "/v1/circles/{circle}/invites/{invite}",
            delete(routes::cancel_invite),
        )
        .route(
            "/v1/circles/{circle}/members/{member}/access",
            put(routes::set_access),
        )
        .route(
            "/v1/circles/{circle}/members/{member}",
            delete(routes::remove_member),
        )
        .route("/v1/circles/{circle}/access-log", get(routes::access_log))
        .route("/v1/sync", post(routes::sync))
        .route("/v1/events", get(events::events))
        // Compressed when the client asks (JSON sync messages shrink several times over). Not
        // sign-in and registration (merged below): a new token is never compressed beside text
        // the requester chose.
        .layer(CompressionLayer::new())
        .merge(sign_in)
        .merge(invites)
        .merge(registration)
        .method_not_allowed_fallback(|| async { method_not_allowed() })
        // Health data is never cached and never sniffed.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ));
    let app = match web_dir {
        Some(dir) => api.merge(web::app(dir)),
        None => api.fallback(|| async { ApiError::not_found("route") }),
    };
    Ok(harden(app, &limits).with_state(state))
}

/// The layers around every route: tracing (no bodies), a panic in one request answered as
/// `internal` for that request only, load shedding, the concurrency limit, the timeout and the
/// body limit.
fn harden(app: Router<AppState>, limits: &Limits) -> Router<AppState> {
    app.layer(
        ServiceBuilder::new()
            .layer(TraceLayer::new_for_http())
            .layer(CatchPanicLayer::custom(|_| {
                ApiError::internal("a request handler panicked").into_response()
            }))
            .layer(HandleErrorLayer::new(|e: BoxError| async move {
                tower_error(e)
            }))
            .load_shed()
            .concurrency_limit(limits.max_concurrent_requests)
            .timeout(Duration::from_secs(limits.request_timeout_secs))
            .layer(DefaultBodyLimit::max(limits.max_request_bytes)),
    )
}

/// Serves `app` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (shutdown, cut) = bounded(shutdown);
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown);
    tokio::select! {
        r = served => r,
        () = cut => Ok(()),
    }
}

/// A graceful shutdown with a bound: `shutdown` starts it, and the second future completes
/// [`SHUTDOWN_GRACE_SECS`] later, cutting what is still open (live-update streams never end
/// by themselves).
fn bounded(
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> (
    impl std::future::Future<Output = ()> + Send + 'static,
    impl std::future::Future<Output = ()> + Send + 'static,
) {
    let (tx, mut rx) = tokio::sync::watch::channel(false);
    let start = async move {
        shutdown.await;
        let _ = tx.send(true);
    };
    let cut = async move {
        let _ = rx.wait_for(|started| *started).await;
        tokio::time::sleep(Duration::from_secs(SHUTDOWN_GRACE_SECS)).await;
    };
    (start, cut)
}

/// Serves `app` over HTTPS on `listener` with `tls` until `shutdown` completes.
pub async fn serve_tls(
    listener: tokio::net::TcpListener,
    tls: Arc<rustls::ServerConfig>,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    // `tap_io` gives the listener axum's connect-info for its `SocketAddr`.
    let listener = tls::TlsListener::new(listener, tls)?.tap_io(|_| {});
    let (shutdown, cut) = bounded(shutdown);
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown);
    tokio::select! {
        r = served => r,
        () = cut => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;
    use tower::ServiceExt as _;

    #[test]
    fn timeouts_and_load_shedding_get_their_codes() {
        let elapsed: BoxError = Box::new(tower::timeout::error::Elapsed::new());
        assert_eq!(tower_error(elapsed).code, ErrorCode::Timeout);
        let shed: BoxError = Box::new(tower::load_shed::error::Overloaded::new());
        assert_eq!(tower_error(shed).code, ErrorCode::Overloaded);
        let other: BoxError = "boom".into();
        assert_eq!(tower_error(other).code, ErrorCode::Internal);
    }

    async fn boom() -> &'static str {
        panic!("injected")
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_internal_and_the_rest_carries_on() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SqliteStore::open(&dir.path().join("db.sqlite3")).expect("store");
        let state = AppState {
            store: Arc::new(store),
            config: Arc::new(ServerConfig::default()),
            hasher: HashPool::new(1),
            events: events::Hub::default(),
        };
        let routes = Router::new()
            .route("/boom", get(boom))
            .route("/healthz", get(routes::healthz));
        let app = harden(routes, &Limits::DEFAULT).with_state(state);
        let call = |path: &'static str| {
            let app = app.clone();
            async move {
                let req = Request::get(path).body(Body::empty()).expect("request");
                let resp = app.oneshot(req).await.expect("infallible");
                let status = resp.status().as_u16();
                let bytes = axum::body::to_bytes(resp.into_body(), 1 << 16)
                    .await
                    .expect("body");
                (status, String::from_utf8_lossy(&bytes).into_owned())
            }
        };
        for _ in 0..3 {
            let (status, body) = call("/boom").await;
            assert_eq!(status, 500);
            assert!(body.contains("\"internal\""), "{body}");
            assert!(!body.contains("injected"), "{body}");
            assert_eq!(call("/healthz").await.0, 200);
        }
    }
}
