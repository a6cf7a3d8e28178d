//! The caseload: every circle as a row of a work list (what needs attention, what changed, the
//! next appointment, the plan review), most pressing first, with a search.

use dioxus::prelude::*;

use crate::ops::caseload::CaseloadRow;
use crate::ui::control::Action;
use crate::ui::format;
use crate::ui::widgets::{Empty, Field, use_snapshot};

/// The caseload screen.
#[component]
pub fn CaseloadScreen() -> Element {
    let snap = use_snapshot();
    let search = use_signal(String::new);
    let s = snap.read();
    let rows = s.caseload.clone();
    let shown = s.circle_id();
    drop(s);
    let wanted = search().trim().to_lowercase();
    let found: Vec<CaseloadRow> = rows
        .iter()
        .filter(|r| wanted.is_empty() || r.name.to_lowercase().contains(&wanted))
        .cloned()
        .collect();
    let needing = rows
        .iter()
        .filter(|r| r.conflicts + r.attention + r.changes > 0)
        .count();
    rsx! {
        h1 { "Caseload" }
        p { class: "lead", "{rows.len()} circles · {needing} need a look. Most pressing first." }
        div { role: "search",
            Field { id: "caseload-search", label: "Find a person", value: search, kind: "search", autocomplete: "off" }
        }
        if found.is_empty() { Empty { text: "No circle matches that name." } }
        ul { class: "list caseload", "aria-label": "Circles",
            for r in found { CaseloadItem { key: "{r.id}", row: r.clone(), current: Some(r.id) == shown } }
        }
    }
}

/// One circle of the caseload; choosing it shows that circle's Today.
#[component]
pub fn CaseloadItem(row: CaseloadRow, current: bool) -> Element {
    let snap = use_snapshot();
    let actions = use_coroutine_handle::<Action>();
    let zone = snap.read().zone;
    let facts = facts(&row);
    let next = row
        .next
        .as_ref()
        .map(|a| {
            format!(
                "Next: {} · {}",
                a.purpose,
                format::appointment_time(a, zone)
            )
        })
        .unwrap_or_else(|| "No appointment booked".into());
    let urgent = row.conflicts > 0 || row.attention > 0;
    let id = row.id;
    rsx! {
        li { class: if urgent { "caseload-row urgent" } else { "caseload-row" },
            button { r#type: "button", class: if current { "row selected" } else { "row" },
                "aria-current": if current { Some("true") } else { None },
                onclick: move |_| actions.send(Action::SelectCircle(id)),
                span { class: "row-title", "{row.name}" }
                span { class: "row-sub", "{facts}" }
                span { class: "row-sub", "{next}" }
            }
        }
    }
}

/// "1 to settle · 2 need attention · 3 changes · plan review 2026-12-10", or "Nothing new".
pub fn facts(r: &CaseloadRow) -> String {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut out = Vec::new();
    if r.conflicts > 0 {
        out.push(plural(r.conflicts, "to settle", "to settle"));
    }
    if r.attention > 0 {
        out.push(plural(r.attention, "needs attention", "need attention"));
    }
    if r.changes > 0 {
        out.push(plural(
            r.changes,
            "change since you looked",
            "changes since you looked",
        ));
    }
    if let Some(d) = &r.review {
        out.push(if r.review_due {
            format!("plan review due {d}")
        } else {
            format!("plan review {d}")
        });
    }
    if out.is_empty() {
        "Nothing new".into()
    } else {
        out.join(" · ")
    }
}
