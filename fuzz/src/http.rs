//! The server as a browser (or anyone) meets it: requests through the public router, with
//! a SQLite store in a temporary directory that lives as long as the fuzzing process. This
//! reaches the urlencoded form readers, both multipart readers (no-JS reports and no-JS
//! follow-up messages with files), the JSON endpoints and the attachment upload, without
//! naming any of them: the harness knows only `router()` and its settings.
//!
//! An input is up to [`MAX_REQUESTS`] requests, separated by a line `#next`. Each is
//!
//! ```text
//! METHOD /path?query
//! Header-Name: value
//! …
//!
//! body
//! ```
//!
//! Cookies the server sets are sent back with the later requests of the same input, and
//! `$UPLOAD` in a path or body becomes the last upload token the server handed out, so that
//! one input can log in and then post, or begin an upload and then send its pieces.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Method, Request, Uri, header};
use http_body_util::BodyExt;
use kentongan_server::audit::{Action, AuditEvent};
use kentongan_server::followup::LoginLimits;
use kentongan_server::store::{SqliteStore, Store};
use kentongan_server::uploads::AttachmentLimits;
use kentongan_server::web::{AppState, Settings, router};
use kentongan_templates::Office;
use tower::ServiceExt;

use crate::fixtures::{self, HTTP_CASE, INVESTIGATOR};

/// Requests per input: enough for begin, piece, complete, and a report that uses them.
pub const MAX_REQUESTS: usize = 4;

/// The line between two requests of one input.
pub const SEPARATOR: &[u8] = b"\n#next\n";

/// The CSRF token the seeds send, in both the cookie and the form field or header.
pub const CSRF: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

struct Server {
    runtime: tokio::runtime::Runtime,
    app: Router,
    _dir: tempfile::TempDir,
}

/// One server per process: opening SQLite and migrating takes far longer than a request.
fn server() -> Option<&'static Server> {
    static SERVER: OnceLock<Option<Server>> = OnceLock::new();
    SERVER.get_or_init(start).as_ref()
}

fn start() -> Option<Server> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    // In memory where there is a tmpfs: the store syncs every write.
    let dir = match tempfile::tempdir_in("/dev/shm") {
        Ok(dir) => dir,
        Err(_) => tempfile::tempdir().ok()?,
    };
    let url = format!("sqlite://{}", dir.path().join("fuzz.sqlite3").display());
    let app = runtime.block_on(async {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&url).await.ok()?);
        store
            .add_investigator(
                "Fuzz",
                &fixtures::recipient(INVESTIGATOR)?,
                true,
                time::macros::date!(2026 - 01 - 01),
                &AuditEvent::new("operator:fuzz", Action::InvestigatorAdd),
            )
            .await
            .ok()?;
        let state = AppState::new(
            store,
            Settings {
                office: Office::jetis_example(),
                secure_cookies: false,
                utc_offset: time::UtcOffset::UTC,
                max_concurrent_derivations: 1,
                max_waiting_derivations: 1,
                // Logins are what the fuzzer repeats most; waits would only slow it down.
                login_limits: LoginLimits {
                    free_attempts: u32::MAX,
                    first_delay: Duration::ZERO,
                },
                deadlines: Default::default(),
                categories: Default::default(),
                onion_address: None,
                attachments: AttachmentLimits {
                    max_file_bytes: 64 * 1024,
                    max_files: 3,
                    ..AttachmentLimits::default()
                },
            },
        );
        let app = router(state);
        // The case the seeds log in to.
        let filed = app
            .clone()
            .oneshot(
                Request::post("/api/reports")
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(header::COOKIE, format!("kentongan_csrf={CSRF}"))
                    .header("x-csrf-token", CSRF)
                    .body(Body::from(HTTP_CASE))
                    .ok()?,
            )
            .await
            .ok()?;
        filed.status().is_success().then_some(app)
    })?;
    Some(Server {
        runtime,
        app,
        _dir: dir,
    })
}

