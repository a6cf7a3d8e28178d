//! The individual service plan: the full assessment, goals, review, areas (with "not yet
//! discussed" respected), treatment, crisis, dependent children, and ending involvement with
//! the completion letter and referrals. Writers edit each part in place.

use carecircle_shared::schema::{
    AreaStatus, Assessment, AssessmentSection, Ending, Goal, GoalStatus, LifeArea, PastReview,
    Plan, Referral,
};
use carecircle_shared::validation::{self as v, ValidationError};
use carecircle_shared::{DocKind, ItemId};
use dioxus::prelude::*;

use crate::ui::control::{Action, Edited, PlanList};
use crate::ui::model::{Screen, Written};
use crate::ui::screens::changes::{ConflictList, History};
use crate::ui::widgets::{
    Check, Choice, Confirm, EditableText, Empty, Field, GoTo, NotShared, Section, TextField,
    WillBeInformed, use_snapshot,
};

/// The plan's free-text fields a writer can change here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PlanField {
    Treatment,
    WarningSigns,
    WhatHelps,
    OtherContacts,
    DependentChildren,
    SupportForChildren,
    DecidedWith,
    Explanation,
    HowToReturn,
}

impl PlanField {
    fn set(self, p: &mut Plan, v: String) {
        let field = match self {
            PlanField::Treatment => &mut p.treatment_summary,
            PlanField::WarningSigns => &mut p.crisis.warning_signs,
            PlanField::WhatHelps => &mut p.crisis.what_helps,
            PlanField::OtherContacts => &mut p.crisis.other_contacts,
            PlanField::DependentChildren => &mut p.children.dependent_children,
            PlanField::SupportForChildren => &mut p.children.support_for_children,
            PlanField::DecidedWith => &mut p.ending.decided_with,
            PlanField::Explanation => &mut p.ending.explanation,
            PlanField::HowToReturn => &mut p.ending.how_to_return,
        };
        *field = v;
    }
}

