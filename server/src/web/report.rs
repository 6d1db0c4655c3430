//! Filing a report: the form, its no-JS submission (sealed here, in memory), and the JSON
//! endpoint the browser's own encryption posts to.

use std::time::Instant;

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use kentongan_crypto::keys::fingerprint_of;
use kentongan_crypto::report::{EncryptedIn, FieldError};
use kentongan_crypto::reporter::KdfParams;
use kentongan_crypto::submission::{CheckError, SealError, SealedCase, seal_report_in};
use kentongan_templates::ReportDraft;
use kentongan_templates::strings::{self, FileRefusal, Lang, Message};
use serde::Deserialize;
use serde_json::json;

use super::{AppState, LangQuery, api_error, attachments, cookies, html};
use crate::followup::Refused;
use crate::kdf_pool::{Lane, Refusal};
use crate::store::{NewCase, StoreError};
use crate::team::Team;

mod multipart;

/// A form post: every field at its limit, percent-encoded at up to 12 bytes per character.
const FORM_LIMIT: usize = 512 * 1024;
/// A sealed case: the largest padded report in base64, plus envelopes for a large team.
const SEALED_LIMIT: usize = 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/report",
            // Multipart posts carry files: their limits are checked while streaming
            // (`multipart.rs`); a urlencoded post is limited to FORM_LIMIT below.
            get(form)
                .post(submit_form)
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/api/team", get(team))
        .route(
            "/api/reports",
            post(submit_sealed).layer(DefaultBodyLimit::max(SEALED_LIMIT)),
        )
}

async fn form(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    state
        .form_page(
            q.lang(),
            &headers,
            StatusCode::OK,
            &ReportDraft::default(),
            &[],
            None,
            None,
        )
        .await
}

/// The no-JS form: the report fields plus the CSRF token and the page's language.
#[derive(Default, Deserialize)]
struct FormPost {
    #[serde(flatten)]
    draft: ReportDraft,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    lang: String,
}

/// The no-JS form. Sent as `multipart/form-data` (the page's form, which may carry files:
/// `multipart.rs`), or urlencoded (without files; older pages and simple clients).
async fn submit_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    if super::multipart::is_multipart(&headers) {
        return multipart::submit(state, headers, request).await;
    }
    let request =
        request.map(|body| axum::body::Body::new(http_body_util::Limited::new(body, FORM_LIMIT)));
    let Form(post) = match Form::<FormPost>::from_request(request, &state).await {
        Ok(post) => post,
        Err(rejection) => return state.form_rejected(&rejection),
    };
    let lang = Lang::parse(&post.lang).unwrap_or_default();
    let draft = &post.draft;
    let refuse =
        |status, message| state.form_page(lang, &headers, status, draft, &[], Some(message), None);

    if !cookies::matches(&headers, &post.csrf) {
        return refuse(StatusCode::FORBIDDEN, Message::CsrfFailed).await;
    }
    let team = match state.0.team.get().await {
        Ok(team) => team,
        Err(e) => {
            tracing::error!("cannot read the team: {e}");
            return refuse(StatusCode::SERVICE_UNAVAILABLE, Message::StoreDown).await;
        }
    };
    let report = match draft.to_report(lang, EncryptedIn::Server) {
        Ok(report) => report,
        Err(errors) => {
            return state
                .form_page(
                    lang,
                    &headers,
                    StatusCode::BAD_REQUEST,
                    draft,
                    &errors,
                    Some(Message::InvalidForm),
                    None,
                )
                .await;
        }
    };
    // A receipt collision (1 in 10¹⁶ per pair) is retried with fresh codes.
    for _ in 0..3 {
        // The copy moved into the job is dropped (zeroized) on the blocking thread.
        let (report, recipients) = (report.clone(), team.recipients());
        let sealed = state
            .0
            .kdf
            .run(Lane::Report, move |memory| {
                seal_report_in(&report, &recipients, KdfParams::CURRENT, memory)
            })
            .await;
        let submission = match sealed {
            Ok(Ok(submission)) => submission,
            Err(Refusal::Busy) => {
                return refuse(StatusCode::SERVICE_UNAVAILABLE, Message::Busy).await;
            }
            Ok(Err(SealError::NoInvestigators)) => {
                return refuse(StatusCode::SERVICE_UNAVAILABLE, Message::NoInvestigators).await;
            }
            Ok(Err(e)) => {
                tracing::error!("sealing a no-JS report failed: {e}");
                return refuse(StatusCode::INTERNAL_SERVER_ERROR, Message::Internal).await;
            }
            Err(Refusal::Failed) => {
                tracing::error!("sealing a no-JS report failed: the job panicked");
                return refuse(StatusCode::INTERNAL_SERVER_ERROR, Message::Internal).await;
            }
        };
        let receipt = submission.sealed.receipt.to_string();
        let fingerprint = fingerprint_of(&submission.sealed.commitment.team);
        let case = match new_case(&state, &team, submission.sealed) {
            Some(case) => case,
            None => return refuse(StatusCode::INTERNAL_SERVER_ERROR, Message::Internal).await,
        };
        match state.0.store.create_case(case).await {
            Ok(_) => {
                return html(
                    StatusCode::OK,
                    kentongan_templates::receipt(
                        lang,
                        &state.0.office,
                        &receipt,
                        submission.passphrase.expose_secret(),
                        &fingerprint,
                        EncryptedIn::Server,
                    ),
                );
            }
            Err(StoreError::Duplicate) => continue,
            Err(e) => {
                tracing::error!("storing a report failed: {e}");
                return refuse(StatusCode::SERVICE_UNAVAILABLE, Message::StoreDown).await;
            }
        }
    }
    refuse(StatusCode::INTERNAL_SERVER_ERROR, Message::Internal).await
}

