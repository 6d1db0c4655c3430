//! Attachments from the browser, in-process: uploads in pieces that resume after an offset
//! conflict, the limits, a forged start, a report that names an unfinished upload, and the
//! team's download returning exactly the ciphertext that was uploaded.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use kentongan_crypto::Recipient;
use kentongan_crypto::attachment::{AttachmentHeader, CHUNK, Opener, Sealer};
use kentongan_crypto::{Holder, envelope};
use serde_json::{Value, json};
use std::io::Read;

use super::team::member;
use super::{App, TOKEN, app, sealed_for, text};

impl App {
    /// A reporter's API call with the CSRF cookie and header.
    pub(super) async fn upload_api(
        &self,
        method: Method,
        path: &str,
        body: Body,
    ) -> (StatusCode, Value) {
        let resp = self
            .send(
                Request::builder()
                    .method(method)
                    .uri(path)
                    .header(header::COOKIE, format!("kentongan_csrf={TOKEN}"))
                    .header("x-csrf-token", TOKEN)
                    .body(body)
                    .unwrap(),
            )
            .await;
        let status = resp.status();
        (
            status,
            serde_json::from_str(&text(resp).await).unwrap_or_default(),
        )
    }

    async fn begin_upload(&self) -> String {
        let (status, body) = self
            .upload_api(Method::POST, "/api/attachments", Body::empty())
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["upload"].as_str().unwrap().to_owned()
    }

    async fn put_piece(&self, token: &str, offset: usize, piece: &[u8]) -> (StatusCode, Value) {
        self.upload_api(
            Method::PUT,
            &format!("/api/attachments/{token}?offset={offset}"),
            Body::from(piece.to_vec()),
        )
        .await
    }

