//! Request extractors that answer bad input with the API's JSON errors: bodies, paths, queries, the caller.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use carecircle_shared::wire::ErrorCode;

use crate::AppState;
use crate::clock::now;
use crate::error::ApiError;
use crate::secret::hash_secret;
use crate::store::Caller;

/// A JSON body; a malformed one is `malformed_json`, an oversized one `too_large`.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Body<T>(pub T);

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(ErrorCode::TooLarge, "the request body is too large")
        } else {
            ApiError::new(
                ErrorCode::MalformedJson,
                "the request body is not the JSON this route expects",
            )
        }
    }
}

/// Path parameters; malformed ids are `bad_request`.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct PathParams<T>(pub T);

impl From<PathRejection> for ApiError {
    fn from(_: PathRejection) -> Self {
        ApiError::bad_request("an id in the path is not well-formed")
    }
}

/// Query parameters; malformed ones are `bad_request`.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct QueryParams<T>(pub T);

impl From<QueryRejection> for ApiError {
    fn from(_: QueryRejection) -> Self {
        ApiError::bad_request("the query parameters are not well-formed")
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(ApiError::unauthorized)?;
        let idle_ms =
            i64::try_from(state.config.token_idle_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        let cutoff = now().plus_millis(-idle_ms);
        state.store.authenticate(&hash_secret(token), cutoff).await
    }
}
