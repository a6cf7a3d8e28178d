//! The access log in plain words: one line per person, day and what they did ("Sam Rivera
//! received the notes 3 times"), names kept for people no longer in the circle.

use carecircle_shared::time::Zone;
use carecircle_shared::wire::{AccessLogEntry, ErrorCode, LogAction};
use carecircle_shared::{DocKind, MemberId, Role, Timestamp};

use crate::ui::format::refusal_reason;

/// One day of the log, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessDay {
    /// "Today", "Yesterday" or "Monday 30 November".
    pub day: String,
    /// What happened that day, newest first.
    pub lines: Vec<String>,
}

/// Groups `entries` (newest first, as the server pages them) per day in `zone`, and within a
/// day per person, action and document.
pub fn readable(
    entries: &[AccessLogEntry],
    me: Option<MemberId>,
    zone: Zone,
    now: Timestamp,
) -> Vec<AccessDay> {
    let date = |at: Timestamp| zone.show_instant(at).map(|d| d.date_naive());
    let today = date(now);
    let mut days: Vec<(Option<chrono::NaiveDate>, Vec<Line>)> = Vec::new();
    for e in entries {
        let d = date(e.at);
        if days.last().is_none_or(|(x, _)| *x != d) {
            days.push((d, Vec::new()));
        }
        let lines = &mut days.last_mut().expect("just pushed").1;
        let key = Key::of(e);
        match lines.iter_mut().find(|(k, _, _)| *k == key) {
            Some((_, n, _)) => *n += 1,
            None => lines.push((key, 1, describe(e, me, zone))),
        }
    }
    days.into_iter()
        .map(|(d, lines)| AccessDay {
            day: match (d, today) {
                (Some(d), Some(t)) if d == t => "Today".into(),
                (Some(d), Some(t)) if Some(d) == t.pred_opt() => "Yesterday".into(),
                (Some(d), _) => d.format("%A %-d %B %Y").to_string(),
                (None, _) => "Unknown day".into(),
            },
            lines: lines
                .into_iter()
                .map(|(_, n, text)| match n {
                    1 => text,
                    2 => format!("{text} twice"),
                    n => format!("{text} {n} times"),
                })
                .collect(),
        })
        .collect()
}

/// One line of a day being built: what makes it one line, how many entries, its words.
type Line = (Key, usize, String);

/// What makes two entries of one day the same line.
#[derive(Debug, PartialEq, Eq)]
struct Key {
    member: MemberId,
    action: LogAction,
    kind: Option<DocKind>,
    subject: Option<MemberId>,
    detail: String,
}

impl Key {
    fn of(e: &AccessLogEntry) -> Key {
        Key {
            member: e.member,
            action: e.action,
            kind: e.kind,
            subject: e.subject,
            // "relayed" is how a write arrived, not what it did.
            detail: if e.action == LogAction::Write {
                String::new()
            } else {
                e.detail.clone()
            },
        }
    }
}

/// A person as the log names them: "you", their name, or their name and when they left.
fn person(
    member: MemberId,
    name: &str,
    removed: Option<Timestamp>,
    me: Option<MemberId>,
    zone: Zone,
) -> String {
    if Some(member) == me {
        return "You".into();
    }
    let name = if name.is_empty() {
        "A former member"
    } else {
        name
    };
    match removed.and_then(|at| zone.show_instant(at)) {
        Some(d) => format!("{name} (left or removed {})", d.format("%-d %b")),
        None => name.to_string(),
    }
}

/// "the notes", "the plan"...
fn the(kind: Option<DocKind>) -> String {
    kind.map(|k| format!("the {}", k.label().to_lowercase()))
        .unwrap_or_else(|| "the circle".into())
}

