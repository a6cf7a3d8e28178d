//! The three journeys (and consent), end to end: the real app core on real SQLite files,
//! syncing through a real server on `127.0.0.1:0`.

use std::path::Path;

use carecircle_app::ops::attention::Reminder;
use carecircle_app::{AppError, CareCircle, SqliteLocalStore};
use carecircle_shared::automerge::ScalarValue;
use carecircle_shared::schema::*;
use carecircle_shared::time::Zone;
use carecircle_shared::{Access, CircleId, DocKind, Relationship, Role, Timestamp};
use carecircle_tests::TestServer;
use chrono::{Duration, FixedOffset, TimeZone, Utc};

const PASSWORD: &str = "a long test password";

async fn device(dir: &Path, name: &str, server: &str) -> CareCircle {
    let store = SqliteLocalStore::open(&dir.join(format!("{name}.sqlite3"))).expect("local store");
    CareCircle::open(Box::new(store), server)
        .await
        .expect("open core")
}

async fn person(dir: &Path, name: &str, server: &str) -> CareCircle {
    let mut d = device(dir, name, server).await;
    d.register(name, PASSWORD, &format!("{name} (test)"), "phone")
        .await
        .expect("register");
    d
}

fn at(days: i64, hh: u32, mm: u32) -> String {
    let tz = FixedOffset::east_opt(11 * 3600).expect("offset");
    let day = Utc::now().with_timezone(&tz).date_naive() + Duration::days(days);
    tz.from_local_datetime(&day.and_hms_opt(hh, mm, 0).expect("time"))
        .single()
        .expect("local")
        .to_rfc3339()
}

fn appointment(purpose: &str, start: String, end: String) -> Appointment {
    Appointment {
        purpose: purpose.into(),
        start,
        end,
        ..Default::default()
    }
}

/// A circle a case manager created for a consumer, with both on their own device.
async fn cm_and_consumer(
    dir: &Path,
    server: &str,
    prefix: &str,
) -> (CareCircle, CareCircle, CircleId) {
    let mut cm = person(dir, &format!("{prefix}-cm"), server).await;
    let circle = cm
        .create_circle(prefix, Role::CaseManager)
        .await
        .expect("circle");
    cm.sync().await.expect("cm sync");
    let code = cm
        .invite(circle, Role::Consumer, None)
        .await
        .expect("invite")
        .code;
    let mut consumer = person(dir, &format!("{prefix}-consumer"), server).await;
    consumer.join(&code, None).await.expect("join");
    (cm, consumer, circle)
}

/// A circle the consumer created, with a carer (a chosen advocate) joined by invite.
async fn consumer_and_carer(
    dir: &Path,
    server: &str,
    prefix: &str,
    name: &str,
) -> (CareCircle, CareCircle, CircleId) {
    let mut consumer = person(dir, &format!("{prefix}-consumer"), server).await;
    let circle = consumer
        .create_circle(name, Role::Consumer)
        .await
        .expect("circle");
    consumer.sync().await.expect("sync");
    let code = consumer
        .invite(circle, Role::Carer, None)
        .await
        .expect("invite")
        .code;
    let mut carer = person(dir, &format!("{prefix}-carer"), server).await;
    carer
        .join(&code, Some(Relationship::ChosenAdvocate))
        .await
        .expect("join");
    (consumer, carer, circle)
}

/// Journey 1 runs on a fixed clock so "today" never straddles midnight: 2026-11-23 12:00 +11:00.
fn noon_23_november() -> Timestamp {
    Timestamp(1_795_395_600_000)
}

#[tokio::test]
async fn journey_1_consumer_on_a_phone_sees_today_and_next() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let (mut cm, _, circle) = cm_and_consumer(dir.path(), &server.base, "j1").await;
    let doctor = cm
        .add_team_member(
            circle,
            TeamMember {
                name: "Dr Priya Raman".into(),
                role_title: "Psychiatrist".into(),
                contact_if_something_goes_wrong: true,
                ..Default::default()
            },
        )
        .await
        .expect("team");
    let mut review = appointment(
        "Medication review",
        "2026-11-23T15:30:00+11:00".into(),
        "2026-11-23T16:15:00+11:00".into(),
    );
    review.place = Place {
        name: "Northbank Clinic".into(),
        address: "12 River St".into(),
        telehealth_url: String::new(),
    };
    review.with_team = vec![doctor.clone()];
    let review = cm.add_appointment(circle, review).await.expect("appt");
    cm.double_check(circle, &review)
        .await
        .expect("double-check");
    let blood = cm
        .add_appointment(
            circle,
            appointment(
                "Blood test",
                "2026-11-24T09:00:00+11:00".into(),
                "2026-11-24T09:15:00+11:00".into(),
            ),
        )
        .await
        .expect("appt");
    cm.add_appointment(
        circle,
        appointment(
            "Last week's visit",
            "2026-11-16T09:00:00+11:00".into(),
            "2026-11-16T09:30:00+11:00".into(),
        ),
    )
    .await
    .expect("past appt");
    cm.set_review_date(circle, Some("2026-11-30"))
        .await
        .expect("review date");
    cm.sync().await.expect("sync");

    // A fresh phone: sign in, sync once.
    let mut phone = device(dir.path(), "j1-phone", &server.base).await;
    phone.set_clock(noon_23_november);
    phone
        .sign_in("j1-consumer", PASSWORD, "new phone")
        .await
        .expect("sign in");
    let report = phone.sync().await.expect("one sync");
    assert!(report.refused.is_empty());
    // The fixed +11:00 zone the times above were made in.
    let tz = Zone::named("Etc/GMT-11").expect("zone");
    let agenda = phone.agenda(circle, phone.now(), tz).expect("agenda");
    assert_eq!(agenda.today.len(), 1, "{agenda:?}");
    let today = &agenda.today[0];
    assert_eq!(
        (today.purpose.as_str(), today.place.name.as_str()),
        ("Medication review", "Northbank Clinic")
    );
    assert!(today.is_double_checked());
    let team: Team = phone.view(circle).expect("team");
    assert_eq!(team.members[&today.with_team[0]].name, "Dr Priya Raman");
    assert_eq!(agenda.upcoming.len(), 1, "past appointments are not listed");
    assert_eq!(agenda.upcoming[0].purpose, "Blood test");
    let (people, _) = phone.who_to_call(circle).expect("who to call");
    assert_eq!(people[0].name, "Dr Priya Raman");

    // Questions for the next appointment, and what needs attention.
    let q = phone
        .add_question(
            circle,
            "Can I take it in the morning?",
            Some(review.clone()),
            None,
        )
        .await
        .expect("question");
    let reminders = phone.reminders(circle, phone.now()).expect("reminders");
    assert!(
        reminders.contains(&Reminder::NotDoubleChecked(blood.clone())),
        "{reminders:?}"
    );
    assert!(!reminders.contains(&Reminder::NotDoubleChecked(review.clone())));
    assert!(reminders.contains(&Reminder::NoWrittenDetails(blood)));
    assert!(
        reminders.contains(&Reminder::OpenQuestions {
            appointment: review,
            questions: vec![q]
        }),
        "{reminders:?}"
    );
    assert!(reminders.contains(&Reminder::PlanReviewSoon {
        date: "2026-11-30".into()
    }));

    // The written copy for other calendars.
    let ics = phone.appointments_ics(circle).expect("ics");
    assert!(ics.contains("BEGIN:VCALENDAR") && ics.contains("SUMMARY:Medication review"));
    assert!(ics.contains("DTSTART:20261123T043000Z"), "{ics}");
}

