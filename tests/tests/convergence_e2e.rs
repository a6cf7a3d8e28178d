//! Journey 5, convergence end to end: a consumer, a carer and a case manager on their own app
//! cores and SQLite files make random edits, sync in random order through the real server, lose
//! responses (the server commits, the phone never hears) and restart the app. In the end every
//! replica is identical and no edit is lost.
//!
//! 256 cases by default; `PROPTEST_CASES=N` for more.

use std::path::{Path, PathBuf};

use carecircle_app::store::{LocalStore, SavedSession};
use carecircle_app::{AppError, CareCircle, SqliteLocalStore};
use carecircle_shared::schema::*;
use carecircle_shared::{CircleId, DocKind, ItemId, Role};
use carecircle_tests::TestServer;
use carecircle_tests::proxy::DropProxy;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

const PEOPLE: usize = 3; // consumer, carer, case manager

#[derive(Debug, Clone)]
enum Op {
    Edit { who: usize, what: usize },
    Sync { who: usize },
    DropNext { who: usize },
    Restart { who: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..PEOPLE, 0..5usize).prop_map(|(who, what)| Op::Edit { who, what }),
        3 => (0..PEOPLE).prop_map(|who| Op::Sync { who }),
        1 => (0..PEOPLE).prop_map(|who| Op::DropNext { who }),
        1 => (0..PEOPLE).prop_map(|who| Op::Restart { who }),
    ]
}

struct Device {
    file: PathBuf,
    base: String,
    core: Option<CareCircle>,
}

impl Device {
    async fn open(&mut self) {
        let store = SqliteLocalStore::open(&self.file).expect("store");
        self.core = Some(
            CareCircle::open(Box::new(store), &self.base)
                .await
                .expect("open"),
        );
    }

    fn core(&mut self) -> &mut CareCircle {
        self.core.as_mut().expect("open device")
    }
}

/// Opens a device on a fresh file with an existing session, pointed at `base`.
async fn device(dir: &Path, name: String, session: &SavedSession, base: &str) -> Device {
    let file = dir.join(format!("{name}.sqlite3"));
    let store = SqliteLocalStore::open(&file).expect("store");
    store
        .set_session(Some(&SavedSession {
            server: base.to_string(),
            ..session.clone()
        }))
        .await
        .expect("session");
    drop(store);
    let mut d = Device {
        file,
        base: base.to_string(),
        core: None,
    };
    d.open().await;
    d
}

async fn edit(
    core: &mut CareCircle,
    circle: CircleId,
    role: Role,
    what: usize,
    n: usize,
) -> (DocKind, ItemId) {
    let kinds: &[DocKind] = match role {
        Role::Carer => &[DocKind::Notes, DocKind::Questions],
        _ => &[
            DocKind::Notes,
            DocKind::Questions,
            DocKind::Appointments,
            DocKind::Plan,
            DocKind::Team,
        ],
    };
    let kind = kinds[what % kinds.len()];
    let id = match kind {
        DocKind::Notes => core.add_note(circle, &format!("note {n}"), None).await,
        DocKind::Questions => {
            core.add_question(circle, &format!("question {n}?"), None, None)
                .await
        }
        DocKind::Appointments => {
            let a = Appointment {
                purpose: format!("appointment {n}"),
                start: "2026-12-01T10:00:00+11:00".into(),
                end: "2026-12-01T11:00:00+11:00".into(),
                ..Default::default()
            };
            core.add_appointment(circle, a).await
        }
        DocKind::Plan => {
            core.add_goal(
                circle,
                Goal {
                    goal: format!("goal {n}"),
                    ..Default::default()
                },
            )
            .await
        }
        DocKind::Team => {
            core.add_team_member(
                circle,
                TeamMember {
                    name: format!("person {n}"),
                    ..Default::default()
                },
            )
            .await
        }
    };
    (kind, id.expect("edit saved locally"))
}

fn items(core: &CareCircle, circle: CircleId, kind: DocKind) -> Vec<ItemId> {
    let keys = |v: Result<Vec<ItemId>, AppError>| v.unwrap_or_default();
    keys(match kind {
        DocKind::Notes => core
            .view::<Notes>(circle)
            .map(|x| x.items.into_keys().collect()),
        DocKind::Questions => core
            .view::<Questions>(circle)
            .map(|x| x.items.into_keys().collect()),
        DocKind::Appointments => core
            .view::<Appointments>(circle)
            .map(|x| x.items.into_keys().collect()),
        DocKind::Plan => core
            .view::<Plan>(circle)
            .map(|x| x.goals.into_keys().collect()),
        DocKind::Team => core
            .view::<Team>(circle)
            .map(|x| x.members.into_keys().collect()),
    })
}

struct World {
    server: TestServer,
    proxies: Vec<DropProxy>,
    sessions: Vec<SavedSession>,
    dir: tempfile::TempDir,
}

