//! The `appointments` document: when, where, with whom, and whether it has been double-checked.

use std::collections::BTreeMap;

use automerge::ObjId;
use autosurgeon::{Hydrate, HydrateError, Reconcile, hydrate_prop};
use serde::{Deserialize, Serialize};

use super::{DocSchema, SCHEMA_VERSION};
use crate::ids::{ItemId, MemberId};
use crate::policy::DocKind;
use crate::time::{Timestamp, Zone, parse_datetime};
use crate::validation::{self as v, Keyed, Links, ValidationError};
use crate::vocabulary;

/// All of a circle's appointments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct Appointments {
    /// Schema version (see [`SCHEMA_VERSION`]).
    pub schema: u64,
    /// Appointments by id.
    pub items: BTreeMap<ItemId, Appointment>,
}

impl Default for Appointments {
    fn default() -> Self {
        Self {
            schema: SCHEMA_VERSION,
            items: BTreeMap::new(),
        }
    }
}

vocabulary! {
    /// Where an appointment stands.
    pub enum AppointmentStatus {
        /// Booked, not yet confirmed.
        Scheduled = "scheduled",
        /// Confirmed with the service.
        Confirmed = "confirmed",
        /// Moved to a new time (the old one is kept in `rescheduled_from`).
        Rescheduled = "rescheduled",
        /// Will not happen.
        Cancelled = "cancelled",
        /// Happened.
        Attended = "attended",
        /// Was missed.
        Missed = "missed",
    }
    default = Scheduled;
}

impl AppointmentStatus {
    /// A plain-language label for screens.
    pub const fn label(self) -> &'static str {
        match self {
            AppointmentStatus::Scheduled => "Booked",
            AppointmentStatus::Confirmed => "Confirmed",
            AppointmentStatus::Rescheduled => "Rescheduled",
            AppointmentStatus::Cancelled => "Cancelled",
            AppointmentStatus::Attended => "Attended",
            AppointmentStatus::Missed => "Missed",
        }
    }
}

/// Where an appointment happens: a place, an address, or a telehealth link.
///
/// Stored as one value (its JSON), so two people changing the place at once is a conflict
/// between two whole places, never one's name with the other's address.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Place {
    /// The place's name, e.g. "Northside Community Mental Health".
    pub name: String,
    /// Street address.
    pub address: String,
    /// Telehealth link, for video appointments.
    pub telehealth_url: String,
}

impl Reconcile for Place {
    type Key<'a> = autosurgeon::reconcile::NoKey;
    fn reconcile<R: autosurgeon::Reconciler>(&self, mut r: R) -> Result<(), R::Error> {
        r.str(serde_json::to_string(self).unwrap_or_default())
    }
}

impl Hydrate for Place {
    fn hydrate_string(s: &'_ str) -> Result<Self, HydrateError> {
        serde_json::from_str(s)
            .map_err(|_| HydrateError::unexpected("a place", "other text".into()))
    }

    /// Places recorded before they were one value: a map of the three fields.
    fn hydrate_map<D: autosurgeon::ReadDoc>(doc: &D, obj: &ObjId) -> Result<Self, HydrateError> {
        Ok(Self {
            name: hydrate_prop(doc, obj, "name")?,
            address: hydrate_prop(doc, obj, "address")?,
            telehealth_url: hydrate_prop(doc, obj, "telehealth_url")?,
        })
    }
}

/// An appointment's time slot as stored: start, end and zone in one value under the key
/// `slot`, so concurrent changes of the time are a conflict between whole slots and settling
/// one can never pair one person's start with another's end.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Slot {
    /// Start, RFC 3339.
    pub start: String,
    /// End, RFC 3339.
    pub end: String,
    /// IANA zone, or empty.
    #[serde(default)]
    pub zone: String,
}

impl Slot {
    /// The stored form.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads the stored form.
    pub fn decode(s: &str) -> Option<Self> {
        serde_json::from_str(s).ok()
    }
}

/// One appointment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Appointment {
    /// Same as the key it is stored under.
    pub id: ItemId,
    /// What it is for.
    pub purpose: String,
    /// Start, RFC 3339 with UTC offset.
    pub start: String,
    /// End, RFC 3339 with UTC offset.
    pub end: String,
    /// The IANA time zone `start` and `end` are in (the place's; the device's when added),
    /// e.g. `Australia/Melbourne`. Their offsets are that zone's on that date. Empty for
    /// appointments recorded before zones were: their offsets are shown as stored.
    /// (`start`, `end` and `zone` are stored together as one [`Slot`].)
    #[serde(default)]
    pub zone: String,
    /// Where.
    pub place: Place,
    /// With whom: ids in the team document.
    pub with_team: Vec<ItemId>,
    /// Where it stands.
    pub status: AppointmentStatus,
    /// The start it had before it was last rescheduled.
    pub rescheduled_from: Option<String>,
    /// Who double-checked the time and place with the service.
    pub double_checked_by: Option<MemberId>,
    /// When they double-checked it.
    pub double_checked_at: Option<Timestamp>,
    /// What they confirmed: the time slot and place as they were then (see
    /// [`Appointment::confirmation`]). The double-check counts only while they still match,
    /// so an edit made before or concurrently with it, merged later, cannot leave a stale tick.
    #[serde(default)]
    pub double_checked_what: String,
    /// Details have been asked for in writing (letter, email, form).
    pub written_details_requested: bool,
    /// Details have been received in writing.
    pub written_details_received: bool,
    /// Who will come along for support.
    pub support_person: String,
    /// How the consumer will get there.
    pub transport: String,
    /// Anything else.
    pub notes: String,
    /// Questions to ask at this appointment: ids in the questions document.
    pub question_ids: Vec<ItemId>,
    /// Who added it.
    pub created_by: Option<MemberId>,
}

