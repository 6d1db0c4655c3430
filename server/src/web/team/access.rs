//! Who may log in and manage the team, in the workspace: the second factor (TOTP) at login,
//! turning it on and off, an admin's reset of a colleague's, the team's "mandatory" switch,
//! and roles.
//!
//! Logging in with a second factor: the key's answer (`POST /team/api/login`) gives a pending
//! login instead of a session, and `POST /team/api/login/code {pending, code}` completes it.
//! A code counts once: the store keeps the time step of the last code accepted and accepts
//! only later ones (one step of clock skew either way). Wrong codes are limited per pending
//! login and per investigator (`team_sessions::second_factor` explains the numbers).
//!
//! Enrolling: `POST /team/api/totp/start` shows a fresh secret (QR code and text) and keeps it
//! with the session only; `POST /team/api/totp/confirm {code}` stores it once a code from the
//! app proves the app has it. The secret never reaches a log or an audit entry.

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use kentongan_templates::TeamSecurity;
use kentongan_templates::strings::{Lang, TeamError};
use serde::Deserialize;
use serde_json::json;

use super::{
    API_LIMIT, AppState, LangQuery, checked_body, html, no_store, refuse, session_of,
    start_session, store_refusal,
};
use crate::audit::{self, Action, AuditEvent};
use crate::store::{Investigator, StoreError};
use crate::team_sessions::{CodeAttempt, Token};
use crate::totp::{self, TotpSecret};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/team/api/login/code",
            post(login_code).layer(DefaultBodyLimit::max(API_LIMIT)),
        )
        .route("/team/view/security", get(security))
        .route("/team/api/totp/start", post(start))
        .route(
            "/team/api/totp/confirm",
            post(confirm).layer(DefaultBodyLimit::max(API_LIMIT)),
        )
        .route(
            "/team/api/totp/off",
            post(off).layer(DefaultBodyLimit::max(API_LIMIT)),
        )
        .route(
            "/team/api/investigators/{id}/totp-reset",
            post(reset).layer(DefaultBodyLimit::max(API_LIMIT)),
        )
        .route(
            "/team/api/investigators/{id}/role",
            post(role).layer(DefaultBodyLimit::max(API_LIMIT)),
        )
        .route(
            "/team/api/settings/totp",
            post(required).layer(DefaultBodyLimit::max(API_LIMIT)),
        )
}

