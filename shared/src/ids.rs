//! Identifiers: UUID newtypes for circles, documents, members and devices, and item ids inside documents.

use std::fmt;
use std::str::FromStr;

use autosurgeon::{Hydrate, HydrateError, Reconcile, Reconciler};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The error for a string that is not a well-formed id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid {kind} id")]
pub struct InvalidId {
    /// Which kind of id was expected ("circle", "member", ...).
    pub kind: &'static str,
}

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh random (v4) id.
            pub fn random() -> Self {
                Self(Uuid::new_v4())
            }

            /// The nil id, used only as a placeholder in tests and defaults.
            pub const fn nil() -> Self {
                Self(Uuid::nil())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self).map_err(|_| InvalidId { kind: $kind })
            }
        }

        impl Reconcile for $name {
            type Key<'a> = autosurgeon::reconcile::NoKey;
            fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
                reconciler.str(self.to_string())
            }
        }

        impl Hydrate for $name {
            fn hydrate_string(s: &'_ str) -> Result<Self, HydrateError> {
                s.parse()
                    .map_err(|_| HydrateError::unexpected(concat!("a ", $kind, " id"), s.to_string()))
            }
        }
    };
}

uuid_id!(
    /// One consumer's care circle.
    CircleId,
    "circle"
);
uuid_id!(
    /// One Automerge document (one of a circle's five).
    DocumentId,
    "document"
);
uuid_id!(
    /// A person with an account; the same id in every circle they belong to.
    MemberId,
    "member"
);
uuid_id!(
    /// One installation of the app (a phone, a browser, a desktop).
    DeviceId,
    "device"
);
uuid_id!(
    /// An invitation to join a circle.
    InviteId,
    "invite"
);

/// The id of an item inside a document (a team member, an appointment, a note...).
///
/// Stored as a string so it can key an Automerge map; always a UUID when created here.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ItemId(pub String);

impl Reconcile for ItemId {
    type Key<'a> = autosurgeon::reconcile::NoKey;
    fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
        reconciler.str(&self.0)
    }
}

impl Hydrate for ItemId {
    fn hydrate_string(s: &'_ str) -> Result<Self, HydrateError> {
        Ok(Self(s.to_string()))
    }
}

impl ItemId {
    /// A fresh random item id.
    pub fn random() -> Self {
        Self(Uuid::new_v4().hyphenated().to_string())
    }

    /// True when the id is a well-formed UUID.
    pub fn is_well_formed(&self) -> bool {
        Uuid::parse_str(&self.0).is_ok()
    }

    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A fresh random id, so `Note { text, ..Default::default() }` gets a unique id.
impl Default for ItemId {
    fn default() -> Self {
        Self::random()
    }
}

impl From<String> for ItemId {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<&str> for ItemId {
    fn from(s: &str) -> Self {
        Self(s.to_string())
    }
}

impl AsRef<str> for ItemId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_strings_and_json() {
        let id = CircleId::random();
        assert_eq!(id.to_string().parse::<CircleId>(), Ok(id));
        let json = serde_json::to_string(&id).expect("serialise");
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(
            "nope".parse::<MemberId>(),
            Err(InvalidId { kind: "member" })
        );
    }

    #[test]
    fn item_ids_are_uuids() {
        assert!(ItemId::random().is_well_formed());
        assert!(!ItemId::from("x").is_well_formed());
    }
}
