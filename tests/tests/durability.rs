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

fn note_texts(peer: &Peer, circle: carecircle_shared::CircleId) -> BTreeSet<String> {
    let notes: Notes = peer.view(circle);
    notes.items.values().map(|n| n.text.clone()).collect()
}

/// `carecircle-server --data-dir DATA backup COPY`.
fn backup(data: &std::path::Path, copy: &std::path::Path) -> std::process::Output {
    std::process::Command::new(carecircle_tests::process::server_binary())
        .arg("--data-dir")
        .arg(data)
        .arg("backup")
        .arg(copy)
        .output()
        .expect("run backup")
}

/// Points a peer at another server address (its session, documents and sync states stay).
fn move_to(peer: &mut Peer, base: &str) {
    peer.api.base = base.to_string();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_mid_stream_restores_and_clients_re_upload_what_it_lost() {
    let dir = tempfile::tempdir().expect("temp dir");
    let live = dir.path().join("live");
    let server = ServerProcess::start(&live, &[]);
    let api = Api::new(&server.base);
    let mut c = carecircle_tests::scenario::circle_of_three(&api, "backup").await;
    c.consumer.add_note(c.id, "before the backup");
    assert!(c.consumer.sync().await.refusals.is_empty());

    // A writer keeps syncing while the backup runs.
    let mut writer = Peer::register(&api, "backup-writer").await;
    let code = invite(&c.consumer.api, c.id, Role::CaseManager).await;
    accept(&writer.api, &code).await;
    writer.refresh().await;
    writer.sync().await;
    let circle = c.id;
    let stream = tokio::spawn(async move {
        for i in 0..30 {
            writer.add_note(circle, &format!("stream {i}"));
            writer.sync().await;
        }
        writer
    });
    tokio::time::sleep(Duration::from_millis(150)).await;
    let copy = dir.path().join("copy.sqlite3");
    let out = backup(&live, &copy);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("integrity ok"));
    // A backup never overwrites.
    assert!(!backup(&live, &copy).status.success());
    let mut writer = stream.await.expect("writer");

    // After the backup: the consumer writes, the carer receives it and writes too.
    c.consumer
        .add_note(c.id, "after the backup, by the consumer");
    assert!(c.consumer.sync().await.refusals.is_empty());
    c.carer.sync().await;
    c.carer.add_note(c.id, "after the backup, by the carer");
    assert!(c.carer.sync().await.refusals.is_empty());
    c.consumer.sync().await;
    drop(server);

    // Restore: the copy becomes the database of a new server process.
    let restored = dir.path().join("restored");
    std::fs::create_dir_all(&restored).expect("mkdir");
    std::fs::copy(&copy, restored.join("carecircle.sqlite3")).expect("restore");
    let server = ServerProcess::start(&restored, &[]);
    for peer in [
        &mut c.consumer,
        &mut c.carer,
        &mut c.case_manager,
        &mut writer,
    ] {
        move_to(peer, &server.base);
    }
    // The consumer holds the carer's note too: relayed, it is accepted under the carer's name.
    for round in 0..2 {
        for peer in [
            &mut c.consumer,
            &mut c.carer,
            &mut c.case_manager,
            &mut writer,
        ] {
            let report = peer.sync().await;
            assert!(
                report.refusals.is_empty() && report.errors.is_empty(),
                "round {round}: {report:?}"
            );
        }
    }
    let expected = note_texts(&c.consumer, c.id);
    assert!(expected.contains("after the backup, by the carer"));
    assert!(expected.contains("stream 29"));
    for peer in [&c.carer, &c.case_manager, &writer] {
        assert_eq!(note_texts(peer, c.id), expected);
    }
    let notes: Notes = c.case_manager.view(c.id);
    let carer_note = notes
        .items
        .values()
        .find(|n| n.text == "after the backup, by the carer")
        .expect("carer's note");
    assert_eq!(carer_note.author, Some(c.carer.session.member));
    // A fresh device sees it all from the restored server.
    let mut fresh = Peer::register(&Api::new(&server.base), "backup-fresh").await;
    let code = invite(&c.consumer.api, c.id, Role::CaseManager).await;
    accept(&fresh.api, &code).await;
    fresh.refresh().await;
    fresh.sync().await;
    assert_eq!(note_texts(&fresh, c.id), expected);
}
