//! The server as an attacker or a careless client would meet it: invites that outlive consent,
//! uploads that try to exhaust memory or slip past the schema, panics, floods of registrations,
//! expired tokens, proxies and the headers every answer carries.

use std::sync::Arc;

use carecircle_app::{AppError, CareCircle, SqliteLocalStore};
use carecircle_server::ServerConfig;
use carecircle_server::Store;
use carecircle_server::store::Caller;
use carecircle_shared::automerge::{ActorId, ScalarValue, sync};
use carecircle_shared::schema::{Appointment, Appointments, Goal, Plan};
use carecircle_shared::wire::{
    AccessLogEntry, Bytes, ErrorCode, InviteInfo, LogAction, SyncDoc, SyncRequest, SyncResponse,
};
use carecircle_shared::{CircleId, DocKind, Document, DocumentId, InviteId, Role};
use carecircle_tests::process::{ServerProcess, status_kib};
use carecircle_tests::scenario::{accept, circle_of_three, invite};
use carecircle_tests::server::test_config;
use carecircle_tests::{Api, Peer, Reply, TestServer};
use serde_json::json;

async fn try_accept(who: &Api, code: &str) -> Reply {
    who.post(
        "/v1/invites/accept",
        &json!({ "code": code, "relationship": "friend" }),
    )
    .await
}

async fn make_invite(inviter: &Api, circle: CircleId, role: Role) -> (InviteId, String) {
    let reply: serde_json::Value = inviter
        .post(
            &format!("/v1/circles/{circle}/invites"),
            &json!({ "role": role }),
        )
        .await
        .ok();
    let id = serde_json::from_value(reply["id"].clone()).expect("invite id");
    (id, reply["code"].as_str().expect("code").to_string())
}

async fn outstanding(who: &Api, circle: CircleId) -> Vec<InviteInfo> {
    who.get(&format!("/v1/circles/{circle}/invites")).await.ok()
}

async fn log_actions(who: &Api, circle: CircleId) -> Vec<LogAction> {
    let log: Vec<AccessLogEntry> = who
        .get(&format!("/v1/circles/{circle}/access-log"))
        .await
        .ok();
    log.into_iter().map(|e| e.action).collect()
}

#[tokio::test]
async fn a_removed_member_cannot_rejoin_with_an_invite_made_before_their_removal() {
    let server = TestServer::start().await;
    let c = circle_of_three(&server.api(), "rejoin").await;
    let consumer = &c.consumer.api;
    // The case manager mints a case-manager invite of their own, and the consumer made a spare
    // carer code earlier (a double tap).
    let (_, own) = make_invite(&c.case_manager.api, c.id, Role::CaseManager).await;
    let (_, spare) = make_invite(consumer, c.id, Role::Carer).await;
    for who in [&c.case_manager, &c.carer] {
        let path = format!("/v1/circles/{}/members/{}", c.id, who.session.member);
        assert_eq!(consumer.delete(&path).await.status, 204);
    }
    // The case manager's own invite died with their membership.
    let reply = try_accept(&c.case_manager.api, &own).await;
    assert_eq!(
        reply.code().as_deref(),
        Some("invite_cancelled"),
        "{reply:?}"
    );
    // The consumer's spare code predates the carer's removal: it does not let them back in.
    let reply = try_accept(&c.carer.api, &spare).await;
    assert_eq!(reply.code().as_deref(), Some("revoked"), "{reply:?}");
    // Someone never removed may still use the spare code.
    let newcomer = Peer::register(&server.api(), "rejoin-newcomer").await;
    accept(&newcomer.api, &spare).await;
    // An invite made after the removal is the consumer's fresh consent.
    let fresh = invite(consumer, c.id, Role::Carer).await;
    let back = accept(&c.carer.api, &fresh).await;
    assert_eq!(back.id, c.id);
    let actions = log_actions(consumer, c.id).await;
    assert!(actions.contains(&LogAction::CancelInvite), "{actions:?}");
}

