//! carecircle-app: the app core — local store, sync engine and the operations every screen
//! calls — usable without the UI; the Dioxus screens build on it.

pub mod client;
pub mod core;
pub mod engine;
pub mod error;
pub mod ops;
pub mod store;
#[cfg(feature = "ui")]
pub mod ui;

pub use carecircle_shared as shared;
pub use core::CareCircle;
pub use error::{AppError, AppResult};
pub use store::LocalStore;
#[cfg(not(target_arch = "wasm32"))]
pub use store::sqlite::SqliteLocalStore;
