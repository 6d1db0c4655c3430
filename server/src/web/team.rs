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

use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use kentongan_crypto::bundle::ItemKind;
use kentongan_crypto::challenge::{self, Answer};
use kentongan_crypto::{Grant, Note, Recipient, Reply};
use kentongan_templates::strings::{Lang, TeamError, team_error};
use kentongan_templates::{
    AuditLine, DueView, Shown, TeamAdmin, TeamCase, TeamCaseList, TeamCaseRow, TeamFilter,
    TeamMember, TeamStep,
};
use serde::Deserialize;
use serde_json::json;

use super::{AppState, LangQuery, cookies, html};
use crate::audit;
use crate::casework::{self, CaseError};
use crate::store::{Investigator, StoreError, StoredCase};
use crate::team_sessions::{ChallengeId, Token};
use crate::workflow::{Due, Stage};

mod access;

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
        .route(
            "/team/api/challenge",
            post(challenge).layer(DefaultBodyLimit::max(API_LIMIT)),
        )
        .route(
            "/team/api/login",
            post(login).layer(DefaultBodyLimit::max(API_LIMIT)),
        )
        .route("/team/api/logout", post(logout))
        .route("/team/view/cases", get(cases))
        .route("/team/api/cases/{id}", get(case))
        .route("/team/api/cases/{id}/export", get(export))
        .route("/team/api/attachments/{id}", get(attachment))
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
        .route("/team/view/admin", get(admin))
        .route(
            "/team/api/investigators",
            post(add_investigator).layer(DefaultBodyLimit::max(API_LIMIT)),
        )
        .route(
            "/team/api/investigators/{id}/disable",
            post(disable_investigator),
        )
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
        cookies::set_cookie(&token, state.0.secure_cookies),
    );
    response
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
async fn start_session(
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

/// The case list's filters, as the filter form and the tab links send them.
#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    lang: Option<String>,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    due: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    category: String,
    page: Option<u32>,
}

/// Cases per page in the workspace.
const PAGE: u32 = 50;

/// The case list, as a fragment of the workspace page: filtered in the database
/// (`Store::list_cases`), with the counts per stage for the tabs.
async fn cases(
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = q.lang.as_deref().and_then(Lang::parse).unwrap_or_default();
    let me = match state.signed_in(&headers).await {
        Ok(me) => me,
        Err(response) => return response(lang),
    };
    let given = |value: &str| (!value.trim().is_empty()).then(|| value.trim().to_owned());
    let page = q.page.unwrap_or(1).max(1);
    let args = casework::ListArgs {
        stage: given(&q.stage),
        assignee: given(&q.assignee),
        category: given(&q.category),
        overdue: q.due == "overdue",
        due_within: (q.due == "soon").then_some(2),
        sort: Some("newest".to_owned()),
        page,
        limit: PAGE,
    };
    let today = state.today();
    let Ok(query) = casework::case_query(&args, &state.0.categories, today, &state.0.deadlines)
    else {
        return refuse(lang, StatusCode::BAD_REQUEST, TeamError::BadRequest);
    };
    let (list, investigators) = match (
        state.0.store.list_cases(&query).await,
        state.0.store.investigators().await,
    ) {
        (Ok(list), Ok(investigators)) => (list, investigators),
        (Err(e), _) | (_, Err(e)) => return store_refusal(lang, &e),
    };
    let categories = &state.0.categories;
    let rows = list
        .rows
        .iter()
        .map(|row| TeamCaseRow {
            id: row.id,
            stage: row.stage.slug().to_owned(),
            received: row.created_on.to_string(),
            due: due_view(row.due(today, &state.0.deadlines)),
            assignee: row.assignee.as_ref().map(|a| a.name.clone()),
            category: row
                .classification
                .as_deref()
                .map(|slug| categories.label(slug).to_owned()),
            last_activity: row.last_activity_on.to_string(),
        })
        .collect::<Vec<_>>();
    let shown = u64::from(query.offset).saturating_add(rows.len() as u64);
    let view = TeamCaseList {
        counts: Stage::ALL
            .iter()
            .map(|stage| (stage.slug().to_owned(), list.counts.get(*stage)))
            .collect(),
        total: list.total,
        more: shown < list.total,
        rows,
        filter: TeamFilter {
            stage: q.stage,
            due: q.due,
            assignee: q.assignee,
            category: q.category,
        },
        page,
        team: active_team(&investigators),
        categories: category_options(categories),
    };
    html(
        StatusCode::OK,
        kentongan_templates::team_cases(lang, &me.name, me.admin, &view),
    )
}