/// The plan screen.
#[component]
pub fn PlanScreen() -> Element {
    let snap = use_snapshot();
    let s = snap.read();
    let Some(c) = s.circle.clone() else {
        return rsx! { NotShared { what: "plan" } };
    };
    let Some(plan) = c.plan.clone() else {
        return rsx! { h1 { "Plan" } NotShared { what: "plan" } };
    };
    drop(s);
    let can_write = c.can_write(DocKind::Plan);
    let crisis_people = c.team_people(&plan.crisis.who_to_contact);
    let history = c.history.get(&DocKind::Plan).cloned().unwrap_or_default();
    let a = &plan.assessment;
    let assessment: Vec<(AssessmentPart, AssessmentSection)> = AssessmentPart::ALL
        .iter()
        .map(|part| (*part, part.of(a).clone()))
        .collect();
    let areas: Vec<(LifeArea, AreaStatus, String)> = plan
        .areas
        .iter()
        .into_iter()
        .map(|(l, a)| (l, a.status, a.notes.clone()))
        .collect();
    let mut goals: Vec<Goal> = plan.goals.values().cloned().collect();
    goals.sort_by_key(|g| g.life_area);
    let mut reviews: Vec<PastReview> = plan.review.past.values().cloned().collect();
    reviews.sort_by(|a, b| b.date.cmp(&a.date));
    let referrals: Vec<Referral> = plan.ending.referrals.values().cloned().collect();
    rsx! {
        h1 { "Plan" }
        div { class: "actions",
            GoTo { to: Screen::Written(Written::Plan), label: "Written copy to print" }
        }
        ConflictList { kind: Some(DocKind::Plan), prefix: Vec::new() }
        Section { title: "Full assessment",
            for (part, section) in assessment {
                AssessmentView { key: "{part.title()}", part, section, can_write }
            }
        }
        Section { title: "Goals",
            if goals.is_empty() { Empty { text: "No goals written down yet." } }
            for g in goals { GoalCard { key: "{g.id}", goal: g, can_write } }
            if can_write { GoalForm { goal: Goal { id: ItemId::random(), ..Goal::default() }, title: "Add a goal" } }
        }
        Section { title: "Review",
            ReviewDate { date: plan.review.next_review_date.clone().unwrap_or_default(), can_write }
            if reviews.is_empty() { Empty { text: "No reviews recorded yet." } }
            for r in reviews { ReviewCard { key: "{r.id}", review: r, can_write } }
            if can_write { ReviewForm { review: None } }
        }
        Section { title: "Areas of life",
            p { class: "fineprint", "“Not yet discussed” is a choice to be respected; it can be talked about when the time is right." }
            for (area, status, notes) in areas { AreaRow { key: "{area}", area, status, notes, can_write } }
        }
        Section { title: "Treatment",
            PlanText { label: "Treatment summary", value: plan.treatment_summary.clone(), what: "Updated the treatment summary", field: PlanField::Treatment, can_write }
        }
        Section { title: "If things get difficult",
            PlanText { label: "Early warning signs", value: plan.crisis.warning_signs.clone(), what: "Updated the crisis plan", field: PlanField::WarningSigns, can_write }
            PlanText { label: "What helps", value: plan.crisis.what_helps.clone(), what: "Updated the crisis plan", field: PlanField::WhatHelps, can_write }
            h3 { "Who to contact" }
            if crisis_people.is_empty() { Empty { text: "Nobody named in the plan yet." } }
            ul { class: "list", for p in crisis_people { li { key: "{p}", "{p}" } } }
            PlanText { label: "Other contacts", value: plan.crisis.other_contacts.clone(), what: "Updated the crisis plan", field: PlanField::OtherContacts, can_write }
        }
        Section { title: "Dependent children",
            PlanText { label: "Dependent children", value: plan.children.dependent_children.clone(), what: "Updated dependent children", field: PlanField::DependentChildren, can_write }
            PlanText { label: "Support for the children", value: plan.children.support_for_children.clone(), what: "Updated dependent children", field: PlanField::SupportForChildren, can_write }
            p { class: "fineprint", "Supports and respite are kept with the care team, where carers can see them too." }
            GoTo { to: Screen::Team, label: "Supports and respite" }
        }
        Section { title: "Ending involvement",
            PlanText { label: "Decided together with", value: plan.ending.decided_with.clone(), what: "Updated ending involvement", field: PlanField::DecidedWith, can_write }
            PlanText { label: "Why the plan is no longer needed", value: plan.ending.explanation.clone(), what: "Updated ending involvement", field: PlanField::Explanation, can_write }
            PlanText { label: "How to come back to the service", value: plan.ending.how_to_return.clone(), what: "Updated ending involvement", field: PlanField::HowToReturn, can_write }
            Completion { ending: plan.ending.clone(), can_write }
            h3 { "Referrals (with consent)" }
            if referrals.is_empty() { Empty { text: "No referrals." } }
            ul { class: "list",
                for r in referrals { ReferralCard { key: "{r.id}", referral: r, can_write } }
            }
            if can_write { ReferralForm { referral: None } }
        }
        History { entries: history, title: "History of the plan" }
    }
}

/// One text field of the plan, editable by writers.
#[component]
fn PlanText(
    label: String,
    value: String,
    what: &'static str,
    field: PlanField,
    can_write: bool,
) -> Element {
    let actions = use_coroutine_handle::<Action>();
    let id = format!(
        "plan-{}",
        label
            .to_lowercase()
            .replace(|c: char| !c.is_alphanumeric(), "-")
    );
    rsx! {
        EditableText { id, label, value, can_write, kind: DocKind::Plan,
            on_save: move |v: String| actions.send(Action::EditPlan { what, edit: Box::new(move |p| field.set(p, v)) }) }
    }
}

/// The four parts of the full assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AssessmentPart {
    MentalState,
    Physical,
    SubstanceUse,
    NeedForServices,
}

impl AssessmentPart {
    const ALL: [AssessmentPart; 4] = [
        AssessmentPart::MentalState,
        AssessmentPart::Physical,
        AssessmentPart::SubstanceUse,
        AssessmentPart::NeedForServices,
    ];

