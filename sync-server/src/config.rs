//! Server configuration: every flag also settable as a `CARECIRCLE_*` environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use carecircle_shared::limits::{DEFAULT_TOKEN_IDLE_SECS, Limits, MAX_RATE_PER_MINUTE};
use clap::Parser;
use ipnet::IpNet;

/// A setting the server cannot honour: refused at start-up, never silently adjusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A per-minute rate outside what the rate limiter can count.
    #[error("{flag} must be between 1 and {MAX_RATE_PER_MINUTE} per minute (got {value})")]
    Rate {
        /// The flag.
        flag: &'static str,
        /// What was given.
        value: u32,
    },
    /// A count or duration that must be positive.
    #[error("{0} must be at least 1")]
    Zero(&'static str),
}

/// `carecircle-server`: the CareCircle sync server.
#[derive(Debug, Clone, Parser)]
#[command(name = "carecircle-server", version, about)]
pub struct Cli {
    /// What to do instead of serving.
    #[command(subcommand)]
    pub command: Option<Command>,
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
    /// New accounts per minute per client address.
    #[arg(long, env = "CARECIRCLE_REGISTRATIONS_PER_MINUTE", default_value_t = Limits::DEFAULT.registrations_per_minute)]
    pub registrations_per_minute: u32,
    /// New accounts per minute from all clients together.
    #[arg(long, env = "CARECIRCLE_REGISTRATIONS_PER_MINUTE_TOTAL", default_value_t = Limits::DEFAULT.registrations_per_minute_total)]
    pub registrations_per_minute_total: u32,
    /// Addresses (CIDR, comma-separated) of reverse proxies whose `Forwarded` /
    /// `X-Forwarded-For` headers name the client; from anyone else those headers are ignored.
    #[arg(long, env = "CARECIRCLE_TRUSTED_PROXY", value_delimiter = ',')]
    pub trusted_proxy: Vec<IpNet>,
    /// Seconds a session token may go unused before it stops working (default 90 days).
    #[arg(long, env = "CARECIRCLE_TOKEN_IDLE_SECS", default_value_t = DEFAULT_TOKEN_IDLE_SECS)]
    pub token_idle_secs: u64,
    /// PEM certificate chain: serve HTTPS directly (with --tls-key).
    #[arg(long, env = "CARECIRCLE_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, env = "CARECIRCLE_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Requests in flight before new ones are shed with `overloaded`.
    #[arg(long, env = "CARECIRCLE_MAX_CONCURRENT_REQUESTS", default_value_t = Limits::DEFAULT.max_concurrent_requests)]
    pub max_concurrent_requests: usize,
    /// Seconds before a request is abandoned with `timeout`.
    #[arg(long, env = "CARECIRCLE_REQUEST_TIMEOUT_SECS", default_value_t = Limits::DEFAULT.request_timeout_secs)]
    pub request_timeout_secs: u64,
    /// Memory (MiB, estimated) for recently used documents kept loaded; 0 keeps none.
    #[arg(long, env = "CARECIRCLE_DOC_CACHE_MIB", default_value_t = 64)]
    pub doc_cache_mib: usize,
}

/// Maintenance commands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Copies the database (from --data-dir) to PATH with SQLite's online backup API, safely
    /// while the server runs; then checks the copy. Restore: stop the server, put the copy in
    /// the data directory as carecircle.sqlite3 (removing any -wal and -shm files), start it.
    Backup {
        /// Where to write the copy (must not exist yet).
        path: PathBuf,
    },
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
    /// Reverse proxies whose forwarding headers are believed.
    pub trusted_proxies: Vec<IpNet>,
    /// Seconds a token may go unused before it stops working.
    pub token_idle_secs: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            registration_open: true,
            limits: Limits::DEFAULT,
            web_dir: None,
            trusted_proxies: Vec::new(),
            token_idle_secs: DEFAULT_TOKEN_IDLE_SECS,
        }
    }
}

impl ServerConfig {
    /// Refuses settings the server cannot honour.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let l = &self.limits;
        for (flag, value) in [
            ("--login-attempts-per-minute", l.login_attempts_per_minute),
            ("--invite-attempts-per-minute", l.invite_attempts_per_minute),
            ("--registrations-per-minute", l.registrations_per_minute),
            (
                "--registrations-per-minute-total",
                l.registrations_per_minute_total,
            ),
        ] {
            if !(1..=MAX_RATE_PER_MINUTE).contains(&value) {
                return Err(ConfigError::Rate { flag, value });
            }
        }
        for (flag, value) in [
            ("--max-request-bytes", l.max_request_bytes as u64),
            ("--max-docs-per-sync", l.max_docs_per_sync as u64),
            ("--max-document-bytes", l.max_document_bytes as u64),
            (
                "--max-concurrent-requests",
                l.max_concurrent_requests as u64,
            ),
            ("--request-timeout-secs", l.request_timeout_secs),
            ("--token-idle-secs", self.token_idle_secs),
        ] {
            if value == 0 {
                return Err(ConfigError::Zero(flag));
            }
        }
        Ok(())
    }
}

impl Cli {
    /// The router configuration these flags describe, or why it cannot be honoured.
    pub fn server_config(&self) -> Result<ServerConfig, ConfigError> {
        let limits = Limits {
            max_request_bytes: self.max_request_bytes,
            max_docs_per_sync: self.max_docs_per_sync,
            max_document_bytes: self.max_document_bytes,
            login_attempts_per_minute: self.login_attempts_per_minute,
            invite_attempts_per_minute: self.invite_attempts_per_minute,
            registrations_per_minute: self.registrations_per_minute,
            registrations_per_minute_total: self.registrations_per_minute_total,
            max_concurrent_requests: self.max_concurrent_requests,
            request_timeout_secs: self.request_timeout_secs,
            ..Limits::DEFAULT
        };
        let web_dir = self.web_dir.clone().or_else(|| {
            let default = PathBuf::from("app/dist");
            default.join("index.html").exists().then_some(default)
        });
        let config = ServerConfig {
            registration_open: !self.no_registration,
            limits,
            web_dir,
            trusted_proxies: self.trusted_proxy.clone(),
            token_idle_secs: self.token_idle_secs,
        };
        config.validate()?;
        Ok(config)
    }
}
