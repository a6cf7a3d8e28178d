//! Appointments: the list by day, one appointment in full (double-check, written details,
//! questions, history, conflicts), and the add / edit form.

use carecircle_shared::schema::{Appointment, AppointmentStatus, Appointments, DocSchema, Place};
use carecircle_shared::time::{Zone, parse_datetime};
use carecircle_shared::{DocKind, ItemId, Links};
use dioxus::prelude::*;

use crate::ui::control::{Action, Edited};
use crate::ui::format;
use crate::ui::model::{Screen, Written};
use crate::ui::screens::changes::{ConflictList, History};
use crate::ui::widgets::{
    Choice, Confirm, Empty, Field, GoTo, NotShared, Section, TextField, WillBeInformed, use_screen,
    use_snapshot,
};

/// One appointment as a tappable card.
#[component]
pub fn AppointmentCard(a: Appointment, zone: Zone) -> Element {
    let mut screen = use_screen();
    let id = a.id.clone();
    let clash = use_snapshot()
        .read()
        .circle
        .as_ref()
        .is_some_and(|c| c.has_conflict(DocKind::Appointments, &a.id));
    let place = if a.place.telehealth_url.is_empty() {
        a.place.name.clone()
    } else {
        "Telehealth".to_string()
    };
    rsx! {
        button { r#type: "button", class: "row appointment",
            onclick: move |_| screen.set(Screen::Appointment(id.clone())),
            span { class: "row-title", "{a.purpose}" }
            span { class: "row-sub", "{format::appointment_time(&a, zone)}" }
            if !place.is_empty() { span { class: "row-sub", "{place}" } }
            span { class: "badges",
                if clash {
                    span { class: "badge warn", "Two people changed this" }
                }
                if a.status != AppointmentStatus::Scheduled {
                    span { class: "badge", "{a.status.label()}" }
                }
                if a.is_double_checked() {
                    span { class: "badge ok", "Double-checked" }
                } else if a.is_active() && a.changed_since_double_check() {
                    span { class: "badge warn", "Changed since double-checked" }
                } else if a.is_active() {
                    span { class: "badge warn", "Not double-checked" }
                }
            }
        }
    }
}

/// All appointments, grouped by day, soonest first; past ones after.
#[component]
pub fn AppointmentList() -> Element {
    let snap = use_snapshot();
    let actions = use_coroutine_handle::<Action>();
    let s = snap.read();
    let zone = s.zone;
    let Some(appts) = s.circle.as_ref().and_then(|c| c.appointments.clone()) else {
        return rsx! { h1 { "Appointments" } NotShared { what: "appointments list" } };
    };
    let now = s.now;
    let can_write = s
        .circle
        .as_ref()
        .is_some_and(|c| c.can_write(DocKind::Appointments));
    drop(s);
    let mut coming: Vec<&Appointment> = appts.upcoming(now);
    coming.sort_by_key(|a| a.start_time());
    let mut past: Vec<&Appointment> = appts
        .items
        .values()
        .filter(|a| !coming.iter().any(|c| c.id == a.id))
        .collect();
    past.sort_by_key(|a| std::cmp::Reverse(a.start_time()));
    let mut days: Vec<(String, Vec<Appointment>)> = Vec::new();
    for a in coming {
        let d = format::day(a, zone);
        match days.last_mut() {
            Some((day, list)) if *day == d => list.push(a.clone()),
            _ => days.push((d, vec![a.clone()])),
        }
    }
    let past: Vec<Appointment> = past.into_iter().take(20).cloned().collect();
    rsx! {
        h1 { "Appointments" }
        div { class: "actions",
            if can_write { GoTo { to: Screen::AppointmentForm(None), label: "Add an appointment", class: "button" } }
            button { r#type: "button", class: "button secondary",
                onclick: move |_| actions.send(Action::DownloadIcs), "Download for your calendar (.ics)" }
        }
        if days.is_empty() {
            Empty { text: "No appointments coming up." }
        }
        for (day, list) in days {
            Section { key: "{day}", title: day.clone(),
                for a in list { AppointmentCard { key: "{a.id}", a, zone } }
            }
        }
        if !past.is_empty() {
            Section { title: "Earlier and cancelled",
                for a in past { AppointmentCard { key: "{a.id}", a, zone } }
            }
        }
    }
}

