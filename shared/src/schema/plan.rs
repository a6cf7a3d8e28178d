//! The `plan` document: the full assessment and the individual service plan, down to ending involvement.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use super::{DocSchema, SCHEMA_VERSION};
use crate::ids::{ItemId, MemberId};
use crate::policy::DocKind;
use crate::validation::{self as v, Keyed, Links, ValidationError};
use crate::vocabulary;

/// The assessment and individual service plan of one consumer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct Plan {
    /// Schema version (see [`SCHEMA_VERSION`]).
    pub schema: u64,
    /// The full assessment.
    pub assessment: Assessment,
    /// The nine areas of daily life the assessment looks at.
    pub areas: Areas,
    /// Goals of the individual service plan, by id.
    pub goals: BTreeMap<ItemId, Goal>,
    /// When the plan is next reviewed, and past reviews.
    pub review: Review,
    /// Summary of the treatment plan.
    pub treatment_summary: String,
    /// What to do in a crisis.
    pub crisis: Crisis,
    /// Dependent children and the support arranged for them. (Supports and respite are the
    /// carers' business too: they live in the `team` document, which carers read.)
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub children: Children,
    /// Ending involvement with the service.
    pub ending: Ending,
}

/// The full assessment a case manager makes sure the consumer receives.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct Assessment {
    /// Mental state examination.
    pub mental_state: AssessmentSection,
    /// Physical examination.
    pub physical: AssessmentSection,
    /// Co-occurring mental health and substance use concerns.
    pub substance_use: AssessmentSection,
    /// Assessment of the need for services.
    pub need_for_services: AssessmentSection,
}

/// One part of the assessment: when, by whom, and a summary the consumer may read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct AssessmentSection {
    /// Date it was done (`YYYY-MM-DD`).
    pub done_on: Option<String>,
    /// Who did it.
    pub done_by: String,
    /// A plain-language summary the consumer may read.
    pub summary: String,
}

vocabulary! {
    /// The areas of daily life the assessment covers, plus "other" for goals.
    pub enum LifeArea {
        /// Emotional and mental wellbeing.
        EmotionalWellbeing = "emotional_wellbeing",
        /// How the consumer deals with stress and illness.
        StressAndIllness = "stress_and_illness",
        /// Their safety and the safety of others.
        Safety = "safety",
        /// Friendships and relationships.
        Relationships = "relationships",
        /// Work, leisure and education.
        WorkLeisureEducation = "work_leisure_education",
        /// Daily living skills.
        DailyLivingSkills = "daily_living_skills",
        /// Physical health.
        PhysicalHealth = "physical_health",
        /// Income and housing.
        IncomeAndHousing = "income_and_housing",
        /// Rights and advocacy.
        RightsAndAdvocacy = "rights_and_advocacy",
        /// Anything else.
        Other = "other",
    }
    default = Other;
}

impl LifeArea {
    /// A plain-language label.
    pub const fn label(self) -> &'static str {
        match self {
            LifeArea::EmotionalWellbeing => "Emotional and mental wellbeing",
            LifeArea::StressAndIllness => "Dealing with stress and illness",
            LifeArea::Safety => "Safety of you and others",
            LifeArea::Relationships => "Friendships and relationships",
            LifeArea::WorkLeisureEducation => "Work, leisure and education",
            LifeArea::DailyLivingSkills => "Daily living skills",
            LifeArea::PhysicalHealth => "Physical health",
            LifeArea::IncomeAndHousing => "Income and housing",
            LifeArea::RightsAndAdvocacy => "Rights and advocacy",
            LifeArea::Other => "Other",
        }
    }
}

vocabulary! {
    /// Where an assessment area stands. "Not yet discussed" is a respected choice, not a gap.
    pub enum AreaStatus {
        /// The consumer has not wanted to talk about this yet (or it has not come up).
        NotYetDiscussed = "not_yet_discussed",
        /// Talked about; no extra support needed now.
        Discussed = "discussed",
        /// Support is needed here.
        SupportNeeded = "support_needed",
    }
    default = NotYetDiscussed;
}

