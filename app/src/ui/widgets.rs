//! Small building blocks every screen uses: labelled fields, sections, empty states, buttons.

use carecircle_shared::DocKind;
use carecircle_shared::limits::{MAX_LONG_TEXT_CHARS, MAX_SHORT_TEXT_CHARS};
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
    #[props(default = MAX_SHORT_TEXT_CHARS)] max: usize,
    /// What is wrong with it, shown beside it.
    #[props(default)]
    error: Option<String>,
) -> Element {
    let hint_id = format!("{id}-hint");
    let limit_id = format!("{id}-limit");
    let error_id = format!("{id}-error");
    let used = value.read().chars().count();
    // A counter once the text nears the limit (short fields rarely do).
    let counter = used * 5 > max * 4;
    let described = [
        error.is_some().then_some(error_id.clone()),
        (!hint.is_empty()).then_some(hint_id.clone()),
        counter.then_some(limit_id.clone()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    rsx! {
        div { class: "field",
            label { r#for: "{id}", "{label}" }
            if !hint.is_empty() {
                p { class: "hint", id: "{hint_id}", "{hint}" }
            }
            if let Some(e) = &error { FieldError { id: error_id.clone(), text: e.clone() } }
            input {
                id: "{id}",
                name: "{id}",
                r#type: "{kind}",
                value: "{value}",
                autocomplete: if autocomplete.is_empty() { "off".to_string() } else { autocomplete.clone() },
                "aria-describedby": if described.is_empty() { None } else { Some(described.clone()) },
                "aria-invalid": if used > max || error.is_some() { Some("true") } else { None },
                oninput: move |e| value.set(e.value()),
            }
            if counter { Limit { id: limit_id, used, max } }
        }
    }
}

/// How much of a field's limit is used, and what happens past it.
#[component]
fn Limit(id: String, used: usize, max: usize) -> Element {
    if used > max {
        rsx! {
            p { class: "error", id: "{id}", role: "alert",
                "{used} of {max} characters: {used - max} too many. Shorten it to save; your text stays here." }
        }
    } else {
        rsx! { p { class: "hint", id: "{id}", "{used} of {max} characters" } }
    }
}

/// True when every field is within its limit (the form's save checks this before anything is
/// sent or cleared).
pub fn within(texts: &[(&str, usize)]) -> bool {
    texts.iter().all(|(t, max)| t.chars().count() <= *max)
}

/// Why a text cannot be saved as it is (empty, or over `max` characters), in plain words; the
/// form keeps the text and shows this beside its field.
pub fn text_problem(text: &str, max: usize, what: &str) -> Option<String> {
    let used = text.chars().count();
    if text.trim().is_empty() {
        Some(format!("Please write {what}."))
    } else if used > max {
        Some(format!(
            "This is {used} characters; the most is {max}. Please shorten it: nothing has been saved yet."
        ))
    } else {
        None
    }
}

/// A labelled multi-line input bound to a signal.
#[component]
pub fn TextField(
    id: String,
    label: String,
    value: Signal<String>,
    #[props(default = MAX_LONG_TEXT_CHARS)] max: usize,
    /// What is wrong with it, shown beside it.
    #[props(default)]
    error: Option<String>,
) -> Element {
    let limit_id = format!("{id}-limit");
    let error_id = format!("{id}-error");
    let used = value.read().chars().count();
    let described = if error.is_some() {
        format!("{error_id} {limit_id}")
    } else {
        limit_id.clone()
    };
    rsx! {
        div { class: "field",
            label { r#for: "{id}", "{label}" }
            if let Some(e) = &error { FieldError { id: error_id.clone(), text: e.clone() } }
            textarea {
                id: "{id}",
                name: "{id}",
                rows: "4",
                value: "{value}",
                "aria-describedby": "{described}",
                "aria-invalid": if used > max || error.is_some() { Some("true") } else { None },
                oninput: move |e| value.set(e.value()),
            }
            Limit { id: limit_id.clone(), used, max }
        }
    }
}

/// What is wrong with a field, between its label and the field itself.
#[component]
fn FieldError(id: String, text: String) -> Element {
    rsx! { p { class: "field-error", id: "{id}", role: "alert", "{text}" } }
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
    let snap = use_snapshot();
    if snap.read().circle.is_none() {
        return rsx! {
            div { class: "card notice", role: "status",
                p { "You are not in a circle on this device. Join one with an invite code, or start one, from Today." }
            }
        };
    }
    // "notes", "questions": plural nouns.
    let (verb, it, has) = if what.ends_with('s') {
        ("are", "they", "have")
    } else {
        ("is", "it", "has")
    };
    rsx! {
        div { class: "card notice", role: "status",
            p { "The {what} {verb} not on this device: {it} {has} not been shared with you, or the person this circle is for changed who can see it. Ask them if you think you need it." }
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

/// A destructive button that asks first: the first tap shows `question` with "Yes, …" and a
/// way back; only "Yes" runs `on_yes`.
#[component]
pub fn Confirm(label: String, question: String, yes: String, on_yes: EventHandler<()>) -> Element {
    let mut asking = use_signal(|| false);
    if asking() {
        rsx! {
            div { class: "confirm", role: "alertdialog", "aria-label": "{question}",
                p { "{question}" }
                button { r#type: "button", class: "button danger",
                    onclick: move |_| { asking.set(false); on_yes.call(()); }, "{yes}" }
                button { r#type: "button", class: "button secondary", onclick: move |_| asking.set(false), "No, keep it" }
            }
        }
    } else {
        rsx! {
            button { r#type: "button", class: "button danger", onclick: move |_| asking.set(true), "{label}" }
        }
    }
}

/// Before a change is saved: who will see it (the members who may read `kind`, from their
/// consent, and the care team's people marked "informed of changes").
#[component]
pub fn WillBeInformed(kind: DocKind) -> Element {
    let snap = use_snapshot();
    let s = snap.read();
    let team = s.circle.as_ref().and_then(|c| c.team.clone());
    let who = crate::ops::feed::informed(&s.members, s.me, team.as_ref(), kind);
    let known = !s.members.is_empty();
    drop(s);
    let what = kind.label().to_lowercase();
    let members = if !known {
        format!(
            "Everyone in the circle who can see the {what} will see this change when they next sync."
        )
    } else if who.members.is_empty() {
        format!("Nobody else in the circle can see the {what}: only you will see this change.")
    } else {
        format!("Will see this change: {}.", who.members.join(", "))
    };
    rsx! {
        div { class: "informed", role: "note",
            p { "{members}" }
            if !who.team.is_empty() {
                p { "To be told of changes (care team): {who.team.join(\", \")}." }
            }
        }
    }
}

/// A text of a record section, shown, and editable in place by a writer; Save hands the new
/// text to `on_save`, after saying who will see the change.
#[component]
pub fn EditableText(
    id: String,
    label: String,
    value: String,
    can_write: bool,
    kind: DocKind,
    on_save: EventHandler<String>,
) -> Element {
    let mut editing = use_signal(|| false);
    let mut draft = use_signal(|| value.clone());
    let mut problem = use_signal(|| None::<String>);
    rsx! {
        div { class: "plan-text",
            h3 { "{label}" }
            if editing() {
                form { onsubmit: move |e: FormEvent| {
                        e.prevent_default();
                        let v = draft();
                        if v.chars().count() > MAX_LONG_TEXT_CHARS {
                            problem.set(text_problem(&v, MAX_LONG_TEXT_CHARS, "it"));
                            return;
                        }
                        problem.set(None);
                        on_save.call(v.trim().to_string());
                        editing.set(false);
                    },
                    TextField { id: id.clone(), label: label.clone(), value: draft, error: problem() }
                    WillBeInformed { kind }
                    div { class: "actions",
                        button { r#type: "submit", class: "button small", "Save" }
                        button { r#type: "button", class: "button small secondary",
                            onclick: move |_| { editing.set(false); problem.set(None); }, "Cancel" }
                    }
                }
            } else {
                if value.is_empty() { p { class: "empty", "Nothing written yet." } } else { p { class: "kept-text", "{value}" } }
                if can_write {
                    button { r#type: "button", class: "button small secondary", "aria-label": "Edit {label}",
                        onclick: { let value = value.clone(); move |_| { draft.set(value.clone()); editing.set(true); } }, "Edit" }
                }
            }
        }
    }
}
