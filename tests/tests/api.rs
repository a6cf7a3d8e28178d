//! Every endpoint, including bad input: each failure gets its stable code and changes nothing.

use carecircle_server::ServerConfig;
use carecircle_shared::automerge::transaction::Transactable;
use carecircle_shared::automerge::{ActorId, ROOT, ReadDoc};
use carecircle_shared::schema::*;
use carecircle_shared::wire::{AccessLogEntry, CircleDetail, CircleSummary, DeviceInfo, Session};
use carecircle_shared::{DocKind, Role};
use carecircle_tests::scenario::{accept, circle_of_three, invite};
use carecircle_tests::server::test_config;
use carecircle_tests::{Api, Peer, TestServer};
use serde_json::json;

fn count(server: &TestServer, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(server.db_path()).expect("open db");
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .expect("count")
}

#[tokio::test]
async fn health_and_limits() {
    let server = TestServer::start().await;
    let api = server.api();
    let health = api.get("/healthz").await;
    assert_eq!(
        (health.status, health.body["status"].as_str()),
        (200, Some("ok"))
    );
    assert_eq!(api.get("/v1/limits").await.body["max_docs_per_sync"], 256);
    let missing = api.get("/v1/nothing-here").await;
    assert_eq!(
        (missing.status, missing.code().as_deref()),
        (404, Some("not_found"))
    );
}

#[tokio::test]
async fn the_web_app_is_served_at_the_root_beside_the_api() {
    let web = tempfile::tempdir().expect("tempdir");
    std::fs::write(web.path().join("index.html"), "<div id=\"main\"></div>").expect("write");
    std::fs::write(web.path().join("app.js"), "// app").expect("write");
    let server = TestServer::start_with(ServerConfig {
        web_dir: Some(web.path().to_path_buf()),
        ..test_config()
    })
    .await;
    let text = |path: &'static str| {
        let url = format!("{}{path}", server.base);
        async move {
            let r = carecircle_tests::api::http_client()
                .get(url)
                .send()
                .await
                .expect("get");
            (r.status().as_u16(), r.text().await.expect("body"))
        }
    };
    assert_eq!(text("/").await, (200, "<div id=\"main\"></div>".into()));
    assert_eq!(text("/app.js").await, (200, "// app".into()));
    // Any other page path is the app's to route: index.html.
    assert_eq!(text("/appointments").await.1, "<div id=\"main\"></div>");
    // The API still answers JSON, also for unknown API paths.
    let api = server.api();
    assert_eq!(api.get("/healthz").await.status, 200);
    let missing = api.get("/v1/nothing-here").await;
    assert_eq!(
        (missing.status, missing.code().as_deref()),
        (404, Some("not_found"))
    );
}

/// The raw bytes and headers of a GET, asking for `encoding` and decoding nothing.
async fn raw_get(
    url: &str,
    encoding: Option<&str>,
    token: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut request = carecircle_tests::api::raw_http_client().get(url);
    if let Some(e) = encoding {
        request = request.header("accept-encoding", e);
    }
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    let r = request.send().await.expect("get");
    let (status, headers) = (r.status().as_u16(), r.headers().clone());
    (status, headers, r.bytes().await.expect("body").to_vec())
}

fn gunzip(bytes: &[u8]) -> String {
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(bytes), &mut text)
        .expect("gzip");
    text
}

