//! Today, in order of use: today's appointments and what needs attention first, then the next
//! appointment's questions and what is coming up, then who to call (always one tap away in the
//! header too); a case manager's most pressing circles above it all.

use dioxus::prelude::*;

use crate::ops::attention::Reminder;
use crate::ui::format;
use crate::ui::model::Screen;
use crate::ui::screens::appointments::AppointmentCard;
use crate::ui::screens::caseload::CaseloadItem;
use crate::ui::screens::start::JoinOrCreate;
use crate::ui::screens::team::WhoToCall;
use crate::ui::widgets::{Empty, GoTo, Section, use_snapshot};

/// The home screen.
#[component]
pub fn Today() -> Element {
    let snap = use_snapshot();
    let s = snap.read();
    let Some(c) = s.circle.clone() else {
        return rsx! {
            h1 { "Welcome, {s.my_name}" }
            Section { title: "You are not in a circle yet",
                p { "Ask the person the circle is for, or their case manager, for an invite code. Or start a circle." }
                JoinOrCreate {}
            }
        };
    };
    let caseload: Vec<_> = s.caseload.iter().take(3).cloned().collect();
    let circles = s.caseload.len();
    let changes = c.feed.len();
    let zone = s.zone;
    let shown = c.summary.id;
    let appts = c.appointments.clone().unwrap_or_default();
    let questions = c.questions.clone().unwrap_or_default();
    let title_of = |id: &carecircle_shared::ItemId| {
        appts
            .items
            .get(id)
            .map(|a| a.purpose.clone())
            .unwrap_or_else(|| "an appointment".into())
    };
    // Conflicts first: until someone picks, the record shows one side without saying so.
    let clashes = c.conflicts.iter().map(|(kind, x)| {
        let item = match (kind, x.path.as_slice()) {
            (carecircle_shared::DocKind::Appointments, [items, id, ..]) if items == "items" => {
                Some(carecircle_shared::ItemId::from(id.as_str()))
            }
            _ => None,
        };
        match item {
            Some(id) => (
                format!(
                    "Two people changed “{}” at the same time: pick the one to keep.",
                    title_of(&id)
                ),
                Some(Screen::Appointment(id)),
            ),
            None => (
                format!(
                    "Two people changed the same thing in the {} at the same time: pick the one to keep.",
                    kind.label().to_lowercase()
                ),
                Some(Screen::Changes),
            ),
        }
    });
    let reminders: Vec<(String, Option<Screen>)> = clashes
        .chain(c.reminders.iter().map(|r| match r {
            Reminder::NotDoubleChecked(id) => (
                format!(
                    "Double-check “{}”: nobody has confirmed it yet.",
                    title_of(id)
                ),
                Some(Screen::Appointment(id.clone())),
            ),
            Reminder::ChangedSinceDoubleCheck(id) => (
                format!(
                    "Double-check “{}” again: its time or place changed since it was confirmed.",
                    title_of(id)
                ),
                Some(Screen::Appointment(id.clone())),
            ),
            Reminder::NoWrittenDetails(id) => (
                format!("No written details yet for “{}”.", title_of(id)),
                Some(Screen::Appointment(id.clone())),
            ),
            Reminder::OpenQuestions {
                appointment,
                questions: qs,
            } => (
                format!(
                    "{} question{} to ask at “{}”.",
                    qs.len(),
                    if qs.len() == 1 { "" } else { "s" },
                    title_of(appointment)
                ),
                Some(Screen::Appointment(appointment.clone())),
            ),
            Reminder::PlanReviewSoon { date } => (
                format!("The plan is due for review on {date}."),
                Some(Screen::Plan),
            ),
        }))
        .collect();
    let next_questions: Vec<_> = c
        .agenda
        .today
        .iter()
        .chain(c.agenda.upcoming.iter())
        .next()
        .map(|a| {
            questions
                .open_for_appointment(&a.id)
                .into_iter()
                .cloned()
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let upcoming: Vec<_> = c.agenda.upcoming.iter().take(3).cloned().collect();
    let today = c.agenda.today.clone();
    let has_appts = c.appointments.is_some();
    drop(s);
    rsx! {
        h1 { "Today" }
        if !caseload.is_empty() {
            Section { title: "Your caseload",
                p { class: "row-sub", "Most pressing first." }
                ul { class: "list caseload",
                    for r in caseload { CaseloadItem { key: "{r.id}", current: r.id == shown, row: r.clone() } }
                }
                GoTo { to: Screen::Caseload, label: "All {circles} circles" }
            }
        }
        Section { title: "Today's appointments",
            if !has_appts {
                Empty { text: "Appointments are not shared with you in this circle." }
            } else if today.is_empty() {
                Empty { text: "No appointments today." }
            } else {
                for a in today {
                    AppointmentCard { key: "{a.id}", a, zone }
                }
            }
        }
        Section { title: "Needs attention",
            if reminders.is_empty() && changes == 0 {
                Empty { text: "Nothing needs attention right now." }
            }
            ul { class: "list",
                for (i, (text, to)) in reminders.into_iter().enumerate() {
                    li { key: "{i}", class: "reminder",
                        p { "{text}" }
                        if let Some(to) = to {
                            GoTo { to, label: "Open", class: "button small secondary" }
                        }
                    }
                }
                if changes > 0 {
                    li { class: "reminder",
                        p { if changes == 1 { "1 change by someone else since you last looked." } else { "{changes} changes by others since you last looked." } }
                        GoTo { to: Screen::Changes, label: "See what changed", class: "button small secondary" }
                    }
                }
            }
        }
        if !next_questions.is_empty() {
            Section { title: "Questions for the next appointment",
                ul { class: "list",
                    for q in next_questions {
                        li { key: "{q.id}", "{q.text}" }
                    }
                }
            }
        }
        Section { title: "Coming up",
            if upcoming.is_empty() {
                Empty { text: "Nothing booked after today." }
            } else {
                for a in upcoming {
                    AppointmentCard { key: "{a.id}", a, zone }
                }
            }
            GoTo { to: Screen::Appointments, label: "All appointments" }
        }
        WhoToCall { compact: true }
        p { class: "fineprint", "Last looked at {format::when(snap.read().now, zone)}." }
    }
}
