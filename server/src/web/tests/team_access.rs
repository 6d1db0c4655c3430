//! The second factor (TOTP) and roles in the workspace, in-process, with the app's clock set
//! by hand: enrolling with a code computed from the secret the page shows, logins refused
//! without, with a wrong and with a replayed code, the limit on wrong codes, the team's
//! "mandatory" switch, an admin's reset, role changes, and their audit entries.

use axum::http::{StatusCode, header};
use kentongan_crypto::challenge;
use kentongan_crypto::keys::Identity;
use serde_json::{Value, json};

use super::team::{Member, admin_member, member, team_session_from};
use super::{App, app, text};
use crate::store::StoreError;
use crate::team_sessions::{CODES_PER_LOGIN, WRONG_CODES};
use crate::totp::{TotpSecret, code_at, step_at};

/// 2030-03-17, 20 seconds into a time step.
const T0: i64 = 1_900_000_020;

fn code(secret: &TotpSecret, at: i64) -> String {
    format!("{:06}", code_at(secret, step_at(at)))
}

impl App {
    fn set_time(&self, unix: i64) {
        *self.time.lock().unwrap() = Some(unix);
    }

    /// A POST in the workspace: (status, JSON answer, the session cookie it set, if any).
    async fn team_post(
        &self,
        path: &str,
        body: Value,
        session: Option<&str>,
    ) -> (StatusCode, Value, Option<String>) {
        let resp = self.team_api(path, body, session).await;
        let status = resp.status();
        let set = resp
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|c| {
                let c = c.to_str().unwrap();
                c.starts_with("kentongan_team=") && !c.contains("Max-Age=0")
            })
            .then(|| team_session_from(&resp));
        let body = serde_json::from_str(&text(resp).await).unwrap_or_default();
        (status, body, set)
    }

    /// The key's part of a login: the answer to the challenge.
    async fn key_login(&self, identity: &Identity) -> (StatusCode, Value, Option<String>) {
        let (status, body) = self.challenge_for(identity).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let sealed: kentongan_crypto::Ciphertext =
            serde_json::from_value(body["challenge"].clone()).unwrap();
        let answer = challenge::answer(identity, &sealed).unwrap();
        self.team_post(
            "/team/api/login",
            json!({ "id": body["id"], "answer": answer.to_hex() }),
            None,
        )
        .await
    }

    /// Turns the session's investigator's second factor on at `at`, as the browser does: the
    /// secret read off the page, the code computed from it.
    async fn enrol(&self, session: &str, at: i64) -> TotpSecret {
        self.set_time(at);
        let (status, body, _) = self
            .team_post("/team/api/totp/start", json!({}), Some(session))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let secret = shown_secret(body["html"].as_str().unwrap());
        let (status, body, _) = self
            .team_post(
                "/team/api/totp/confirm",
                json!({ "code": code(&secret, at) }),
                Some(session),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        secret
    }

    /// A whole login with a second factor at `at`: the session.
    async fn login_with_code(&self, identity: &Identity, secret: &TotpSecret, at: i64) -> String {
        self.set_time(at);
        let (status, body, session) = self.key_login(identity).await;
        assert_eq!(status, StatusCode::OK);
        assert!(session.is_none(), "no session before the code");
        let (status, body, session) = self
            .team_post(
                "/team/api/login/code",
                json!({ "pending": body["pending"], "code": code(secret, at) }),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        session.expect("a session after the code")
    }

    async fn actions_of(&self, who: &Member, name: &str) -> Vec<(String, String)> {
        let actor = format!("investigator:{}:{name}", who.id);
        self.store
            .audit_log()
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.actor == actor)
            .map(|e| (e.action, e.detail))
            .collect()
    }
}

/// The base32 secret in the enrolment view, decoded.
fn shown_secret(html: &str) -> TotpSecret {
    let shown = html
        .split("id=\"team-totp-secret\"")
        .nth(1)
        .and_then(|rest| rest.split('>').nth(1))
        .and_then(|rest| rest.split('<').next())
        .unwrap();
    let base32: String = shown.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = data_encoding::BASE32_NOPAD
        .decode(base32.as_bytes())
        .unwrap();
    assert!(html.contains("<svg"), "a QR code: {html}");
    TotpSecret::from_bytes(&bytes).unwrap()
}

