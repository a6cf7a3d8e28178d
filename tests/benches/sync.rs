//! Sync benchmark against the real server on loopback; prints a table (no timed assertions).
//!
//! `cargo bench -p carecircle-tests` (release build). Traffic is counted by a loopback proxy.

use std::time::{Duration, Instant};

use carecircle_app::core::assemble;
use carecircle_app::store::LocalStore;
use carecircle_app::{CareCircle, SqliteLocalStore};
use carecircle_shared::automerge::ActorId;
use carecircle_shared::automerge::Automerge;
use carecircle_shared::automerge::sync::{self, SyncDoc as _};
use carecircle_shared::schema::{Appointment, Goal};
use carecircle_shared::wire::LiveEvent;
use carecircle_shared::{CircleId, DocKind, Role};
use carecircle_tests::TestServer;
use carecircle_tests::proxy::DropProxy;
use futures::StreamExt as _;

const PASSWORD: &str = "a long bench password";

struct Row {
    scenario: &'static str,
    time: Duration,
    requests: u64,
    up: u64,
    down: u64,
    note: String,
}

/// The in-process floor for handing `docs` to a device that has none: automerge's own sync
/// with no I/O (every round in memory), and handing over whole saved documents.
fn floor(docs: &[Automerge]) -> (Duration, Duration) {
    let mut senders: Vec<Automerge> = docs.to_vec();
    let t = Instant::now();
    for sender in &mut senders {
        let mut receiver = Automerge::new();
        let (mut theirs, mut ours) = (sync::State::new(), sync::State::new());
        loop {
            let mut moved = false;
            if let Some(m) = sender.generate_sync_message(&mut theirs) {
                receiver
                    .receive_sync_message(&mut ours, m)
                    .expect("receive");
                moved = true;
            }
            if let Some(m) = receiver.generate_sync_message(&mut ours) {
                sender
                    .receive_sync_message(&mut theirs, m)
                    .expect("receive");
                moved = true;
            }
            if !moved {
                break;
            }
        }
        assert_eq!(receiver.get_heads(), sender.get_heads());
    }
    let sync_floor = t.elapsed();
    let t = Instant::now();
    for d in docs {
        let loaded = Automerge::load(&d.save()).expect("load");
        assert_eq!(loaded.get_heads(), d.get_heads());
    }
    (sync_floor, t.elapsed())
}

async fn device(dir: &std::path::Path, name: &str, base: &str) -> CareCircle {
    let store = SqliteLocalStore::open(&dir.join(format!("{name}.sqlite3"))).expect("store");
    CareCircle::open(Box::new(store), base).await.expect("open")
}

