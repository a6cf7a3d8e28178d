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
            let crisis_people = c.team_people(&p.crisis.who_to_contact);
            let mut reviews: Vec<_> = p.review.past.values().cloned().collect();
            reviews.sort_by(|a, b| b.date.cmp(&a.date));
            let referrals: Vec<_> = p.ending.referrals.values().cloned().collect();
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
                p { "{p.supports.supports}" }
                p { "Respite: {p.supports.respite}" }
                h2 { "Treatment" }
                p { "{p.treatment_summary}" }
                h2 { "Ending involvement" }
                if !p.ending.decided_with.is_empty() { p { "Decided together with: {p.ending.decided_with}" } }
                if !p.ending.explanation.is_empty() { p { "{p.ending.explanation}" } }
                if !p.ending.how_to_return.is_empty() { p { "How to come back to the service: {p.ending.how_to_return}" } }
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
            rsx! {
                h1 { "{a.purpose}" }
                p { class: "lead", "{format::appointment_time(&a, zone)}" }
                p { "{a.place.name}" }
                p { "{a.place.address}" }
                if !people.is_empty() {
                    h2 { "With" }
                    ul { for person in people { li { key: "{person}", "{person}" } } }
                }
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