#[tokio::test]
async fn journey_2_carer_offline_notes_survive_a_restart_and_sync_later() {
    let mut server = TestServer::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let (mut cm, mut consumer, circle) = cm_and_consumer(dir.path(), &server.base, "j2").await;
    consumer.sync().await.expect("consumer sync");
    consumer.mark_seen(circle).await.expect("seen");
    let code = consumer
        .invite(circle, Role::Carer, None)
        .await
        .expect("invite")
        .code;
    let mut carer = person(dir.path(), "j2-carer", &server.base).await;
    carer
        .join(&code, Some(Relationship::FamilyMember))
        .await
        .expect("join");
    carer.sync().await.expect("carer sync");
    let carer_id = carer.me().expect("me");

    // No signal: the server is unreachable.
    carer
        .set_server("http://127.0.0.1:9")
        .await
        .expect("dead server");
    assert_eq!(carer.sync().await.expect_err("offline"), AppError::Offline);
    let mut notes = Vec::new();
    for text in [
        "Slept well",
        "Pharmacy closes at 6",
        "Feeling anxious before the review",
    ] {
        notes.push(
            carer
                .add_note(circle, text, None)
                .await
                .expect("note saved offline"),
        );
    }
    for text in ["Can the dose change?", "Who do we call at night?"] {
        carer
            .add_question(circle, text, None, None)
            .await
            .expect("question saved offline");
    }
    assert_eq!(carer.waiting().await.expect("waiting"), 5);
    drop(carer);

    // The app restarts: everything is still on the phone, and it knows when it last synced.
    let mut carer = device(dir.path(), "j2-carer", &server.base).await;
    let status = carer.status().await.expect("status");
    assert!(
        status.last_synced_at.is_some() && status.waiting == 5,
        "{status:?}"
    );
    let kept: Notes = carer.view(circle).expect("notes after restart");
    assert!(notes.iter().all(|n| kept.items.contains_key(n)));
    assert_eq!(carer.waiting().await.expect("waiting"), 5);

    // Back online (a restarted server on the same data, at its new address).
    server.stop();
    let restarted =
        TestServer::start_in(server.dir.clone(), carecircle_tests::server::test_config()).await;
    carer.set_server(&restarted.base).await.expect("server");
    carer.sync().await.expect("carer syncs");
    assert_eq!(carer.waiting().await.expect("waiting"), 0);

    cm.set_server(&restarted.base).await.expect("server");
    cm.sync().await.expect("cm syncs later");
    let seen: Notes = cm.view(circle).expect("notes");
    for id in &notes {
        assert_eq!(
            seen.items[id].author,
            Some(carer_id),
            "attributed to the carer"
        );
    }
    let qs: Questions = cm.view(circle).expect("questions");
    assert_eq!(
        qs.items
            .values()
            .filter(|q| q.asked_by == Some(carer_id))
            .count(),
        2
    );

    consumer.set_server(&restarted.base).await.expect("server");
    consumer.sync().await.expect("consumer syncs");
    let feed = consumer
        .changed_since_last_looked(circle)
        .await
        .expect("feed");
    let by_carer: Vec<_> = feed
        .iter()
        .filter(|e| e.change.by == Some(carer_id))
        .collect();
    assert_eq!(by_carer.len(), 5, "{feed:?}");
    assert!(
        by_carer
            .iter()
            .any(|e| e.kind == DocKind::Notes && e.change.what == "Added a note")
    );
    consumer.mark_seen(circle).await.expect("seen");
    assert!(
        consumer
            .changed_since_last_looked(circle)
            .await
            .expect("feed")
            .is_empty()
    );
}

#[tokio::test]
async fn a_fresh_device_stores_each_sync_exchange_in_one_transaction() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let mut cm = person(dir.path(), "tx-cm", &server.base).await;
    for i in 0..12 {
        cm.create_circle(&format!("Person {i}"), Role::CaseManager)
            .await
            .expect("circle");
    }
    cm.sync().await.expect("sync");
    // The same case manager on a new tablet: 60 documents to fetch.
    let store = SqliteLocalStore::open(&dir.path().join("tx-tablet.sqlite3")).expect("local store");
    let commits = store.commits();
    let mut tablet = CareCircle::open(Box::new(store), &server.base)
        .await
        .expect("open core");
    tablet
        .sign_in("tx-cm", PASSWORD, "tablet")
        .await
        .expect("sign in");
    let before = commits.get();
    let report = tablet.sync().await.expect("sync");
    let spent = commits.get() - before;
    assert_eq!(report.received, 60, "{report:?}");
    // One transaction per answered exchange; besides them only the circle list and the
    // session's "last synced" are written.
    assert!(
        spent <= report.requests as u64 + 2,
        "{spent} transactions for {} exchanges bringing {} documents",
        report.requests,
        report.received
    );
    assert_eq!(tablet.circles().len(), 12);
}

