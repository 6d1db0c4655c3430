//! The no-JS report form as `multipart/form-data`: the text fields first (the CSRF token and
//! the language among them), then the `files` parts. The text is read and checked, and the
//! report sealed, before the first file byte is read; each file is then encrypted to the new
//! case's key as it streams in ([`super::super::nojs_files`]); the case is stored only after
//! every file is, with all of them attached in one transaction. A refusal shows the form
//! again with the text kept, and deletes whatever files of the post were stored.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use kentongan_crypto::Submission;
use kentongan_crypto::report::{EncryptedIn, FieldError};
use kentongan_crypto::reporter::KdfParams;
use kentongan_crypto::submission::{SealError, seal_report_in};
use kentongan_templates::strings::{FileRefusal, Lang, Message};

use super::super::nojs_files::{self, FileError, Stored};
use super::super::{AppState, cookies, html};
use super::{FORM_LIMIT, FormPost, new_case};
use crate::kdf_pool::{Lane, Refusal};
use crate::store::{NewCase, StoreError};

pub(in crate::web) fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .get(..19)
                .is_some_and(|t| t.eq_ignore_ascii_case("multipart/form-data"))
        })
}

/// What comes of a post.
enum Failed {
    /// Show the form again: status, notice, refusal of files.
    Form(StatusCode, Option<Message>, Option<FileRefusal>),
    /// The report's fields have problems, shown beside them.
    Invalid(Vec<FieldError>),
    /// Not a form at all.
    Malformed,
}

pub(super) async fn submit(state: AppState, headers: HeaderMap, request: Request) -> Response {
    let Ok(mut multipart) = Multipart::from_request(request, &state).await else {
        return state.error_page(
            Lang::default(),
            StatusCode::BAD_REQUEST,
            Message::BadRequest,
        );
    };
    let mut text = serde_json::Map::new();
    let mut budget = FORM_LIMIT;
    let mut sealed: Option<(Submission, NewCase)> = None;
    let mut stored = Stored::default();
    let outcome: Result<(), Failed> = async {
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => return Ok(()),
                Err(_) => return Err(Failed::Malformed),
            };
            if field.name() == Some("files") {
                if !nojs_files::has_file(&field) {
                    continue;
                }
                if sealed.is_none() {
                    sealed = Some(seal(&state, &headers, &post_of(&text)).await?);
                }
                let Some((_, case)) = &sealed else {
                    return Err(Failed::Malformed);
                };
                let to = case.case_recipient.clone();
                nojs_files::store_file(&state, field, &to, &mut stored)
                    .await
                    .map_err(failed)?;
            } else if sealed.is_none() {
                // Text after the first file is not read: the form never sends any.
                let name = field.name().unwrap_or_default().to_owned();
                // Every part costs its name and a little more: many empty parts with new
                // names must not grow the map without bound.
                budget = budget
                    .checked_sub(name.len() + PART_COST)
                    .ok_or(Failed::Malformed)?;
                let value = read_text(field, &mut budget).await?;
                text.insert(name, serde_json::Value::String(value));
            }
        }
    }
    .await;
    let post = post_of(&text);
    let lang = Lang::parse(&post.lang).unwrap_or_default();
    if let Err(failed) = outcome {
        nojs_files::drain(&mut multipart, nojs_files::post_bound(state.0.attachments)).await;
        return refuse(&state, &headers, &post, stored, failed).await;
    }
    let (submission, mut case) = match sealed {
        Some(sealed) => sealed,
        None => match seal(&state, &headers, &post).await {
            Ok(sealed) => sealed,
            Err(failed) => return refuse(&state, &headers, &post, stored, failed).await,
        },
    };
    case.attachments = stored.hashes.clone();
    match state.0.store.create_case(case).await {
        Ok(_) => html(
            StatusCode::OK,
            kentongan_templates::receipt_with_files(
                lang,
                &state.0.office,
                &submission.sealed.receipt.to_string(),
                submission.passphrase.expose_secret(),
                EncryptedIn::Server,
                &stored.reports,
            ),
        ),
        Err(e) => {
            // A taken receipt (one in 10¹⁶) is not retried here: the files are sealed to this
            // case's key. The reporter sends again.
            tracing::error!("storing a report failed: {e}");
            let status = match e {
                StoreError::Duplicate => StatusCode::INTERNAL_SERVER_ERROR,
                _ => StatusCode::SERVICE_UNAVAILABLE,
            };
            let message = match e {
                StoreError::Duplicate => Message::Internal,
                _ => Message::StoreDown,
            };
            let failed = Failed::Form(status, Some(message), None);
            refuse(&state, &headers, &post, stored, failed).await
        }
    }
}

