//! Plain-language text for the screens: times in the device's zone, the sync status line, refusals.

use carecircle_shared::Timestamp;
use carecircle_shared::schema::Appointment;
use carecircle_shared::time::{LocalTimeError, Zone, parse_datetime};
use carecircle_shared::wire::ErrorCode;
use chrono::{DateTime, FixedOffset};

use crate::core::SyncStatus;
use crate::store::RefusedEdit;

pub use crate::ops::appointments::device_zone;

/// A time as the device shows it: `14:05`.
pub fn clock(at: Timestamp, zone: Zone) -> String {
    zone.show_instant(at)
        .map(|t| t.format("%H:%M").to_string())
        .unwrap_or_default()
}

/// A date and time: `Mon 23 Nov, 14:05`.
pub fn when(at: Timestamp, zone: Zone) -> String {
    zone.show_instant(at)
        .map(|t| t.format("%a %-d %b, %H:%M").to_string())
        .unwrap_or_default()
}

/// The zone an appointment is entered and shown in: its own, else the device's.
pub fn zone_of(a: &Appointment, device: Zone) -> Zone {
    a.time_zone().unwrap_or(device)
}

fn span(start: &DateTime<FixedOffset>, end: Option<DateTime<FixedOffset>>) -> String {
    let mut s = start.format("%a %-d %b, %H:%M").to_string();
    if let Some(end) = end {
        s.push('–');
        if end.date_naive() == start.date_naive() {
            s.push_str(&end.format("%H:%M").to_string());
        } else {
            s.push_str(&end.format("%a %-d %b, %H:%M").to_string());
        }
    }
    s
}

/// An appointment's time in the device's zone, with that date's offset: `Mon 23 Nov,
/// 10:00–11:00`; when the appointment's own zone differs, its local time follows
/// (`Mon 23 Nov, 07:00–08:00 (10:00 in Melbourne)`).
pub fn appointment_time(a: &Appointment, device: Zone) -> String {
    slot_text(&a.start, &a.end, a.time_zone(), device)
}

/// A time slot as [`appointment_time`] shows it.
pub fn slot_text(start: &str, end: &str, zone: Option<Zone>, device: Zone) -> String {
    let Some(start) = parse_datetime(start) else {
        return "Time not set".into();
    };
    let end = parse_datetime(end);
    let shown = device.show(&start);
    let mut s = span(&shown, end.map(|e| device.show(&e)));
    if let Some(zone) = zone
        && zone.offset_at(&start) != device.offset_at(&start)
    {
        let there = zone.show(&start);
        s.push_str(&format!(" ({} in {})", there.format("%H:%M"), zone.city()));
    }
    s
}

/// The day heading an appointment is listed under, in the device's zone: `Monday 23 November`.
pub fn day(a: &Appointment, device: Zone) -> String {
    a.start_time()
        .map(|t| device.show(&t).format("%A %-d %B").to_string())
        .unwrap_or_else(|| "No date".into())
}

