//! carecircle-server: the CareCircle sync server as a library (the binary is a thin wrapper).
//!
//! [`router`] builds the whole HTTP service over any [`Store`]; [`serve`] runs it. Tests start it
//! for real on `127.0.0.1:0`.

pub mod clock;
pub mod config;
pub mod demo;
pub mod error;
pub mod exchange;
pub mod extract;
pub mod routes;
pub mod secret;
pub mod store;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::response::IntoResponse;
use axum::routing::{any, delete, get, post, put};
use axum::{BoxError, Router};
use carecircle_shared::wire::ErrorCode;
use tower::ServiceBuilder;
use tower_governor::GovernorLayer;
use tower_governor::governor::GovernorConfigBuilder;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;

pub use config::{Cli, ServerConfig};
pub use error::{ApiError, ApiResult};
pub use store::Store;
pub use store::sqlite::SqliteStore;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// Storage.
    pub store: Arc<dyn Store>,
    /// Configuration.
    pub config: Arc<ServerConfig>,
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

/// A per-client-address rate limit of `per_minute` requests (burst of the same size).
fn rate_limit(
    per_minute: u32,
) -> GovernorLayer<
    tower_governor::key_extractor::PeerIpKeyExtractor,
    governor::middleware::NoOpMiddleware<governor::clock::QuantaInstant>,
    axum::body::Body,
> {
    let config = GovernorConfigBuilder::default()
        .period(Duration::from_millis(60_000 / u64::from(per_minute.max(1))))
        .burst_size(per_minute.max(1))
        .finish()
        .unwrap_or_default();
    GovernorLayer::new(Arc::new(config)).error_handler(|_| {
        ApiError::new(
            ErrorCode::RateLimited,
            "too many attempts; wait a minute and try again",
        )
        .into_response()
    })
}

/// The whole HTTP service.
pub fn router(store: Arc<dyn Store>, config: ServerConfig) -> Router {
    let limits = config.limits;
    let web_dir = config.web_dir.clone();
    let state = AppState {
        store,
        config: Arc::new(config),
    };
    let sign_in = Router::new()
        .route("/v1/sessions", post(routes::login))
        .route_layer(rate_limit(limits.login_attempts_per_minute));
    let invites = Router::new()
        .route("/v1/invites/accept", post(routes::accept_invite))
        .route_layer(rate_limit(limits.invite_attempts_per_minute));
    let api = Router::new()
        .route("/healthz", get(routes::healthz))
        .route("/v1/limits", get(routes::limits))
        .route("/v1/accounts", post(routes::register))
        .route("/v1/sessions/current", delete(routes::logout))
        .route("/v1/devices", get(routes::devices))
        .route("/v1/devices/{device}", delete(routes::revoke_device))
        .route("/v1/devices/current/actors", post(routes::register_actor))
        .route(
            "/v1/circles",
            post(routes::create_circle).get(routes::circles),
        )
        .route("/v1/circles/{circle}", get(routes::circle))
        .route("/v1/circles/{circle}/invites", post(routes::create_invite))
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
        .merge(sign_in)
        .merge(invites)
        // Unknown API paths answer JSON even when the web app serves everything else.
        .route(
            "/v1/{*rest}",
            any(|| async { ApiError::not_found("route") }),
        );
    let app = match web_dir {
        // The web app: its files, and index.html for any other path (the app routes itself).
        Some(dir) => {
            let index = dir.join("index.html");
            api.fallback_service(ServeDir::new(dir).fallback(ServeFile::new(index)))
        }
        None => api.fallback(|| async { ApiError::not_found("route") }),
    };
    app.layer(
        ServiceBuilder::new()
            .layer(TraceLayer::new_for_http())
            .layer(HandleErrorLayer::new(|e: BoxError| async move {
                tower_error(e)
            }))
            .load_shed()
            .concurrency_limit(limits.max_concurrent_requests)
            .timeout(Duration::from_secs(limits.request_timeout_secs))
            .layer(DefaultBodyLimit::max(limits.max_request_bytes)),
    )
    .with_state(state)
}

/// Serves `app` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_and_load_shedding_get_their_codes() {
        let elapsed: BoxError = Box::new(tower::timeout::error::Elapsed::new());
        assert_eq!(tower_error(elapsed).code, ErrorCode::Timeout);
        let shed: BoxError = Box::new(tower::load_shed::error::Overloaded::new());
        assert_eq!(tower_error(shed).code, ErrorCode::Overloaded);
        let other: BoxError = "boom".into();
        assert_eq!(tower_error(other).code, ErrorCode::Internal);
    }
}
