//! The care team and organisations: tap to call or email, who to call if something goes wrong,
//! who is informed of changes; add, edit and remove; supports and respite; the service to contact
//! when there is no case manager.

use carecircle_shared::ItemId;
use carecircle_shared::schema::{Organisation, ServiceContact, TeamMember};
use dioxus::prelude::*;

use crate::ui::control::{Action, Edited};
use crate::ui::format;
use crate::ui::model::Screen;
use crate::ui::widgets::{
    Check, Confirm, EditableText, Empty, Field, GoTo, NotShared, Section, TextField,
    WillBeInformed, use_snapshot,
};
use carecircle_shared::DocKind;

/// "Who to call if something goes wrong": always one tap from Today.
#[component]
pub fn WhoToCall(compact: bool) -> Element {
    let snap = use_snapshot();
    let s = snap.read();
    let Some(team) = s.circle.as_ref().and_then(|c| c.team.clone()) else {
        return rsx! {};
    };
    // With no case manager in the circle, the service itself is who to call.
    let no_case_manager = !s.members.is_empty()
        && !s
            .members
            .iter()
            .any(|m| m.role == carecircle_shared::Role::CaseManager);
    drop(s);
    let service = team.service_contact.clone();
    let has_service = !service.name.trim().is_empty() || !service.phone.trim().is_empty();
    let people: Vec<TeamMember> = team.who_to_call().into_iter().cloned().collect();
    let orgs: Vec<Organisation> = team
        .organisations
        .values()
        .filter(|o| !o.contact_if_something_goes_wrong.trim().is_empty())
        .cloned()
        .collect();
    rsx! {
        section { class: "card urgent", "aria-labelledby": "who-to-call",
            h2 { id: "who-to-call", "Who to call if something goes wrong" }
            if people.is_empty() && orgs.is_empty() && !has_service {
                Empty { text: "Nobody is marked as the person to call yet. Add them in Care team." }
            }
            if no_case_manager && !has_service {
                p { class: "row-sub", "There is no case manager in this circle. Add the mental health service's contact in Care team." }
            }
            ul { class: "list",
                for m in people {
                    li { key: "{m.id}", class: "contact",
                        div {
                            p { class: "row-title", "{m.name}" }
                            p { class: "row-sub", "{m.role_title}" }
                            if !m.hours.is_empty() { p { class: "row-sub", "{m.hours}" } }
                        }
                        if !m.phone.is_empty() {
                            a { class: "button call", href: "{format::tel(&m.phone)}", "aria-label": "Call {m.phone}, {m.name}", "Call {m.phone}" }
                        }
                    }
                }
                if has_service {
                    li { class: "contact",
                        div {
                            p { class: "row-title", "{service.name}" }
                            p { class: "row-sub", if no_case_manager { "The service to contact while there is no case manager" } else { "The mental health service (if there is no case manager)" } }
                            if !service.hours.is_empty() { p { class: "row-sub", "{service.hours}" } }
                        }
                        if !service.phone.is_empty() {
                            a { class: "button call", href: "{format::tel(&service.phone)}", "aria-label": "Call {service.phone}, {service.name}", "Call {service.phone}" }
                        }
                    }
                }
                for o in orgs {
                    li { key: "{o.id}", class: "contact",
                        div {
                            p { class: "row-title", "{o.name}" }
                            p { class: "row-sub", "{o.contact_if_something_goes_wrong}" }
                        }
                        if !o.phone.is_empty() {
                            a { class: "button call", href: "{format::tel(&o.phone)}", "aria-label": "Call {o.phone}, {o.name}", "Call {o.phone}" }
                        }
                    }
                }
            }
            if compact { GoTo { to: Screen::Team, label: "The whole care team" } }
        }
    }
}

