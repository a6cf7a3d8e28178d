#![cfg(not(target_arch = "wasm32"))]
//! The local-store behaviour suite on the SQLite store, including reopening from disk.

use carecircle_app::SqliteLocalStore;
use carecircle_app::store::suite::check_store;
use carecircle_app::store::{LocalStore, Part};
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
            .append(id, DocKind::Notes, &Part::new(b"chunk".to_vec(), false))
            .await
            .expect("append");
    }
    let store = SqliteLocalStore::open(&path).expect("reopen");
    let parts = store.load(id).await.expect("load").expect("stored");
    assert_eq!(
        parts.last().map(|p| p.bytes.as_slice()),
        Some(&b"chunk"[..])
    );
    let conn = rusqlite::Connection::open(&path).expect("open raw");
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
}

/// A store written by an earlier version (one snapshot column, numbered chunks) opens with its
/// parts intact.
#[tokio::test]
async fn parts_kept_the_earlier_way_are_upgraded() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("local.sqlite3");
    drop(SqliteLocalStore::open(&path).expect("create"));
    let id = DocumentId::random();
    {
        let conn = rusqlite::Connection::open(&path).expect("open raw");
        conn.execute(
            "INSERT INTO documents (id, kind, snapshot) VALUES (?1, 'notes', x'0102')",
            [id.to_string()],
        )
        .expect("snapshot");
        for (seq, data) in [(1, b"one".as_slice()), (2, b"two".as_slice())] {
            conn.execute(
                "INSERT INTO chunks (document_id, seq, data) VALUES (?1, ?2, ?3)",
                rusqlite::params![id.to_string(), seq, data],
            )
            .expect("chunk");
        }
    }
    let store = SqliteLocalStore::open(&path).expect("upgrade");
    let parts = store.load(id).await.expect("load").expect("stored");
    let bytes: Vec<&[u8]> = parts.iter().map(|p| p.bytes.as_slice()).collect();
    assert_eq!(bytes[0], &[1u8, 2][..], "the snapshot first");
    assert_eq!(parts.len(), 3);
    assert!(bytes.contains(&&b"one"[..]) && bytes.contains(&&b"two"[..]));
    // Opening again changes nothing.
    drop(store);
    let store = SqliteLocalStore::open(&path).expect("reopen");
    assert_eq!(
        store.load(id).await.expect("load").expect("stored").len(),
        3
    );
}
