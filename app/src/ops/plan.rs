//! The plan: assessment, goals with strategies and who is involved, progress, review dates and
//! reviews, assessment areas, crisis section, supports and respite, ending involvement.

use carecircle_shared::schema::{AreaStatus, Goal, LifeArea, PastReview, Plan, Referral};
use carecircle_shared::{CircleId, ItemId, ValidationError};

use super::missing;
use crate::core::CareCircle;
use crate::error::AppResult;

impl CareCircle {
    /// Edits any part of the plan (assessment, treatment summary, crisis, supports, ending...).
    pub async fn edit_plan(
        &mut self,
        circle: CircleId,
        what: &str,
        f: impl FnOnce(&mut Plan),
    ) -> AppResult<()> {
        self.edit(circle, what, |p: &mut Plan| {
            f(p);
            Ok(())
        })
        .await
    }

    /// Adds a goal (recorded as added by me).
    pub async fn add_goal(&mut self, circle: CircleId, mut goal: Goal) -> AppResult<ItemId> {
        goal.created_by = Some(self.me()?);
        self.edit(circle, "Added a goal", |p: &mut Plan| {
            let id = goal.id.clone();
            p.goals.insert(id.clone(), goal);
            Ok(id)
        })
        .await
    }

    /// Changes a goal (its strategies, who is involved, status, progress...).
    pub async fn update_goal(
        &mut self,
        circle: CircleId,
        id: &ItemId,
        f: impl FnOnce(&mut Goal),
    ) -> AppResult<()> {
        self.edit(circle, "Updated a goal", |p: &mut Plan| {
            f(p.goals.get_mut(id).ok_or_else(|| missing(id))?);
            Ok(())
        })
        .await
    }

    /// Sets an assessment area's status and notes.
    pub async fn set_area(
        &mut self,
        circle: CircleId,
        area: LifeArea,
        status: AreaStatus,
        notes: &str,
    ) -> AppResult<()> {
        let notes = notes.to_string();
        self.edit(circle, "Updated an assessment area", |p: &mut Plan| {
            let a = p
                .areas
                .get_mut(area)
                .ok_or(ValidationError::NotAllowed { field: "area" })?;
            a.status = status;
            a.notes = notes;
            Ok(())
        })
        .await
    }

    /// Sets the next review date (`YYYY-MM-DD`).
    pub async fn set_review_date(&mut self, circle: CircleId, date: Option<&str>) -> AppResult<()> {
        let date = date.map(str::to_string);
        self.edit_plan(circle, "Set the review date", |p| {
            p.review.next_review_date = date
        })
        .await
    }

    /// Records a review that happened.
    pub async fn add_review(&mut self, circle: CircleId, review: PastReview) -> AppResult<ItemId> {
        self.edit(circle, "Recorded a review", |p: &mut Plan| {
            let id = review.id.clone();
            p.review.past.insert(id.clone(), review);
            Ok(id)
        })
        .await
    }

    /// Adds a referral to another agency (made only with consent).
    pub async fn add_referral(
        &mut self,
        circle: CircleId,
        referral: Referral,
    ) -> AppResult<ItemId> {
        self.edit(circle, "Added a referral", |p: &mut Plan| {
            let id = referral.id.clone();
            p.ending.referrals.insert(id.clone(), referral);
            Ok(id)
        })
        .await
    }
}
