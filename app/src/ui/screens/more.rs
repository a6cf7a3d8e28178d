//! More: the rest of the app (team, plan, what's changed, circle, written copies), circle
//! switching, and settings with a safe sign-out.

use dioxus::prelude::*;

use crate::ui::control::Action;
use crate::ui::model::Screen;
use crate::ui::screens::start::JoinOrCreate;
use crate::ui::widgets::{GoTo, Section, use_snapshot};

/// The menu behind the "More" tab.
#[component]
pub fn MoreScreen() -> Element {
    let snap = use_snapshot();
    let s = snap.read();
    let new = s.circle.as_ref().map(|c| c.feed.len()).unwrap_or(0);
    let conflicts = s.circle.as_ref().map(|c| c.conflicts.len()).unwrap_or(0);
    let kept = s.refused.len();
    let caseload = s.caseload.len();
    let log = s.role().is_some_and(|r| {
        carecircle_shared::policy::may(r, carecircle_shared::policy::CircleAction::ReadAccessLog)
    });
    drop(s);
    let changed = match (new, conflicts) {
        (0, 0) => "What's changed".to_string(),
        (n, 0) => format!("What's changed ({n} new)"),
        (n, c) => format!("What's changed ({n} new, {c} to settle)"),
    };
    rsx! {
        h1 { "More" }
        nav { class: "menu", "aria-label": "More screens",
            GoTo { to: Screen::Team, label: "Care team and organisations", class: "row" }
            GoTo { to: Screen::Plan, label: "Plan", class: "row" }
            GoTo { to: Screen::Changes, label: changed, class: "row" }
            GoTo { to: Screen::Information, label: "Information about the condition and the journey", class: "row" }
            if caseload > 0 { GoTo { to: Screen::Caseload, label: "All circles ({caseload})", class: "row" } }
            GoTo { to: Screen::Circle, label: "Circle: members, consent, invites", class: "row" }
            if log { GoTo { to: Screen::AccessLog, label: "Access log", class: "row" } }
            if kept > 0 { GoTo { to: Screen::Kept, label: "Kept on this device ({kept})", class: "row" } }
            GoTo { to: Screen::Settings, label: "Settings and sign out", class: "row" }
        }
    }
}

/// Settings: who I am, which server, joining another circle, signing out.
#[component]
pub fn SettingsScreen() -> Element {
    let snap = use_snapshot();
    let actions = use_coroutine_handle::<Action>();
    let s = snap.read();
    let name = s.my_name.clone();
    let server = s.server.clone();
    let check = s.sign_out_check;
    drop(s);
    rsx! {
        h1 { "Settings" }
        Section { title: "This device",
            p { "Signed in as {name}." }
            p { class: "row-sub", "Syncs with {server}" }
        }
        Section { title: "Join or start another circle",
            JoinOrCreate {}
        }
        Section { title: "Sign out",
            p { "Signing out deletes everything this app keeps on this device." }
            match check {
                None => rsx! {
                    button { r#type: "button", class: "button secondary", onclick: move |_| actions.send(Action::CheckSignOut), "Sign out" }
                },
                Some(0) => rsx! {
                    p { role: "status", "Everything you wrote has been synced; nothing will be lost." }
                    button { r#type: "button", class: "button danger", onclick: move |_| actions.send(Action::SignOut { discard: false }), "Sign out and delete local data" }
                },
                Some(n) => rsx! {
                    p { role: "alert", class: "error", "{n} of your changes have not reached the server yet. Signing out now would lose them. Connect to the internet and sync first." }
                    button { r#type: "button", class: "button", onclick: move |_| actions.send(Action::Sync), "Try to sync now" }
                    button { r#type: "button", class: "button danger", onclick: move |_| actions.send(Action::SignOut { discard: true }), "Sign out anyway and lose them" }
                },
            }
        }
    }
}
