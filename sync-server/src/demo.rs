//! Demo data: one full circle (consumer, carer, case manager) with synthetic content in every
//! document, and the rest of the case manager's caseload: smaller circles, each with an
//! appointment and a plan review date.
//!
//! Everything here is invented. Seeding is idempotent: a second run only prints the sign-ins.

use carecircle_shared::schema::*;
use carecircle_shared::time::Zone;
use carecircle_shared::{
    CircleId, DeviceId, DocError, DocKind, Document, ItemId, Links, MemberId, Relationship, Role,
    Timestamp,
};
use chrono::{Duration, NaiveTime, Utc};

use crate::clock::now;
use crate::error::{ApiError, ApiResult};
use crate::secret::{hash_password, hash_secret, new_invite_code};
use crate::store::{Caller, ServerEdit, Store};

/// The demo password for all three accounts.
pub const DEMO_PASSWORD: &str = "carecircle-demo";
/// (username, display name, role) of the demo accounts.
pub const DEMO_ACCOUNTS: [(&str, &str, Role); 3] = [
    ("alex", "Alex Rivera", Role::Consumer),
    ("sam", "Sam Rivera", Role::Carer),
    ("jordan", "Jordan Lee", Role::CaseManager),
];

fn sign_in_text() -> String {
    let mut out = String::from("Demo sign-ins (synthetic data):\n");
    for (user, name, role) in DEMO_ACCOUNTS {
        out.push_str(&format!(
            "  {:<13} username {user:<7} password {DEMO_PASSWORD}   ({name})\n",
            role.label()
        ));
    }
    out.push_str(&format!(
        "  Jordan's other {} circles' consumers: usernames {} to {}, same password\n",
        CASELOAD.len(),
        caseload_user(0),
        caseload_user(CASELOAD.len() - 1)
    ));
    out
}

/// Seeds the demo circle unless it exists; returns how to sign in.
pub async fn seed(store: &dyn Store) -> ApiResult<String> {
    if store.credentials(DEMO_ACCOUNTS[0].0).await?.is_some() {
        return Ok(sign_in_text());
    }
    let hash = tokio::task::spawn_blocking(|| hash_password(DEMO_PASSWORD))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let mut callers = Vec::new();
    for (user, name, _) in DEMO_ACCOUNTS {
        let member = store.create_account(user, name, &hash).await?;
        callers.push(Caller {
            member,
            device: DeviceId::nil(),
            display_name: name.to_string(),
        });
    }
    let [alex, sam, jordan] = [&callers[0], &callers[1], &callers[2]];
    let circle = store.create_circle(alex, "Alex", Role::Consumer).await?.id;
    for (who, role, relationship) in [
        (jordan, Role::CaseManager, None),
        (sam, Role::Carer, Some(Relationship::FamilyMember)),
    ] {
        let code = new_invite_code();
        let expires = now().plus_millis(60_000);
        store
            .create_invite(alex, circle, role, &hash_secret(&code), expires)
            .await?;
        store
            .accept_invite(who, &hash_secret(&code), relationship)
            .await?;
    }
    let ids = Ids::new();
    let (a, s, j) = (alex.member, sam.member, jordan.member);
    edit(store, jordan, circle, DocKind::Team, {
        let ids = ids.clone();
        move |d| team(d, j, &ids)
    })
    .await?;
    edit(store, jordan, circle, DocKind::Appointments, {
        let ids = ids.clone();
        move |d| appointments(d, j, &ids)
    })
    .await?;
    edit(store, alex, circle, DocKind::Questions, {
        let ids = ids.clone();
        move |d| questions(d, a, &ids)
    })
    .await?;
    edit(store, jordan, circle, DocKind::Plan, {
        let ids = ids.clone();
        move |d| plan(d, j, &ids)
    })
    .await?;
    edit(store, sam, circle, DocKind::Notes, {
        let ids = ids.clone();
        move |d| notes(d, s, &ids)
    })
    .await?;
    for (i, name) in CASELOAD.iter().enumerate() {
        let user = caseload_user(i);
        let member = store.create_account(&user, name, &hash).await?;
        let consumer = Caller {
            member,
            device: DeviceId::nil(),
            display_name: name.to_string(),
        };
        let first = name.split(' ').next().unwrap_or(name).to_string();
        let c = store
            .create_circle(&consumer, &first, Role::Consumer)
            .await?
            .id;
        let code = new_invite_code();
        store
            .create_invite(
                &consumer,
                c,
                Role::CaseManager,
                &hash_secret(&code),
                now().plus_millis(60_000),
            )
            .await?;
        store
            .accept_invite(jordan, &hash_secret(&code), None)
            .await?;
        let day = (i as i64 % 12) + 1;
        edit(store, jordan, c, DocKind::Appointments, move |d| {
            small_circle(d, j, day, i)
        })
        .await?;
        let review = date(if i.is_multiple_of(3) {
            5
        } else {
            40 + i as i64
        });
        edit(store, jordan, c, DocKind::Plan, move |d| {
            d.change(
                j,
                "Set the review date",
                now(),
                &Links::unknown(),
                |p: &mut Plan| {
                    p.review.next_review_date = Some(review);
                    Ok(())
                },
            )
        })
        .await?;
    }
    Ok(sign_in_text())
}