/// The care team screen.
#[component]
pub fn TeamScreen() -> Element {
    let snap = use_snapshot();
    let actions = use_coroutine_handle::<Action>();
    let mut editing = use_signal(|| None::<TeamMember>);
    let mut editing_org = use_signal(|| None::<Organisation>);
    let s = snap.read();
    let Some(team) = s.circle.as_ref().and_then(|c| c.team.clone()) else {
        return rsx! { h1 { "Care team" } NotShared { what: "care team" } };
    };
    let can_write = s
        .circle
        .as_ref()
        .is_some_and(|c| c.can_write(DocKind::Team));
    drop(s);
    if let Some(m) = editing() {
        return rsx! { MemberForm { member: m, done: editing } };
    }
    if let Some(o) = editing_org() {
        return rsx! { OrganisationForm { org: o, done: editing_org } };
    }
    let orgs = team.organisations.clone();
    rsx! {
        h1 { "Care team" }
        WhoToCall { compact: false }
        Section { title: "People",
            if team.members.is_empty() { Empty { text: "No care team members yet." } }
            ul { class: "list",
                for m in team.members.values().cloned() {
                    li { key: "{m.id}", class: "contact-card",
                        p { class: "row-title", "{m.name}" }
                        p { class: "row-sub",
                            "{m.role_title}"
                            if let Some(o) = m.organisation_id.as_ref().and_then(|o| orgs.get(o)) { ", {o.name}" }
                        }
                        if !m.hours.is_empty() { p { class: "row-sub", "{m.hours}" } }
                        p { class: "flags",
                            if m.contact_if_something_goes_wrong { span { class: "badge warn", "Call if something goes wrong" } }
                            if m.informed_of_changes { span { class: "badge", "Informed of changes" } }
                        }
                        div { class: "actions",
                            if !m.phone.is_empty() { a { class: "button secondary", href: "{format::tel(&m.phone)}", "aria-label": "Call {m.phone}, {m.name}", "Call {m.phone}" } }
                            if !m.email.is_empty() { a { class: "button secondary", href: "mailto:{m.email}", "aria-label": "Email {m.name}", "Email" } }
                            if can_write {
                                button { r#type: "button", class: "button secondary", "aria-label": "Edit {m.name}",
                                    onclick: { let m = m.clone(); move |_| editing.set(Some(m.clone())) }, "Edit" }
                            }
                        }
                    }
                }
            }
            if can_write {
                button { r#type: "button", class: "button",
                    onclick: move |_| editing.set(Some(TeamMember { id: ItemId::random(), ..TeamMember::default() })),
                    "Add a person" }
            }
        }
        Section { title: "Organisations",
            if orgs.is_empty() { Empty { text: "No organisations yet." } }
            ul { class: "list",
                for o in orgs.values().cloned() {
                    li { key: "{o.id}", class: "contact-card",
                        p { class: "row-title", "{o.name}" }
                        p { class: "row-sub", "{o.service_type}" }
                        if !o.address.is_empty() { p { class: "row-sub", "{o.address}" } }
                        if !o.contact_if_something_goes_wrong.is_empty() { p { "If something goes wrong: {o.contact_if_something_goes_wrong}" } }
                        div { class: "actions",
                            if !o.phone.is_empty() { a { class: "button secondary", href: "{format::tel(&o.phone)}", "aria-label": "Call {o.phone}, {o.name}", "Call {o.phone}" } }
                            if !o.email.is_empty() { a { class: "button secondary", href: "mailto:{o.email}", "aria-label": "Email {o.name}", "Email" } }
                            if can_write {
                                button { r#type: "button", class: "button secondary", "aria-label": "Edit {o.name}",
                                    onclick: { let o = o.clone(); move |_| editing_org.set(Some(o.clone())) }, "Edit" }
                            }
                        }
                    }
                }
            }
            if can_write {
                button { r#type: "button", class: "button",
                    onclick: move |_| editing_org.set(Some(Organisation { id: ItemId::random(), ..Organisation::default() })),
                    "Add an organisation" }
            }
        }
        Section { title: "Supports and respite",
            p { class: "fineprint", "Supports in place and respite are the carers' business too: everyone who sees the care team sees these." }
            EditableText { id: "team-supports", label: "Supports", value: team.supports.supports.clone(), can_write, kind: DocKind::Team,
                on_save: move |v: String| actions.send(Action::EditTeam { what: "Updated supports", edit: Box::new(move |t| t.supports.supports = v) }) }
            EditableText { id: "team-respite", label: "Respite", value: team.supports.respite.clone(), can_write, kind: DocKind::Team,
                on_save: move |v: String| actions.send(Action::EditTeam { what: "Updated respite", edit: Box::new(move |t| t.supports.respite = v) }) }
        }
        ServiceContactCard { contact: team.service_contact.clone(), can_write }
    }
}