impl AreaStatus {
    /// A plain-language label for screens.
    pub const fn label(self) -> &'static str {
        match self {
            AreaStatus::NotYetDiscussed => "Not yet discussed",
            AreaStatus::Discussed => "Discussed",
            AreaStatus::SupportNeeded => "Support needed",
        }
    }
}

/// One assessment area.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct AssessmentArea {
    /// Where it stands.
    pub status: AreaStatus,
    /// Notes.
    pub notes: String,
}

/// The nine assessment areas, each present from the skeleton on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct Areas {
    /// Emotional and mental wellbeing.
    pub emotional_wellbeing: AssessmentArea,
    /// Dealing with stress and illness.
    pub stress_and_illness: AssessmentArea,
    /// Safety of the consumer and others.
    pub safety: AssessmentArea,
    /// Friendships and relationships.
    pub relationships: AssessmentArea,
    /// Work, leisure and education.
    pub work_leisure_education: AssessmentArea,
    /// Daily living skills.
    pub daily_living_skills: AssessmentArea,
    /// Physical health.
    pub physical_health: AssessmentArea,
    /// Income and housing.
    pub income_and_housing: AssessmentArea,
    /// Rights and advocacy.
    pub rights_and_advocacy: AssessmentArea,
}

impl Areas {
    /// The nine areas in the fact sheet's order.
    pub fn iter(&self) -> [(LifeArea, &AssessmentArea); 9] {
        [
            (LifeArea::EmotionalWellbeing, &self.emotional_wellbeing),
            (LifeArea::StressAndIllness, &self.stress_and_illness),
            (LifeArea::Safety, &self.safety),
            (LifeArea::Relationships, &self.relationships),
            (LifeArea::WorkLeisureEducation, &self.work_leisure_education),
            (LifeArea::DailyLivingSkills, &self.daily_living_skills),
            (LifeArea::PhysicalHealth, &self.physical_health),
            (LifeArea::IncomeAndHousing, &self.income_and_housing),
            (LifeArea::RightsAndAdvocacy, &self.rights_and_advocacy),
        ]
    }

    /// One area to change; `None` for [`LifeArea::Other`], which is not assessed.
    pub fn get_mut(&mut self, area: LifeArea) -> Option<&mut AssessmentArea> {
        Some(match area {
            LifeArea::EmotionalWellbeing => &mut self.emotional_wellbeing,
            LifeArea::StressAndIllness => &mut self.stress_and_illness,
            LifeArea::Safety => &mut self.safety,
            LifeArea::Relationships => &mut self.relationships,
            LifeArea::WorkLeisureEducation => &mut self.work_leisure_education,
            LifeArea::DailyLivingSkills => &mut self.daily_living_skills,
            LifeArea::PhysicalHealth => &mut self.physical_health,
            LifeArea::IncomeAndHousing => &mut self.income_and_housing,
            LifeArea::RightsAndAdvocacy => &mut self.rights_and_advocacy,
            LifeArea::Other => return None,
        })
    }
}

vocabulary! {
    /// Where a goal stands.
    pub enum GoalStatus {
        /// Not started yet.
        NotStarted = "not_started",
        /// Being worked on.
        InProgress = "in_progress",
        /// Reached.
        Achieved = "achieved",
        /// Paused.
        OnHold = "on_hold",
        /// No longer pursued.
        Stopped = "stopped",
    }
    default = NotStarted;
}

impl GoalStatus {
    /// A plain-language label for screens.
    pub const fn label(self) -> &'static str {
        match self {
            GoalStatus::NotStarted => "Not started",
            GoalStatus::InProgress => "In progress",
            GoalStatus::Achieved => "Achieved",
            GoalStatus::OnHold => "On hold",
            GoalStatus::Stopped => "Stopped",
        }
    }
}

