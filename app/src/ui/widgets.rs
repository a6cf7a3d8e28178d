//! Small building blocks every screen uses: labelled fields, sections, empty states, buttons.

use dioxus::prelude::*;

use crate::ui::model::{CircleView, Screen, Snapshot};

/// The snapshot every screen reads.
pub fn use_snapshot() -> Signal<Snapshot> {
    use_context::<Signal<Snapshot>>()
}

/// The screen signal, for navigation.
pub fn use_screen() -> Signal<Screen> {
    use_context::<Signal<Screen>>()
}

/// A labelled one-line input bound to a signal.
#[component]
pub fn Field(
    id: String,
    label: String,
    value: Signal<String>,
    #[props(default = "text".to_string())] kind: String,
    #[props(default)] hint: String,
    #[props(default)] autocomplete: String,
) -> Element {
    let hint_id = format!("{id}-hint");
    rsx! {
        div { class: "field",
            label { r#for: "{id}", "{label}" }
            if !hint.is_empty() {
                p { class: "hint", id: "{hint_id}", "{hint}" }
            }
            input {
                id: "{id}",
                name: "{id}",
                r#type: "{kind}",
                value: "{value}",
                autocomplete: if autocomplete.is_empty() { "off".to_string() } else { autocomplete.clone() },
                "aria-describedby": if hint.is_empty() { None } else { Some(hint_id.clone()) },
                oninput: move |e| value.set(e.value()),
            }
        }
    }
}

/// A labelled multi-line input bound to a signal.
#[component]
pub fn TextField(id: String, label: String, value: Signal<String>) -> Element {
    rsx! {
        div { class: "field",
            label { r#for: "{id}", "{label}" }
            textarea {
                id: "{id}",
                name: "{id}",
                rows: "4",
                value: "{value}",
                oninput: move |e| value.set(e.value()),
            }
        }
    }
}

/// A labelled checkbox bound to a signal.
#[component]
pub fn Check(id: String, label: String, checked: Signal<bool>) -> Element {
    rsx! {
        div { class: "check",
            input {
                id: "{id}",
                r#type: "checkbox",
                checked: checked(),
                onchange: move |e| checked.set(e.checked()),
            }
            label { r#for: "{id}", "{label}" }
        }
    }
}

/// A labelled choice among `(value, label)` options, bound to a signal holding the value.
#[component]
pub fn Choice(
    id: String,
    label: String,
    value: Signal<String>,
    options: Vec<(String, String)>,
) -> Element {
    rsx! {
        div { class: "field",
            label { r#for: "{id}", "{label}" }
            select {
                id: "{id}",
                onchange: move |e| value.set(e.value()),
                for (v, text) in options {
                    option { key: "{v}", value: "{v}", selected: *value.read() == v, "{text}" }
                }
            }
        }
    }
}

/// A titled block of a screen.
#[component]
pub fn Section(title: String, children: Element) -> Element {
    let id = format!(
        "s-{}",
        title
            .to_lowercase()
            .replace(|c: char| !c.is_alphanumeric(), "-")
    );
    rsx! {
        section { class: "card", "aria-labelledby": "{id}",
            h2 { id: "{id}", "{title}" }
            {children}
        }
    }
}

/// What a list shows when it has nothing in it.
#[component]
pub fn Empty(text: String) -> Element {
    rsx! { p { class: "empty", "{text}" } }
}

/// Shown when a document is not shared with me (or not on this device yet).
#[component]
pub fn NotShared(what: String) -> Element {
    rsx! {
        div { class: "card notice", role: "status",
            p { "The {what} is not on this device: it has not been shared with you, or the person this circle is for changed who can see it. Ask them if you think you need it." }
        }
    }
}

/// A button that goes to another screen.
#[component]
pub fn GoTo(to: Screen, label: String, #[props(default)] class: String) -> Element {
    let mut screen = use_screen();
    let class = if class.is_empty() {
        "button secondary".to_string()
    } else {
        class
    };
    rsx! {
        button { r#type: "button", class: "{class}", onclick: move |_| screen.set(to.clone()), "{label}" }
    }
}

/// `(id, purpose)` choices for linking to an appointment, "none" first (`active`: only those
/// not cancelled, attended or missed).
pub fn appointment_choices(c: &CircleView, active: bool) -> Vec<(String, String)> {
    let mut out = vec![(String::new(), "No particular appointment".to_string())];
    if let Some(a) = &c.appointments {
        out.extend(
            a.items
                .values()
                .filter(|a| !active || a.is_active())
                .map(|a| (a.id.as_str().to_string(), a.purpose.clone())),
        );
    }
    out
}
