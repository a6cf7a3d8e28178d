//! The plan: assessment, goals with strategies and who is involved, progress, review dates and
//! reviews, assessment areas, crisis section, supports and respite, ending involvement.

use std::collections::BTreeMap;

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
        self.save_plan_item(circle, goal, |_| {}).await
    }

    /// Changes a goal (its strategies, who is involved, status, progress...).
    pub async fn update_goal(
        &mut self,
        circle: CircleId,
        id: &ItemId,
        f: impl FnOnce(&mut Goal),
    ) -> AppResult<()> {
        self.edit(circle, Goal::UPDATED, |p: &mut Plan| {
            f(Goal::list(p).get_mut(id).ok_or_else(|| missing(id))?);
            Ok(())
        })
        .await
    }

    /// Adds `item` to its plan list, or, when one with its id is there already (the form was
    /// for an existing one, or a second tap), changes that one with `change`.
    pub async fn save_plan_item<T: PlanItem>(
        &mut self,
        circle: CircleId,
        item: T,
        change: impl FnOnce(&mut T),
    ) -> AppResult<ItemId> {
        let id = item.id().clone();
        let exists = T::list(&mut self.view::<Plan>(circle)?).contains_key(&id);
        let what = if exists { T::UPDATED } else { T::ADDED };
        self.edit(circle, what, |p: &mut Plan| {
            let list = T::list(p);
            match list.get_mut(&id) {
                Some(existing) => change(existing),
                None => {
                    list.insert(id.clone(), item);
                }
            }
            Ok(id)
        })
        .await
    }

    /// Removes an item from its plan list.
    pub async fn remove_plan_item<T: PlanItem>(
        &mut self,
        circle: CircleId,
        id: &ItemId,
    ) -> AppResult<()> {
        self.edit(circle, T::REMOVED, |p: &mut Plan| {
            T::list(p).remove(id).ok_or_else(|| missing(id))?;
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

    /// Records a review that happened (what worked, what changed, whether goals were met).
    pub async fn add_review(&mut self, circle: CircleId, review: PastReview) -> AppResult<ItemId> {
        self.save_plan_item(circle, review, |_| {}).await
    }

    /// Adds a referral to another agency (made only with consent).
    pub async fn add_referral(
        &mut self,
        circle: CircleId,
        referral: Referral,
    ) -> AppResult<ItemId> {
        self.save_plan_item(circle, referral, |_| {}).await
    }
}

/// The plan's lists of items: goals, past reviews, referrals.
pub trait PlanItem: Sized {
    /// History words for adding, changing and removing one.
    const ADDED: &'static str;
    /// See [`Self::ADDED`].
    const UPDATED: &'static str;
    /// See [`Self::ADDED`].
    const REMOVED: &'static str;
    /// The list in the plan.
    fn list(plan: &mut Plan) -> &mut BTreeMap<ItemId, Self>;
    /// Its id (the key it is stored under).
    fn id(&self) -> &ItemId;
}

/// One [`PlanItem`] impl: its history words and where its list is.
macro_rules! plan_item {
    ($t:ty, $added:literal, $updated:literal, $removed:literal, |$p:ident| $list:expr) => {
        impl PlanItem for $t {
            const ADDED: &'static str = $added;
            const UPDATED: &'static str = $updated;
            const REMOVED: &'static str = $removed;
            fn list($p: &mut Plan) -> &mut BTreeMap<ItemId, Self> {
                &mut $list
            }
            fn id(&self) -> &ItemId {
                &self.id
            }
        }
    };
}

plan_item!(
    Goal,
    "Added a goal",
    "Updated a goal",
    "Removed a goal",
    |p| p.goals
);
plan_item!(
    PastReview,
    "Recorded a review",
    "Updated a review",
    "Removed a review",
    |p| p.review.past
);
plan_item!(
    Referral,
    "Added a referral",
    "Updated a referral",
    "Removed a referral",
    |p| p.ending.referrals
);
