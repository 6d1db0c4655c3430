//! The admin view: the team with its keys' fingerprints and the audit log; adding and
//! disabling colleagues.

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use kentongan_crypto::Recipient;
use kentongan_templates::strings::TeamError;
use kentongan_templates::{AuditLine, TeamAdmin, TeamMember};
use serde::Deserialize;
use serde_json::json;

use super::*;
use crate::audit;
use crate::casework::{self};
use crate::store::StoreError;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/team/view/admin", get(admin))
        .route(
            "/team/api/investigators",
            post(add_investigator).layer(DefaultBodyLimit::max(API_LIMIT)),
        )
        .route(
            "/team/api/investigators/{id}/disable",
            post(disable_investigator),
        )
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
                at: format!(
                    "{} {:02}:{:02}",
                    entry.at.date(),
                    entry.at.hour(),
                    entry.at.minute()
                ),
                actor: entry.actor.clone(),
                action: entry.action.clone(),
                case: entry.case,
                detail: readable_detail(&entry.detail),
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

/// An audit entry's detail (a JSON object) as `key: value` lines, for people; anything else
/// as it is. `kentongan audit list --json` keeps the JSON.
fn readable_detail(detail: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(detail) {
        Ok(serde_json::Value::Object(fields)) => fields
            .iter()
            .map(|(key, value)| match value {
                serde_json::Value::String(text) => format!("{key}: {text}"),
                other => format!("{key}: {other}"),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        _ => detail.to_owned(),
    }
}