#[tokio::test]
async fn a_second_factor_is_enrolled_with_a_code_then_asked_at_every_login() {
    let app = app(0).await;
    let ani = member(&app, "Ani").await;
    let session = app.team_login(&ani.identity).await;
    let (status, page) = app.team_view("/team/view/security", &session).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("team-totp-start"), "{page}");

    // A wrong first code stores nothing.
    app.set_time(T0);
    let (_, body, _) = app
        .team_post("/team/api/totp/start", json!({}), Some(&session))
        .await;
    let secret = shown_secret(body["html"].as_str().unwrap());
    let wrong = format!("{:06}", (code_at(&secret, step_at(T0)) + 1) % 1_000_000);
    let (status, body, _) = app
        .team_post(
            "/team/api/totp/confirm",
            json!({ "code": wrong }),
            Some(&session),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("wrong-code"))
    );
    assert!(app.store.totp(ani.id).await.unwrap().is_none());

    // The right one stores it; the step it came from is spent.
    let (status, _, _) = app
        .team_post(
            "/team/api/totp/confirm",
            json!({ "code": code(&secret, T0) }),
            Some(&session),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let stored = app.store.totp(ani.id).await.unwrap().unwrap();
    assert_eq!(stored.secret.expose_secret(), secret.expose_secret());
    assert_eq!(stored.last_step, Some(step_at(T0)));
    assert!(app.store.investigators().await.unwrap()[0].totp);
    let (status, body, _) = app
        .team_post("/team/api/totp/start", json!({}), Some(&session))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("totp-on"))
    );

    // The key alone now gives no session, only a login waiting for a code.
    let (status, body, cookie) = app.key_login(&ani.identity).await;
    assert_eq!(status, StatusCode::OK);
    assert!(cookie.is_none() && body["pending"].is_string(), "{body}");
    let pending = body["pending"].clone();
    for (given, why) in [
        (wrong.as_str(), "wrong"),
        (&code(&secret, T0)[..], "replayed"),
    ] {
        let (status, body, cookie) = app
            .team_post(
                "/team/api/login/code",
                json!({ "pending": pending, "code": given }),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{why}");
        assert_eq!(body["error"], "wrong-code", "{why}");
        assert!(cookie.is_none(), "{why}");
    }
    // The next step's code (the phone a little ahead) is fine.
    let (status, body, cookie) = app
        .team_post(
            "/team/api/login/code",
            json!({ "pending": pending, "code": code(&secret, T0 + 30) }),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["enrol"], false);
    let second = cookie.unwrap();
    assert_eq!(
        app.team_view("/team/view/cases", &second).await.0,
        StatusCode::OK
    );
    // The pending login is used up.
    let (status, body, _) = app
        .team_post(
            "/team/api/login/code",
            json!({ "pending": pending, "code": code(&secret, T0 + 60) }),
            None,
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("code-expired"))
    );

    // That code is spent too, and a code two steps old is too old.
    app.set_time(T0 + 30);
    let (_, body, _) = app.key_login(&ani.identity).await;
    let (_, refused, _) = app
        .team_post(
            "/team/api/login/code",
            json!({ "pending": body["pending"], "code": code(&secret, T0 + 30) }),
            None,
        )
        .await;
    assert_eq!(refused["error"], "wrong-code");
    app.set_time(T0 + 120);
    let (_, refused, _) = app
        .team_post(
            "/team/api/login/code",
            json!({ "pending": body["pending"], "code": code(&secret, T0 + 60) }),
            None,
        )
        .await;
    assert_eq!(refused["error"], "wrong-code");
    let _ = app.login_with_code(&ani.identity, &secret, T0 + 150).await;

    // Audited, without the secret.
    let actions = app.actions_of(&ani, "Ani").await;
    let kinds: Vec<_> = actions.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(kinds, ["login", "totp-enable", "login", "login"]);
    assert!(actions[2].1.contains("\"totp\":true"), "{actions:?}");
    let base32 = secret.base32();
    for entry in app.store.audit_log().await.unwrap() {
        assert!(!entry.detail.contains(base32.as_str()));
    }
}