#[tokio::test]
async fn an_idle_sync_loads_no_document_and_one_change_is_the_one_exchanged() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let mut phone = person(dir.path(), "idle-cm", &server.base).await;
    let mut circles = Vec::new();
    for i in 0..10 {
        circles.push(
            phone
                .create_circle(&format!("Person {i}"), Role::CaseManager)
                .await
                .expect("circle"),
        );
    }
    phone.sync().await.expect("sync");
    let mut tablet = device(dir.path(), "idle-tablet", &server.base).await;
    tablet
        .sign_in("idle-cm", PASSWORD, "tablet")
        .await
        .expect("sign in");
    let fresh = tablet.sync().await.expect("first sync");
    assert_eq!(fresh.received, 50, "{fresh:?}");
    // A device with nothing: the circle list and every document in the first answer.
    assert_eq!(fresh.requests, 1, "{fresh:?}");

    // Nothing changed anywhere: one request, no document named, none loaded on the server.
    let loads = server.store.documents_loaded();
    let idle = tablet.sync().await.expect("idle sync");
    assert_eq!(
        (idle.requests, idle.exchanged, idle.received),
        (1, 0, 0),
        "{idle:?}"
    );
    assert_eq!(
        server.store.documents_loaded(),
        loads,
        "an idle sync loads nothing"
    );
    let idle = phone.sync().await.expect("idle sync");
    assert_eq!((idle.requests, idle.exchanged), (1, 0), "{idle:?}");

    // One note on the phone: the phone's sync names that document alone; so does the
    // tablet's, which then has the note.
    phone
        .add_note(circles[3], "Rang about the review date.", None)
        .await
        .expect("note");
    let sent = phone.sync().await.expect("sync");
    assert_eq!((sent.requests, sent.exchanged), (1, 1), "{sent:?}");
    let got = tablet.sync().await.expect("sync");
    assert_eq!((got.exchanged, got.received), (1, 1), "{got:?}");
    assert!(got.requests <= 2, "{got:?}");
    let notes: Notes = tablet.view(circles[3]).expect("notes");
    assert!(
        notes
            .items
            .values()
            .any(|n| n.text == "Rang about the review date.")
    );
    // The phone does not get its own note back as news.
    let quiet = phone.sync().await.expect("sync");
    assert_eq!((quiet.requests, quiet.exchanged), (1, 0), "{quiet:?}");
}

/// The next live event, waiting at most 10 s (`None`: the stream ended).
async fn next(
    events: &mut carecircle_app::client::LiveEvents,
) -> Option<carecircle_shared::wire::LiveEvent> {
    use futures::StreamExt as _;
    tokio::time::timeout(std::time::Duration::from_secs(10), events.next())
        .await
        .expect("an event within 10 s")
}

#[tokio::test]
async fn another_members_change_arrives_through_the_event_stream_and_removal_ends_it() {
    use carecircle_shared::wire::LiveEvent;
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let (mut consumer, mut carer, circle) =
        consumer_and_carer(dir.path(), &server.base, "live", "Alex").await;
    let first = carer.sync().await.expect("sync");
    // Its first sync brought whole documents: only those a carer reads (not the plan).
    assert_eq!(first.requests, 1, "{first:?}");
    assert!(carer.document(circle, DocKind::Plan).is_err());
    assert!(carer.document(circle, DocKind::Team).is_ok());
    let notes_doc = carer.doc_id(circle, DocKind::Notes).expect("notes");
    let mut events = carer.client().events().await.expect("events");
    assert_eq!(next(&mut events).await, Some(LiveEvent::Ready));
    // The consumer's own stream is not told of the consumer's own change.
    let mut own = consumer.client().events().await.expect("events");
    assert_eq!(next(&mut own).await, Some(LiveEvent::Ready));

    consumer
        .add_note(circle, "Feeling steadier this week.", None)
        .await
        .expect("note");
    consumer.sync().await.expect("sync");
    assert_eq!(
        next(&mut events).await,
        Some(LiveEvent::Changed(vec![notes_doc]))
    );
    let got = carer.sync().await.expect("sync");
    assert_eq!(got.received, 1, "{got:?}");
    let notes: Notes = carer.view(circle).expect("notes");
    assert!(
        notes
            .items
            .values()
            .any(|n| n.text == "Feeling steadier this week.")
    );

    // Removed from the circle: told once, then the stream ends.
    let sam = carer.me().expect("me");
    consumer.revoke(circle, sam).await.expect("revoke");
    assert_eq!(next(&mut events).await, Some(LiveEvent::Standing));
    assert_eq!(next(&mut events).await, None, "the stream ends");
    // The consumer's stream heard of the change in its circle, and goes on.
    assert_eq!(next(&mut own).await, Some(LiveEvent::Standing));
    drop(own);
    assert!(
        carer.sync().await.expect("sync").left.len() == 1,
        "the carer's device learns it left"
    );
}

#[tokio::test]
async fn event_streams_are_signed_in_bounded_per_device_and_end_at_sign_out() {
    use carecircle_shared::limits::MAX_EVENT_STREAMS_PER_DEVICE;
    use carecircle_shared::wire::{ErrorCode, LiveEvent};
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let nobody = device(dir.path(), "ev-nobody", &server.base).await;
    assert!(matches!(
        nobody.client().events().await.err(),
        Some(AppError::Server {
            code: ErrorCode::Unauthorized,
            ..
        })
    ));
    let phone = person(dir.path(), "ev-phone", &server.base).await;
    let mut open = Vec::new();
    for _ in 0..MAX_EVENT_STREAMS_PER_DEVICE {
        let mut events = phone.client().events().await.expect("events");
        assert_eq!(next(&mut events).await, Some(LiveEvent::Ready));
        open.push(events);
    }
    assert!(matches!(
        phone.client().events().await.err(),
        Some(AppError::Server {
            code: ErrorCode::RateLimited,
            ..
        })
    ));
    // One closed, one more may open.
    open.pop();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let mut last = phone.client().events().await.expect("a slot again");
    assert_eq!(next(&mut last).await, Some(LiveEvent::Ready));
    // Signing out ends every stream of the device.
    phone.client().logout().await.expect("sign out");
    assert_eq!(next(&mut last).await, None);
    for mut events in open {
        assert_eq!(next(&mut events).await, None);
    }
}