/// The current team's public keys, for the browser to seal a new case to, and the limits
/// for attachments with the words that tell a reporter about them (in `lang`), so the page
/// refuses a file before encrypting it, as the server would.
async fn team(State(state): State<AppState>, Query(q): Query<LangQuery>) -> Response {
    let lang = q.lang();
    let limits = state.0.attachments;
    match state.0.team.get().await {
        Ok(team) => (
            [(header::CACHE_CONTROL, "no-store")],
            Json(json!({
                "recipients": team.recipients(),
                "limits": {
                    "max_file_bytes": limits.max_file_bytes,
                    "max_files": limits.max_files,
                    "chunk": kentongan_crypto::attachment::CHUNK,
                    "too_large": strings::file_refusal(lang, FileRefusal::TooLarge { max_bytes: limits.max_file_bytes }),
                    "too_many": strings::file_refusal(lang, FileRefusal::TooMany { max: limits.max_files }),
                },
            })),
        )
            .into_response(),
        Err(e) => {
            tracing::error!("cannot read the team: {e}");
            api_error(
                Lang::default(),
                StatusCode::SERVICE_UNAVAILABLE,
                "store-down",
                Message::StoreDown,
            )
        }
    }
}

/// A case sealed in the browser. Only ciphertext and public values arrive; the checks are
/// the ones [`SealedCase::check`] can make without keys. The body is a [`SealedCase`] plus
/// `"attachments": [TOKEN, …]`, the complete uploads to attach (see `attachments.rs`).
async fn submit_sealed(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    body: Result<Json<serde_json::Map<String, serde_json::Value>>, JsonRejection>,
) -> Response {
    let lang = q.lang();
    if !cookies::header_matches(&headers) {
        return api_error(lang, StatusCode::FORBIDDEN, "csrf", Message::CsrfFailed);
    }
    let (sealed, tokens) = match body.map(|Json(body)| sealed_post(body)) {
        Ok(Some(post)) => post,
        Ok(None) => {
            return api_error(
                lang,
                StatusCode::BAD_REQUEST,
                "bad-request",
                Message::BadRequest,
            );
        }
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return api_error(
                lang,
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                Message::TooLarge,
            );
        }
        Err(_) => {
            return api_error(
                lang,
                StatusCode::BAD_REQUEST,
                "bad-request",
                Message::BadRequest,
            );
        }
    };
    let team = match state.0.team.get().await {
        Ok(team) => team,
        Err(e) => {
            tracing::error!("cannot read the team: {e}");
            return api_error(
                lang,
                StatusCode::SERVICE_UNAVAILABLE,
                "store-down",
                Message::StoreDown,
            );
        }
    };
    if team.members.is_empty() {
        return api_error(
            lang,
            StatusCode::SERVICE_UNAVAILABLE,
            "no-investigators",
            Message::NoInvestigators,
        );
    }
    // The reporter's key derivation costs whoever logs in to this case later (the server on
    // the no-JS path): only the server's own parameters are taken, not a client's choice.
    if sealed.credential.kdf != KdfParams::CURRENT {
        return api_error(lang, StatusCode::BAD_REQUEST, "outdated", Message::Outdated);
    }
    match sealed.check(&team.recipients()) {
        Ok(()) => {}
        Err(CheckError::Team) => {
            return api_error(
                lang,
                StatusCode::CONFLICT,
                "team-changed",
                Message::TeamChanged,
            );
        }
        Err(e) => {
            tracing::info!("refused a browser-sealed report: {e}");
            return api_error(
                lang,
                StatusCode::BAD_REQUEST,
                "bad-ciphertext",
                Message::BadCiphertext,
            );
        }
    }
    let uploads = match attachments::named_uploads(&state, lang, &tokens) {
        Ok(uploads) => uploads,
        Err(response) => return response,
    };
    let Some(mut case) = new_case(&state, &team, sealed) else {
        return api_error(
            lang,
            StatusCode::CONFLICT,
            "team-changed",
            Message::TeamChanged,
        );
    };
    case.attachments = uploads;
    // The browser chose the receipt code, so "taken" would tell whether a code exists: each
    // post counts as a login attempt on its code, under the same limits. A code that must
    // wait is answered like a taken one; the browser then seals again with a fresh code.
    let attempt = match state.0.attempts.begin(&case.receipt_lookup, Instant::now()) {
        Ok(attempt) => attempt,
        Err(Refused(_)) => {
            return api_error(lang, StatusCode::CONFLICT, "retry", Message::Internal);
        }
    };
    match state.0.store.create_case(case).await {
        Ok(_) => {
            attempt.succeeded();
            (StatusCode::CREATED, Json(json!({ "ok": true }))).into_response()
        }
        Err(StoreError::UploadNotReady) => attachments::not_ready(lang),
        // The browser chose a receipt that exists: it retries with a fresh one.
        Err(StoreError::Duplicate) => {
            attempt.failed();
            api_error(lang, StatusCode::CONFLICT, "retry", Message::Internal)
        }
        Err(e) => {
            tracing::error!("storing a report failed: {e}");
            api_error(
                lang,
                StatusCode::SERVICE_UNAVAILABLE,
                "store-down",
                Message::StoreDown,
            )
        }
    }
}

