//! Questions to ask: add (for an appointment or a person), mark asked, answer, close.

use carecircle_shared::limits::MAX_SHORT_TEXT_CHARS;
use carecircle_shared::policy::ANSWERING_ROLES;
use carecircle_shared::schema::{Question, QuestionStatus};
use carecircle_shared::{DocKind, ItemId};
use dioxus::prelude::*;

use crate::ui::control::Action;
use crate::ui::widgets::{
    Choice, Empty, Field, NotShared, Section, appointment_choices, text_problem, use_snapshot,
};

/// The questions screen.
#[component]
pub fn QuestionsScreen() -> Element {
    let snap = use_snapshot();
    let actions = use_coroutine_handle::<Action>();
    let mut text = use_signal(String::new);
    let mut problem = use_signal(|| None::<String>);
    let appointment = use_signal(String::new);
    let person = use_signal(String::new);
    let s = snap.read();
    let Some(c) = s.circle.clone() else {
        return rsx! { NotShared { what: "questions list" } };
    };
    let Some(qs) = c.questions.clone() else {
        return rsx! { h1 { "Questions to ask" } NotShared { what: "questions list" } };
    };
    let me = s.me;
    let writer = c.can_write(DocKind::Questions);
    // Marking asked, answering and closing someone else's question: the policy's answering
    // roles only; one's own question: anyone who may write questions.
    let may_answer = writer && s.role().is_some_and(|r| ANSWERING_ROLES.contains(&r));
    drop(s);
    let appts = appointment_choices(&c, true);
    let mut people: Vec<(String, String)> = vec![(String::new(), "Nobody in particular".into())];
    if let Some(t) = &c.team {
        people.extend(
            t.members
                .values()
                .map(|m| (m.id.as_str().to_string(), m.name.clone())),
        );
    }
    let title_of = |q: &Question| {
        let mut bits = Vec::new();
        if let Some(a) = q
            .for_appointment
            .as_ref()
            .and_then(|id| c.appointments.as_ref()?.items.get(id))
        {
            bits.push(format!("for {}", a.purpose));
        }
        if let Some(m) = q
            .for_team_member
            .as_ref()
            .and_then(|id| c.team.as_ref()?.members.get(id))
        {
            bits.push(format!("to ask {}", m.name));
        }
        bits.join(", ")
    };
    let mut list: Vec<(Question, String)> = qs
        .items
        .values()
        .map(|q| (q.clone(), title_of(q)))
        .collect();
    list.sort_by_key(|(q, _)| q.created_at);
    let open: Vec<_> = list.iter().filter(|(q, _)| q.is_open()).cloned().collect();
    let answered: Vec<_> = list
        .iter()
        .filter(|(q, _)| q.status == QuestionStatus::Answered)
        .cloned()
        .collect();
    let closed: Vec<_> = list
        .iter()
        .filter(|(q, _)| q.status == QuestionStatus::Closed)
        .cloned()
        .collect();
    rsx! {
        h1 { "Questions to ask" }
        if !writer {
            p { class: "fineprint", "You can read the questions; adding and changing them is not shared with you." }
        }
        if writer { form { class: "card", onsubmit: move |e: FormEvent| {
                e.prevent_default();
                let t = text();
                // Empty or over the limit: nothing is sent, the text stays, the reason beside it.
                problem.set(text_problem(&t, MAX_SHORT_TEXT_CHARS, "the question"));
                if problem().is_some() { crate::ui::platform::focus("q-text"); return; }
                let a = appointment();
                let p = person();
                actions.send(Action::AddQuestion {
                    text: t.trim().to_string(),
                    appointment: (!a.is_empty()).then(|| ItemId::from(a.as_str())),
                    person: (!p.is_empty()).then(|| ItemId::from(p.as_str())),
                });
                text.set(String::new());
            },
            h2 { "Add a question" }
            Field { id: "q-text", label: "Your question", value: text, error: problem() }
            Choice { id: "q-appointment", label: "For which appointment?", value: appointment, options: appts }
            Choice { id: "q-person", label: "For whom?", value: person, options: people }
            button { r#type: "submit", class: "button", "Add question" }
        } }
        Section { title: "Still to ask",
            if open.is_empty() { Empty { text: "No open questions." } }
            for (q, about) in open { QuestionRow { key: "{q.id}", mine: writer && me.is_some() && q.asked_by == me, q, about, may_answer } }
        }
        Section { title: "Answered",
            if answered.is_empty() { Empty { text: "No answers recorded yet." } }
            for (q, about) in answered { QuestionRow { key: "{q.id}", mine: writer && me.is_some() && q.asked_by == me, q, about, may_answer } }
        }
        if !closed.is_empty() {
            Section { title: "Closed",
                for (q, about) in closed { QuestionRow { key: "{q.id}", q, about, may_answer: false, mine: false } }
            }
        }
    }
}

#[component]
fn QuestionRow(q: Question, about: String, may_answer: bool, mine: bool) -> Element {
    let snap = use_snapshot();
    let actions = use_coroutine_handle::<Action>();
    let answer = use_signal(|| q.answer.clone());
    let mut answering = use_signal(|| false);
    let by = snap.read().name_of(q.answered_by);
    let asker = snap.read().name_of(q.asked_by);
    let (i1, i2, i3) = (q.id.clone(), q.id.clone(), q.id.clone());
    let field = format!("answer-{}", q.id);
    rsx! {
        div { class: "question",
            p { class: "row-title", "{q.text}" }
            p { class: "row-sub", "{q.status.label()}" if !about.is_empty() { " · {about}" } " · added by {asker}" }
            if !q.answer.is_empty() { p { class: "answer", "Answer ({by}): {q.answer}" } }
            if q.status != QuestionStatus::Closed && (mine || may_answer) {
                div { class: "actions",
                    if q.status == QuestionStatus::Open {
                        button { r#type: "button", class: "button small secondary", onclick: move |_| actions.send(Action::MarkAsked(i1.clone())), "Mark asked" }
                    }
                    if may_answer || mine {
                        button { r#type: "button", class: "button small secondary", onclick: move |_| answering.set(true), "Record the answer" }
                    }
                    button { r#type: "button", class: "button small secondary", onclick: move |_| actions.send(Action::CloseQuestion(i2.clone())), "Close" }
                }
            }
            if answering() {
                form { onsubmit: move |e: FormEvent| {
                        e.prevent_default();
                        actions.send(Action::Answer { id: i3.clone(), answer: answer() });
                        answering.set(false);
                    },
                    Field { id: field, label: "The answer", value: answer }
                    button { r#type: "submit", class: "button small", "Save answer" }
                }
            }
        }
    }
}