#[tokio::test]
async fn journey_3_case_manager_syncs_a_caseload_and_sees_conflicts() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let mut cm = person(dir.path(), "j3-cm", &server.base).await;
    let mut circles = Vec::new();
    for i in 0..40 {
        circles.push(
            cm.create_circle(&format!("Person {i}"), Role::CaseManager)
                .await
                .expect("circle"),
        );
    }
    let first = cm.sync().await.expect("first sync");
    assert!(
        first.requests <= 8,
        "200 documents in {} batched requests",
        first.requests
    );
    // One consumer joins circle 0; an appointment exists there.
    let code = cm
        .invite(circles[0], Role::Consumer, None)
        .await
        .expect("invite")
        .code;
    let appt = cm
        .add_appointment(
            circles[0],
            appointment("Review", at(3, 10, 0), at(3, 11, 0)),
        )
        .await
        .expect("appt");
    cm.sync().await.expect("sync");
    let mut consumer = person(dir.path(), "j3-consumer", &server.base).await;
    consumer.join(&code, None).await.expect("join");
    consumer.sync().await.expect("consumer sync");

    // Offline edits across many circles, and a concurrent change of the same appointment time.
    for c in &circles[1..] {
        cm.add_appointment(*c, appointment("Check-in", at(5, 14, 0), at(5, 14, 30)))
            .await
            .expect("offline edit");
        cm.set_review_date(*c, Some("2026-12-15"))
            .await
            .expect("plan edit");
    }
    cm.update_appointment(circles[0], &appt, "Changed the time", |a| {
        a.start = at(3, 10, 30)
    })
    .await
    .expect("cm time");
    consumer
        .update_appointment(circles[0], &appt, "Changed the time", |a| {
            a.start = at(3, 9, 30)
        })
        .await
        .expect("consumer time");
    consumer.sync().await.expect("consumer sync");
    let report = cm.sync().await.expect("batched sync of the caseload");
    assert!(
        report.requests <= 10,
        "caseload synced in {} batched requests",
        report.requests
    );
    consumer.sync().await.expect("consumer sync");

    for device in [&cm, &consumer] {
        let conflicts = device.conflicts(circles[0]).expect("conflicts");
        assert_eq!(conflicts.len(), 1, "{conflicts:?}");
        assert_eq!(conflicts[0].0, DocKind::Appointments);
        assert_eq!(conflicts[0].1.values.len(), 2);
    }
    // The same sync brought the whole caseload as a work list: the circle with the conflict
    // and the consumer's change first, every other one with its next appointment and review.
    let now = Timestamp(Utc::now().timestamp_millis());
    let zone = Zone::named("Etc/GMT-11").expect("zone");
    let rows = cm.caseload(now, zone).await.expect("caseload");
    assert_eq!(rows.len(), 40);
    assert_eq!(rows[0].id, circles[0], "{:?}", rows[0]);
    assert_eq!(rows[0].conflicts, 1);
    assert!(rows[0].changes >= 1, "{:?}", rows[0]);
    for r in &rows[1..] {
        assert_eq!(r.conflicts, 0);
        assert_eq!(r.changes, 0, "only my own changes there: {r:?}");
        assert_eq!(
            r.next.as_ref().map(|a| a.purpose.as_str()),
            Some("Check-in")
        );
        assert_eq!(r.review.as_deref(), Some("2026-12-15"));
    }
    // Resolved on one device (keeping the case manager's whole time slot), gone on every
    // device. A bare start is not a slot: refused, nothing written.
    let conflict = cm.conflicts(circles[0]).expect("c")[0].1.clone();
    assert_eq!(conflict.path.last().map(String::as_str), Some("slot"));
    assert!(
        cm.resolve_conflict(
            circles[0],
            DocKind::Appointments,
            &conflict.path,
            ScalarValue::Str(at(3, 10, 30).into()),
        )
        .await
        .is_err()
    );
    let keep = conflict
        .values
        .iter()
        .filter_map(|v| v.value.as_str().and_then(Slot::decode))
        .find(|s| s.start == at(3, 10, 30))
        .expect("the case manager's slot");
    cm.resolve_conflict(
        circles[0],
        DocKind::Appointments,
        &conflict.path,
        ScalarValue::Str(keep.encode().into()),
    )
    .await
    .expect("resolve");
    cm.sync().await.expect("sync");
    consumer.sync().await.expect("sync");
    for device in [&cm, &consumer] {
        assert!(device.conflicts(circles[0]).expect("conflicts").is_empty());
        let a: Appointments = device.view(circles[0]).expect("view");
        assert_eq!(a.items[&appt].start, at(3, 10, 30));
    }
    let plan: Plan = cm.view(circles[39]).expect("plan");
    assert_eq!(plan.review.next_review_date.as_deref(), Some("2026-12-15"));
}

#[tokio::test]
async fn journey_4_consent_withdrawn_while_the_carer_edits_offline() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let (mut consumer, mut carer, circle) =
        consumer_and_carer(dir.path(), &server.base, "j4", "J4").await;
    let carer_id = carer.me().expect("me");
    assert!(
        carer.view::<Plan>(circle).is_err(),
        "no plan until the consumer consents"
    );
    consumer
        .edit_plan(circle, "Wrote the treatment summary", |p| {
            p.treatment_summary = "Consumer's own summary".into()
        })
        .await
        .expect("summary");
    consumer.sync().await.expect("sync");
    consumer
        .set_access(circle, carer_id, DocKind::Plan, Access::Write)
        .await
        .expect("consent");
    carer.sync().await.expect("sync");
    let plan: Plan = carer.view(circle).expect("plan after consent");
    assert_eq!(plan.treatment_summary, "Consumer's own summary");

    // The carer edits the plan and adds a note offline; meanwhile consent is withdrawn.
    carer
        .edit_plan(circle, "Edited respite", |p| {
            p.children.support_for_children = "Every second weekend".into()
        })
        .await
        .expect("plan edit");
    let note = carer
        .add_note(circle, "Respite idea", None)
        .await
        .expect("note");
    consumer
        .set_access(circle, carer_id, DocKind::Plan, Access::None)
        .await
        .expect("withdraw");

    let report = carer.sync().await.expect("sync");
    assert_eq!(report.deleted.len(), 1, "{report:?}");
    assert_eq!(report.deleted[0].1, DocKind::Plan);
    assert!(
        carer.view::<Plan>(circle).is_err(),
        "the local plan copy is gone"
    );
    // The carer's own unsynced words are kept, readable; nothing else of the plan is.
    let refused = carer.refused_edits().await.expect("refused");
    assert_eq!(refused.len(), 1);
    let copy = carecircle_shared::Document::load(DocKind::Plan, &refused[0].copy).expect("copy");
    let kept: Plan = copy.view().expect("view");
    assert_eq!(kept.children.support_for_children, "Every second weekend");
    assert_eq!(kept.treatment_summary, "", "not a copy of the plan");
    let bytes = String::from_utf8_lossy(&refused[0].copy).to_string();
    assert!(
        !bytes.contains("Consumer's own summary"),
        "not in the kept bytes either"
    );
    // Other documents kept syncing.
    consumer.sync().await.expect("sync");
    let notes: Notes = consumer.view(circle).expect("notes");
    assert!(notes.items.contains_key(&note));
    let plan: Plan = consumer.view(circle).expect("plan");
    assert_eq!(
        plan.children.support_for_children, "",
        "the refused edit never reached the plan"
    );

    // Removed from the circle with a note not yet synced: one circle named, every document
    // gone, and the note kept for the carer alone.
    let unsynced = carer
        .add_note(circle, "Written just before removal", None)
        .await
        .expect("note");
    consumer.revoke(circle, carer_id).await.expect("remove");
    let report = carer.sync().await.expect("sync");
    assert_eq!(report.left.len(), 1, "{report:?}");
    assert_eq!(report.left[0].0, "J4");
    assert!(
        report
            .deleted
            .iter()
            .all(|(d, _)| report.left[0].1.contains(d))
    );
    let kept = carer.refused_edits().await.expect("refused");
    let note_copy = kept
        .iter()
        .find(|r| r.kind == DocKind::Notes)
        .expect("the unsynced note is kept");
    let notes: Notes = carecircle_shared::Document::load(DocKind::Notes, &note_copy.copy)
        .expect("copy")
        .view()
        .expect("view");
    assert_eq!(
        notes.items.keys().collect::<Vec<_>>(),
        vec![&unsynced],
        "only their own note"
    );
}

