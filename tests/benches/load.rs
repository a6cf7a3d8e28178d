//! Load benchmark: 200 clients on loopback, each writing notes and syncing as fast as the
//! server answers, against the real server binary (a process of its own, so its memory can be
//! read). Prints a table; asserts nothing about speed.
//!
//! `cargo bench -p carecircle-tests --bench load` (release). Settings by environment:
//! `CARECIRCLE_LOAD_CLIENTS` (200), `CARECIRCLE_LOAD_SECS` (60), `CARECIRCLE_LOAD_PAUSE_MS`
//! (0: each client goes again as soon as it is answered; otherwise it waits that long between
//! notes, like a person would), `CARECIRCLE_LOAD_CIRCLES` (0: after the run, that many more
//! circles are made and each synced once, and the server's memory is read again: the document
//! cache is bounded, so it must not grow with them), and `CARECIRCLE_SERVER_BIN` to measure
//! another build.
//!
//! After the run a fresh device joins every circle and every acknowledged note must be there.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use carecircle_shared::schema::Notes;
use carecircle_shared::{CircleId, ItemId, Role};
use carecircle_tests::process::{ServerProcess, status_kib};
use carecircle_tests::scenario::{accept, invite};
use carecircle_tests::{Api, Peer};
use serde_json::json;

/// Clients per circle: the consumer, a carer and two case managers.
const PER_CIRCLE: usize = 4;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What one client did.
#[derive(Default)]
struct Tally {
    exchanges: Vec<Duration>,
    requests: usize,
    errors: usize,
    acknowledged: Vec<(CircleId, ItemId)>,
}

async fn client(
    mut peer: Peer,
    circle: CircleId,
    stop: Arc<AtomicBool>,
    n: usize,
    pause: Duration,
) -> Tally {
    let mut tally = Tally::default();
    let mut i = 0;
    // Paced clients start spread over one pause, not all at once.
    if !pause.is_zero() {
        tokio::time::sleep(pause.mul_f64((n % 97) as f64 / 97.0)).await;
    }
    while !stop.load(Ordering::Relaxed) {
        let id = Some(peer.add_note(circle, &format!("load note {n}-{i}")));
        let started = Instant::now();
        let report = peer.sync().await;
        tally.exchanges.push(started.elapsed());
        tally.requests += report.requests;
        if report.errors.is_empty() && report.refusals.is_empty() {
            tally.acknowledged.extend(id.map(|id| (circle, id)));
        } else {
            tally.errors += report.errors.len() + report.refusals.len();
        }
        i += 1;
        if !pause.is_zero() {
            tokio::time::sleep(pause).await;
        }
    }
    tally
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e3
}

