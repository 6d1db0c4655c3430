//! The investigators' workspace, `/team`: key login and the views the page loads.
//!
//! The page (`GET /team`) stays loaded while the investigator works: their key, unlocked in
//! the page's crypto worker, would die with a navigation. Logging in:
//! 1. the worker unlocks the key file and tells the page its public key;
//! 2. `POST /team/api/challenge {recipient}`: for a registered, active investigator the
//!    server encrypts a fresh challenge to that key ([`kentongan_crypto::challenge`]);
//! 3. the worker decrypts it, and `POST /team/api/login {challenge, answer}` starts a
//!    session (cookie `kentongan_team`, `HttpOnly`, `SameSite=Strict`, `Path=/team`,
//!    always `Secure`).
//!
//! An investigator with a second factor (TOTP) must also give a code before the session
//! starts (`access`); when the team requires one and they have none yet, their session may
//! do nothing but enrol.
//!
//! Every view and action checks the session and that its investigator is still active in the
//! store, so disabling someone shuts them out at their next request, on every instance.
//! What touches a case's content or workflow (reply, note, move, grant) also needs the
//! investigator to hold the case's key: the server cannot check what is sealed, but it can
//! keep colleagues without access from writing to a reporter or closing a case. POSTs carry
//! the CSRF header like the reporter's API.

// Helpers return the error response itself; it is built at most once per request.
#![allow(clippy::result_large_err)]

use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use kentongan_templates::strings::{Lang, TeamError, team_error};
use serde_json::json;

use super::{AppState, LangQuery, cookies, html};
use crate::casework::CaseError;
use crate::store::StoreError;

mod access;
mod actions;
mod admin;
mod case;
mod cases;
mod login;

use actions::must_hold;
use cases::{active_team, category_options};
use login::{session_ended, session_of, start_session};

const SESSION_COOKIE: &str = "kentongan_team";
/// Logins and small actions: a public key, a challenge answer.
const API_LIMIT: usize = 16 * 1024;
/// A reply file: a message of at most 128 KiB padded, in base64, and its wrapping.
const REPLY_LIMIT: usize = 256 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/team", get(page))
        // A case's link, opened in a new tab: the workspace, which asks for the key first.
        .route("/team/cases/{id}", get(page))
        .merge(login::routes())
        .merge(cases::routes())
        .merge(case::routes())
        .merge(actions::routes())
        .merge(admin::routes())
        .merge(access::routes())
}

/// The workspace page. It always starts at the key login: a session alone cannot open a
/// case, the key can.
async fn page(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = q.lang();
    let token = cookies::csrf_token(&headers).unwrap_or_else(cookies::new_token);
    let mut response = html(
        StatusCode::OK,
        kentongan_templates::team_page(lang, &state.0.office, &token),
    );
    response.headers_mut().append(
        header::SET_COOKIE,
        cookies::set_cookie(&token, state.secure_cookies(&headers)),
    );
    response
}

fn store_refusal(lang: Lang, e: &StoreError) -> Response {
    match e {
        StoreError::NotFound => refuse(lang, StatusCode::NOT_FOUND, TeamError::NoCase),
        other => {
            tracing::error!("team: the store failed: {other}");
            refuse(lang, StatusCode::SERVICE_UNAVAILABLE, TeamError::StoreDown)
        }
    }
}

fn case_refusal(lang: Lang, e: CaseError) -> Response {
    match e {
        CaseError::NoCase(_) => refuse(lang, StatusCode::NOT_FOUND, TeamError::NoCase),
        CaseError::Conflict { .. } => refuse(lang, StatusCode::CONFLICT, TeamError::CaseChanged),
        CaseError::Move(_) | CaseError::UnknownStage(_) => {
            refuse(lang, StatusCode::BAD_REQUEST, TeamError::BadMove)
        }
        CaseError::NeedsReason { .. } => {
            refuse(lang, StatusCode::BAD_REQUEST, TeamError::NeedsMessage)
        }
        CaseError::Store(e) => store_refusal(lang, &e),
        CaseError::NotInvestigator { .. }
        | CaseError::InvestigatorDisabled { .. }
        | CaseError::NoActiveInvestigator(_)
        | CaseError::AlreadyHolds { .. } => {
            refuse(lang, StatusCode::BAD_REQUEST, TeamError::Colleague)
        }
        CaseError::UnknownCategory { .. } => {
            refuse(lang, StatusCode::BAD_REQUEST, TeamError::BadRequest)
        }
        // Another case's file, another key, a duplicate, or damage: the browser sealed
        // something that is not this case's.
        CaseError::WrongCase { .. }
        | CaseError::WrongKey { .. }
        | CaseError::AlreadyImported { .. }
        | CaseError::Damaged { .. } => {
            refuse(lang, StatusCode::BAD_REQUEST, TeamError::BadCiphertext)
        }
        other => {
            tracing::error!("team: a case action failed: {other}");
            refuse(lang, StatusCode::INTERNAL_SERVER_ERROR, TeamError::Internal)
        }
    }
}

/// `{"error": code, "message": text}`, as client.js expects of a refusal.
fn refuse(lang: Lang, status: StatusCode, error: TeamError) -> Response {
    let code = match error {
        TeamError::UnknownKey => "unknown-key",
        TeamError::WrongAnswer => "challenge",
        TeamError::SessionEnded => "session",
        TeamError::CsrfFailed => "csrf",
        TeamError::BadRequest => "bad-request",
        TeamError::Busy => "busy",
        TeamError::StoreDown => "store-down",
        TeamError::Internal => "internal",
        TeamError::NoCase => "no-case",
        TeamError::CaseChanged => "case-changed",
        TeamError::BadMove => "bad-move",
        TeamError::NeedsMessage => "needs-message",
        TeamError::BadCiphertext => "bad-ciphertext",
        TeamError::Colleague => "colleague",
        TeamError::NotAdmin => "not-admin",
        TeamError::BadKey => "bad-key",
        TeamError::DuplicateKey => "duplicate-key",
        TeamError::BadName => "bad-name",
        TeamError::NoKey => "no-key",
        TeamError::NeedsSecondFactor => "totp-required",
        TeamError::WrongCode => "wrong-code",
        TeamError::CodeExpired => "code-expired",
        TeamError::TooManyCodes => "too-many-codes",
        TeamError::SecondFactorMandatory => "totp-mandatory",
        TeamError::SecondFactorOn => "totp-on",
        TeamError::LastAdmin => "last-admin",
        TeamError::OwnAccount => "own-account",
        TeamError::EnrolFirst => "enrol-first",
    };
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({ "error": code, "message": team_error(lang, error) })),
    )
        .into_response()
}

/// The CSRF header and a well-formed body, or the refusal.
fn checked_body<T>(
    lang: Lang,
    headers: &HeaderMap,
    body: Result<Json<T>, JsonRejection>,
) -> Result<Json<T>, Response> {
    if !cookies::header_matches(headers) {
        return Err(refuse(lang, StatusCode::FORBIDDEN, TeamError::CsrfFailed));
    }
    body.map_err(|_| refuse(lang, StatusCode::BAD_REQUEST, TeamError::BadRequest))
}

fn no_store(body: impl IntoResponse) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], body).into_response()
}