#[tokio::test]
async fn a_refused_edit_is_kept_in_its_words_and_the_document_keeps_syncing() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let mut consumer = person(dir.path(), "r-consumer", &server.base).await;
    let circle = consumer
        .create_circle("R", Role::Consumer)
        .await
        .expect("circle");
    consumer
        .add_team_member(
            circle,
            TeamMember {
                name: "Dr Lee".into(),
                informed_of_changes: true,
                ..Default::default()
            },
        )
        .await
        .expect_err("not synced yet");
    consumer.sync().await.expect("sync");
    consumer
        .add_team_member(
            circle,
            TeamMember {
                name: "Dr Lee".into(),
                informed_of_changes: true,
                ..Default::default()
            },
        )
        .await
        .expect("team");
    consumer.sync().await.expect("sync");
    let code = consumer
        .invite(circle, Role::Carer, None)
        .await
        .expect("invite")
        .code;
    let mut carer = person(dir.path(), "r-carer", &server.base).await;
    carer.join(&code, None).await.expect("join");
    carer.sync().await.expect("sync");
    let carer_id = carer.me().expect("me");

    // Who will be informed of a change to appointments: readers plus flagged team members.
    let informed = consumer
        .informed_of(circle, DocKind::Appointments)
        .await
        .expect("informed");
    assert_eq!(informed.members, vec!["r-carer (test) (carer)".to_string()]);
    assert_eq!(informed.team, vec!["Dr Lee".to_string()]);

    // The carer had write access to questions, edits offline, then loses it to read-only.
    let q = carer
        .add_question(circle, "Is there a carers' group?", None, None)
        .await
        .expect("question");
    consumer
        .set_access(circle, carer_id, DocKind::Questions, Access::Read)
        .await
        .expect("read only");
    let report = carer.sync().await.expect("sync");
    let questions = carer.doc_id(circle, DocKind::Questions).expect("id");
    assert_eq!(report.refused[&questions].code.as_str(), "forbidden");
    // The refused words are set aside; the document carries on from the shared copy.
    let qs: Questions = carer.view(circle).expect("the shared copy");
    assert!(
        !qs.items.contains_key(&q),
        "the refused edit is not in the shared copy"
    );
    let status = carer.status().await.expect("status");
    assert!(
        !status.offline && !status.syncing && status.waiting == 0,
        "nothing left waiting: {status:?}"
    );
    assert!(status.last_synced_at.is_some());
    let refused = carer.refused_edits().await.expect("refused");
    assert_eq!((refused.len(), refused[0].resolved), (1, false));
    let words = carecircle_app::ops::kept::kept_words(&refused[0]);
    assert_eq!(
        words,
        vec![(
            "the text".to_string(),
            "Is there a carers' group?".to_string()
        )],
        "only the carer's own words are kept"
    );
    // The consumer's questions keep arriving.
    let from_consumer = consumer
        .add_question(circle, "When is the next review?", None, None)
        .await
        .expect("question");
    consumer.sync().await.expect("sync");
    carer.sync().await.expect("sync");
    let qs: Questions = carer.view(circle).expect("view");
    assert!(
        qs.items.contains_key(&from_consumer),
        "the rest keeps syncing"
    );
    // Adding it again while read-only is refused here, before anything is saved.
    let again = carer.add_again(refused[0].id).await;
    assert!(matches!(again, Err(AppError::NotAllowed(_))), "{again:?}");
    assert_eq!(carer.waiting().await.expect("waiting"), 0);
    // With write access back, it is added again as a new question and reaches everyone.
    consumer
        .set_access(circle, carer_id, DocKind::Questions, Access::Write)
        .await
        .expect("write again");
    carer.sync().await.expect("learns its access is back");
    let added = carer.add_again(refused[0].id).await.expect("added again");
    assert!(
        carer.refused_edits().await.expect("kept").is_empty(),
        "the kept copy goes"
    );
    let report = carer.sync().await.expect("sync");
    assert!(report.refused.is_empty(), "{report:?}");
    consumer.sync().await.expect("sync");
    let qs: Questions = consumer.view(circle).expect("view");
    assert_eq!(qs.items[&added[0]].text, "Is there a carers' group?");
}

#[tokio::test]
async fn offline_retries_back_off_and_authorization_failures_are_not_retried() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let mut d = person(dir.path(), "retry", &server.base).await;
    d.create_circle("Retry", Role::Consumer)
        .await
        .expect("circle");
    d.set_server("http://127.0.0.1:9").await.expect("dead");
    let started = std::time::Instant::now();
    assert_eq!(
        d.sync_with_retry(3).await.expect_err("offline"),
        AppError::Offline
    );
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(1500),
        "waited 0.5 s then 1 s"
    );
    assert!(
        d.status().await.expect("status").offline,
        "status says offline"
    );
    d.set_server(&server.base).await.expect("back");
    d.sync_with_retry(3).await.expect("online again");
    // A revoked token: 401 at once, no retries.
    let token = d.session().expect("session").token.clone();
    let api = carecircle_tests::Api::new(&server.base).with_token(&token);
    assert_eq!(api.delete("/v1/sessions/current").await.status, 204);
    let started = std::time::Instant::now();
    let err = d.sync_with_retry(5).await.expect_err("unauthorized");
    assert!(matches!(
        err,
        AppError::Server {
            code: carecircle_shared::wire::ErrorCode::Unauthorized,
            ..
        }
    ));
    assert!(
        started.elapsed() < std::time::Duration::from_millis(400),
        "no back-off for 401"
    );
}