#[tokio::test]
async fn an_invite_stops_working_when_its_creator_leaves() {
    let server = TestServer::start().await;
    let c = circle_of_three(&server.api(), "creator-left").await;
    let (_, code) = make_invite(&c.case_manager.api, c.id, Role::CaseManager).await;
    let me = c.case_manager.session.member;
    let leave = c
        .case_manager
        .api
        .delete(&format!("/v1/circles/{}/members/{me}", c.id))
        .await;
    assert_eq!(leave.status, 204);
    let colleague = Peer::register(&server.api(), "creator-left-colleague").await;
    let reply = try_accept(&colleague.api, &code).await;
    assert_eq!(
        (reply.status, reply.code().as_deref()),
        (410, Some("invite_cancelled")),
        "{reply:?}"
    );
    assert!(outstanding(&c.consumer.api, c.id).await.is_empty());
}

#[tokio::test]
async fn invites_are_listed_without_codes_and_can_be_cancelled() {
    let server = TestServer::start().await;
    let c = circle_of_three(&server.api(), "listing").await;
    let consumer = &c.consumer.api;
    let (carer_invite, carer_code) = make_invite(consumer, c.id, Role::Carer).await;
    let (cm_invite, cm_code) = make_invite(&c.case_manager.api, c.id, Role::CaseManager).await;

    // The consumer sees every outstanding invite; the case manager only their own; no codes.
    let raw = consumer.get(&format!("/v1/circles/{}/invites", c.id)).await;
    assert!(!raw.body.to_string().contains(&carer_code));
    assert!(!raw.body.to_string().contains(&cm_code));
    let all: Vec<InviteInfo> = raw.ok();
    assert_eq!(all.len(), 2);
    assert!(all.iter().any(|i| i.id == cm_invite
        && i.role == Role::CaseManager
        && i.created_by == c.case_manager.session.member));
    let own = outstanding(&c.case_manager.api, c.id).await;
    assert_eq!(own.iter().map(|i| i.id).collect::<Vec<_>>(), [cm_invite]);
    assert!(outstanding(&c.carer.api, c.id).await.is_empty());

    // Who may cancel: the creator and the consumer; not a carer, not another case manager.
    let path = |id: InviteId| format!("/v1/circles/{}/invites/{id}", c.id);
    let refused = c.carer.api.delete(&path(carer_invite)).await;
    assert_eq!(refused.code().as_deref(), Some("forbidden"));
    let refused = c.case_manager.api.delete(&path(carer_invite)).await;
    assert_eq!(refused.code().as_deref(), Some("forbidden"));
    assert_eq!(
        c.case_manager.api.delete(&path(cm_invite)).await.status,
        204
    );
    // A double tap on "cancel" is not an error.
    assert_eq!(
        c.case_manager.api.delete(&path(cm_invite)).await.status,
        204
    );
    let stranger = Peer::register(&server.api(), "listing-stranger").await;
    let reply = try_accept(&stranger.api, &cm_code).await;
    assert_eq!(reply.code().as_deref(), Some("invite_cancelled"));

    // A used invite cannot be cancelled; an unknown one is not found.
    accept(&stranger.api, &carer_code).await;
    let used = consumer.delete(&path(carer_invite)).await;
    assert_eq!(used.code().as_deref(), Some("invite_used"));
    let unknown = consumer.delete(&path(InviteId::random())).await;
    assert_eq!(unknown.code().as_deref(), Some("not_found"));
    assert!(outstanding(consumer, c.id).await.is_empty());

    // Create, cancel and use are all in the access log.
    let actions = log_actions(consumer, c.id).await;
    for action in [
        LogAction::CreateInvite,
        LogAction::CancelInvite,
        LogAction::Join,
    ] {
        assert!(actions.contains(&action), "{action:?} in {actions:?}");
    }
}

/// A sync message carrying `chunks` as its changes (heads, needs and haves empty).
fn message_with(chunks: Vec<Vec<u8>>) -> Vec<u8> {
    sync::Message {
        heads: Vec::new(),
        need: Vec::new(),
        have: Vec::new(),
        changes: sync::ChunkList::from(chunks),
        flags: None,
        version: sync::MessageVersion::V1,
    }
    .encode()
}

/// A compressed-change chunk whose DEFLATE body inflates to `mib` MiB of zeros.
fn deflate_bomb(mib: usize) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    for _ in 0..mib {
        encoder.write_all(&[0u8; 1 << 20]).expect("deflate");
    }
    carecircle_server::upload::compressed_change_chunk(&encoder.finish().expect("deflate"))
}

