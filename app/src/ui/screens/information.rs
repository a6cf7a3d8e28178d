//! Information the consumer and carers keep about the condition and the journey: links to fact
//! sheets and services, each with a note; only who added one removes it.

use carecircle_shared::schema::{Information, Notes};
use carecircle_shared::validation::{self as v, ValidationError};
use carecircle_shared::{DocKind, ItemId};
use dioxus::prelude::*;

use crate::ui::control::Action;
use crate::ui::format;
use crate::ui::widgets::{Confirm, Empty, Field, NotShared, Section, TextField, use_snapshot};

/// Checks a new piece of information as the server will, so a problem shows beside its field.
fn check(i: &Information) -> Result<(), ValidationError> {
    let mut notes = Notes::default();
    notes.information.insert(i.id.clone(), i.clone());
    carecircle_shared::schema::DocSchema::validate_change(
        &notes,
        &Notes::default(),
        &v::Links::unknown(),
    )
}

/// The information screen.
#[component]
pub fn InformationScreen() -> Element {
    let snap = use_snapshot();
    let actions = use_coroutine_handle::<Action>();
    let mut title = use_signal(String::new);
    let mut link = use_signal(String::new);
    let mut note = use_signal(String::new);
    let mut problem = use_signal(|| None::<ValidationError>);
    // One id per new entry: a second press of Save adds nothing more.
    let mut fresh = use_signal(ItemId::random);
    let s = snap.read();
    let Some(c) = s.circle.clone() else {
        return rsx! { NotShared { what: "information" } };
    };
    let Some(notes) = c.notes.clone() else {
        return rsx! { h1 { "Information" } NotShared { what: "information" } };
    };
    let can_write = c.can_write(DocKind::Notes);
    let me = s.me;
    let zone = s.zone;
    let mut items: Vec<(Information, String)> = notes
        .information
        .values()
        .map(|i| {
            (
                i.clone(),
                format!(
                    "Kept by {} · {}",
                    s.name_of(i.added_by),
                    format::when(i.added_at, zone)
                ),
            )
        })
        .collect();
    items.sort_by_key(|(i, _)| std::cmp::Reverse(i.added_at));
    drop(s);
    let error_for = |field: &str| {
        problem()
            .filter(|p| p.field() == Some(field))
            .map(|p| p.plain())
    };
    rsx! {
        h1 { "Information" }
        p { class: "lead", "Fact sheets, services and what you have learnt about the condition and the journey, kept for the next stage." }
        if can_write {
            form { class: "card", onsubmit: move |e: FormEvent| {
                    e.prevent_default();
                    let info = Information {
                        id: fresh(),
                        title: title().trim().to_string(),
                        link: link().trim().to_string(),
                        note: note().trim().to_string(),
                        ..Information::default()
                    };
                    if let Err(p) = check(&info) {
                        let field = match p.field() { Some("link") => "info-link", Some("note") => "info-note", _ => "info-title" };
                        problem.set(Some(p));
                        crate::ui::platform::focus(field);
                        return;
                    }
                    problem.set(None);
                    actions.send(Action::AddInformation(Box::new(info)));
                    title.set(String::new());
                    link.set(String::new());
                    note.set(String::new());
                    fresh.set(ItemId::random());
                },
                h2 { "Keep something" }
                Field { id: "info-title", label: "What it is", value: title, error: error_for("title") }
                Field { id: "info-link", label: "Web address (optional)", value: link, kind: "url", hint: "For example https://www.betterhealth.vic.gov.au/…", error: error_for("link") }
                TextField { id: "info-note", label: "Note (optional)", value: note, error: error_for("note") }
                button { r#type: "submit", class: "button", "Keep it" }
                p { class: "fineprint", "Seen by everyone in the circle who can see the notes." }
            }
        }
        Section { title: "Kept so far",
            if items.is_empty() { Empty { text: "Nothing kept yet." } }
            ul { class: "list",
                for (i, line) in items {
                    li { key: "{i.id}", class: "info",
                        p { class: "row-title", "{i.title}" }
                        if !i.link.is_empty() {
                            p { a { href: "{i.link}", rel: "noopener noreferrer", target: "_blank", "{i.link}" } }
                        }
                        if !i.note.is_empty() { p { "{i.note}" } }
                        p { class: "row-sub", "{line}" }
                        if i.added_by == me && me.is_some() {
                            Confirm { label: "Remove “{i.title}”", question: "Remove “{i.title}” for everyone in the circle?", yes: "Yes, remove it",
                                on_yes: { let id = i.id.clone(); move |_| actions.send(Action::RemoveInformation(id.clone())) } }
                        }
                    }
                }
            }
        }
    }
}