#[tokio::test]
async fn the_local_store_compacts_and_reopens_intact() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let mut d = person(dir.path(), "compact", &server.base).await;
    let circle = d.create_circle("C", Role::Consumer).await.expect("circle");
    d.sync().await.expect("sync");
    for i in 0..300 {
        d.add_note(circle, &format!("note {i}"), None)
            .await
            .expect("note");
    }
    let id = d.doc_id(circle, DocKind::Notes).expect("id");
    drop(d);
    let store = SqliteLocalStore::open(&dir.path().join("compact.sqlite3")).expect("store");
    let parts = carecircle_app::LocalStore::load(&store, id)
        .await
        .expect("load")
        .expect("stored");
    assert!(
        parts.len() <= carecircle_app::core::CHUNKS_BEFORE_COMPACTION + 1,
        "{} parts",
        parts.len()
    );
    let d = device(dir.path(), "compact", &server.base).await;
    let notes: Notes = d.view(circle).expect("notes");
    assert_eq!(notes.items.len(), 300);
}

#[tokio::test]
async fn a_double_tapped_invite_can_be_seen_and_cancelled() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let (mut cm, mut consumer, circle) = cm_and_consumer(dir.path(), &server.base, "inv").await;
    consumer.sync().await.expect("consumer sync");
    cm.sync().await.expect("cm sync");
    // "Create an invite code" tapped twice: two codes; both are listed, without their codes.
    let first = consumer
        .invite(circle, Role::Carer, None)
        .await
        .expect("invite");
    let second = consumer
        .invite(circle, Role::Carer, None)
        .await
        .expect("invite");
    let listed = consumer.invites(circle).await.expect("invites");
    assert_eq!(listed.len(), 2);
    // The case manager sees none of the consumer's, and may not cancel them.
    assert!(cm.invites(circle).await.expect("cm invites").is_empty());
    let theirs = listed.iter().find(|i| i.id == second.id).expect("listed");
    assert!(matches!(
        cm.cancel_invite(circle, theirs).await,
        Err(AppError::NotAllowed(_))
    ));
    // The consumer cancels the spare; it stops working, the other still does.
    consumer
        .cancel_invite(circle, theirs)
        .await
        .expect("cancel");
    assert_eq!(consumer.invites(circle).await.expect("invites").len(), 1);
    let mut carer = person(dir.path(), "inv-carer", &server.base).await;
    let refused = carer.join(&second.code, Some(Relationship::Friend)).await;
    assert!(
        matches!(&refused, Err(AppError::Server { code, .. }) if code.as_str() == "invite_cancelled"),
        "{refused:?}"
    );
    carer
        .join(&first.code, Some(Relationship::Friend))
        .await
        .expect("join with the other code");
    assert!(consumer.invites(circle).await.expect("invites").is_empty());
}

/// An appointment entered as the form does: local wall-clock times in `zone`.
fn entered(purpose: &str, zone: Zone, start: &str, end: &str) -> Appointment {
    Appointment {
        purpose: purpose.into(),
        start: zone.place_input(start).expect("start"),
        end: zone.place_input(end).expect("end"),
        zone: zone.name().into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn journey_appointments_keep_their_time_across_daylight_saving() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let (mut cm, mut consumer, circle) = cm_and_consumer(dir.path(), &server.base, "dst").await;
    let melbourne = Zone::named("Australia/Melbourne").expect("zone");
    let perth = Zone::named("Australia/Perth").expect("zone");
    // Entered in November (+11:00), on both sides of April's and October's changes.
    let cases = [
        (
            "Before April's change",
            "2027-04-03T10:00",
            "20270402T230000Z",
        ),
        (
            "After April's change",
            "2027-04-05T10:00",
            "20270405T000000Z",
        ),
        (
            "Before October's change",
            "2027-10-02T10:00",
            "20271002T000000Z",
        ),
        (
            "After October's change",
            "2027-10-04T10:00",
            "20271003T230000Z",
        ),
    ];
    for (purpose, start, _) in cases {
        let end = start.replace("T10:00", "T10:30");
        cm.add_appointment(circle, entered(purpose, melbourne, start, &end))
            .await
            .expect("add");
    }
    // Just after midnight in Melbourne: still the evening before in Perth.
    let late = cm
        .add_appointment(
            circle,
            entered(
                "Late call",
                melbourne,
                "2027-04-05T00:15",
                "2027-04-05T00:45",
            ),
        )
        .await
        .expect("add");
    cm.sync().await.expect("cm sync");
    consumer.sync().await.expect("consumer sync");
    let appts: Appointments = consumer.view(circle).expect("view");
    for (purpose, start, _) in cases {
        let a = appts
            .items
            .values()
            .find(|a| a.purpose == purpose)
            .expect("synced");
        let shown = melbourne.show(&a.start_time().expect("time"));
        assert_eq!(
            shown.format("%Y-%m-%dT%H:%M").to_string(),
            start,
            "{purpose}"
        );
    }
    let ics = consumer.appointments_ics(circle).expect("ics");
    for (purpose, _, utc) in cases {
        assert!(ics.contains(&format!("DTSTART:{utc}")), "{purpose}: {ics}");
    }
    // 23:30 on 4 April in Melbourne (21:30 in Perth).
    let now = Timestamp(
        melbourne
            .place_input("2027-04-04T23:30")
            .ok()
            .and_then(|t| carecircle_shared::time::parse_datetime(&t))
            .map(|t| Timestamp::from_datetime(&t).millis())
            .expect("now"),
    );
    let in_melbourne = consumer.agenda(circle, now, melbourne).expect("agenda");
    assert!(
        in_melbourne.today.iter().all(|a| a.id != late),
        "tomorrow in Melbourne"
    );
    let in_perth = consumer.agenda(circle, now, perth).expect("agenda");
    assert!(
        in_perth.today.iter().any(|a| a.id == late),
        "tonight in Perth"
    );

    // Double-checked by the consumer, then moved by the case manager with "Edit details".
    consumer
        .double_check(circle, &late)
        .await
        .expect("double-check");
    consumer.sync().await.expect("sync");
    cm.sync().await.expect("sync");
    cm.update_appointment(circle, &late, "Updated an appointment", |a| {
        a.start = melbourne.place_input("2027-04-05T09:00").expect("start");
        a.end = melbourne.place_input("2027-04-05T09:30").expect("end");
    })
    .await
    .expect("edit");
    cm.sync().await.expect("sync");
    consumer.sync().await.expect("sync");
    let appts: Appointments = consumer.view(circle).expect("view");
    assert!(appts.items[&late].changed_since_double_check());
    let reminders = consumer.reminders(circle, now).expect("reminders");
    assert!(
        reminders.contains(&Reminder::ChangedSinceDoubleCheck(late.clone())),
        "{reminders:?}"
    );
    let ics = consumer.appointments_ics(circle).expect("ics");
    assert!(ics.contains("Changed since it was double-checked"), "{ics}");
}

#[tokio::test]
async fn an_edit_the_server_would_refuse_is_not_saved_on_the_device() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let (mut consumer, mut carer, circle) =
        consumer_and_carer(dir.path(), &server.base, "rules", "Rules").await;
    let q = consumer
        .add_question(circle, "Is the clinic open on Saturdays?", None, None)
        .await
        .expect("question");
    consumer.sync().await.expect("sync");
    carer.sync().await.expect("sync");
    // Closing the consumer's question, and adding an appointment (read-only for a carer).
    let closed = carer.close_question(circle, &q).await;
    assert!(matches!(closed, Err(AppError::NotAllowed(_))), "{closed:?}");
    let added = carer
        .add_appointment(circle, appointment("Review", at(2, 10, 0), at(2, 11, 0)))
        .await;
    assert!(matches!(added, Err(AppError::NotAllowed(_))), "{added:?}");
    assert_eq!(
        carer.waiting().await.expect("waiting"),
        0,
        "nothing saved to refuse later"
    );
    let report = carer.sync().await.expect("sync");
    assert!(report.refused.is_empty());
    // Their own question they may close.
    let mine = carer
        .add_question(circle, "Can I come in with Alex?", None, None)
        .await
        .expect("own question");
    carer
        .close_question(circle, &mine)
        .await
        .expect("close own");
}

