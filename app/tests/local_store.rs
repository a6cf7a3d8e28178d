#![cfg(not(target_arch = "wasm32"))]
//! The local-store behaviour suite on the SQLite store, including reopening from disk.

use carecircle_app::SqliteLocalStore;
use carecircle_app::store::LocalStore;
use carecircle_app::store::suite::check_store;
use carecircle_shared::{DocKind, DocumentId};

#[tokio::test]
async fn sqlite_store_passes_the_behaviour_suite() {
    let dir = tempfile::tempdir().expect("dir");
    let store = SqliteLocalStore::open(&dir.path().join("local.sqlite3")).expect("open");
    check_store(&store).await;
}

#[tokio::test]
async fn what_was_appended_is_there_after_reopening() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("local.sqlite3");
    let id = DocumentId::random();
    {
        let store = SqliteLocalStore::open(&path).expect("open");
        store
            .append(id, DocKind::Notes, b"chunk")
            .await
            .expect("append");
    }
    let store = SqliteLocalStore::open(&path).expect("reopen");
    let parts = store.load(id).await.expect("load").expect("stored");
    assert_eq!(parts.last().map(Vec::as_slice), Some(&b"chunk"[..]));
    let conn = rusqlite::Connection::open(&path).expect("open raw");
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
}
