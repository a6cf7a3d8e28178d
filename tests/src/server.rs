//! A real server for a test: in-process on `127.0.0.1:0` over a temporary SQLite file.

use std::sync::Arc;

use carecircle_server::{ServerConfig, SqliteStore, Store, router, serve};
use tempfile::TempDir;
use tokio::sync::oneshot;

/// The default configuration with rate limits relaxed for tests (which sign many people up and
/// in from one address).
pub fn test_config() -> ServerConfig {
    let mut config = ServerConfig::default();
    config.limits.login_attempts_per_minute = 10_000;
    config.limits.invite_attempts_per_minute = 10_000;
    config.limits.registrations_per_minute = 10_000;
    config.limits.registrations_per_minute_total = 10_000;
    config
}

/// A running server; stopped when dropped.
#[derive(Debug)]
pub struct TestServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The data directory (holds `carecircle.sqlite3`).
    pub dir: Arc<TempDir>,
    /// The store the server uses (for seeding).
    pub store: Arc<SqliteStore>,
    stop: Option<oneshot::Sender<()>>,
}

impl TestServer {
    /// Starts a server with [`test_config`].
    pub async fn start() -> Self {
        Self::start_with(test_config()).await
    }

    /// Starts a server with `config` on a fresh data directory.
    pub async fn start_with(config: ServerConfig) -> Self {
        let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
        Self::start_in(dir, config).await
    }

    /// Starts a server on an existing data directory (a restart).
    pub async fn start_in(dir: Arc<TempDir>, config: ServerConfig) -> Self {
        let store = Arc::new(
            SqliteStore::open(&dir.path().join("carecircle.sqlite3")).expect("open store"),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (stop, stopped) = oneshot::channel::<()>();
        let app = router(store.clone() as Arc<dyn Store>, config).expect("a valid configuration");
        tokio::spawn(async move {
            let _ = serve(listener, app, async {
                let _ = stopped.await;
            })
            .await;
        });
        Self {
            base,
            dir,
            store,
            stop: Some(stop),
        }
    }

    /// A client for this server.
    pub fn api(&self) -> crate::Api {
        crate::Api::new(&self.base)
    }

    /// The database file.
    pub fn db_path(&self) -> std::path::PathBuf {
        self.dir.path().join("carecircle.sqlite3")
    }

    /// Stops serving (the data directory stays).
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
    }
}
