//! carecircle-server: the sync server library (the binary is a thin wrapper).

pub use carecircle_shared as shared;
