//! The circle: members and roles; for the consumer, consent (member x document), invites and
//! removing someone; a way to the access log.

use carecircle_shared::policy::{CircleAction, access_can_change, may, may_invite};
use carecircle_shared::wire::{InviteInfo, MemberInfo};
use carecircle_shared::{Access, DocKind, ItemId, MemberId, Role};
use dioxus::prelude::*;

use crate::ui::control::Action;
use crate::ui::format;
use crate::ui::model::Screen;
use crate::ui::widgets::{Choice, Confirm, Empty, GoTo, Section, use_snapshot};

/// The circle screen.
#[component]
pub fn CircleScreen() -> Element {
    let snap = use_snapshot();
    let actions = use_coroutine_handle::<Action>();
    let role = snap.read().role();
    use_hook(move || {
        actions.send(Action::LoadMembers);
        actions.send(Action::LoadInvites);
    });
    let invite_role = use_signal(|| Role::Carer.as_str().to_string());
    let mut tap = use_signal(ItemId::random);
    let mut confirm = use_signal(|| None::<MemberId>);
    let s = snap.read();
    let Some(role) = role else {
        return rsx! { h1 { "Circle" } Empty { text: "You are not in a circle yet." } };
    };
    let members = s.members.clone();
    let me = s.me;
    let zone = s.zone;
    let invite = s.invite.clone();
    let outstanding: Vec<(InviteInfo, String)> = s
        .invites
        .iter()
        .map(|i| {
            let by = if Some(i.created_by) == me {
                "you".to_string()
            } else {
                s.name_of(Some(i.created_by))
            };
            (
                i.clone(),
                format!(
                    "For a {} · made by {by} · works until {}",
                    i.role.label().to_lowercase(),
                    format::when(i.expires_at, zone)
                ),
            )
        })
        .collect();
    drop(s);
    let can_consent = may(role, CircleAction::ChangeAccess);
    let can_revoke = may(role, CircleAction::RevokeMember);
    let invitable: Vec<(String, String)> = Role::ALL
        .iter()
        .filter(|r| may_invite(role, **r))
        .map(|r| (r.as_str().to_string(), r.label().to_string()))
        .collect();
    let confirming = confirm();
    let confirm_name = confirming
        .and_then(|m| members.iter().find(|x| x.member == m))
        .map(|m| m.display_name.clone())
        .unwrap_or_default();
    rsx! {
        h1 { "Circle" }
        Section { title: "Members",
            if members.is_empty() { Empty { text: "Members are shown when you are online." } }
            ul { class: "list",
                for m in members.iter().cloned() {
                    li { key: "{m.member}", class: "member",
                        p { class: "row-title", "{m.display_name}" if Some(m.member) == me { " (you)" } }
                        p { class: "row-sub", "{m.role.label()}" if let Some(r) = m.relationship { " · {r.label()}" } }
                        if can_consent && Some(m.member) != me && access_can_change(m.role) {
                            Consent { member: m.clone() }
                        } else {
                            p { class: "row-sub", "{summary(&m)}" }
                        }
                        if can_revoke && Some(m.member) != me && access_can_change(m.role) {
                            button { r#type: "button", class: "button small danger",
                                onclick: move |_| confirm.set(Some(m.member)), "Remove {m.display_name} from the circle" }
                        }
                    }
                }
            }
        }
        if let Some(member) = confirming {
            section { class: "card danger-zone", role: "alertdialog", "aria-labelledby": "confirm-title",
                h2 { id: "confirm-title", "Remove {confirm_name}?" }
                p { "They will stop receiving anything new straight away. Copies already on their devices cannot be recalled, but each device deletes its copy the next time it syncs." }
                div { class: "actions",
                    button { r#type: "button", class: "button danger", onclick: move |_| { actions.send(Action::Revoke(member)); confirm.set(None); }, "Yes, remove them" }
                    button { r#type: "button", class: "button secondary", onclick: move |_| confirm.set(None), "Keep them" }
                }
            }
        }
        if !invitable.is_empty() {
            Section { title: "Invite someone",
                form { onsubmit: move |e: FormEvent| {
                        e.prevent_default();
                        if let Some(role) = Role::parse(&invite_role()) { actions.send(Action::Invite { role, tap: tap() }); }
                    },
                    Choice { id: "invite-role", label: "They will join as", value: invite_role, options: invitable }
                    button { r#type: "submit", class: "button", "Create an invite code" }
                }
                if let Some(i) = invite {
                    p { class: "invite", "Invite code for a {i.role.label().to_lowercase()}: " strong { class: "code", "{i.code}" } }
                    p { class: "row-sub", "Works once, until {format::when(i.expires_at, zone)}. Pass it on in person or by phone." }
                    button { r#type: "button", class: "button small secondary", onclick: move |_| tap.set(ItemId::random()), "Make another code" }
                }
            }
        }
        if !outstanding.is_empty() {
            Section { title: "Invites not used yet",
                p { class: "fineprint", "Each code works once. Cancel one you no longer need, and it stops working at once." }
                ul { class: "list",
                    for (i, line) in outstanding {
                        li { key: "{i.id}",
                            p { class: "row-sub", "{line}" }
                            button { r#type: "button", class: "button small secondary",
                                onclick: move |_| actions.send(Action::CancelInvite(Box::new(i.clone()))),
                                "Cancel this invite" }
                        }
                    }
                }
            }
        }
        if may(role, CircleAction::ReadAccessLog) {
            Section { title: "Access log",
                p { class: "fineprint", "Who received or changed what, and when." }
                GoTo { to: Screen::AccessLog, label: "See the access log" }
            }
        }
        if may(role, CircleAction::Leave) {
            Section { title: "Leave this circle",
                p { "Your copies on this device will be deleted." }
                Confirm { label: "Leave the circle", question: "Leave this circle? You will need a new invite to come back.",
                    yes: "Yes, leave", on_yes: move |_| actions.send(Action::Leave) }
            }
        }
    }
}

fn summary(m: &MemberInfo) -> String {
    DocKind::ALL
        .iter()
        .map(|k| {
            format!(
                "{}: {}",
                k.label(),
                m.access
                    .get(k)
                    .copied()
                    .unwrap_or(Access::None)
                    .label()
                    .to_lowercase()
            )
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// One member's access to each document, as a table of choices.
#[component]
fn Consent(member: MemberInfo) -> Element {
    let actions = use_coroutine_handle::<Action>();
    rsx! {
        table { class: "consent",
            caption { "What {member.display_name} can see and change" }
            thead { tr { th { scope: "col", "Record" } th { scope: "col", "Access" } } }
            tbody {
                for kind in DocKind::ALL.iter().copied() {
                    tr { key: "{kind}",
                        th { scope: "row", "{kind.label()}" }
                        td {
                            select {
                                "aria-label": "{member.display_name}: {kind.label()}",
                                onchange: {
                                    let who = member.member;
                                    move |e: FormEvent| {
                                        if let Some(access) = Access::parse(&e.value()) {
                                            actions.send(Action::SetAccess { member: who, kind, access });
                                        }
                                    }
                                },
                                for a in Access::ALL.iter().copied() {
                                    option { key: "{a}", value: "{a}", selected: member.access.get(&kind).copied().unwrap_or(Access::None) == a, "{a.label()}" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
