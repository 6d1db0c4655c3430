//! The follow-up pages in-process: both login paths, the generic wrong-login answer, attempt
//! limits and their release, a login flood against the Argon2id limit, messages in both
//! paths, and sessions that end.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use kentongan_crypto::bundle::ItemKind;
use kentongan_crypto::reporter::{KdfParams, Passphrase, ReceiptCode, ReporterKey};
use kentongan_crypto::submission::{Submission, seal_report};
use kentongan_crypto::{Ciphertext, Message};

use super::{App, LoginLimits, TOKEN, app, app_with, form, report, text};

const WRONG: &str = "Kode tanda terima atau kata sandi salah.";

/// Files a report through the JSON endpoint; returns the receipt and passphrase.
pub(super) async fn file_report(app: &App) -> Submission {
    let submission = seal_report(&report(), &app.team, KdfParams::CURRENT).unwrap();
    let (status, _) = app
        .api_post(serde_json::to_string(&submission.sealed).unwrap(), true)
        .await;
    assert_eq!(status, StatusCode::CREATED);
    submission
}

pub(super) fn token_of(submission: &Submission, passphrase: &str) -> String {
    let key = ReporterKey::derive(
        &submission.sealed.receipt,
        &Passphrase::parse(passphrase),
        KdfParams::CURRENT,
    )
    .unwrap();
    hex::encode(key.auth_token())
}

impl App {
    pub(super) async fn api(
        &self,
        path: &str,
        body: serde_json::Value,
    ) -> (StatusCode, serde_json::Value) {
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::COOKIE, format!("kentongan_csrf={TOKEN}"))
            .header("x-csrf-token", TOKEN)
            .body(Body::from(body.to_string()))
            .unwrap();
        let resp = self.send(req).await;
        let status = resp.status();
        (
            status,
            serde_json::from_str(&text(resp).await).unwrap_or_default(),
        )
    }

    /// A form post to a follow-up path with the CSRF cookie and, if given, a session cookie.
    pub(super) async fn post_form(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        session: Option<&str>,
    ) -> axum::response::Response {
        let mut cookie = format!("kentongan_csrf={TOKEN}");
        if let Some(session) = session {
            cookie.push_str(&format!("; kentongan_session={session}"));
        }
        let mut fields = fields.to_vec();
        fields.push(("csrf", TOKEN));
        self.send(
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, cookie)
                .body(Body::from(form(&fields)))
                .unwrap(),
        )
        .await
    }

    pub(super) async fn get_with_session(&self, session: &str) -> (StatusCode, String) {
        let resp = self
            .send(
                Request::get("/followup")
                    .header(
                        header::COOKIE,
                        format!("kentongan_csrf={TOKEN}; kentongan_session={session}"),
                    )
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        (resp.status(), text(resp).await)
    }

    pub(super) async fn item_kinds(&self, case: i64) -> Vec<ItemKind> {
        let case = self.store.case(case).await.unwrap();
        case.items.iter().map(|i| i.kind).collect()
    }
}

pub(super) fn session_from(resp: &axum::response::Response) -> String {
    let cookies: Vec<_> = resp.headers().get_all(header::SET_COOKIE).iter().collect();
    let cookie = cookies
        .iter()
        .map(|c| c.to_str().unwrap())
        .find(|c| c.starts_with("kentongan_session="))
        .expect("a session cookie");
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
            && cookie.contains("Path=/followup"),
        "{cookie}"
    );
    cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("kentongan_session=")
        .to_owned()
}

