//! What needs attention now: appointments soon that are not double-checked (or changed since
//! they were) or lack written
//! details, open questions for the next appointment, and a plan review date coming up.

use carecircle_shared::schema::{Appointments, Plan, Questions};
use carecircle_shared::time::{DAY_MS, HOUR_MS, parse_date};
use carecircle_shared::{CircleId, ItemId, Timestamp};

use crate::core::CareCircle;
use crate::error::AppResult;

/// Appointments within this many hours are checked for double-checks and written details.
pub const SOON_HOURS: i64 = 48;
/// A review date within this many days is a reminder.
pub const REVIEW_DAYS: i64 = 14;

/// One thing that needs attention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reminder {
    /// An appointment soon that nobody has double-checked.
    NotDoubleChecked(ItemId),
    /// An appointment soon whose time or place changed since it was double-checked.
    ChangedSinceDoubleCheck(ItemId),
    /// An appointment soon without details received in writing.
    NoWrittenDetails(ItemId),
    /// Open questions for the next appointment.
    OpenQuestions {
        /// The appointment.
        appointment: ItemId,
        /// The questions.
        questions: Vec<ItemId>,
    },
    /// The plan's review date is close.
    PlanReviewSoon {
        /// The date (`YYYY-MM-DD`).
        date: String,
    },
}

impl CareCircle {
    /// Reminders for one circle at `now`. Documents this member cannot read are skipped.
    pub fn reminders(&self, circle: CircleId, now: Timestamp) -> AppResult<Vec<Reminder>> {
        let mut out = Vec::new();
        if let Ok(appts) = self.view::<Appointments>(circle) {
            let upcoming = appts.upcoming(now);
            for a in &upcoming {
                let starts = a.start_time().map(|t| Timestamp::from_datetime(&t));
                if starts.is_some_and(|s| s.millis() - now.millis() <= SOON_HOURS * HOUR_MS) {
                    if a.changed_since_double_check() {
                        out.push(Reminder::ChangedSinceDoubleCheck(a.id.clone()));
                    } else if !a.is_double_checked() {
                        out.push(Reminder::NotDoubleChecked(a.id.clone()));
                    }
                    if !a.written_details_received {
                        out.push(Reminder::NoWrittenDetails(a.id.clone()));
                    }
                }
            }
            if let (Some(next), Ok(qs)) = (upcoming.first(), self.view::<Questions>(circle)) {
                let mut questions: Vec<ItemId> = qs
                    .open_for_appointment(&next.id)
                    .into_iter()
                    .map(|q| q.id.clone())
                    .collect();
                for id in &next.question_ids {
                    if qs.items.get(id).is_some_and(|q| q.is_open()) && !questions.contains(id) {
                        questions.push(id.clone());
                    }
                }
                if !questions.is_empty() {
                    out.push(Reminder::OpenQuestions {
                        appointment: next.id.clone(),
                        questions,
                    });
                }
            }
        }
        if let Ok(plan) = self.view::<Plan>(circle)
            && let Some(date) = plan.review.next_review_date.as_deref()
            && let Some(d) = parse_date(date)
        {
            let review_ms = d
                .and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc().timestamp_millis())
                .unwrap_or(i64::MAX);
            let days = (review_ms - now.millis()) / DAY_MS;
            if (-1..=REVIEW_DAYS).contains(&days) {
                out.push(Reminder::PlanReviewSoon {
                    date: date.to_string(),
                });
            }
        }
        Ok(out)
    }
}
