//! Validation of document content: typed errors that name the field, never its (health) content.

use std::collections::{BTreeMap, BTreeSet};

use crate::ids::ItemId;
use crate::limits::{
    MAX_ITEMS_PER_COLLECTION, MAX_LIST_ENTRIES, MAX_LONG_TEXT_CHARS, MAX_SHORT_TEXT_CHARS,
};
use crate::time::{parse_date, parse_datetime};

/// Why an edit or an uploaded document was refused. Messages name fields and ids only.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// A required text field is empty.
    #[error("{field} must not be empty")]
    Empty {
        /// The field's name.
        field: &'static str,
    },
    /// A text field is longer than allowed.
    #[error("{field} is longer than {max} characters")]
    TooLong {
        /// The field's name.
        field: &'static str,
        /// The limit, in characters.
        max: usize,
    },
    /// A list or collection has more entries than allowed.
    #[error("{field} has more than {max} entries")]
    TooMany {
        /// The field's name.
        field: &'static str,
        /// The limit.
        max: usize,
    },
    /// An appointment ends before it starts.
    #[error("appointment {item} ends before it starts")]
    EndBeforeStart {
        /// The appointment's id.
        item: ItemId,
    },
    /// A date-time is not RFC 3339 with a UTC offset.
    #[error("{field} is not a date-time with a UTC offset (RFC 3339)")]
    BadDateTime {
        /// The field's name.
        field: &'static str,
    },
    /// A date is not `YYYY-MM-DD`.
    #[error("{field} is not a date (YYYY-MM-DD)")]
    BadDate {
        /// The field's name.
        field: &'static str,
    },
    /// A link names an item that does not exist.
    #[error("{field} links to unknown item {id}")]
    UnknownLink {
        /// The field's name.
        field: &'static str,
        /// The missing item's id.
        id: ItemId,
    },
    /// An item's id is malformed or differs from the key it is stored under.
    #[error("item {item} has a malformed or mismatched id")]
    BadItemId {
        /// The key the item is stored under.
        item: ItemId,
    },
    /// A value is not allowed in this field (e.g. "answered" without an answer).
    #[error("{field} has a value that is not allowed here")]
    NotAllowed {
        /// The field's name.
        field: &'static str,
    },
    /// The document was written by a newer (or unknown) schema version.
    #[error("schema version {found} is not supported (this build reads {supported})")]
    UnsupportedSchema {
        /// The version found in the document.
        found: u64,
        /// The version this build reads and writes.
        supported: u64,
    },
    /// A name holds control characters or bidirectional-text overrides (which can make one
    /// name look like another).
    #[error("{field} holds control or text-direction characters")]
    UnsafeCharacters {
        /// The field's name.
        field: &'static str,
    },
    /// A time zone the IANA database does not have.
    #[error("{field} is not a known time zone")]
    UnknownZone {
        /// The field's name.
        field: &'static str,
    },
    /// A date-time's UTC offset is not the one its time zone has on that date.
    #[error("{field} does not have its time zone's offset for that date")]
    WrongOffset {
        /// The field's name.
        field: &'static str,
    },
    /// A link is not a web address.
    #[error("{field} is not an http(s) address")]
    BadLink {
        /// The field's name.
        field: &'static str,
    },
    /// An item to change does not exist.
    #[error("item {item} does not exist")]
    NoSuchItem {
        /// The id asked for.
        item: ItemId,
    },
}

/// A field's name as a person would say it: `place.name` → "the place's name".
pub fn field_label(field: &str) -> String {
    match field {
        "purpose" => "what it is for".into(),
        "start" => "the start".into(),
        "end" => "the end".into(),
        "zone" => "the time zone".into(),
        "place.name" => "the place".into(),
        "place.address" => "the address".into(),
        "place.telehealth_url" => "the telehealth link".into(),
        "text" => "the text".into(),
        "name" => "the name".into(),
        other => format!("the {}", other.replace(['_', '.'], " ")),
    }
}