#[tokio::test]
async fn wrong_codes_are_limited_per_login_and_per_investigator() {
    let app = app(0).await;
    let ani = member(&app, "Ani").await;
    let session = app.team_login(&ani.identity).await;
    let secret = app.enrol(&session, T0).await;
    let later = T0 + 300;
    app.set_time(later);
    let mut wrong_so_far = 0;
    // One pending login takes a few tries, then the key login must start over.
    let (_, body, _) = app.key_login(&ani.identity).await;
    for i in 1..=CODES_PER_LOGIN {
        let (_, refused, _) = app
            .team_post(
                "/team/api/login/code",
                json!({ "pending": body["pending"], "code": "000000" }),
                None,
            )
            .await;
        wrong_so_far += 1;
        let expected = if i < CODES_PER_LOGIN {
            "wrong-code"
        } else {
            "code-expired"
        };
        assert_eq!(refused["error"], expected, "try {i}");
    }
    while wrong_so_far < WRONG_CODES {
        let (_, body, _) = app.key_login(&ani.identity).await;
        app.team_post(
            "/team/api/login/code",
            json!({ "pending": body["pending"], "code": "000000" }),
            None,
        )
        .await;
        wrong_so_far += 1;
    }
    // Now even the right code waits.
    let (_, body, _) = app.key_login(&ani.identity).await;
    let (status, refused, cookie) = app
        .team_post(
            "/team/api/login/code",
            json!({ "pending": body["pending"], "code": code(&secret, later) }),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused["error"], "too-many-codes");
    assert!(cookie.is_none());
    app.state
        .0
        .team_sessions
        .age_everything(crate::team_sessions::WRONG_CODE_WINDOW);
    let _ = app.login_with_code(&ani.identity, &secret, later).await;
}

#[tokio::test]
async fn a_mandatory_second_factor_allows_nothing_but_enrolling() {
    let app = app(0).await;
    let ani = admin_member(&app, "Ani").await;
    let budi = member(&app, "Budi").await;
    let ani_session = app.team_login(&ani.identity).await;
    let budi_session = app.team_login(&budi.identity).await;

    // An admin without a second factor cannot require one.
    let (status, body, _) = app
        .team_post(
            "/team/api/settings/totp",
            json!({ "required": true }),
            Some(&ani_session),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("enrol-first"))
    );
    let ani_secret = app.enrol(&ani_session, T0).await;
    // Nor can a colleague who is not an admin.
    let (status, _, _) = app
        .team_post(
            "/team/api/settings/totp",
            json!({ "required": true }),
            Some(&budi_session),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = app
        .team_post(
            "/team/api/settings/totp",
            json!({ "required": true }),
            Some(&ani_session),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(app.store.totp_required().await.unwrap());
    let (_, admin_page) = app.team_view("/team/view/admin", &ani_session).await;
    assert!(admin_page.contains("checked"), "{admin_page}");

    // Budi's open session can now only enrol.
    for path in ["/team/view/cases", "/team/api/cases/1"] {
        let (status, body) = app.team_view(path, &budi_session).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(body.contains("totp-required"), "{body}");
    }
    let (status, _, _) = app
        .team_post(
            "/team/api/cases/1/assign",
            json!({ "investigator": null }),
            Some(&budi_session),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, page) = app.team_view("/team/view/security", &budi_session).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("mewajibkan"), "{page}");
    // So does a fresh key login.
    let (status, body, cookie) = app.key_login(&budi.identity).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["enrol"], true);
    let fresh = cookie.unwrap();
    assert_eq!(
        app.team_view("/team/view/cases", &fresh).await.0,
        StatusCode::FORBIDDEN
    );
    let _ = app.enrol(&fresh, T0 + 30).await;
    assert_eq!(
        app.team_view("/team/view/cases", &fresh).await.0,
        StatusCode::OK
    );

    // Mandatory: Ani cannot turn hers off.
    app.set_time(T0 + 60);
    let (status, body, _) = app
        .team_post(
            "/team/api/totp/off",
            json!({ "code": code(&ani_secret, T0 + 60) }),
            Some(&ani_session),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("totp-mandatory"))
    );

    let ani_actions = app.actions_of(&ani, "Ani").await;
    assert!(
        ani_actions
            .iter()
            .any(|(a, d)| a == "totp-required" && d.contains("\"required\":true")),
        "{ani_actions:?}"
    );
}

#[tokio::test]
async fn a_second_factor_is_turned_off_only_with_a_current_code() {
    let app = app(0).await;
    let ani = member(&app, "Ani").await;
    let session = app.team_login(&ani.identity).await;
    let secret = app.enrol(&session, T0).await;
    app.set_time(T0 + 90);
    let (status, body, _) = app
        .team_post(
            "/team/api/totp/off",
            json!({ "code": "123" }),
            Some(&session),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("wrong-code"))
    );
    let (status, _, _) = app
        .team_post(
            "/team/api/totp/off",
            json!({ "code": code(&secret, T0 + 90) }),
            Some(&session),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(app.store.totp(ani.id).await.unwrap().is_none());
    let (_, body, cookie) = app.key_login(&ani.identity).await;
    assert!(cookie.is_some(), "the key alone again: {body}");
    let kinds: Vec<_> = app
        .actions_of(&ani, "Ani")
        .await
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    assert_eq!(kinds, ["login", "totp-enable", "totp-disable", "login"]);
}

