//! The investigators' key login and sessions, in-process: the challenge answered with the
//! real key, wrong keys and answers, disabled investigators, logout, CSRF.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use kentongan_crypto::challenge;
use kentongan_crypto::keys::Identity;
use serde_json::json;

use super::{App, TOKEN, app, text};
use crate::audit::{Action, AuditEvent, operator};

fn operator_event(action: Action) -> AuditEvent {
    AuditEvent::new(operator("test"), action)
}

pub(super) struct Member {
    pub(super) id: i64,
    pub(super) identity: Identity,
}

pub(super) async fn member(app: &App, name: &str) -> Member {
    let identity = Identity::generate();
    let added = app
        .store
        .add_investigator(
            name,
            &identity.to_public(),
            false,
            time::macros::date!(2026 - 01 - 02),
            &operator_event(Action::InvestigatorAdd),
        )
        .await
        .unwrap();
    Member {
        id: added.id,
        identity,
    }
}

impl App {
    pub(super) async fn team_api(
        &self,
        path: &str,
        body: serde_json::Value,
        session: Option<&str>,
    ) -> axum::response::Response {
        let mut cookie = format!("kentongan_csrf={TOKEN}");
        if let Some(session) = session {
            cookie.push_str(&format!("; kentongan_team={session}"));
        }
        self.send(
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::COOKIE, cookie)
                .header("x-csrf-token", TOKEN)
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
    }

    /// The challenge for `identity`'s public key: (id, ciphertext in base64).
    pub(super) async fn challenge_for(
        &self,
        identity: &Identity,
    ) -> (StatusCode, serde_json::Value) {
        let resp = self
            .team_api(
                "/team/api/challenge",
                json!({ "recipient": identity.to_public().to_string() }),
                None,
            )
            .await;
        let status = resp.status();
        (status, serde_json::from_str(&text(resp).await).unwrap())
    }

    /// Logs in with the key, as the browser does; the session token.
    pub(super) async fn team_login(&self, identity: &Identity) -> String {
        let (status, body) = self.challenge_for(identity).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let sealed: kentongan_crypto::Ciphertext =
            serde_json::from_value(body["challenge"].clone()).unwrap();
        let answer = challenge::answer(identity, &sealed).unwrap();
        let resp = self
            .team_api(
                "/team/api/login",
                json!({ "id": body["id"], "answer": answer.to_hex() }),
                None,
            )
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        team_session_from(&resp)
    }

    pub(super) async fn team_view(&self, path: &str, session: &str) -> (StatusCode, String) {
        let resp = self
            .send(
                Request::get(path)
                    .header(header::COOKIE, format!("kentongan_team={session}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        (resp.status(), text(resp).await)
    }
}

pub(super) fn team_session_from(resp: &axum::response::Response) -> String {
    let cookie = resp
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|c| c.to_str().unwrap())
        .find(|c| c.starts_with("kentongan_team="))
        .expect("a session cookie");
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
            && cookie.contains("Path=/team")
            && cookie.contains("Secure"),
        "{cookie}"
    );
    cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("kentongan_team=")
        .to_owned()
}

#[tokio::test]
async fn the_key_holder_logs_in_and_sees_the_cases() {
    let app = app(0).await;
    let ani = member(&app, "Ani").await;
    let session = app.team_login(&ani.identity).await;
    let (status, page) = app.team_view("/team/view/cases", &session).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Kasus") && page.contains("data-me=\"Ani\""),
        "{page}"
    );
}

#[tokio::test]
async fn the_workspace_page_needs_javascript_and_posts_nothing() {
    let app = app(0).await;
    let resp = app
        .send(Request::get("/team").body(Body::empty()).unwrap())
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let page = text(resp).await;
    assert!(page.contains("<noscript>"), "{page}");
    // The login form has no action and its inputs no names: without the script it sends
    // nothing, and with it the key never leaves the page.
    assert!(!page.contains("action="), "{page}");
    assert!(!page.contains("name=\"passphrase\""), "{page}");
}