    fn title(self) -> &'static str {
        match self {
            AssessmentPart::MentalState => "Mental state examination",
            AssessmentPart::Physical => "Physical examination",
            AssessmentPart::SubstanceUse => "Co-occurring alcohol and other drug use",
            AssessmentPart::NeedForServices => "Need for services",
        }
    }

    fn of(self, a: &Assessment) -> &AssessmentSection {
        match self {
            AssessmentPart::MentalState => &a.mental_state,
            AssessmentPart::Physical => &a.physical,
            AssessmentPart::SubstanceUse => &a.substance_use,
            AssessmentPart::NeedForServices => &a.need_for_services,
        }
    }

    fn of_mut(self, a: &mut Assessment) -> &mut AssessmentSection {
        match self {
            AssessmentPart::MentalState => &mut a.mental_state,
            AssessmentPart::Physical => &mut a.physical,
            AssessmentPart::SubstanceUse => &mut a.substance_use,
            AssessmentPart::NeedForServices => &mut a.need_for_services,
        }
    }

    fn key(self) -> &'static str {
        match self {
            AssessmentPart::MentalState => "mental-state",
            AssessmentPart::Physical => "physical",
            AssessmentPart::SubstanceUse => "substance-use",
            AssessmentPart::NeedForServices => "need-for-services",
        }
    }
}

