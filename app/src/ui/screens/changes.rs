//! What's changed since you last looked (with server-verified authors), document history, and
//! conflicts shown side by side with a way to pick.

use carecircle_shared::automerge::ScalarValue;
use carecircle_shared::history::HistoryEntry;
use carecircle_shared::schema::{Place, Slot};
use carecircle_shared::time::Zone;
use carecircle_shared::{DocKind, ItemId};
use dioxus::prelude::*;

use crate::ui::control::Action;
use crate::ui::format;
use crate::ui::widgets::{Empty, Section, use_snapshot};

/// The feed of others' changes, and every open conflict in the circle.
#[component]
pub fn ChangesScreen() -> Element {
    let snap = use_snapshot();
    let actions = use_coroutine_handle::<Action>();
    let s = snap.read();
    let zone = s.zone;
    let feed: Vec<(String, String, String)> = s
        .circle
        .as_ref()
        .map(|c| {
            c.feed
                .iter()
                .rev()
                .map(|e| {
                    (
                        format!("{} · {}", e.kind.label(), format::when(e.change.at, zone)),
                        s.name_of(e.change.by),
                        e.change.what.clone(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    drop(s);
    rsx! {
        h1 { "What's changed" }
        ConflictList { kind: None, prefix: Vec::new() }
        Section { title: "Since you last looked",
            if feed.is_empty() {
                Empty { text: "Nothing new from anyone else." }
            } else {
                ul { class: "list feed",
                    for (i, (when, who, what)) in feed.into_iter().enumerate() {
                        li { key: "{i}",
                            p { class: "row-title", "{what}" }
                            p { class: "row-sub", "by ", strong { class: "author", "{who}" }, " · {when}" }
                        }
                    }
                }
                button { r#type: "button", class: "button", onclick: move |_| actions.send(Action::MarkSeen), "I have seen these" }
            }
        }
        p { class: "fineprint", "Authors are checked by the server when a change is uploaded." }
    }
}

/// A document's history, newest first.
#[component]
pub fn History(entries: Vec<HistoryEntry>, title: String) -> Element {
    let snap = use_snapshot();
    let s = snap.read();
    let zone = s.zone;
    let rows: Vec<(String, String)> = entries
        .iter()
        .map(|h| {
            (
                h.what.clone(),
                format!("{} · {}", s.name_of(h.by), format::when(h.at, zone)),
            )
        })
        .collect();
    drop(s);
    rsx! {
        Section { title,
            if rows.is_empty() { Empty { text: "No changes yet." } }
            ul { class: "list history",
                for (i, (what, who)) in rows.into_iter().enumerate() {
                    li { key: "{i}", span { "{what}" } span { class: "row-sub", " — {who}" } }
                }
            }
        }
    }
}

/// Open conflicts (all, or one document's, or those under one path), each value side by side.
#[component]
pub fn ConflictList(kind: Option<DocKind>, prefix: Vec<String>) -> Element {
    let snap = use_snapshot();
    let actions = use_coroutine_handle::<Action>();
    let s = snap.read();
    let list: Vec<_> = s
        .circle
        .as_ref()
        .map(|c| {
            c.conflicts
                .iter()
                .filter(|(k, x)| kind.is_none_or(|want| want == *k) && x.path.starts_with(&prefix))
                .map(|(k, x)| {
                    let values: Vec<(String, String, Option<ScalarValue>)> = x
                        .values
                        .iter()
                        .map(|v| {
                            (
                                shown(&x.path, &v.value, s.zone),
                                s.name_of(v.by),
                                scalar(&v.value),
                            )
                        })
                        .collect();
                    let what = match (k, x.path.get(1)) {
                        (DocKind::Appointments, Some(item)) => c
                            .appointments
                            .as_ref()
                            .and_then(|a| a.items.get(&ItemId::from(item.as_str())))
                            .map(|a| format!("“{}”, {}", a.purpose, field_name(&x.path))),
                        _ => None,
                    }
                    .unwrap_or_else(|| field_name(&x.path));
                    (*k, x.path.clone(), what, values)
                })
                .collect()
        })
        .unwrap_or_default();
    drop(s);
    if list.is_empty() {
        return rsx! {};
    }
    rsx! {
        section { class: "card conflict", "aria-labelledby": "conflicts-title",
            h2 { id: "conflicts-title", "Two people changed the same thing" }
            p { "These were changed on different devices at the same time. Pick the one to keep; the other stays in the history." }
            for (i, (k, path, what, values)) in list.into_iter().enumerate() {
                div { key: "{i}", class: "conflict-item",
                    h3 { "{k.label()}: {what}" }
                    div { class: "side-by-side",
                        for (j, (text, who, value)) in values.into_iter().enumerate() {
                            div { key: "{j}", class: "choice",
                                p { class: "value", "{text}" }
                                p { class: "row-sub", "set by {who}" }
                                if let Some(value) = value {
                                    button { r#type: "button", class: "button small",
                                        onclick: {
                                            let path = path.clone();
                                            move |_| actions.send(Action::ResolveConflict { kind: k, path: path.clone(), value: value.clone() })
                                        },
                                        "Keep this" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn field_name(path: &[String]) -> String {
    match path.last().map(String::as_str) {
        Some("slot") => "the time".into(),
        Some("place") => "the place".into(),
        Some(p) => p.replace('_', " "),
        None => String::new(),
    }
}

/// A competing value in plain words: a time slot as the device shows times, a place as its
/// name and address.
fn shown(path: &[String], v: &serde_json::Value, zone: Zone) -> String {
    let text = v.as_str().unwrap_or_default();
    match path.last().map(String::as_str) {
        Some("slot") => {
            if let Some(slot) = Slot::decode(text) {
                return format::slot_text(&slot.start, &slot.end, Zone::named(&slot.zone), zone);
            }
        }
        Some("place") => {
            if let Ok(place) = serde_json::from_str::<Place>(text) {
                let parts: Vec<&str> = [&place.name, &place.address, &place.telehealth_url]
                    .into_iter()
                    .map(String::as_str)
                    .filter(|p| !p.is_empty())
                    .collect();
                return if parts.is_empty() {
                    "(no place)".into()
                } else {
                    parts.join(", ")
                };
            }
        }
        _ => {}
    }
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "(empty)".into(),
        other => other.to_string(),
    }
}

/// The value to write back when it is picked (objects cannot be picked here).
fn scalar(v: &serde_json::Value) -> Option<ScalarValue> {
    Some(match v {
        serde_json::Value::String(s) if s == "<object>" => return None,
        serde_json::Value::String(s) => ScalarValue::Str(s.as_str().into()),
        serde_json::Value::Bool(b) => ScalarValue::Boolean(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => ScalarValue::Int(i),
            None => ScalarValue::F64(n.as_f64()?),
        },
        serde_json::Value::Null => ScalarValue::Null,
        _ => return None,
    })
}
