//! The workspace API's replies: a refusal as `{"error": code, "message": text}` in the
//! investigator's language, what store and case errors become, the CSRF and body check every
//! POST starts with, and `Cache-Control: no-store`.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kentongan_templates::strings::{Lang, TeamError, team_error};
use serde_json::json;

use super::cookies;
use crate::casework::CaseError;
use crate::store::StoreError;

pub(super) fn store_refusal(lang: Lang, e: &StoreError) -> Response {
    match e {
        StoreError::NotFound => refuse(lang, StatusCode::NOT_FOUND, TeamError::NoCase),
        other => {
            tracing::error!("team: the store failed: {other}");
            refuse(lang, StatusCode::SERVICE_UNAVAILABLE, TeamError::StoreDown)
        }
    }
}

pub(super) fn case_refusal(lang: Lang, e: CaseError) -> Response {
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
pub(super) fn refuse(lang: Lang, status: StatusCode, error: TeamError) -> Response {
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
pub(super) fn checked_body<T>(
    lang: Lang,
    headers: &HeaderMap,
    body: Result<Json<T>, JsonRejection>,
) -> Result<Json<T>, Response> {
    if !cookies::header_matches(headers) {
        return Err(refuse(lang, StatusCode::FORBIDDEN, TeamError::CsrfFailed));
    }
    body.map_err(|_| refuse(lang, StatusCode::BAD_REQUEST, TeamError::BadRequest))
}

pub(super) fn no_store(body: impl IntoResponse) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], body).into_response()
}