async fn upload(peer: &Peer, doc: DocumentId, message: Vec<u8>) -> Reply {
    peer.api
        .post(
            "/v1/sync",
            &SyncRequest {
                docs: vec![SyncDoc {
                    doc,
                    message: Some(Bytes(message)),
                }],
                since: None,
            },
        )
        .await
}

fn refusal_code(reply: &Reply) -> Option<String> {
    assert_eq!(reply.status, 200, "{reply:?}");
    let response: SyncResponse = reply.json();
    response.docs[0]
        .refused
        .as_ref()
        .map(|r| r.code.as_str().to_string())
}

/// The server process's peak resident memory so far, in KiB (Linux `VmHWM`).
fn peak_rss_kib(pid: u32) -> u64 {
    status_kib(pid, "VmHWM:")
}

#[tokio::test]
async fn a_deflate_bomb_is_refused_without_the_memory_it_asks_for() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = ServerProcess::start(dir.path(), &[]);
    let api = Api::new(&server.base);
    let mut c = circle_of_three(&api, "bomb").await;
    let notes = c.consumer.doc_id(c.id, DocKind::Notes);
    let team = c.carer.doc_id(c.id, DocKind::Team);
    // 1 GiB of zeros in about a megabyte.
    let bomb = message_with(vec![deflate_bomb(1024)]);
    assert!(bomb.len() < 2 << 20, "{} bytes", bomb.len());
    let before = peak_rss_kib(server.child.id());

    // A read-only carer: refused as read-only before anything is inflated.
    let reply = upload(&c.carer, team, bomb.clone()).await;
    assert_eq!(refusal_code(&reply).as_deref(), Some("forbidden"));
    // A writer: refused as too large, having inflated no more than the budget.
    let reply = upload(&c.consumer, notes, bomb).await;
    assert_eq!(refusal_code(&reply).as_deref(), Some("too_large"));

    let grown_mib = (peak_rss_kib(server.child.id()) - before) / 1024;
    println!("peak RSS grew by {grown_mib} MiB while refusing a 1 GiB deflate bomb");
    assert!(grown_mib < 64, "peak RSS grew by {grown_mib} MiB");
    // Nothing was stored and the circle still syncs.
    c.consumer.add_note(c.id, "After the bomb");
    let report = c.consumer.sync().await;
    assert!(
        report.refusals.is_empty() && report.errors.is_empty(),
        "{report:?}"
    );
}

#[tokio::test]
async fn a_broken_change_is_refused_as_malformed() {
    let server = TestServer::start().await;
    let mut c = circle_of_three(&server.api(), "broken").await;
    let notes = c.consumer.doc_id(c.id, DocKind::Notes);
    // A real change, then the same bytes with their body damaged.
    c.consumer.add_note(c.id, "A note");
    let change = c.consumer.docs[&notes]
        .automerge()
        .get_changes(&[])
        .last()
        .expect("change")
        .raw_bytes()
        .to_vec();
    let mut damaged = change.clone();
    let last = damaged.len() - 1;
    damaged[last] ^= 0x5a;
    let garbage = b"\x85\x6f\x4a\x83 this is not a change".to_vec();
    for bad in [damaged, garbage, change[..change.len() / 2].to_vec()] {
        let reply = upload(&c.consumer, notes, message_with(vec![bad])).await;
        assert_eq!(refusal_code(&reply).as_deref(), Some("malformed"));
    }
    // The untouched edit still syncs afterwards.
    let report = c.consumer.sync().await;
    assert!(
        report.refusals.is_empty() && report.errors.is_empty(),
        "{report:?}"
    );
}