/// Deletes the post's files, and shows the form again with the text kept (or, for what is
/// not a form, the error page).
async fn refuse(
    state: &AppState,
    headers: &HeaderMap,
    post: &FormPost,
    stored: Stored,
    failed: Failed,
) -> Response {
    stored.discard(state).await;
    let lang = Lang::parse(&post.lang).unwrap_or_default();
    match failed {
        Failed::Malformed => state.error_page(lang, StatusCode::BAD_REQUEST, Message::BadRequest),
        Failed::Invalid(errors) => {
            let notice = Some(Message::InvalidForm);
            state
                .form_page(
                    lang,
                    headers,
                    StatusCode::BAD_REQUEST,
                    &post.draft,
                    &errors,
                    notice,
                    None,
                )
                .await
        }
        Failed::Form(status, notice, refused) => {
            state
                .form_page(lang, headers, status, &post.draft, &[], notice, refused)
                .await
        }
    }
}

/// The text fields as the urlencoded form's struct (a field it does not know is ignored,
/// as there).
fn post_of(text: &serde_json::Map<String, serde_json::Value>) -> FormPost {
    serde_json::from_value(serde_json::Value::Object(text.clone())).unwrap_or_default()
}

/// What a text part costs the form's budget besides its name and value (what storing it
/// takes, roughly).
const PART_COST: usize = 64;

/// One text field, within what is left of the form's budget.
async fn read_text(
    mut field: axum::extract::multipart::Field<'_>,
    budget: &mut usize,
) -> Result<String, Failed> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|_| Failed::Malformed)? {
        *budget = budget.checked_sub(chunk.len()).ok_or(Failed::Form(
            StatusCode::PAYLOAD_TOO_LARGE,
            Some(Message::TooLarge),
            None,
        ))?;
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| Failed::Malformed)
}

/// The checks of the urlencoded path, then the report sealed: what the files are sealed to.
async fn seal(
    state: &AppState,
    headers: &HeaderMap,
    post: &FormPost,
) -> Result<(Submission, NewCase), Failed> {
    let lang = Lang::parse(&post.lang).unwrap_or_default();
    let form = |status, message| Failed::Form(status, Some(message), None);
    if !cookies::matches(headers, &post.csrf) {
        return Err(form(StatusCode::FORBIDDEN, Message::CsrfFailed));
    }
    let team = state.0.team.get().await.map_err(|e| {
        tracing::error!("cannot read the team: {e}");
        form(StatusCode::SERVICE_UNAVAILABLE, Message::StoreDown)
    })?;
    let report = post
        .draft
        .to_report(lang, EncryptedIn::Server)
        .map_err(Failed::Invalid)?;
    let recipients = team.recipients();
    let sealed = state
        .0
        .kdf
        .run(Lane::Report, move |memory| {
            seal_report_in(&report, &recipients, KdfParams::CURRENT, memory)
        })
        .await;
    let submission = match sealed {
        Ok(Ok(submission)) => submission,
        Err(Refusal::Busy) => return Err(form(StatusCode::SERVICE_UNAVAILABLE, Message::Busy)),
        Ok(Err(SealError::NoInvestigators)) => {
            return Err(form(
                StatusCode::SERVICE_UNAVAILABLE,
                Message::NoInvestigators,
            ));
        }
        Ok(Err(e)) => {
            tracing::error!("sealing a no-JS report failed: {e}");
            return Err(form(StatusCode::INTERNAL_SERVER_ERROR, Message::Internal));
        }
        Err(Refusal::Failed) => {
            tracing::error!("sealing a no-JS report failed: the job panicked");
            return Err(form(StatusCode::INTERNAL_SERVER_ERROR, Message::Internal));
        }
    };
    let case = new_case(state, &team, submission.sealed.clone())
        .ok_or_else(|| form(StatusCode::INTERNAL_SERVER_ERROR, Message::Internal))?;
    Ok((submission, case))
}

fn failed(e: FileError) -> Failed {
    match e {
        FileError::Refused(refused) => {
            let status = match refused {
                FileRefusal::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                _ => StatusCode::BAD_REQUEST,
            };
            Failed::Form(status, None, Some(refused))
        }
        FileError::Malformed => Failed::Malformed,
        FileError::Store(e) => {
            tracing::error!("storing a no-JS attachment failed: {e}");
            Failed::Form(
                StatusCode::SERVICE_UNAVAILABLE,
                Some(Message::StoreDown),
                None,
            )
        }
        FileError::Internal => {
            tracing::error!("encrypting a no-JS attachment failed");
            Failed::Form(
                StatusCode::INTERNAL_SERVER_ERROR,
                Some(Message::Internal),
                None,
            )
        }
    }
}
