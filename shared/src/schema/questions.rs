//! The `questions` document: questions to ask at an appointment or of a team member, and their answers.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use super::{DocSchema, SCHEMA_VERSION};
use crate::ids::{ItemId, MemberId};
use crate::policy::DocKind;
use crate::time::Timestamp;
use crate::validation::{self as v, Keyed, Links, ValidationError};
use crate::vocabulary;

/// All questions of a circle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct Questions {
    /// Schema version (see [`SCHEMA_VERSION`]).
    pub schema: u64,
    /// Questions by id.
    pub items: BTreeMap<ItemId, Question>,
}

impl Default for Questions {
    fn default() -> Self {
        Self {
            schema: SCHEMA_VERSION,
            items: BTreeMap::new(),
        }
    }
}

vocabulary! {
    /// Where a question stands.
    pub enum QuestionStatus {
        /// Not yet asked.
        Open = "open",
        /// Asked, waiting for an answer.
        Asked = "asked",
        /// Answered (the answer is recorded).
        Answered = "answered",
        /// No longer needed.
        Closed = "closed",
    }
    default = Open;
}

impl QuestionStatus {
    /// A plain-language label for screens.
    pub const fn label(self) -> &'static str {
        match self {
            QuestionStatus::Open => "Not yet asked",
            QuestionStatus::Asked => "Asked, waiting for an answer",
            QuestionStatus::Answered => "Answered",
            QuestionStatus::Closed => "Closed",
        }
    }
}

/// One question to ask.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct Question {
    /// Same as the key it is stored under.
    pub id: ItemId,
    /// The question.
    pub text: String,
    /// Who wrote it (the author; only they may change its text).
    pub asked_by: Option<MemberId>,
    /// When it was written.
    pub created_at: Timestamp,
    /// The appointment to ask it at: an id in the appointments document.
    pub for_appointment: Option<ItemId>,
    /// The team member to ask: an id in the team document.
    pub for_team_member: Option<ItemId>,
    /// Where it stands.
    pub status: QuestionStatus,
    /// The answer, once given.
    pub answer: String,
    /// Who recorded the answer.
    pub answered_by: Option<MemberId>,
    /// When the answer was recorded.
    pub answered_at: Option<Timestamp>,
}

impl Keyed for Question {
    fn id(&self) -> &ItemId {
        &self.id
    }
}

impl Question {
    fn validate(&self, links: &Links) -> Result<(), ValidationError> {
        v::required_long("text", &self.text)?;
        v::long("answer", &self.answer)?;
        if self.status == QuestionStatus::Answered && self.answer.trim().is_empty() {
            return Err(ValidationError::Empty { field: "answer" });
        }
        if let Some(a) = &self.for_appointment {
            Links::check(&links.appointments, "for_appointment", a)?;
        }
        if let Some(t) = &self.for_team_member {
            Links::check(&links.team, "for_team_member", t)?;
        }
        Ok(())
    }

    /// True while it still needs asking or answering.
    pub fn is_open(&self) -> bool {
        matches!(self.status, QuestionStatus::Open | QuestionStatus::Asked)
    }
}

crate::parts!(Questions {
    fields: [schema],
    items: [items]
});

impl DocSchema for Questions {
    const KIND: DocKind = DocKind::Questions;

    fn schema_version(&self) -> u64 {
        self.schema
    }

    fn validate_change(&self, before: &Self, links: &Links) -> Result<(), ValidationError> {
        v::changed_items("questions", &before.items, &self.items, |q| {
            q.validate(links)
        })
    }
}

impl Questions {
    /// Open questions for one appointment, oldest first.
    pub fn open_for_appointment(&self, appointment: &ItemId) -> Vec<&Question> {
        let mut list: Vec<_> = self
            .items
            .values()
            .filter(|q| q.is_open() && q.for_appointment.as_ref() == Some(appointment))
            .collect();
        list.sort_by_key(|q| q.created_at);
        list
    }
}
