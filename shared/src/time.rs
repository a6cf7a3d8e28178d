//! Time as the model stores it: instants as Unix milliseconds, appointment times as RFC 3339 with their UTC offset.

use chrono::{DateTime, FixedOffset, NaiveDate};
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
}
