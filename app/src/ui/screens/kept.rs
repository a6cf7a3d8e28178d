//! Kept on this device: what the server did not accept, as the person wrote it, with the
//! reason and the ways forward (copy it, add it again on the shared copy, delete it).

use dioxus::prelude::*;

use crate::ops::kept::{ADDED_AGAIN, kept_words};
use crate::ui::control::Action;
use crate::ui::format;
use crate::ui::platform;
use crate::ui::widgets::{Confirm, Empty, use_snapshot};

/// The list of kept copies.
#[component]
pub fn KeptScreen() -> Element {
    let snap = use_snapshot();
    let actions = use_coroutine_handle::<Action>();
    let s = snap.read();
    let kept = s.refused.clone();
    let zone = s.zone;
    drop(s);
    let mut copied = use_signal(|| None::<i64>);
    rsx! {
        h1 { "Kept on this device" }
        p { "Changes the server did not accept stay here, in your words, until you delete them. Nobody else can see them." }
        if kept.is_empty() { Empty { text: "Nothing is kept: everything you wrote reached the shared copy." } }
        for r in kept.into_iter().rev() {
            {
                let words = kept_words(&r);
                let all: String = words.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>().join("\n\n");
                let id = r.id;
                let again = ADDED_AGAIN.contains(&r.kind);
                let noun = if r.kind == carecircle_shared::DocKind::Notes { "notes" } else { "questions" };
                rsx! {
                    section { key: "{id}", class: "card kept",
                        h2 { "{r.kind.label()} · {format::when(r.at, zone)}" }
                        p { class: "row-sub", "Not accepted: {format::refusal_reason(r.code)}." }
                        if words.is_empty() { p { "No words of yours were in it." } }
                        dl { class: "pairs",
                            for (i, (field, text)) in words.into_iter().enumerate() {
                                div { key: "{i}",
                                    dt { "{carecircle_shared::validation::capitalised(&field)}" }
                                    dd { class: "kept-text", "{text}" }
                                }
                            }
                        }
                        div { class: "actions",
                            button { r#type: "button", class: "button small",
                                onclick: move |_| { if platform::copy_text(&all) { copied.set(Some(id)); } },
                                if copied() == Some(id) { "Copied" } else { "Copy the words" } }
                            if again {
                                button { r#type: "button", class: "button small secondary",
                                    onclick: move |_| actions.send(Action::AddAgain(id)),
                                    "Add these {noun} again" }
                            }
                            Confirm { label: "Delete", question: "Delete this kept copy? It cannot be brought back.", yes: "Yes, delete it",
                                on_yes: move |_| actions.send(Action::DeleteKept(id)) }
                        }
                    }
                }
            }
        }
    }
}
