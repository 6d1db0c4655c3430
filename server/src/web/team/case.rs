//! One case for the browser to open (still sealed), its bundle for the keytool, and its
//! attachments' ciphertext.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use kentongan_crypto::bundle::ItemKind;
use kentongan_templates::strings::TeamError;
use kentongan_templates::{Shown, TeamCase, TeamStep};
use serde_json::json;

use super::*;
use crate::audit;
use crate::store::StoredCase;
use crate::workflow::Stage;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/team/api/cases/{id}", get(case))
        .route("/team/api/cases/{id}/export", get(export))
        .route("/team/api/attachments/{id}", get(attachment))
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
    let moves: Vec<Stage> = stage.map(Stage::moves_offered).unwrap_or_default();
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

/// The case as a bundle for `kentongan-keytool`: ciphertext and public metadata only, for an
/// investigator holding the case's key, and recorded in the audit log like the command
/// line's export before it goes out.
async fn export(
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
    match state.0.store.case(id).await {
        Ok(case) => {
            let holds = case
                .envelopes
                .iter()
                .any(|(holder, _)| holder.as_ref().is_some_and(|(h, _)| *h == me.id));
            if !holds {
                return refuse(lang, StatusCode::FORBIDDEN, TeamError::NoKey);
            }
            let event = audit::AuditEvent::new(
                audit::investigator(me.id, &me.name),
                audit::Action::CaseExport,
            )
            .case(id);
            if let Err(e) = state.0.store.append_audit(&event).await {
                return store_refusal(lang, &e);
            }
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
