//! Notes: add (works offline), edit my own, linked to an appointment.

use carecircle_shared::ItemId;
use carecircle_shared::limits::MAX_LONG_TEXT_CHARS;
use carecircle_shared::schema::Note;
use dioxus::prelude::*;

use crate::ui::control::Action;
use crate::ui::format;
use crate::ui::widgets::{
    Choice, Empty, NotShared, Section, TextField, appointment_choices, text_problem, use_snapshot,
    within,
};

/// The notes screen.
#[component]
pub fn NotesScreen() -> Element {
    let snap = use_snapshot();
    let actions = use_coroutine_handle::<Action>();
    let mut text = use_signal(String::new);
    let mut problem = use_signal(|| None::<String>);
    let appointment = use_signal(String::new);
    let s = snap.read();
    let Some(c) = s.circle.clone() else {
        return rsx! { NotShared { what: "notes" } };
    };
    let Some(notes) = c.notes.clone() else {
        return rsx! { h1 { "Notes" } NotShared { what: "notes" } };
    };
    let me = s.me;
    let zone = s.zone;
    let rows: Vec<(Note, String, String)> = notes
        .newest_first()
        .into_iter()
        .map(|n| {
            let about = n
                .appointment_id
                .as_ref()
                .and_then(|id| c.appointments.as_ref()?.items.get(id))
                .map(|a| format!(" · about {}", a.purpose))
                .unwrap_or_default();
            let edited = n
                .edited_at
                .map(|t| format!(" · edited {}", format::when(t, zone)))
                .unwrap_or_default();
            (
                n.clone(),
                s.name_of(n.author),
                format!("{}{about}{edited}", format::when(n.written_at, zone)),
            )
        })
        .collect();
    drop(s);
    let appts = appointment_choices(&c, false);
    rsx! {
        h1 { "Notes" }
        form { class: "card", onsubmit: move |e: FormEvent| {
                e.prevent_default();
                let t = text();
                // Empty or over the limit: nothing is sent, the text stays, the reason beside it.
                problem.set(text_problem(&t, MAX_LONG_TEXT_CHARS, "the note"));
                if problem().is_some() { crate::ui::platform::focus("note-text"); return; }
                let a = appointment();
                actions.send(Action::AddNote { text: t.trim().to_string(), appointment: (!a.is_empty()).then(|| ItemId::from(a.as_str())) });
                text.set(String::new());
            },
            h2 { "Add a note" }
            TextField { id: "note-text", label: "Note", value: text, error: problem() }
            Choice { id: "note-appointment", label: "About an appointment?", value: appointment, options: appts }
            button { r#type: "submit", class: "button", "Save note" }
            p { class: "fineprint", "Notes are saved on this device first and shared when you are online." }
        }
        Section { title: "All notes",
            if rows.is_empty() { Empty { text: "No notes yet." } }
            ul { class: "list notes",
                for (n, who, when) in rows {
                    NoteRow { key: "{n.id}", mine: n.author == me && me.is_some(), note: n, who, when }
                }
            }
        }
    }
}

#[component]
fn NoteRow(note: Note, who: String, when: String, mine: bool) -> Element {
    let actions = use_coroutine_handle::<Action>();
    let text = use_signal(|| note.text.clone());
    let mut editing = use_signal(|| false);
    let id = note.id.clone();
    let field = format!("edit-{}", note.id);
    rsx! {
        li { class: "note",
            p { class: "note-text", "{note.text}" }
            p { class: "row-sub", "by ", strong { class: "author", "{who}" }, " · {when}" }
            if mine && !editing() {
                button { r#type: "button", class: "button small secondary", onclick: move |_| editing.set(true), "Edit my note" }
            }
            if editing() {
                form { onsubmit: move |e: FormEvent| {
                        e.prevent_default();
                        if text().trim().is_empty() || !within(&[(&text(), MAX_LONG_TEXT_CHARS)]) { return; }
                        actions.send(Action::EditNote { id: id.clone(), text: text() });
                        editing.set(false);
                    },
                    TextField { id: field, label: "Note", value: text }
                    button { r#type: "submit", class: "button small", "Save" }
                }
            }
        }
    }
}
