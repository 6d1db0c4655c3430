//! The web application driven in-process: hostile and malformed input, CSRF, limits, forged
//! ciphertext, and a database that goes away. Each refusal must be clear (in Indonesian by
//! default), keep what the reporter typed, and leave stored data as it was.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::response::Response;
use http_body_util::BodyExt;
use kentongan_crypto::keys::Identity;
use kentongan_crypto::report::{Category, EncryptedIn, Report};
use kentongan_crypto::reporter::KdfParams;
use kentongan_crypto::submission::{SealedCase, seal_report};
use kentongan_crypto::{Ciphertext, Recipient};
use kentongan_templates::Office;
use sqlx::Connection;
use tower::ServiceExt;

use super::{AppState, Settings, router};
use crate::audit::{Action, AuditEvent};
use crate::followup::LoginLimits;
use crate::store::{SqliteStore, Store};
use crate::uploads::AttachmentLimits;

mod attachments;
mod followup;
mod intruder;
mod nojs_files;
mod notify;
mod team;
mod team_access;

const HOSTILE: &str = "test \" ' & < > </textarea><script>alert(1)</script>";
const TOKEN: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

struct App {
    state: AppState,
    store: Arc<dyn Store>,
    team: Vec<Recipient>,
    /// The app's clock: the system's while `None`, else this Unix time (`App::set_time`).
    time: Arc<std::sync::Mutex<Option<i64>>>,
    _dir: tempfile::TempDir,
}

async fn app(investigators: usize) -> App {
    app_with(investigators, LoginLimits::default(), 1).await
}

/// An app on a fresh SQLite database, with `limits` for follow-up logins and at most
/// `derivations` Argon2id runs at once (and as many waiting).
async fn app_with(investigators: usize, limits: LoginLimits, derivations: usize) -> App {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.sqlite3").display());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&url).await.unwrap());
    let files = test_files();
    with_store_limits(store, investigators, dir, limits, derivations, files).await
}

/// An app with `files` for its attachment limits.
async fn app_with_files(investigators: usize, files: AttachmentLimits) -> App {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.sqlite3").display());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&url).await.unwrap());
    let limits = LoginLimits::default();
    with_store_limits(store, investigators, dir, limits, 1, files).await
}

/// The attachment limits of the tests' apps: small files, few of them.
fn test_files() -> AttachmentLimits {
    AttachmentLimits {
        max_file_bytes: 3 * 1024 * 1024,
        max_files: 3,
        ..AttachmentLimits::default()
    }
}

async fn with_store(store: Arc<dyn Store>, investigators: usize, dir: tempfile::TempDir) -> App {
    let limits = LoginLimits::default();
    with_store_limits(store, investigators, dir, limits, 1, test_files()).await
}

async fn with_store_limits(
    store: Arc<dyn Store>,
    investigators: usize,
    dir: tempfile::TempDir,
    login_limits: LoginLimits,
    derivations: usize,
    files: AttachmentLimits,
) -> App {
    let mut team = Vec::new();
    for i in 0..investigators {
        let r = Identity::generate().to_public();
        store
            .add_investigator(
                &format!("P{i}"),
                &r,
                false,
                time::macros::date!(2026 - 01 - 02),
                &AuditEvent::new("operator:test", Action::InvestigatorAdd),
            )
            .await
            .unwrap();
        team.push(r);
    }
    let time = Arc::new(std::sync::Mutex::new(None));
    let read = time.clone();
    let clock = crate::clock::Clock::from_fn(move || match *read.lock().unwrap() {
        Some(unix) => time::OffsetDateTime::from_unix_timestamp(unix).unwrap(),
        None => time::OffsetDateTime::now_utc(),
    });
    let state = AppState::with_clock(
        store.clone(),
        Settings {
            office: Office::jetis_example(),
            secure_cookies: false,
            utc_offset: time::UtcOffset::UTC,
            max_concurrent_derivations: derivations,
            max_waiting_derivations: derivations,
            login_limits,
            deadlines: Default::default(),
            categories: Default::default(),
            onion_address: None,
            attachments: files,
        },
        clock,
    );
    App {
        state,
        store,
        team,
        time,
        _dir: dir,
    }
}

