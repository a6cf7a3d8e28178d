//! carecircle-app: the app core (local store, sync engine, operations) and, later, its Dioxus screens.
//!
//! The core arrives with the app-core issue; for now the crate re-exports the shared model the
//! screens will use, so the workspace builds end to end.

pub use carecircle_shared as shared;
