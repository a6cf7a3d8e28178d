//! The access log: who received or changed what, grouped per person and day, paged back to
//! the circle's beginning.

use carecircle_shared::policy::{CircleAction, may};
use dioxus::prelude::*;

use crate::ui::access::readable;
use crate::ui::control::Action;
use crate::ui::model::Screen;
use crate::ui::widgets::{Empty, GoTo, Section, use_snapshot};

/// The access log screen.
#[component]
pub fn AccessLogScreen() -> Element {
    let snap = use_snapshot();
    let actions = use_coroutine_handle::<Action>();
    use_hook(move || actions.send(Action::LoadAccessLog { earlier: false }));
    let s = snap.read();
    let allowed = s
        .role()
        .is_some_and(|r| may(r, CircleAction::ReadAccessLog));
    let days = readable(&s.access_log, s.me, s.zone, s.now);
    let complete = s.access_log_complete;
    let busy = s.busy;
    drop(s);
    rsx! {
        h1 { "Access log" }
        GoTo { to: Screen::Circle, label: "Back to the circle", class: "button small secondary" }
        if !allowed {
            Empty { text: "Only the person the circle is for and their case manager see the access log." }
        } else {
            p { class: "fineprint", "Who received or changed what in this circle, newest first. Receiving means a copy reached their device when it synced." }
            if days.is_empty() { Empty { text: "The access log is shown when you are online." } }
            for d in days {
                Section { key: "{d.day}", title: d.day.clone(),
                    ul { class: "list log",
                        for (i, line) in d.lines.into_iter().enumerate() { li { key: "{i}", "{line}" } }
                    }
                }
            }
            if complete {
                p { class: "fineprint", "This is the beginning of the log." }
            } else {
                button { r#type: "button", class: "button secondary", disabled: busy,
                    onclick: move |_| actions.send(Action::LoadAccessLog { earlier: true }),
                    "Show earlier entries" }
            }
        }
    }
}