/// One entry in plain words (without a count).
fn describe(e: &AccessLogEntry, me: Option<MemberId>, zone: Zone) -> String {
    let who = person(e.member, &e.name, e.removed_at, me, zone);
    let subject = match (e.subject, &e.subject_name) {
        (Some(s), _) if Some(s) == me => "you".to_string(),
        (Some(_), Some(n)) if !n.is_empty() => n.clone(),
        (Some(_), _) => "a former member".to_string(),
        (None, _) => String::new(),
    };
    let role = |code: &str| {
        code.parse::<Role>()
            .map(|r| r.label().to_lowercase())
            .unwrap_or_else(|_| "member".into())
    };
    let what = match e.action {
        LogAction::Read => format!("received {}", the(e.kind)),
        LogAction::Write => format!("changed {}", the(e.kind)),
        LogAction::Refused => format!(
            "tried to change {} and was refused: {}",
            the(e.kind),
            e.detail
                .parse::<ErrorCode>()
                .map_or("the server refused it", refusal_reason)
        ),
        LogAction::CreateCircle => format!("started the circle as {}", role(&e.detail)),
        LogAction::CreateInvite => format!("made an invite for a {}", role(&e.detail)),
        LogAction::CancelInvite => format!("cancelled an invite for a {}", role(&e.detail)),
        LogAction::Join => format!("joined as {}", role(&e.detail)),
        LogAction::ChangeAccess => {
            let access = e.detail.rsplit(':').next().unwrap_or("").trim();
            let access = match access {
                "none" => "no access",
                "read" => "read only",
                "write" => "read and change",
                _ => "a new level of access",
            };
            format!("set {subject}'s access to {} to {access}", the(e.kind))
        }
        LogAction::Revoke => format!("removed {subject} from the circle"),
        LogAction::Leave => "left the circle".into(),
    };
    format!("{who} {what}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: i64, at: i64, member: MemberId, name: &str, action: LogAction) -> AccessLogEntry {
        AccessLogEntry {
            seq,
            at: Timestamp(at),
            member,
            device: None,
            action,
            kind: Some(DocKind::Notes),
            subject: None,
            detail: String::new(),
            name: name.into(),
            removed_at: None,
            subject_name: None,
        }
    }

    #[test]
    fn reads_are_counted_per_person_and_day_and_removed_people_keep_their_name() {
        let zone = Zone::named("Australia/Sydney").expect("zone");
        // 2 Dec 2026, 10:00 in Sydney.
        let now = Timestamp(1_796_166_000_000);
        let hour = 3_600_000;
        let (sam, me, kim) = (MemberId::random(), MemberId::random(), MemberId::random());
        let mut log = vec![
            entry(9, now.0 - hour, sam, "Sam Rivera", LogAction::Read),
            entry(8, now.0 - 2 * hour, sam, "Sam Rivera", LogAction::Read),
            entry(7, now.0 - 3 * hour, me, "Alex", LogAction::Write),
            entry(6, now.0 - 4 * hour, sam, "Sam Rivera", LogAction::Read),
            entry(5, now.0 - 26 * hour, kim, "Kim Lee", LogAction::Join),
        ];
        log[4].detail = "case_manager".into();
        log[4].kind = None;
        log[4].removed_at = Some(Timestamp(now.0 - 2 * hour));
        let days = readable(&log, Some(me), zone, now);
        assert_eq!(days.len(), 2);
        assert_eq!(days[0].day, "Today");
        assert_eq!(
            days[0].lines,
            vec![
                "Sam Rivera received the notes 3 times".to_string(),
                "You changed the notes".to_string(),
            ]
        );
        assert_eq!(days[1].day, "Yesterday");
        assert_eq!(
            days[1].lines,
            vec!["Kim Lee (left or removed 2 Dec) joined as case manager".to_string()]
        );
    }

    #[test]
    fn access_changes_and_removals_name_both_people_in_plain_words() {
        let zone = Zone::named("Australia/Sydney").expect("zone");
        let now = Timestamp(1_796_166_000_000);
        let (alex, sam) = (MemberId::random(), MemberId::random());
        let mut change = entry(2, now.0, alex, "Alex", LogAction::ChangeAccess);
        change.kind = Some(DocKind::Plan);
        change.subject = Some(sam);
        change.subject_name = Some("Sam Rivera".into());
        change.detail = "plan: none".into();
        let mut revoke = entry(1, now.0, alex, "Alex", LogAction::Revoke);
        revoke.kind = None;
        revoke.subject = Some(sam);
        revoke.subject_name = Some("Sam Rivera".into());
        let days = readable(&[change, revoke], None, zone, now);
        assert_eq!(
            days[0].lines,
            vec![
                "Alex set Sam Rivera's access to the plan to no access".to_string(),
                "Alex removed Sam Rivera from the circle".to_string(),
            ]
        );
    }
}