/// A stored RFC 3339 time as a `datetime-local` input value in `zone` (`2026-11-23T10:00`).
pub fn to_input(rfc3339: &str, zone: Zone) -> String {
    parse_datetime(rfc3339)
        .map(|t| zone.show(&t).format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

/// A `datetime-local` input value as RFC 3339 in `zone`, with the offset that zone has on
/// that date.
pub fn from_input(value: &str, zone: Zone) -> Result<String, LocalTimeError> {
    zone.place_input(value)
}

/// Why an entered time cannot be saved, in plain words.
pub fn time_problem(e: LocalTimeError) -> &'static str {
    match e {
        LocalTimeError::Skipped => {
            "That time does not exist on that day: the clocks go forward an hour. Please choose another time."
        }
        LocalTimeError::Malformed => "Please give a start and an end time.",
    }
}

/// Zones an appointment can be entered in: the ones given first, then Australia's.
pub fn zone_choices(first: &[Zone]) -> Vec<(String, String)> {
    const AUSTRALIA: [&str; 8] = [
        "Australia/Melbourne",
        "Australia/Sydney",
        "Australia/Brisbane",
        "Australia/Adelaide",
        "Australia/Hobart",
        "Australia/Darwin",
        "Australia/Perth",
        "UTC",
    ];
    let mut out: Vec<(String, String)> = Vec::new();
    for zone in first
        .iter()
        .copied()
        .chain(AUSTRALIA.iter().filter_map(|n| Zone::named(n)))
    {
        if !out.iter().any(|(name, _)| name == zone.name()) {
            out.push((
                zone.name().to_string(),
                format!("{} time ({})", zone.city(), zone.name()),
            ));
        }
    }
    out
}

/// The always-visible status line.
pub fn status_line(s: &SyncStatus, zone: Zone) -> String {
    let waiting = match s.waiting {
        0 => String::new(),
        1 => "1 change waiting".into(),
        n => format!("{n} changes waiting"),
    };
    // Offline first: a sync still waiting on a dead network is not "syncing" to anyone.
    if s.offline {
        if waiting.is_empty() {
            "Offline · everything is saved on this device".into()
        } else {
            format!("Offline · {waiting}, saved on this device")
        }
    } else if s.syncing {
        if waiting.is_empty() {
            "Syncing…".into()
        } else {
            format!("Syncing… · {waiting}")
        }
    } else if !waiting.is_empty() {
        format!("Saved on this device · {waiting}")
    } else if let Some(at) = s.last_synced_at {
        format!("Synced at {}", clock(at, zone))
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

    fn zone(name: &str) -> Zone {
        Zone::named(name).expect("zone")
    }

    #[test]
    fn the_status_line_says_saved_waiting_synced_or_offline() {
        let mut s = SyncStatus::default();
        assert_eq!(status_line(&s, Zone::UTC), "Saved on this device");
        s.last_synced_at = Some(Timestamp(90 * 60_000));
        assert_eq!(status_line(&s, zone("Europe/London")), "Synced at 02:30");
        s.waiting = 3;
        assert_eq!(
            status_line(&s, Zone::UTC),
            "Saved on this device · 3 changes waiting"
        );
        s.offline = true;
        assert_eq!(
            status_line(&s, Zone::UTC),
            "Offline · 3 changes waiting, saved on this device"
        );
        s.syncing = true;
        assert_eq!(
            status_line(&s, Zone::UTC),
            "Offline · 3 changes waiting, saved on this device",
            "a sync waiting on a dead network is offline"
        );
        s.offline = false;
        assert_eq!(
            status_line(&s, Zone::UTC),
            "Syncing… · 3 changes waiting",
            "what waits stays said while a sync is under way"
        );
        s.waiting = 0;
        assert_eq!(status_line(&s, Zone::UTC), "Syncing…");
    }

    #[test]
    fn datetime_inputs_round_trip_with_each_dates_offset() {
        let melbourne = zone("Australia/Melbourne");
        let stored = from_input("2026-11-23T10:00", melbourne).expect("a time");
        assert_eq!(stored, "2026-11-23T10:00:00+11:00");
        assert_eq!(to_input(&stored, melbourne), "2026-11-23T10:00");
        assert_eq!(to_input(&stored, Zone::UTC), "2026-11-22T23:00");
        // April, after daylight saving ends: +10:00, whatever the offset is today.
        let april = from_input("2027-04-10T10:00", melbourne).expect("a time");
        assert_eq!(april, "2027-04-10T10:00:00+10:00");
        assert_eq!(to_input(&april, melbourne), "2027-04-10T10:00");
        assert_eq!(
            from_input("not a time", Zone::UTC),
            Err(LocalTimeError::Malformed)
        );
        assert_eq!(
            from_input("2027-10-03T02:30", melbourne),
            Err(LocalTimeError::Skipped)
        );
    }

    #[test]
    fn appointment_times_show_in_the_device_zone_and_name_the_place_zone() {
        let melbourne = zone("Australia/Melbourne");
        let april = Appointment {
            start: "2027-04-10T10:00:00+10:00".into(),
            end: "2027-04-10T10:30:00+10:00".into(),
            zone: "Australia/Melbourne".into(),
            ..Default::default()
        };
        assert_eq!(
            appointment_time(&april, melbourne),
            "Sat 10 Apr, 10:00–10:30"
        );
        assert_eq!(
            appointment_time(&april, zone("Australia/Perth")),
            "Sat 10 Apr, 08:00–08:30 (10:00 in Melbourne)"
        );
        assert_eq!(day(&april, melbourne), "Saturday 10 April");
        // Just after midnight in Melbourne is still the day before in Perth.
        let early = Appointment {
            start: "2027-04-10T00:30:00+10:00".into(),
            end: "2027-04-10T01:00:00+10:00".into(),
            zone: "Australia/Melbourne".into(),
            ..Default::default()
        };
        assert_eq!(day(&early, zone("Australia/Perth")), "Friday 9 April");
    }

    #[test]
    fn phone_links_keep_digits_and_plus() {
        assert_eq!(tel("+61 2 5550 1234"), "tel:+61255501234");
    }
}