#[tokio::test]
async fn a_form_saved_after_someone_elses_change_arrived_keeps_both() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let (mut cm, mut consumer, circle) = cm_and_consumer(dir.path(), &server.base, "form").await;
    let id = cm
        .add_appointment(circle, appointment("Review", at(2, 10, 0), at(2, 11, 0)))
        .await
        .expect("add");
    cm.sync().await.expect("sync");
    consumer.sync().await.expect("sync");
    // The case manager opens "Edit details"...
    let opened: Appointments = cm.view(circle).expect("view");
    let opened = opened.items[&id].clone();
    // ...meanwhile the consumer adds transport and a later end, and it syncs in...
    consumer
        .update_appointment(circle, &id, "Updated an appointment", |a| {
            a.transport = "Sam drives".into();
            a.notes = "Bring the letter".into();
        })
        .await
        .expect("consumer edit");
    consumer.sync().await.expect("sync");
    cm.sync().await.expect("sync");
    // ...then saves the form, where only the purpose changed (as the app's form save does).
    let mut saved = opened.clone();
    saved.purpose = "Medication review".into();
    cm.update_appointment(circle, &id, "Updated an appointment", |x| {
        *x = carecircle_shared::fields::apply_changed(x, &opened, &saved, Appointment::UNITS)
            .expect("merge")
    })
    .await
    .expect("save");
    cm.sync().await.expect("sync");
    consumer.sync().await.expect("sync");
    for device in [&cm, &consumer] {
        let a: Appointments = device.view(circle).expect("view");
        let a = &a.items[&id];
        assert_eq!(a.purpose, "Medication review");
        assert_eq!(
            (a.transport.as_str(), a.notes.as_str()),
            ("Sam drives", "Bring the letter")
        );
    }
}

#[tokio::test]
async fn a_stalled_server_is_offline_after_the_timeout_and_notes_still_save() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let (mut cm, mut consumer, circle) = cm_and_consumer(dir.path(), &server.base, "stall").await;
    consumer.sync().await.expect("sync");
    // A server that accepts connections and never answers.
    let stalled = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let stalled_url = format!("http://{}", stalled.local_addr().expect("addr"));
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = stalled.accept().await {
            held.push(socket);
        }
    });
    cm.set_server(&stalled_url).await.expect("point at it");
    cm.set_request_timeout(std::time::Duration::from_secs(1));
    let started = std::time::Instant::now();
    let result = cm.sync().await;
    assert!(matches!(result, Err(AppError::Offline)), "{result:?}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "no hang"
    );
    assert!(
        cm.status().await.expect("status").offline,
        "the status says offline"
    );
    // Saving never waits for the network.
    let note = cm
        .add_note(circle, "Written while the server hangs", None)
        .await
        .expect("note saved");
    assert!(
        cm.waiting().await.expect("waiting") >= 1,
        "shown as waiting"
    );
    // A sync run's request on its way (the app's screens await it beside their queue): the
    // core is free, so a note is saved while the request hangs.
    let mut run = cm.sync_begin(carecircle_app::engine::Members::None);
    let step = cm
        .sync_next(&mut run)
        .await
        .expect("next")
        .expect("a request");
    let on_its_way = step.send(cm.client());
    let second = cm
        .add_note(circle, "Written while a request is on its way", None)
        .await
        .expect("saved at once");
    let answer = on_its_way.await;
    assert!(matches!(answer, Err(AppError::Offline)), "{answer:?}");
    let ended = cm.sync_end(run, answer.map(|_| ())).await;
    assert!(matches!(ended, Err(AppError::Offline)));
    assert!(cm.waiting().await.expect("waiting") >= 2, "both wait");
    // Back to the real server: it arrives.
    cm.set_server(&server.base).await.expect("back");
    cm.sync().await.expect("sync");
    consumer.sync().await.expect("sync");
    let notes: Notes = consumer.view(circle).expect("notes");
    assert!(notes.items.contains_key(&note));
    assert!(notes.items.contains_key(&second));
}