impl App {
    async fn send(&self, request: Request<Body>) -> Response {
        router(self.state.clone()).oneshot(request).await.unwrap()
    }

    async fn form_post(&self, body: String, cookie: bool) -> (StatusCode, String) {
        let mut req = Request::post("/report")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if cookie {
            req = req.header(header::COOKIE, format!("kentongan_csrf={TOKEN}"));
        }
        let resp = self.send(req.body(Body::from(body)).unwrap()).await;
        (resp.status(), text(resp).await)
    }

    async fn api_post(&self, body: String, csrf: bool) -> (StatusCode, serde_json::Value) {
        let mut req =
            Request::post("/api/reports").header(header::CONTENT_TYPE, "application/json");
        if csrf {
            req = req
                .header(header::COOKIE, format!("kentongan_csrf={TOKEN}"))
                .header("x-csrf-token", TOKEN);
        }
        let resp = self.send(req.body(Body::from(body)).unwrap()).await;
        let status = resp.status();
        (
            status,
            serde_json::from_str(&text(resp).await).unwrap_or_default(),
        )
    }

    async fn cases(&self) -> usize {
        self.store.case_ids().await.unwrap().len()
    }
}

async fn text(resp: Response) -> String {
    String::from_utf8(
        resp.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap()
}

fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn report() -> Report {
    Report {
        category: Category::Kkn,
        what: "Uang pelicin di loket".into(),
        who: String::new(),
        place: String::new(),
        when: String::new(),
        how: String::new(),
        why: String::new(),
        identification: None,
        language: "id".into(),
        encrypted_in: EncryptedIn::Browser,
    }
}

fn sealed_for(team: &[Recipient]) -> SealedCase {
    seal_report(&report(), team, KdfParams::CURRENT)
        .unwrap()
        .sealed
}

#[tokio::test]
async fn pages_carry_security_headers_and_no_third_party_resources() {
    let app = app(2).await;
    for path in ["/", "/report", "/?lang=en", "/report?lang=en", "/nowhere"] {
        let resp = app
            .send(Request::get(path).body(Body::empty()).unwrap())
            .await;
        let headers = resp.headers().clone();
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        let body = text(resp).await;
        assert!(
            !body.contains("http://") && !body.contains("https://"),
            "{path} links elsewhere"
        );
        assert!(!body.contains("style=\""), "{path} has inline style");
    }
    let landing = text(
        app.send(Request::get("/").body(Body::empty()).unwrap())
            .await,
    )
    .await;
    let fingerprint = kentongan_crypto::keys::fingerprint_of(&app.team);
    assert!(
        landing.contains(&fingerprint),
        "the team fingerprint is on the landing page"
    );
}

/// Secrets travel only over HTTPS: cookies are `Secure` and HSTS is sent for any name but
/// loopback and onion (where there is no HTTPS to require), whatever the configuration says.
#[tokio::test]
async fn cookies_are_secure_and_hsts_sent_unless_loopback_or_onion() {
    let app = app(1).await;
    let answer = |host: &'static str| {
        let app = &app;
        async move {
            let mut request = Request::get("/report");
            if !host.is_empty() {
                request = request.header(header::HOST, host);
            }
            let resp = app.send(request.body(Body::empty()).unwrap()).await;
            let cookie = resp.headers()[header::SET_COOKIE]
                .to_str()
                .unwrap()
                .to_owned();
            let hsts = resp
                .headers()
                .get(header::STRICT_TRANSPORT_SECURITY)
                .map(|v| v.to_str().unwrap().to_owned());
            (cookie.ends_with("; Secure"), hsts)
        }
    };
    let hsts = Some("max-age=31536000".to_owned());
    for host in [
        "wbs.bantulkab.go.id",
        "WBS.example.org:443",
        "192.168.1.10:8080",
        "",
    ] {
        assert_eq!(answer(host).await, (true, hsts.clone()), "{host}");
    }
    for host in [
        "localhost:8080",
        "127.0.0.1:8080",
        "[::1]:8080",
        "app.localhost",
        "kentonganabcdefghijklmnopqrstuvwxyz234567abcdefghijklmn.onion",
        "Kentongan.ONION.",
    ] {
        assert_eq!(answer(host).await, (false, None), "{host}");
    }
    // The no-JS follow-up's session cookie, which unlocks a case held in memory, likewise.
    let resp = app
        .send(
            Request::post("/followup/logout")
                .header(header::HOST, "wbs.bantulkab.go.id")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, format!("kentongan_csrf={TOKEN}"))
                .body(Body::from(format!("csrf={TOKEN}&lang=id")))
                .unwrap(),
        )
        .await;
    let cookies: Vec<_> = resp.headers().get_all(header::SET_COOKIE).iter().collect();
    assert!(!cookies.is_empty());
    for cookie in cookies {
        assert!(cookie.to_str().unwrap().ends_with("; Secure"), "{cookie:?}");
    }
}

