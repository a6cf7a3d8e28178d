//! A case manager's caseload as a work list: for each circle, what needs attention, what
//! changed since they last looked, the next appointment and the plan review, most pressing first.

use carecircle_shared::schema::{Appointment, Plan};
use carecircle_shared::time::{Zone, parse_date};
use carecircle_shared::{CircleId, Role, Timestamp};

use crate::core::CareCircle;
use crate::error::AppResult;
use crate::ops::attention::Reminder;

/// One circle of the caseload.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseloadRow {
    /// The circle.
    pub id: CircleId,
    /// The circle's name (the person it is for).
    pub name: String,
    /// My role in it.
    pub role: Role,
    /// Unsettled conflicts (two people changed one thing at once).
    pub conflicts: usize,
    /// Reminders: double-checks, written details, questions, a review coming up.
    pub attention: usize,
    /// Changes by others since I last looked.
    pub changes: usize,
    /// The next appointment (today's first).
    pub next: Option<Appointment>,
    /// The plan's next review date (`YYYY-MM-DD`), when one is set.
    pub review: Option<String>,
    /// The review date is within the reminder window or past.
    pub review_due: bool,
}

impl CaseloadRow {
    /// How much this circle needs looking at: conflicts first, then reminders and changes.
    fn urgency(&self) -> (bool, usize, usize) {
        (
            self.conflicts > 0,
            self.attention + self.conflicts,
            self.changes,
        )
    }
}

impl CareCircle {
    /// Every circle on this device as a work-list row, the ones needing attention first, then
    /// by the next appointment, then by name. Only documents I may read count.
    pub async fn caseload(&self, now: Timestamp, zone: Zone) -> AppResult<Vec<CaseloadRow>> {
        let mut rows = Vec::new();
        let today = zone.show_instant(now).map(|d| d.date_naive());
        for c in self.circles() {
            let reminders = self.reminders(c.id, now).unwrap_or_default();
            let agenda = self.agenda(c.id, now, zone).unwrap_or_default();
            let review = self
                .view::<Plan>(c.id)
                .ok()
                .and_then(|p| p.review.next_review_date);
            rows.push(CaseloadRow {
                id: c.id,
                name: c.name.clone(),
                role: c.role,
                conflicts: self.conflicts(c.id).map(|x| x.len()).unwrap_or(0),
                attention: reminders.len(),
                changes: self
                    .changed_since_last_looked(c.id)
                    .await
                    .map(|x| x.len())
                    .unwrap_or(0),
                next: agenda.today.into_iter().chain(agenda.upcoming).next(),
                review_due: reminders
                    .iter()
                    .any(|r| matches!(r, Reminder::PlanReviewSoon { .. }))
                    || review
                        .as_deref()
                        .and_then(parse_date)
                        .zip(today)
                        .is_some_and(|(d, t)| d < t),
                review,
            });
        }
        rows.sort_by(|a, b| {
            b.urgency()
                .cmp(&a.urgency())
                .then_with(|| {
                    let start = |r: &CaseloadRow| {
                        r.next
                            .as_ref()
                            .and_then(|a| a.start_time())
                            .map(|t| t.timestamp_millis())
                            .unwrap_or(i64::MAX)
                    };
                    start(a).cmp(&start(b))
                })
                .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
        });
        Ok(rows)
    }
}
