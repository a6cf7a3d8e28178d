//! carecircle-tests: helpers for the cross-crate scenario tests in `tests/tests/`: a real server
//! on `127.0.0.1:0`, a raw HTTP client, and a syncing device.

pub mod api;
pub mod peer;
pub mod process;
pub mod proxy;
pub mod scenario;
pub mod server;

pub use api::{Api, Reply};
pub use carecircle_shared as shared;
pub use peer::Peer;
pub use server::TestServer;