#[tokio::test]
async fn the_form_sets_a_strict_csrf_cookie() {
    let app = app(1).await;
    let resp = app
        .send(Request::get("/report").body(Body::empty()).unwrap())
        .await;
    let cookie = resp.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .split('=')
        .nth(1)
        .unwrap()
        .to_owned();
    assert!(text(resp).await.contains(&token));
}

#[tokio::test]
async fn no_js_refusals_keep_what_was_typed() {
    let app = app(1).await;
    let typed = [
        ("lang", "id"),
        ("category", "kkn"),
        ("what", HOSTILE),
        ("who", "Bapak X"),
    ];

    // No CSRF cookie: refused, form shown again with the text (escaped), nothing stored.
    let mut fields = typed.to_vec();
    fields.push(("csrf", TOKEN));
    let (status, html) = app.form_post(form(&fields), false).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        html.contains("&lt;/textarea&gt;&lt;script&gt;"),
        "typed text kept, escaped"
    );
    assert!(!html.contains("<script>alert"));
    assert!(html.contains("Bapak X"));

    // Wrong token.
    let mut fields = typed.to_vec();
    fields.push(("csrf", "ff"));
    assert_eq!(
        app.form_post(form(&fields), true).await.0,
        StatusCode::FORBIDDEN
    );

    // Missing "what" and an unknown category: both marked, in Indonesian.
    let (status, html) = app
        .form_post(
            form(&[
                ("csrf", TOKEN),
                ("lang", "id"),
                ("category", "<b>"),
                ("who", HOSTILE),
            ]),
            true,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("role=\"alert\""));
    assert!(html.contains("&lt;/textarea&gt;"));
    assert_eq!(app.cases().await, 0);
}