impl ValidationError {
    /// The field it is about (`place.name`...), for showing it beside that field.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::Empty { field }
            | Self::TooLong { field, .. }
            | Self::TooMany { field, .. }
            | Self::BadDateTime { field }
            | Self::BadDate { field }
            | Self::UnknownLink { field, .. }
            | Self::NotAllowed { field }
            | Self::UnsafeCharacters { field }
            | Self::UnknownZone { field }
            | Self::WrongOffset { field }
            | Self::BadLink { field } => Some(field),
            Self::EndBeforeStart { .. } => Some("end"),
            Self::BadItemId { .. } | Self::UnsupportedSchema { .. } | Self::NoSuchItem { .. } => {
                None
            }
        }
    }

    /// What went wrong in plain words, for the person who typed it: no ids, no field codes.
    pub fn plain(&self) -> String {
        match self {
            Self::Empty { field } => format!("Please fill in {}.", field_label(field)),
            Self::TooLong { field, max } => format!(
                "{} is longer than {max} characters. Please shorten it; nothing has been saved yet.",
                capitalised(&field_label(field))
            ),
            Self::TooMany { field, max } => {
                format!(
                    "{} has more than {max} entries.",
                    capitalised(&field_label(field))
                )
            }
            Self::EndBeforeStart { .. } => "The end is before the start.".into(),
            Self::BadDateTime { field } => {
                format!("Please give a date and time for {}.", field_label(field))
            }
            Self::BadDate { field } => format!("Please give a date for {}.", field_label(field)),
            Self::UnknownZone { .. } => "That time zone is not known.".into(),
            Self::BadLink { field } => format!(
                "{} should be a web address starting with https://.",
                capitalised(&field_label(field))
            ),
            Self::WrongOffset { .. } => {
                "That time does not fit its time zone on that date; please enter it again.".into()
            }
            Self::UnknownLink { field, .. } => format!(
                "{} names something that is no longer in the record.",
                capitalised(&field_label(field))
            ),
            Self::UnsafeCharacters { field } => format!(
                "{} holds characters that cannot be shown safely.",
                capitalised(&field_label(field))
            ),
            Self::NoSuchItem { .. } | Self::BadItemId { .. } => {
                "That item is no longer in the record.".into()
            }
            Self::NotAllowed { field } => {
                format!(
                    "{} has a value that is not allowed here.",
                    capitalised(&field_label(field))
                )
            }
            Self::UnsupportedSchema { .. } => {
                "This record was written by a newer version of CareCircle; please update the app."
                    .into()
            }
        }
    }
}

/// `s` with its first letter a capital ("the reason" → "The reason").
pub fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The items other documents hold, for checking links in an edit.
///
/// `None` means "not known here" and skips that check (the server checks one document at a
/// time; the app, which holds the whole circle, passes what it has).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    /// Appointment ids in the circle's appointments document.
    pub appointments: Option<BTreeSet<ItemId>>,
    /// Question ids in the circle's questions document.
    pub questions: Option<BTreeSet<ItemId>>,
    /// Team member ids in the circle's team document.
    pub team: Option<BTreeSet<ItemId>>,
}

impl Links {
    /// No other documents known: link checks are skipped.
    pub fn unknown() -> Self {
        Self::default()
    }

    /// Checks one link against a known set.
    pub fn check(
        known: &Option<BTreeSet<ItemId>>,
        field: &'static str,
        id: &ItemId,
    ) -> Result<(), ValidationError> {
        match known {
            Some(set) if !set.contains(id) => Err(ValidationError::UnknownLink {
                field,
                id: id.clone(),
            }),
            _ => Ok(()),
        }
    }

    /// Checks every id in a list against a known set.
    pub fn check_all<'a>(
        known: &Option<BTreeSet<ItemId>>,
        field: &'static str,
        ids: impl IntoIterator<Item = &'a ItemId>,
    ) -> Result<(), ValidationError> {
        ids.into_iter()
            .try_for_each(|id| Self::check(known, field, id))
    }
}

/// A required short text: non-empty after trimming, at most [`MAX_SHORT_TEXT_CHARS`].
pub fn required(field: &'static str, value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        return Err(ValidationError::Empty { field });
    }
    short(field, value)
}

/// A name others will see (a display name, a device or circle name): required, short, and
/// free of control characters and bidirectional formatting characters.
pub fn name(field: &'static str, value: &str) -> Result<(), ValidationError> {
    required(field, value)?;
    if value.chars().any(is_unsafe_in_names) {
        return Err(ValidationError::UnsafeCharacters { field });
    }
    Ok(())
}

/// Control characters, and the Unicode bidirectional marks, embeddings, overrides and isolates.
pub fn is_unsafe_in_names(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// An optional short text: at most [`MAX_SHORT_TEXT_CHARS`].
pub fn short(field: &'static str, value: &str) -> Result<(), ValidationError> {
    max_chars(field, value, MAX_SHORT_TEXT_CHARS)
}

/// A free text: at most [`MAX_LONG_TEXT_CHARS`].
pub fn long(field: &'static str, value: &str) -> Result<(), ValidationError> {
    max_chars(field, value, MAX_LONG_TEXT_CHARS)
}

/// A required free text: non-empty, at most [`MAX_LONG_TEXT_CHARS`].
pub fn required_long(field: &'static str, value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        return Err(ValidationError::Empty { field });
    }
    long(field, value)
}