async fn get_with_headers(url: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let r = carecircle_tests::api::http_client()
        .get(url)
        .send()
        .await
        .expect("get");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.text().await.expect("body"))
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn every_answer_carries_its_security_headers_and_errors_are_json() {
    let web = tempfile::tempdir().expect("tempdir");
    std::fs::write(web.path().join("index.html"), "<div id=\"main\"></div>").expect("write");
    std::fs::write(web.path().join(".env"), "SECRET=1").expect("write");
    std::fs::create_dir(web.path().join(".git")).expect("mkdir");
    std::fs::write(web.path().join(".git").join("config"), "[core]").expect("write");
    let server = TestServer::start_with(ServerConfig {
        web_dir: Some(web.path().to_path_buf()),
        ..test_config()
    })
    .await;
    let (api, _) = server.api().signed_up("headers", &ActorId::random()).await;

    // API answers: never cached, never sniffed.
    for path in ["/v1/circles", "/healthz", "/v1/limits"] {
        let r = api.http_get(path).await;
        assert_eq!(header(&r.1, "cache-control"), "no-store", "{path}");
        assert_eq!(header(&r.1, "x-content-type-options"), "nosniff", "{path}");
    }
    // The web app: a policy that allows itself and nothing else, never framed, no referrer.
    let (status, headers, body) = get_with_headers(&format!("{}/", server.base)).await;
    assert_eq!((status, body.as_str()), (200, "<div id=\"main\"></div>"));
    let csp = header(&headers, "content-security-policy");
    for directive in [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    assert_eq!(header(&headers, "x-frame-options"), "DENY");
    assert_eq!(header(&headers, "referrer-policy"), "no-referrer");
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");

    // Dotfiles are never served, unknown API paths are JSON, wrong methods are JSON 405s.
    for path in ["/.env", "/.git/config", "/v1/nothing-here", "/v1"] {
        let (status, _, body) = get_with_headers(&format!("{}{path}", server.base)).await;
        assert_eq!(status, 404, "{path}");
        assert!(
            !body.contains("SECRET") && !body.contains("[core]"),
            "{path}"
        );
        let json: serde_json::Value = serde_json::from_str(&body).expect("a JSON error");
        assert_eq!(json["error"]["code"], "not_found", "{path}");
    }
    for (method, path) in [
        ("PUT", "/v1/circles"),
        ("GET", "/v1/sync"),
        ("DELETE", "/healthz"),
        ("POST", "/index.html"),
    ] {
        let r = api.call(method, path, None).await;
        assert_eq!(
            (r.status, r.code().as_deref()),
            (405, Some("method_not_allowed")),
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn names_refuse_control_and_text_direction_characters() {
    let server = TestServer::start().await;
    let api = server.api();
    for (i, name) in [
        "Alex\u{202E}nimda",
        "Sam\u{0007}",
        "Jo\u{2066}rdan",
        "Ri\u{200F}ver",
        "Line\nbreak",
    ]
    .into_iter()
    .enumerate()
    {
        let r = api
            .post(
                "/v1/accounts",
                &json!({
                    "username": format!("unsafe-{i}"),
                    "password": "a long test password",
                    "display_name": name,
                    "device_name": "phone",
                    "actor": ActorId::random().to_hex_string(),
                }),
            )
            .await;
        assert_eq!(r.code().as_deref(), Some("bad_request"), "{name:?}");
    }
    assert_eq!(count(&server, "accounts"), 0);
    let (me, _) = api.signed_up("safe-name", &ActorId::random()).await;
    let r = me
        .post(
            "/v1/circles",
            &json!({"name": "Alex\u{202E}s circle", "role": "consumer"}),
        )
        .await;
    assert_eq!(r.code().as_deref(), Some("bad_request"));
    // Ordinary names in any script are fine.
    let r = me
        .post(
            "/v1/circles",
            &json!({"name": "Ngọc Ánh · أحمد", "role": "consumer"}),
        )
        .await;
    assert_eq!(r.status, 201, "{r:?}");
}

fn count(server: &TestServer, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(server.db_path()).expect("open db");
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .expect("count")
}

/// Codes of `n` sign-in attempts with a wrong password, each with `forwarded` as X-Forwarded-For.
async fn sign_in_codes(base: &str, forwarded: &str, n: usize) -> Vec<String> {
    let http = carecircle_tests::api::http_client();
    let mut codes = Vec::new();
    for _ in 0..n {
        let r = http
            .post(format!("{base}/v1/sessions"))
            .header("x-forwarded-for", forwarded)
            .json(&json!({"username": "nobody", "password": "wrong password!", "device_name": "x", "actor": "0a"}))
            .send()
            .await
            .expect("send");
        let body: serde_json::Value = r.json().await.expect("json");
        codes.push(body["error"]["code"].as_str().unwrap_or("").to_string());
    }
    codes
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_rate_limit() {
    let mut config = test_config();
    config.limits.login_attempts_per_minute = 2;
    config.trusted_proxies = vec!["127.0.0.1/32".parse().expect("cidr")];
    let behind = TestServer::start_with(config.clone()).await;
    let first = sign_in_codes(&behind.base, "203.0.113.1", 3).await;
    assert_eq!(
        first,
        ["invalid_credentials", "invalid_credentials", "rate_limited"]
    );
    // Another client behind the same proxy is not limited by the first one's attempts.
    let second = sign_in_codes(&behind.base, "198.51.100.2", 2).await;
    assert_eq!(second, ["invalid_credentials"; 2]);

    // Without a trusted proxy the header is the client's word, and is ignored.
    config.trusted_proxies.clear();
    let direct = TestServer::start_with(config).await;
    let spoofed = [
        sign_in_codes(&direct.base, "203.0.113.1", 2).await,
        sign_in_codes(&direct.base, "198.51.100.2", 1).await,
    ]
    .concat();
    assert_eq!(
        spoofed,
        ["invalid_credentials", "invalid_credentials", "rate_limited"]
    );
}

#[tokio::test]
async fn registration_is_rate_limited_per_address_and_in_total() {
    let mut config = test_config();
    config.limits.registrations_per_minute = 3;
    config.limits.registrations_per_minute_total = 4;
    config.trusted_proxies = vec!["127.0.0.1/32".parse().expect("cidr")];
    let server = TestServer::start_with(config).await;
    let http = carecircle_tests::api::http_client();
    let mut codes = Vec::new();
    for (i, from) in ["203.0.113.1"; 4]
        .into_iter()
        .chain(["198.51.100.2"; 3])
        .enumerate()
    {
        let r = http
            .post(format!("{}/v1/accounts", server.base))
            .header("x-forwarded-for", from)
            .json(&json!({
                "username": format!("flood-{i}"),
                "password": "a long test password",
                "display_name": "Flood",
                "device_name": "phone",
                "actor": ActorId::random().to_hex_string(),
            }))
            .send()
            .await
            .expect("send");
        codes.push(r.status().as_u16());
    }
    // Three from the first address, then its own limit; one more from the second, then the total.
    assert_eq!(codes, [201, 201, 201, 429, 201, 429, 429]);
    assert_eq!(count(&server, "accounts"), 4);
}

#[tokio::test]
async fn an_unused_token_expires_and_a_used_one_does_not() {
    let mut config = test_config();
    config.token_idle_secs = 1;
    let server = TestServer::start_with(config).await;
    let (api, _) = server.api().signed_up("idle", &ActorId::random()).await;
    // In use every 200 ms for 1.6 s: it keeps working.
    for _ in 0..8 {
        assert_eq!(api.get("/v1/circles").await.status, 200);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // Then left alone for longer than its idle time.
    tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
    let r = api.get("/v1/circles").await;
    assert_eq!(r.code().as_deref(), Some("unauthorized"));
    // It stays signed out, and signing in again works.
    assert_eq!(
        api.get("/v1/circles").await.code().as_deref(),
        Some("unauthorized")
    );
    let again = server
        .api()
        .post(
            "/v1/sessions",
            &json!({"username": "idle", "password": "a long test password", "device_name": "phone", "actor": ActorId::random().to_hex_string()}),
        )
        .await;
    assert_eq!(again.status, 201);
}

#[tokio::test]
async fn a_panic_inside_a_store_transaction_fails_that_call_and_nothing_else() {
    let server = TestServer::start().await;
    let mut c = circle_of_three(&server.api(), "panic").await;
    let caller = Caller {
        member: c.consumer.session.member,
        device: c.consumer.session.device,
        display_name: c.consumer.session.display_name.clone(),
    };
    // A panic while the writer's transaction is open (it would poison a plain lock).
    for _ in 0..2 {
        let result = server
            .store
            .server_edit(
                &caller,
                c.id,
                DocKind::Notes,
                Box::new(|_| panic!("injected")),
            )
            .await;
        assert_eq!(result.map_err(|e| e.code), Err(ErrorCode::Internal));
    }
    // Reads, sign-ins and writes all carry on.
    assert_eq!(server.api().get("/healthz").await.status, 200);
    assert_eq!(c.carer.api.get("/v1/circles").await.status, 200);
    c.consumer.add_note(c.id, "After the panic");
    let report = c.consumer.sync().await;
    assert!(
        report.refusals.is_empty() && report.errors.is_empty(),
        "{report:?}"
    );
    c.case_manager.sync().await;
    let notes: carecircle_shared::schema::Notes = c.case_manager.view(c.id);
    assert!(notes.items.values().any(|n| n.text == "After the panic"));
}

#[tokio::test]
async fn the_app_core_syncs_with_the_server_over_tls() {
    // A test certificate for 127.0.0.1, written as the operator would give it to the server.
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()])
        .expect("test certificate");
    let dir = tempfile::tempdir().expect("tempdir");
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).expect("write cert");
    std::fs::write(&key, certified.signing_key.serialize_pem()).expect("write key");
    let tls = carecircle_server::tls::server_config(&cert, &key).expect("tls config");

    let store = Arc::new(
        carecircle_server::SqliteStore::open(&dir.path().join("carecircle.sqlite3"))
            .expect("store"),
    );
    let app = carecircle_server::router(store, test_config()).expect("router");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("https://{}", listener.local_addr().expect("addr"));
    tokio::spawn(carecircle_server::serve_tls(
        listener,
        tls,
        app,
        std::future::pending(),
    ));

    let device = |name: &'static str| {
        let (path, base) = (dir.path().join(format!("{name}.sqlite3")), base.clone());
        let pem = certified.cert.pem();
        async move {
            let store = SqliteLocalStore::open(&path).expect("local store");
            let mut core = CareCircle::open(Box::new(store), &base)
                .await
                .expect("open core");
            // Without trusting the certificate, HTTPS refuses the server.
            let refused = core
                .register(name, "a long test password", name, "phone")
                .await;
            assert_eq!(refused.map(|_| ()), Err(AppError::Offline));
            core.trust_certificates(pem.as_bytes()).expect("trust");
            core.register(name, "a long test password", name, "phone")
                .await
                .expect("register over TLS");
            core
        }
    };
    let mut consumer = device("tls-consumer").await;
    let mut carer = device("tls-carer").await;
    let circle = consumer
        .create_circle("TLS", Role::Consumer)
        .await
        .expect("circle");
    consumer.sync().await.expect("sync");
    let code = consumer
        .invite(circle, Role::Carer, None)
        .await
        .expect("invite")
        .code;
    carer.join(&code, None).await.expect("join");
    carer.sync().await.expect("carer's first sync over TLS");
    carer
        .add_note(circle, "Written over HTTPS", None)
        .await
        .expect("note");
    carer.sync().await.expect("carer sync over TLS");
    consumer.sync().await.expect("consumer sync over TLS");
    let notes: carecircle_shared::schema::Notes = consumer.view(circle).expect("notes");
    assert!(notes.items.values().any(|n| n.text == "Written over HTTPS"));
    // Plain HTTP to the TLS port gets no answer.
    let plain = Api::new(&base.replace("https://", "http://"))
        .get("/healthz")
        .await;
    assert_ne!(plain.status, 200);
}

/// The server process's current resident memory, in KiB (Linux `VmRSS`).
fn rss_kib(pid: u32) -> u64 {
    status_kib(pid, "VmRSS:")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_registrations_queues_for_the_hashers_and_memory_comes_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = ServerProcess::start(dir.path(), &[]);
    let pid = server.child.id();
    let api = Api::new(&server.base);
    // Warm up: the hashing threads have hashed once.
    for i in 0..4 {
        api.register(&format!("warm-{i}"), &ActorId::random())
            .await
            .ok::<serde_json::Value>();
    }
    let (baseline, peak_before) = (rss_kib(pid), peak_rss_kib(pid));
    let burst: Vec<_> = (0..128)
        .map(|i| {
            let api = api.clone();
            tokio::spawn(async move {
                api.register(&format!("burst-{i}"), &ActorId::random())
                    .await
                    .status
            })
        })
        .collect();
    let mut created = 0;
    for b in burst {
        if b.await.expect("task") == 201 {
            created += 1;
        }
    }
    assert_eq!(created, 128);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let peak_growth = (peak_rss_kib(pid) - peak_before) / 1024;
    let after = rss_kib(pid) / 1024;
    let baseline = baseline / 1024;
    println!(
        "128 parallel registrations: RSS {baseline} MiB before, peak +{peak_growth} MiB, {after} MiB after"
    );
    assert!(peak_growth < 128, "peak RSS grew by {peak_growth} MiB");
    assert!(
        after < baseline + 64,
        "RSS {after} MiB after, {baseline} MiB before"
    );
}

#[tokio::test]
async fn a_field_that_names_a_member_must_name_the_uploader() {
    let server = TestServer::start().await;
    let mut c = circle_of_three(&server.api(), "naming").await;
    let carer = c.carer.session.member;
    let me = c.case_manager.session.member;
    // The case manager claims the carer double-checked an appointment.
    c.case_manager
        .edit(c.id, "Added an appointment", |a: &mut Appointments| {
            let appt = Appointment {
                purpose: "Review".into(),
                start: "2026-12-10T10:00:00+11:00".into(),
                end: "2026-12-10T11:00:00+11:00".into(),
                double_checked_by: Some(carer),
                double_checked_at: Some(carecircle_tests::peer::now()),
                created_by: Some(me),
                ..Default::default()
            };
            a.items.insert(appt.id.clone(), appt);
            Ok(())
        });
    let report = c.case_manager.sync().await;
    let codes: Vec<_> = report.refusals.values().map(|r| r.code.as_str()).collect();
    assert_eq!(codes, ["not_author"]);
    // And a goal "added by" the consumer.
    let consumer = c.consumer.session.member;
    let mut fresh = Peer::register(&server.api(), "naming-cm2").await;
    let code = invite(&c.consumer.api, c.id, Role::CaseManager).await;
    accept(&fresh.api, &code).await;
    fresh.refresh().await;
    fresh.sync().await;
    fresh.edit(c.id, "Added a goal", |p: &mut Plan| {
        let goal = Goal {
            goal: "Walk daily".into(),
            created_by: Some(consumer),
            ..Default::default()
        };
        p.goals.insert(goal.id.clone(), goal);
        Ok(())
    });
    let report = fresh.sync().await;
    let codes: Vec<_> = report.refusals.values().map(|r| r.code.as_str()).collect();
    assert_eq!(codes, ["not_author"]);
}

#[tokio::test]
async fn unknown_keys_and_losing_values_are_checked_not_only_winners() {
    use carecircle_shared::automerge::transaction::Transactable;
    use carecircle_shared::automerge::{ROOT, ReadDoc};
    let server = TestServer::start().await;
    let mut c = circle_of_three(&server.api(), "shape").await;
    let me = c.consumer.session.member;
    let notes = c.consumer.doc_id(c.id, DocKind::Notes);

    // An unknown key at the root, and one inside an item: the typed view would ignore both.
    c.consumer.add_note(c.id, "A note");
    assert!(c.consumer.sync().await.refusals.is_empty());
    let clean = c.consumer.docs[&notes].save();
    let reset = |peer: &mut Peer| {
        let mut doc = Document::load(DocKind::Notes, &clean).expect("load");
        doc.set_actor(peer.actor.clone());
        peer.docs.insert(notes, doc);
        peer.states.remove(&notes);
    };
    c.consumer.raw_change(c.id, DocKind::Notes, me, |tx| {
        tx.put(ROOT, "smuggled", "x").expect("put");
    });
    let report = c.consumer.sync_docs(&[notes]).await;
    assert_eq!(report.refusals[&notes].code.as_str(), "invalid");
    reset(&mut c.consumer);
    c.consumer.raw_change(c.id, DocKind::Notes, me, |tx| {
        let items = tx.get(ROOT, "items").expect("get").expect("items").1;
        let key = tx.keys(&items).next().expect("a note");
        let note = tx.get(&items, key.as_str()).expect("get").expect("note").1;
        tx.put(&note, "smuggled", "x").expect("put");
    });
    let report = c.consumer.sync_docs(&[notes]).await;
    assert_eq!(report.refusals[&notes].code.as_str(), "invalid");
    reset(&mut c.consumer);

    // A losing value: two concurrent puts of the note's text from two of this device's actors;
    // the well-formed one wins (higher actor), a number where text belongs loses.
    let high = ActorId::from(&[0xffu8; 16][..]);
    let low = ActorId::from(&[0x01u8; 16][..]);
    for actor in [&high, &low] {
        let r = c
            .consumer
            .api
            .post(
                "/v1/devices/current/actors",
                &json!({"actor": actor.to_hex_string()}),
            )
            .await;
        assert_eq!(r.status, 204, "{r:?}");
    }
    let put_text = |doc: &mut Document, actor: &ActorId, value: ScalarValue| {
        doc.set_actor(actor.clone());
        let message = carecircle_shared::document::CommitMessage {
            by: me,
            what: "Edited a note".into(),
        }
        .encode();
        doc.automerge_mut()
            .transact_with(
                |_| {
                    carecircle_shared::automerge::transaction::CommitOptions::default()
                        .with_message(message)
                        .with_time(carecircle_tests::peer::now().millis())
                },
                |tx| {
                    let items = tx.get(ROOT, "items").expect("get").expect("items").1;
                    let key = tx.keys(&items).next().expect("a note");
                    let note = tx.get(&items, key.as_str()).expect("get").expect("note").1;
                    tx.put(&note, "text", value)
                },
            )
            .expect("put");
    };
    let mut good = Document::load(DocKind::Notes, &clean).expect("load");
    put_text(&mut good, &high, ScalarValue::Str("Edited".into()));
    let mut bad = Document::load(DocKind::Notes, &clean).expect("load");
    put_text(&mut bad, &low, ScalarValue::Int(42));
    good.automerge_mut()
        .merge(bad.automerge_mut())
        .expect("merge");
    // The typed view sees only the winner, which is fine.
    good.validate().expect("the winner alone is valid");
    good.set_actor(c.consumer.actor.clone());
    c.consumer.docs.insert(notes, good);
    c.consumer.states.remove(&notes);
    let report = c.consumer.sync_docs(&[notes]).await;
    assert_eq!(report.refusals[&notes].code.as_str(), "invalid");

    // The same conflict with two well-formed values is an ordinary conflict, accepted.
    let mut one = Document::load(DocKind::Notes, &clean).expect("load");
    put_text(&mut one, &high, ScalarValue::Str("Edited here".into()));
    let mut two = Document::load(DocKind::Notes, &clean).expect("load");
    put_text(&mut two, &low, ScalarValue::Str("Edited there".into()));
    one.automerge_mut()
        .merge(two.automerge_mut())
        .expect("merge");
    one.set_actor(c.consumer.actor.clone());
    c.consumer.docs.insert(notes, one);
    c.consumer.states.remove(&notes);
    let report = c.consumer.sync_docs(&[notes]).await;
    assert!(report.refusals.is_empty(), "{report:?}");
    // Another member receives both values: the conflict is kept for people to settle.
    c.carer.sync().await;
    let doc = c.carer.docs[&c.carer.doc_id(c.id, DocKind::Notes)].automerge();
    let items = doc.get(ROOT, "items").expect("get").expect("items").1;
    let key = doc.keys(&items).next().expect("a note");
    let note = doc.get(&items, key.as_str()).expect("get").expect("note").1;
    assert_eq!(doc.get_all(&note, "text").expect("text").len(), 2);
}

#[tokio::test]
async fn access_granted_later_arrives_at_the_next_sync_even_from_the_document_cache() {
    let server = TestServer::start().await;
    let mut c = circle_of_three(&server.api(), "granted").await;
    // The consumer writes the plan (so the server holds it loaded), the carer syncs without it.
    c.consumer.edit(c.id, "Edited the plan", |p: &mut Plan| {
        p.treatment_summary = "Weekly sessions".into();
        Ok(())
    });
    assert!(c.consumer.sync().await.refusals.is_empty());
    c.carer.sync().await;
    let plan_id = c.consumer.doc_id(c.id, DocKind::Plan);
    assert!(!c.carer.docs.contains_key(&plan_id));
    let carer = c.carer.session.member;
    let r = c
        .consumer
        .api
        .put(
            &format!("/v1/circles/{}/members/{carer}/access", c.id),
            &json!({"kind": "plan", "access": "read"}),
        )
        .await;
    assert_eq!(r.status, 204);
    c.carer.refresh().await;
    let report = c.carer.sync().await;
    assert!(report.refusals.is_empty(), "{report:?}");
    let plan: Plan = c.carer.view(c.id);
    assert_eq!(plan.treatment_summary, "Weekly sessions");
}
