//! Plain-language text for the screens: times in the device's zone, the sync status line, refusals.

use carecircle_shared::Timestamp;
use carecircle_shared::schema::Appointment;
use carecircle_shared::wire::ErrorCode;
use chrono::{DateTime, FixedOffset, NaiveDateTime, Offset, TimeZone};

use crate::core::SyncStatus;
use crate::store::RefusedEdit;

/// The device's current offset from UTC.
pub fn device_offset() -> FixedOffset {
    chrono::Local::now().offset().fix()
}

fn offset(secs: i32) -> FixedOffset {
    FixedOffset::east_opt(secs).unwrap_or_else(|| chrono::Utc.fix())
}

/// A time as the device shows it: `14:05`.
pub fn clock(at: Timestamp, offset_secs: i32) -> String {
    local(at, offset_secs)
        .map(|t| t.format("%H:%M").to_string())
        .unwrap_or_default()
}

/// A date and time: `Mon 23 Nov, 14:05`.
pub fn when(at: Timestamp, offset_secs: i32) -> String {
    local(at, offset_secs)
        .map(|t| t.format("%a %-d %b, %H:%M").to_string())
        .unwrap_or_default()
}

fn local(at: Timestamp, offset_secs: i32) -> Option<DateTime<FixedOffset>> {
    at.to_utc().map(|t| t.with_timezone(&offset(offset_secs)))
}

/// An appointment's start in the device's zone: `Mon 23 Nov, 10:00–11:00`.
pub fn appointment_time(a: &Appointment, offset_secs: i32) -> String {
    let zone = offset(offset_secs);
    let Some(start) = a.start_time().map(|t| t.with_timezone(&zone)) else {
        return "Time not set".into();
    };
    let mut s = start.format("%a %-d %b, %H:%M").to_string();
    if let Some(end) = a.end_time().map(|t| t.with_timezone(&zone)) {
        s.push('–');
        s.push_str(&end.format("%H:%M").to_string());
    }
    s
}

/// The day heading an appointment is listed under: `Monday 23 November`.
pub fn day(a: &Appointment, offset_secs: i32) -> String {
    a.start_time()
        .map(|t| {
            t.with_timezone(&offset(offset_secs))
                .format("%A %-d %B")
                .to_string()
        })
        .unwrap_or_else(|| "No date".into())
}

/// A stored RFC 3339 time as a `datetime-local` input value (`2026-11-23T10:00`).
pub fn to_input(rfc3339: &str, offset_secs: i32) -> String {
    DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| {
            t.with_timezone(&offset(offset_secs))
                .format("%Y-%m-%dT%H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// A `datetime-local` input value as RFC 3339 in the device's zone; None if it is not a time.
pub fn from_input(value: &str, offset_secs: i32) -> Option<String> {
    let naive = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    offset(offset_secs)
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.to_rfc3339())
}

/// The always-visible status line.
pub fn status_line(s: &SyncStatus, offset_secs: i32) -> String {
    let waiting = match s.waiting {
        0 => String::new(),
        1 => "1 change waiting".into(),
        n => format!("{n} changes waiting"),
    };
    if s.syncing {
        "Syncing…".into()
    } else if s.offline {
        if waiting.is_empty() {
            "Offline · everything is saved on this device".into()
        } else {
            format!("Offline · {waiting}, saved on this device")
        }
    } else if !waiting.is_empty() {
        format!("Saved on this device · {waiting}")
    } else if let Some(at) = s.last_synced_at {
        format!("Synced at {}", clock(at, offset_secs))
    } else {
        "Saved on this device".into()
    }
}

/// Why the server did not accept an edit, in plain words.
pub fn refusal_reason(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::Forbidden | ErrorCode::Revoked => "access changed",
        ErrorCode::NotAuthor => "only the person who wrote it can change it",
        ErrorCode::Invalid | ErrorCode::Malformed => "it did not fit the record's rules",
        ErrorCode::TooLarge => "it was too large",
        ErrorCode::UnknownActor => "this device is not recognised",
        _ => "the server refused it",
    }
}

/// The refusal banner's sentence.
pub fn refusal_text(r: &RefusedEdit) -> String {
    format!(
        "Your change to the {} was not accepted: {}.",
        r.kind.label().to_lowercase(),
        refusal_reason(r.code)
    )
}

/// `tel:` link for a phone number (spaces dropped).
pub fn tel(phone: &str) -> String {
    let digits: String = phone
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    format!("tel:{digits}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_line_says_saved_waiting_synced_or_offline() {
        let mut s = SyncStatus::default();
        assert_eq!(status_line(&s, 0), "Saved on this device");
        s.last_synced_at = Some(Timestamp(90 * 60_000));
        assert_eq!(status_line(&s, 3600), "Synced at 02:30");
        s.waiting = 3;
        assert_eq!(
            status_line(&s, 0),
            "Saved on this device · 3 changes waiting"
        );
        s.offline = true;
        assert_eq!(
            status_line(&s, 0),
            "Offline · 3 changes waiting, saved on this device"
        );
        s.syncing = true;
        assert_eq!(status_line(&s, 0), "Syncing…");
    }

    #[test]
    fn datetime_inputs_round_trip_in_the_device_zone() {
        let stored = from_input("2026-11-23T10:00", 11 * 3600).expect("a time");
        assert_eq!(stored, "2026-11-23T10:00:00+11:00");
        assert_eq!(to_input(&stored, 11 * 3600), "2026-11-23T10:00");
        assert_eq!(to_input(&stored, 0), "2026-11-22T23:00");
        assert_eq!(from_input("not a time", 0), None);
    }

    #[test]
    fn phone_links_keep_digits_and_plus() {
        assert_eq!(tel("+61 2 5550 1234"), "tel:+61255501234");
    }
}
