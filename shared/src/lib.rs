//! carecircle-shared: the one model of a consumer's care circle — ids, roles, the policy table,
//! limits, the five document schemas, the document API (edits, history, conflicts) and the
//! wire types. Pure: no I/O; builds for the host and for `wasm32-unknown-unknown`.

pub mod vocabulary;

pub mod authorship;
pub mod conflict;
mod diff;
pub mod document;
pub mod fields;
pub mod history;
pub mod ids;
pub mod limits;
pub mod parts;
pub mod policy;
pub mod role;
pub mod schema;
pub mod shape;
pub mod time;
pub mod validation;
pub mod wire;

pub use automerge;
pub use document::{DocError, Document};
pub use ids::{CircleId, DeviceId, DocumentId, InviteId, ItemId, MemberId};
pub use policy::{Access, DocKind};
pub use role::{Relationship, Role};
pub use time::Timestamp;
pub use validation::{Links, ValidationError};