#[tokio::test]
async fn an_unknown_or_disabled_key_gets_no_challenge() {
    let app = app(0).await;
    let (status, body) = app.challenge_for(&Identity::generate()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "unknown-key");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("tidak terdaftar")
    );

    let budi = member(&app, "Budi").await;
    app.store
        .disable_investigator(budi.id, &operator_event(Action::InvestigatorDisable))
        .await
        .unwrap();
    let (status, body) = app.challenge_for(&budi.identity).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "unknown-key");
}

#[tokio::test]
async fn a_wrong_answer_is_refused_and_the_right_one_works_once() {
    let app = app(0).await;
    let ani = member(&app, "Ani").await;
    let (_, body) = app.challenge_for(&ani.identity).await;
    let sealed: kentongan_crypto::Ciphertext =
        serde_json::from_value(body["challenge"].clone()).unwrap();
    // Another key cannot read it at all.
    assert!(challenge::answer(&Identity::generate(), &sealed).is_err());
    let wrong = app
        .team_api(
            "/team/api/login",
            json!({ "id": body["id"], "answer": "00".repeat(32) }),
            None,
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(
        !wrong.headers().get_all(header::SET_COOKIE).iter().any(|c| c
            .to_str()
            .unwrap()
            .starts_with("kentongan_team=")
            && !c.to_str().unwrap().contains("Max-Age=0"))
    );
    // A wrong answer spends nothing (the answer is 256 random bits); the right one works
    // once.
    let right = challenge::answer(&ani.identity, &sealed).unwrap();
    let login = json!({ "id": body["id"], "answer": right.to_hex() });
    let first = app.team_api("/team/api/login", login.clone(), None).await;
    assert_eq!(first.status(), StatusCode::OK);
    let again = app.team_api("/team/api/login", login, None).await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED, "single use");
}