/// The sealed case and the upload tokens of a browser's post; `None` if it is neither. The
/// case keeps its strict shape (`deny_unknown_fields`): only `attachments` is taken out first.
fn sealed_post(
    mut body: serde_json::Map<String, serde_json::Value>,
) -> Option<(SealedCase, Vec<String>)> {
    let tokens = match body.remove("attachments") {
        Some(tokens) => serde_json::from_value(tokens).ok()?,
        None => Vec::new(),
    };
    let sealed = serde_json::from_value(serde_json::Value::Object(body)).ok()?;
    Some((sealed, tokens))
}

/// Files envelopes under investigator ids. `None` if an envelope names someone outside the
/// team (cannot happen after [`SealedCase::check`]).
fn new_case(state: &AppState, team: &Team, sealed: SealedCase) -> Option<NewCase> {
    let envelopes = sealed
        .envelopes
        .into_iter()
        .map(|envelope| match envelope.holder {
            kentongan_crypto::Holder::Reporter => Some((None, envelope.ciphertext)),
            kentongan_crypto::Holder::Investigator(key) => {
                team.id_of(&key).map(|id| (Some(id), envelope.ciphertext))
            }
        })
        .collect::<Option<Vec<_>>>()?;
    Some(NewCase {
        created_on: state.today(),
        receipt_lookup: sealed.receipt.lookup_key(),
        credential: sealed.credential,
        case_recipient: sealed.case_recipient,
        notes_recipient: sealed.notes_recipient,
        report: sealed.report,
        commitment: Some(sealed.commitment),
        envelopes,
        attachments: Vec::new(),
    })
}

impl AppState {
    /// The report form, refilled with `draft`, with field errors, a notice and why files
    /// were refused, and a CSRF cookie (reused if the browser has one).
    #[allow(clippy::too_many_arguments)] // each is one part of the page
    async fn form_page(
        &self,
        lang: Lang,
        headers: &HeaderMap,
        status: StatusCode,
        draft: &ReportDraft,
        errors: &[FieldError],
        notice: Option<Message>,
        refused: Option<FileRefusal>,
    ) -> Response {
        let team = match self.0.team.get().await {
            Ok(team) => team.view(),
            Err(e) => {
                tracing::error!("cannot read the team: {e}");
                return self.error_page(lang, StatusCode::SERVICE_UNAVAILABLE, Message::StoreDown);
            }
        };
        let token = cookies::csrf_token(headers).unwrap_or_else(cookies::new_token);
        let limits = self.0.attachments;
        let page = kentongan_templates::report_form_with_files(
            lang,
            &self.0.office,
            &team,
            draft,
            errors,
            &token,
            notice,
            &kentongan_templates::FileInput {
                max_files: limits.max_files,
                max_file_bytes: limits.max_file_bytes,
                refused,
            },
        );
        let mut response = html(status, page);
        response.headers_mut().insert(
            header::SET_COOKIE,
            cookies::set_cookie(&token, self.secure_cookies(headers)),
        );
        response
    }
}
