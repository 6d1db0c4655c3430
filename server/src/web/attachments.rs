//! Attachments from the reporter's browser, which encrypts each file to the case key
//! (`kentongan_crypto::attachment`) and uploads the ciphertext in pieces:
//!
//! - `POST /api/attachments` → `201 {"upload": TOKEN}`: a new, empty upload;
//! - `PUT /api/attachments/TOKEN?offset=N` with up to [`CHUNK`] bytes → `{"received": M}`, or
//!   `409 {"error": "offset", "received": R}` when `N` is not what arrived (the browser goes
//!   on from `R`, resending nothing), or `413` past the office's limit;
//! - `GET /api/attachments/TOKEN` → `{"received": R, "complete": bool}`;
//! - `POST /api/attachments/TOKEN/complete`: checks what can be checked without a key
//!   ([`attachment::check_length`]) and closes the upload.
//!
//! The report (`/api/reports`) or message then names its uploads, and the store attaches them
//! in the same transaction. Every request carries the CSRF header; errors are
//! `{"error": slug, "message": text}` in `?lang=`. Nothing here logs a token.

// Helpers return the error response itself; it is built at most once per request.
#![allow(clippy::result_large_err)]

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kentongan_crypto::attachment::{self, CHUNK};
use kentongan_templates::strings::{self, FileRefusal, Lang, Message};
use serde::Deserialize;
use serde_json::json;

use super::{AppState, LangQuery, api_error, cookies};
use crate::store::StoreError;
use crate::uploads::UploadToken;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/attachments", post(begin))
        .route(
            "/api/attachments/{token}",
            get(status).put(append).layer(DefaultBodyLimit::max(CHUNK)),
        )
        .route("/api/attachments/{token}/complete", post(complete))
}

#[derive(Debug, Deserialize)]
struct PieceQuery {
    offset: Option<u64>,
    lang: Option<String>,
}

async fn begin(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = q.lang();
    if !cookies::header_matches(&headers) {
        return api_error(lang, StatusCode::FORBIDDEN, "csrf", Message::CsrfFailed);
    }
    // A taken token hash is a random collision: draw again.
    for _ in 0..3 {
        let token = UploadToken::generate();
        match state
            .0
            .store
            .begin_attachment(
                &token.hash(),
                state.today(),
                state.0.attachments.unattached(),
            )
            .await
        {
            Ok(_) => {
                return (
                    StatusCode::CREATED,
                    no_store(),
                    Json(json!({ "upload": token.encode() })),
                )
                    .into_response();
            }
            Err(StoreError::Duplicate) => continue,
            Err(StoreError::UploadsFull) => return no_room(lang),
            Err(e) => return store_down(lang, &e),
        }
    }
    api_error(
        lang,
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        Message::Internal,
    )
}

async fn append(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<PieceQuery>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let lang = q.lang.as_deref().and_then(Lang::parse).unwrap_or_default();
    if !cookies::header_matches(&headers) {
        return api_error(lang, StatusCode::FORBIDDEN, "csrf", Message::CsrfFailed);
    }
    let Some(token) = UploadToken::parse(&token) else {
        return no_upload(lang);
    };
    let limits = state.0.attachments;
    // A piece over CHUNK is not something the page sends: a bad request, not "too large".
    let Ok(body) = body else {
        return bad_request(lang);
    };
    // Pieces are exactly CHUNK bytes, the last one shorter: each starts at a multiple of
    // CHUNK, so piece `n` is stored row `n` and nothing follows a short piece.
    let Some(offset) = q.offset.filter(|offset| offset % CHUNK as u64 == 0) else {
        return bad_request(lang);
    };
    if body.is_empty() {
        return bad_request(lang);
    }
    let hash = token.hash();
    match state
        .0
        .store
        .append_attachment(
            &hash,
            offset,
            &body,
            limits.max_sealed_len(),
            limits.unattached(),
        )
        .await
    {
        Ok(received) => (no_store(), Json(json!({ "received": received }))).into_response(),
        Err(StoreError::Conflict) => match state.0.store.attachment_upload(&hash).await {
            Ok(Some(upload)) => (
                StatusCode::CONFLICT,
                no_store(),
                Json(json!({
                    "error": "offset",
                    "received": upload.received,
                    "message": strings::file_refusal(lang, FileRefusal::Interrupted),
                })),
            )
                .into_response(),
            Ok(None) => no_upload(lang),
            Err(e) => store_down(lang, &e),
        },
        Err(StoreError::UploadTooLarge) => refusal(
            lang,
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            FileRefusal::TooLarge {
                max_bytes: limits.max_file_bytes,
            },
        ),
        Err(StoreError::UploadClosed) => refusal(
            lang,
            StatusCode::CONFLICT,
            "closed",
            FileRefusal::Interrupted,
        ),
        Err(StoreError::UploadsFull) => no_room(lang),
        Err(StoreError::NotFound) => no_upload(lang),
        Err(e) => store_down(lang, &e),
    }
}