impl AppState {
    fn unix_now(&self) -> i64 {
        self.0.clock.now().unix_timestamp()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeLogin {
    pending: String,
    code: String,
}

/// The second step of a login: a code from the investigator's authenticator app.
async fn login_code(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    body: Result<Json<CodeLogin>, JsonRejection>,
) -> Response {
    let lang = q.lang();
    let Json(request) = match checked_body(lang, &headers, body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let Some(pending) = Token::parse(&request.pending) else {
        return refuse(lang, StatusCode::BAD_REQUEST, TeamError::BadRequest);
    };
    let id = match state.0.team_sessions.code_attempt(&pending) {
        CodeAttempt::Go(id) => id,
        CodeAttempt::Gone => {
            return refuse(lang, StatusCode::UNAUTHORIZED, TeamError::CodeExpired);
        }
        CodeAttempt::Locked => {
            return refuse(lang, StatusCode::TOO_MANY_REQUESTS, TeamError::TooManyCodes);
        }
    };
    let investigator = match state.investigator(id).await {
        Ok(investigator) => investigator,
        Err(response) => return response(lang),
    };
    let stored = match state.0.store.totp(id).await {
        Ok(Some(stored)) => stored,
        // Reset meanwhile: the key login starts over, and now needs no code.
        Ok(None) => {
            state.0.team_sessions.finish_pending(&pending);
            return refuse(lang, StatusCode::UNAUTHORIZED, TeamError::CodeExpired);
        }
        Err(e) => return store_refusal(lang, &e),
    };
    let accepted = match totp::verify(
        &stored.secret,
        &request.code,
        state.unix_now(),
        stored.last_step,
    ) {
        Some(step) => match state.0.store.use_totp_step(id, &stored.secret, step).await {
            Ok(accepted) => accepted,
            Err(e) => return store_refusal(lang, &e),
        },
        None => false,
    };
    if !accepted {
        tracing::warn!(investigator = id, "team login: a wrong second-factor code");
        return if state.0.team_sessions.wrong_login_code(&pending) {
            refuse(lang, StatusCode::UNAUTHORIZED, TeamError::WrongCode)
        } else {
            refuse(lang, StatusCode::UNAUTHORIZED, TeamError::CodeExpired)
        };
    }
    state.0.team_sessions.finish_pending(&pending);
    start_session(&state, lang, &headers, &investigator, true).await
}

/// The investigator's own second factor: on or off, and what they can do about it.
async fn security(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = q.lang();
    let me = match state.signed_in_to_enrol(&headers).await {
        Ok(me) => me,
        Err(response) => return response(lang),
    };
    let required = match state.0.store.totp_required().await {
        Ok(required) => required,
        Err(e) => return store_refusal(lang, &e),
    };
    let view = TeamSecurity {
        enabled: me.totp,
        required,
    };
    html(
        StatusCode::OK,
        kentongan_templates::team_security(lang, &view),
    )
}

/// A fresh secret for the investigator to add to their app, kept with the session until a
/// code confirms it.
async fn start(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = q.lang();
    let (me, session) = match enrolling(&state, lang, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let secret = TotpSecret::generate();
    let markup = kentongan_templates::team_enrol(
        lang,
        secret.base32().as_str(),
        secret.otpauth_uri(&state.0.office.name, &me.name).as_str(),
    );
    if !state.0.team_sessions.start_enrolment(&session, secret) {
        return super::session_ended()(lang);
    }
    no_store(Json(json!({ "html": markup.into_string() })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Code {
    code: String,
}

/// Stores the secret being enrolled once a code from the app matches it.
async fn confirm(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    body: Result<Json<Code>, JsonRejection>,
) -> Response {
    let lang = q.lang();
    let Json(request) = match checked_body(lang, &headers, body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let (me, session) = match enrolling(&state, lang, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let now = state.unix_now();
    let Some((secret, step)) = state.0.team_sessions.confirm_enrolment(&session, |secret| {
        totp::verify(secret, &request.code, now, None)
    }) else {
        return refuse(lang, StatusCode::BAD_REQUEST, TeamError::WrongCode);
    };
    let event = AuditEvent::new(audit::investigator(me.id, &me.name), Action::TotpEnable)
        .detail("investigator", me.id);
    match state
        .0
        .store
        .enable_totp(me.id, &secret, step, &event)
        .await
    {
        Ok(()) => no_store(Json(json!({ "ok": true }))),
        Err(StoreError::Duplicate) => refuse(lang, StatusCode::CONFLICT, TeamError::SecondFactorOn),
        Err(e) => store_refusal(lang, &e),
    }
}

/// The session's investigator, allowed to enrol: signed in, and without a second factor yet.
async fn enrolling(
    state: &AppState,
    lang: Lang,
    headers: &HeaderMap,
) -> Result<(Investigator, Token), Response> {
    if !super::cookies::header_matches(headers) {
        return Err(refuse(lang, StatusCode::FORBIDDEN, TeamError::CsrfFailed));
    }
    let me = state
        .signed_in_to_enrol(headers)
        .await
        .map_err(|refuse| refuse(lang))?;
    if me.totp {
        return Err(refuse(
            lang,
            StatusCode::CONFLICT,
            TeamError::SecondFactorOn,
        ));
    }
    let session = session_of(headers).ok_or_else(|| super::session_ended()(lang))?;
    Ok((me, session))
}

/// Turns the investigator's own second factor off, with a current code, unless the team
/// requires one.
async fn off(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    body: Result<Json<Code>, JsonRejection>,
) -> Response {
    let lang = q.lang();
    let Json(request) = match checked_body(lang, &headers, body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let me = match state.signed_in(&headers).await {
        Ok(me) => me,
        Err(response) => return response(lang),
    };
    match state.0.store.totp_required().await {
        Ok(false) => {}
        Ok(true) => {
            return refuse(
                lang,
                StatusCode::FORBIDDEN,
                TeamError::SecondFactorMandatory,
            );
        }
        Err(e) => return store_refusal(lang, &e),
    }
    if !state.0.team_sessions.charge_code(me.id) {
        return refuse(lang, StatusCode::TOO_MANY_REQUESTS, TeamError::TooManyCodes);
    }
    let stored = match state.0.store.totp(me.id).await {
        Ok(Some(stored)) => stored,
        Ok(None) => return no_store(Json(json!({ "ok": true }))),
        Err(e) => return store_refusal(lang, &e),
    };
    let accepted = match totp::verify(
        &stored.secret,
        &request.code,
        state.unix_now(),
        stored.last_step,
    ) {
        Some(step) => match state
            .0
            .store
            .use_totp_step(me.id, &stored.secret, step)
            .await
        {
            Ok(accepted) => accepted,
            Err(e) => return store_refusal(lang, &e),
        },
        None => false,
    };
    if !accepted {
        return refuse(lang, StatusCode::BAD_REQUEST, TeamError::WrongCode);
    }
    state.0.team_sessions.right_code(me.id);
    let event = AuditEvent::new(audit::investigator(me.id, &me.name), Action::TotpDisable)
        .detail("investigator", me.id);
    match state.0.store.disable_totp(me.id, &event).await {
        Ok(()) => no_store(Json(json!({ "ok": true }))),
        Err(e) => store_refusal(lang, &e),
    }
}

/// An admin's checks for an action on colleague `id`: CSRF, an admin's session, and not
/// themselves (`own`: the refusal for that).
async fn admin_on_colleague(
    state: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    id: i64,
    own: TeamError,
) -> Result<Investigator, Response> {
    if !super::cookies::header_matches(headers) {
        return Err(refuse(lang, StatusCode::FORBIDDEN, TeamError::CsrfFailed));
    }
    match state.signed_in(headers).await {
        Ok(me) if !me.admin => Err(refuse(lang, StatusCode::FORBIDDEN, TeamError::NotAdmin)),
        Ok(me) if me.id == id => Err(refuse(lang, StatusCode::FORBIDDEN, own)),
        Ok(me) => Ok(me),
        Err(response) => Err(response(lang)),
    }
}

/// Removes a colleague's second factor (a lost phone) and ends their sessions: they log in
/// with the key again and, if the team requires it, enrol a new one.
async fn reset(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = q.lang();
    let me = match admin_on_colleague(&state, lang, &headers, id, TeamError::OwnAccount).await {
        Ok(me) => me,
        Err(response) => return response,
    };
    let event = AuditEvent::new(audit::investigator(me.id, &me.name), Action::TotpReset)
        .detail("investigator", id);
    match state.0.store.disable_totp(id, &event).await {
        Ok(()) => {
            state.0.team_sessions.end_all_of(id);
            no_store(Json(json!({ "ok": true })))
        }
        Err(StoreError::NotFound) => refuse(lang, StatusCode::NOT_FOUND, TeamError::Colleague),
        Err(e) => store_refusal(lang, &e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Role {
    admin: bool,
}

/// Gives a colleague the admin role or takes it away; it counts from their next request.
async fn role(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    body: Result<Json<Role>, JsonRejection>,
) -> Response {
    let lang = q.lang();
    let Json(request) = match checked_body(lang, &headers, body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let me = match admin_on_colleague(&state, lang, &headers, id, TeamError::OwnAccount).await {
        Ok(me) => me,
        Err(response) => return response,
    };
    let event = AuditEvent::new(
        audit::investigator(me.id, &me.name),
        Action::InvestigatorRole,
    )
    .detail("investigator", id)
    .detail("admin", request.admin);
    match state.0.store.set_admin(id, request.admin, &event).await {
        Ok(()) => no_store(Json(json!({ "ok": true }))),
        Err(StoreError::NotFound) => refuse(lang, StatusCode::NOT_FOUND, TeamError::Colleague),
        Err(StoreError::LastAdmin) => refuse(lang, StatusCode::CONFLICT, TeamError::LastAdmin),
        Err(e) => store_refusal(lang, &e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Required {
    required: bool,
}

/// The admin's switch: a second factor for everyone, or for those who want one.
async fn required(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    body: Result<Json<Required>, JsonRejection>,
) -> Response {
    let lang = q.lang();
    let Json(request) = match checked_body(lang, &headers, body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let me = match state.signed_in(&headers).await {
        Ok(me) if me.admin => me,
        Ok(_) => return refuse(lang, StatusCode::FORBIDDEN, TeamError::NotAdmin),
        Err(response) => return response(lang),
    };
    // An admin who requires it has it: someone can always still manage the team.
    if request.required && !me.totp {
        return refuse(lang, StatusCode::CONFLICT, TeamError::EnrolFirst);
    }
    let event = AuditEvent::new(audit::investigator(me.id, &me.name), Action::TotpRequired)
        .detail("required", request.required);
    match state
        .0
        .store
        .set_totp_required(request.required, &event)
        .await
    {
        Ok(()) => no_store(Json(json!({ "ok": true }))),
        Err(e) => store_refusal(lang, &e),
    }
}