/// The rest of the case manager's caseload (synthetic names).
const CASELOAD: [&str; 19] = [
    "Bailey Ahmed",
    "Casey Novak",
    "Dana Okafor",
    "Eli Brennan",
    "Frankie Silva",
    "Gale Moreau",
    "Harper Quinn",
    "Indi Walsh",
    "Jules Tanaka",
    "Kai Morrison",
    "Lane Petrov",
    "Micah Adeyemi",
    "Noor Haddad",
    "Oakley Fraser",
    "Parker Lindqvist",
    "Quinn Delgado",
    "Reese Kowalski",
    "Sasha Obi",
    "Tatum Reid",
];

/// The demo username of the caseload's `i`th consumer: `client01`, `client02`...
pub fn caseload_user(i: usize) -> String {
    format!("client{:02}", i + 1)
}

/// A small circle's appointments and plan review: one appointment `day` days ahead, and a review
/// date that falls due for every third circle.
fn small_circle(doc: &mut Document, by: MemberId, day: i64, i: usize) -> Result<(), DocError> {
    doc.change(
        by,
        "Added an appointment",
        now(),
        &Links::unknown(),
        |x: &mut Appointments| {
            let a = Appointment {
                purpose: if i.is_multiple_of(2) {
                    "Case management check-in".into()
                } else {
                    "Medication review".into()
                },
                start: local(day, 9 + (i as u32 % 8), 0),
                end: local(day, 10 + (i as u32 % 8), 0),
                zone: DEMO_ZONE.into(),
                place: Place {
                    name: "Northbank Community Mental Health Service".into(),
                    address: "12 River Street, Northbank".into(),
                    ..Default::default()
                },
                created_by: Some(by),
                ..Default::default()
            };
            x.items.insert(a.id.clone(), a);
            Ok(())
        },
    )
}

async fn edit(
    store: &dyn Store,
    who: &Caller,
    circle: CircleId,
    kind: DocKind,
    f: impl FnOnce(&mut Document) -> Result<(), DocError> + Send + 'static,
) -> ApiResult<()> {
    let edit: ServerEdit = Box::new(f);
    store.server_edit(who, circle, kind, edit).await
}

/// Item ids that link the documents together.
#[derive(Clone)]
struct Ids {
    jordan: ItemId,
    psychiatrist: ItemId,
    gp: ItemId,
    peer: ItemId,
    clinic: ItemId,
    housing: ItemId,
    review: ItemId,
    gp_visit: ItemId,
    group: ItemId,
    question: ItemId,
}

impl Ids {
    fn new() -> Self {
        Self {
            jordan: ItemId::random(),
            psychiatrist: ItemId::random(),
            gp: ItemId::random(),
            peer: ItemId::random(),
            clinic: ItemId::random(),
            housing: ItemId::random(),
            review: ItemId::random(),
            gp_visit: ItemId::random(),
            group: ItemId::random(),
            question: ItemId::random(),
        }
    }
}

