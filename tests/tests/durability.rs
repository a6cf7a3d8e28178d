//! Durability: the real binary is killed with SIGKILL at varied points during a stream of syncs
//! and restarted on the same data directory; every change it had acknowledged is still there,
//! and `PRAGMA integrity_check` is ok.
//!
//! 20 kills by default; `CARECIRCLE_KILLS=N` (or `CARECIRCLE_SOAK=1`, 200) for more.

use std::collections::BTreeSet;
use std::time::Duration;

use carecircle_shared::schema::Notes;
use carecircle_shared::wire::CircleSummary;
use carecircle_shared::{ItemId, Role};
use carecircle_tests::peer::now;
use carecircle_tests::process::ServerProcess;
use carecircle_tests::scenario::{accept, invite};
use carecircle_tests::{Api, Peer};
use serde_json::json;

fn kills() -> usize {
    if let Some(n) = std::env::var("CARECIRCLE_KILLS")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return n;
    }
    if std::env::var("CARECIRCLE_SOAK").as_deref() == Ok("1") {
        200
    } else {
        20
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_changes_survive_kill_9() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut server = ServerProcess::start(dir.path(), &[]);
    let mut peer = Peer::register(&Api::new(&server.base), "durable").await;
    let circle: CircleSummary = peer
        .api
        .post("/v1/circles", &json!({"name": "D", "role": "consumer"}))
        .await
        .ok();
    peer.refresh().await;
    assert!(peer.sync().await.errors.is_empty());
    let me = peer.session.member;

    let mut acknowledged: BTreeSet<ItemId> = BTreeSet::new();
    let mut written = 0usize;
    let kills = kills();
    for round in 0..kills {
        // A kill at a different point of the stream each round.
        let delay = Duration::from_millis(3 + (round as u64 * 37) % 120);
        let pid = server.child.id();
        let killer = std::thread::spawn(move || {
            std::thread::sleep(delay);
            // SIGKILL through the shell's kill, so the child handle stays with the test.
            let _ = std::process::Command::new("kill")
                .args(["-9", &pid.to_string()])
                .status();
        });
        loop {
            let id = peer.edit(circle.id, "Added a note", |n: &mut Notes| {
                let note = carecircle_shared::schema::Note {
                    author: Some(me),
                    written_at: now(),
                    text: format!("note {written}"),
                    ..Default::default()
                };
                let id = note.id.clone();
                n.items.insert(id.clone(), note);
                Ok(id)
            });
            written += 1;
            let pending: Vec<ItemId> = {
                let notes: Notes = peer.view(circle.id);
                notes
                    .items
                    .keys()
                    .filter(|k| !acknowledged.contains(*k))
                    .cloned()
                    .collect()
            };
            let report = peer.sync().await;
            if report.errors.is_empty() && report.refusals.is_empty() {
                acknowledged.extend(pending);
            } else {
                assert!(
                    report.errors.iter().all(|e| e.status == 0),
                    "only lost connections: {:?}",
                    report.errors
                );
                break;
            }
            let _ = id;
        }
        killer.join().expect("killer");
        server.kill9();
        server = ServerProcess::start(dir.path(), &[]);
        peer.api.base = server.base.clone();
    }

    // A fresh device of the same member sees every acknowledged note.
    let mut check = Peer::register(&Api::new(&server.base), "durable-check").await;
    let code = invite(&peer.api, circle.id, Role::CaseManager).await;
    accept(&check.api, &code).await;
    check.refresh().await;
    let report = check.sync().await;
    assert!(
        report.errors.is_empty() && report.refusals.is_empty(),
        "{report:?}"
    );
    let notes: Notes = check.view(circle.id);
    let missing: Vec<_> = acknowledged
        .iter()
        .filter(|id| !notes.items.contains_key(*id))
        .collect();
    assert!(missing.is_empty(), "acknowledged notes lost: {missing:?}");
    server.kill9();
    let conn = rusqlite::Connection::open(dir.path().join("carecircle.sqlite3")).expect("open");
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("check");
    assert_eq!(integrity, "ok");
    println!(
        "durability: {kills} kills, {written} notes written, {} acknowledged, {} present after restarts",
        acknowledged.len(),
        notes.items.len()
    );
    assert!(
        acknowledged.len() >= kills,
        "the stream made progress between kills"
    );
}
