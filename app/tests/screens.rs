//! Component tests without a browser: every screen rendered with dioxus-ssr over hand-made
//! snapshots in five states (empty, loaded, offline, refused change, conflict).

#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;

use carecircle_app::core::SyncStatus;
use carecircle_app::ops::caseload::CaseloadRow;
use carecircle_app::ops::feed::informed;
use carecircle_app::store::RefusedEdit;
use carecircle_app::ui::harness;
use carecircle_app::ui::model::{CircleView, Notice, Phase, Screen, Snapshot, Written};
use carecircle_shared::conflict::{Conflict, ConflictValue};
use carecircle_shared::history::HistoryEntry;
use carecircle_shared::schema::{
    Appointment, Appointments, Goal, Information, Note, Notes, Organisation, Place, Plan, Question,
    Questions, Slot, Team, TeamMember,
};
use carecircle_shared::time::Zone;
use carecircle_shared::wire::{
    AccessLogEntry, CircleSummary, DocRef, ErrorCode, LogAction, MemberInfo,
};
use carecircle_shared::{Access, CircleId, DocKind, DocumentId, ItemId, MemberId, Role, Timestamp};

const NOW: Timestamp = Timestamp(1_795_392_000_000); // 2026-11-23 00:00 UTC = 11:00 +11:00

fn me() -> MemberId {
    MemberId(uuid::Uuid::from_u128(1))
}
fn carer() -> MemberId {
    MemberId(uuid::Uuid::from_u128(2))
}

fn summary(role: Role) -> CircleSummary {
    CircleSummary {
        id: CircleId(uuid::Uuid::from_u128(7)),
        name: "Alex's circle".into(),
        role,
        documents: DocKind::ALL
            .iter()
            .map(|k| DocRef {
                id: DocumentId(uuid::Uuid::from_u128(*k as u128 + 10)),
                kind: *k,
                access: Access::Write,
            })
            .collect(),
    }
}

fn empty_circle(role: Role) -> CircleView {
    CircleView {
        summary: summary(role),
        team: Some(Team::default()),
        appointments: Some(Appointments::default()),
        questions: Some(Questions::default()),
        plan: Some(Plan::default()),
        notes: Some(Notes::default()),
        agenda: Default::default(),
        reminders: Vec::new(),
        feed: Vec::new(),
        conflicts: Vec::new(),
        history: BTreeMap::new(),
    }
}

fn base(circle: CircleView) -> Snapshot {
    Snapshot {
        phase: Phase::Ready,
        server: "http://127.0.0.1:8080".into(),
        me: Some(me()),
        my_name: "Alex Rivera".into(),
        circles: vec![circle.summary.clone()],
        circle: Some(circle),
        status: SyncStatus {
            last_synced_at: Some(NOW),
            ..SyncStatus::default()
        },
        now: NOW,
        zone: Zone::named("Australia/Melbourne").expect("zone"),
        members: vec![
            member(me(), "Alex Rivera", Role::Consumer),
            member(carer(), "Sam Rivera", Role::Carer),
        ],
        ..Snapshot::default()
    }
}

fn member(id: MemberId, name: &str, role: Role) -> MemberInfo {
    MemberInfo {
        member: id,
        display_name: name.into(),
        role,
        relationship: None,
        access: DocKind::ALL.iter().map(|k| (*k, Access::Write)).collect(),
        joined_at: NOW,
    }
}

fn appointment() -> Appointment {
    let mut a = Appointment {
        id: ItemId::from("appt-1"),
        purpose: "Psychiatrist review".into(),
        start: "2026-11-23T14:00:00+11:00".into(),
        end: "2026-11-23T15:00:00+11:00".into(),
        zone: "Australia/Melbourne".into(),
        place: Place {
            name: "Riverside Community Mental Health".into(),
            address: "12 Example Street".into(),
            telehealth_url: String::new(),
        },
        with_team: vec![ItemId::from("gp")],
        ..Appointment::default()
    };
    a.mark_double_checked(carer(), NOW);
    a
}