async fn world() -> World {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let mut proxies = Vec::new();
    let mut sessions = Vec::new();
    for (i, name) in ["e2e-consumer-setup", "e2e-carer", "e2e-cm"]
        .into_iter()
        .enumerate()
    {
        let proxy = DropProxy::start(&server.base).await;
        let store =
            SqliteLocalStore::open(&dir.path().join(format!("setup-{i}.sqlite3"))).expect("store");
        let mut core = CareCircle::open(Box::new(store), &proxy.base)
            .await
            .expect("open");
        core.register(name, "a long test password", name, "phone")
            .await
            .expect("register");
        sessions.push(core.session().expect("session").clone());
        proxies.push(proxy);
    }
    World {
        server,
        proxies,
        sessions,
        dir,
    }
}

async fn case(w: &World, case_no: usize, ops: &[Op]) -> Result<(), TestCaseError> {
    let roles = [Role::Consumer, Role::Carer, Role::CaseManager];
    // A consumer of their own per case (a consumer cannot leave a circle); carer and case
    // manager are the same people throughout and leave each case's circle at its end.
    let mut consumer = Device {
        file: w.dir.path().join(format!("case{case_no}-0.sqlite3")),
        base: w.proxies[0].base.clone(),
        core: None,
    };
    consumer.open().await;
    let name = format!("e2e-consumer-{case_no}");
    consumer
        .core()
        .register(&name, "a long test password", &name, "phone")
        .await
        .expect("register");
    let mut devices = vec![consumer];
    for i in 1..PEOPLE {
        devices.push(
            device(
                w.dir.path(),
                format!("case{case_no}-{i}"),
                &w.sessions[i],
                &w.proxies[i].base,
            )
            .await,
        );
    }
    // A fresh circle per case; carer and case manager leave it at the end.
    let circle = devices[0]
        .core()
        .create_circle(&format!("case {case_no}"), Role::Consumer)
        .await
        .expect("circle");
    for (i, role) in [(1, Role::Carer), (2, Role::CaseManager)] {
        let code = devices[0]
            .core()
            .invite(circle, role, None)
            .await
            .expect("invite")
            .code;
        devices[i].core().join(&code, None).await.expect("join");
    }
    for d in devices.iter_mut() {
        d.core().sync().await.expect("first sync");
    }
    let mut written: Vec<(DocKind, ItemId)> = Vec::new();
    for (n, op) in ops.iter().enumerate() {
        match *op {
            Op::Edit { who, what } => {
                let e = edit(devices[who].core(), circle, roles[who], what, n).await;
                written.push(e);
            }
            Op::Sync { who } => match devices[who].core().sync().await {
                Ok(report) => {
                    prop_assert!(report.refused.is_empty(), "refused: {:?}", report.refused)
                }
                Err(AppError::Server { .. }) | Err(AppError::Offline) => {}
                Err(e) => prop_assert!(false, "sync failed: {e}"),
            },
            Op::DropNext { who } => w.proxies[who].drop_next(1),
            Op::Restart { who } => {
                devices[who].core = None;
                devices[who].open().await;
            }
        }
    }
    // Signal returns: everyone syncs until quiet.
    for p in &w.proxies {
        p.drop_next(0);
    }
    for _ in 0..3 {
        for d in devices.iter_mut() {
            let report = d.core().sync().await.expect("final sync");
            prop_assert!(report.refused.is_empty());
        }
    }
    for kind in DocKind::ALL {
        let readers: Vec<&mut Device> = devices
            .iter_mut()
            .zip(roles)
            .filter(|(_, r)| carecircle_shared::policy::default_access(*r, *kind).can_read())
            .map(|(d, _)| d)
            .collect();
        let mut first: Option<(Vec<_>, Vec<ItemId>)> = None;
        for d in readers {
            let core = d.core();
            let mut heads = core.document(circle, *kind).expect("doc").heads();
            heads.sort();
            let mut ids = items(core, circle, *kind);
            ids.sort();
            for (k, id) in &written {
                if k == kind {
                    prop_assert!(ids.contains(id), "{kind} item lost");
                }
            }
            match &first {
                None => first = Some((heads, ids)),
                Some((h, i)) => {
                    prop_assert_eq!(h, &heads, "{} heads differ", kind);
                    prop_assert_eq!(i, &ids);
                }
            }
        }
    }
    for d in devices.iter_mut().skip(1) {
        d.core().leave(circle).await.expect("leave");
    }
    Ok(())
}

#[test]
fn replicas_converge_despite_dropped_responses_and_restarts() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let w = rt.block_on(world());
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(256);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let counter = std::cell::Cell::new(0usize);
    runner
        .run(&prop::collection::vec(op(), 1..24), |ops| {
            counter.set(counter.get() + 1);
            rt.block_on(case(&w, counter.get(), &ops))
        })
        .expect("every case converges");
    println!("convergence end to end: {} cases", counter.get());
    drop(w.server);
}
