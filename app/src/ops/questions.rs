//! Questions to ask: add (for an appointment or a person), mark asked, answer, close.

use carecircle_shared::schema::{Question, QuestionStatus, Questions};
use carecircle_shared::{CircleId, ItemId};

use super::missing;
use crate::core::CareCircle;
use crate::error::AppResult;

impl CareCircle {
    /// Adds a question, asked by me.
    pub async fn add_question(
        &mut self,
        circle: CircleId,
        text: &str,
        for_appointment: Option<ItemId>,
        for_team_member: Option<ItemId>,
    ) -> AppResult<ItemId> {
        let q = Question {
            text: text.to_string(),
            asked_by: Some(self.me()?),
            created_at: self.now(),
            for_appointment,
            for_team_member,
            ..Default::default()
        };
        self.edit(circle, "Added a question", |x: &mut Questions| {
            let id = q.id.clone();
            x.items.insert(id.clone(), q);
            Ok(id)
        })
        .await
    }

    async fn set_question(
        &mut self,
        circle: CircleId,
        id: &ItemId,
        what: &str,
        f: impl FnOnce(&mut Question),
    ) -> AppResult<()> {
        self.edit(circle, what, |x: &mut Questions| {
            f(x.items.get_mut(id).ok_or_else(|| missing(id))?);
            Ok(())
        })
        .await
    }

    /// Marks a question asked.
    pub async fn mark_asked(&mut self, circle: CircleId, id: &ItemId) -> AppResult<()> {
        self.set_question(circle, id, "Marked a question asked", |q| {
            q.status = QuestionStatus::Asked
        })
        .await
    }

    /// Records an answer, by me.
    pub async fn answer_question(
        &mut self,
        circle: CircleId,
        id: &ItemId,
        answer: &str,
    ) -> AppResult<()> {
        let (me, now, answer) = (self.me()?, self.now(), answer.to_string());
        self.set_question(circle, id, "Answered a question", |q| {
            q.status = QuestionStatus::Answered;
            q.answer = answer;
            q.answered_by = Some(me);
            q.answered_at = Some(now);
        })
        .await
    }

    /// Closes a question that is no longer needed.
    pub async fn close_question(&mut self, circle: CircleId, id: &ItemId) -> AppResult<()> {
        self.set_question(circle, id, "Closed a question", |q| {
            q.status = QuestionStatus::Closed
        })
        .await
    }
}