fn due_view(due: Due) -> DueView {
    match due {
        Due::OnTime { due } => DueView::OnTime(due.to_string()),
        Due::DueToday { .. } => DueView::Today,
        Due::Overdue {
            working_days_late, ..
        } => DueView::Overdue(working_days_late),
        Due::Met => DueView::Met,
    }
}

fn active_team(investigators: &[Investigator]) -> Vec<(i64, String)> {
    investigators
        .iter()
        .filter(|i| i.active)
        .map(|i| (i.id, i.name.clone()))
        .collect()
}

fn category_options(categories: &crate::categories::Categories) -> Vec<(String, String)> {
    categories
        .iter()
        .map(|c| (c.slug.clone(), c.label.clone()))
        .collect()
}

/// One case for the browser: its layout with placeholders, this investigator's envelope, and
/// every item, all still encrypted. Without an envelope for this investigator, only a layout
/// that says so.
async fn case(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = q.lang();
    let me = match state.signed_in(&headers).await {
        Ok(me) => me,
        Err(response) => return response(lang),
    };
    let case = match state.0.store.case(id).await {
        Ok(case) => case,
        Err(e) => return store_refusal(lang, &e),
    };
    let envelope = case
        .envelopes
        .iter()
        .find(|(holder, _)| holder.as_ref().is_some_and(|(holder, _)| *holder == me.id))
        .map(|(_, sealed)| sealed);
    let Some(envelope) = envelope else {
        return no_store(Json(json!({
            "html": kentongan_templates::team_no_key(lang, id).into_string(),
        })));
    };
    let items: Vec<_> = case
        .items
        .iter()
        .map(|item| {
            let attachments: Vec<_> = item
                .attachments
                .iter()
                .map(|a| json!({ "id": a.id, "size": a.size }))
                .collect();
            json!({
                "id": item.id,
                "kind": item.kind,
                "ciphertext": item.ciphertext,
                "attachments": attachments,
            })
        })
        .collect();
    let investigators = match state.0.store.investigators().await {
        Ok(all) => all,
        Err(e) => return store_refusal(lang, &e),
    };
    let mut view = team_view(&case);
    view.team = active_team(&investigators);
    view.categories = category_options(&state.0.categories);
    view.grantable = investigators
        .iter()
        .filter(|i| i.active)
        .filter(|i| {
            !case
                .envelopes
                .iter()
                .any(|(holder, _)| holder.as_ref().is_some_and(|(id, _)| *id == i.id))
        })
        .map(|i| (i.id, i.name.clone(), i.recipient.to_string()))
        .collect();
    no_store(Json(json!({
        "html": kentongan_templates::team_case(lang, &view).into_string(),
        "envelope": envelope,
        "case_recipient": case.case_recipient.to_string(),
        "notes_recipient": case.notes_recipient.to_string(),
        "items": items,
    })))
}

/// The case's layout, every text sealed for the browser to fill in.
fn team_view(case: &StoredCase) -> TeamCase {
    let mut report = Shown::Unreadable;
    let mut conversation = Vec::new();
    let mut notes = Vec::new();
    for item in &case.items {
        let on = item.created_on.to_string();
        match item.kind {
            ItemKind::Report => report = Shown::Sealed(item.id),
            ItemKind::ReporterMessage => conversation.push((true, on, Shown::Sealed(item.id))),
            ItemKind::InvestigatorMessage => {
                conversation.push((false, on, Shown::Sealed(item.id)));
            }
            ItemKind::Note => notes.push((on, Shown::Sealed(item.id))),
            // Shown with the move it came with.
            ItemKind::StageMessage => {}
        }
    }
    let stage = case.stage.parse::<Stage>().ok();
    let moves: Vec<Stage> = stage.map(|s| s.moves().collect()).unwrap_or_default();
    TeamCase {
        case_id: case.id,
        stage: case.stage.clone(),
        created_on: case.created_on.to_string(),
        history: case
            .history
            .iter()
            .map(|event| TeamStep {
                stage: event.stage.clone(),
                on: event.moved_on.to_string(),
                by: event.moved_by.clone(),
                message: event.message.map(Shown::Sealed),
            })
            .collect(),
        report,
        conversation,
        notes,
        moves_needing_message: moves
            .iter()
            .filter(|s| s.requires_reason())
            .map(|s| s.slug().to_owned())
            .collect(),
        moves: moves.iter().map(|s| s.slug().to_owned()).collect(),
        assignee: case.assignee,
        team: Vec::new(),
        classification: case.classification.clone(),
        categories: Vec::new(),
        grantable: Vec::new(),
    }
}