#[tokio::test]
async fn a_flood_of_challenges_from_a_stranger_does_not_keep_an_investigator_out() {
    let app = app(0).await;
    let ani = member(&app, "Ani").await;
    let (_, mine) = app.challenge_for(&ani.identity).await;
    // A stranger, with a CSRF cookie of their own, asks for many challenges to Ani's public
    // key (before, three were kept per key and each new one pushed out the oldest).
    let stranger = "ab".repeat(32);
    let mut theirs = serde_json::Value::Null;
    for _ in 0..200 {
        let resp = app
            .send(
                Request::post("/team/api/challenge")
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(header::COOKIE, format!("kentongan_csrf={stranger}"))
                    .header("x-csrf-token", &stranger)
                    .body(Body::from(
                        json!({ "recipient": ani.identity.to_public().to_string() }).to_string(),
                    ))
                    .unwrap(),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        theirs = serde_json::from_str(&text(resp).await).unwrap();
    }
    let sealed: kentongan_crypto::Ciphertext =
        serde_json::from_value(mine["challenge"].clone()).unwrap();
    let answer = challenge::answer(&ani.identity, &sealed).unwrap();
    let login = app
        .team_api(
            "/team/api/login",
            json!({ "id": mine["id"], "answer": answer.to_hex() }),
            None,
        )
        .await;
    assert_eq!(login.status(), StatusCode::OK, "Ani still logs in");

    // A challenge is bound to the browser that asked: the stranger's, answered (by someone
    // holding the key) from Ani's browser, does not log in.
    let sealed: kentongan_crypto::Ciphertext =
        serde_json::from_value(theirs["challenge"].clone()).unwrap();
    let answer = challenge::answer(&ani.identity, &sealed).unwrap();
    let relayed = app
        .team_api(
            "/team/api/login",
            json!({ "id": theirs["id"], "answer": answer.to_hex() }),
            None,
        )
        .await;
    assert_eq!(relayed.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_disabled_investigator_is_out_at_once() {
    let app = app(0).await;
    let ani = member(&app, "Ani").await;
    let session = app.team_login(&ani.identity).await;
    assert_eq!(
        app.team_view("/team/view/cases", &session).await.0,
        StatusCode::OK
    );
    app.store
        .disable_investigator(ani.id, &operator_event(Action::InvestigatorDisable))
        .await
        .unwrap();
    let (status, body) = app.team_view("/team/view/cases", &session).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("\"session\""), "{body}");
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = app(0).await;
    let ani = member(&app, "Ani").await;
    let session = app.team_login(&ani.identity).await;
    let out = app
        .team_api("/team/api/logout", json!({}), Some(&session))
        .await;
    assert_eq!(out.status(), StatusCode::OK);
    let cleared = out
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|c| c.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("kentongan_team="))
        .unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    // The old cookie, replayed, opens nothing.
    assert_eq!(
        app.team_view("/team/view/cases", &session).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn views_need_a_session_and_posts_need_the_csrf_header() {
    let app = app(0).await;
    let ani = member(&app, "Ani").await;
    assert_eq!(
        app.team_view("/team/view/cases", &"ab".repeat(32)).await.0,
        StatusCode::UNAUTHORIZED
    );
    let no_csrf = app
        .send(
            Request::post("/team/api/challenge")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    json!({ "recipient": ani.identity.to_public().to_string() }).to_string(),
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(no_csrf.status(), StatusCode::FORBIDDEN);
    let garbage = app
        .team_api(
            "/team/api/challenge",
            json!({ "recipient": "age1nope" }),
            None,
        )
        .await;
    assert_eq!(garbage.status(), StatusCode::BAD_REQUEST);
}

pub(super) async fn admin_member(app: &App, name: &str) -> Member {
    let identity = Identity::generate();
    let added = app
        .store
        .add_investigator(
            name,
            &identity.to_public(),
            true,
            time::macros::date!(2026 - 01 - 02),
            &operator_event(Action::InvestigatorAdd),
        )
        .await
        .unwrap();
    Member {
        id: added.id,
        identity,
    }
}

async fn landing_fingerprint(app: &App) -> String {
    let page = text(
        app.send(Request::get("/").body(Body::empty()).unwrap())
            .await,
    )
    .await;
    page.split("<code")
        .nth(1)
        .and_then(|rest| rest.split('>').nth(1))
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn an_admin_adds_and_disables_colleagues_and_reads_the_audit_log() {
    let app = app(0).await;
    let ani = admin_member(&app, "Ani").await;
    let budi = member(&app, "Budi").await;
    let ani_session = app.team_login(&ani.identity).await;
    let budi_session = app.team_login(&budi.identity).await;

    // Not for investigators without the admin role.
    assert_eq!(
        app.team_view("/team/view/admin", &budi_session).await.0,
        StatusCode::FORBIDDEN
    );
    let citra = Identity::generate();
    let refused = app
        .team_api(
            "/team/api/investigators",
            json!({ "name": "Citra", "recipient": citra.to_public().to_string() }),
            Some(&budi_session),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    // A pasted key that is not one, or one already registered: clear refusals.
    for (recipient, status, code) in [
        ("age1bukan-kunci", StatusCode::BAD_REQUEST, "bad-key"),
        (
            &budi.identity.to_public().to_string()[..],
            StatusCode::CONFLICT,
            "duplicate-key",
        ),
    ] {
        let resp = app
            .team_api(
                "/team/api/investigators",
                json!({ "name": "X", "recipient": recipient }),
                Some(&ani_session),
            )
            .await;
        assert_eq!(resp.status(), status);
        let body: serde_json::Value = serde_json::from_str(&text(resp).await).unwrap();
        assert_eq!(body["error"], code);
    }

    // Adding Citra changes the team fingerprint on the public page at once.
    let before = landing_fingerprint(&app).await;
    let added = app
        .team_api(
            "/team/api/investigators",
            json!({ "name": "Citra", "recipient": format!("  {}\n", citra.to_public()) }),
            Some(&ani_session),
        )
        .await;
    assert_eq!(added.status(), StatusCode::CREATED);
    let after = landing_fingerprint(&app).await;
    assert!(!before.is_empty() && before != after, "{before} → {after}");
    let citra_session = app.team_login(&citra).await;

    // Disabling Budi ends his session at once; Ani cannot disable herself.
    let own = app
        .team_api(
            &format!("/team/api/investigators/{}/disable", ani.id),
            json!({}),
            Some(&ani_session),
        )
        .await;
    assert_eq!(own.status(), StatusCode::FORBIDDEN);
    let disabled = app
        .team_api(
            &format!("/team/api/investigators/{}/disable", budi.id),
            json!({}),
            Some(&ani_session),
        )
        .await;
    assert_eq!(disabled.status(), StatusCode::OK);
    assert_eq!(
        app.team_view("/team/view/cases", &budi_session).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.team_view("/team/view/cases", &citra_session).await.0,
        StatusCode::OK
    );

    // The admin view: the team, and the audit log with both actions under Ani, intact.
    let (status, page) = app.team_view("/team/view/admin", &ani_session).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Rantai utuh"), "{page}");
    let ani_actor = format!("investigator:{}:Ani", ani.id);
    assert!(page.contains(&ani_actor), "{page}");
    assert!(page.contains("investigator-add") && page.contains("investigator-disable"));
    assert!(page.contains("Nonaktif"), "{page}");
    let log = app.store.audit_log().await.unwrap();
    assert!(crate::audit::verify(&log).is_ok());
    let actions: Vec<_> = log
        .iter()
        .filter(|e| e.actor == ani_actor)
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(
        actions,
        ["login", "investigator-add", "investigator-disable"],
        "one entry per action, none for the refusals"
    );
}

#[tokio::test]
async fn only_a_holder_of_the_case_key_may_write_to_the_reporter_or_move_it() {
    let app = app(1).await;
    let (status, _) = app
        .api_post(
            serde_json::to_string(&super::sealed_for(&app.team)).unwrap(),
            true,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    // Budi joined after the report: no envelope for case 1.
    let budi = member(&app, "Budi").await;
    let session = app.team_login(&budi.identity).await;
    let case = app.store.case(1).await.unwrap();
    let mut reply = kentongan_crypto::Reply::seal(
        1,
        &kentongan_crypto::CaseKeys::generate(),
        &kentongan_crypto::Message::new("Dari orang tanpa kunci").unwrap(),
    )
    .unwrap();
    reply.case_recipient = case.case_recipient.clone();
    let refused = app
        .send(
            Request::post("/team/api/cases/1/reply")
                .header(header::CONTENT_TYPE, "application/json")
                .header(
                    header::COOKIE,
                    format!("kentongan_csrf={TOKEN}; kentongan_team={session}"),
                )
                .header("x-csrf-token", TOKEN)
                .body(Body::from(reply.to_json()))
                .unwrap(),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let moved = app
        .team_api(
            "/team/api/cases/1/move",
            json!({ "from": "diterima", "to": "pemeriksaan" }),
            Some(&session),
        )
        .await;
    assert_eq!(moved.status(), StatusCode::FORBIDDEN);
    let body: serde_json::Value = serde_json::from_str(&text(moved).await).unwrap();
    assert_eq!(body["error"], "no-key");
    let case = app.store.case(1).await.unwrap();
    assert_eq!(case.items.len(), 1, "only the report");
    assert_eq!(case.stage, "diterima");
}

#[tokio::test]
async fn the_workspace_export_needs_the_case_key_and_is_audited() {
    let app = app(0).await;
    let ani = member(&app, "Ani").await;
    let sealed = super::sealed_for(&[ani.identity.to_public()]);
    let (status, _) = app
        .api_post(serde_json::to_string(&sealed).unwrap(), true)
        .await;
    assert_eq!(status, StatusCode::CREATED);
    // Budi joined after the report: no envelope for case 1.
    let budi = member(&app, "Budi").await;
    let budi_session = app.team_login(&budi.identity).await;
    let session = app.team_login(&ani.identity).await;
    let recorded = app.store.audit_log().await.unwrap().len();
    let (status, _) = app
        .team_view("/team/api/cases/1/export", &budi_session)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.store.audit_log().await.unwrap().len(), recorded);

    let (status, bundle) = app.team_view("/team/api/cases/1/export", &session).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        bundle.contains(&sealed.case_recipient.to_string()),
        "{bundle}"
    );
    let audit = app.store.audit_log().await.unwrap();
    assert_eq!(audit.len(), recorded + 1);
    let last = audit.last().unwrap();
    assert_eq!((last.action.as_str(), last.case), ("case-export", Some(1)));
    assert!(last.actor.contains("Ani"), "{}", last.actor);
}
