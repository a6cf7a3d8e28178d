//! A loopback proxy that can drop responses: the request reaches the server (and is committed),
//! but the client gets a 502 instead of the answer, as when a phone loses signal mid-sync.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tokio::sync::oneshot;

/// Traffic through the proxy: requests and body bytes each way.
#[derive(Debug, Default)]
pub struct Traffic {
    /// Requests forwarded.
    pub requests: AtomicU64,
    /// Request body bytes (device to server).
    pub up: AtomicU64,
    /// Response body bytes (server to device).
    pub down: AtomicU64,
}

impl Traffic {
    /// (requests, bytes up, bytes down) so far, then zeroes the counters.
    pub fn take(&self) -> (u64, u64, u64) {
        (
            self.requests.swap(0, Ordering::SeqCst),
            self.up.swap(0, Ordering::SeqCst),
            self.down.swap(0, Ordering::SeqCst),
        )
    }
}

#[derive(Clone)]
struct Shared {
    upstream: String,
    http: reqwest::Client,
    drops: Arc<AtomicUsize>,
    traffic: Arc<Traffic>,
}

/// A running proxy; stops when dropped.
#[derive(Debug)]
pub struct DropProxy {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Counters of what passed through.
    pub traffic: Arc<Traffic>,
    drops: Arc<AtomicUsize>,
    stop: Option<oneshot::Sender<()>>,
}

async fn forward(State(s): State<Shared>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    s.traffic.requests.fetch_add(1, Ordering::SeqCst);
    s.traffic.up.fetch_add(bytes.len() as u64, Ordering::SeqCst);
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let mut upstream = s
        .http
        .request(parts.method, format!("{}{path}", s.upstream))
        .body(bytes);
    // Bytes are counted as they travel: compressed when the client asked for it.
    for name in ["authorization", "content-type", "accept-encoding"] {
        if let Some(v) = parts.headers.get(name) {
            upstream = upstream.header(name, v);
        }
    }
    let Ok(resp) = upstream.send().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let status = resp.status();
    let encoding = resp.headers().get("content-encoding").cloned();
    let body = resp.bytes().await.unwrap_or_default();
    s.traffic
        .down
        .fetch_add(body.len() as u64, Ordering::SeqCst);
    let dropped = s
        .drops
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if dropped {
        return StatusCode::BAD_GATEWAY.into_response();
    }
    let mut response = Response::builder()
        .status(status)
        .header("content-type", "application/json");
    if let Some(e) = encoding {
        response = response.header("content-encoding", e);
    }
    response
        .body(Body::from(body))
        .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response())
}

impl DropProxy {
    /// Starts a proxy in front of `upstream`.
    pub async fn start(upstream: &str) -> Self {
        let drops = Arc::new(AtomicUsize::new(0));
        let traffic = Arc::new(Traffic::default());
        let shared = Shared {
            upstream: upstream.to_string(),
            // Passes bodies through as they are (compressed or not), never decoding them.
            http: crate::api::raw_http_client(),
            drops: drops.clone(),
            traffic: traffic.clone(),
        };
        let app = axum::Router::new().fallback(forward).with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Self {
            base,
            traffic,
            drops,
            stop: Some(stop),
        }
    }

    /// Drops the next `n` responses (after the server has handled the requests).
    pub fn drop_next(&self, n: usize) {
        self.drops.store(n, Ordering::SeqCst);
    }
}

impl Drop for DropProxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