async fn run() -> Vec<Row> {
    let server = TestServer::start().await;
    let proxy = DropProxy::start(&server.base).await;
    let dir = tempfile::tempdir().expect("dir");
    let mut rows = Vec::new();

    // Setup: a case manager with 100 circles (500 documents) of content.
    let mut cm = device(dir.path(), "cm", &proxy.base).await;
    cm.register("bench-cm", PASSWORD, "Bench CM", "laptop")
        .await
        .expect("register");
    let mut circles: Vec<CircleId> = Vec::new();
    for i in 0..100 {
        let c = cm
            .create_circle(&format!("Person {i}"), Role::CaseManager)
            .await
            .expect("circle");
        circles.push(c);
    }
    cm.sync().await.expect("sync");
    for c in &circles {
        for j in 0..3 {
            let a = Appointment {
                purpose: format!("Appointment {j}"),
                start: "2026-12-01T10:00:00+11:00".into(),
                end: "2026-12-01T11:00:00+11:00".into(),
                ..Default::default()
            };
            cm.add_appointment(*c, a).await.expect("appt");
        }
        cm.add_note(*c, "Initial assessment booked", None)
            .await
            .expect("note");
        cm.add_goal(
            *c,
            Goal {
                goal: "Find stable housing".into(),
                ..Default::default()
            },
        )
        .await
        .expect("goal");
    }
    cm.sync().await.expect("sync");
    proxy.traffic.take();
    let docs: Vec<Automerge> = circles
        .iter()
        .flat_map(|c| DocKind::ALL.iter().map(move |k| (*c, *k)))
        .map(|(c, k)| cm.document(c, k).expect("doc").automerge().clone())
        .collect();
    let (sync_floor, whole_floor) = floor(&docs);
    rows.push(Row {
        scenario: "floor: automerge sync of the same 500 documents in memory, no I/O",
        time: sync_floor,
        requests: 0,
        up: 0,
        down: 0,
        note: format!(
            "whole saved documents handed over: {:.1} ms",
            whole_floor.as_secs_f64() * 1e3
        ),
    });

    // 1. A fresh device pulls all 500 documents.
    let mut fresh = device(dir.path(), "fresh", &proxy.base).await;
    fresh
        .sign_in("bench-cm", PASSWORD, "new phone")
        .await
        .expect("sign in");
    proxy.traffic.take();
    let t = Instant::now();
    let report = fresh.sync().await.expect("pull");
    let time = t.elapsed();
    let (requests, up, down) = proxy.traffic.take();
    rows.push(Row {
        scenario: "fresh device pulls 500 documents",
        time,
        requests,
        up,
        down,
        note: format!("{} documents received", report.received),
    });

    // 2. One new note.
    fresh
        .add_note(circles[0], "Called the pharmacy", None)
        .await
        .expect("note");
    let t = Instant::now();
    fresh.sync().await.expect("sync");
    let time = t.elapsed();
    let (requests, up, down) = proxy.traffic.take();
    rows.push(Row {
        scenario: "one new note",
        time,
        requests,
        up,
        down,
        note: "the note's document alone".into(),
    });

    // 2b. Nothing changed anywhere.
    let loads = server.store.documents_loaded();
    let t = Instant::now();
    let report = fresh.sync().await.expect("sync");
    let time = t.elapsed();
    let (requests, up, down) = proxy.traffic.take();
    rows.push(Row {
        scenario: "idle sync, nothing changed (500 documents)",
        time,
        requests,
        up,
        down,
        note: format!(
            "{} documents named; {} loaded on the server",
            report.exchanged,
            server.store.documents_loaded() - loads
        ),
    });

    // 3. A week of edits on another device across 40 circles, then the case manager syncs.
    cm.sync().await.expect("sync");
    for day in 0..7 {
        for c in &circles[..40] {
            cm.add_note(*c, &format!("Day {day}: checked in"), None)
                .await
                .expect("note");
        }
    }
    cm.sync().await.expect("sync");
    proxy.traffic.take();
    let t = Instant::now();
    let report = fresh.sync().await.expect("sync");
    let time = t.elapsed();
    let (requests, up, down) = proxy.traffic.take();
    rows.push(Row {
        scenario: "case manager syncs after a week (40 circles, 280 notes)",
        time,
        requests,
        up,
        down,
        note: format!("{} documents named", report.exchanged),
    });

    // 5. Live updates: a note written on the case manager's laptop, until the phone (open,
    // listening to its event stream, straight to the server: the proxy holds whole answers)
    // has synced it; 100 notes.
    let mut direct = fresh.client();
    direct.set_base(&server.base);
    let mut events = direct.events().await.expect("events");
    assert_eq!(events.next().await, Some(LiveEvent::Ready));
    let mut waits = Vec::new();
    for i in 0..100 {
        cm.add_note(circles[5], &format!("Live note {i}"), None)
            .await
            .expect("note");
        let t = Instant::now();
        cm.sync().await.expect("sync");
        loop {
            match events.next().await.expect("the stream stays open") {
                LiveEvent::Changed(_) => break,
                _ => continue,
            }
        }
        let got = fresh.sync().await.expect("sync");
        assert_eq!(got.received, 1);
        waits.push(t.elapsed());
    }
    proxy.traffic.take();
    waits.sort();
    let at = |q: f64| waits[((waits.len() as f64 * q).ceil() as usize).clamp(1, waits.len()) - 1];
    rows.push(Row {
        scenario: "another member's note reaches an open app (live, 100 notes): p99",
        time: at(0.99),
        requests: 0,
        up: 0,
        down: 0,
        note: format!(
            "from the writer's sync to the reader's; p50 {:.1} ms",
            at(0.50).as_secs_f64() * 1e3
        ),
    });

    // 4. Opening a circle with ~5,000 changes from the local store vs plain automerge::load.
    let mut big = device(dir.path(), "big", &proxy.base).await;
    big.sign_in("bench-cm", PASSWORD, "tablet")
        .await
        .expect("sign in");
    big.sync().await.expect("sync");
    // ~5,000 changes: 50 notes, each edited about a hundred times (an edit hydrates the whole
    // document, so thousands of separate notes would measure the edit path, not opening).
    let mut ids = Vec::new();
    for i in 0..50 {
        ids.push(
            big.add_note(circles[1], &format!("note {i}"), None)
                .await
                .expect("note"),
        );
    }
    for i in 0..4_950 {
        big.edit_note(circles[1], &ids[i % ids.len()], &format!("edit {i}"))
            .await
            .expect("edit");
    }
    let doc_id = big.doc_id(circles[1], DocKind::Notes).expect("id");
    let bytes = big
        .document(circles[1], DocKind::Notes)
        .expect("doc")
        .save();
    drop(big);
    let store = SqliteLocalStore::open(&dir.path().join("big.sqlite3")).expect("store");
    let t = Instant::now();
    let parts = store.load(doc_id).await.expect("load").expect("stored");
    let from_store = assemble(DocKind::Notes, &parts, ActorId::random()).expect("assemble");
    let store_time = t.elapsed();
    let t = Instant::now();
    let plain = Automerge::load(&bytes).expect("load");
    let plain_time = t.elapsed();
    assert_eq!(from_store.heads(), plain.get_heads());
    rows.push(Row {
        scenario: "open a 5,000-change notes document from the local store",
        time: store_time,
        requests: 0,
        up: 0,
        down: 0,
        note: format!(
            "{} stored parts; plain automerge::load {:.1} ms; ratio {:.2}x",
            parts.len(),
            plain_time.as_secs_f64() * 1e3,
            store_time.as_secs_f64() / plain_time.as_secs_f64().max(1e-9)
        ),
    });
    rows
}

fn main() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let rows = rt.block_on(run());
    let floor = rows[0].time.as_secs_f64();
    println!("\n| scenario | time (ms) | x floor | requests | bytes up | bytes down | note |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
    for r in rows {
        let ratio = if r.requests > 0 || r.scenario.starts_with("floor") {
            format!("{:.1}", r.time.as_secs_f64() / floor.max(1e-9))
        } else {
            "".into()
        };
        println!(
            "| {} | {:.1} | {} | {} | {} | {} | {} |",
            r.scenario,
            r.time.as_secs_f64() * 1e3,
            ratio,
            r.requests,
            r.up,
            r.down,
            r.note
        );
    }
}
