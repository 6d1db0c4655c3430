//! What an investigator does to a case: reply, move, note and grant (sealed in the browser,
//! checked as the keytool's files are), assign and classify (metadata).

use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use axum::{Json, Router};
use kentongan_crypto::{Grant, Note, Reply};
use kentongan_templates::strings::{Lang, TeamError};
use serde::Deserialize;
use serde_json::json;

use super::*;
use crate::audit;
use crate::casework::{self};
use crate::store::Investigator;
use crate::workflow::Stage;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/team/api/cases/{id}/reply",
            post(reply).layer(DefaultBodyLimit::max(REPLY_LIMIT)),
        )
        .route(
            "/team/api/cases/{id}/move",
            post(move_case).layer(DefaultBodyLimit::max(REPLY_LIMIT)),
        )
        .route(
            "/team/api/cases/{id}/note",
            post(note).layer(DefaultBodyLimit::max(REPLY_LIMIT)),
        )
        .route(
            "/team/api/cases/{id}/grant",
            post(grant).layer(DefaultBodyLimit::max(API_LIMIT)),
        )
        .route(
            "/team/api/cases/{id}/assign",
            post(assign).layer(DefaultBodyLimit::max(API_LIMIT)),
        )
        .route(
            "/team/api/cases/{id}/classify",
            post(classify).layer(DefaultBodyLimit::max(API_LIMIT)),
        )
}