/// One part of the assessment: when, by whom, the summary; a writer edits it in place.
#[component]
fn AssessmentView(part: AssessmentPart, section: AssessmentSection, can_write: bool) -> Element {
    let actions = use_coroutine_handle::<Action>();
    let mut editing = use_signal(|| false);
    let mut done_on = use_signal(|| section.done_on.clone().unwrap_or_default());
    let mut done_by = use_signal(|| section.done_by.clone());
    let mut summary = use_signal(|| section.summary.clone());
    let mut problem = use_signal(|| None::<ValidationError>);
    let when = match (&section.done_on, section.done_by.is_empty()) {
        (Some(d), false) => format!("{d}, by {}", section.done_by),
        (Some(d), true) => d.clone(),
        (None, false) => format!("By {}", section.done_by),
        (None, true) => "Not done yet".into(),
    };
    let key = part.key();
    let opened = section.clone();
    let error_for = move |f: &str| {
        problem()
            .filter(|p| p.field() == Some(f))
            .map(|p| p.plain())
    };
    rsx! {
        div { class: "plan-text",
            h3 { "{part.title()}" }
            if editing() {
                form { onsubmit: move |e: FormEvent| {
                        e.prevent_default();
                        let saved = AssessmentSection {
                            done_on: Some(done_on().trim().to_string()).filter(|d| !d.is_empty()),
                            done_by: done_by().trim().to_string(),
                            summary: summary().trim().to_string(),
                        };
                        let check = v::optional_date("done_on", &saved.done_on)
                            .and_then(|_| v::short("done_by", &saved.done_by))
                            .and_then(|_| v::long("summary", &saved.summary));
                        if let Err(p) = check {
                            let f = match p.field() { Some("done_on") => "on", Some("done_by") => "by", _ => "summary" };
                            problem.set(Some(p));
                            crate::ui::platform::focus(&format!("assessment-{key}-{f}"));
                            return;
                        }
                        problem.set(None);
                        // Only what the person changed is written: someone else's edit of
                        // another field of this part, arriving meanwhile, stays.
                        let opened = opened.clone();
                        actions.send(Action::EditPlan { what: "Updated the assessment", edit: Box::new(move |p| {
                            let s = part.of_mut(&mut p.assessment);
                            if saved.done_on != opened.done_on { s.done_on = saved.done_on; }
                            if saved.done_by != opened.done_by { s.done_by = saved.done_by; }
                            if saved.summary != opened.summary { s.summary = saved.summary; }
                        }) });
                        editing.set(false);
                    },
                    Field { id: "assessment-{key}-on", label: "Done on", value: done_on, kind: "date", error: error_for("done_on") }
                    Field { id: "assessment-{key}-by", label: "Done by", value: done_by, error: error_for("done_by") }
                    TextField { id: "assessment-{key}-summary", label: "Summary", value: summary, error: error_for("summary") }
                    WillBeInformed { kind: DocKind::Plan }
                    div { class: "actions",
                        button { r#type: "submit", class: "button small", "Save" }
                        button { r#type: "button", class: "button small secondary", onclick: move |_| editing.set(false), "Cancel" }
                    }
                }
            } else {
                p { class: "row-sub", "{when}" }
                if !section.summary.is_empty() { p { class: "kept-text", "{section.summary}" } }
                if can_write {
                    button { r#type: "button", class: "button small secondary", "aria-label": "Edit {part.title()}",
                        onclick: {
                            let section = section.clone();
                            move |_| {
                                done_on.set(section.done_on.clone().unwrap_or_default());
                                done_by.set(section.done_by.clone());
                                summary.set(section.summary.clone());
                                editing.set(true);
                            }
                        },
                        "Edit" }
                }
            }
        }
    }
}

/// The completion letter and whether family and carers were told.
#[component]
fn Completion(ending: Ending, can_write: bool) -> Element {
    let actions = use_coroutine_handle::<Action>();
    let mut editing = use_signal(|| false);
    let sent_on = use_signal(|| ending.completion_letter_sent_on.clone().unwrap_or_default());
    let sent_by = use_signal(|| ending.completion_letter_sent_by.clone());
    let letter = use_signal(|| ending.completion_letter.clone());
    let told = use_signal(|| ending.family_informed);
    let mut problem = use_signal(|| None::<ValidationError>);
    let opened = ending.clone();
    let error_for = move |f: &str| {
        problem()
            .filter(|p| p.field() == Some(f))
            .map(|p| p.plain())
    };
    let sent = match (
        &ending.completion_letter_sent_on,
        ending.completion_letter_sent_by.is_empty(),
    ) {
        (Some(d), false) => format!(
            "Completion letter sent on {d} by {}.",
            ending.completion_letter_sent_by
        ),
        (Some(d), true) => format!("Completion letter sent on {d}."),
        (None, _) => "No completion letter sent yet.".into(),
    };
    rsx! {
        div { class: "plan-text",
            h3 { "Completion letter" }
            if editing() {
                form { onsubmit: move |e: FormEvent| {
                        e.prevent_default();
                        let on = Some(sent_on().trim().to_string()).filter(|d| !d.is_empty());
                        let (by, text, informed) = (sent_by().trim().to_string(), letter().trim().to_string(), told());
                        let check = v::optional_date("completion_letter_sent_on", &on)
                            .and_then(|_| v::short("completion_letter_sent_by", &by))
                            .and_then(|_| v::long("completion_letter", &text));
                        if let Err(p) = check {
                            problem.set(Some(p));
                            return;
                        }
                        problem.set(None);
                        let opened = opened.clone();
                        actions.send(Action::EditPlan { what: "Recorded the completion letter", edit: Box::new(move |p| {
                            let e = &mut p.ending;
                            if on != opened.completion_letter_sent_on { e.completion_letter_sent_on = on; }
                            if by != opened.completion_letter_sent_by { e.completion_letter_sent_by = by; }
                            if text != opened.completion_letter { e.completion_letter = text; }
                            if informed != opened.family_informed { e.family_informed = informed; }
                        }) });
                        editing.set(false);
                    },
                    Field { id: "letter-sent-on", label: "Sent on", value: sent_on, kind: "date", error: error_for("completion_letter_sent_on") }
                    Field { id: "letter-sent-by", label: "Sent by", value: sent_by, hint: "Name and role, as on the letter", error: error_for("completion_letter_sent_by") }
                    TextField { id: "letter-text", label: "A copy of the letter", value: letter, error: error_for("completion_letter") }
                    Check { id: "family-informed", label: "Family and carers have been told", checked: told }
                    WillBeInformed { kind: DocKind::Plan }
                    div { class: "actions",
                        button { r#type: "submit", class: "button small", "Save" }
                        button { r#type: "button", class: "button small secondary", onclick: move |_| editing.set(false), "Cancel" }
                    }
                }
            } else {
                p { "{sent}" }
                p { if ending.family_informed { "Family and carers have been told." } else { "Family and carers have not been told yet." } }
                if !ending.completion_letter.is_empty() {
                    details { summary { "Read the letter" } p { class: "kept-text", "{ending.completion_letter}" } }
                }
                if can_write {
                    button { r#type: "button", class: "button small secondary",
                        onclick: move |_| editing.set(true), "Record the completion letter" }
                }
            }
        }
    }
}

#[component]
fn GoalCard(goal: Goal, can_write: bool) -> Element {
    let mut editing = use_signal(|| false);
    if editing() {
        return rsx! { GoalForm { goal: goal.clone(), title: "Edit goal" } button { r#type: "button", class: "button small secondary", onclick: move |_| editing.set(false), "Close" } };
    }
    rsx! {
        div { class: "goal",
            h3 { "{goal.goal}" }
            p { class: "row-sub", "{goal.life_area.label()} · " span { class: "badge", "{goal.status.label()}" } }
            if !goal.strategies.is_empty() {
                p { "How:" }
                ul { for s in goal.strategies.iter() { li { key: "{s}", "{s}" } } }
            }
            if !goal.who_involved.is_empty() { p { "Who is involved: {goal.who_involved.join(\", \")}" } }
            if !goal.progress.is_empty() { p { "Progress: {goal.progress}" } }
            if can_write {
                div { class: "actions",
                    button { r#type: "button", class: "button small secondary", "aria-label": "Edit goal {goal.goal}", onclick: move |_| editing.set(true), "Edit" }
                    RemoveFromPlan { list: PlanList::Goals, id: goal.id.clone(), what: "this goal" }
                }
            }
        }
    }
}

#[component]
fn GoalForm(goal: Goal, title: String) -> Element {
    let actions = use_coroutine_handle::<Action>();
    let mut text = use_signal(|| goal.goal.clone());
    let area = use_signal(|| goal.life_area.as_str().to_string());
    let status = use_signal(|| goal.status.as_str().to_string());
    let mut strategies = use_signal(|| goal.strategies.join("\n"));
    let mut who = use_signal(|| goal.who_involved.join(", "));
    let mut progress = use_signal(|| goal.progress.clone());
    let areas: Vec<(String, String)> = LifeArea::ALL
        .iter()
        .map(|a| (a.as_str().into(), a.label().into()))
        .collect();
    let statuses: Vec<(String, String)> = GoalStatus::ALL
        .iter()
        .map(|a| (a.as_str().into(), a.label().into()))
        .collect();
    let key = goal.id.to_string();
    let fresh = goal.goal.is_empty();
    let mut empty = use_signal(|| false);
    rsx! {
        form { class: "subform", onsubmit: move |e: FormEvent| {
                e.prevent_default();
                if text().trim().is_empty() { empty.set(true); crate::ui::platform::focus(&format!("goal-{}", goal.id)); return; }
                empty.set(false);
                let mut g = goal.clone();
                g.goal = text().trim().to_string();
                g.life_area = LifeArea::parse(&area()).unwrap_or_default();
                g.status = GoalStatus::parse(&status()).unwrap_or_default();
                g.strategies = strategies().lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
                g.who_involved = who().split(',').map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
                g.progress = progress();
                actions.send(Action::SaveGoal(Box::new(Edited { opened: goal.clone(), saved: g })));
                if fresh {
                    text.set(String::new()); strategies.set(String::new()); who.set(String::new()); progress.set(String::new());
                }
            },
            h3 { "{title}" }
            Field { id: "goal-{key}", label: "Goal", value: text, error: empty().then(|| "Please write the goal.".to_string()) }
            Choice { id: "goal-area-{key}", label: "Area of life", value: area, options: areas }
            Choice { id: "goal-status-{key}", label: "Where it stands", value: status, options: statuses }
            TextField { id: "goal-strategies-{key}", label: "How (one step per line)", value: strategies }
            Field { id: "goal-who-{key}", label: "Who is involved (commas between names)", value: who }
            TextField { id: "goal-progress-{key}", label: "Progress", value: progress }
            WillBeInformed { kind: DocKind::Plan }
            button { r#type: "submit", class: "button small", "Save goal" }
        }
    }
}

#[component]
fn ReviewDate(date: String, can_write: bool) -> Element {
    let actions = use_coroutine_handle::<Action>();
    let value = use_signal(|| date.clone());
    rsx! {
        p { if date.is_empty() { "No review date set." } else { "Next review: {date}" } }
        if can_write {
            form { class: "inline", onsubmit: move |e: FormEvent| { e.prevent_default(); actions.send(Action::SetReviewDate(value())); },
                Field { id: "review-date", label: "Next review date", value, kind: "date" }
                button { r#type: "submit", class: "button small", "Set review date" }
            }
        }
    }
}

/// "Remove" for an item of a plan list, asking first.
#[component]
fn RemoveFromPlan(list: PlanList, id: ItemId, what: String) -> Element {
    let actions = use_coroutine_handle::<Action>();
    rsx! {
        Confirm {
            label: "Remove",
            question: "Remove {what} from the plan?",
            yes: "Yes, remove it",
            on_yes: move |_| actions.send(Action::RemoveFromPlan(list, id.clone())),
        }
    }
}

#[component]
fn ReviewCard(review: PastReview, can_write: bool) -> Element {
    let mut editing = use_signal(|| false);
    let r = review.clone();
    if editing() {
        return rsx! {
            ReviewForm { review: Some(review.clone()), on_done: move |_| editing.set(false) }
            button { r#type: "button", class: "button small secondary", onclick: move |_| editing.set(false), "Close" }
        };
    }
    rsx! {
        div { class: "review",
            h3 { "Review on {r.date}" }
            if !r.what_worked.is_empty() { p { "What worked: {r.what_worked}" } }
            if !r.changes.is_empty() { p { "What changed: {r.changes}" } }
            if !r.goals_met_and_service_needed.is_empty() { p { "Goals met and services still needed: {r.goals_met_and_service_needed}" } }
            if can_write {
                div { class: "actions",
                    button { r#type: "button", class: "button small secondary", "aria-label": "Edit the review on {r.date}", onclick: move |_| editing.set(true), "Edit" }
                    RemoveFromPlan { list: PlanList::Reviews, id: r.id.clone(), what: "the review on {r.date}" }
                }
            }
        }
    }
}

/// Records a review (`review: None`) or changes one; a new one's form empties after saving,
/// with a new id, so a second tap saves nothing more.
#[component]
fn ReviewForm(review: Option<PastReview>, on_done: Option<EventHandler<()>>) -> Element {
    let actions = use_coroutine_handle::<Action>();
    let fresh = review.is_none();
    let mut opened = use_signal(|| {
        review.clone().unwrap_or_else(|| PastReview {
            id: ItemId::random(),
            ..PastReview::default()
        })
    });
    let date = use_signal(|| opened.peek().date.clone());
    let worked = use_signal(|| opened.peek().what_worked.clone());
    let changes = use_signal(|| opened.peek().changes.clone());
    let met = use_signal(|| opened.peek().goals_met_and_service_needed.clone());
    let key = opened.peek().id.to_string();
    let mut empty = use_signal(|| false);
    let date_id = format!("rv-date-{key}");
    rsx! {
        form { class: "subform", onsubmit: move |e: FormEvent| {
                e.prevent_default();
                if date().is_empty() { empty.set(true); crate::ui::platform::focus(&date_id); return; }
                empty.set(false);
                let before = opened();
                let saved = PastReview { id: before.id.clone(), date: date(), what_worked: worked(), changes: changes(), goals_met_and_service_needed: met() };
                actions.send(Action::SaveReview(Box::new(Edited { opened: before, saved })));
                if let Some(done) = on_done { done.call(()); }
                if fresh {
                    opened.set(PastReview { id: ItemId::random(), ..PastReview::default() });
                    for mut field in [date, worked, changes, met] { field.set(String::new()); }
                }
            },
            h3 { if fresh { "Record a review" } else { "Edit the review" } }
            Field { id: "rv-date-{key}", label: "Date of the review", value: date, kind: "date", error: empty().then(|| "Please give the date of the review.".to_string()) }
            TextField { id: "rv-worked-{key}", label: "What worked", value: worked }
            TextField { id: "rv-changes-{key}", label: "What changed", value: changes }
            TextField { id: "rv-met-{key}", label: "Goals met and services still needed", value: met }
            WillBeInformed { kind: DocKind::Plan }
            button { r#type: "submit", class: "button small", "Save review" }
        }
    }
}

#[component]
fn AreaRow(area: LifeArea, status: AreaStatus, notes: String, can_write: bool) -> Element {
    let actions = use_coroutine_handle::<Action>();
    let mut editing = use_signal(|| false);
    let value = use_signal(|| status.as_str().to_string());
    let draft = use_signal(|| notes.clone());
    let options: Vec<(String, String)> = AreaStatus::ALL
        .iter()
        .map(|a| (a.as_str().into(), a.label().into()))
        .collect();
    let class = if status == AreaStatus::NotYetDiscussed {
        "area quiet"
    } else {
        "area"
    };
    rsx! {
        div { class,
            h3 { "{area.label()}" }
            p { class: "row-sub", "{status.label()}" }
            if !notes.is_empty() { p { "{notes}" } }
            if editing() {
                form { onsubmit: move |e: FormEvent| {
                        e.prevent_default();
                        let status = AreaStatus::parse(&value()).unwrap_or_default();
                        let notes = draft();
                        let edit: Box<dyn FnOnce(&mut Plan)> = Box::new(move |p: &mut Plan| {
                            if let Some(a) = p.areas.get_mut(area) { a.status = status; a.notes = notes; }
                        });
                        actions.send(Action::EditPlan { what: "Updated an assessment area", edit });
                        editing.set(false);
                    },
                    Choice { id: "area-{area}", label: "Where it stands", value, options }
                    TextField { id: "area-notes-{area}", label: "Notes", value: draft }
                    button { r#type: "submit", class: "button small", "Save" }
                }
            } else if can_write {
                button { r#type: "button", class: "button small secondary", "aria-label": "Edit {area.label()}", onclick: move |_| editing.set(true), "Edit" }
            }
        }
    }
}

#[component]
fn ReferralCard(referral: Referral, can_write: bool) -> Element {
    let mut editing = use_signal(|| false);
    let r = referral.clone();
    if editing() {
        return rsx! {
            li {
                ReferralForm { referral: Some(referral.clone()), on_done: move |_| editing.set(false) }
                button { r#type: "button", class: "button small secondary", onclick: move |_| editing.set(false), "Close" }
            }
        };
    }
    rsx! {
        li {
            p { class: "row-title", "{r.agency}" }
            p { class: "row-sub", "{r.reason}" }
            p { class: "row-sub",
                if r.consent_given { "Consent given" } else { "Consent not given" }
                if let Some(d) = &r.referred_on { " · referred on {d}" }
            }
            if can_write {
                div { class: "actions",
                    button { r#type: "button", class: "button small secondary", "aria-label": "Edit the referral to {r.agency}", onclick: move |_| editing.set(true), "Edit" }
                    RemoveFromPlan { list: PlanList::Referrals, id: r.id.clone(), what: "the referral to {r.agency}" }
                }
            }
        }
    }
}

/// Adds a referral (`referral: None`) or changes one; a new one's form empties after saving,
/// with a new id, so a second tap saves nothing more.
#[component]
fn ReferralForm(referral: Option<Referral>, on_done: Option<EventHandler<()>>) -> Element {
    let actions = use_coroutine_handle::<Action>();
    let fresh = referral.is_none();
    let mut opened = use_signal(|| {
        referral.clone().unwrap_or_else(|| Referral {
            id: ItemId::random(),
            ..Referral::default()
        })
    });
    let agency = use_signal(|| opened.peek().agency.clone());
    let reason = use_signal(|| opened.peek().reason.clone());
    let mut consent = use_signal(|| opened.peek().consent_given);
    let on = use_signal(|| opened.peek().referred_on.clone().unwrap_or_default());
    let key = opened.peek().id.to_string();
    let mut empty = use_signal(|| false);
    let agency_id = format!("ref-agency-{key}");
    rsx! {
        form { class: "subform", onsubmit: move |e: FormEvent| {
                e.prevent_default();
                if agency().trim().is_empty() { empty.set(true); crate::ui::platform::focus(&agency_id); return; }
                empty.set(false);
                let d = on();
                let before = opened();
                let saved = Referral {
                    id: before.id.clone(), agency: agency().trim().to_string(), reason: reason(), consent_given: consent(), referred_on: (!d.is_empty()).then_some(d),
                };
                actions.send(Action::SaveReferral(Box::new(Edited { opened: before, saved })));
                if let Some(done) = on_done { done.call(()); }
                if fresh {
                    opened.set(Referral { id: ItemId::random(), ..Referral::default() });
                    for mut field in [agency, reason, on] { field.set(String::new()); }
                    consent.set(false);
                }
            },
            h3 { if fresh { "Add a referral" } else { "Edit the referral" } }
            Field { id: "ref-agency-{key}", label: "Service referred to", value: agency, error: empty().then(|| "Please name the service.".to_string()) }
            Field { id: "ref-reason-{key}", label: "Why", value: reason }
            Check { id: "ref-consent-{key}", label: "The consumer agreed to this referral", checked: consent }
            Field { id: "ref-on-{key}", label: "Referred on", value: on, kind: "date" }
            WillBeInformed { kind: DocKind::Plan }
            button { r#type: "submit", class: "button small", "Save referral" }
        }
    }
}