/// The demo circle's time zone.
const DEMO_ZONE: &str = "Australia/Melbourne";

/// A local date-time `days` from today at `hh:mm` in the demo's zone, with the offset that
/// zone has on that date.
fn local(days: i64, hh: u32, mm: u32) -> String {
    let zone = Zone::named(DEMO_ZONE).unwrap_or(Zone::UTC);
    let today = zone
        .show_instant(now())
        .map(|t| t.date_naive())
        .unwrap_or_else(|| Utc::now().date_naive());
    let time = NaiveTime::from_hms_opt(hh, mm, 0).unwrap_or_default();
    zone.place((today + Duration::days(days)).and_time(time))
        .map(|dt| dt.to_rfc3339())
        .unwrap_or_default()
}

fn date(days: i64) -> String {
    (Utc::now().date_naive() + Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

fn team(doc: &mut Document, by: MemberId, ids: &Ids) -> Result<(), DocError> {
    doc.change(
        by,
        "Added the care team",
        now(),
        &Links::unknown(),
        |t: &mut Team| {
            let orgs = [
                Organisation {
                    id: ids.clinic.clone(),
                    name: "Northbank Community Mental Health Service".into(),
                    service_type: "Public community mental health".into(),
                    phone: "(03) 9000 0100".into(),
                    email: "intake@northbank.example".into(),
                    address: "12 River Street, Northbank".into(),
                    contact_if_something_goes_wrong: "Duty worker (ask for the on-call clinician)"
                        .into(),
                    notes: "Open weekdays 9:00 to 17:00.".into(),
                },
                Organisation {
                    id: ids.housing.clone(),
                    name: "Harbour Housing Support".into(),
                    service_type: "Housing and tenancy support".into(),
                    phone: "(03) 9000 0200".into(),
                    email: "hello@harbourhousing.example".into(),
                    address: "4 Quay Lane, Harbourside".into(),
                    contact_if_something_goes_wrong: "Team leader, Mina".into(),
                    notes: String::new(),
                },
            ];
            for o in orgs {
                t.organisations.insert(o.id.clone(), o);
            }
            let people = [
                (
                    &ids.jordan,
                    "Jordan Lee",
                    "Case manager",
                    Some(&ids.clinic),
                    "(03) 9000 0111",
                    "Mon to Fri 9:00 to 17:00",
                    true,
                    true,
                ),
                (
                    &ids.psychiatrist,
                    "Dr Priya Raman",
                    "Psychiatrist",
                    Some(&ids.clinic),
                    "(03) 9000 0122",
                    "Tuesdays and Thursdays",
                    false,
                    true,
                ),
                (
                    &ids.gp,
                    "Dr Tom Nguyen",
                    "General practitioner",
                    None,
                    "(03) 9000 0333",
                    "Mon to Sat",
                    false,
                    false,
                ),
                (
                    &ids.peer,
                    "Riley Chen",
                    "Peer support worker",
                    Some(&ids.housing),
                    "(03) 9000 0222",
                    "Wednesdays",
                    true,
                    false,
                ),
            ];
            t.supports.supports =
                "Sam (brother) visits twice a week; peer support on Wednesdays.".into();
            t.supports.respite = "Sam has a break one weekend a month; a friend covers.".into();
            t.service_contact = ServiceContact {
                name: "Northbank Community Mental Health Service, intake".into(),
                phone: "(03) 9000 0100".into(),
                hours: "Weekdays 9:00 to 17:00; the on-call clinician after hours".into(),
                notes: "If there is no current case manager, ask intake for the duty worker."
                    .into(),
            };
            for (id, name, title, org, phone, hours, urgent, informed) in people {
                let m = TeamMember {
                    id: id.clone(),
                    name: name.into(),
                    role_title: title.into(),
                    organisation_id: org.cloned(),
                    phone: phone.into(),
                    email: format!(
                        "{}@example.org",
                        name.split(' ').next_back().unwrap_or("team").to_lowercase()
                    ),
                    hours: hours.into(),
                    contact_if_something_goes_wrong: urgent,
                    informed_of_changes: informed,
                    ..Default::default()
                };
                t.members.insert(m.id.clone(), m);
            }
            Ok(())
        },
    )
}

fn appointments(doc: &mut Document, by: MemberId, ids: &Ids) -> Result<(), DocError> {
    doc.change(
        by,
        "Added appointments",
        now(),
        &Links::unknown(),
        |x: &mut Appointments| {
            let list = [
                Appointment {
                    id: ids.review.clone(),
                    purpose: "Medication review".into(),
                    start: local(0, 15, 30),
                    end: local(0, 16, 15),
                    zone: DEMO_ZONE.into(),
                    place: Place {
                        name: "Northbank Community Mental Health Service".into(),
                        address: "12 River Street, Northbank".into(),
                        telehealth_url: String::new(),
                    },
                    with_team: vec![ids.psychiatrist.clone(), ids.jordan.clone()],
                    status: AppointmentStatus::Confirmed,
                    written_details_requested: true,
                    written_details_received: true,
                    support_person: "Sam".into(),
                    transport: "Sam drives; parking behind the clinic".into(),
                    question_ids: vec![ids.question.clone()],
                    created_by: Some(by),
                    ..Default::default()
                },
                Appointment {
                    id: ids.gp_visit.clone(),
                    purpose: "Blood test results".into(),
                    start: local(1, 9, 0),
                    end: local(1, 9, 20),
                    zone: DEMO_ZONE.into(),
                    place: Place {
                        name: "Northbank Family Practice".into(),
                        address: "88 High Street, Northbank".into(),
                        telehealth_url: String::new(),
                    },
                    with_team: vec![ids.gp.clone()],
                    status: AppointmentStatus::Scheduled,
                    written_details_requested: true,
                    transport: "Bus 12".into(),
                    created_by: Some(by),
                    ..Default::default()
                },
                Appointment {
                    id: ids.group.clone(),
                    purpose: "Tenancy check-in (video call)".into(),
                    start: local(6, 11, 0),
                    end: local(6, 11, 45),
                    zone: DEMO_ZONE.into(),
                    place: Place {
                        name: "Video call".into(),
                        address: String::new(),
                        telehealth_url: "https://telehealth.example/room/harbour-4".into(),
                    },
                    with_team: vec![ids.peer.clone()],
                    status: AppointmentStatus::Scheduled,
                    created_by: Some(by),
                    ..Default::default()
                },
            ];
            for mut a in list {
                if a.id == ids.review {
                    a.mark_double_checked(by, now());
                }
                x.items.insert(a.id.clone(), a);
            }
            Ok(())
        },
    )
}

fn questions(doc: &mut Document, by: MemberId, ids: &Ids) -> Result<(), DocError> {
    doc.change(
        by,
        "Added questions",
        now(),
        &Links::unknown(),
        |x: &mut Questions| {
            let list = [
                Question {
                    id: ids.question.clone(),
                    text: "Can I take the new tablet in the morning instead of at night?".into(),
                    asked_by: Some(by),
                    created_at: now(),
                    for_appointment: Some(ids.review.clone()),
                    ..Default::default()
                },
                Question {
                    text: "Who will be told if my appointment time changes?".into(),
                    asked_by: Some(by),
                    created_at: now(),
                    for_team_member: Some(ids.jordan.clone()),
                    ..Default::default()
                },
            ];
            for q in list {
                x.items.insert(q.id.clone(), q);
            }
            Ok(())
        },
    )
}

fn plan(doc: &mut Document, by: MemberId, ids: &Ids) -> Result<(), DocError> {
    doc.change(
        by,
        "Wrote the plan",
        now(),
        &Links::unknown(),
        |p: &mut Plan| {
            let done = |summary: &str| AssessmentSection {
                done_on: Some(date(-30)),
                done_by: "Jordan Lee".into(),
                summary: summary.into(),
            };
            p.assessment.mental_state =
                done("Mood lower in the evenings; thinking clear; no current plans to harm self.");
            p.assessment.physical =
                done("Blood pressure normal. Blood test ordered to check medication levels.");
            p.assessment.substance_use = done("Alcohol on weekends; would like to cut down.");
            p.assessment.need_for_services =
                done("Ongoing case management and housing support for the next six months.");
            p.areas.emotional_wellbeing = AssessmentArea {
                status: AreaStatus::SupportNeeded,
                notes: "Evenings are hardest.".into(),
            };
            p.areas.stress_and_illness = AssessmentArea {
                status: AreaStatus::Discussed,
                notes: "Walking helps.".into(),
            };
            p.areas.daily_living_skills = AssessmentArea {
                status: AreaStatus::Discussed,
                notes: String::new(),
            };
            p.areas.income_and_housing = AssessmentArea {
                status: AreaStatus::SupportNeeded,
                notes: "Lease renewal due in March.".into(),
            };
            let goals = [
                Goal {
                    life_area: LifeArea::WorkLeisureEducation,
                    goal: "Go back to the Saturday pottery class".into(),
                    strategies: vec![
                        "Book a trial class".into(),
                        "Ask Sam to come along the first time".into(),
                    ],
                    who_involved: vec!["Alex".into(), "Sam".into(), "Riley (peer support)".into()],
                    status: GoalStatus::InProgress,
                    progress: "Trial class booked.".into(),
                    created_by: Some(by),
                    ..Default::default()
                },
                Goal {
                    life_area: LifeArea::IncomeAndHousing,
                    goal: "Keep my flat when the lease is renewed".into(),
                    strategies: vec![
                        "Meet Harbour Housing monthly".into(),
                        "Set up rent reminders".into(),
                    ],
                    who_involved: vec!["Alex".into(), "Harbour Housing Support".into()],
                    status: GoalStatus::NotStarted,
                    created_by: Some(by),
                    ..Default::default()
                },
            ];
            for g in goals {
                p.goals.insert(g.id.clone(), g);
            }
            p.review.next_review_date = Some(date(10));
            let past = PastReview {
                date: date(-90),
                what_worked: "Weekly check-ins with Jordan.".into(),
                changes: "Added the housing goal.".into(),
                goals_met_and_service_needed: "Still needs the service.".into(),
                ..Default::default()
            };
            p.review.past.insert(past.id.clone(), past);
            p.treatment_summary =
                "Medication reviewed every three months with Dr Raman; weekly case management."
                    .into();
            p.crisis.warning_signs = "Not sleeping for two nights; stopping meals.".into();
            p.crisis.what_helps = "A quiet room, a walk with Sam, calling Jordan early.".into();
            p.crisis.who_to_contact = vec![ids.jordan.clone(), ids.peer.clone()];
            p.crisis.other_contacts =
                "After hours: the service's on-call line, (03) 9000 0199.".into();
            p.children.dependent_children = "None.".into();
            Ok(())
        },
    )
}

fn notes(doc: &mut Document, by: MemberId, ids: &Ids) -> Result<(), DocError> {
    doc.change(
        by,
        "Added notes",
        now(),
        &Links::unknown(),
        |n: &mut Notes| {
            let list = [
                Note {
                    author: Some(by),
                    written_at: Timestamp(now().millis() - 2 * 86_400_000),
                    text: "Alex slept better after the walk on Sunday.".into(),
                    ..Default::default()
                },
                Note {
                    author: Some(by),
                    written_at: now(),
                    text: "Pharmacy said the new script is ready to collect after the review."
                        .into(),
                    appointment_id: Some(ids.review.clone()),
                    ..Default::default()
                },
            ];
            for note in list {
                n.items.insert(note.id.clone(), note);
            }
            let info = Information {
                added_by: Some(by),
                added_at: now(),
                title: "Better Health Channel: mental health services and case managers".into(),
                link: "https://www.betterhealth.vic.gov.au/health/servicesandsupport/mental-health-services-case-managers".into(),
                note: "What a case manager does, the plan, reviews and ending involvement.".into(),
                ..Default::default()
            };
            n.information.insert(info.id.clone(), info);
            Ok(())
        },
    )
}
