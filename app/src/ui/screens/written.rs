//! Written copies: print-friendly pages for the whole plan (with crisis contacts, reviews,
//! referrals and ending) and for one appointment (time with its zone, place, with whom, purpose,
//! double-check, questions); printed, or saved as a file to share.

use dioxus::prelude::*;

use crate::ui::format;
use crate::ui::model::{Screen, Written};
use crate::ui::platform;
use crate::ui::widgets::{NotShared, use_screen, use_snapshot};

/// A print-friendly copy; the browser's print produces a clean page.
#[component]
pub fn WrittenScreen(what: Written) -> Element {
    let mut snap = use_snapshot();
    let mut screen = use_screen();
    let s = snap.read();
    let zone = s.zone;
    let Some(c) = s.circle.clone() else {
        return rsx! { NotShared { what: "record" } };
    };
    let printed = format!("Printed from CareCircle on {}", format::when(s.now, zone));
    let my_name = s.my_name.clone();
    drop(s);
    let back = match &what {
        Written::Plan => Screen::Plan,
        Written::Appointment(id) => Screen::Appointment(id.clone()),
    };
    let what_file = what.clone();
    let body = match what {
        Written::Plan => {
            let Some(p) = c.plan.clone() else {
                return rsx! { NotShared { what: "plan" } };
            };
            let mut goals: Vec<_> = p.goals.values().cloned().collect();
            goals.sort_by_key(|g| g.life_area);
            let crisis_people = c.team_people(&p.crisis.who_to_contact);
            let mut reviews: Vec<_> = p.review.past.values().cloned().collect();
            reviews.sort_by(|a, b| b.date.cmp(&a.date));
            let referrals: Vec<_> = p.ending.referrals.values().cloned().collect();
            let a = &p.assessment;
            let assessment: Vec<(&str, (String, String))> = [
                ("Mental state examination", &a.mental_state),
                ("Physical examination", &a.physical),
                ("Co-occurring alcohol and other drug use", &a.substance_use),
                ("Need for services", &a.need_for_services),
            ]
            .into_iter()
            .map(|(t, x)| {
                let when = match (&x.done_on, x.done_by.is_empty()) {
                    (Some(d), false) => format!("Done on {d} by {}", x.done_by),
                    (Some(d), true) => format!("Done on {d}"),
                    (None, false) => format!("By {}", x.done_by),
                    (None, true) => "Not done yet".into(),
                };
                (t, (when, x.summary.clone()))
            })
            .collect();
            let supports = c
                .team
                .as_ref()
                .map(|t| t.supports.clone())
                .unwrap_or_default();
            let e = p.ending.clone();
            let letter = match (
                &e.completion_letter_sent_on,
                e.completion_letter_sent_by.is_empty(),
            ) {
                (Some(d), false) => format!(
                    "Completion letter sent on {d} by {}.",
                    e.completion_letter_sent_by
                ),
                (Some(d), true) => format!("Completion letter sent on {d}."),
                (None, _) => "No completion letter sent yet.".into(),
            };
            rsx! {
                h1 { "Individual service plan — {c.summary.name}" }
                h2 { "Assessment" }
                dl {
                    for (title, part) in assessment {
                        dt { key: "{title}", "{title}" }
                        dd { p { "{part.0}" } if !part.1.is_empty() { p { "{part.1}" } } }
                    }
                }
                h2 { "Goals" }
                for g in goals {
                    div { key: "{g.id}", class: "print-block",
                        h3 { "{g.goal}" }
                        p { "{g.life_area.label()} · {g.status.label()}" }
                        ul { for s in g.strategies.iter() { li { key: "{s}", "{s}" } } }
                        if !g.who_involved.is_empty() { p { "Who is involved: {g.who_involved.join(\", \")}" } }
                        if !g.progress.is_empty() { p { "Progress: {g.progress}" } }
                    }
                }
                h2 { "Areas of life" }
                dl {
                    for (area, a) in p.areas.iter() {
                        dt { key: "{area}", "{area.label()}" }
                        dd { "{a.status.label()}" if !a.notes.is_empty() { " — {a.notes}" } }
                    }
                }
                h2 { "Review" }
                p { "Next review: {p.review.next_review_date.clone().unwrap_or_else(|| \"not set\".into())}" }
                for r in reviews {
                    div { key: "{r.id}", class: "print-block",
                        h3 { "Review on {r.date}" }
                        if !r.what_worked.is_empty() { p { "What worked: {r.what_worked}" } }
                        if !r.changes.is_empty() { p { "What changed: {r.changes}" } }
                        if !r.goals_met_and_service_needed.is_empty() { p { "Goals met and services still needed: {r.goals_met_and_service_needed}" } }
                    }
                }
                h2 { "If things get difficult" }
                p { "Early warning signs: {p.crisis.warning_signs}" }
                p { "What helps: {p.crisis.what_helps}" }
                h3 { "Who to contact" }
                if crisis_people.is_empty() { p { "Nobody named in the plan yet." } }
                ul { for person in crisis_people { li { key: "{person}", "{person}" } } }
                p { "Other contacts: {p.crisis.other_contacts}" }
                h2 { "Supports and respite" }
                p { "Supports: {or_none(&supports.supports)}" }
                p { "Respite: {or_none(&supports.respite)}" }
                h2 { "Dependent children" }
                p { "{or_none(&p.children.dependent_children)}" }
                if !p.children.support_for_children.is_empty() { p { "Support for the children: {p.children.support_for_children}" } }
                h2 { "Treatment" }
                p { "{or_none(&p.treatment_summary)}" }
                h2 { "Ending involvement" }
                p { "Decided together with: {or_none(&e.decided_with)}" }
                if !e.explanation.is_empty() { p { "{e.explanation}" } }
                p { "How to come back to the service: {or_none(&e.how_to_return)}" }
                p { "{letter}" }
                p { if e.family_informed { "Family and carers have been told." } else { "Family and carers have not been told yet." } }
                if !e.completion_letter.is_empty() {
                    h3 { "The completion letter" }
                    p { class: "kept-text", "{e.completion_letter}" }
                }
                h3 { "Referrals" }
                if referrals.is_empty() { p { "None." } }
                ul {
                    for r in referrals {
                        li { key: "{r.id}",
                            "{r.agency}"
                            if !r.reason.is_empty() { " — {r.reason}" }
                            if r.consent_given { " (with consent)" } else { " (consent not given)" }
                            if let Some(d) = &r.referred_on { ", referred on {d}" }
                        }
                    }
                }
            }
        }
        Written::Appointment(id) => {
            let Some(a) = c.appointment(&id) else {
                return rsx! { NotShared { what: "appointment" } };
            };
            let qs = c.questions_for(&a);
            let people = c.team_people(&a.with_team);
            let shown_in = format::zone_of(&a, zone);
            let offset = a
                .start_time()
                .map(|t| shown_in.offset_at(&t).to_string())
                .unwrap_or_default();
            let checked = if a.changed_since_double_check() {
                "Double-checked before, but its time or place changed since: check again."
                    .to_string()
            } else if a.is_double_checked() {
                let by = snap.read().name_of(a.double_checked_by);
                let at = a
                    .double_checked_at
                    .map(|t| format!(" on {}", format::when(t, zone)))
                    .unwrap_or_default();
                format!("Double-checked by {by}{at}.")
            } else {
                "Not double-checked yet.".to_string()
            };
            let written = if a.written_details_received {
                "Details received in writing."
            } else if a.written_details_requested {
                "Details asked for in writing, not received yet."
            } else {
                "No written details yet."
            };
            rsx! {
                h1 { "{a.purpose}" }
                dl { class: "pairs",
                    dt { "When" } dd { "{format::appointment_time(&a, zone)}" }
                    dt { "Time zone" } dd { "{zone.city()} time (UTC{offset})" }
                    dt { "Status" } dd { "{a.status.label()}" }
                    dt { "Where" } dd { p { "{or_none(&a.place.name)}" } if !a.place.address.is_empty() { p { "{a.place.address}" } } }
                    if !a.place.telehealth_url.is_empty() { dt { "Telehealth" } dd { "{a.place.telehealth_url}" } }
                    dt { "With" } dd {
                        if people.is_empty() { "Nobody named." }
                        ul { for person in people { li { key: "{person}", "{person}" } } }
                    }
                    dt { "Double-check" } dd { "{checked}" }
                    dt { "In writing" } dd { "{written}" }
                    if !a.support_person.is_empty() { dt { "Support person" } dd { "{a.support_person}" } }
                    if !a.transport.is_empty() { dt { "Getting there" } dd { "{a.transport}" } }
                }
                h2 { "Questions to ask" }
                if qs.is_empty() { p { "None written down." } }
                ol { for q in qs { li { key: "{q.id}", "{q.text}" if !q.answer.is_empty() { " — answer: {q.answer}" } } } }
                h2 { "Notes from the appointment" }
                div { class: "lines", "aria-hidden": "true" }
            }
        }
    };
    let file = match &what_file {
        Written::Plan => format!("{} - plan.html", c.summary.name),
        Written::Appointment(_) => format!("{} - appointment.html", c.summary.name),
    };
    rsx! {
        div { class: "no-print actions",
            button { r#type: "button", class: "button", onclick: move |_| platform::print(), "Print" }
            button { r#type: "button", class: "button secondary",
                onclick: move |_| {
                    if let Err(e) = platform::save_written_copy(&file) {
                        snap.write().error = Some(format!("The copy could not be saved as a file: {e}."));
                    }
                },
                "Save as a file" }
            button { r#type: "button", class: "button secondary", onclick: move |_| screen.set(back.clone()), "Back" }
        }
        article { class: "written", id: "written-copy",
            {body}
            p { class: "fineprint", "{printed} for {my_name}." }
        }
    }
}

/// A blank field in a copy says so, rather than leaving a gap that looks like a printing fault.
fn or_none(s: &str) -> &str {
    if s.trim().is_empty() {
        "Not written down."
    } else {
        s
    }
}