/// The case as a bundle for `kentongan-keytool`: ciphertext and public metadata only.
async fn export(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = q.lang();
    if let Err(response) = state.signed_in(&headers).await {
        return response(lang);
    }
    match state.0.store.case(id).await {
        Ok(case) => {
            let bundle = crate::export::bundle_of(case);
            match serde_json::to_vec_pretty(&bundle) {
                Ok(body) => (
                    [
                        (header::CACHE_CONTROL, "no-store".to_owned()),
                        (header::CONTENT_TYPE, "application/json".to_owned()),
                        (
                            header::CONTENT_DISPOSITION,
                            format!("attachment; filename=\"kasus-{id}.json\""),
                        ),
                    ],
                    body,
                )
                    .into_response(),
                Err(_) => refuse(lang, StatusCode::INTERNAL_SERVER_ERROR, TeamError::Internal),
            }
        }
        Err(e) => store_refusal(lang, &e),
    }
}

/// An attachment's ciphertext, for an investigator holding its case's key: streamed piece by
/// piece as stored (never whole in memory), and recorded in the audit log like an export,
/// before the first byte goes out.
async fn attachment(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = q.lang();
    let me = match state.signed_in(&headers).await {
        Ok(me) => me,
        Err(response) => return response(lang),
    };
    let file = match state.0.store.attachment_case(id).await {
        Ok(file) => file,
        Err(e) => return store_refusal(lang, &e),
    };
    if let Err(response) = must_hold(&state, lang, file.case_id, &me).await {
        return response;
    }
    let event = audit::AuditEvent::new(
        audit::investigator(me.id, &me.name),
        audit::Action::AttachmentDownload,
    )
    .case(file.case_id)
    .detail("attachment", id);
    if let Err(e) = state.0.store.append_audit(&event).await {
        return store_refusal(lang, &e);
    }
    let store = state.0.store.clone();
    let pieces = futures_util::stream::unfold(Some(0u32), move |seq| {
        let store = store.clone();
        async move {
            let seq = seq?;
            match store.attachment_chunk(id, seq).await {
                Ok(Some(piece)) => Some((Ok(Bytes::from(piece)), seq.checked_add(1))),
                Ok(None) => None,
                // The client sees the body end short of its Content-Length.
                Err(e) => {
                    tracing::error!("team: reading an attachment failed: {e}");
                    Some((Err(std::io::Error::other("the store failed")), None))
                }
            }
        }
    });
    (
        [
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (header::CONTENT_LENGTH, file.size.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"lampiran-{id}.age\""),
            ),
        ],
        axum::body::Body::from_stream(pieces),
    )
        .into_response()
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

/// The admin view: the team with its keys' fingerprints, and the audit log, verified.
async fn admin(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = q.lang();
    let me = match state.signed_in(&headers).await {
        Ok(me) if me.admin => me,
        Ok(_) => return refuse(lang, StatusCode::FORBIDDEN, TeamError::NotAdmin),
        Err(response) => return response(lang),
    };
    let (investigators, log, totp_required) = match (
        state.0.store.investigators().await,
        state.0.store.audit_log().await,
        state.0.store.totp_required().await,
    ) {
        (Ok(investigators), Ok(log), Ok(required)) => (investigators, log, required),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return store_refusal(lang, &e),
    };
    let audit_state = audit::verify(&log)
        .map(|intact| (intact.count, hex::encode(intact.head)))
        .map_err(|broken| broken.to_string());
    let team: Vec<_> = investigators
        .iter()
        .filter(|i| i.active)
        .map(|i| i.recipient.clone())
        .collect();
    let view = TeamAdmin {
        me: me.id,
        team_fingerprint: (!team.is_empty()).then(|| kentongan_crypto::keys::fingerprint_of(&team)),
        members: investigators
            .iter()
            .map(|i| TeamMember {
                id: i.id,
                name: i.name.clone(),
                admin: i.admin,
                active: i.active,
                fingerprint: i.recipient.fingerprint(),
                added_on: i.added_on.to_string(),
                totp: i.totp,
            })
            .collect(),
        audit_state,
        audit: log
            .iter()
            .rev()
            .take(AUDIT_SHOWN)
            .map(|entry| AuditLine {
                seq: entry.seq,
                at: format!("{} {}", entry.at.date(), entry.at.time()),
                actor: entry.actor.clone(),
                action: entry.action.clone(),
                case: entry.case,
                detail: entry.detail.clone(),
            })
            .collect(),
        totp_required,
    };
    html(StatusCode::OK, kentongan_templates::team_admin(lang, &view))
}

/// The newest audit entries the admin view shows (`kentongan audit list` has them all).
const AUDIT_SHOWN: usize = 200;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddInvestigator {
    name: String,
    /// The pasted `age1…` public key.
    recipient: String,
    #[serde(default)]
    admin: bool,
}

