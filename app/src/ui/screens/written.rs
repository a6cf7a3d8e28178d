//! Written copies: print-friendly pages for the plan and for one appointment with its questions.

use dioxus::prelude::*;

use crate::ui::format;
use crate::ui::model::{Screen, Written};
use crate::ui::platform;
use crate::ui::widgets::{NotShared, use_screen, use_snapshot};

/// A print-friendly copy; the browser's print produces a clean page.
#[component]
pub fn WrittenScreen(what: Written) -> Element {
    let snap = use_snapshot();
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
    let body = match what {
        Written::Plan => {
            let Some(p) = c.plan.clone() else {
                return rsx! { NotShared { what: "plan" } };
            };
            let mut goals: Vec<_> = p.goals.values().cloned().collect();
            goals.sort_by_key(|g| g.life_area);
            rsx! {
                h1 { "Individual service plan — {c.summary.name}" }
                h2 { "Assessment" }
                dl {
                    dt { "Mental state" } dd { "{p.assessment.mental_state.summary}" }
                    dt { "Physical health" } dd { "{p.assessment.physical.summary}" }
                    dt { "Alcohol and other drugs" } dd { "{p.assessment.substance_use.summary}" }
                    dt { "Need for services" } dd { "{p.assessment.need_for_services.summary}" }
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
                h2 { "If things get difficult" }
                p { "Early warning signs: {p.crisis.warning_signs}" }
                p { "What helps: {p.crisis.what_helps}" }
                p { "Other contacts: {p.crisis.other_contacts}" }
                h2 { "Supports and respite" }
                p { "{p.supports.supports}" }
                p { "Respite: {p.supports.respite}" }
                h2 { "Treatment" }
                p { "{p.treatment_summary}" }
            }
        }
        Written::Appointment(id) => {
            let Some(a) = c.appointment(&id) else {
                return rsx! { NotShared { what: "appointment" } };
            };
            let qs = c.questions_for(&a);
            rsx! {
                h1 { "{a.purpose}" }
                p { class: "lead", "{format::appointment_time(&a, zone)}" }
                p { "{a.place.name}" }
                p { "{a.place.address}" }
                if !a.place.telehealth_url.is_empty() { p { "Telehealth: {a.place.telehealth_url}" } }
                if !a.support_person.is_empty() { p { "Support person: {a.support_person}" } }
                if !a.transport.is_empty() { p { "Getting there: {a.transport}" } }
                h2 { "Questions to ask" }
                if qs.is_empty() { p { "None written down." } }
                ol { for q in qs { li { key: "{q.id}", "{q.text}" if !q.answer.is_empty() { " — answer: {q.answer}" } } } }
                h2 { "Notes from the appointment" }
                div { class: "lines", "aria-hidden": "true" }
            }
        }
    };
    rsx! {
        div { class: "no-print actions",
            button { r#type: "button", class: "button", onclick: move |_| platform::print(), "Print" }
            button { r#type: "button", class: "button secondary", onclick: move |_| screen.set(back.clone()), "Back" }
        }
        article { class: "written", {body} }
        p { class: "fineprint", "{printed} for {my_name}." }
    }
}
