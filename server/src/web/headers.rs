//! Security headers on every response.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// Scripts, styles, images, workers and fetches from this origin only; WebAssembly may be
/// compiled (`'wasm-unsafe-eval'`, the only relaxation — the browser encryption needs it);
/// no inline script or style, no plugins, no framing, forms post only here.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self'; connect-src 'self'; worker-src 'self'; form-action 'self'; \
base-uri 'none'; frame-ancestors 'none'";

/// A year; not `includeSubDomains`, which an office's other sites might not be ready for.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

pub async fn security_headers(request: Request, next: Next) -> Response {
    let https = super::cookies::https_expected(request.headers());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    // Browsers keep to HTTPS from then on (they ignore it when it comes over plain HTTP).
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
        );
    }
    let mut set = |name: HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    // Never tell another site where the reporter came from.
    set(header::REFERRER_POLICY, "no-referrer");
    // Serve scripts as scripts and pages as pages, never guessed.
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    // For browsers older than frame-ancestors.
    set(header::X_FRAME_OPTIONS, "DENY");
    // No other window keeps a handle on ours, no other site embeds our files.
    set(
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    );
    // No camera, microphone, location or other device access.
    set(
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    );
    response
}
