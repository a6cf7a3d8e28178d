//! Appointments: add, edit, cancel, reschedule, double-check, written details, linked questions,
//! and today's and upcoming appointments in the device's time zone.

use carecircle_shared::schema::{Appointment, AppointmentStatus, Appointments};
use carecircle_shared::time::{Zone, parse_datetime};
use carecircle_shared::{CircleId, ItemId, Timestamp, ValidationError};

use super::missing;
use crate::core::CareCircle;
use crate::error::AppResult;

/// The device's time zone (from the system, or the browser's `Intl` on the web); UTC when it
/// cannot be told.
pub fn device_zone() -> Zone {
    iana_time_zone::get_timezone()
        .ok()
        .and_then(|name| Zone::named(&name))
        .unwrap_or(Zone::UTC)
}

/// Today's and later appointments, soonest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Agenda {
    /// Active appointments on today's date (in the device's time zone) not yet over.
    pub today: Vec<Appointment>,
    /// Active appointments after today.
    pub upcoming: Vec<Appointment>,
}

impl CareCircle {
    /// Adds an appointment (recorded as added by me).
    pub async fn add_appointment(
        &mut self,
        circle: CircleId,
        mut a: Appointment,
    ) -> AppResult<ItemId> {
        a.created_by = Some(self.me()?);
        self.edit(circle, "Added an appointment", |x: &mut Appointments| {
            let id = a.id.clone();
            x.items.insert(id.clone(), a);
            Ok(id)
        })
        .await
    }

    /// Changes an appointment.
    pub async fn update_appointment(
        &mut self,
        circle: CircleId,
        id: &ItemId,
        what: &str,
        f: impl FnOnce(&mut Appointment),
    ) -> AppResult<()> {
        self.edit(circle, what, |x: &mut Appointments| {
            f(x.items.get_mut(id).ok_or_else(|| missing(id))?);
            Ok(())
        })
        .await
    }

    /// Cancels an appointment.
    pub async fn cancel_appointment(&mut self, circle: CircleId, id: &ItemId) -> AppResult<()> {
        self.update_appointment(circle, id, "Cancelled an appointment", |a| {
            a.status = AppointmentStatus::Cancelled
        })
        .await
    }

    /// Moves an appointment; the old start is kept, and it needs double-checking again.
    pub async fn reschedule_appointment(
        &mut self,
        circle: CircleId,
        id: &ItemId,
        start: &str,
        end: &str,
    ) -> AppResult<()> {
        let (start, end) = (start.to_string(), end.to_string());
        self.update_appointment(circle, id, "Rescheduled an appointment", |a| {
            a.rescheduled_from = Some(std::mem::replace(&mut a.start, start));
            a.end = end;
            a.status = AppointmentStatus::Rescheduled;
            a.clear_double_check();
        })
        .await
    }

    /// Records that I double-checked the time and place with the service: the ones it has
    /// now, which the double-check then confirms.
    pub async fn double_check(&mut self, circle: CircleId, id: &ItemId) -> AppResult<()> {
        let (me, now) = (self.me()?, self.now());
        self.update_appointment(circle, id, "Double-checked an appointment", |a| {
            a.mark_double_checked(me, now)
        })
        .await
    }

    /// Records whether details were asked for, and received, in writing.
    pub async fn written_details(
        &mut self,
        circle: CircleId,
        id: &ItemId,
        requested: bool,
        received: bool,
    ) -> AppResult<()> {
        self.update_appointment(circle, id, "Updated written details", |a| {
            a.written_details_requested = requested || received;
            a.written_details_received = received;
        })
        .await
    }

    /// Links a question to ask at this appointment.
    pub async fn link_question(
        &mut self,
        circle: CircleId,
        id: &ItemId,
        question: &ItemId,
    ) -> AppResult<()> {
        let q = question.clone();
        self.edit(circle, "Linked a question", |x: &mut Appointments| {
            let a = x.items.get_mut(id).ok_or_else(|| missing(id))?;
            if !a.question_ids.contains(&q) {
                a.question_ids.push(q);
            }
            Ok::<_, ValidationError>(())
        })
        .await
    }

    /// Today's and upcoming appointments, with "today" the date in the device's zone (each
    /// appointment's date with the offset the zone has on that date).
    pub fn agenda(&self, circle: CircleId, now: Timestamp, zone: Zone) -> AppResult<Agenda> {
        let appts: Appointments = self.view(circle)?;
        let today = zone.show_instant(now).map(|t| t.date_naive());
        let mut agenda = Agenda::default();
        for a in appts.upcoming(now) {
            let day = parse_datetime(&a.start).map(|t| zone.show(&t).date_naive());
            if day.is_some() && day <= today {
                agenda.today.push(a.clone());
            } else {
                agenda.upcoming.push(a.clone());
            }
        }
        Ok(agenda)
    }
}