/// A reply to the reporter, sealed in the browser as a reply file: checked exactly as one
/// made offline with `kentongan-keytool reply`.
async fn reply(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang = q.lang();
    let me = match holder_posting(&state, lang, &headers, id).await {
        Ok(me) => me,
        Err(response) => return response,
    };
    let Ok(reply) = Reply::parse(&body) else {
        return refuse(lang, StatusCode::BAD_REQUEST, TeamError::BadCiphertext);
    };
    let actor = audit::investigator(me.id, &me.name);
    match casework::import_reply(&*state.0.store, id, &reply, state.today(), &actor).await {
        Ok(item) => no_store((StatusCode::CREATED, Json(json!({ "item": item })))),
        Err(e) => case_refusal(lang, e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MoveRequest {
    /// The stage the investigator saw: the move is refused if the case is elsewhere now.
    from: String,
    to: String,
    /// A reply file: the message to the reporter that comes with the move.
    #[serde(default)]
    reply: Option<serde_json::Value>,
}

/// Moves the case, recording the investigator as who moved it.
async fn move_case(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    body: Result<Json<MoveRequest>, JsonRejection>,
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
    if let Err(response) = must_hold(&state, lang, id, &me).await {
        return response;
    }
    let (Ok(from), Ok(to)) = (request.from.parse::<Stage>(), request.to.parse::<Stage>()) else {
        return refuse(lang, StatusCode::BAD_REQUEST, TeamError::BadMove);
    };
    let reply = match request.reply.map(|value| serde_json::to_vec(&value)) {
        None => None,
        Some(Ok(bytes)) => match Reply::parse(&bytes) {
            Ok(reply) => Some(reply),
            Err(_) => return refuse(lang, StatusCode::BAD_REQUEST, TeamError::BadCiphertext),
        },
        Some(Err(_)) => return refuse(lang, StatusCode::BAD_REQUEST, TeamError::BadRequest),
    };
    match state.0.store.case(id).await {
        Ok(case) if case.stage != from.slug() => {
            return refuse(lang, StatusCode::CONFLICT, TeamError::CaseChanged);
        }
        Ok(_) => {}
        Err(e) => return store_refusal(lang, &e),
    }
    // Within casework's name limit whatever the name's length: the id says who it was.
    let by = format!(
        "{} (#{})",
        me.name.chars().take(150).collect::<String>(),
        me.id
    );
    let actor = audit::investigator(me.id, &me.name);
    match casework::move_case(
        &*state.0.store,
        id,
        to,
        &by,
        reply.as_ref(),
        state.today(),
        &actor,
    )
    .await
    {
        Ok(_) => no_store(Json(json!({ "ok": true }))),
        Err(e) => case_refusal(lang, e),
    }
}

/// An internal note, sealed in the browser to the notes key as a note file: checked exactly
/// as one made with `kentongan-keytool note`.
async fn note(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang = q.lang();
    let me = match holder_posting(&state, lang, &headers, id).await {
        Ok(me) => me,
        Err(response) => return response,
    };
    let Ok(note) = Note::parse(&body) else {
        return refuse(lang, StatusCode::BAD_REQUEST, TeamError::BadCiphertext);
    };
    let actor = audit::investigator(me.id, &me.name);
    match casework::import_note(&*state.0.store, id, &note, state.today(), &actor).await {
        Ok(item) => no_store((StatusCode::CREATED, Json(json!({ "item": item })))),
        Err(e) => case_refusal(lang, e),
    }
}

/// Access for another investigator: a grant file sealed in the browser from this
/// investigator's own envelope, checked as one made with `kentongan-keytool grant`.
async fn grant(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang = q.lang();
    let me = match holder_posting(&state, lang, &headers, id).await {
        Ok(me) => me,
        Err(response) => return response,
    };
    let Ok(grant) = Grant::parse(&body) else {
        return refuse(lang, StatusCode::BAD_REQUEST, TeamError::BadCiphertext);
    };
    let actor = audit::investigator(me.id, &me.name);
    match casework::import_grant(&*state.0.store, id, &grant, &actor).await {
        Ok(investigator) => no_store(Json(json!({ "investigator": investigator }))),
        Err(e) => case_refusal(lang, e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignRequest {
    /// `None`: nobody.
    investigator: Option<i64>,
}

async fn assign(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    body: Result<Json<AssignRequest>, JsonRejection>,
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
    let actor = audit::investigator(me.id, &me.name);
    match casework::assign(&*state.0.store, id, request.investigator, &actor).await {
        Ok(()) => no_store(Json(json!({ "ok": true }))),
        Err(e) => case_refusal(lang, e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassifyRequest {
    /// A category slug; `None`: not classified.
    category: Option<String>,
}

async fn classify(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    body: Result<Json<ClassifyRequest>, JsonRejection>,
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
    let actor = audit::investigator(me.id, &me.name);
    let given = request.category.as_deref().unwrap_or("none");
    match casework::classify(&*state.0.store, &state.0.categories, id, given, &actor).await {
        Ok(_) => no_store(Json(json!({ "ok": true }))),
        Err(e) => case_refusal(lang, e),
    }
}

/// The checks of a POST that carries a sealed file for case `id` (reply, note, grant): the
/// CSRF header, the session, and the investigator holding the case's key.
pub(super) async fn holder_posting(
    state: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    id: i64,
) -> Result<Investigator, Response> {
    if !cookies::header_matches(headers) {
        return Err(refuse(lang, StatusCode::FORBIDDEN, TeamError::CsrfFailed));
    }
    let me = state
        .signed_in(headers)
        .await
        .map_err(|refuse| refuse(lang))?;
    must_hold(state, lang, id, &me).await?;
    Ok(me)
}

/// Refuses, unless `me` holds a key envelope for case `id`.
pub(super) async fn must_hold(
    state: &AppState,
    lang: Lang,
    id: i64,
    me: &Investigator,
) -> Result<(), Response> {
    match state.0.store.case(id).await {
        Ok(case)
            if case
                .envelopes
                .iter()
                .any(|(holder, _)| holder.as_ref().is_some_and(|(h, _)| *h == me.id)) =>
        {
            Ok(())
        }
        Ok(_) => Err(refuse(lang, StatusCode::FORBIDDEN, TeamError::NoKey)),
        Err(e) => Err(store_refusal(lang, &e)),
    }
}
