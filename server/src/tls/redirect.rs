//! `[tls] redirect_http`: a plain-HTTP listener that sends every request to the same host and
//! path over HTTPS, and does nothing else (no page, no cookie, no form is ever served there).

use axum::Router;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

/// The router of the redirect listener; `https_port` is the HTTPS listener's port.
pub fn router(https_port: u16) -> Router {
    Router::new().fallback(
        move |method: Method, headers: HeaderMap, uri: Uri| async move {
            redirect(&method, &headers, &uri, https_port)
        },
    )
}

fn redirect(method: &Method, headers: &HeaderMap, uri: &Uri, https_port: u16) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .and_then(host_name);
    let Some(host) = host else {
        return (StatusCode::BAD_REQUEST, "Use https://").into_response();
    };
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let port = if https_port == 443 {
        String::new()
    } else {
        format!(":{https_port}")
    };
    // 301 is what every client follows for a page; 308 keeps a form's POST a POST.
    let status = if method == Method::GET || method == Method::HEAD {
        StatusCode::MOVED_PERMANENTLY
    } else {
        StatusCode::PERMANENT_REDIRECT
    };
    (
        status,
        [(header::LOCATION, format!("https://{host}{port}{path}"))],
    )
        .into_response()
}

/// The name in a `Host` header without its port, if it is a plain DNS name, IPv4 address or
/// bracketed IPv6 address (nothing that could change the meaning of the URL built from it).
fn host_name(host: &str) -> Option<String> {
    let host = host.trim();
    let name = match host.strip_prefix('[') {
        Some(rest) => {
            let (inside, _) = rest.split_once(']')?;
            inside.parse::<std::net::Ipv6Addr>().ok()?;
            return Some(format!("[{inside}]"));
        }
        None => host.split(':').next()?,
    };
    let plain = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    plain.then(|| name.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn location(host: Option<&str>, method: Method, uri: &str, port: u16) -> (u16, String) {
        let mut headers = HeaderMap::new();
        if let Some(host) = host {
            headers.insert(header::HOST, host.parse().unwrap());
        }
        let response = redirect(&method, &headers, &uri.parse().unwrap(), port);
        let location = response
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (response.status().as_u16(), location)
    }

    #[test]
    fn same_host_and_path_over_https() {
        assert_eq!(
            location(Some("wbs.test:8080"), Method::GET, "/lapor?x=1", 443),
            (301, "https://wbs.test/lapor?x=1".into())
        );
        assert_eq!(
            location(Some("WBS.test"), Method::POST, "/report", 8443),
            (308, "https://wbs.test:8443/report".into())
        );
        assert_eq!(
            location(Some("[::1]:80"), Method::HEAD, "/", 443),
            (301, "https://[::1]/".into())
        );
    }

    #[test]
    fn hostile_or_missing_hosts_get_no_redirect() {
        for host in [
            "evil.test/@x",
            "a\"'&<>",
            "user@evil.test",
            "",
            "[not-ip]",
            "x y",
        ] {
            assert_eq!(
                location(Some(host), Method::GET, "/", 443),
                (400, String::new()),
                "{host}"
            );
        }
        assert_eq!(location(None, Method::GET, "/", 443), (400, String::new()));
    }
}
