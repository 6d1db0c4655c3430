//! A no-JS message with files (`multipart/form-data`): the message, the CSRF token and the
//! language first, then the `files` parts. The session, the token, the message and the
//! day's limit are checked before the first file byte is read; each file is encrypted to the
//! case key as it streams in ([`super::super::nojs_files`]), and the message is stored with
//! all of them attached in one transaction. A refusal shows the case page again with the
//! message kept, and deletes whatever files of the post were stored.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use std::sync::Arc;

use kentongan_crypto::message::{Message as Said, MessageError};
use kentongan_templates::strings::{FileRefusal, Lang, Message, Notice};

use super::super::multipart::{self, Failure};
use super::super::nojs_files::{self, FileError, Stored};
use super::super::{AppState, cookies};
use super::{FORM_LIMIT, MessageForm, session_of};
use crate::followup::OpenedCase;

/// What comes of a post.
enum Failed {
    /// The session ended while they wrote: the message goes along with the login.
    SessionEnded,
    /// The case page again, with a notice or why the files were refused.
    Page(StatusCode, Option<Notice>, Option<FileRefusal>),
    /// Not a form at all.
    Malformed,
}

pub(super) async fn send(state: AppState, headers: HeaderMap, request: Request) -> Response {
    let Ok(mut multipart) = Multipart::from_request(request, &state).await else {
        return state.error_page(
            Lang::default(),
            StatusCode::BAD_REQUEST,
            Message::BadRequest,
        );
    };
    let session = session_of(&headers).and_then(|id| state.0.sessions.get(&id));
    let (post, outcome) = multipart::read(&state, &mut multipart, FORM_LIMIT, async |text| {
        check(&state, &headers, session.as_ref(), &text.parse()).await?;
        let (_, opened) = session.as_ref().ok_or(Failed::SessionEnded)?;
        Ok(((), opened.keys.case.to_public()))
    })
    .await;
    let stored = post.files;
    let form: MessageForm = post.text.parse();
    let outcome = match outcome {
        Ok(()) if post.checked.is_none() => check(&state, &headers, session.as_ref(), &form).await,
        Ok(()) => Ok(()),
        Err(Failure::Check(failed)) => Err(failed),
        Err(Failure::File(e)) => Err(failed(e)),
        Err(Failure::TooLarge | Failure::Malformed) => Err(Failed::Malformed),
    };
    if let Err(failed) = outcome {
        return refuse(&state, &headers, session.as_ref(), &form, stored, failed).await;
    }
    let Some((case_id, opened)) = &session else {
        return refuse(&state, &headers, None, &form, stored, Failed::SessionEnded).await;
    };
    let lang = Lang::parse(&form.lang).unwrap_or_default();
    let sealed = Said::new(&form.message)
        .ok()
        .and_then(|said| said.seal(&opened.keys.case.to_public()).ok());
    let Some(sealed) = sealed else {
        tracing::error!("encrypting a no-JS message failed");
        let failed = Failed::Page(
            StatusCode::INTERNAL_SERVER_ERROR,
            Some(Notice::MessageNotSaved),
            None,
        );
        return refuse(&state, &headers, session.as_ref(), &form, stored, failed).await;
    };
    match state
        .0
        .store
        .add_reporter_message(*case_id, sealed, state.today(), &stored.hashes)
        .await
    {
        Ok(_) if stored.reports.is_empty() => {
            Redirect::to(&format!("/followup?lang={}&done=sent", lang.code())).into_response()
        }
        // With files: what became of each is told here, not after a redirect.
        Ok(_) => {
            state
                .case_page_files(
                    lang,
                    &headers,
                    StatusCode::OK,
                    *case_id,
                    opened,
                    "",
                    Some(Notice::MessageSent),
                    None,
                    &stored.reports,
                )
                .await
        }
        Err(e) => {
            tracing::error!("storing a reporter's message failed: {e}");
            let failed = Failed::Page(
                StatusCode::SERVICE_UNAVAILABLE,
                Some(Notice::MessageNotSaved),
                None,
            );
            refuse(&state, &headers, session.as_ref(), &form, stored, failed).await
        }
    }
}

/// What the urlencoded path checks, before any file is read.
async fn check(
    state: &AppState,
    headers: &HeaderMap,
    session: Option<&(i64, Arc<OpenedCase>)>,
    form: &MessageForm,
) -> Result<(), Failed> {
    let Some((case_id, _)) = session else {
        return Err(Failed::SessionEnded);
    };
    if !cookies::matches(headers, &form.csrf) {
        return Err(Failed::Page(
            StatusCode::FORBIDDEN,
            Some(Notice::CsrfFailed),
            None,
        ));
    }
    match Said::new(&form.message) {
        Ok(_) => {}
        Err(MessageError::TooLong) => {
            return Err(Failed::Page(
                StatusCode::BAD_REQUEST,
                Some(Notice::MessageTooLong),
                None,
            ));
        }
        Err(_) => {
            return Err(Failed::Page(
                StatusCode::BAD_REQUEST,
                Some(Notice::MessageEmpty),
                None,
            ));
        }
    }
    match state.may_add_message(*case_id).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(Failed::Page(
            StatusCode::TOO_MANY_REQUESTS,
            Some(Notice::TooManyMessages),
            None,
        )),
        Err(e) => {
            tracing::error!("follow-up: cannot read the case: {e}");
            Err(Failed::Page(
                StatusCode::SERVICE_UNAVAILABLE,
                Some(Notice::MessageNotSaved),
                None,
            ))
        }
    }
}

/// Deletes the post's files, and shows the case page again with the message kept (or the
/// login, if the session ended).
async fn refuse(
    state: &AppState,
    headers: &HeaderMap,
    session: Option<&(i64, Arc<OpenedCase>)>,
    form: &MessageForm,
    stored: Stored,
    failed: Failed,
) -> Response {
    stored.discard(state).await;
    let lang = Lang::parse(&form.lang).unwrap_or_default();
    match (failed, session) {
        (Failed::Malformed, _) => {
            state.error_page(lang, StatusCode::BAD_REQUEST, Message::BadRequest)
        }
        (Failed::Page(status, notice, refused), Some((case_id, opened))) => {
            state
                .case_page_files(
                    lang,
                    headers,
                    status,
                    *case_id,
                    opened,
                    &form.message,
                    notice,
                    refused,
                    &[],
                )
                .await
        }
        (Failed::SessionEnded, _) | (Failed::Page(..), None) => state.login_page(
            lang,
            headers,
            StatusCode::UNAUTHORIZED,
            "",
            &form.message,
            Some(Notice::SessionEnded),
            true,
        ),
    }
}

fn failed(e: FileError) -> Failed {
    match e {
        FileError::Refused(refused) => {
            let status = nojs_files::refusal_status(refused);
            Failed::Page(status, None, Some(refused))
        }
        FileError::Malformed => Failed::Malformed,
        FileError::Store(e) => {
            tracing::error!("storing a no-JS attachment failed: {e}");
            Failed::Page(
                StatusCode::SERVICE_UNAVAILABLE,
                Some(Notice::MessageNotSaved),
                None,
            )
        }
        FileError::Internal => {
            tracing::error!("encrypting a no-JS attachment failed");
            Failed::Page(
                StatusCode::INTERNAL_SERVER_ERROR,
                Some(Notice::MessageNotSaved),
                None,
            )
        }
    }
}