/// The public mental health service to contact when there is no case manager.
#[component]
fn ServiceContactCard(contact: ServiceContact, can_write: bool) -> Element {
    let actions = use_coroutine_handle::<Action>();
    let mut editing = use_signal(|| false);
    let name = use_signal(|| contact.name.clone());
    let phone = use_signal(|| contact.phone.clone());
    let hours = use_signal(|| contact.hours.clone());
    let notes = use_signal(|| contact.notes.clone());
    let mut problem = use_signal(|| None::<String>);
    let opened = contact.clone();
    rsx! {
        Section { title: "If there is no case manager",
            if editing() {
                form { onsubmit: move |e: FormEvent| {
                        e.prevent_default();
                        let saved = ServiceContact { name: name().trim().into(), phone: phone().trim().into(), hours: hours().trim().into(), notes: notes().trim().into() };
                        let team = carecircle_shared::schema::Team { service_contact: saved.clone(), ..Default::default() };
                        if let Err(p) = carecircle_shared::schema::DocSchema::validate_change(&team, &Default::default(), &Default::default()) {
                            problem.set(Some(p.plain()));
                            return;
                        }
                        problem.set(None);
                        let opened = opened.clone();
                        actions.send(Action::EditTeam { what: "Updated the service contact", edit: Box::new(move |t| {
                            let c = &mut t.service_contact;
                            if saved.name != opened.name { c.name = saved.name; }
                            if saved.phone != opened.phone { c.phone = saved.phone; }
                            if saved.hours != opened.hours { c.hours = saved.hours; }
                            if saved.notes != opened.notes { c.notes = saved.notes; }
                        }) });
                        editing.set(false);
                    },
                    if let Some(p) = problem() { p { class: "field-error", role: "alert", "{p}" } }
                    Field { id: "service-name", label: "Service", value: name, hint: "For example the area mental health service's intake line" }
                    Field { id: "service-phone", label: "Phone", value: phone, kind: "tel", autocomplete: "tel" }
                    Field { id: "service-hours", label: "When to call", value: hours }
                    TextField { id: "service-notes", label: "Anything else", value: notes }
                    WillBeInformed { kind: DocKind::Team }
                    div { class: "actions",
                        button { r#type: "submit", class: "button small", "Save" }
                        button { r#type: "button", class: "button small secondary", onclick: move |_| editing.set(false), "Cancel" }
                    }
                }
            } else {
                if contact.name.is_empty() && contact.phone.is_empty() {
                    Empty { text: "No service contact written down yet. If there is no current case manager, the public mental health service for the area is who to contact." }
                } else {
                    p { class: "row-title", "{contact.name}" }
                    if !contact.hours.is_empty() { p { class: "row-sub", "{contact.hours}" } }
                    if !contact.notes.is_empty() { p { "{contact.notes}" } }
                    if !contact.phone.is_empty() {
                        a { class: "button secondary", href: "{format::tel(&contact.phone)}", "aria-label": "Call {contact.phone}, {contact.name}", "Call {contact.phone}" }
                    }
                }
                if can_write {
                    button { r#type: "button", class: "button small secondary", "aria-label": "Edit the service contact", onclick: move |_| editing.set(true), "Edit" }
                }
            }
        }
    }
}

#[component]
fn MemberForm(member: TeamMember, done: Signal<Option<TeamMember>>) -> Element {
    let actions = use_coroutine_handle::<Action>();
    let name = use_signal(|| member.name.clone());
    let role = use_signal(|| member.role_title.clone());
    let phone = use_signal(|| member.phone.clone());
    let email = use_signal(|| member.email.clone());
    let address = use_signal(|| member.address.clone());
    let hours = use_signal(|| member.hours.clone());
    let notes = use_signal(|| member.notes.clone());
    let urgent = use_signal(|| member.contact_if_something_goes_wrong);
    let informed = use_signal(|| member.informed_of_changes);
    let base = member.clone();
    let id = member.id.clone();
    rsx! {
        h1 { if member.name.is_empty() { "Add a person" } else { "Edit {member.name}" } }
        form { class: "card", onsubmit: move |e: FormEvent| {
                e.prevent_default();
                let mut m = base.clone();
                m.name = name().trim().to_string();
                m.role_title = role();
                m.phone = phone();
                m.email = email();
                m.address = address();
                m.hours = hours();
                m.notes = notes();
                m.contact_if_something_goes_wrong = urgent();
                m.informed_of_changes = informed();
                actions.send(Action::SaveTeamMember(Box::new(Edited { opened: base.clone(), saved: m })));
                done.set(None);
            },
            Field { id: "tm-name", label: "Name", value: name }
            Field { id: "tm-role", label: "Role (for example GP, psychiatrist)", value: role }
            Field { id: "tm-phone", label: "Phone", value: phone, kind: "tel" }
            Field { id: "tm-email", label: "Email", value: email, kind: "email" }
            Field { id: "tm-address", label: "Address", value: address }
            Field { id: "tm-hours", label: "When to reach them", value: hours }
            TextField { id: "tm-notes", label: "Notes", value: notes }
            Check { id: "tm-urgent", label: "Contact if something goes wrong", checked: urgent }
            Check { id: "tm-informed", label: "Informed of changes", checked: informed }
            div { class: "actions",
                WillBeInformed { kind: DocKind::Team }
                button { r#type: "submit", class: "button", "Save" }
                button { r#type: "button", class: "button secondary", onclick: move |_| done.set(None), "Back without saving" }
                if !member.name.is_empty() {
                    Confirm { label: "Remove from the team", question: "Remove {member.name} from the care team?",
                        yes: "Yes, remove them", on_yes: move |_| { actions.send(Action::RemoveTeamMember(id.clone())); done.set(None); } }
                }
            }
        }
    }
}

#[component]
fn OrganisationForm(org: Organisation, done: Signal<Option<Organisation>>) -> Element {
    let actions = use_coroutine_handle::<Action>();
    let name = use_signal(|| org.name.clone());
    let kind = use_signal(|| org.service_type.clone());
    let phone = use_signal(|| org.phone.clone());
    let email = use_signal(|| org.email.clone());
    let address = use_signal(|| org.address.clone());
    let urgent = use_signal(|| org.contact_if_something_goes_wrong.clone());
    let notes = use_signal(|| org.notes.clone());
    let base = org.clone();
    let id = org.id.clone();
    rsx! {
        h1 { if org.name.is_empty() { "Add an organisation" } else { "Edit {org.name}" } }
        form { class: "card", onsubmit: move |e: FormEvent| {
                e.prevent_default();
                let mut o = base.clone();
                o.name = name().trim().to_string();
                o.service_type = kind();
                o.phone = phone();
                o.email = email();
                o.address = address();
                o.contact_if_something_goes_wrong = urgent();
                o.notes = notes();
                actions.send(Action::SaveOrganisation(Box::new(Edited { opened: base.clone(), saved: o })));
                done.set(None);
            },
            Field { id: "org-name", label: "Name", value: name }
            Field { id: "org-type", label: "Kind of service", value: kind }
            Field { id: "org-phone", label: "Phone", value: phone, kind: "tel" }
            Field { id: "org-email", label: "Email", value: email, kind: "email" }
            Field { id: "org-address", label: "Address", value: address }
            Field { id: "org-urgent", label: "Who to contact there if something goes wrong", value: urgent }
            TextField { id: "org-notes", label: "Notes", value: notes }
            div { class: "actions",
                WillBeInformed { kind: DocKind::Team }
                button { r#type: "submit", class: "button", "Save" }
                button { r#type: "button", class: "button secondary", onclick: move |_| done.set(None), "Back without saving" }
                if !org.name.is_empty() {
                    Confirm { label: "Remove", question: "Remove {org.name} from the organisations?",
                        yes: "Yes, remove it", on_yes: move |_| { actions.send(Action::RemoveOrganisation(id.clone())); done.set(None); } }
                }
            }
        }
    }
}