/// One appointment in full.
#[component]
pub fn AppointmentDetail(id: ItemId) -> Element {
    let snap = use_snapshot();
    let actions = use_coroutine_handle::<Action>();
    let question = use_signal(String::new);
    let new_start = use_signal(String::new);
    let new_end = use_signal(String::new);
    let mut rescheduling = use_signal(|| false);
    let s = snap.read();
    let zone = s.zone;
    let Some(c) = s.circle.clone() else {
        return rsx! { NotShared { what: "appointment" } };
    };
    let mut move_problem = use_signal(|| None::<&'static str>);
    let Some(a) = c.appointment(&id) else {
        return rsx! {
            h1 { "Appointment" }
            NotShared { what: "appointment" }
            GoTo { to: Screen::Appointments, label: "Back to appointments" }
        };
    };
    let people = c.team_people(&a.with_team);
    let linked = c.questions_for(&a);
    let checked = a
        .double_checked_at
        .filter(|_| a.is_double_checked())
        .map(|at| {
            format!(
                "Double-checked by {} on {}",
                s.name_of(a.double_checked_by),
                format::when(at, zone)
            )
        });
    let stale = a
        .double_checked_at
        .filter(|_| a.changed_since_double_check())
        .map(|at| {
            format!(
                "The time or place changed since {} double-checked it on {}. Please double-check it again.",
                s.name_of(a.double_checked_by),
                format::when(at, zone)
            )
        });
    let history = c
        .history
        .get(&DocKind::Appointments)
        .cloned()
        .unwrap_or_default();
    let prefix = vec!["items".to_string(), a.id.as_str().to_string()];
    let map = if a.place.address.is_empty() {
        None
    } else {
        Some(format!(
            "https://www.openstreetmap.org/search?query={}",
            a.place.address.replace(' ', "+")
        ))
    };
    drop(s);
    let (id1, id2, id3, id4, id5, id6) = (
        a.id.clone(),
        a.id.clone(),
        a.id.clone(),
        a.id.clone(),
        a.id.clone(),
        a.id.clone(),
    );
    let (req, rec) = (a.written_details_requested, a.written_details_received);
    let can_write = c.can_write(DocKind::Appointments);
    let can_ask = c.can_write(DocKind::Questions);
    let place_zone = format::zone_of(&a, zone);
    rsx! {
        h1 { "{a.purpose}" }
        p { class: "lead", "{format::appointment_time(&a, zone)}" }
        p { span { class: "badge", "{a.status.label()}" }
            if let Some(from) = &a.rescheduled_from { " Moved from {format::to_input(from, zone).replace('T', \" \")}" }
        }
        ConflictList { kind: Some(DocKind::Appointments), prefix }
        Section { title: "Double-check",
            if let Some(text) = checked {
                p { class: "ok", "✓ {text}" }
            } else if let Some(text) = stale {
                p { class: "warn", role: "status", "{text}" }
            } else {
                p { "Nobody has double-checked this appointment with the service yet." }
            }
            if can_write {
                button { r#type: "button", class: "button",
                    onclick: move |_| actions.send(Action::DoubleCheck(id1.clone())),
                    "I have double-checked it" }
            }
        }
        Section { title: "Where",
            if !a.place.name.is_empty() { p { "{a.place.name}" } }
            if !a.place.address.is_empty() { p { "{a.place.address}" } }
            if let Some(map) = map { a { class: "button secondary", href: "{map}", target: "_blank", rel: "noopener", "Open the address in a map" } }
            if !a.place.telehealth_url.is_empty() {
                a { class: "button secondary", href: "{a.place.telehealth_url}", target: "_blank", rel: "noopener", "Join the telehealth call" }
            }
        }
        Section { title: "Who",
            if people.is_empty() { Empty { text: "No care team members listed." } }
            ul { class: "list", for p in people { li { key: "{p}", "{p}" } } }
            if !a.support_person.is_empty() { p { "Support person: {a.support_person}" } }
            if !a.transport.is_empty() { p { "Getting there: {a.transport}" } }
            if !a.notes.is_empty() { p { "{a.notes}" } }
        }
        Section { title: "Details in writing",
            p { if rec { "Received in writing." } else if req { "Asked for in writing; not received yet." } else { "Not asked for in writing yet." } }
            if can_write { div { class: "actions",
                if !req {
                    button { r#type: "button", class: "button secondary",
                        onclick: move |_| actions.send(Action::WrittenDetails { id: id2.clone(), requested: true, received: rec }),
                        "I have asked for them in writing" }
                }
                if !rec {
                    button { r#type: "button", class: "button secondary",
                        onclick: move |_| actions.send(Action::WrittenDetails { id: id3.clone(), requested: true, received: true }),
                        "They arrived in writing" }
                }
            } }
        }
        Section { title: "Questions to ask",
            if linked.is_empty() { Empty { text: "No questions for this appointment yet." } }
            ul { class: "list",
                for q in linked { li { key: "{q.id}", "{q.text} ", span { class: "badge", "{q.status.label()}" } } }
            }
            if can_ask { form { onsubmit: move |e: FormEvent| {
                    e.prevent_default();
                    let text = question();
                    if !text.trim().is_empty() {
                        actions.send(Action::AddQuestion { text, appointment: Some(id4.clone()), person: None });
                        let mut q = question;
                        q.set(String::new());
                    }
                },
                Field { id: "appt-question", label: "Add a question for this appointment", value: question }
                button { r#type: "submit", class: "button", "Add question" }
            } }
        }
        if can_write { Section { title: "Change it",
            div { class: "actions",
                GoTo { to: Screen::AppointmentForm(Some(a.id.clone())), label: "Edit details" }
                button { r#type: "button", class: "button secondary", onclick: move |_| rescheduling.set(true), "Reschedule" }
                if a.is_active() {
                    Confirm { label: "Cancel appointment", question: "Cancel “{a.purpose}”? Everyone in the circle will see it as cancelled.",
                        yes: "Yes, cancel it", on_yes: move |_| actions.send(Action::CancelAppointment(id5.clone())) }
                }
                GoTo { to: Screen::Written(Written::Appointment(a.id.clone())), label: "Written copy to print" }
            }
            if rescheduling() {
                form { onsubmit: move |e: FormEvent| {
                        e.prevent_default();
                        match (format::from_input(&new_start(), place_zone), format::from_input(&new_end(), place_zone)) {
                            (Ok(start), Ok(end)) if parse_datetime(&end) < parse_datetime(&start) => move_problem.set(Some("The end is before the start.")),
                            (Ok(start), Ok(end)) => {
                                move_problem.set(None);
                                actions.send(Action::Reschedule { id: id6.clone(), start, end });
                                rescheduling.set(false);
                            }
                            (Err(e), _) | (_, Err(e)) => move_problem.set(Some(format::time_problem(e))),
                        }
                    },
                    if let Some(p) = move_problem() { p { class: "error", role: "alert", "{p}" } }
                    p { class: "fineprint", "Times are {place_zone.city()} time." }
                    Field { id: "new-start", label: "New start", value: new_start, kind: "datetime-local" }
                    Field { id: "new-end", label: "New end", value: new_end, kind: "datetime-local" }
                    WillBeInformed { kind: DocKind::Appointments }
                    button { r#type: "submit", class: "button", "Move the appointment" }
                }
            }
        } }
        if !can_write {
            GoTo { to: Screen::Written(Written::Appointment(a.id.clone())), label: "Written copy to print" }
        }
        History { entries: history, title: "History of appointments" }
    }
}

/// Add (id None) or edit an appointment.
#[component]
pub fn AppointmentForm(id: Option<ItemId>) -> Element {
    let snap = use_snapshot();
    let actions = use_coroutine_handle::<Action>();
    let mut screen = use_screen();
    let s = snap.read();
    let zone = s.zone;
    let existing = id.as_ref().and_then(|i| {
        s.circle
            .as_ref()?
            .appointments
            .as_ref()?
            .items
            .get(i)
            .cloned()
    });
    let team: Vec<(ItemId, String)> = s
        .circle
        .as_ref()
        .and_then(|c| c.team.as_ref())
        .map(|t| {
            t.members
                .values()
                .map(|m| (m.id.clone(), m.name.clone()))
                .collect()
        })
        .unwrap_or_default();
    drop(s);
    let base = existing.clone().unwrap_or_default();
    let entry_zone = format::zone_of(&base, zone);
    let zones = format::zone_choices(&[entry_zone, zone]);
    let zone_name = use_signal(|| entry_zone.name().to_string());
    let purpose = use_signal(|| base.purpose.clone());
    let start = use_signal(|| format::to_input(&base.start, entry_zone));
    let end = use_signal(|| format::to_input(&base.end, entry_zone));
    let place = use_signal(|| base.place.name.clone());
    let address = use_signal(|| base.place.address.clone());
    let url = use_signal(|| base.place.telehealth_url.clone());
    let support = use_signal(|| base.support_person.clone());
    let transport = use_signal(|| base.transport.clone());
    let notes = use_signal(|| base.notes.clone());
    let status = use_signal(|| base.status.as_str().to_string());
    let mut with = use_signal(|| base.with_team.clone());
    // What is wrong, and the form field it is about (None: the form as a whole).
    let mut problem = use_signal(|| None::<(Option<&'static str>, String)>);
    let editing = existing.is_some();
    let statuses: Vec<(String, String)> = AppointmentStatus::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), s.label().to_string()))
        .collect();
    // Says what is wrong beside its field and takes the person there.
    let mut fail = move |field: Option<&'static str>, text: String| {
        if let Some(f) = field {
            crate::ui::platform::focus(f);
        }
        problem.set(Some((field, text)));
    };
    let save = move |e: FormEvent| {
        e.prevent_default();
        let chosen = Zone::named(&zone_name()).unwrap_or(entry_zone);
        let (st, en) = match (
            format::from_input(&start(), chosen),
            format::from_input(&end(), chosen),
        ) {
            (Ok(st), Ok(en)) => (st, en),
            (Err(e), _) => {
                fail(Some("start"), format::time_problem(e).into());
                return;
            }
            (_, Err(e)) => {
                fail(Some("end"), format::time_problem(e).into());
                return;
            }
        };
        if parse_datetime(&en) < parse_datetime(&st) {
            fail(Some("end"), "The end is before the start.".into());
            return;
        }
        if purpose().trim().is_empty() {
            fail(
                Some("purpose"),
                "Please say what the appointment is for.".into(),
            );
            return;
        }
        let mut a = base.clone();
        if a.id.as_str().is_empty() {
            a.id = ItemId::random();
        }
        a.purpose = purpose().trim().to_string();
        a.start = st;
        a.end = en;
        a.zone = chosen.name().to_string();
        a.place = Place {
            name: place(),
            address: address(),
            telehealth_url: url(),
        };
        a.support_person = support();
        a.transport = transport();
        a.notes = notes();
        a.with_team = with();
        a.status = AppointmentStatus::parse(&status()).unwrap_or_default();
        // The shared rules, before anything is sent: on a problem the form and its text stay.
        let alone = Appointments {
            items: [(a.id.clone(), a.clone())].into(),
            ..Appointments::default()
        };
        if let Err(e) = alone.validate_change(&Appointments::default(), &Links::unknown()) {
            fail(e.field().and_then(form_field), e.plain());
            return;
        }
        problem.set(None);
        let id = a.id.clone();
        actions.send(Action::SaveAppointment(Box::new(Edited {
            opened: base.clone(),
            saved: a,
        })));
        screen.set(Screen::Appointment(id));
    };
    let error_for = move |field: &str| match problem() {
        Some((Some(f), p)) if f == field => Some(p),
        _ => None,
    };
    rsx! {
        h1 { if editing { "Edit appointment" } else { "Add an appointment" } }
        form { class: "card", onsubmit: save,
            // A problem with no field of its own is said at the top.
            if let Some((None, p)) = problem() { p { class: "error", role: "alert", "{p}" } }
            Field { id: "purpose", label: "What is it for?", value: purpose, error: error_for("purpose") }
            Field { id: "start", label: "Starts", value: start, kind: "datetime-local", error: error_for("start") }
            Field { id: "end", label: "Ends", value: end, kind: "datetime-local", error: error_for("end") }
            Choice { id: "zone", label: "Time zone of these times", value: zone_name, options: zones }
            Field { id: "place", label: "Place", value: place, error: error_for("place") }
            Field { id: "address", label: "Address", value: address, error: error_for("address") }
            Field { id: "telehealth", label: "Telehealth link (if it is a video call)", value: url, kind: "url", error: error_for("telehealth") }
            fieldset {
                legend { "Care team members at this appointment" }
                if team.is_empty() { Empty { text: "No care team members yet." } }
                for (tid, name) in team {
                    div { key: "{tid}", class: "check",
                        input {
                            id: "with-{tid}",
                            r#type: "checkbox",
                            checked: with.read().contains(&tid),
                            onchange: {
                                let tid = tid.clone();
                                move |e: FormEvent| {
                                    let mut w = with.write();
                                    w.retain(|x| *x != tid);
                                    if e.checked() { w.push(tid.clone()); }
                                }
                            },
                        }
                        label { r#for: "with-{tid}", "{name}" }
                    }
                }
            }
            Choice { id: "status", label: "Status", value: status, options: statuses }
            Field { id: "support", label: "Support person coming along", value: support, error: error_for("support") }
            Field { id: "transport", label: "Getting there", value: transport, error: error_for("transport") }
            TextField { id: "appt-notes", label: "Anything else", value: notes, error: error_for("appt-notes") }
            div { class: "actions",
                WillBeInformed { kind: DocKind::Appointments }
                button { r#type: "submit", class: "button", "Save" }
                GoTo { to: Screen::Appointments, label: "Back without saving" }
            }
        }
    }
}

/// The appointment form's field for a field named in a validation error (None: not on the form).
fn form_field(field: &str) -> Option<&'static str> {
    Some(match field {
        "purpose" => "purpose",
        "start" => "start",
        "end" => "end",
        "place.name" => "place",
        "place.address" => "address",
        "place.telehealth_url" => "telehealth",
        "support_person" => "support",
        "transport" => "transport",
        "notes" => "appt-notes",
        _ => return None,
    })
}