#[tokio::test]
async fn malformed_and_oversized_forms_get_a_clear_answer() {
    let app = app(1).await;
    let (status, html) = app.form_post("%%%&&&=\u{0}".into(), true).await;
    assert!(status.is_client_error(), "{status}");
    assert!(html.contains("<html"), "an error page, not a bare string");

    let huge = "a".repeat(600 * 1024);
    let (status, html) = app
        .form_post(
            form(&[
                ("csrf", TOKEN),
                ("lang", "id"),
                ("category", "kkn"),
                ("what", &huge),
            ]),
            true,
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(html.contains(kentongan_templates::strings::message(
        kentongan_templates::strings::Lang::Id,
        kentongan_templates::strings::Message::TooLarge
    )));

    let too_long = "a".repeat(10_001);
    let (status, _) = app
        .form_post(
            form(&[
                ("csrf", TOKEN),
                ("lang", "en"),
                ("category", "kkn"),
                ("what", &too_long),
            ]),
            true,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(app.cases().await, 0);
}

#[tokio::test]
async fn no_js_report_is_stored_sealed() {
    let app = app(2).await;
    let (status, html) = app
        .form_post(
            form(&[
                ("csrf", TOKEN),
                ("lang", "id"),
                ("category", "kkn"),
                ("what", HOSTILE),
            ]),
            true,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("id=\"receipt-code\""));
    let case = app.store.case(1).await.unwrap();
    assert_eq!(case.envelopes.len(), 3);
    assert_eq!(case.items.len(), 1);
}

#[tokio::test]
async fn api_accepts_only_well_formed_ciphertext_for_the_current_team() {
    let app = app(2).await;
    let good = sealed_for(&app.team);

    // Without the CSRF header.
    let (status, body) = app
        .api_post(serde_json::to_string(&good).unwrap(), false)
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("csrf"))
    );

    // Not JSON, hostile JSON, unknown fields.
    for junk in ["", "{", HOSTILE, "{\"receipt\":\"1\"}", "[]"] {
        let (status, body) = app.api_post(junk.into(), true).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{junk}");
        assert!(!body["message"].as_str().unwrap().is_empty());
    }

    // A forged report ciphertext.
    let mut forged = good.clone();
    forged.report = Ciphertext::from_bytes(
        b"age-encryption.org/v1\n-> X25519 AAAA\nAAAA\n--- AAAA\nplain".to_vec(),
    );
    let (status, body) = app
        .api_post(serde_json::to_string(&forged).unwrap(), true)
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad-ciphertext"))
    );

    // A derivation cost of the client's choosing (each later login on this case would pay
    // it): only the server's own parameters are taken.
    let mut costly = sealed_for(&app.team);
    costly.credential.kdf = KdfParams {
        m_kib: 256 * 1024,
        t: 10,
        p: 1,
    };
    let (status, body) = app
        .api_post(serde_json::to_string(&costly).unwrap(), true)
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("outdated"))
    );

    // Sealed to someone else's team.
    let other = sealed_for(&[Identity::generate().to_public()]);
    let (status, body) = app
        .api_post(serde_json::to_string(&other).unwrap(), true)
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("team-changed"))
    );
    assert_eq!(app.cases().await, 0, "nothing stored by any refusal");

    // The real thing, then the same receipt again.
    let (status, _) = app
        .api_post(serde_json::to_string(&good).unwrap(), true)
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = app
        .api_post(serde_json::to_string(&good).unwrap(), true)
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("retry"))
    );
    assert_eq!(app.cases().await, 1);
    let stored = app.store.case(1).await.unwrap();
    assert_eq!(
        stored.items[0].ciphertext, good.report,
        "stored byte for byte"
    );

    // Oversized.
    let huge = format!("{{\"receipt\":\"{}\"}}", "1".repeat(2 * 1024 * 1024));
    let (status, body) = app.api_post(huge, true).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("too-large"))
    );
}

#[tokio::test]
async fn without_investigators_nothing_is_accepted() {
    let app = app(0).await;
    let html = text(
        app.send(Request::get("/report").body(Body::empty()).unwrap())
            .await,
    )
    .await;
    assert!(!html.contains("id=\"report-form\""));
    let (status, body) = app
        .api_post(
            serde_json::to_string(&sealed_for(&[Identity::generate().to_public()])).unwrap(),
            true,
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("no-investigators"))
    );
    let (status, _) = app
        .form_post(
            form(&[
                ("csrf", TOKEN),
                ("lang", "id"),
                ("category", "kkn"),
                ("what", "x"),
            ]),
            true,
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
}

/// PostgreSQL goes away mid-flight: the reporter is told their report was not saved and keeps
/// their form; the browser path gets a JSON refusal.
#[tokio::test]
async fn database_down_is_a_clear_refusal() {
    let admin_url = std::env::var("KENTONGAN_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("kentongan_web_{}", rand::random::<u32>());
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("PostgreSQL must run on 127.0.0.1:5432 for the tests");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let url = format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0);
    let store: Arc<dyn Store> = Arc::new(crate::store::PostgresStore::open(&url).await.unwrap());
    let app = with_store(store, 1, tempfile::tempdir().unwrap()).await;
    // Read the team once, as a running server would have.
    let _ = app
        .send(Request::get("/report").body(Body::empty()).unwrap())
        .await;
    // A reporter is logged in without JavaScript when the database goes.
    let (session, filed) = followup::logged_in(&app).await;

    sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .unwrap();

    let (status, html) = app
        .form_post(
            form(&[
                ("csrf", TOKEN),
                ("lang", "id"),
                ("category", "kkn"),
                ("what", HOSTILE),
            ]),
            true,
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        html.contains("&lt;/textarea&gt;"),
        "the form keeps the text"
    );
    assert!(html.contains(kentongan_templates::strings::message(
        kentongan_templates::strings::Lang::Id,
        kentongan_templates::strings::Message::StoreDown
    )));
    let (status, body) = app
        .api_post(serde_json::to_string(&sealed_for(&app.team)).unwrap(), true)
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("store-down"))
    );
    followup::database_down(&app, &session, &filed).await;
}
