//! carecircle-tests: helpers shared by the cross-crate scenario tests in `tests/tests/`.

pub use carecircle_shared as shared;
