//! Security headers on every response.

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::onion::OnionAddress;

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

/// Tells Tor Browser that this page is also at the onion service, on HTML pages reached under
/// any other name: it then offers (or, if the user chose so, goes to) the same path and query
/// at `http://ADDRESS`. Not on the onion name itself, where it would point to itself.
pub async fn onion_location(
    State(onion): State<OnionAddress>,
    request: Request,
    next: Next,
) -> Response {
    let on_onion = super::cookies::host_name(request.headers()).as_deref() == Some(onion.as_str());
    let path_and_query = request
        .uri()
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
    let mut response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if html && !on_onion {
        // The onion name is checked and the path and query came in a valid request line.
        if let Ok(location) = HeaderValue::from_str(&format!("http://{onion}{path_and_query}")) {
            response
                .headers_mut()
                .insert(HeaderName::from_static("onion-location"), location);
        }
    }
    response
}