async fn status(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = q.lang();
    if !cookies::header_matches(&headers) {
        return api_error(lang, StatusCode::FORBIDDEN, "csrf", Message::CsrfFailed);
    }
    let Some(token) = UploadToken::parse(&token) else {
        return no_upload(lang);
    };
    match state.0.store.attachment_upload(&token.hash()).await {
        Ok(Some(upload)) => (
            no_store(),
            Json(json!({ "received": upload.received, "complete": upload.complete })),
        )
            .into_response(),
        Ok(None) => no_upload(lang),
        Err(e) => store_down(lang, &e),
    }
}

async fn complete(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = q.lang();
    if !cookies::header_matches(&headers) {
        return api_error(lang, StatusCode::FORBIDDEN, "csrf", Message::CsrfFailed);
    }
    let Some(token) = UploadToken::parse(&token) else {
        return no_upload(lang);
    };
    let hash = token.hash();
    let store = &state.0.store;
    let upload = match store.attachment_upload(&hash).await {
        Ok(Some(upload)) => upload,
        Ok(None) => return no_upload(lang),
        Err(e) => return store_down(lang, &e),
    };
    let done = || {
        (
            no_store(),
            Json(json!({ "received": upload.received, "complete": true })),
        )
            .into_response()
    };
    // A retried request whose answer was lost.
    if upload.complete {
        return done();
    }
    let first = match store.attachment_chunk(upload.id, 0).await {
        Ok(first) => first.unwrap_or_default(),
        Err(e) => return store_down(lang, &e),
    };
    let max_file_bytes = state.0.attachments.max_file_bytes;
    if let Err(e) = attachment::check_length(&first, upload.received, max_file_bytes) {
        tracing::info!("refused an uploaded attachment: {e}");
        // Useless to anyone: gone now rather than with tomorrow's sweep.
        if let Err(e) = store.discard_upload(&hash).await {
            tracing::warn!("discarding a refused upload failed: {e}");
        }
        return refusal(
            lang,
            StatusCode::BAD_REQUEST,
            "bad-ciphertext",
            FileRefusal::BadFile,
        );
    }
    match store.complete_attachment(&hash).await {
        Ok(()) => done(),
        Err(StoreError::NotFound) => no_upload(lang),
        Err(e) => store_down(lang, &e),
    }
}

/// The token hashes of the uploads a report or message names: at most `max_files`, each a
/// well-formed token. The refusal otherwise.
pub(super) fn named_uploads(
    state: &AppState,
    lang: Lang,
    tokens: &[String],
) -> Result<Vec<[u8; 32]>, Response> {
    let max = state.0.attachments.max_files;
    if tokens.len() > max {
        return Err(refusal(
            lang,
            StatusCode::BAD_REQUEST,
            "too-many-files",
            FileRefusal::TooMany { max },
        ));
    }
    tokens
        .iter()
        .map(|token| UploadToken::parse(token).map(|token| token.hash()))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| not_ready(lang))
}

/// A report or message named an upload the store would not attach.
pub(super) fn not_ready(lang: Lang) -> Response {
    refusal(
        lang,
        StatusCode::CONFLICT,
        "attachments",
        FileRefusal::NotReady,
    )
}

fn refusal(lang: Lang, status: StatusCode, code: &'static str, why: FileRefusal) -> Response {
    (
        status,
        no_store(),
        Json(json!({ "error": code, "message": strings::file_refusal(lang, why) })),
    )
        .into_response()
}

fn no_upload(lang: Lang) -> Response {
    refusal(
        lang,
        StatusCode::NOT_FOUND,
        "no-upload",
        FileRefusal::Interrupted,
    )
}

/// Unattached uploads hold what the office allows (`[attachments] max_pending_*`).
fn no_room(lang: Lang) -> Response {
    refusal(
        lang,
        StatusCode::SERVICE_UNAVAILABLE,
        "no-room",
        FileRefusal::NoRoom,
    )
}

fn bad_request(lang: Lang) -> Response {
    api_error(
        lang,
        StatusCode::BAD_REQUEST,
        "bad-request",
        Message::BadRequest,
    )
}

fn store_down(lang: Lang, e: &StoreError) -> Response {
    tracing::error!("attachments: the store failed: {e}");
    api_error(
        lang,
        StatusCode::SERVICE_UNAVAILABLE,
        "store-down",
        Message::StoreDown,
    )
}

fn no_store() -> [(axum::http::HeaderName, &'static str); 1] {
    [(axum::http::header::CACHE_CONTROL, "no-store")]
}
