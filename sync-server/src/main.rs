//! `carecircle-server`: parses flags, opens the embedded SQLite store, optionally seeds demo data, serves.

use std::sync::Arc;

use anyhow::Context;
use carecircle_server::config::Command;
use carecircle_server::store::sqlite;
use carecircle_server::{Cli, SqliteStore, demo, router, serve, serve_tls, tls};
use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = cli.server_config()?;
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "carecircle_server=info,tower_http=warn".into()),
        )
        .init();
    std::fs::create_dir_all(&cli.data_dir)
        .with_context(|| format!("creating data directory {}", cli.data_dir.display()))?;
    let db_path = cli.data_dir.join("carecircle.sqlite3");
    if let Some(Command::Backup { path }) = &cli.command {
        let bytes = sqlite::backup(&db_path, path)
            .with_context(|| format!("backing up {} to {}", db_path.display(), path.display()))?;
        println!(
            "backed up {} to {} ({bytes} bytes, integrity ok)",
            db_path.display(),
            path.display()
        );
        return Ok(());
    }
    let tls = match (&cli.tls_cert, &cli.tls_key) {
        (Some(cert), Some(key)) => Some(tls::server_config(cert, key)?),
        _ => None,
    };
    let cache_bytes = cli.doc_cache_mib.saturating_mul(1024 * 1024);
    let store = SqliteStore::open_with(&db_path, sqlite::DEFAULT_READERS, cache_bytes)
        .with_context(|| format!("opening database {}", db_path.display()))?;
    let store: Arc<dyn carecircle_server::Store> = Arc::new(store);
    if cli.demo {
        let sign_ins = demo::seed(store.as_ref())
            .await
            .context("seeding demo data")?;
        println!("{sign_ins}");
    }
    let listener = tokio::net::TcpListener::bind(cli.listen)
        .await
        .with_context(|| format!("listening on {}", cli.listen))?;
    let addr = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!("carecircle-server listening on {scheme}://{addr}");
    if let Some(dir) = &config.web_dir {
        println!("serving the web app from {}", dir.display());
    }
    use std::io::Write;
    std::io::stdout().flush()?;
    let app = router(store, config)?;
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    match tls {
        Some(tls) => serve_tls(listener, tls, app, shutdown).await,
        None => serve(listener, app, shutdown).await,
    }
    .context("serving")
}
