//! Server configuration: every flag also settable as a `CARECIRCLE_*` environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use carecircle_shared::limits::Limits;
use clap::Parser;

/// `carecircle-server`: the CareCircle sync server.
#[derive(Debug, Clone, Parser)]
#[command(name = "carecircle-server", version, about)]
pub struct Cli {
    /// Address to listen on (use port 0 for any free port).
    #[arg(long, env = "CARECIRCLE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Directory for the SQLite database (created if missing).
    #[arg(long, env = "CARECIRCLE_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// Seed one circle with synthetic demo data and print how to sign in (idempotent).
    #[arg(long, env = "CARECIRCLE_DEMO")]
    pub demo: bool,
    /// Refuse new accounts (existing ones still sign in).
    #[arg(long, env = "CARECIRCLE_NO_REGISTRATION")]
    pub no_registration: bool,
    /// Directory of the built web app to serve at `/` (defaults to `app/dist` when present).
    #[arg(long, env = "CARECIRCLE_WEB_DIR")]
    pub web_dir: Option<PathBuf>,
    /// Largest request body, in bytes.
    #[arg(long, env = "CARECIRCLE_MAX_REQUEST_BYTES", default_value_t = Limits::DEFAULT.max_request_bytes)]
    pub max_request_bytes: usize,
    /// Most documents in one sync request.
    #[arg(long, env = "CARECIRCLE_MAX_DOCS_PER_SYNC", default_value_t = Limits::DEFAULT.max_docs_per_sync)]
    pub max_docs_per_sync: usize,
    /// Largest stored document, in bytes.
    #[arg(long, env = "CARECIRCLE_MAX_DOCUMENT_BYTES", default_value_t = Limits::DEFAULT.max_document_bytes)]
    pub max_document_bytes: usize,
    /// Sign-in attempts per minute per client address.
    #[arg(long, env = "CARECIRCLE_LOGIN_ATTEMPTS_PER_MINUTE", default_value_t = Limits::DEFAULT.login_attempts_per_minute)]
    pub login_attempts_per_minute: u32,
    /// Invite acceptances per minute per client address.
    #[arg(long, env = "CARECIRCLE_INVITE_ATTEMPTS_PER_MINUTE", default_value_t = Limits::DEFAULT.invite_attempts_per_minute)]
    pub invite_attempts_per_minute: u32,
    /// Requests in flight before new ones are shed with `overloaded`.
    #[arg(long, env = "CARECIRCLE_MAX_CONCURRENT_REQUESTS", default_value_t = Limits::DEFAULT.max_concurrent_requests)]
    pub max_concurrent_requests: usize,
    /// Seconds before a request is abandoned with `timeout`.
    #[arg(long, env = "CARECIRCLE_REQUEST_TIMEOUT_SECS", default_value_t = Limits::DEFAULT.request_timeout_secs)]
    pub request_timeout_secs: u64,
}

/// What the router needs to know.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// New accounts allowed.
    pub registration_open: bool,
    /// Limits in force.
    pub limits: Limits,
    /// Web app to serve at `/`, if any.
    pub web_dir: Option<PathBuf>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            registration_open: true,
            limits: Limits::DEFAULT,
            web_dir: None,
        }
    }
}

impl Cli {
    /// The router configuration these flags describe.
    pub fn server_config(&self) -> ServerConfig {
        let limits = Limits {
            max_request_bytes: self.max_request_bytes,
            max_docs_per_sync: self.max_docs_per_sync,
            max_document_bytes: self.max_document_bytes,
            login_attempts_per_minute: self.login_attempts_per_minute.max(1),
            invite_attempts_per_minute: self.invite_attempts_per_minute.max(1),
            max_concurrent_requests: self.max_concurrent_requests.max(1),
            request_timeout_secs: self.request_timeout_secs.max(1),
            ..Limits::DEFAULT
        };
        let web_dir = self.web_dir.clone().or_else(|| {
            let default = PathBuf::from("app/dist");
            default.join("index.html").exists().then_some(default)
        });
        ServerConfig {
            registration_open: !self.no_registration,
            limits,
            web_dir,
        }
    }
}