impl Appointment {
    /// Fields a form writes together: the time slot.
    pub const UNITS: crate::fields::Units = &[&["start", "end", "zone"]];

    /// The time slot as stored.
    pub fn slot(&self) -> Slot {
        Slot {
            start: self.start.clone(),
            end: self.end.clone(),
            zone: self.zone.clone(),
        }
    }
}

impl Reconcile for Appointment {
    type Key<'a> = autosurgeon::reconcile::NoKey;
    fn reconcile<R: autosurgeon::Reconciler>(&self, mut r: R) -> Result<(), R::Error> {
        use autosurgeon::reconcile::MapReconciler;
        let mut m = r.map()?;
        m.put("id", &self.id)?;
        m.put("purpose", &self.purpose)?;
        m.put("slot", self.slot().encode())?;
        m.put("place", &self.place)?;
        m.put("with_team", &self.with_team)?;
        m.put("status", self.status)?;
        m.put("rescheduled_from", &self.rescheduled_from)?;
        m.put("double_checked_by", self.double_checked_by)?;
        m.put("double_checked_at", self.double_checked_at)?;
        m.put("double_checked_what", &self.double_checked_what)?;
        m.put("written_details_requested", self.written_details_requested)?;
        m.put("written_details_received", self.written_details_received)?;
        m.put("support_person", &self.support_person)?;
        m.put("transport", &self.transport)?;
        m.put("notes", &self.notes)?;
        m.put("question_ids", &self.question_ids)?;
        m.put("created_by", self.created_by)?;
        Ok(())
    }
}

/// A key that may be absent (added after the record was made): `None` when it is.
fn optional<D: autosurgeon::ReadDoc, T: Hydrate>(
    doc: &D,
    obj: &ObjId,
    key: &str,
) -> Result<Option<T>, HydrateError> {
    match doc.get(obj, key)? {
        None => Ok(None),
        Some(_) => hydrate_prop::<_, T, _, _>(doc, obj, key).map(Some),
    }
}

impl Hydrate for Appointment {
    fn hydrate_map<D: autosurgeon::ReadDoc>(doc: &D, obj: &ObjId) -> Result<Self, HydrateError> {
        let slot: Option<String> = optional(doc, obj, "slot")?;
        let slot = match slot {
            Some(s) => Slot::decode(&s)
                .ok_or_else(|| HydrateError::unexpected("a time slot", "other text".into()))?,
            // Recorded before the slot was one value.
            None => Slot {
                start: hydrate_prop(doc, obj, "start")?,
                end: hydrate_prop(doc, obj, "end")?,
                zone: optional::<_, String>(doc, obj, "zone")?.unwrap_or_default(),
            },
        };
        Ok(Self {
            id: hydrate_prop(doc, obj, "id")?,
            purpose: hydrate_prop(doc, obj, "purpose")?,
            start: slot.start,
            end: slot.end,
            zone: slot.zone,
            place: hydrate_prop(doc, obj, "place")?,
            with_team: hydrate_prop(doc, obj, "with_team")?,
            status: hydrate_prop(doc, obj, "status")?,
            rescheduled_from: optional(doc, obj, "rescheduled_from")?.flatten(),
            double_checked_by: optional(doc, obj, "double_checked_by")?.flatten(),
            double_checked_at: optional(doc, obj, "double_checked_at")?.flatten(),
            double_checked_what: optional::<_, String>(doc, obj, "double_checked_what")?
                .unwrap_or_default(),
            written_details_requested: hydrate_prop(doc, obj, "written_details_requested")?,
            written_details_received: hydrate_prop(doc, obj, "written_details_received")?,
            support_person: hydrate_prop(doc, obj, "support_person")?,
            transport: hydrate_prop(doc, obj, "transport")?,
            notes: hydrate_prop(doc, obj, "notes")?,
            question_ids: hydrate_prop(doc, obj, "question_ids")?,
            created_by: optional(doc, obj, "created_by")?.flatten(),
        })
    }
}

impl Keyed for Appointment {
    fn id(&self) -> &ItemId {
        &self.id
    }
}

impl Appointment {
    /// The start as a date-time, if well-formed.
    pub fn start_time(&self) -> Option<chrono::DateTime<chrono::FixedOffset>> {
        parse_datetime(&self.start)
    }

