//! Cookies: a CSRF token, checked against the copy in the form or request header (double
//! submit), and reading any cookie by name. `SameSite=Strict` already keeps other sites from
//! sending them; the token also covers browsers that ignore SameSite. (The no-JS follow-up's
//! session cookie is in `followup.rs`.)

use axum::http::{HeaderMap, HeaderValue, header};
use rand::RngCore;
use subtle::ConstantTimeEq;

pub const CSRF_COOKIE: &str = "kentongan_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The value of the cookie `name`, if the request has it.
pub fn value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.to_owned())
}

/// The token in the request's cookie, if it looks like one of ours.
pub fn csrf_token(headers: &HeaderMap) -> Option<String> {
    value(headers, CSRF_COOKIE)
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Whether the site is reached over something that should be HTTPS: anything but a loopback
/// address (`localhost`, `127.0.0.0/8`, `[::1]`: the operator's own machine, or a reverse
/// proxy that does not pass the `Host` on) or an onion name (Tor encrypts and authenticates
/// the connection end to end, and onion sites rarely have certificates). There, cookies are
/// `Secure` and HSTS is sent; a browser then never sends a secret over plain HTTP. A request
/// without a `Host` counts as reached over HTTPS.
pub fn https_expected(headers: &HeaderMap) -> bool {
    let Some(name) = host_name(headers) else {
        return true;
    };
    let loopback = name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    !(loopback || name.ends_with(".onion"))
}

/// The name in the request's `Host`, in lower case, without the port or a final dot:
/// "[::1]:8080" → "::1", "Example.org.:443" → "example.org".
pub fn host_name(headers: &HeaderMap) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let host = host.trim().to_ascii_lowercase();
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => host.split(':').next().unwrap_or_default(),
    };
    Some(name.trim_end_matches('.').to_owned())
}

pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn set_cookie(token: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    // Only hex digits and fixed text: always a valid header value.
    HeaderValue::from_str(&format!(
        "{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}"
    ))
    .unwrap_or(HeaderValue::from_static(""))
}

/// Does the copy a script sends in the [`CSRF_HEADER`] match the cookie?
pub fn header_matches(headers: &HeaderMap) -> bool {
    let submitted = headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    matches(headers, submitted)
}

/// Does the submitted copy match the cookie?
pub fn matches(headers: &HeaderMap, submitted: &str) -> bool {
    csrf_token(headers)
        .is_some_and(|cookie| bool::from(cookie.as_bytes().ct_eq(submitted.as_bytes())))
}
