//! A written copy of appointments as an iCalendar file (RFC 5545) other calendars import.

use carecircle_shared::CircleId;
use carecircle_shared::schema::{AppointmentStatus, Appointments, Team};
use carecircle_shared::time::parse_datetime;
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};

use crate::core::CareCircle;
use crate::error::AppResult;

impl CareCircle {
    /// All of a circle's appointments as an `.ics` calendar.
    pub fn appointments_ics(&self, circle: CircleId) -> AppResult<String> {
        let appts: Appointments = self.view(circle)?;
        let team: Option<Team> = self.view(circle).ok();
        let mut cal = Calendar::new();
        cal.name("CareCircle appointments");
        for a in appts.items.values() {
            let (Some(start), Some(end)) = (parse_datetime(&a.start), parse_datetime(&a.end))
            else {
                continue;
            };
            let with: Vec<String> = a
                .with_team
                .iter()
                .filter_map(|id| team.as_ref()?.members.get(id).map(|m| m.name.clone()))
                .collect();
            let mut description = Vec::new();
            if !with.is_empty() {
                description.push(format!("With: {}", with.join(", ")));
            }
            if !a.place.telehealth_url.is_empty() {
                description.push(format!("Video link: {}", a.place.telehealth_url));
            }
            if a.is_double_checked() {
                description.push("Double-checked".to_string());
            } else if a.changed_since_double_check() {
                description.push(
                    "Changed since it was double-checked: please double-check it again".into(),
                );
            }
            let location = [a.place.name.as_str(), a.place.address.as_str()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", ");
            let mut event = Event::new();
            event
                .uid(&format!("{}@carecircle", a.id))
                .summary(&a.purpose)
                .starts(start.with_timezone(&chrono::Utc))
                .ends(end.with_timezone(&chrono::Utc))
                .location(&location)
                .description(&description.join("\n"))
                .status(match a.status {
                    AppointmentStatus::Cancelled => EventStatus::Cancelled,
                    AppointmentStatus::Scheduled | AppointmentStatus::Rescheduled => {
                        EventStatus::Tentative
                    }
                    _ => EventStatus::Confirmed,
                });
            cal.push(event.done());
        }
        Ok(cal.done().to_string())
    }
}
