//! The web app's files: security headers on every answer, compressed copies when the build made
//! them (or compressed on the way), content-hashed files cached for good and the rest revalidated.

use std::path::PathBuf;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use axum::response::IntoResponse;
use tower::{ServiceBuilder, ServiceExt};
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::{ApiError, AppState, method_not_allowed};

/// The web app's content security policy: its own scripts, wasm and styles, its own API, no
/// framing, nothing from anywhere else.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; \
manifest-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
frame-ancestors 'none'";

/// A file whose name carries its content's hash never changes: cached for a year.
pub const CACHE_HASHED: &str = "public, max-age=31536000, immutable";

/// Everything else (`index.html`, `sw.js`, the start script): asked again each time, so a new
/// build is seen at once (an unchanged file answers 304).
pub const CACHE_REVALIDATE: &str = "no-cache";

/// True when a path names a content-hashed file: one of its segments has a `-` and 16 hex
/// digits, at its end or before a `.` or `_` (`carecircle-ui-0123456789abcdef_bg.wasm`,
/// `snippets/dioxus-web-0123456789abcdef/inline0.js`).
pub fn content_hashed(path: &str) -> bool {
    path.split('/').any(|segment| {
        segment.split('-').skip(1).any(|part| {
            let b = part.as_bytes();
            b.len() >= 16
                && b[..16].iter().all(u8::is_ascii_hexdigit)
                && matches!(b.get(16), None | Some(b'.' | b'_'))
        })
    })
}

/// The web app in `dir`: dotfiles and unknown `/v1/` paths are JSON 404s, any other path is
/// `index.html` (the app routes itself).
pub fn app(dir: PathBuf) -> Router<AppState> {
    let index = dir.join("index.html");
    let files = ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(
            ServeFile::new(index)
                .precompressed_br()
                .precompressed_gzip(),
        );
    let guarded = tower::service_fn(move |req: Request<Body>| {
        let files = files.clone();
        async move {
            let path = req.uri().path();
            let hidden = path.split('/').any(|segment| segment.starts_with('.'));
            let api = path == "/v1" || path.starts_with("/v1/");
            if hidden || api || req.method() != Method::GET && req.method() != Method::HEAD {
                let err = if hidden || api {
                    ApiError::not_found("route")
                } else {
                    method_not_allowed()
                };
                return Ok::<_, std::convert::Infallible>(err.into_response());
            }
            let hashed = content_hashed(path);
            let mut response = files.oneshot(req).await.into_response();
            // A hashed name that is missing falls back to index.html: that is never kept.
            let html = response
                .headers()
                .get(header::CONTENT_TYPE)
                .is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
            let keep = hashed && response.status() == StatusCode::OK && !html;
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static(if keep { CACHE_HASHED } else { CACHE_REVALIDATE }),
            );
            Ok(response)
        }
    });
    Router::new().fallback_service(guarded).layer(
        ServiceBuilder::new()
            .layer(SetResponseHeaderLayer::if_not_present(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            ))
            .layer(SetResponseHeaderLayer::overriding(
                header::X_FRAME_OPTIONS,
                HeaderValue::from_static("DENY"),
            ))
            .layer(SetResponseHeaderLayer::overriding(
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ))
            .layer(SetResponseHeaderLayer::overriding(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ))
            // Files the build did not compress are compressed on the way; one it did is
            // already encoded and passes through.
            .layer(CompressionLayer::new()),
    )
}

#[cfg(test)]
mod tests {
    use super::content_hashed;

    #[test]
    fn hashed_names_are_told_from_plain_ones() {
        for hashed in [
            "/carecircle-ui-0123456789abcdef.js",
            "/carecircle-ui-0123456789abcdef_bg.wasm",
            "/snippets/dioxus-web-eae67878b22d6805/inline0.js",
        ] {
            assert!(content_hashed(hashed), "{hashed}");
        }
        for plain in [
            "/",
            "/index.html",
            "/sw.js",
            "/carecircle-ui.js",
            "/start.js",
            "/c/0b6f7c2e-8d1a-4c3b-9e2f-1a2b3c4d5e6f/today",
            "/x-0123456789abcdeg.js",
            "/x-0123456789abcdef0.js",
        ] {
            assert!(!content_hashed(plain), "{plain}");
        }
    }
}