/// Registers a colleague by the public key they made with `kentongan-keytool generate`. New
/// reports are sealed to them from the next one on (the team is re-read within seconds).
async fn add_investigator(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    body: Result<Json<AddInvestigator>, JsonRejection>,
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
    let Ok(name) = casework::check_name(&request.name) else {
        return refuse(lang, StatusCode::BAD_REQUEST, TeamError::BadName);
    };
    let Ok(recipient) = request.recipient.trim().parse::<Recipient>() else {
        return refuse(lang, StatusCode::BAD_REQUEST, TeamError::BadKey);
    };
    let event = audit::AuditEvent::new(
        audit::investigator(me.id, &me.name),
        audit::Action::InvestigatorAdd,
    )
    .detail("name", name)
    .detail("recipient", recipient.to_string())
    .detail("admin", request.admin);
    match state
        .0
        .store
        .add_investigator(name, &recipient, request.admin, state.today(), &event)
        .await
    {
        Ok(added) => {
            state.0.team.invalidate().await;
            no_store((StatusCode::CREATED, Json(json!({ "id": added.id }))))
        }
        Err(StoreError::Duplicate) => refuse(lang, StatusCode::CONFLICT, TeamError::DuplicateKey),
        Err(e) => store_refusal(lang, &e),
    }
}

/// Disables a colleague: no new report is sealed to them, and their sessions end at once.
/// Nobody disables themselves here (the last admin would lock the office out).
async fn disable_investigator(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = q.lang();
    if !cookies::header_matches(&headers) {
        return refuse(lang, StatusCode::FORBIDDEN, TeamError::CsrfFailed);
    }
    let me = match state.signed_in(&headers).await {
        Ok(me) if me.admin && me.id != id => me,
        Ok(_) => return refuse(lang, StatusCode::FORBIDDEN, TeamError::NotAdmin),
        Err(response) => return response(lang),
    };
    let event = audit::AuditEvent::new(
        audit::investigator(me.id, &me.name),
        audit::Action::InvestigatorDisable,
    );
    match state.0.store.disable_investigator(id, &event).await {
        Ok(()) => {
            state.0.team_sessions.end_all_of(id);
            state.0.team.invalidate().await;
            no_store(Json(json!({ "ok": true })))
        }
        Err(StoreError::NotFound) => refuse(lang, StatusCode::NOT_FOUND, TeamError::Colleague),
        Err(e) => store_refusal(lang, &e),
    }
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

/// The checks of a POST that carries a sealed file for case `id` (reply, note, grant): the
/// CSRF header, the session, and the investigator holding the case's key.
async fn holder_posting(
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
async fn must_hold(
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

/// A refusal to build once the language is known.
type Refuse = Box<dyn FnOnce(Lang) -> Response + Send>;

impl AppState {
    /// The investigator this request's session belongs to, if the session is open and the
    /// investigator still active. Otherwise 401 (the page asks for the key again). When the
    /// team requires a second factor and they have none, 403: only enrolling is allowed
    /// ([`AppState::signed_in_to_enrol`]).
    async fn signed_in(&self, headers: &HeaderMap) -> Result<Investigator, Refuse> {
        let me = self.signed_in_to_enrol(headers).await?;
        if self.must_enrol(&me).await? {
            return Err(Box::new(|lang| {
                refuse(lang, StatusCode::FORBIDDEN, TeamError::NeedsSecondFactor)
            }));
        }
        Ok(me)
    }

    /// Whether the team requires a second factor that `investigator` does not have yet.
    async fn must_enrol(&self, investigator: &Investigator) -> Result<bool, Refuse> {
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
    async fn signed_in_to_enrol(&self, headers: &HeaderMap) -> Result<Investigator, Refuse> {
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
    async fn investigator(&self, id: i64) -> Result<Investigator, Refuse> {
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

fn session_ended() -> Refuse {
    Box::new(|lang| {
        let mut response = refuse(lang, StatusCode::UNAUTHORIZED, TeamError::SessionEnded);
        response
            .headers_mut()
            .append(header::SET_COOKIE, session_cookie(None));
        response
    })
}

fn session_of(headers: &HeaderMap) -> Option<Token> {
    cookies::value(headers, SESSION_COOKIE).and_then(|v| Token::parse(&v))
}

/// The session cookie: set to `token`, or cleared. Scoped to the workspace, and always
/// `Secure`: browsers accept it over HTTPS and from `localhost`/`127.0.0.1` (local
/// development), and refuse it over plain HTTP elsewhere, so an investigator's session never
/// travels unencrypted across a network, whatever `secure_cookies` says.
fn session_cookie(token: Option<Token>) -> HeaderValue {
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