    /// Uploads `sealed` piece by piece and completes it; the token.
    async fn upload(&self, sealed: &[u8]) -> String {
        let token = self.begin_upload().await;
        for (n, piece) in sealed.chunks(CHUNK).enumerate() {
            let (status, body) = self.put_piece(&token, n * CHUNK, piece).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        let (status, body) = self
            .upload_api(
                Method::POST,
                &format!("/api/attachments/{token}/complete"),
                Body::empty(),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        token
    }
}

/// A file sealed as the browser does.
fn sealed_file(to: &Recipient, name: &str, body: &[u8]) -> Vec<u8> {
    let header = AttachmentHeader {
        name: name.into(),
        media_type: "application/pdf".into(),
        size: body.len() as u64,
        cleaned: vec![],
    };
    let mut sealer = Sealer::new(to, &header).unwrap();
    let mut out = Vec::new();
    for piece in body.chunks(100_000) {
        out.extend(sealer.push(piece).unwrap());
    }
    out.extend(sealer.finish().unwrap());
    out
}

fn content(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

#[tokio::test]
async fn an_upload_resumes_and_the_team_downloads_the_same_bytes() {
    let app = app(0).await;
    let ani = member(&app, "Ani").await;
    let mut sealed = sealed_for(&[ani.identity.to_public()]);
    let body = content(2 * CHUNK + 12_345);
    let file = sealed_file(&sealed.case_recipient, "bukti \" <b>.pdf", &body);
    assert!(file.len() > 2 * CHUNK);
    let pieces: Vec<&[u8]> = file.chunks(CHUNK).collect();

    let token = app.begin_upload().await;
    let (status, got) = app.put_piece(&token, 0, pieces[0]).await;
    assert_eq!(
        (status, got),
        (StatusCode::OK, json!({ "received": CHUNK }))
    );
    // The answer was lost and the piece is sent again; a piece from the future, too.
    for offset in [0, 2 * CHUNK] {
        let (status, got) = app.put_piece(&token, offset, pieces[1]).await;
        assert_eq!(status, StatusCode::CONFLICT, "{got}");
        assert_eq!(got["error"], "offset");
        assert_eq!(got["received"], CHUNK);
        assert!(
            got["message"].as_str().unwrap().contains("terputus"),
            "{got}"
        );
    }
    // An offset inside a piece is not one the browser ever sends.
    let (status, _) = app.put_piece(&token, 10, pieces[1]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, got) = app
        .upload_api(
            Method::GET,
            &format!("/api/attachments/{token}"),
            Body::empty(),
        )
        .await;
    assert_eq!(
        (status, got),
        (
            StatusCode::OK,
            json!({ "received": CHUNK, "complete": false })
        )
    );
    // The browser goes on from what arrived, resending nothing.
    for (n, piece) in pieces.iter().enumerate().skip(1) {
        let (status, got) = app.put_piece(&token, n * CHUNK, piece).await;
        assert_eq!(status, StatusCode::OK, "{got}");
    }
    let complete = format!("/api/attachments/{token}/complete");
    for _ in 0..2 {
        let (status, got) = app.upload_api(Method::POST, &complete, Body::empty()).await;
        assert_eq!(
            (status, got),
            (
                StatusCode::OK,
                json!({ "received": file.len(), "complete": true })
            )
        );
    }
    let (status, got) = app.put_piece(&token, file.len(), b"more").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{got}");

    let envelope = sealed
        .envelopes
        .iter()
        .find(|e| matches!(e.holder, Holder::Investigator(_)))
        .unwrap()
        .ciphertext
        .clone();
    let mut post = serde_json::to_value(&sealed).unwrap();
    post["attachments"] = json!([token]);
    let (status, got) = app.api_post(post.to_string(), true).await;
    assert_eq!(status, StatusCode::CREATED, "{got}");
    let case_id = app.store.case_ids().await.unwrap()[0];
    // Attached: the upload takes nothing more, and no second report can take it.
    let (status, _) = app.put_piece(&token, 3 * CHUNK, b"x").await;
    assert_eq!(status, StatusCode::CONFLICT);
    sealed.receipt = kentongan_crypto::reporter::ReceiptCode::generate();
    let mut again = serde_json::to_value(&sealed).unwrap();
    again["attachments"] = json!([token]);
    let (status, got) = app.api_post(again.to_string(), true).await;
    assert_eq!(status, StatusCode::CONFLICT, "{got}");
    assert_eq!(got["error"], "attachments");
    assert_eq!(app.cases().await, 1);
    // Budi is registered after the case was sealed: he holds no key for it.
    let budi = member(&app, "Budi").await;

    let session = app.team_login(&ani.identity).await;
    let (status, case) = app
        .team_view(&format!("/team/api/cases/{case_id}"), &session)
        .await;
    assert_eq!(status, StatusCode::OK);
    let case: Value = serde_json::from_str(&case).unwrap();
    let listed = &case["items"][0]["attachments"];
    let id = listed[0]["id"].as_i64().unwrap();
    assert_eq!(listed, &json!([{ "id": id, "size": file.len() }]));

    let resp = app
        .send(
            Request::get(format!("/team/api/attachments/{id}"))
                .header(header::COOKIE, format!("kentongan_team={session}"))
                .header(header::ACCEPT_ENCODING, "gzip")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let headers = resp.headers().clone();
    assert_eq!(headers[header::CONTENT_TYPE], "application/octet-stream");
    assert_eq!(
        headers[header::CONTENT_LENGTH],
        file.len().to_string().as_str()
    );
    assert!(headers.get(header::CONTENT_ENCODING).is_none());
    let downloaded = resp.into_body().collect().await.unwrap().to_bytes();
    assert!(downloaded == file, "the download differs from the upload");
    // And it opens with the case key, to the body that was sealed.
    let keys = envelope::open(&envelope, &ani.identity).unwrap();
    let mut opener = Opener::new(&keys.case, &downloaded[..]).unwrap();
    assert_eq!(opener.header().name, "bukti \" <b>.pdf");
    let mut opened = Vec::new();
    opener.read_to_end(&mut opened).unwrap();
    assert!(opened == body);

    let audit = app.store.audit_log().await.unwrap();
    let last = audit.last().unwrap();
    assert_eq!(last.action, "attachment-download");
    assert_eq!(last.case, Some(case_id));

    // Without the case's key, or without a session: nothing.
    let other = app.team_login(&budi.identity).await;
    let recorded = app.store.audit_log().await.unwrap().len();
    for (session, expected) in [
        (other.as_str(), StatusCode::FORBIDDEN),
        ("0000", StatusCode::UNAUTHORIZED),
    ] {
        let (status, _) = app
            .team_view(&format!("/team/api/attachments/{id}"), session)
            .await;
        assert_eq!(status, expected);
    }
    for missing in [id + 1, 0, -1] {
        let (status, _) = app
            .team_view(&format!("/team/api/attachments/{missing}"), &session)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    assert_eq!(app.store.audit_log().await.unwrap().len(), recorded);
}

#[tokio::test]
async fn an_oversize_upload_is_refused_clearly() {
    // The test app's limit: 3 MiB per file.
    let app = app(1).await;
    let (status, team) = app
        .upload_api(Method::GET, "/api/team", Body::empty())
        .await;
    assert_eq!(status, StatusCode::OK);
    let limits = &team["limits"];
    assert_eq!(limits["max_file_bytes"], 3 * 1024 * 1024);
    assert_eq!(limits["max_files"], 3);
    assert_eq!(limits["chunk"], CHUNK);
    // The page refuses with the server's own words, before encrypting anything.
    assert_eq!(
        limits["too_large"],
        "Berkas terlalu besar. Batasnya 3 MB per berkas. Tidak ada yang terkirim."
    );
    assert!(
        limits["too_many"].as_str().unwrap().contains('3'),
        "{limits}"
    );
    let token = app.begin_upload().await;
    let piece = vec![0u8; CHUNK];
    for n in 0..3 {
        let (status, got) = app.put_piece(&token, n * CHUNK, &piece).await;
        assert_eq!(status, StatusCode::OK, "{got}");
    }
    let (status, got) = app.put_piece(&token, 3 * CHUNK, &piece).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(got["error"], "too-large");
    assert_eq!(
        got["message"],
        "Berkas terlalu besar. Batasnya 3 MB per berkas. Tidak ada yang terkirim."
    );
    // Nothing of the refused piece was kept; a piece over CHUNK is refused before reading it.
    let (_, got) = app
        .upload_api(
            Method::GET,
            &format!("/api/attachments/{token}"),
            Body::empty(),
        )
        .await;
    assert_eq!(got["received"], 3 * CHUNK);
    let (status, _) = app
        .put_piece(&token, 3 * CHUNK, &vec![0u8; CHUNK + 1])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, got) = app
        .upload_api(
            Method::PUT,
            &format!("/api/attachments/{token}?offset={}&lang=en", 3 * CHUNK),
            Body::from(piece),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        got["message"]
            .as_str()
            .unwrap()
            .starts_with("The file is too large")
    );
}

#[tokio::test]
async fn a_forged_upload_is_refused_when_completed() {
    let app = app(1).await;
    let recipient = app.team[0].clone();
    for forged in [
        b"not an age file at all".to_vec(),
        // An age file cut short inside its header.
        kentongan_crypto::ciphertext::encrypt(&recipient, b"x")
            .unwrap()
            .into_bytes()
            .into_iter()
            .take(20)
            .collect(),
        // A real attachment cut short: its length is no padded length.
        {
            let mut file = sealed_file(&recipient, "a.pdf", &content(5000));
            file.truncate(file.len() - 7);
            file
        },
    ] {
        let token = app.begin_upload().await;
        let (status, _) = app.put_piece(&token, 0, &forged).await;
        assert_eq!(status, StatusCode::OK);
        let (status, got) = app
            .upload_api(
                Method::POST,
                &format!("/api/attachments/{token}/complete"),
                Body::empty(),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{got}");
        assert_eq!(got["error"], "bad-ciphertext");
        // Discarded at once.
        let (status, _) = app
            .upload_api(
                Method::GET,
                &format!("/api/attachments/{token}"),
                Body::empty(),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn a_report_naming_an_unfinished_upload_stores_nothing() {
    let app = app(1).await;
    let sealed = sealed_for(&app.team);
    let file = sealed_file(&sealed.case_recipient, "a.pdf", &content(5000));
    let unfinished = app.begin_upload().await;
    let (status, _) = app.put_piece(&unfinished, 0, &file).await;
    assert_eq!(status, StatusCode::OK);
    let done = app.upload(&file).await;
    let malformed = "x".repeat(43);
    let unknown = crate::uploads::UploadToken::generate().encode();
    for (tokens, status, error) in [
        (
            json!([done, unfinished]),
            StatusCode::CONFLICT,
            "attachments",
        ),
        (json!([done, done]), StatusCode::CONFLICT, "attachments"),
        (json!([unknown]), StatusCode::CONFLICT, "attachments"),
        (json!([malformed]), StatusCode::CONFLICT, "attachments"),
        (
            json!([done, done, done, done]),
            StatusCode::BAD_REQUEST,
            "too-many-files",
        ),
        (json!("not a list"), StatusCode::BAD_REQUEST, "bad-request"),
    ] {
        let mut post = serde_json::to_value(&sealed).unwrap();
        post["attachments"] = tokens;
        let (got_status, got) = app.api_post(post.to_string(), true).await;
        assert_eq!(
            (got_status, got["error"].as_str()),
            (status, Some(error)),
            "{got}"
        );
    }
    assert_eq!(app.cases().await, 0);
    // Any other unknown field is still refused.
    let mut post = serde_json::to_value(&sealed).unwrap();
    post["extra"] = json!(1);
    let (status, _) = app.api_post(post.to_string(), true).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Without CSRF, no upload starts.
    let resp = app
        .send(
            Request::post("/api/attachments")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // The finished upload still goes with a report.
    let mut post = serde_json::to_value(&sealed).unwrap();
    post["attachments"] = json!([done]);
    let (status, got) = app.api_post(post.to_string(), true).await;
    assert_eq!(status, StatusCode::CREATED, "{got}");
}
