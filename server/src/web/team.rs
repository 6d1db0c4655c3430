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

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::get;

use super::{AppState, LangQuery, cookies, html};

mod access;
mod actions;
mod admin;
mod case;
mod cases;
mod login;
mod replies;

use actions::must_hold;
use cases::{active_team, category_options};
use login::{session_ended, session_of, start_session};
use replies::{case_refusal, checked_body, no_store, refuse, store_refusal};

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