/// One goal of the individual service plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct Goal {
    /// Same as the key it is stored under.
    pub id: ItemId,
    /// The area of life it is about.
    pub life_area: LifeArea,
    /// The goal, in the consumer's words.
    pub goal: String,
    /// The strategies to reach it.
    pub strategies: Vec<String>,
    /// Who will be involved.
    pub who_involved: Vec<String>,
    /// Where it stands.
    pub status: GoalStatus,
    /// Progress so far.
    pub progress: String,
    /// Who added it.
    pub created_by: Option<MemberId>,
}

/// When the plan is reviewed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct Review {
    /// The date of the next review (`YYYY-MM-DD`).
    pub next_review_date: Option<String>,
    /// Past reviews, by id.
    pub past: BTreeMap<ItemId, PastReview>,
}

/// One past review of the plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct PastReview {
    /// Same as the key it is stored under.
    pub id: ItemId,
    /// When it happened (`YYYY-MM-DD`).
    pub date: String,
    /// Which goals and strategies worked.
    pub what_worked: String,
    /// Changes made to goals or strategies.
    pub changes: String,
    /// Whether goals were met and a mental health service is still needed.
    pub goals_met_and_service_needed: String,
}

/// The crisis section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct Crisis {
    /// Early warning signs.
    pub warning_signs: String,
    /// What helps.
    pub what_helps: String,
    /// Who to contact: ids in the team document.
    pub who_to_contact: Vec<ItemId>,
    /// Other crisis contacts (helplines, services) in words.
    pub other_contacts: String,
}

/// Dependent children.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct Children {
    /// Dependent children, if any.
    pub dependent_children: String,
    /// Support arranged for the children's wellbeing.
    pub support_for_children: String,
}

/// Ending involvement with public mental health services.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct Ending {
    /// Who the decision was made with (consumer, family, carer, chosen advocate).
    pub decided_with: String,
    /// Why an individual service plan is no longer needed.
    pub explanation: String,
    /// Referrals to other agencies, by id (each only with consent).
    pub referrals: BTreeMap<ItemId, Referral>,
    /// Date the completion letter was sent (`YYYY-MM-DD`).
    pub completion_letter_sent_on: Option<String>,
    /// Who sent it (name and role, as written on the letter).
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub completion_letter_sent_by: String,
    /// A copy of the completion letter.
    pub completion_letter: String,
    /// Family and others have been told involvement finished.
    pub family_informed: bool,
    /// How to use public mental health services again if needed.
    pub how_to_return: String,
}

/// A referral to another agency.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct Referral {
    /// Same as the key it is stored under.
    pub id: ItemId,
    /// The agency (a doctor, disability support, alcohol and other drug service...).
    pub agency: String,
    /// Why.
    pub reason: String,
    /// The consumer consented to this referral.
    pub consent_given: bool,
    /// When the referral was made (`YYYY-MM-DD`).
    pub referred_on: Option<String>,
}

impl Keyed for Goal {
    fn id(&self) -> &ItemId {
        &self.id
    }
}

impl Keyed for PastReview {
    fn id(&self) -> &ItemId {
        &self.id
    }
}

impl Keyed for Referral {
    fn id(&self) -> &ItemId {
        &self.id
    }
}

impl Default for Plan {
    fn default() -> Self {
        Self {
            schema: SCHEMA_VERSION,
            assessment: Assessment::default(),
            areas: Areas::default(),
            goals: BTreeMap::new(),
            review: Review::default(),
            treatment_summary: String::new(),
            crisis: Crisis::default(),
            children: Children::default(),
            ending: Ending::default(),
        }
    }
}

fn section(s: &AssessmentSection) -> Result<(), ValidationError> {
    v::optional_date("done_on", &s.done_on)?;
    v::short("done_by", &s.done_by)?;
    v::long("summary", &s.summary)
}