fn loaded_circle() -> CircleView {
    let mut c = empty_circle(Role::Consumer);
    let a = appointment();
    c.agenda.today = vec![a.clone()];
    c.appointments
        .as_mut()
        .expect("fixture")
        .items
        .insert(a.id.clone(), a);
    let gp = TeamMember {
        id: ItemId::from("gp"),
        name: "Dr Priya Shah".into(),
        role_title: "GP".into(),
        phone: "02 5550 1234".into(),
        contact_if_something_goes_wrong: true,
        informed_of_changes: true,
        ..TeamMember::default()
    };
    let team = c.team.as_mut().expect("fixture");
    team.members.insert(gp.id.clone(), gp);
    let org = Organisation {
        id: ItemId::from("org"),
        name: "Crisis line".into(),
        phone: "1800 555 000".into(),
        contact_if_something_goes_wrong: "Any time, day or night".into(),
        ..Organisation::default()
    };
    team.organisations.insert(org.id.clone(), org);
    let q = Question {
        id: ItemId::from("q1"),
        text: "Can the dose be taken in the morning?".into(),
        asked_by: Some(me()),
        created_at: NOW,
        for_appointment: Some(ItemId::from("appt-1")),
        ..Question::default()
    };
    c.questions
        .as_mut()
        .expect("fixture")
        .items
        .insert(q.id.clone(), q);
    let n = Note {
        id: ItemId::from("n1"),
        author: Some(carer()),
        written_at: NOW,
        text: "Slept better this week.".into(),
        ..Note::default()
    };
    c.notes
        .as_mut()
        .expect("fixture")
        .items
        .insert(n.id.clone(), n);
    let g = Goal {
        id: ItemId::from("g1"),
        goal: "Walk to the shops twice a week".into(),
        strategies: vec!["Go with Sam on Saturdays".into()],
        who_involved: vec!["Sam".into()],
        progress: "Went once last week".into(),
        ..Goal::default()
    };
    let plan = c.plan.as_mut().expect("fixture");
    plan.goals.insert(g.id.clone(), g);
    plan.crisis.warning_signs = "Not sleeping for two nights".into();
    plan.review.next_review_date = Some("2026-12-01".into());
    c.feed = vec![carecircle_app::ops::feed::FeedEntry {
        kind: DocKind::Notes,
        change: HistoryEntry {
            hash: "00".into(),
            actor: "aa".into(),
            by: Some(carer()),
            at: NOW,
            what: "Added a note".into(),
        },
    }];
    c.history
        .insert(DocKind::Appointments, vec![c.feed[0].change.clone()]);
    c
}

/// Every screen, with a phrase it shows when its list is empty and one when loaded.
fn screens() -> Vec<(&'static str, Screen, &'static str, &'static str)> {
    let a = ItemId::from("appt-1");
    vec![
        (
            "today",
            Screen::Today,
            "No appointments today.",
            "Psychiatrist review",
        ),
        (
            "appointments",
            Screen::Appointments,
            "No appointments coming up.",
            "Psychiatrist review",
        ),
        (
            "appointment",
            Screen::Appointment(a.clone()),
            "is not on this device",
            "Double-checked by Sam Rivera",
        ),
        (
            "appointment form",
            Screen::AppointmentForm(Some(a.clone())),
            "Add an appointment",
            "Edit appointment",
        ),
        (
            "team",
            Screen::Team,
            "No care team members yet.",
            "Dr Priya Shah",
        ),
        (
            "questions",
            Screen::Questions,
            "No open questions.",
            "Can the dose be taken in the morning?",
        ),
        (
            "plan",
            Screen::Plan,
            "No goals written down yet.",
            "Walk to the shops twice a week",
        ),
        (
            "notes",
            Screen::Notes,
            "No notes yet.",
            "Slept better this week.",
        ),
        (
            "changes",
            Screen::Changes,
            "Nothing new from anyone else.",
            "Sam Rivera",
        ),
        ("circle", Screen::Circle, "Invite someone", "Sam Rivera"),
        (
            "written plan",
            Screen::Written(Written::Plan),
            "Individual service plan",
            "Walk to the shops twice a week",
        ),
        (
            "written appointment",
            Screen::Written(Written::Appointment(a)),
            "is not on this device",
            "Can the dose be taken in the morning?",
        ),
        (
            "more",
            Screen::More,
            "Care team and organisations",
            "What's changed (1 new)",
        ),
        (
            "kept",
            Screen::Kept,
            "Nothing is kept",
            "Kept on this device",
        ),
        (
            "settings",
            Screen::Settings,
            "Signed in as Alex Rivera",
            "Signed in as Alex Rivera",
        ),
    ]
}

fn screen_is_written(name: &str) -> bool {
    name.starts_with("written")
}

