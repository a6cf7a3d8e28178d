//! The server's clock: now as a [`Timestamp`], in one place so every record agrees.

use carecircle_shared::Timestamp;

/// Milliseconds since the Unix epoch, now.
pub fn now() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default();
    Timestamp(ms)
}