async fn run() {
    let clients = setting("CARECIRCLE_LOAD_CLIENTS", 200) as usize;
    let secs = setting("CARECIRCLE_LOAD_SECS", 60);
    let pause = Duration::from_millis(setting("CARECIRCLE_LOAD_PAUSE_MS", 0));
    let dir = tempfile::tempdir().expect("dir");
    let server = ServerProcess::start(dir.path(), &[]);
    let pid = server.child.id();
    let api = Api::new(&server.base);

    // Setup: circles of four, everyone synced once.
    let mut peers = Vec::new();
    let mut owners: Vec<(CircleId, Api)> = Vec::new();
    for c in 0..clients.div_ceil(PER_CIRCLE) {
        let mut consumer = Peer::register(&api, &format!("load-{c}-consumer")).await;
        let circle: serde_json::Value = consumer
            .api
            .post(
                "/v1/circles",
                &json!({"name": format!("Load {c}"), "role": "consumer"}),
            )
            .await
            .ok();
        let circle: CircleId = serde_json::from_value(circle["id"].clone()).expect("id");
        let mut members = vec![];
        for (k, role) in [Role::Carer, Role::CaseManager, Role::CaseManager]
            .into_iter()
            .enumerate()
        {
            let peer = Peer::register(&api, &format!("load-{c}-{k}")).await;
            let code = invite(&consumer.api, circle, role).await;
            accept(&peer.api, &code).await;
            members.push(peer);
        }
        consumer.refresh().await;
        consumer.sync().await;
        owners.push((circle, consumer.api.clone()));
        peers.push((consumer, circle));
        for mut m in members {
            m.refresh().await;
            m.sync().await;
            peers.push((m, circle));
        }
    }
    peers.truncate(clients);
    let rss_before = status_kib(pid, "VmRSS:");

    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let tasks: Vec<_> = peers
        .into_iter()
        .enumerate()
        .map(|(n, (peer, circle))| tokio::spawn(client(peer, circle, stop.clone(), n, pause)))
        .collect();
    tokio::time::sleep(Duration::from_secs(secs)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Tally::default();
    for t in tasks {
        let t = t.await.expect("client");
        all.exchanges.extend(t.exchanges);
        all.requests += t.requests;
        all.errors += t.errors;
        all.acknowledged.extend(t.acknowledged);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let peak = status_kib(pid, "VmHWM:");

    // Every acknowledged note is on a fresh device.
    let mut fresh = Peer::register(&api, "load-fresh").await;
    for (circle, owner) in &owners {
        let code = invite(owner, *circle, Role::CaseManager).await;
        accept(&fresh.api, &code).await;
    }
    fresh.refresh().await;
    fresh.sync().await;
    let mut missing = 0;
    for (circle, id) in &all.acknowledged {
        let notes: Notes = fresh.view(*circle);
        if !notes.items.contains_key(id) {
            missing += 1;
        }
    }

    all.exchanges.sort();
    println!(
        "\n| load ({clients} clients, {secs} s, {} ms between notes) | value |",
        pause.as_millis()
    );
    println!("| --- | ---: |");
    println!(
        "| sync exchanges (note + sync until quiet) | {} |",
        all.exchanges.len()
    );
    println!("| HTTP requests | {} |", all.requests);
    println!("| requests/s | {:.0} |", all.requests as f64 / elapsed);
    println!(
        "| exchanges/s | {:.0} |",
        all.exchanges.len() as f64 / elapsed
    );
    println!(
        "| exchange p50 (ms) | {:.1} |",
        percentile(&all.exchanges, 0.50)
    );
    println!(
        "| exchange p99 (ms) | {:.1} |",
        percentile(&all.exchanges, 0.99)
    );
    println!("| errors and refusals | {} |", all.errors);
    println!("| server RSS before (MiB) | {} |", rss_before / 1024);
    println!("| server peak RSS (MiB) | {} |", peak / 1024);
    println!(
        "| acknowledged notes on a fresh device | {}/{} |",
        all.acknowledged.len() - missing,
        all.acknowledged.len()
    );

    let many = setting("CARECIRCLE_LOAD_CIRCLES", 0) as usize;
    if many > 0 {
        many_circles(&api, pid, many).await;
    }
}

/// `many` circles made by one case manager, each document synced once by another device of
/// theirs, in batches: the server's memory after, with its bounded document cache.
async fn many_circles(api: &Api, pid: u32, many: usize) {
    let started = Instant::now();
    let mut maker = Peer::register(api, "load-many").await;
    for i in 0..many {
        let reply = maker
            .api
            .post(
                "/v1/circles",
                &json!({"name": format!("Many {i}"), "role": "case_manager"}),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    let made = started.elapsed();
    maker.refresh().await;
    let ids: Vec<_> = maker.docs.keys().copied().collect();
    let started = Instant::now();
    let mut requests = 0;
    for batch in ids.chunks(carecircle_shared::limits::Limits::DEFAULT.max_docs_per_sync) {
        let report = maker.sync_docs(batch).await;
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        requests += report.requests;
    }
    let synced = started.elapsed();
    println!(
        "\n| {many} more circles ({} documents), each synced once | value |",
        ids.len()
    );
    println!("| --- | ---: |");
    println!("| made in (s) | {:.1} |", made.as_secs_f64());
    println!(
        "| synced in (s), {requests} requests | {:.1} |",
        synced.as_secs_f64()
    );
    println!(
        "| server RSS after (MiB) | {} |",
        status_kib(pid, "VmRSS:") / 1024
    );
    println!(
        "| server peak RSS, whole run (MiB) | {} |",
        status_kib(pid, "VmHWM:") / 1024
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run());
}
