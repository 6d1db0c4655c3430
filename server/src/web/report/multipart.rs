//! The no-JS report form as `multipart/form-data`: the text fields first (the CSRF token and
//! the language among them), then the `files` parts. The text is read and checked, and the
//! report sealed, before the first file byte is read; each file is then encrypted to the new
//! case's key as it streams in ([`super::super::nojs_files`]); the case is stored only after
//! every file is, with all of them attached in one transaction. A refusal shows the form
//! again with the text kept, and deletes whatever files of the post were stored.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use kentongan_crypto::Submission;
use kentongan_crypto::report::{EncryptedIn, FieldError};
use kentongan_crypto::reporter::KdfParams;
use kentongan_crypto::submission::{SealError, seal_report_in};
use kentongan_templates::strings::{FileRefusal, Lang, Message};

use super::super::multipart::{self, Failure};
use super::super::nojs_files::{self, FileError, Stored};
use super::super::{AppState, cookies, html};
use super::{FORM_LIMIT, FormPost, new_case};
use crate::kdf_pool::{Lane, Refusal};
use crate::store::{NewCase, StoreError};

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
    let (post, outcome) = multipart::read(&state, &mut multipart, FORM_LIMIT, async |text| {
        let (submission, case) = seal(&state, &headers, &text.parse()).await?;
        let to = case.case_recipient.clone();
        Ok(((submission, case), to))
    })
    .await;
    let stored = post.files;
    let form: FormPost = post.text.parse();
    let lang = Lang::parse(&form.lang).unwrap_or_default();
    if let Err(failure) = outcome {
        let failed = match failure {
            Failure::Check(failed) => failed,
            Failure::File(e) => failed(e),
            Failure::TooLarge => {
                Failed::Form(StatusCode::PAYLOAD_TOO_LARGE, Some(Message::TooLarge), None)
            }
            Failure::Malformed => Failed::Malformed,
        };
        return refuse(&state, &headers, &form, stored, failed).await;
    }
    let (submission, mut case) = match post.checked {
        Some(sealed) => sealed,
        None => match seal(&state, &headers, &form).await {
            Ok(sealed) => sealed,
            Err(failed) => return refuse(&state, &headers, &form, stored, failed).await,
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
                &kentongan_crypto::keys::fingerprint_of(&submission.sealed.commitment.team),
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
            refuse(&state, &headers, &form, stored, failed).await
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
            let status = nojs_files::refusal_status(refused);
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