#[tokio::test]
async fn the_browser_logs_in_with_the_token_and_gets_only_ciphertext() {
    let app = app(1).await;
    let filed = file_report(&app).await;
    let receipt = filed.sealed.receipt.to_string();
    let token = token_of(&filed, filed.passphrase.expose_secret());

    let (status, body) = app
        .api(
            "/api/followup/case",
            serde_json::json!({ "receipt": receipt, "token": token }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let html = body["html"].as_str().unwrap();
    assert!(
        html.contains("id=\"case\"") && html.contains("data-item="),
        "{html}"
    );
    assert!(
        !html.contains("Uang pelicin"),
        "the server never renders content on this path"
    );
    assert_eq!(body["items"].as_array().unwrap().len(), 1);
    assert_eq!(body["items"][0]["kind"], "report");
    assert_eq!(
        body["case_recipient"].as_str().unwrap(),
        filed.sealed.case_recipient.to_string()
    );

    // The envelope and item open with the reporter's key, as the browser will do.
    let key =
        ReporterKey::derive(&filed.sealed.receipt, &filed.passphrase, KdfParams::CURRENT).unwrap();
    let envelope: Ciphertext = serde_json::from_value(body["envelope"].clone()).unwrap();
    let keys = kentongan_crypto::envelope::open(&envelope, key.identity()).unwrap();
    let item: Ciphertext = serde_json::from_value(body["items"][0]["ciphertext"].clone()).unwrap();
    assert!(kentongan_crypto::item::open(ItemKind::Report, &item, &keys.case, None).is_ok());

    // A message sealed in the browser is stored as the reporter's.
    let sealed = Message::new("Saya punya foto kuitansinya.")
        .unwrap()
        .seal(&keys.case.to_public())
        .unwrap();
    let (status, body) = app
        .api(
            "/api/followup/messages",
            serde_json::json!({ "receipt": receipt, "token": token, "ciphertext": sealed }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["message"], "Pesan terkirim.");
    assert_eq!(
        app.item_kinds(1).await,
        [ItemKind::Report, ItemKind::ReporterMessage]
    );
}

#[tokio::test]
async fn wrong_receipt_and_wrong_passphrase_get_the_same_answer() {
    let app = app(1).await;
    let filed = file_report(&app).await;
    let receipt = filed.sealed.receipt.to_string();
    let wrong_token = token_of(&filed, "bukan kata sandi yang benar");
    let (s1, b1) = app
        .api(
            "/api/followup/case",
            serde_json::json!({ "receipt": receipt, "token": wrong_token }),
        )
        .await;
    let other = ReceiptCode::generate().to_string();
    let (s2, b2) = app
        .api(
            "/api/followup/case",
            serde_json::json!({ "receipt": other, "token": wrong_token }),
        )
        .await;
    assert_eq!((s1, &b1), (s2, &b2));
    assert_eq!(s1, StatusCode::UNAUTHORIZED);
    assert_eq!(b1["message"], WRONG);

    // Malformed input is told apart from a wrong login, and stores nothing.
    let (status, body) = app
        .api(
            "/api/followup/case",
            serde_json::json!({ "receipt": "12", "token": wrong_token }),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("receipt"))
    );
    let (status, _) = app
        .api(
            "/api/followup/case",
            serde_json::json!({ "receipt": receipt, "token": "zz" }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app
        .api(
            "/api/followup/messages",
            serde_json::json!({ "receipt": receipt, "token": wrong_token, "ciphertext": "AAAA" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.item_kinds(1).await, [ItemKind::Report]);
}

#[tokio::test]
async fn attempts_are_limited_per_receipt_and_released_after_the_wait() {
    let limits = LoginLimits {
        free_attempts: 2,
        first_delay: Duration::from_secs(1),
    };
    let app = app_with(1, limits, 1).await;
    let filed = file_report(&app).await;
    let receipt = filed.sealed.receipt.to_string();
    let right = token_of(&filed, filed.passphrase.expose_secret());
    let wrong = "00".repeat(32);
    let login = |token: &str| serde_json::json!({ "receipt": receipt, "token": token });

    for _ in 0..2 {
        let (status, _) = app.api("/api/followup/case", login(&wrong)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // Locked: even the right token waits, with a clear message.
    let (status, body) = app.api("/api/followup/case", login(&right)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error"], "wait");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Coba lagi dalam 1 menit"),
        "{body}"
    );
    // A receipt code that does not exist is limited the same way: no oracle.
    let unknown = ReceiptCode::generate().to_string();
    for _ in 0..2 {
        app.api(
            "/api/followup/case",
            serde_json::json!({ "receipt": unknown, "token": wrong }),
        )
        .await;
    }
    let (status, _) = app
        .api(
            "/api/followup/case",
            serde_json::json!({ "receipt": unknown, "token": wrong }),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, _) = app.api("/api/followup/case", login(&right)).await;
    assert_eq!(status, StatusCode::OK, "released after the wait");
    // The success reset the count: two wrong attempts are free again.
    for _ in 0..2 {
        let (status, _) = app.api("/api/followup/case", login(&wrong)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn a_forged_case_tells_whether_a_receipt_code_exists_only_at_a_logins_cost() {
    // Before, posting a case with a chosen receipt code answered 409 if the code existed and
    // 201 otherwise, without limit. Now each post counts as a login attempt on its code.
    let limits = LoginLimits {
        free_attempts: 2,
        first_delay: Duration::from_secs(60),
    };
    let app = app_with(1, limits, 1).await;
    let filed = file_report(&app).await;
    let receipt = filed.sealed.receipt.to_string();
    let mut probe = seal_report(&report(), &app.team, KdfParams::CURRENT)
        .unwrap()
        .sealed;
    probe.receipt = filed.sealed.receipt.clone();
    for _ in 0..3 {
        let (status, body) = app
            .api_post(serde_json::to_string(&probe).unwrap(), true)
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::CONFLICT, Some("retry"))
        );
    }
    // The probes were counted like wrong logins on that code.
    let right = token_of(&filed, filed.passphrase.expose_secret());
    let (status, body) = app
        .api(
            "/api/followup/case",
            serde_json::json!({ "receipt": receipt, "token": right }),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    // A new case's own code starts with a clean count: its reporter is not held back.
    let other = file_report(&app).await;
    let (status, _) = app
        .api(
            "/api/followup/case",
            serde_json::json!({
                "receipt": other.sealed.receipt.to_string(),
                "token": token_of(&other, other.passphrase.expose_secret()),
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn no_js_login_reads_and_answers_the_case_then_logs_out() {
    let app = app(1).await;
    let filed = file_report(&app).await;
    // Typed sloppily: dashes in the receipt, capitals and extra spaces in the passphrase.
    let receipt = filed
        .sealed
        .receipt
        .digits()
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("-");
    let passphrase = format!(
        "  {}  ",
        filed
            .passphrase
            .expose_secret()
            .to_uppercase()
            .replace(' ', "   ")
    );

    let resp = app
        .post_form(
            "/followup",
            &[
                ("receipt", &receipt),
                ("passphrase", &passphrase),
                ("lang", "id"),
            ],
            None,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let session = session_from(&resp);

    let (status, page) = app.get_with_session(&session).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Uang pelicin di loket"),
        "the report, decrypted"
    );
    assert!(page.contains("id=\"stage\""));
    // The landing page's stages, and the office's acknowledgement deadline.
    assert!(
        page.contains("Langkah 2 dari 6: Identifikasi Pelapor"),
        "{page}"
    );
    assert!(page.contains("Periksa kembali paling lambat"), "{page}");

    let resp = app
        .post_form(
            "/followup/message",
            &[("message", "Kejadiannya hari Senin."), ("lang", "id")],
            Some(&session),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, page) = app.get_with_session(&session).await;
    assert!(page.contains("Kejadiannya hari Senin."));
    assert_eq!(
        app.item_kinds(1).await,
        [ItemKind::Report, ItemKind::ReporterMessage]
    );

    // An empty message is refused and nothing is stored; a message over the limit keeps its
    // text in the box.
    let resp = app
        .post_form(
            "/followup/message",
            &[("message", "   "), ("lang", "id")],
            Some(&session),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(text(resp).await.contains("Pesan masih kosong."));
    let long = "x".repeat(kentongan_crypto::message::MAX_MESSAGE_CHARS + 1);
    let resp = app
        .post_form(
            "/followup/message",
            &[("message", &long), ("lang", "id")],
            Some(&session),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(text(resp).await.contains(&long));
    assert_eq!(app.item_kinds(1).await.len(), 2);

    let resp = app
        .post_form("/followup/logout", &[("lang", "id")], Some(&session))
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let cleared: Vec<_> = resp
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|c| c.to_str().unwrap().to_owned())
        .collect();
    assert!(
        cleared
            .iter()
            .any(|c| c.starts_with("kentongan_session=;") && c.contains("Max-Age=0")),
        "{cleared:?}"
    );
    assert!(
        app.state.0.sessions.is_empty(),
        "the key is gone from memory"
    );
    let (_, page) = app.get_with_session(&session).await;
    assert!(page.contains("Sesi Anda sudah berakhir."));
    assert!(!page.contains("Uang pelicin"));
    let resp = app
        .post_form(
            "/followup/message",
            &[("message", "lagi"), ("lang", "id")],
            Some(&session),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.item_kinds(1).await.len(), 2);
}

#[tokio::test]
async fn no_js_wrong_login_is_generic_and_keeps_the_receipt_only() {
    let app = app(1).await;
    let filed = file_report(&app).await;
    let receipt = filed.sealed.receipt.to_string();
    let resp = app
        .post_form(
            "/followup",
            &[
                ("receipt", &receipt),
                ("passphrase", "salah sekali kata sandinya"),
                ("lang", "id"),
            ],
            None,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let page = text(resp).await;
    assert!(page.contains(WRONG));
    assert!(page.contains(&receipt), "the receipt is kept");
    assert!(
        !page.contains("salah sekali"),
        "the passphrase is never echoed"
    );

    let resp = app
        .post_form(
            "/followup",
            &[("receipt", "1234"), ("passphrase", "x"), ("lang", "en")],
            None,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(
        text(resp)
            .await
            .contains("The receipt code must be 16 digits.")
    );
    assert!(app.state.0.sessions.is_empty());
}

#[tokio::test]
async fn a_login_flood_is_refused_clearly_not_queued_without_bound() {
    // One derivation at a time and one waiting: of twelve logins at once, most are refused.
    let app = app_with(1, LoginLimits::default(), 1).await;
    let mut logins = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let state = app.state.clone();
        let receipt = ReceiptCode::generate().to_string();
        let body = form(&[
            ("receipt", &receipt),
            ("passphrase", "a b c"),
            ("lang", "id"),
            ("csrf", TOKEN),
        ]);
        logins.spawn(async move {
            let req = Request::post("/followup")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, format!("kentongan_csrf={TOKEN}"))
                .body(Body::from(body))
                .unwrap();
            let resp = tower::ServiceExt::oneshot(crate::web::router(state), req)
                .await
                .unwrap();
            let status = resp.status();
            (status, text(resp).await)
        });
    }
    let answers = logins.join_all().await;
    let busy = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::SERVICE_UNAVAILABLE)
        .count();
    let wrong = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::UNAUTHORIZED)
        .count();
    assert_eq!(
        busy + wrong,
        12,
        "only clear answers: {:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    assert!(busy >= 9, "{busy} refused");
    for (status, page) in &answers {
        if *status == StatusCode::SERVICE_UNAVAILABLE {
            assert!(page.contains("Coba lagi dalam satu menit."));
        }
    }
}

/// Files a report and logs in without JavaScript; returns the session and the submission.
pub(super) async fn logged_in(app: &App) -> (String, Submission) {
    let filed = file_report(app).await;
    let receipt = filed.sealed.receipt.to_string();
    let resp = app
        .post_form(
            "/followup",
            &[
                ("receipt", &receipt),
                ("passphrase", filed.passphrase.expose_secret()),
                ("lang", "id"),
            ],
            None,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    (session_from(&resp), filed)
}

/// With the database gone: each path answers 503 with a clear message, and a message being
/// written stays in its box.
pub(super) async fn database_down(app: &App, session: &str, filed: &Submission) {
    let answer = "Pesan yang tidak boleh hilang <b>";
    let resp = app
        .post_form(
            "/followup/message",
            &[("message", answer), ("lang", "id")],
            Some(session),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    let page = text(resp).await;
    assert!(page.contains("Pesan Anda TIDAK tersimpan."), "{page}");
    assert!(
        page.contains("Pesan yang tidak boleh hilang &lt;b&gt;"),
        "the message is kept"
    );

    let (status, _) = app.get_with_session(session).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);

    let receipt = filed.sealed.receipt.to_string();
    let token = token_of(filed, filed.passphrase.expose_secret());
    let (status, body) = app
        .api(
            "/api/followup/case",
            serde_json::json!({ "receipt": receipt, "token": token }),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("store-down"))
    );
    assert_eq!(body["message"], "Ada gangguan di server. Coba lagi nanti.");

    let resp = app
        .post_form(
            "/followup",
            &[
                ("receipt", &receipt),
                ("passphrase", filed.passphrase.expose_secret()),
                ("lang", "id"),
            ],
            None,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    let page = text(resp).await;
    assert!(page.contains("Ada gangguan di server."));
    assert!(page.contains(&receipt), "the receipt code is kept");
}

#[tokio::test]
async fn a_message_written_after_the_session_ended_is_sent_with_the_next_login() {
    let app = app(1).await;
    let (session, filed) = logged_in(&app).await;
    // The session ends (idle) while the reporter writes.
    app.state
        .0
        .sessions
        .end(&super::super::followup::session_id(&session));
    let answer = "Jawaban yang saya tulis lama sekali.";
    let resp = app
        .post_form(
            "/followup/message",
            &[("message", answer), ("lang", "id")],
            Some(&session),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let page = text(resp).await;
    assert!(page.contains("Sesi Anda sudah berakhir."));
    assert!(
        page.contains(answer),
        "the message is kept in the login form"
    );
    assert!(page.contains("name=\"message\""));

    let receipt = filed.sealed.receipt.to_string();
    let resp = app
        .post_form(
            "/followup",
            &[
                ("receipt", &receipt),
                ("passphrase", filed.passphrase.expose_secret()),
                ("message", answer),
                ("lang", "id"),
            ],
            None,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(
        resp.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .contains("done=sent"),
        "sent right after the login"
    );
    let session = session_from(&resp);
    let (_, page) = app.get_with_session(&session).await;
    assert!(page.contains(answer));
    assert_eq!(
        app.item_kinds(1).await,
        [ItemKind::Report, ItemKind::ReporterMessage]
    );
}

#[tokio::test]
async fn messages_per_case_and_day_are_limited() {
    let app = app(1).await;
    let filed = file_report(&app).await;
    let receipt = filed.sealed.receipt.to_string();
    let token = token_of(&filed, filed.passphrase.expose_secret());
    let sealed = Message::new("Tambahan.")
        .unwrap()
        .seal(&filed.sealed.case_recipient)
        .unwrap();
    let send = || {
        app.api(
            "/api/followup/messages",
            serde_json::json!({ "receipt": receipt, "token": token, "ciphertext": sealed }),
        )
    };
    for _ in 0..crate::web::followup::MAX_MESSAGES_PER_DAY {
        assert_eq!(send().await.0, StatusCode::CREATED);
    }
    let (status, body) = send().await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("too-many"))
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Coba lagi besok")
    );
    assert_eq!(
        app.item_kinds(1).await.len(),
        1 + crate::web::followup::MAX_MESSAGES_PER_DAY
    );
}

/// An internal note is never sent to the reporter, by either path: not its ciphertext, not
/// its text, not its existence. The note here is sealed to the *case* key, as a faulty client
/// might: so only the filter by kind keeps it from the reporter, not the key.
#[tokio::test]
async fn a_stored_note_never_reaches_the_reporter() {
    let app = app(1).await;
    let (session, filed) = logged_in(&app).await;
    let secret = "Catatan internal: saksi Pak B takut dibalas";
    let note = Message::new(secret)
        .unwrap()
        .seal(&filed.sealed.case_recipient)
        .unwrap();
    let today = time::OffsetDateTime::now_utc().date();
    app.store
        .add_item(1, ItemKind::Note, note.clone(), today, None)
        .await
        .unwrap();
    let question = Message::new("Kapan kejadiannya?")
        .unwrap()
        .seal(&filed.sealed.case_recipient)
        .unwrap();
    app.store
        .add_item(1, ItemKind::InvestigatorMessage, question, today, None)
        .await
        .unwrap();
    assert_eq!(
        app.item_kinds(1).await,
        [
            ItemKind::Report,
            ItemKind::Note,
            ItemKind::InvestigatorMessage
        ]
    );

    let receipt = filed.sealed.receipt.to_string();
    let token = token_of(&filed, filed.passphrase.expose_secret());
    let (status, body) = app
        .api(
            "/api/followup/case",
            serde_json::json!({ "receipt": receipt, "token": token }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let kinds: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["report", "investigator-message"]);
    let note_base64 = serde_json::to_value(&note).unwrap();
    let body = body.to_string();
    assert!(!body.contains(note_base64.as_str().unwrap()));
    assert!(!body.contains("\"note\""), "{body}");

    let (status, page) = app.get_with_session(&session).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Kapan kejadiannya?"), "the reply is shown");
    assert!(!page.contains("saksi Pak B"), "the note is not");
}
