//! Time as the model stores it: instants as Unix milliseconds, appointment times as RFC 3339 with
//! the UTC offset their IANA time zone has *on that date*, and the zone itself.

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// An instant, in milliseconds since the Unix epoch (UTC). Commit times and "at" fields use it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl autosurgeon::Reconcile for Timestamp {
    type Key<'a> = autosurgeon::reconcile::NoKey;
    fn reconcile<R: autosurgeon::Reconciler>(&self, mut r: R) -> Result<(), R::Error> {
        r.i64(self.0)
    }
}

impl autosurgeon::Hydrate for Timestamp {
    fn hydrate_int(i: i64) -> Result<Self, autosurgeon::HydrateError> {
        Ok(Self(i))
    }

    fn hydrate_uint(u: u64) -> Result<Self, autosurgeon::HydrateError> {
        i64::try_from(u).map(Self).map_err(|_| {
            autosurgeon::HydrateError::unexpected("a timestamp", "a huge number".into())
        })
    }
}

impl Timestamp {
    /// Milliseconds since the Unix epoch.
    pub const fn millis(self) -> i64 {
        self.0
    }

    /// This instant as a UTC date-time, if in chrono's range.
    pub fn to_utc(self) -> Option<DateTime<chrono::Utc>> {
        DateTime::from_timestamp_millis(self.0)
    }

    /// The instant a date-time names.
    pub fn from_datetime(dt: &DateTime<FixedOffset>) -> Self {
        Self(dt.timestamp_millis())
    }

    /// This instant plus a number of milliseconds (saturating).
    pub const fn plus_millis(self, ms: i64) -> Self {
        Self(self.0.saturating_add(ms))
    }
}

/// Milliseconds in one hour.
pub const HOUR_MS: i64 = 60 * 60 * 1000;
/// Milliseconds in one day.
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// Parses an RFC 3339 date-time that carries its UTC offset, e.g. `2026-11-23T10:00:00+11:00`.
pub fn parse_datetime(s: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(s).ok()
}

/// A time zone of the IANA database, e.g. `Australia/Melbourne`: its offset is looked up for
/// each date, so an April appointment entered in November gets April's offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Zone(Tz);

/// Why a local date and time cannot be placed in a zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LocalTimeError {
    /// The clocks skip it (the hour lost when daylight saving starts).
    #[error("that time does not exist on that day: the clocks go forward")]
    Skipped,
    /// Not a date and time.
    #[error("not a date and time")]
    Malformed,
}

impl Default for Zone {
    fn default() -> Self {
        Self::UTC
    }
}

impl Zone {
    /// Coordinated Universal Time.
    pub const UTC: Zone = Zone(Tz::UTC);

    /// The zone with this IANA name, if the database has it.
    pub fn named(name: &str) -> Option<Zone> {
        name.parse::<Tz>().ok().map(Zone)
    }

    /// The IANA name, e.g. `Australia/Melbourne`.
    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// The place part of the name in plain words: `Melbourne`, `Perth`, `UTC`.
    pub fn city(self) -> String {
        self.name()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .replace('_', " ")
    }

    /// The offset from UTC in this zone at `instant`.
    pub fn offset_at(self, instant: &DateTime<FixedOffset>) -> FixedOffset {
        instant.with_timezone(&self.0).offset().fix()
    }

    /// A date-time shown in this zone (with the offset it has at that date).
    pub fn show(self, instant: &DateTime<FixedOffset>) -> DateTime<FixedOffset> {
        instant.with_timezone(&self.offset_at(instant))
    }

    /// An instant shown in this zone.
    pub fn show_instant(self, at: Timestamp) -> Option<DateTime<FixedOffset>> {
        at.to_utc().map(|t| self.show(&t.fixed_offset()))
    }

    /// A wall-clock date and time in this zone as a date-time with that date's offset. Of a
    /// time that happens twice (when daylight saving ends) the first is taken.
    pub fn place(self, local: NaiveDateTime) -> Result<DateTime<FixedOffset>, LocalTimeError> {
        match self.0.from_local_datetime(&local) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Ok(t.fixed_offset()),
            LocalResult::None => Err(LocalTimeError::Skipped),
        }
    }

    /// Like [`place`](Self::place), from `YYYY-MM-DDTHH:MM` (a `datetime-local` value), as
    /// RFC 3339.
    pub fn place_input(self, value: &str) -> Result<String, LocalTimeError> {
        let local = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
            .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"))
            .map_err(|_| LocalTimeError::Malformed)?;
        self.place(local).map(|t| t.to_rfc3339())
    }
}

/// Parses a calendar date, `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_keep_their_offset() {
        let dt = parse_datetime("2026-11-23T10:00:00+11:00").expect("valid");
        assert_eq!(dt.offset().local_minus_utc(), 11 * 3600);
        assert_eq!(Timestamp::from_datetime(&dt), Timestamp(1_795_388_400_000));
        assert!(parse_datetime("2026-11-23 10:00").is_none());
        assert!(parse_date("2026-02-30").is_none());
        assert!(parse_date("2026-02-28").is_some());
    }

    #[test]
    fn a_zone_gives_each_date_its_own_offset() {
        let melbourne = Zone::named("Australia/Melbourne").expect("zone");
        // Daylight saving ends on Sunday 4 April 2027 and starts on Sunday 3 October 2027.
        assert_eq!(
            melbourne.place_input("2027-04-03T10:00").as_deref(),
            Ok("2027-04-03T10:00:00+11:00")
        );
        assert_eq!(
            melbourne.place_input("2027-04-05T10:00").as_deref(),
            Ok("2027-04-05T10:00:00+10:00")
        );
        assert_eq!(
            melbourne.place_input("2027-10-04T10:00").as_deref(),
            Ok("2027-10-04T10:00:00+11:00")
        );
        // 02:30 on 3 October does not exist; 02:30 on 4 April happens twice (the first).
        assert_eq!(
            melbourne.place_input("2027-10-03T02:30"),
            Err(LocalTimeError::Skipped)
        );
        assert_eq!(
            melbourne.place_input("2027-04-04T02:30").as_deref(),
            Ok("2027-04-04T02:30:00+11:00")
        );
        let perth = Zone::named("Australia/Perth").expect("zone");
        let t = parse_datetime("2027-04-05T10:00:00+10:00").expect("time");
        assert_eq!(perth.show(&t).to_rfc3339(), "2027-04-05T08:00:00+08:00");
        assert_eq!(perth.city(), "Perth");
        assert!(Zone::named("Mars/Olympus").is_none());
    }
}