/// `data` as up to [`MAX_REQUESTS`] requests to the server.
pub fn http(data: &[u8]) {
    let Some(server) = server() else {
        // Not the input's fault: the harness could not start. Replay tests check it does.
        return;
    };
    server.runtime.block_on(async {
        let mut session = Session::default();
        for raw in split(data).take(MAX_REQUESTS) {
            let Some(request) = session.request(raw) else {
                continue;
            };
            let shown = verbose().then(|| format!("{} {}", request.method(), request.uri()));
            let response = match server.app.clone().oneshot(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            if let Some(shown) = shown {
                eprintln!("{shown} -> {}", response.status());
            }
            session.remember(response).await;
        }
    });
}

/// Whether the harness's server started (the replay tests check this, or every `http`
/// input would pass without reaching it).
pub fn http_server_starts() -> bool {
    server().is_some()
}

/// `KENTONGAN_FUZZ_VERBOSE=1`: each request and its status on stderr, to see how far a seed
/// gets (`cargo test -p kentongan-fuzz http -- --nocapture`).
fn verbose() -> bool {
    static VERBOSE: OnceLock<bool> = OnceLock::new();
    *VERBOSE.get_or_init(|| std::env::var_os("KENTONGAN_FUZZ_VERBOSE").is_some())
}

fn split(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(data);
    std::iter::from_fn(move || {
        let now = rest?;
        match find(now, SEPARATOR) {
            Some(at) => {
                rest = now.get(at + SEPARATOR.len()..);
                now.get(..at)
            }
            None => rest.take(),
        }
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// What one input's requests share: cookies and the last upload token.
#[derive(Default)]
struct Session {
    cookies: Vec<(String, String)>,
    upload: Option<String>,
}

impl Session {
    fn request(&self, raw: &[u8]) -> Option<Request<Body>> {
        let (head, body) = match find(raw, b"\n\n") {
            Some(at) => (raw.get(..at)?, raw.get(at + 2..)?),
            None => (raw, &b""[..]),
        };
        let mut lines = head.split(|b| *b == b'\n').map(|l| l.trim_ascii_end());
        let (method, path) = lines.next()?.split_once_byte(b' ')?;
        let path = self.substitute(path);
        let mut builder = Request::builder()
            .method(Method::from_bytes(method).ok()?)
            .uri(Uri::try_from(path.as_slice()).ok()?);
        let mut cookie = self
            .cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ");
        for line in lines {
            let (name, value) = line.split_once_byte(b':')?;
            let name = HeaderName::from_bytes(name).ok()?;
            let value = value.trim_ascii_start();
            if name == header::COOKIE && !cookie.is_empty() {
                cookie = format!("{}; {cookie}", String::from_utf8_lossy(value));
                continue;
            }
            builder = builder.header(name, HeaderValue::from_bytes(value).ok()?);
        }
        if !cookie.is_empty() {
            builder = builder.header(header::COOKIE, HeaderValue::from_str(&cookie).ok()?);
        }
        builder.body(Body::from(self.substitute(body))).ok()
    }

    fn substitute(&self, bytes: &[u8]) -> Vec<u8> {
        match (&self.upload, find(bytes, b"$UPLOAD")) {
            (Some(token), Some(at)) => {
                let mut out = bytes.get(..at).unwrap_or_default().to_vec();
                out.extend_from_slice(token.as_bytes());
                out.extend(self.substitute(bytes.get(at + 7..).unwrap_or_default()));
                out
            }
            _ => bytes.to_vec(),
        }
    }

    async fn remember(&mut self, response: axum::response::Response) {
        for set in response.headers().get_all(header::SET_COOKIE) {
            let Some((name, value)) = set
                .to_str()
                .ok()
                .and_then(|s| s.split(';').next())
                .and_then(|s| s.split_once('='))
            else {
                continue;
            };
            self.cookies.retain(|(n, _)| n != name);
            self.cookies.push((name.to_owned(), value.to_owned()));
        }
        // Reading the body runs whatever the handler streams.
        let Ok(body) = response.into_body().collect().await else {
            return;
        };
        if let Ok(json) = serde_json::from_slice::<serde_json::Value>(&body.to_bytes()) {
            if let Some(token) = json.get("upload").and_then(serde_json::Value::as_str) {
                self.upload = Some(token.to_owned());
            }
        }
    }
}

trait SplitOnce {
    fn split_once_byte(&self, at: u8) -> Option<(&[u8], &[u8])>;
}

impl SplitOnce for [u8] {
    fn split_once_byte(&self, at: u8) -> Option<(&[u8], &[u8])> {
        let i = self.iter().position(|b| *b == at)?;
        Some((self.get(..i)?, self.get(i + 1..)?))
    }
}
