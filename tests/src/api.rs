//! A raw HTTP client for the server API: every call returns the status and the JSON body.

use carecircle_shared::automerge::ActorId;
use carecircle_shared::wire::{ErrorBody, Session};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A plain HTTP client for tests. The app's HTTPS support builds reqwest without a default
/// TLS provider, so the ring provider is installed for the process first.
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// A client that never decodes a compressed answer (nor asks for one unless told): bytes
/// and `content-encoding` as they travelled.
pub fn raw_http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .build()
        .expect("a client")
}

/// A status and a JSON body (or `Null`).
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// The body, parsed as JSON.
    pub body: Value,
}

impl Reply {
    /// The error code of an error body, if any.
    pub fn code(&self) -> Option<String> {
        serde_json::from_value::<ErrorBody>(self.body.clone())
            .ok()
            .map(|b| b.error.code.as_str().to_string())
    }

    /// The body as a type; panics with the body when it does not fit (tests only).
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_value(self.body.clone())
            .unwrap_or_else(|e| panic!("unexpected body ({}): {e}: {}", self.status, self.body))
    }

    /// Asserts a 2xx status and returns the body as a type.
    pub fn ok<T: DeserializeOwned>(&self) -> T {
        assert!(
            (200..300).contains(&self.status),
            "expected success, got {} {}",
            self.status,
            self.body
        );
        self.json()
    }
}

/// A client, optionally signed in.
#[derive(Debug, Clone)]
pub struct Api {
    http: reqwest::Client,
    /// Server base URL.
    pub base: String,
    /// Bearer token, once signed in.
    pub token: Option<String>,
}

impl Api {
    /// A client that is not signed in.
    pub fn new(base: &str) -> Self {
        Self {
            http: http_client(),
            base: base.to_string(),
            token: None,
        }
    }

    /// The same client with a token.
    pub fn with_token(&self, token: &str) -> Self {
        Self {
            token: Some(token.to_string()),
            ..self.clone()
        }
    }

    /// Sends a request with an optional JSON body.
    pub async fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        self.raw(method, path, body.map(|b| b.to_string())).await
    }

    /// Sends a request with a raw body (for malformed-input tests). A request that gets no
    /// answer (server down) comes back with status 0.
    pub async fn raw(&self, method: &str, path: &str, body: Option<String>) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b);
        }
        let Ok(resp) = req.send().await else {
            return Reply {
                status: 0,
                body: Value::Null,
            };
        };
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply { status, body }
    }

    /// `GET`, returning the status and the response headers too.
    pub async fn http_get(&self, path: &str) -> (u16, reqwest::header::HeaderMap) {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("send");
        (resp.status().as_u16(), resp.headers().clone())
    }

    /// `GET`.
    pub async fn get(&self, path: &str) -> Reply {
        self.call("GET", path, None).await
    }

    /// `POST` with a serialisable body.
    pub async fn post<B: Serialize>(&self, path: &str, body: &B) -> Reply {
        self.call(
            "POST",
            path,
            Some(&serde_json::to_value(body).expect("body")),
        )
        .await
    }

    /// `PUT` with a serialisable body.
    pub async fn put<B: Serialize>(&self, path: &str, body: &B) -> Reply {
        self.call(
            "PUT",
            path,
            Some(&serde_json::to_value(body).expect("body")),
        )
        .await
    }

    /// `DELETE`.
    pub async fn delete(&self, path: &str) -> Reply {
        self.call("DELETE", path, None).await
    }

    /// Registers an account and signs this device in with `actor`.
    pub async fn register(&self, username: &str, actor: &ActorId) -> Reply {
        self.post(
            "/v1/accounts",
            &serde_json::json!({
                "username": username,
                "password": "a long test password",
                "display_name": format!("{username} (test)"),
                "device_name": format!("{username}'s phone"),
                "actor": actor.to_hex_string(),
            }),
        )
        .await
    }

    /// Registers and returns a signed-in client with its session.
    pub async fn signed_up(&self, username: &str, actor: &ActorId) -> (Api, Session) {
        let session: Session = self.register(username, actor).await.ok();
        (self.with_token(&session.token), session)
    }
}