fn render(screen: Screen, snapshot: Snapshot) -> String {
    let dom = harness(screen, snapshot);
    // Text as a person reads it (the renderer escapes apostrophes and ampersands).
    dioxus_ssr::render(&dom)
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[test]
fn every_screen_renders_empty() {
    for (name, screen, empty, _) in screens() {
        let html = render(screen, base(empty_circle(Role::Consumer)));
        assert!(
            html.contains(empty),
            "{name} (empty) lacks {empty:?}:\n{html}"
        );
        let print_view = screen_is_written(name);
        assert!(
            print_view || html.contains("Synced at 11:00"),
            "{name} shows the sync time"
        );
    }
}

#[test]
fn every_screen_renders_loaded() {
    for (name, screen, _, loaded) in screens() {
        let html = render(screen, base(loaded_circle()));
        assert!(
            html.contains(loaded),
            "{name} (loaded) lacks {loaded:?}:\n{html}"
        );
    }
}

#[test]
fn today_shows_who_to_call_with_phone_links() {
    let html = render(Screen::Today, base(loaded_circle()));
    assert!(html.contains("Who to call if something goes wrong"));
    assert!(html.contains("href=\"tel:0255501234\""), "{html}");
    assert!(html.contains("Any time, day or night"));
    assert!(
        html.contains("Can the dose be taken in the morning?"),
        "questions for the next appointment"
    );
}

#[test]
fn every_screen_says_when_offline_and_what_waits() {
    // Written copies are print views: no app chrome, so no status line.
    for (name, screen, _, _) in screens() {
        if matches!(screen, Screen::Written(_)) {
            continue;
        }
        let mut s = base(loaded_circle());
        s.status = SyncStatus {
            offline: true,
            waiting: 2,
            ..s.status
        };
        let html = render(screen, s);
        assert!(
            html.contains("Offline · 2 changes waiting, saved on this device"),
            "{name} offline:\n{html}"
        );
    }
}

#[test]
fn every_screen_shows_a_refused_change_with_the_way_back() {
    for (name, screen, _, _) in screens() {
        let mut s = base(loaded_circle());
        s.refused = vec![RefusedEdit {
            id: 1,
            doc: DocumentId(uuid::Uuid::from_u128(13)),
            kind: DocKind::Plan,
            code: ErrorCode::Forbidden,
            message: "write access withdrawn".into(),
            at: NOW,
            copy: Vec::new(),
            resolved: false,
        }];
        s.notices = vec![Notice {
            text: "Your access to the plan was withdrawn, so the copy on this device has been deleted.".into(),
        }];
        let html = render(screen, s);
        assert!(
            html.contains("Your change to the plan was not accepted: access changed."),
            "{name} refused:\n{html}"
        );
        assert!(
            html.contains("See what was kept"),
            "{name}: a way to the kept words"
        );
        assert!(html.contains("Your access to the plan was withdrawn"));
    }
}

#[test]
fn conflicts_are_shown_side_by_side_with_a_way_to_pick() {
    let mut c = loaded_circle();
    c.conflicts = vec![(
        DocKind::Appointments,
        Conflict {
            path: vec!["items".into(), "appt-1".into(), "purpose".into()],
            values: vec![
                ConflictValue {
                    value: "Psychiatrist review".into(),
                    by: Some(me()),
                },
                ConflictValue {
                    value: "Medication review".into(),
                    by: Some(carer()),
                },
            ],
        },
    )];
    for screen in [Screen::Appointment(ItemId::from("appt-1")), Screen::Changes] {
        let html = render(screen.clone(), base(c.clone()));
        assert!(
            html.contains("Two people changed the same thing"),
            "{screen:?}:\n{html}"
        );
        assert!(html.contains("Medication review") && html.contains("set by Sam Rivera"));
        assert_eq!(html.matches("Keep this").count(), 2, "{screen:?}");
    }
    // Screens about other documents do not show it.
    let html = render(Screen::Plan, base(c));
    assert!(!html.contains("Two people changed the same thing"));
}

#[test]
fn documents_not_shared_are_explained_not_hidden() {
    let mut c = loaded_circle();
    c.plan = None;
    c.summary.documents.retain(|d| d.kind != DocKind::Plan);
    let html = render(Screen::Plan, base(c));
    assert!(html.contains("The plan is not on this device"), "{html}");
}

fn row(n: u128, name: &str) -> CaseloadRow {
    CaseloadRow {
        id: CircleId(uuid::Uuid::from_u128(n)),
        name: name.into(),
        role: Role::CaseManager,
        conflicts: 0,
        attention: 0,
        changes: 0,
        next: None,
        review: None,
        review_due: false,
    }
}

/// A case manager with three circles: one with a conflict and a change, one with a review due.
fn caseload_snapshot() -> Snapshot {
    let mut s = base(empty_circle(Role::CaseManager));
    let mut urgent = row(8, "Taylor's circle");
    urgent.conflicts = 1;
    urgent.changes = 2;
    let mut review = row(9, "Jamie's circle");
    review.review = Some("2026-11-25".into());
    review.review_due = true;
    review.next = Some(appointment());
    let quiet = row(7, "Alex's circle");
    s.caseload = vec![urgent, review, quiet];
    s
}

#[test]
fn a_case_manager_sees_the_caseload_first() {
    let html = render(Screen::Today, caseload_snapshot());
    let caseload = html.find("Your caseload").expect("caseload");
    let today = html.find("Today's appointments").expect("today");
    let attention = html.find("Needs attention").expect("attention");
    let call = html
        .find("Who to call if something goes wrong")
        .expect("call");
    assert!(
        caseload < today && today < attention && attention < call,
        "{html}"
    );
    assert!(html.contains("All 3 circles"));
    let taylor = html.find("Taylor's circle").expect("Taylor");
    let jamie = html.find("Jamie's circle").expect("Jamie");
    assert!(taylor < jamie);
    assert!(
        html.contains("1 to settle · 2 changes since you looked"),
        "{html}"
    );
}

#[test]
fn the_caseload_says_what_needs_attention_what_changed_and_what_is_next() {
    let html = render(Screen::Caseload, caseload_snapshot());
    for expected in [
        "3 circles · 1 need a look",
        "Find a person",
        "1 to settle · 2 changes since you looked",
        "plan review due 2026-11-25",
        "Next: Psychiatrist review",
        "No appointment booked",
        "Nothing new",
    ] {
        assert!(html.contains(expected), "{expected} missing:\n{html}");
    }
    // The circle on screen is marked as the current one.
    assert_eq!(html.matches("aria-current=\"true\"").count(), 1, "{html}");
}

#[test]
fn information_is_kept_with_who_kept_it_and_only_they_remove_it() {
    let mut c = loaded_circle();
    let notes = c.notes.as_mut().expect("fixture");
    for (id, by) in [("i1", me()), ("i2", carer())] {
        notes.information.insert(
            ItemId::from(id),
            Information {
                id: ItemId::from(id),
                added_by: Some(by),
                added_at: NOW,
                title: format!("Fact sheet {id}"),
                link: "https://example.org/fact-sheet".into(),
                note: "About the first weeks".into(),
            },
        );
    }
    let html = render(Screen::Information, base(c));
    for expected in [
        "Keep something",
        "Fact sheet i1",
        "Kept by Sam Rivera",
        "href=\"https://example.org/fact-sheet\"",
        "About the first weeks",
    ] {
        assert!(html.contains(expected), "{expected} missing:\n{html}");
    }
    assert!(html.contains("Remove “Fact sheet i1”"));
    assert!(!html.contains("Remove “Fact sheet i2”"), "{html}");
}

#[test]
fn the_access_log_is_grouped_in_plain_words_with_names_of_former_members() {
    let mut s = base(loaded_circle());
    let entry = |seq: i64, member: MemberId, name: &str, action: LogAction| AccessLogEntry {
        seq,
        at: Timestamp(NOW.0 - seq * 60_000),
        member,
        device: None,
        action,
        kind: Some(DocKind::Notes),
        subject: None,
        detail: String::new(),
        name: name.into(),
        removed_at: None,
        subject_name: None,
    };
    let gone = MemberId(uuid::Uuid::from_u128(3));
    let mut removed = entry(4, gone, "Jo Former", LogAction::Read);
    removed.removed_at = Some(NOW);
    s.access_log = vec![
        entry(1, carer(), "Sam Rivera", LogAction::Read),
        entry(2, carer(), "Sam Rivera", LogAction::Read),
        entry(3, carer(), "Sam Rivera", LogAction::Read),
        removed,
    ];
    s.access_log_complete = true;
    let html = render(Screen::AccessLog, s);
    for expected in [
        "Sam Rivera received the notes 3 times",
        "Jo Former (left or removed 23 Nov) received the notes",
        "This is the beginning of the log.",
    ] {
        assert!(html.contains(expected), "{expected} missing:\n{html}");
    }
    assert!(!html.contains("Show earlier entries"));
}

#[test]
fn the_people_who_will_see_a_change_are_named_before_saving() {
    let mut s = base(loaded_circle());
    let html = render(Screen::AppointmentForm(None), s.clone());
    assert!(
        html.contains("Will see this change: Sam Rivera (carer)."),
        "{html}"
    );
    assert!(html.contains("To be told of changes (care team): Dr Priya Shah."));
    // A carer without the plan is not named for a plan change, still named for appointments.
    s.members[1].access.insert(DocKind::Plan, Access::None);
    let team = s.circle.as_ref().and_then(|c| c.team.clone());
    let plan = informed(&s.members, s.me, team.as_ref(), DocKind::Plan);
    assert!(plan.members.is_empty(), "{plan:?}");
    assert_eq!(plan.team, vec!["Dr Priya Shah".to_string()]);
    let html = render(Screen::AppointmentForm(None), s.clone());
    assert!(html.contains("Will see this change: Sam Rivera (carer)."));
    s.members.truncate(1);
    let html = render(Screen::AppointmentForm(None), s);
    assert!(
        html.contains("Nobody else in the circle can see the appointments"),
        "{html}"
    );
}

#[test]
fn the_start_screen_asks_for_a_sign_in() {
    let s = Snapshot {
        phase: Phase::SignedOut,
        ..Snapshot::default()
    };
    let html = render(Screen::Today, s);
    assert!(html.contains("Sign in") && html.contains("Create an account instead"));
    assert!(html.contains("<label for=\"username\""), "{html}");
}

#[test]
fn the_consumer_gets_a_consent_table_and_plain_words_on_removal() {
    let html = render(Screen::Circle, base(loaded_circle()));
    assert!(
        html.contains("What Sam Rivera can see and change"),
        "{html}"
    );
    assert!(html.contains("aria-label=\"Sam Rivera: Plan\""));
    assert!(html.contains("Remove Sam Rivera from the circle"));
    // A carer sees access, not the table.
    let mut c = loaded_circle();
    c.summary.role = Role::Carer;
    let html = render(Screen::Circle, base(c));
    assert!(!html.contains("What Sam Rivera can see and change"));
}

#[test]
fn signing_out_says_what_would_be_lost_first() {
    let mut s = base(loaded_circle());
    let html = render(Screen::Settings, s.clone());
    assert!(
        html.contains(">Sign out</button>"),
        "asks before deleting:\n{html}"
    );
    s.sign_out_check = Some(2);
    let html = render(Screen::Settings, s.clone());
    assert!(html.contains("2 of your changes have not reached the server yet"));
    assert!(html.contains("Sign out anyway and lose them"));
    s.sign_out_check = Some(0);
    let html = render(Screen::Settings, s);
    assert!(html.contains("nothing will be lost"));
    assert!(html.contains("Sign out and delete local data"));
}

#[test]
fn a_double_check_that_went_stale_says_so_on_the_card_and_the_appointment() {
    let mut c = loaded_circle();
    let id = ItemId::from("appt-1");
    let appts = c.appointments.as_mut().expect("fixture");
    appts.items.get_mut(&id).expect("appt").place.name = "Room 4".into();
    c.agenda.today = vec![appts.items[&id].clone()];
    let detail = render(Screen::Appointment(id), base(c.clone()));
    assert!(
        detail.contains("The time or place changed since Sam Rivera double-checked it"),
        "{detail}"
    );
    assert!(!detail.contains("✓ Double-checked"), "{detail}");
    let list = render(Screen::Appointments, base(c));
    assert!(list.contains("Changed since double-checked"), "{list}");
}

#[test]
fn a_time_conflict_is_badged_and_shown_as_two_whole_slots_in_plain_words() {
    let mut c = loaded_circle();
    let slot = |start: &str, end: &str| Slot {
        start: start.into(),
        end: end.into(),
        zone: "Australia/Melbourne".into(),
    };
    c.conflicts = vec![(
        DocKind::Appointments,
        Conflict {
            path: vec!["items".into(), "appt-1".into(), "slot".into()],
            values: vec![
                ConflictValue {
                    value: slot("2026-11-28T14:00:00+11:00", "2026-11-28T14:30:00+11:00")
                        .encode()
                        .into(),
                    by: Some(me()),
                },
                ConflictValue {
                    value: slot("2026-11-28T10:00:00+11:00", "2026-11-28T10:30:00+11:00")
                        .encode()
                        .into(),
                    by: Some(carer()),
                },
            ],
        },
    )];
    let html = render(Screen::Appointment(ItemId::from("appt-1")), base(c.clone()));
    assert!(
        html.contains("Appointments: “Psychiatrist review”, the time"),
        "{html}"
    );
    assert!(html.contains("Sat 28 Nov, 14:00–14:30"), "{html}");
    assert!(html.contains("Sat 28 Nov, 10:00–10:30") && html.contains("set by Sam Rivera"));
    assert!(!html.contains("{\\\"start"), "no raw values: {html}");
    let today = render(Screen::Today, base(c.clone()));
    assert!(
        today.contains(
            "Two people changed “Psychiatrist review” at the same time: pick the one to keep."
        ),
        "Needs attention says so, first:\n{today}"
    );
    for screen in [Screen::Today, Screen::Appointments] {
        let html = render(screen.clone(), base(c.clone()));
        assert!(
            html.contains("Two people changed this"),
            "{screen:?}:\n{html}"
        );
    }
}

#[test]
fn a_read_only_carer_is_offered_no_control_the_server_would_refuse() {
    let mut c = loaded_circle();
    c.summary.role = Role::Carer;
    for d in &mut c.summary.documents {
        d.access = carecircle_shared::policy::default_access(Role::Carer, d.kind);
    }
    let detail = render(Screen::Appointment(ItemId::from("appt-1")), base(c.clone()));
    for control in [
        "I have double-checked it",
        "Edit details",
        "Reschedule",
        "Cancel appointment",
        "I have asked for them in writing",
    ] {
        assert!(!detail.contains(control), "{control} offered:\n{detail}");
    }
    assert!(
        detail.contains("Add question"),
        "questions are the carer's to write"
    );
    assert!(detail.contains("Written copy to print"));
    let list = render(Screen::Appointments, base(c.clone()));
    assert!(!list.contains("Add an appointment"), "{list}");
    let team = render(Screen::Team, base(c.clone()));
    for control in ["Add a person", "Add an organisation", ">Edit<"] {
        assert!(!team.contains(control), "{control} offered:\n{team}");
    }
    // Someone else's question: a carer may not mark it asked or close it.
    for q in c.questions.as_mut().expect("fixture").items.values_mut() {
        q.asked_by = Some(carer());
    }
    let questions = render(Screen::Questions, base(c));
    assert!(
        !questions.contains("Mark asked") && !questions.contains(">Close<"),
        "{questions}"
    );
}

#[test]
fn cancelling_an_appointment_asks_first() {
    let html = render(
        Screen::Appointment(ItemId::from("appt-1")),
        base(loaded_circle()),
    );
    // The first tap only asks (rendered here before any tap: one button, no dialog yet).
    assert!(html.contains(">Cancel appointment<"), "{html}");
    assert!(!html.contains("Yes, cancel it"), "{html}");
}

/// A past review on 2026-10-01 and a referral to "Housing support" (with consent, referred on
/// 2026-11-02) in the fixture's plan.
fn with_review_and_referral(c: &mut CircleView) {
    use carecircle_shared::schema::{PastReview, Referral};
    let plan = c.plan.as_mut().expect("fixture");
    let review = PastReview {
        id: ItemId::from("review-1"),
        date: "2026-10-01".into(),
        what_worked: "Walking every morning".into(),
        ..PastReview::default()
    };
    plan.review.past.insert(review.id.clone(), review);
    let referral = Referral {
        id: ItemId::from("referral-1"),
        agency: "Housing support".into(),
        reason: "A stable place to live".into(),
        consent_given: true,
        referred_on: Some("2026-11-02".into()),
    };
    plan.ending.referrals.insert(referral.id.clone(), referral);
}

#[test]
fn reviews_referrals_and_goals_can_be_edited_and_removed_by_those_who_write_the_plan() {
    let mut c = loaded_circle();
    with_review_and_referral(&mut c);
    let page = render(Screen::Plan, base(c.clone()));
    for control in [
        "Edit the review on 2026-10-01",
        "Edit the referral to Housing support",
    ] {
        assert!(page.contains(control), "{control} not offered:\n{page}");
    }
    // Remove for the goal, the review and the referral, each asking first.
    assert_eq!(page.matches(">Remove<").count(), 3, "{page}");
    // Someone who may only read the plan gets none of them.
    c.summary.role = Role::Carer;
    for d in &mut c.summary.documents {
        if d.kind == DocKind::Plan {
            d.access = carecircle_shared::Access::Read;
        }
    }
    let page = render(Screen::Plan, base(c));
    assert!(page.contains("Housing support"), "the referral is shown");
    for control in [
        ">Remove<",
        "Edit the review",
        "Edit the referral",
        "Save referral",
    ] {
        assert!(
            !page.contains(control),
            "{control} offered to a reader:\n{page}"
        );
    }
}

#[test]
fn kept_words_are_shown_with_the_reason_and_the_ways_forward() {
    use carecircle_shared::schema::{Note, Notes};
    let mut doc = carecircle_shared::Document::create(
        DocKind::Notes,
        carecircle_shared::automerge::ActorId::random(),
        me(),
        NOW,
    );
    doc.change(
        me(),
        "Added a note",
        NOW,
        &carecircle_shared::Links::unknown(),
        |n: &mut Notes| {
            let note = Note {
                author: Some(me()),
                text: "Slept badly after the new tablets".into(),
                ..Default::default()
            };
            n.items.insert(note.id.clone(), note);
            Ok(())
        },
    )
    .expect("note");
    let mut s = base(loaded_circle());
    s.refused = vec![RefusedEdit {
        id: 7,
        doc: DocumentId(uuid::Uuid::from_u128(14)),
        kind: DocKind::Notes,
        code: ErrorCode::Forbidden,
        message: "write access withdrawn".into(),
        at: NOW,
        copy: doc.save(),
        resolved: true,
    }];
    let more = render(Screen::More, s.clone());
    assert!(more.contains("Kept on this device (1)"), "{more}");
    let html = render(Screen::Kept, s);
    for expected in [
        "Slept badly after the new tablets",
        "Not accepted: access changed.",
        "Copy the words",
        "Add these notes again",
        ">Delete<",
    ] {
        assert!(html.contains(expected), "{expected} missing:\n{html}");
    }
    assert!(
        !html.contains("See what was kept"),
        "a seen refusal has no banner"
    );
}

#[test]
fn written_copies_say_with_whom_and_carry_the_whole_plan() {
    let mut c = loaded_circle();
    with_review_and_referral(&mut c);
    let plan = c.plan.as_mut().expect("fixture");
    plan.crisis.who_to_contact = vec![ItemId::from("gp")];
    plan.ending.how_to_return = "Call the intake line".into();
    plan.ending.completion_letter_sent_on = Some("2026-11-20".into());
    plan.ending.completion_letter_sent_by = "Jordan Lee, case manager".into();
    plan.ending.completion_letter = "Dear Alex, our work together has finished.".into();
    plan.ending.family_informed = true;
    plan.assessment.mental_state.summary = "Settled, sleeping better".into();
    plan.assessment.mental_state.done_by = "Dr Priya Shah".into();
    plan.assessment.need_for_services.summary = "Needs support with housing".into();
    c.team.as_mut().expect("fixture").supports.respite = "A weekend a month with Respite Co".into();
    let copy = render(Screen::Written(Written::Plan), base(c.clone()));
    for expected in [
        "Settled, sleeping better",
        "Needs support with housing",
        "A weekend a month with Respite Co",
        "2026-11-20",
        "Jordan Lee, case manager",
        "Dear Alex, our work together has finished.",
        "Save as a file",
        "id=\"written-copy\"",
        "Who to contact",
        "Dr Priya Shah",
        "Review on 2026-10-01",
        "What worked: Walking every morning",
        "Housing support",
        "(with consent)",
        "referred on 2026-11-02",
        "How to come back to the service: Call the intake line",
    ] {
        assert!(
            copy.contains(expected),
            "{expected} missing from the plan copy:\n{copy}"
        );
    }
    let copy = render(
        Screen::Written(Written::Appointment(ItemId::from("appt-1"))),
        base(c),
    );
    for expected in [
        ">With<",
        "Dr Priya Shah",
        ">Time zone<",
        "Melbourne time (UTC+11:00)",
        "Riverside Community Mental Health",
        "Double-checked by Sam Rivera",
        "Can the dose be taken in the morning?",
        "Psychiatrist review",
    ] {
        assert!(
            copy.contains(expected),
            "{expected} missing from the appointment copy:\n{copy}"
        );
    }
}
