//! Logging in with the key (a challenge encrypted to it, and the answer), logging out, and
//! the session every other view and action checks.

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::post;
use axum::{Json, Router};
use kentongan_crypto::Recipient;
use kentongan_crypto::challenge::{self, Answer};
use kentongan_templates::strings::{Lang, TeamError};
use serde::Deserialize;
use serde_json::json;

use super::*;
use crate::audit;
use crate::store::Investigator;
use crate::team_sessions::{ChallengeId, Token};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/team/api/challenge",
            post(challenge).layer(DefaultBodyLimit::max(API_LIMIT)),
        )
        .route(
            "/team/api/login",
            post(login).layer(DefaultBodyLimit::max(API_LIMIT)),
        )
        .route("/team/api/logout", post(logout))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChallengeRequest {
    recipient: String,
}

/// A challenge for a registered, active investigator's key.
async fn challenge(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    body: Result<Json<ChallengeRequest>, JsonRejection>,
) -> Response {
    let lang = q.lang();
    let Json(request) = match checked_body(lang, &headers, body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let Ok(recipient) = request.recipient.parse::<Recipient>() else {
        return refuse(lang, StatusCode::BAD_REQUEST, TeamError::BadRequest);
    };
    let investigators = match state.0.store.investigators().await {
        Ok(all) => all,
        Err(e) => {
            tracing::error!("team login: cannot read investigators: {e}");
            return refuse(lang, StatusCode::SERVICE_UNAVAILABLE, TeamError::StoreDown);
        }
    };
    // The key is public and so is whether it is registered (the public page lists the team's
    // fingerprint); an unknown and a disabled key get the same answer all the same.
    let Some(investigator) = investigators
        .into_iter()
        .find(|i| i.active && i.recipient == recipient)
    else {
        return refuse(lang, StatusCode::FORBIDDEN, TeamError::UnknownKey);
    };
    let Ok((answer, sealed)) = challenge::issue(&investigator.recipient) else {
        return refuse(lang, StatusCode::INTERNAL_SERVER_ERROR, TeamError::Internal);
    };
    let browser = cookies::csrf_token(&headers).unwrap_or_default();
    let id = state
        .0
        .team_sessions
        .add_challenge(investigator.id, &answer, &browser);
    no_store(Json(json!({ "id": id.to_hex(), "challenge": sealed })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    id: String,
    answer: String,
}

/// The answer to a challenge: a session.
async fn login(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    body: Result<Json<LoginRequest>, JsonRejection>,
) -> Response {
    let lang = q.lang();
    let Json(request) = match checked_body(lang, &headers, body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let (Some(id), Some(answer)) = (
        ChallengeId::parse(&request.id),
        Answer::from_hex(&request.answer),
    ) else {
        return refuse(lang, StatusCode::BAD_REQUEST, TeamError::BadRequest);
    };
    let browser = cookies::csrf_token(&headers).unwrap_or_default();
    let Some(investigator_id) = state.0.team_sessions.answer(&id, &answer, &browser) else {
        return refuse(lang, StatusCode::UNAUTHORIZED, TeamError::WrongAnswer);
    };
    // Disabled between the challenge and the answer: still out.
    let investigator = match state.investigator(investigator_id).await {
        Ok(investigator) => investigator,
        Err(response) => return response(lang),
    };
    if investigator.totp {
        // The key is right; the session waits for a code.
        let Some(pending) = state.0.team_sessions.add_pending(investigator.id) else {
            return refuse(lang, StatusCode::SERVICE_UNAVAILABLE, TeamError::Busy);
        };
        return no_store(Json(json!({ "pending": pending.to_hex() })));
    }
    start_session(&state, lang, &headers, &investigator, false).await
}

/// Starts a session for an investigator who has proved who they are, with its audit entry.
/// The answer tells the page whether they must enrol a second factor first.
pub(super) async fn start_session(
    state: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    investigator: &Investigator,
    with_code: bool,
) -> Response {
    let must_enrol = match state.must_enrol(investigator).await {
        Ok(must) => must,
        Err(refuse) => return refuse(lang),
    };
    if let Some(old) = session_of(headers) {
        state.0.team_sessions.end(&old);
    }
    let Some(token) = state.0.team_sessions.start(investigator.id) else {
        return refuse(lang, StatusCode::SERVICE_UNAVAILABLE, TeamError::Busy);
    };
    // A login is an investigator's action like any other: no session without its entry.
    let mut event = audit::AuditEvent::new(
        audit::investigator(investigator.id, &investigator.name),
        audit::Action::Login,
    );
    if with_code {
        event = event.detail("totp", true);
    }
    if let Err(e) = state.0.store.append_audit(&event).await {
        state.0.team_sessions.end(&token);
        return store_refusal(lang, &e);
    }
    let mut response = no_store(Json(
        json!({ "name": investigator.name, "enrol": must_enrol }),
    ));
    response
        .headers_mut()
        .append(header::SET_COOKIE, session_cookie(Some(token)));
    response
}

/// Ends the session here and now.
async fn logout(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = q.lang();
    if !cookies::header_matches(&headers) {
        return refuse(lang, StatusCode::FORBIDDEN, TeamError::CsrfFailed);
    }
    if let Some(session) = session_of(&headers) {
        state.0.team_sessions.end(&session);
    }
    let mut response = no_store(Json(json!({ "ok": true })));
    response
        .headers_mut()
        .append(header::SET_COOKIE, session_cookie(None));
    response
}

/// A refusal to build once the language is known.
pub(super) type Refuse = Box<dyn FnOnce(Lang) -> Response + Send>;

impl AppState {
    /// The investigator this request's session belongs to, if the session is open and the
    /// investigator still active. Otherwise 401 (the page asks for the key again). When the
    /// team requires a second factor and they have none, 403: only enrolling is allowed
    /// ([`AppState::signed_in_to_enrol`]).
    pub(super) async fn signed_in(&self, headers: &HeaderMap) -> Result<Investigator, Refuse> {
        let me = self.signed_in_to_enrol(headers).await?;
        if self.must_enrol(&me).await? {
            return Err(Box::new(|lang| {
                refuse(lang, StatusCode::FORBIDDEN, TeamError::NeedsSecondFactor)
            }));
        }
        Ok(me)
    }

    /// Whether the team requires a second factor that `investigator` does not have yet.
    pub(super) async fn must_enrol(&self, investigator: &Investigator) -> Result<bool, Refuse> {
        if investigator.totp {
            return Ok(false);
        }
        self.0.store.totp_required().await.map_err(|e| {
            tracing::error!("team: cannot read the team's settings: {e}");
            Box::new(|lang| refuse(lang, StatusCode::SERVICE_UNAVAILABLE, TeamError::StoreDown))
                as Refuse
        })
    }

    /// [`AppState::signed_in`] without the second-factor requirement: for the views and
    /// actions that enrol one.
    pub(super) async fn signed_in_to_enrol(
        &self,
        headers: &HeaderMap,
    ) -> Result<Investigator, Refuse> {
        let session = session_of(headers).ok_or_else(session_ended)?;
        let id = self
            .0
            .team_sessions
            .get(&session)
            .ok_or_else(session_ended)?;
        match self.investigator(id).await {
            Ok(investigator) => Ok(investigator),
            Err(refuse) => {
                self.0.team_sessions.end(&session);
                Err(refuse)
            }
        }
    }

    /// The investigator by id, if still active.
    pub(super) async fn investigator(&self, id: i64) -> Result<Investigator, Refuse> {
        match self.0.store.investigators().await {
            Ok(all) => all
                .into_iter()
                .find(|i| i.id == id && i.active)
                .ok_or_else(session_ended),
            Err(e) => {
                tracing::error!("team: cannot read investigators: {e}");
                Err(Box::new(|lang| {
                    refuse(lang, StatusCode::SERVICE_UNAVAILABLE, TeamError::StoreDown)
                }))
            }
        }
    }
}

pub(super) fn session_ended() -> Refuse {
    Box::new(|lang| {
        let mut response = refuse(lang, StatusCode::UNAUTHORIZED, TeamError::SessionEnded);
        response
            .headers_mut()
            .append(header::SET_COOKIE, session_cookie(None));
        response
    })
}

pub(super) fn session_of(headers: &HeaderMap) -> Option<Token> {
    cookies::value(headers, SESSION_COOKIE).and_then(|v| Token::parse(&v))
}

/// The session cookie: set to `token`, or cleared. Scoped to the workspace, and always
/// `Secure`: browsers accept it over HTTPS and from `localhost`/`127.0.0.1` (local
/// development), and refuse it over plain HTTP elsewhere, so an investigator's session never
/// travels unencrypted across a network, whatever `secure_cookies` says.
pub(super) fn session_cookie(token: Option<Token>) -> HeaderValue {
    let value = match token {
        Some(token) => format!(
            "{SESSION_COOKIE}={}; Path=/team; HttpOnly; SameSite=Strict; Secure",
            token.to_hex()
        ),
        None => {
            format!("{SESSION_COOKIE}=; Path=/team; Max-Age=0; HttpOnly; SameSite=Strict; Secure")
        }
    };
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static(""))
}