    /// The end as a date-time, if well-formed.
    pub fn end_time(&self) -> Option<chrono::DateTime<chrono::FixedOffset>> {
        parse_datetime(&self.end)
    }

    /// The appointment's time zone, when it has a known one.
    pub fn time_zone(&self) -> Option<Zone> {
        Zone::named(&self.zone)
    }

    /// The time slot and place in one string, as a double-check records them: the instants
    /// (so a change of notation is not a change), the zone, and the place's fields.
    pub fn confirmation(&self) -> String {
        let instant = |t: Option<chrono::DateTime<chrono::FixedOffset>>| {
            t.map(|t| Timestamp::from_datetime(&t).millis().to_string())
                .unwrap_or_default()
        };
        serde_json::json!([
            instant(self.start_time()),
            instant(self.end_time()),
            self.zone,
            self.place.name,
            self.place.address,
            self.place.telehealth_url,
        ])
        .to_string()
    }

    /// True while a double-check confirms the time and place it has now.
    pub fn is_double_checked(&self) -> bool {
        self.double_checked_by.is_some() && self.double_checked_what == self.confirmation()
    }

    /// True when it was double-checked, but its time or place is not what was confirmed (or,
    /// for a double-check recorded before confirmations were, cannot be told).
    pub fn changed_since_double_check(&self) -> bool {
        self.double_checked_by.is_some() && !self.is_double_checked()
    }

    /// Records a double-check by `by` at `at` of the time and place it has now.
    pub fn mark_double_checked(&mut self, by: MemberId, at: Timestamp) {
        self.double_checked_by = Some(by);
        self.double_checked_at = Some(at);
        self.double_checked_what = self.confirmation();
    }

    /// Forgets the double-check (the appointment moved).
    pub fn clear_double_check(&mut self) {
        self.double_checked_by = None;
        self.double_checked_at = None;
        self.double_checked_what.clear();
    }

    /// True unless cancelled, attended or missed.
    pub fn is_active(&self) -> bool {
        matches!(
            self.status,
            AppointmentStatus::Scheduled
                | AppointmentStatus::Confirmed
                | AppointmentStatus::Rescheduled
        )
    }

    fn validate(&self, links: &Links) -> Result<(), ValidationError> {
        v::required("purpose", &self.purpose)?;
        v::datetime("start", &self.start)?;
        v::datetime("end", &self.end)?;
        if let (Some(start), Some(end)) = (self.start_time(), self.end_time())
            && end < start
        {
            return Err(ValidationError::EndBeforeStart {
                item: self.id.clone(),
            });
        }
        if let Some(from) = &self.rescheduled_from {
            v::datetime("rescheduled_from", from)?;
        }
        if !self.zone.is_empty() {
            let zone = self
                .time_zone()
                .ok_or(ValidationError::UnknownZone { field: "zone" })?;
            for (field, time) in [("start", self.start_time()), ("end", self.end_time())] {
                if let Some(t) = time
                    && zone.offset_at(&t) != *t.offset()
                {
                    return Err(ValidationError::WrongOffset { field });
                }
            }
        }
        if self.double_checked_by.is_some() != self.double_checked_at.is_some()
            || (self.double_checked_by.is_none() && !self.double_checked_what.is_empty())
        {
            return Err(ValidationError::NotAllowed {
                field: "double_checked_at",
            });
        }
        v::short("place.name", &self.place.name)?;
        v::short("place.address", &self.place.address)?;
        v::short("place.telehealth_url", &self.place.telehealth_url)?;
        v::short("double_checked_what", &self.double_checked_what)?;
        v::short("support_person", &self.support_person)?;
        v::short("transport", &self.transport)?;
        v::long("notes", &self.notes)?;
        v::count(
            "with_team",
            self.with_team.len(),
            crate::limits::MAX_LIST_ENTRIES,
        )?;
        v::count(
            "question_ids",
            self.question_ids.len(),
            crate::limits::MAX_LIST_ENTRIES,
        )?;
        Links::check_all(&links.team, "with_team", &self.with_team)?;
        Links::check_all(&links.questions, "question_ids", &self.question_ids)
    }
}

crate::parts!(Appointments {
    fields: [schema],
    items: [items]
});

impl DocSchema for Appointments {
    const KIND: DocKind = DocKind::Appointments;

    fn schema_version(&self) -> u64 {
        self.schema
    }

    fn validate_change(&self, before: &Self, links: &Links) -> Result<(), ValidationError> {
        v::changed_items("appointments", &before.items, &self.items, |a| {
            a.validate(links)
        })
    }
}

impl Appointments {
    /// Active appointments that end at or after `now`, soonest first.
    pub fn upcoming(&self, now: Timestamp) -> Vec<&Appointment> {
        let mut list: Vec<_> = self
            .items
            .values()
            .filter(|a| a.is_active())
            .filter(|a| {
                a.end_time()
                    .is_some_and(|end| Timestamp::from_datetime(&end) >= now)
            })
            .collect();
        list.sort_by_key(|a| a.start_time().map(|t| Timestamp::from_datetime(&t)));
        list
    }
}
