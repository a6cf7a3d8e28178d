//! Start: server address, sign in or create an account, then join a circle with an invite code
//! or start one.

use carecircle_shared::policy::CIRCLE_CREATORS;
use carecircle_shared::{Relationship, Role};
use dioxus::prelude::*;

use crate::ui::control::Action;
use crate::ui::widgets::{Choice, Field, use_snapshot};

/// The start screen (no session on this device).
#[component]
pub fn Start() -> Element {
    let snap = use_snapshot();
    let actions = use_coroutine_handle::<Action>();
    let mut creating = use_signal(|| false);
    let server = use_signal(|| snap.peek().server.clone());
    let username = use_signal(String::new);
    let password = use_signal(String::new);
    let display = use_signal(String::new);
    let busy = snap.read().busy;
    let submit = move |e: FormEvent| {
        e.prevent_default();
        if server() != snap.peek().server && !server().trim().is_empty() {
            actions.send(Action::SetServer(server()));
        }
        if creating() {
            actions.send(Action::Register {
                username: username(),
                password: password(),
                display_name: display(),
            });
        } else {
            actions.send(Action::SignIn {
                username: username(),
                password: password(),
            });
        }
    };
    rsx! {
        h1 { "CareCircle" }
        p { class: "lead", "One shared record for you and the people who support you: the care team, appointments, questions, the plan and notes. It works without signal." }
        form { class: "card", onsubmit: submit,
            h2 { if creating() { "Create an account" } else { "Sign in" } }
            Field { id: "username", label: "Username", value: username, autocomplete: "username" }
            Field { id: "password", label: "Password", value: password, kind: "password",
                autocomplete: if creating() { "new-password" } else { "current-password" },
                hint: if creating() { "At least 10 characters." } else { "" } }
            if creating() { Field { id: "display-name", label: "Your name, as others in the circle will see it", value: display } }
            details {
                summary { "Server" }
                Field { id: "server", label: "Server address", value: server, kind: "url", hint: "Leave as it is unless your service gave you another address." }
            }
            button { r#type: "submit", class: "button", disabled: busy, if creating() { "Create account" } else { "Sign in" } }
        }
        button { r#type: "button", class: "button secondary", onclick: move |_| creating.toggle(),
            if creating() { "I already have an account" } else { "Create an account instead" } }
    }
}

/// Join with an invite code, or start a circle.
#[component]
pub fn JoinOrCreate() -> Element {
    let actions = use_coroutine_handle::<Action>();
    let code = use_signal(String::new);
    let relationship = use_signal(String::new);
    let name = use_signal(String::new);
    let role = use_signal(|| Role::Consumer.as_str().to_string());
    let mut relations = vec![(
        String::new(),
        "I am not a carer / prefer not to say".to_string(),
    )];
    relations.extend(
        Relationship::ALL
            .iter()
            .map(|r| (r.as_str().to_string(), r.label().to_string())),
    );
    let creators: Vec<(String, String)> = CIRCLE_CREATORS
        .iter()
        .map(|r| {
            (
                r.as_str().to_string(),
                match r {
                    Role::Consumer => "It is for me".to_string(),
                    other => format!("I am the {}", other.label().to_lowercase()),
                },
            )
        })
        .collect();
    rsx! {
        form { class: "subform", onsubmit: move |e: FormEvent| {
                e.prevent_default();
                if code().trim().is_empty() { return; }
                actions.send(Action::Join { code: code(), relationship: Relationship::parse(&relationship()) });
            },
            h3 { "Join with an invite code" }
            Field { id: "invite-code", label: "Invite code", value: code, autocomplete: "one-time-code" }
            Choice { id: "relationship", label: "If you are a carer: how you are related", value: relationship, options: relations }
            button { r#type: "submit", class: "button", "Join" }
        }
        form { class: "subform", onsubmit: move |e: FormEvent| {
                e.prevent_default();
                if name().trim().is_empty() { return; }
                if let Some(role) = Role::parse(&role()) { actions.send(Action::CreateCircle { name: name(), role }); }
            },
            h3 { "Start a circle" }
            Field { id: "circle-name", label: "Circle name (for example, a first name)", value: name }
            Choice { id: "circle-role", label: "Who is it for?", value: role, options: creators }
            button { r#type: "submit", class: "button secondary", "Start the circle" }
        }
    }
}