crate::parts!(Plan {
    fields: [
        schema,
        assessment,
        areas,
        review,
        treatment_summary,
        crisis,
        children,
        ending
    ],
    items: [goals],
});

impl DocSchema for Plan {
    const KIND: DocKind = DocKind::Plan;

    fn schema_version(&self) -> u64 {
        self.schema
    }

    fn validate_change(&self, before: &Self, links: &Links) -> Result<(), ValidationError> {
        let (a, b) = (&self.assessment, &before.assessment);
        for (after, before) in [
            (&a.mental_state, &b.mental_state),
            (&a.physical, &b.physical),
            (&a.substance_use, &b.substance_use),
            (&a.need_for_services, &b.need_for_services),
        ] {
            v::changed_section(before, after, section)?;
        }
        for ((_, after), (_, before)) in self.areas.iter().into_iter().zip(before.areas.iter()) {
            v::changed_section(before, after, |x| v::long("areas.notes", &x.notes))?;
        }
        v::changed_items("goals", &before.goals, &self.goals, |g| {
            v::required_long("goal", &g.goal)?;
            v::short_list("strategies", &g.strategies)?;
            v::short_list("who_involved", &g.who_involved)?;
            v::long("progress", &g.progress)
        })?;
        v::changed_section(
            &before.review.next_review_date,
            &self.review.next_review_date,
            |d| v::optional_date("next_review_date", d),
        )?;
        v::changed_items("reviews", &before.review.past, &self.review.past, |r| {
            v::optional_date("date", &Some(r.date.clone()))?;
            v::long("what_worked", &r.what_worked)?;
            v::long("changes", &r.changes)?;
            v::long(
                "goals_met_and_service_needed",
                &r.goals_met_and_service_needed,
            )
        })?;
        v::changed_section(&before.treatment_summary, &self.treatment_summary, |t| {
            v::long("treatment_summary", t)
        })?;
        v::changed_section(&before.crisis, &self.crisis, |c| {
            v::long("warning_signs", &c.warning_signs)?;
            v::long("what_helps", &c.what_helps)?;
            v::long("other_contacts", &c.other_contacts)?;
            v::count(
                "who_to_contact",
                c.who_to_contact.len(),
                crate::limits::MAX_LIST_ENTRIES,
            )?;
            Links::check_all(&links.team, "who_to_contact", &c.who_to_contact)
        })?;
        v::changed_section(&before.children, &self.children, |s| {
            v::long("dependent_children", &s.dependent_children)?;
            v::long("support_for_children", &s.support_for_children)
        })?;
        let (e, eb) = (&self.ending, &before.ending);
        v::changed_items("referrals", &eb.referrals, &e.referrals, |r| {
            v::required("agency", &r.agency)?;
            v::long("reason", &r.reason)?;
            v::optional_date("referred_on", &r.referred_on)?;
            if r.referred_on.is_some() && !r.consent_given {
                // A referral is made only with the consumer's consent.
                return Err(ValidationError::NotAllowed {
                    field: "referred_on",
                });
            }
            Ok(())
        })?;
        v::changed_section(
            &(
                &eb.decided_with,
                &eb.explanation,
                &eb.completion_letter_sent_on,
                &eb.completion_letter_sent_by,
            ),
            &(
                &e.decided_with,
                &e.explanation,
                &e.completion_letter_sent_on,
                &e.completion_letter_sent_by,
            ),
            |_| {
                v::short("decided_with", &e.decided_with)?;
                v::long("explanation", &e.explanation)?;
                v::short("completion_letter_sent_by", &e.completion_letter_sent_by)?;
                v::optional_date("completion_letter_sent_on", &e.completion_letter_sent_on)
            },
        )?;
        v::changed_section(&eb.completion_letter, &e.completion_letter, |l| {
            v::long("completion_letter", l)
        })?;
        v::changed_section(&eb.how_to_return, &e.how_to_return, |h| {
            v::long("how_to_return", h)
        })
    }
}
