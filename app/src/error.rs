//! App errors: what a screen can tell the person, with no document content in any message.

use carecircle_shared::wire::ErrorCode;
use carecircle_shared::{DocError, DocKind, ValidationError};

/// Why an app operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppError {
    /// The server could not be reached; local work is kept and syncs later.
    #[error("offline: the server could not be reached")]
    Offline,
    /// The server answered with an error.
    #[error("{code}: {message}")]
    Server {
        /// Stable code.
        code: ErrorCode,
        /// The server's message.
        message: String,
    },
    /// Not signed in.
    #[error("sign in first")]
    NotSignedIn,
    /// The document is not on this device (not yet synced, or access withdrawn).
    #[error("the {0} document is not on this device")]
    NoDocument(DocKind),
    /// No such circle on this device.
    #[error("no such circle on this device")]
    NoCircle,
    /// The policy does not let this member do that.
    #[error("you may not do that: {0}")]
    NotAllowed(&'static str),
    /// An edit broke a rule; nothing was saved.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// A document operation failed; nothing was saved.
    #[error(transparent)]
    Document(DocError),
    /// Local storage failed; nothing was saved.
    #[error("local storage failed: {0}")]
    Storage(String),
    /// A certificate to trust could not be read.
    #[error("the certificate could not be used: {0}")]
    Certificate(&'static str),
}

impl From<DocError> for AppError {
    fn from(e: DocError) -> Self {
        match e {
            DocError::Invalid(v) => AppError::Invalid(v),
            other => AppError::Document(other),
        }
    }
}

impl AppError {
    /// True for errors that retrying cannot fix (authorization), so the engine never retries them.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            AppError::Server {
                code: ErrorCode::Unauthorized | ErrorCode::Forbidden | ErrorCode::Revoked,
                ..
            }
        )
    }
}

/// Result of an app operation.
pub type AppResult<T> = Result<T, AppError>;