fn max_chars(field: &'static str, value: &str, max: usize) -> Result<(), ValidationError> {
    // Byte length bounds char count from above: skip the count for the common short case.
    if value.len() > max && value.chars().count() > max {
        return Err(ValidationError::TooLong { field, max });
    }
    Ok(())
}

/// An optional web address: empty, or `https://…` / `http://…` without spaces, at most
/// [`MAX_LONG_TEXT_CHARS`] (a link shown to people must not run scripts: no `javascript:`).
pub fn optional_link(field: &'static str, value: &str) -> Result<(), ValidationError> {
    if value.is_empty() {
        return Ok(());
    }
    long(field, value)?;
    let lower = value.to_ascii_lowercase();
    let web = lower.starts_with("https://") || lower.starts_with("http://");
    if !web || value.chars().any(|c| c.is_whitespace() || c.is_control()) || value.len() < 10 {
        return Err(ValidationError::BadLink { field });
    }
    Ok(())
}

/// A small list inside an item: at most [`MAX_LIST_ENTRIES`] entries, each a short text.
pub fn short_list(field: &'static str, values: &[String]) -> Result<(), ValidationError> {
    count(field, values.len(), MAX_LIST_ENTRIES)?;
    values.iter().try_for_each(|v| short(field, v))
}

/// A count against a maximum.
pub fn count(field: &'static str, n: usize, max: usize) -> Result<(), ValidationError> {
    if n > max {
        return Err(ValidationError::TooMany { field, max });
    }
    Ok(())
}

/// An RFC 3339 date-time with offset.
pub fn datetime(field: &'static str, value: &str) -> Result<(), ValidationError> {
    parse_datetime(value)
        .map(|_| ())
        .ok_or(ValidationError::BadDateTime { field })
}

/// An optional calendar date (empty means "not set").
pub fn optional_date(field: &'static str, value: &Option<String>) -> Result<(), ValidationError> {
    match value {
        Some(v) => parse_date(v)
            .map(|_| ())
            .ok_or(ValidationError::BadDate { field }),
        None => Ok(()),
    }
}

/// A collection keyed by id: every key a well-formed id equal to the item's own id.
pub trait Keyed {
    /// The item's own id.
    fn id(&self) -> &ItemId;
}

/// Runs `check` on every item of `after` that is new or differs from `before`, after checking
/// the collection's size and the item's id. Unchanged items are not re-judged, so a merge that
/// left an old item odd never blocks unrelated edits.
pub fn changed_items<T: Keyed + PartialEq>(
    field: &'static str,
    before: &BTreeMap<ItemId, T>,
    after: &BTreeMap<ItemId, T>,
    mut check: impl FnMut(&T) -> Result<(), ValidationError>,
) -> Result<(), ValidationError> {
    if after.len() > before.len() {
        count(field, after.len(), MAX_ITEMS_PER_COLLECTION)?;
    }
    for (key, item) in after {
        if before.get(key) == Some(item) {
            continue;
        }
        if !key.is_well_formed() || item.id() != key {
            return Err(ValidationError::BadItemId { item: key.clone() });
        }
        check(item)?;
    }
    Ok(())
}

/// Runs `check` when a single section changed.
pub fn changed_section<T: PartialEq>(
    before: &T,
    after: &T,
    check: impl FnOnce(&T) -> Result<(), ValidationError>,
) -> Result<(), ValidationError> {
    if before == after {
        Ok(())
    } else {
        check(after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules() {
        assert_eq!(
            required("name", "  "),
            Err(ValidationError::Empty { field: "name" })
        );
        assert!(required("name", "Dr Lee").is_ok());
        let long_text = "é".repeat(MAX_SHORT_TEXT_CHARS + 1);
        assert_eq!(
            short("name", &long_text),
            Err(ValidationError::TooLong {
                field: "name",
                max: MAX_SHORT_TEXT_CHARS
            })
        );
        assert!(short("name", &"é".repeat(MAX_SHORT_TEXT_CHARS)).is_ok());
    }

    #[test]
    fn error_messages_name_fields_not_content() {
        let e = ValidationError::Empty { field: "text" };
        assert_eq!(e.to_string(), "text must not be empty");
    }
}