#[tokio::test]
async fn an_admin_resets_a_colleagues_lost_second_factor() {
    let app = app(0).await;
    let ani = admin_member(&app, "Ani").await;
    let budi = member(&app, "Budi").await;
    let ani_session = app.team_login(&ani.identity).await;
    let budi_first = app.team_login(&budi.identity).await;
    let secret = app.enrol(&budi_first, T0).await;
    let budi_session = app.login_with_code(&budi.identity, &secret, T0 + 30).await;

    let path = |id: i64| format!("/team/api/investigators/{id}/totp-reset");
    let (status, body, _) = app
        .team_post(&path(ani.id), json!({}), Some(&budi_session))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("not-admin"))
    );
    let (status, body, _) = app
        .team_post(&path(ani.id), json!({}), Some(&ani_session))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("own-account"))
    );
    let (status, _, _) = app
        .team_post(&path(999), json!({}), Some(&ani_session))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, admin_page) = app.team_view("/team/view/admin", &ani_session).await;
    assert!(
        admin_page.contains("data-action=\"totp-reset\""),
        "{admin_page}"
    );

    let (status, _, _) = app
        .team_post(&path(budi.id), json!({}), Some(&ani_session))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(app.store.totp(budi.id).await.unwrap().is_none());
    assert_eq!(
        app.team_view("/team/view/cases", &budi_session).await.0,
        StatusCode::UNAUTHORIZED,
        "their sessions end"
    );
    let (_, _, cookie) = app.key_login(&budi.identity).await;
    assert!(cookie.is_some(), "the key alone again");
    assert!(
        app.actions_of(&ani, "Ani")
            .await
            .iter()
            .any(|(a, d)| a == "totp-reset" && d == &format!("{{\"investigator\":{}}}", budi.id))
    );
}

#[tokio::test]
async fn roles_change_but_never_ones_own_nor_the_last_admins() {
    let app = app(0).await;
    let ani = admin_member(&app, "Ani").await;
    let budi = member(&app, "Budi").await;
    let ani_session = app.team_login(&ani.identity).await;
    let budi_session = app.team_login(&budi.identity).await;
    let role = |id: i64| format!("/team/api/investigators/{id}/role");

    assert_eq!(
        app.team_view("/team/view/admin", &budi_session).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, _, _) = app
        .team_post(
            &role(ani.id),
            json!({ "admin": false }),
            Some(&budi_session),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body, _) = app
        .team_post(&role(ani.id), json!({ "admin": false }), Some(&ani_session))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("own-account"))
    );
    let (status, _, _) = app
        .team_post(&role(budi.id), json!({ "admin": "ya" }), Some(&ani_session))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Budi becomes an admin: at his next request, in the session he has.
    let (status, _, _) = app
        .team_post(&role(budi.id), json!({ "admin": true }), Some(&ani_session))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.team_view("/team/view/admin", &budi_session).await.0,
        StatusCode::OK
    );
    // And takes Ani's role away; Ani is out of the admin view at once.
    let (status, _, _) = app
        .team_post(
            &role(ani.id),
            json!({ "admin": false }),
            Some(&budi_session),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.team_view("/team/view/admin", &ani_session).await.0,
        StatusCode::FORBIDDEN
    );

    // Budi is the last admin: nobody, not even the operator, takes that away.
    let last = app
        .store
        .set_admin(
            budi.id,
            false,
            &crate::audit::AuditEvent::new("operator:test", crate::audit::Action::InvestigatorRole),
        )
        .await;
    assert!(matches!(last, Err(StoreError::LastAdmin)), "{last:?}");
    let (_, admin_page) = app.team_view("/team/view/admin", &budi_session).await;
    assert!(admin_page.contains("data-action=\"role\""), "{admin_page}");

    let role_entry = |actions: &[(String, String)], admin: bool, id: i64| {
        actions.iter().any(|(action, detail)| {
            action == "investigator-role"
                && detail.contains(&format!("\"admin\":{admin}"))
                && detail.contains(&format!("\"investigator\":{id}"))
        })
    };
    let ani_actions = app.actions_of(&ani, "Ani").await;
    assert!(role_entry(&ani_actions, true, budi.id), "{ani_actions:?}");
    let budi_actions = app.actions_of(&budi, "Budi").await;
    assert!(role_entry(&budi_actions, false, ani.id), "{budi_actions:?}");
    let log = app.store.audit_log().await.unwrap();
    assert!(crate::audit::verify(&log).is_ok());
    assert_eq!(
        log.iter()
            .filter(|e| e.action == "investigator-role")
            .count(),
        2,
        "none for the refusals"
    );
}