/// Two writers of one device's store at once (two tabs of the web app; here two cores on one
/// SQLite file), each with its own actor id: both edit, one compacts, neither loses the
/// other's changes, each takes in the other's from the store, and everything reaches the server.
#[tokio::test]
async fn two_writers_of_one_store_both_edit_and_nothing_is_lost() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let (mut cm, mut consumer, circle) = cm_and_consumer(dir.path(), &server.base, "tabs").await;
    consumer.sync().await.expect("sync");
    // A second "tab" of the consumer's device: the same store file.
    let mut second = device(dir.path(), "tabs-consumer", &server.base).await;
    let actor = carecircle_shared::automerge::ActorId::random();
    second
        .use_actor(actor.clone())
        .await
        .expect("its own actor");
    assert_eq!(
        second.device_actors().len(),
        2,
        "the device now has two ids"
    );
    let mut mine = Vec::new();
    let mut theirs = Vec::new();
    // Enough notes in the first tab that it compacts its parts (more than the chunk limit).
    for i in 0..(carecircle_app::core::CHUNKS_BEFORE_COMPACTION + 2) {
        if i == 3 {
            // Meanwhile the second tab writes: a part the first has never loaded.
            for j in 0..2 {
                theirs.push(
                    second
                        .add_note(circle, &format!("second tab {j}"), None)
                        .await
                        .expect("second tab saves"),
                );
            }
        }
        mine.push(
            consumer
                .add_note(circle, &format!("first tab {i}"), None)
                .await
                .expect("first tab saves"),
        );
    }
    // The first tab's compaction kept the second's parts: a fresh load has every note.
    let fresh = device(dir.path(), "tabs-consumer", &server.base).await;
    let notes: Notes = fresh.view(circle).expect("notes");
    for id in mine.iter().chain(&theirs) {
        assert!(notes.items.contains_key(id), "a note lost from the store");
    }
    drop(fresh);
    // Each takes in the other's from the store.
    assert!(consumer.reload().await.expect("reload"));
    assert!(second.reload().await.expect("reload"));
    for tab in [&consumer, &second] {
        let notes: Notes = tab.view(circle).expect("notes");
        assert_eq!(notes.items.len(), mine.len() + theirs.len());
    }
    // Both sync (the second registers its id first); no refusal, everything on the server.
    let a = second.sync().await.expect("second syncs");
    let b = consumer.sync().await.expect("first syncs");
    assert!(a.refused.is_empty() && b.refused.is_empty(), "{a:?} {b:?}");
    assert_eq!(consumer.waiting().await.expect("waiting"), 0);
    cm.sync().await.expect("cm sync");
    let notes: Notes = cm.view(circle).expect("notes");
    for id in mine.iter().chain(&theirs) {
        assert!(
            notes.items.contains_key(id),
            "a note did not reach the server"
        );
    }
}

/// Reviews and referrals: saving the same one twice (a double tap) keeps one, an edit changes
/// it in place, and removal takes it away, on every device.
#[tokio::test]
async fn reviews_and_referrals_are_saved_once_edited_and_removed() {
    use carecircle_app::ops::plan::PlanItem as _;
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let (mut cm, mut consumer, circle) = cm_and_consumer(dir.path(), &server.base, "plan").await;
    cm.sync().await.expect("sync");
    let review = PastReview {
        id: carecircle_shared::ItemId::random(),
        date: "2026-11-01".into(),
        what_worked: "Walking every morning".into(),
        ..PastReview::default()
    };
    let referral = Referral {
        id: carecircle_shared::ItemId::random(),
        agency: "Housing support".into(),
        reason: "A stable place".into(),
        consent_given: true,
        referred_on: None,
    };
    for _ in 0..2 {
        cm.save_plan_item(circle, review.clone(), |_| {})
            .await
            .expect("review");
        cm.save_plan_item(circle, referral.clone(), |_| {})
            .await
            .expect("referral");
    }
    let plan: Plan = cm.view(circle).expect("plan");
    assert_eq!(
        plan.review.past.len(),
        1,
        "one review however often it is saved"
    );
    assert_eq!(plan.ending.referrals.len(), 1, "one referral");
    cm.save_plan_item(circle, referral.clone(), |r| {
        r.reason = "Somewhere near family".into()
    })
    .await
    .expect("edit");
    cm.sync().await.expect("sync");
    consumer.sync().await.expect("sync");
    let plan: Plan = consumer.view(circle).expect("plan");
    assert_eq!(
        plan.ending.referrals[&referral.id].reason,
        "Somewhere near family"
    );
    cm.remove_plan_item::<PastReview>(circle, review.id())
        .await
        .expect("remove review");
    cm.remove_plan_item::<Referral>(circle, referral.id())
        .await
        .expect("remove referral");
    assert!(
        matches!(
            cm.remove_plan_item::<Referral>(circle, referral.id()).await,
            Err(AppError::Invalid(_))
        ),
        "removing twice says it is gone"
    );
    cm.sync().await.expect("sync");
    consumer.sync().await.expect("sync");
    let plan: Plan = consumer.view(circle).expect("plan");
    assert!(plan.review.past.is_empty() && plan.ending.referrals.is_empty());
    let history: Vec<String> = consumer
        .document(circle, DocKind::Plan)
        .expect("doc")
        .history()
        .into_iter()
        .map(|h| h.what)
        .collect();
    for what in [
        "Updated a referral",
        "Removed a review",
        "Removed a referral",
    ] {
        assert!(history.iter().any(|h| h == what), "{what} in {history:?}");
    }
}

/// A circle joined while a sync's circle list is on its way (here, or in another tab) is not
/// taken for one the member left: nothing of it is deleted, no "no longer in" message.
#[tokio::test]
async fn a_circle_joined_during_a_sync_is_not_taken_for_one_left() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let (mut cm, mut consumer, _first) = cm_and_consumer(dir.path(), &server.base, "race").await;
    consumer.sync().await.expect("sync");
    let second = cm
        .create_circle("Second", Role::CaseManager)
        .await
        .expect("circle");
    cm.sync().await.expect("sync");
    let code = cm
        .invite(second, Role::Consumer, None)
        .await
        .expect("invite")
        .code;
    let mut run = consumer.sync_begin(carecircle_app::engine::Members::None);
    let step = consumer
        .sync_next(&mut run)
        .await
        .expect("next")
        .expect("a request");
    // The circle list is answered before the join...
    let answer = step.send(consumer.client()).await.expect("answered");
    consumer.join(&code, None).await.expect("join");
    // ...and taken in after it.
    consumer
        .sync_answer(&mut run, answer)
        .await
        .expect("taken in");
    let result = loop {
        match consumer.sync_next(&mut run).await.expect("next") {
            Some(step) => {
                let answer = step.send(consumer.client()).await.expect("answered");
                consumer
                    .sync_answer(&mut run, answer)
                    .await
                    .expect("taken in");
            }
            None => break Ok(()),
        }
    };
    let report = consumer.sync_end(run, result).await.expect("ended");
    assert!(
        report.left.is_empty() && report.deleted.is_empty(),
        "{report:?}"
    );
    assert!(consumer.circle(second).is_ok(), "the new circle stays");
    consumer.sync().await.expect("sync");
    assert!(
        consumer.view::<Appointments>(second).is_ok(),
        "its documents arrive"
    );
}