#[tokio::test]
async fn files_and_answers_travel_compressed_and_hashed_files_are_kept() {
    use std::io::Write as _;
    let web = tempfile::tempdir().expect("tempdir");
    let page = "<p>One shared record for a care circle.</p>\n".repeat(400);
    let script = "export const circle = 'shared';\n".repeat(400);
    std::fs::write(web.path().join("index.html"), &page).expect("write");
    std::fs::write(web.path().join("sw.js"), &script).expect("write");
    let hashed = "carecircle-ui-0123456789abcdef.js";
    std::fs::write(web.path().join(hashed), &script).expect("write");
    // The build's own compressed copy of the hashed file.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(script.as_bytes()).expect("gzip");
    let gz = gz.finish().expect("gzip");
    std::fs::write(web.path().join(format!("{hashed}.gz")), &gz).expect("write");
    let server = TestServer::start_with(ServerConfig {
        web_dir: Some(web.path().to_path_buf()),
        ..test_config()
    })
    .await;
    let url = |path: &str| format!("{}{path}", server.base);
    let header = |h: &reqwest::header::HeaderMap, name: &str| {
        h.get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };

    // The hashed file: the build's gzip copy as it is (not compressed twice), kept for good.
    let (status, h, body) = raw_get(&url(&format!("/{hashed}")), Some("gzip"), None).await;
    assert_eq!(status, 200);
    assert_eq!(header(&h, "content-encoding"), "gzip");
    assert_eq!(body, gz, "the precompressed file itself");
    assert_eq!(gunzip(&body), script);
    assert_eq!(
        header(&h, "cache-control"),
        carecircle_server::web::CACHE_HASHED
    );
    // Plain names are revalidated; a file without a build copy is compressed on the way.
    for path in ["/", "/index.html", "/sw.js", "/c/0b6f7c2e/today"] {
        let (status, h, body) = raw_get(&url(path), Some("gzip"), None).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(header(&h, "content-encoding"), "gzip", "{path}");
        assert!(body.len() * 10 < page.len(), "{path}: {} bytes", body.len());
        assert_eq!(header(&h, "cache-control"), "no-cache", "{path}");
    }
    // Brotli, as browsers ask: the same page after decoding.
    let (_, h, body) = raw_get(&url("/"), Some("br"), None).await;
    assert_eq!(header(&h, "content-encoding"), "br");
    assert!(body.len() * 10 < page.len(), "brotli: {} bytes", body.len());
    let decoded = carecircle_tests::api::http_client()
        .get(url("/"))
        .header("accept-encoding", "br")
        .send()
        .await
        .expect("get");
    assert_eq!(decoded.text().await.expect("text"), page);
    // A client that asks for nothing gets the bytes as they are.
    let (_, h, body) = raw_get(&url("/sw.js"), None, None).await;
    assert_eq!(
        (header(&h, "content-encoding"), body),
        (String::new(), script.clone().into_bytes())
    );
    // A hashed name that is not there is the app's page, and is not kept.
    let (status, h, _) = raw_get(&url("/carecircle-ui-fedcba9876543210.js"), None, None).await;
    assert_eq!(
        (status, header(&h, "cache-control").as_str()),
        (200, "no-cache")
    );

    // API answers are compressed and still never stored; the sign-in answer (a token) is not.
    let (api, session) = server.api().signed_up("squeeze", &ActorId::random()).await;
    for n in 0..3 {
        let reply = api
            .post(
                "/v1/circles",
                &json!({"name": format!("Circle {n}"), "role": "consumer"}),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    let (status, h, body) = raw_get(&url("/v1/circles"), Some("gzip"), Some(&session.token)).await;
    assert_eq!(
        (status, header(&h, "content-encoding").as_str()),
        (200, "gzip")
    );
    assert_eq!(header(&h, "cache-control"), "no-store");
    let circles: Vec<CircleSummary> = serde_json::from_str(&gunzip(&body)).expect("circles");
    assert_eq!(circles.len(), 3);
    let login = carecircle_tests::api::raw_http_client()
        .post(url("/v1/sessions"))
        .header("accept-encoding", "gzip, br")
        .json(&json!({"username": "squeeze", "password": "a long test password", "device_name": "p", "actor": ActorId::random().to_hex_string()}))
        .send()
        .await
        .expect("login");
    assert!(login.status().is_success(), "{}", login.status());
    assert_eq!(header(login.headers(), "content-encoding"), "");
}

#[tokio::test]
async fn accounts_and_sign_in() {
    let server = TestServer::start().await;
    let api = server.api();
    let actor = ActorId::random();
    assert_eq!(api.register("sam", &actor).await.status, 201);
    let before = count(&server, "accounts");
    let cases = [
        (api.register("SAM", &ActorId::random()).await, "username_taken"),
        (
            api.post("/v1/accounts", &json!({"username": "kim", "password": "short", "display_name": "Kim", "device_name": "p", "actor": "01"})).await,
            "weak_password",
        ),
        (
            api.post("/v1/accounts", &json!({"username": "k", "password": "long enough pw", "display_name": "Kim", "device_name": "p", "actor": "01"})).await,
            "bad_request",
        ),
        (
            api.post("/v1/accounts", &json!({"username": "kim", "password": "long enough pw", "display_name": "Kim", "device_name": "p", "actor": "not hex"})).await,
            "bad_request",
        ),
        (api.raw("POST", "/v1/accounts", Some("{\"username\":".into())).await, "malformed_json"),
        (api.raw("POST", "/v1/accounts", Some("[]".into())).await, "malformed_json"),
    ];
    for (reply, code) in cases {
        assert_eq!(reply.code().as_deref(), Some(code), "{}", reply.body);
    }
    assert_eq!(
        count(&server, "accounts"),
        before,
        "failed registrations stored nothing"
    );

    let login = |user: &str, pw: &str| json!({"username": user, "password": pw, "device_name": "laptop", "actor": ActorId::random().to_hex_string()});
    let ok: Session = api
        .post("/v1/sessions", &login("Sam", "a long test password"))
        .await
        .ok();
    for body in [
        login("sam", "wrong password"),
        login("nobody", "a long test password"),
    ] {
        let r = api.post("/v1/sessions", &body).await;
        assert_eq!(
            (r.status, r.code().as_deref()),
            (401, Some("invalid_credentials"))
        );
    }
    // Tokens: missing, invalid, signed out.
    assert_eq!(
        api.get("/v1/circles").await.code().as_deref(),
        Some("unauthorized")
    );
    assert_eq!(
        api.with_token("bogus")
            .get("/v1/circles")
            .await
            .code()
            .as_deref(),
        Some("unauthorized")
    );
    let laptop = api.with_token(&ok.token);
    let devices: Vec<DeviceInfo> = laptop.get("/v1/devices").await.ok();
    assert_eq!(devices.len(), 2);
    assert_eq!(devices.iter().filter(|d| d.current).count(), 1);
    assert_eq!(laptop.delete("/v1/sessions/current").await.status, 204);
    assert_eq!(
        laptop.get("/v1/devices").await.code().as_deref(),
        Some("unauthorized")
    );
}

#[tokio::test]
async fn devices_and_actors() {
    let server = TestServer::start().await;
    let api = server.api();
    let (phone, _) = api.signed_up("ana", &ActorId::random()).await;
    let tablet: Session = api
        .post("/v1/sessions", &json!({"username": "ana", "password": "a long test password", "device_name": "tablet", "actor": ActorId::random().to_hex_string()}))
        .await
        .ok();
    let tablet_api = api.with_token(&tablet.token);
    assert_eq!(
        phone
            .delete(&format!("/v1/devices/{}", tablet.device))
            .await
            .status,
        204
    );
    assert_eq!(
        tablet_api.get("/v1/circles").await.code().as_deref(),
        Some("unauthorized")
    );
    assert_eq!(
        phone
            .delete(&format!("/v1/devices/{}", tablet.device))
            .await
            .code()
            .as_deref(),
        Some("not_found")
    );
    assert_eq!(
        phone
            .delete("/v1/devices/not-a-uuid")
            .await
            .code()
            .as_deref(),
        Some("bad_request")
    );
    // Actors: a new one registers; someone else's is refused.
    let other = ActorId::random();
    let (_bo, _) = api.signed_up("bob", &other).await;
    let fresh = ActorId::random();
    assert_eq!(
        phone
            .post(
                "/v1/devices/current/actors",
                &json!({"actor": fresh.to_hex_string()})
            )
            .await
            .status,
        204
    );
    let taken = phone
        .post(
            "/v1/devices/current/actors",
            &json!({"actor": other.to_hex_string()}),
        )
        .await;
    assert_eq!(taken.code().as_deref(), Some("bad_request"));
}

#[tokio::test]
async fn registration_can_be_switched_off() {
    let config = ServerConfig {
        registration_open: false,
        ..test_config()
    };
    let server = TestServer::start_with(config).await;
    let r = server.api().register("x-user", &ActorId::random()).await;
    assert_eq!(
        (r.status, r.code().as_deref()),
        (403, Some("registration_closed"))
    );
    assert_eq!(count(&server, "accounts"), 0);
}

#[tokio::test]
async fn sign_in_and_invite_attempts_are_rate_limited() {
    let mut config = test_config();
    config.limits.login_attempts_per_minute = 3;
    config.limits.invite_attempts_per_minute = 2;
    let server = TestServer::start_with(config).await;
    let api = server.api();
    let (signed, _) = api.signed_up("rate", &ActorId::random()).await;
    let body = json!({"username": "rate", "password": "wrong password!", "device_name": "x", "actor": "0a"});
    let codes: Vec<_> = futures_codes(&api, "/v1/sessions", &body, 5).await;
    assert_eq!(codes[..3], ["invalid_credentials"; 3]);
    assert_eq!(codes[3..], ["rate_limited"; 2]);
    let codes = futures_codes(&signed, "/v1/invites/accept", &json!({"code": "AAAA"}), 3).await;
    assert_eq!(codes, ["invite_invalid", "invite_invalid", "rate_limited"]);
}

async fn futures_codes(api: &Api, path: &str, body: &serde_json::Value, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(api.post(path, body).await.code().unwrap_or_default());
    }
    out
}

#[tokio::test]
async fn circles_invites_and_membership() {
    let server = TestServer::start().await;
    let api = server.api();
    let (consumer, _) = api.signed_up("cons", &ActorId::random()).await;
    let (carer, carer_s) = api.signed_up("carer", &ActorId::random()).await;
    let (cm, _) = api.signed_up("casemgr", &ActorId::random()).await;
    let (stranger, _) = api.signed_up("stranger", &ActorId::random()).await;
    let (consumer2, _) = api.signed_up("cons2", &ActorId::random()).await;

    assert_eq!(
        consumer
            .post("/v1/circles", &json!({"name": "X", "role": "carer"}))
            .await
            .code()
            .as_deref(),
        Some("forbidden")
    );
    assert_eq!(
        consumer
            .post("/v1/circles", &json!({"name": " ", "role": "consumer"}))
            .await
            .code()
            .as_deref(),
        Some("bad_request")
    );
    assert_eq!(
        consumer
            .post("/v1/circles", &json!({"name": "X", "role": "pilot"}))
            .await
            .code()
            .as_deref(),
        Some("malformed_json")
    );
    let circle: CircleSummary = consumer
        .post("/v1/circles", &json!({"name": "Ana", "role": "consumer"}))
        .await
        .ok();
    assert_eq!(circle.documents.len(), 5);
    let c = circle.id;
    assert_eq!(
        stranger
            .get(&format!("/v1/circles/{c}"))
            .await
            .code()
            .as_deref(),
        Some("forbidden")
    );
    assert_eq!(
        stranger
            .get(&format!(
                "/v1/circles/{}",
                carecircle_shared::CircleId::random()
            ))
            .await
            .code()
            .as_deref(),
        Some("not_found")
    );
    assert_eq!(
        stranger.get("/v1/circles/garbage").await.code().as_deref(),
        Some("bad_request")
    );

    // Invites: lifetime bounds, who may invite whom.
    let path = format!("/v1/circles/{c}/invites");
    for secs in [0u64, 8 * 24 * 3600] {
        let r = consumer
            .post(&path, &json!({"role": "carer", "expires_in_secs": secs}))
            .await;
        assert_eq!(r.code().as_deref(), Some("bad_request"));
    }
    assert_eq!(
        consumer
            .post(&path, &json!({"role": "consumer"}))
            .await
            .code()
            .as_deref(),
        Some("forbidden")
    );
    assert_eq!(
        stranger
            .post(&path, &json!({"role": "carer"}))
            .await
            .code()
            .as_deref(),
        Some("forbidden")
    );
    let code = invite(&consumer, c, Role::Carer).await;
    let lower = code.to_lowercase();
    let joined: CircleSummary = carer
        .post(
            "/v1/invites/accept",
            &json!({"code": format!("{}-{}", &lower[..5], &lower[5..]), "relationship": "friend"}),
        )
        .await
        .ok();
    assert_eq!(joined.role, Role::Carer);
    assert!(joined.documents.iter().all(|d| d.kind != DocKind::Plan));
    let invites_before = count(&server, "memberships");
    assert_eq!(
        stranger
            .post("/v1/invites/accept", &json!({"code": code}))
            .await
            .code()
            .as_deref(),
        Some("invite_used")
    );
    assert_eq!(
        stranger
            .post("/v1/invites/accept", &json!({"code": "NOPE234567"}))
            .await
            .code()
            .as_deref(),
        Some("invite_invalid")
    );
    let short = consumer
        .post(
            &path,
            &json!({"role": "case_manager", "expires_in_secs": 1}),
        )
        .await
        .json::<serde_json::Value>();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(
        stranger
            .post("/v1/invites/accept", &json!({"code": short["code"]}))
            .await
            .code()
            .as_deref(),
        Some("invite_expired")
    );
    let again = invite(&consumer, c, Role::CaseManager).await;
    assert_eq!(
        carer
            .post("/v1/invites/accept", &json!({"code": again}))
            .await
            .code()
            .as_deref(),
        Some("already_member")
    );
    assert_eq!(
        count(&server, "memberships"),
        invites_before,
        "failed acceptances stored nothing"
    );
    accept(&cm, &again).await;
    // Case managers may not invite carers; may invite case managers.
    assert_eq!(
        cm.post(&path, &json!({"role": "carer"}))
            .await
            .code()
            .as_deref(),
        Some("forbidden")
    );
    invite(&cm, c, Role::CaseManager).await;
    // A case manager's circle gets one consumer only.
    let cm_circle: CircleSummary = cm
        .post(
            "/v1/circles",
            &json!({"name": "Ben", "role": "case_manager"}),
        )
        .await
        .ok();
    let first = invite(&cm, cm_circle.id, Role::Consumer).await;
    let second = invite(&cm, cm_circle.id, Role::Consumer).await;
    accept(&consumer2, &first).await;
    assert_eq!(
        stranger
            .post("/v1/invites/accept", &json!({"code": second}))
            .await
            .code()
            .as_deref(),
        Some("circle_has_consumer")
    );
    assert_eq!(
        cm.post(
            &format!("/v1/circles/{}/invites", cm_circle.id),
            &json!({"role": "consumer"})
        )
        .await
        .code()
        .as_deref(),
        Some("circle_has_consumer")
    );
    let caseload: Vec<CircleSummary> = cm.get("/v1/circles").await.ok();
    assert_eq!(caseload.len(), 2);

    // Consent: the consumer changes access; nobody else may.
    let access = format!("/v1/circles/{c}/members/{}/access", carer_s.member);
    assert_eq!(
        carer
            .put(&access, &json!({"kind": "plan", "access": "write"}))
            .await
            .code()
            .as_deref(),
        Some("forbidden")
    );
    assert_eq!(
        consumer
            .put(&access, &json!({"kind": "plan", "access": "bogus"}))
            .await
            .code()
            .as_deref(),
        Some("malformed_json")
    );
    assert_eq!(
        consumer
            .put(&access, &json!({"kind": "plan", "access": "read"}))
            .await
            .status,
        204
    );
    let detail: CircleDetail = consumer.get(&format!("/v1/circles/{c}")).await.ok();
    let carer_row = detail
        .members
        .iter()
        .find(|m| m.member == carer_s.member)
        .expect("carer listed");
    assert_eq!(
        carer_row.access[&DocKind::Plan],
        carecircle_shared::Access::Read
    );
    assert_eq!(
        carer_row.relationship,
        Some(carecircle_shared::Relationship::Friend)
    );
    let consumer_id = detail
        .members
        .iter()
        .find(|m| m.role == Role::Consumer)
        .map(|m| m.member)
        .expect("consumer");
    let own = format!("/v1/circles/{c}/members/{consumer_id}/access");
    assert_eq!(
        consumer
            .put(&own, &json!({"kind": "plan", "access": "none"}))
            .await
            .code()
            .as_deref(),
        Some("forbidden")
    );
    let nobody = format!(
        "/v1/circles/{c}/members/{}/access",
        carecircle_shared::MemberId::random()
    );
    assert_eq!(
        consumer
            .put(&nobody, &json!({"kind": "plan", "access": "none"}))
            .await
            .code()
            .as_deref(),
        Some("not_found")
    );

    // Access log: the consumer reads it, the carer may not; paging is bounded.
    let log: Vec<AccessLogEntry> = consumer
        .get(&format!("/v1/circles/{c}/access-log"))
        .await
        .ok();
    assert!(log.iter().any(
        |e| e.action == carecircle_shared::wire::LogAction::ChangeAccess
            && e.subject == Some(carer_s.member)
    ));
    assert!(log.windows(2).all(|w| w[0].seq > w[1].seq), "newest first");
    let page: Vec<AccessLogEntry> = consumer
        .get(&format!(
            "/v1/circles/{c}/access-log?limit=2&before={}",
            log[0].seq
        ))
        .await
        .ok();
    assert_eq!(page.len(), 2);
    assert_eq!(page[0].seq, log[1].seq);
    assert_eq!(
        carer
            .get(&format!("/v1/circles/{c}/access-log"))
            .await
            .code()
            .as_deref(),
        Some("forbidden")
    );
    assert_eq!(
        consumer
            .get(&format!("/v1/circles/{c}/access-log?limit=0"))
            .await
            .code()
            .as_deref(),
        Some("bad_request")
    );
    assert_eq!(
        consumer
            .get(&format!("/v1/circles/{c}/access-log?limit=abc"))
            .await
            .code()
            .as_deref(),
        Some("bad_request")
    );

    // Leaving and revoking.
    assert_eq!(
        consumer
            .delete(&format!("/v1/circles/{c}/members/{consumer_id}"))
            .await
            .code()
            .as_deref(),
        Some("forbidden")
    );
    assert_eq!(
        carer
            .delete(&format!("/v1/circles/{c}/members/{consumer_id}"))
            .await
            .code()
            .as_deref(),
        Some("forbidden")
    );
    assert_eq!(
        consumer
            .delete(&format!("/v1/circles/{c}/members/{}", carer_s.member))
            .await
            .status,
        204
    );
    assert_eq!(
        carer
            .get(&format!("/v1/circles/{c}"))
            .await
            .code()
            .as_deref(),
        Some("revoked")
    );
    // The log keeps the removed carer's name and says when they were removed.
    let log: Vec<AccessLogEntry> = consumer
        .get(&format!("/v1/circles/{c}/access-log"))
        .await
        .ok();
    let removal = log
        .iter()
        .find(|e| e.action == carecircle_shared::wire::LogAction::Revoke)
        .expect("the removal is logged");
    assert_eq!(removal.subject, Some(carer_s.member));
    assert!(
        removal
            .subject_name
            .as_deref()
            .is_some_and(|n| !n.is_empty())
    );
    let by_carer: Vec<_> = log.iter().filter(|e| e.member == carer_s.member).collect();
    assert!(
        !by_carer.is_empty(),
        "the carer's own entries are still there"
    );
    assert!(
        by_carer
            .iter()
            .all(|e| e.removed_at.is_some() && !e.name.is_empty())
    );
    assert!(
        log.iter()
            .filter(|e| e.member != carer_s.member)
            .all(|e| e.removed_at.is_none()),
        "members still in the circle are not marked removed"
    );
    let cm_id = detail
        .members
        .iter()
        .find(|m| m.role == Role::CaseManager)
        .map(|m| m.member)
        .expect("cm");
    assert_eq!(
        cm.delete(&format!("/v1/circles/{c}/members/{cm_id}"))
            .await
            .status,
        204,
        "a case manager may leave"
    );
}

#[tokio::test]
async fn bad_sync_input_is_refused_and_changes_nothing() {
    let mut config = test_config();
    config.limits.max_docs_per_sync = 8;
    config.limits.max_request_bytes = 64 * 1024;
    let server = TestServer::start_with(config).await;
    let mut c = circle_of_three(&server.api(), "bad").await;
    let circle = c.id;
    let notes = c.consumer.doc_id(circle, DocKind::Notes);
    let heads = c.consumer.doc(circle, DocKind::Notes).heads();
    let api = &c.consumer.api;

    assert_eq!(
        api.raw(
            "POST",
            "/v1/sync",
            Some("{\"docs\": [{\"doc\": \"x\"}]}".into())
        )
        .await
        .code()
        .as_deref(),
        Some("malformed_json")
    );
    assert_eq!(
        api.post(
            "/v1/sync",
            &json!({"docs": [{"doc": notes, "message": "***"}]})
        )
        .await
        .code()
        .as_deref(),
        Some("malformed_json")
    );
    let garbage = api
        .post(
            "/v1/sync",
            &json!({"docs": [{"doc": notes, "message": "Z2FyYmFnZQ=="}]}),
        )
        .await;
    assert_eq!(garbage.status, 200);
    assert_eq!(garbage.body["docs"][0]["refused"]["code"], "malformed");
    let unknown = api
        .post(
            "/v1/sync",
            &json!({"docs": [{"doc": carecircle_shared::DocumentId::random(), "message": null}]}),
        )
        .await;
    assert_eq!(unknown.body["docs"][0]["refused"]["code"], "not_found");
    let many: Vec<_> = (0..9)
        .map(|_| json!({"doc": notes, "message": null}))
        .collect();
    assert_eq!(
        api.post("/v1/sync", &json!({"docs": many}))
            .await
            .code()
            .as_deref(),
        Some("too_large")
    );
    let huge = format!(
        "{{\"docs\": [{{\"doc\": \"{notes}\", \"message\": \"{}\"}}]}}",
        "A".repeat(100 * 1024)
    );
    let r = api.raw("POST", "/v1/sync", Some(huge)).await;
    assert_eq!((r.status, r.code().as_deref()), (413, Some("too_large")));
    assert_eq!(
        api.raw("POST", "/v1/sync", None).await.code().as_deref(),
        Some("malformed_json")
    );

    // Nothing changed: another device syncs and sees the same heads.
    c.case_manager.sync().await;
    let mut a = c.case_manager.doc(circle, DocKind::Notes).heads();
    let mut b = heads;
    a.sort();
    b.sort();
    assert_eq!(a, b);
}

#[tokio::test]
async fn forged_read_only_invalid_and_foreign_item_uploads_are_refused() {
    let server = TestServer::start().await;
    let mut c = circle_of_three(&server.api(), "forge").await;
    let circle = c.id;
    let carer_id = c.carer.session.member;
    let consumer_id = c.consumer.session.member;

    // Impersonation: the carer's change made with the consumer's actor id.
    let notes = c.carer.doc_id(circle, DocKind::Notes);
    c.carer
        .docs
        .get_mut(&notes)
        .expect("doc")
        .set_actor(c.consumer.actor.clone());
    c.carer.edit(circle, "Added a note", |n: &mut Notes| {
        let note = Note {
            author: Some(carer_id),
            text: "as someone else".into(),
            ..Default::default()
        };
        n.items.insert(note.id.clone(), note);
        Ok(())
    });
    let report = c.carer.sync_docs(&[notes]).await;
    assert_eq!(report.refusals[&notes].code.as_str(), "unknown_actor");

    // A change with the carer's own actor that names another member as its author.
    let appts_q = c.carer.doc_id(circle, DocKind::Questions);
    c.carer
        .docs
        .get_mut(&appts_q)
        .expect("doc")
        .set_actor(c.carer.actor.clone());
    c.carer
        .raw_change(circle, DocKind::Questions, consumer_id, |tx| {
            let items = tx.get(ROOT, "items").expect("get").expect("items").1;
            tx.put(&items, "nonsense", "x").expect("put");
        });
    let report = c.carer.sync_docs(&[appts_q]).await;
    assert_eq!(report.refusals[&appts_q].code.as_str(), "unknown_actor");

    // Read-only: the carer may read the team document but not change it.
    let team = c.carer.doc_id(circle, DocKind::Team);
    c.carer.edit(circle, "Added a team member", |t: &mut Team| {
        let m = TeamMember {
            name: "Someone".into(),
            ..Default::default()
        };
        t.members.insert(m.id.clone(), m);
        Ok(())
    });
    let report = c.carer.sync_docs(&[team]).await;
    assert_eq!(report.refusals[&team].code.as_str(), "forbidden");

    // Schema: a change that breaks the document's shape.
    let cm_id = c.case_manager.session.member;
    c.case_manager
        .raw_change(circle, DocKind::Appointments, cm_id, |tx| {
            tx.put(ROOT, "items", "not a map").expect("put");
        });
    let appts = c.case_manager.doc_id(circle, DocKind::Appointments);
    let report = c.case_manager.sync_docs(&[appts]).await;
    assert_eq!(report.refusals[&appts].code.as_str(), "invalid");

    // Item rules: the case manager rewrites the consumer's question.
    let q = c
        .consumer
        .edit(circle, "Added a question", |x: &mut Questions| {
            let q = Question {
                text: "Original".into(),
                asked_by: Some(consumer_id),
                ..Default::default()
            };
            let id = q.id.clone();
            x.items.insert(id.clone(), q);
            Ok(id)
        });
    c.consumer.sync().await;
    let cm_questions = c.case_manager.doc_id(circle, DocKind::Questions);
    c.case_manager.sync_docs(&[cm_questions]).await;
    c.case_manager
        .edit(circle, "Edited a question", |x: &mut Questions| {
            x.items.get_mut(&q).expect("q").text = "Rewritten".into();
            Ok(())
        });
    let report = c.case_manager.sync_docs(&[cm_questions]).await;
    assert_eq!(report.refusals[&cm_questions].code.as_str(), "not_author");

    // None of it reached the server: the consumer's fresh view has none of those edits.
    let mut fresh = Peer::register(&server.api(), "forge-viewer").await;
    let code = invite(&c.consumer.api, circle, Role::CaseManager).await;
    accept(&fresh.api, &code).await;
    fresh.refresh().await;
    let report = fresh.sync().await;
    assert!(report.refusals.is_empty());
    let notes: Notes = fresh.view(circle);
    assert!(notes.items.is_empty());
    let team: Team = fresh.view(circle);
    assert!(team.members.is_empty());
    let qs: Questions = fresh.view(circle);
    assert_eq!(qs.items[&q].text, "Original");
    assert_eq!(qs.items.len(), 1);
    let _: Appointments = fresh.view(circle);
    // And the refusals are in the access log.
    let log: Vec<AccessLogEntry> = c
        .consumer
        .api
        .get(&format!("/v1/circles/{circle}/access-log?limit=1000"))
        .await
        .ok();
    let refused: Vec<_> = log
        .iter()
        .filter(|e| e.action == carecircle_shared::wire::LogAction::Refused)
        .map(|e| e.detail.as_str())
        .collect();
    for code in ["unknown_actor", "forbidden", "invalid", "not_author"] {
        assert!(refused.contains(&code), "{code} logged: {refused:?}");
    }
}
