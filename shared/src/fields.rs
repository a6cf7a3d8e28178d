//! A form's save as the fields the person changed: a form opened on one version of an item and
//! saved later writes only what the person changed, onto the item as it is *now*, so a change
//! someone else made meanwhile (merged in by a sync while the form was open) is kept.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Fields of an item that are one unit: when the person changed any of them, all of them are
/// taken from the form (an appointment's start, end and zone are one time slot).
pub type Units = &'static [&'static [&'static str]];

/// `current` with every top-level field that differs between `opened` and `saved` (and the
/// rest of its unit) taken from `saved`.
pub fn apply_changed<T: Serialize + DeserializeOwned>(
    current: &T,
    opened: &T,
    saved: &T,
    units: Units,
) -> Result<T, serde_json::Error> {
    let object = |v: &T| -> Result<Map<String, Value>, serde_json::Error> {
        match serde_json::to_value(v)? {
            Value::Object(m) => Ok(m),
            _ => Ok(Map::new()),
        }
    };
    let (mut now, opened, saved) = (object(current)?, object(opened)?, object(saved)?);
    let mut changed: Vec<&str> = saved
        .iter()
        .filter(|(k, v)| opened.get(*k) != Some(v))
        .map(|(k, _)| k.as_str())
        .collect();
    for unit in units {
        if unit.iter().any(|f| changed.contains(f)) {
            changed.extend(unit.iter().copied());
        }
    }
    for key in changed {
        match saved.get(key) {
            Some(v) => now.insert(key.to_string(), v.clone()),
            None => now.remove(key),
        };
    }
    serde_json::from_value(Value::Object(now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Appointment;

    #[test]
    fn only_what_the_form_changed_is_written_and_units_travel_together() {
        let opened = Appointment {
            purpose: "Review".into(),
            start: "2026-11-23T10:00:00+11:00".into(),
            end: "2026-11-23T11:00:00+11:00".into(),
            ..Default::default()
        };
        // Meanwhile someone else added transport and moved the end.
        let mut current = opened.clone();
        current.transport = "Bus 12".into();
        current.end = "2026-11-23T11:30:00+11:00".into();
        // The form changed only the purpose...
        let mut saved = opened.clone();
        saved.purpose = "Medication review".into();
        let merged = apply_changed(&current, &opened, &saved, Appointment::UNITS).expect("merge");
        assert_eq!(merged.purpose, "Medication review");
        assert_eq!(merged.transport, "Bus 12");
        assert_eq!(merged.end, "2026-11-23T11:30:00+11:00");
        // ...or the start: the whole slot is the form's.
        let mut saved = opened.clone();
        saved.start = "2026-11-23T09:30:00+11:00".into();
        let merged = apply_changed(&current, &opened, &saved, Appointment::UNITS).expect("merge");
        assert_eq!(
            (merged.start.as_str(), merged.end.as_str()),
            ("2026-11-23T09:30:00+11:00", "2026-11-23T11:00:00+11:00")
        );
        assert_eq!(merged.transport, "Bus 12");
    }
}
