//! The reporter comes back: `/followup` logs in with receipt code and passphrase and shows the
//! case; the reporter answers with a message.
//!
//! Two paths, as for reports:
//! - JavaScript: the browser derives the key and sends only the receipt code and the auth
//!   token, with each request (`/api/followup/case`, `/api/followup/messages`); it gets
//!   ciphertext and the page layout, and decrypts and encrypts itself. No session here.
//! - No JavaScript: the form posts the passphrase; the server derives the key in the bounded
//!   [`crate::kdf_pool`], opens the reporter's envelope, and keeps the case key in a short
//!   in-memory session ([`crate::followup::Sessions`]) to render the decrypted pages.
//!
//! Both paths count attempts per receipt code ([`crate::followup::Attempts`]) and answer a
//! wrong receipt code and a wrong passphrase alike. Log lines here never name the case: with
//! the log's timestamp, they would record when a reporter came back.

// Helpers return the error response itself; it is built at most once per request.
#![allow(clippy::result_large_err)]

use std::time::Instant;

use crate::workflow::{self, Due, Stage};
use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{DefaultBodyLimit, FromRequest, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use kentongan_crypto::bundle::ItemKind;
use kentongan_crypto::item::{self, Content, Signed};
use kentongan_crypto::message::{Message as Said, MessageError};
use kentongan_crypto::reporter::{
    CredentialVersion, KdfParams, Passphrase, ReceiptCode, ReporterKey,
};
use kentongan_crypto::{Ciphertext, commitment, envelope};
use kentongan_templates::strings::{self, Lang, Message, Notice};
use kentongan_templates::{CheckBack, FollowupCase, Shown, Side, StageStep};
use serde::Deserialize;
use serde_json::json;
use zeroize::Zeroizing;

use super::{AppState, api_error, attachments, cookies, html};
use crate::followup::{OpenedCase, Refused, SessionId, check_token};
use crate::kdf_pool::{Lane, Refusal};
use crate::store::{StoreError, StoredCase};

mod multipart;

const SESSION_COOKIE: &str = "kentongan_session";
/// Messages a reporter may send per case and day.
pub const MAX_MESSAGES_PER_DAY: usize = 20;
/// A message form: 10,000 characters percent-encoded at up to 12 bytes each, and the rest.
const FORM_LIMIT: usize = 256 * 1024;
/// A sealed message in base64, and the credentials.
const API_LIMIT: usize = 256 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/followup",
            get(page)
                .post(login)
                .layer(DefaultBodyLimit::max(FORM_LIMIT)),
        )
        // Multipart posts carry files, checked while streaming (`multipart.rs`); a
        // urlencoded post is limited to FORM_LIMIT in the handler.
        .route(
            "/followup/message",
            post(send_message).layer(DefaultBodyLimit::disable()),
        )
        .route("/followup/logout", post(logout))
        .route(
            "/api/followup/case",
            post(api_case).layer(DefaultBodyLimit::max(API_LIMIT)),
        )
        .route(
            "/api/followup/messages",
            post(api_message).layer(DefaultBodyLimit::max(API_LIMIT)),
        )
}

/// `?lang=` and, after a redirect, what just happened.
#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    lang: Option<String>,
    done: Option<String>,
}

impl PageQuery {
    fn lang(&self) -> Lang {
        self.lang
            .as_deref()
            .and_then(Lang::parse)
            .unwrap_or_default()
    }

    fn notice(&self) -> Option<Notice> {
        match self.done.as_deref() {
            Some("sent") => Some(Notice::MessageSent),
            Some("logged-out") => Some(Notice::LoggedOut),
            _ => None,
        }
    }
}

/// The login form, or the case when this browser has a session.
async fn page(
    State(state): State<AppState>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = q.lang();
    match session_of(&headers) {
        Some(id) => match state.0.sessions.get(&id) {
            Some((case_id, opened)) => {
                state
                    .case_page(
                        lang,
                        &headers,
                        StatusCode::OK,
                        case_id,
                        &opened,
                        "",
                        q.notice(),
                    )
                    .await
            }
            None => state.login_page(
                lang,
                &headers,
                StatusCode::OK,
                "",
                "",
                Some(Notice::SessionEnded),
                true,
            ),
        },
        None => state.login_page(lang, &headers, StatusCode::OK, "", "", q.notice(), false),
    }
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    receipt: String,
    /// A message written on the case page whose session had ended, carried through the login.
    #[serde(default)]
    message: Zeroizing<String>,
    #[serde(default)]
    passphrase: Zeroizing<String>,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    lang: String,
}

/// The no-JS login: the key is derived here, in memory, and the case key kept in a session.
async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    let Form(form) = match form {
        Ok(form) => form,
        Err(rejection) => return state.form_rejected(&rejection),
    };
    let lang = Lang::parse(&form.lang).unwrap_or_default();
    let refuse = |status, notice| {
        state.login_page(
            lang,
            &headers,
            status,
            &form.receipt,
            &form.message,
            Some(notice),
            false,
        )
    };
    if !cookies::matches(&headers, &form.csrf) {
        return refuse(StatusCode::FORBIDDEN, Notice::CsrfFailed);
    }
    let Ok(receipt) = ReceiptCode::parse(&form.receipt) else {
        return refuse(StatusCode::BAD_REQUEST, Notice::ReceiptFormat);
    };
    let lookup = receipt.lookup_key();
    // Dropped unsettled on every early return below: then the attempt does not count.
    let attempt = match state.0.attempts.begin(&lookup, Instant::now()) {
        Ok(attempt) => attempt,
        Err(refused) => {
            let (status, notice) = refusal(refused);
            return refuse(status, notice);
        }
    };
    let found = match state.0.store.reporter_login(&lookup).await {
        Ok(found) => found,
        Err(e) => {
            tracing::error!("follow-up login: cannot read credentials: {e}");
            return refuse(StatusCode::SERVICE_UNAVAILABLE, Notice::StoreDown);
        }
    };
    // An unknown receipt is derived with the current parameters: the same work, the same
    // time, as a wrong passphrase.
    let kdf = found
        .as_ref()
        .map_or(KdfParams::CURRENT, |f| f.credential.kdf);
    let passphrase = Passphrase::parse(&form.passphrase);
    let derived = state
        .0
        .kdf
        .run(Lane::Login, move |memory| {
            ReporterKey::derive_in(&receipt, &passphrase, kdf, memory)
        })
        .await;
    let key = match derived {
        Ok(Ok(key)) => key,
        Err(Refusal::Busy) => return refuse(StatusCode::SERVICE_UNAVAILABLE, Notice::Busy),
        Ok(Err(_)) | Err(Refusal::Failed) => {
            tracing::error!("follow-up login: key derivation failed");
            return refuse(StatusCode::INTERNAL_SERVER_ERROR, Notice::StoreDown);
        }
    };
    let Some((case_id, version)) = check_token(found.as_ref(), key.auth_token()) else {
        attempt.failed();
        return refuse(StatusCode::UNAUTHORIZED, Notice::WrongLogin);
    };
    attempt.succeeded();
    let case = match state.0.store.case(case_id).await {
        Ok(case) => case,
        Err(e) => {
            tracing::error!("follow-up login: cannot read the case: {e}");
            return refuse(StatusCode::SERVICE_UNAVAILABLE, Notice::StoreDown);
        }
    };
    let keys =
        reporter_envelope(&case).and_then(|sealed| envelope::open(sealed, key.identity()).ok());
    let Some(keys) = keys else {
        tracing::error!("follow-up login: the reporter's envelope does not open");
        return refuse(StatusCode::INTERNAL_SERVER_ERROR, Notice::StoreDown);
    };
    // Before anything is shown or sealed: is this the case key the reporter's report was
    // sealed with? Someone who wrote the database may have swapped it for their own.
    let commitment = found.as_ref().and_then(|f| f.commitment.as_ref());
    let checked = commitment::check(
        version,
        commitment,
        key.commitment_key(),
        &keys.case.to_public(),
    );
    drop(key);
    let Ok(checked) = checked else {
        tracing::error!("follow-up login: case {case_id} does not match the reporter's commitment");
        return refuse(StatusCode::CONFLICT, Notice::CaseChanged);
    };
    // A browser logging in again leaves no older session (and key) behind.
    if let Some(old) = session_of(&headers) {
        state.0.sessions.end(&old);
    }
    let opened = OpenedCase {
        keys,
        team: checked.team_key().copied(),
    };
    let Some(session) = state.0.sessions.start(case_id, opened) else {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, Notice::Busy);
    };
    let mut response = if form.message.trim().is_empty() {
        Redirect::to(&format!("/followup?lang={}", lang.code())).into_response()
    } else {
        // A message written before the session ended: sent now, as from the case page.
        let Some((case_id, opened)) = state.0.sessions.get(&session) else {
            return refuse(StatusCode::SERVICE_UNAVAILABLE, Notice::Busy);
        };
        state
            .store_message(lang, &headers, case_id, &opened, &form.message)
            .await
    };
    response.headers_mut().append(
        header::SET_COOKIE,
        session_cookie(Some(session), state.secure_cookies(&headers)),
    );
    response
}

/// A reporter the browser path let in: their case, and what their browser needs to check
/// that the case is the one it sealed.
struct Authenticated {
    case_id: i64,
    version: CredentialVersion,
    commitment: Option<kentongan_crypto::Commitment>,
}

#[derive(Default, Deserialize)]
struct MessageForm {
    #[serde(default)]
    message: Zeroizing<String>,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    lang: String,
}

/// A message from the no-JS case page, encrypted here to the case key: multipart with files
/// (`multipart.rs`), or urlencoded without.
async fn send_message(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    if super::multipart::is_multipart(&headers) {
        return multipart::send(state, headers, request).await;
    }
    let request =
        request.map(|body| axum::body::Body::new(http_body_util::Limited::new(body, FORM_LIMIT)));
    let Form(form) = match Form::<MessageForm>::from_request(request, &state).await {
        Ok(form) => form,
        Err(rejection) => return state.form_rejected(&rejection),
    };
    let lang = Lang::parse(&form.lang).unwrap_or_default();
    let Some((case_id, opened)) = session_of(&headers).and_then(|id| state.0.sessions.get(&id))
    else {
        // The session ended while they wrote: the message goes along with the login.
        return state.login_page(
            lang,
            &headers,
            StatusCode::UNAUTHORIZED,
            "",
            &form.message,
            Some(Notice::SessionEnded),
            true,
        );
    };
    if !cookies::matches(&headers, &form.csrf) {
        return state
            .case_page(
                lang,
                &headers,
                StatusCode::FORBIDDEN,
                case_id,
                &opened,
                &form.message,
                Some(Notice::CsrfFailed),
            )
            .await;
    }
    state
        .store_message(lang, &headers, case_id, &opened, &form.message)
        .await
}

#[derive(Deserialize)]
struct LogoutForm {
    #[serde(default)]
    lang: String,
}

/// Ends the session, if any, and forgets the cookie. Also the JavaScript path's way out: the
/// page it loads has no key in memory.
async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<LogoutForm>, FormRejection>,
) -> Response {
    if let Some(id) = session_of(&headers) {
        state.0.sessions.end(&id);
    }
    let lang = form
        .ok()
        .and_then(|Form(f)| Lang::parse(&f.lang))
        .unwrap_or_default();
    let mut response =
        Redirect::to(&format!("/followup?lang={}&done=logged-out", lang.code())).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        session_cookie(None, state.secure_cookies(&headers)),
    );
    response
}

/// What the browser sends with each follow-up request: its proof of the passphrase.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Credentials {
    receipt: String,
    /// The auth token, hex.
    token: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SealedMessage {
    receipt: String,
    token: String,
    ciphertext: Ciphertext,
    /// Tokens of complete uploads to attach (see `attachments.rs`).
    #[serde(default)]
    attachments: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
struct ApiQuery {
    lang: Option<String>,
}

/// The case for the browser: its layout with placeholders, the reporter's envelope and the
/// items the reporter may read, all still encrypted.
async fn api_case(
    State(state): State<AppState>,
    Query(q): Query<ApiQuery>,
    headers: HeaderMap,
    body: Result<Json<Credentials>, JsonRejection>,
) -> Response {
    let lang = q.lang.as_deref().and_then(Lang::parse).unwrap_or_default();
    let Json(credentials) = match api_body(lang, &headers, body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let reporter = match state
        .authenticate(lang, &credentials.receipt, &credentials.token)
        .await
    {
        Ok(reporter) => reporter,
        Err(response) => return response,
    };
    let case_id = reporter.case_id;
    let case = match state.0.store.case(case_id).await {
        Ok(case) => case,
        Err(e) => return store_down(lang, &e),
    };
    let Some(envelope) = reporter_envelope(&case) else {
        tracing::error!("follow-up: a case has no reporter envelope");
        return api_error(
            lang,
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            Message::Internal,
        );
    };
    let csrf = cookies::csrf_token(&headers).unwrap_or_default();
    let limits = state.0.attachments;
    let files = kentongan_templates::FileInput {
        max_files: limits.max_files,
        max_file_bytes: limits.max_file_bytes,
        refused: None,
    };
    let section = kentongan_templates::case_section(
        lang,
        &reporter_view(&case, None, lang, &state),
        &csrf,
        "",
        &files,
    );
    let items: Vec<_> = case
        .items
        .iter()
        .filter(|item| item.kind.for_reporter())
        .map(|item| json!({ "id": item.id, "kind": item.kind, "ciphertext": item.ciphertext }))
        .collect();
    (
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({
            "html": section.into_string(),
            "case_recipient": case.case_recipient.to_string(),
            "envelope": envelope,
            // The browser checks the case against these before it shows or seals anything
            // (crypto/src/commitment.rs); `committed` comes from the token, not the database.
            "committed": reporter.version == CredentialVersion::Committed,
            "commitment": reporter.commitment,
            "items": items,
        })),
    )
        .into_response()
}

/// A message encrypted in the browser.
async fn api_message(
    State(state): State<AppState>,
    Query(q): Query<ApiQuery>,
    headers: HeaderMap,
    body: Result<Json<SealedMessage>, JsonRejection>,
) -> Response {
    let lang = q.lang.as_deref().and_then(Lang::parse).unwrap_or_default();
    let Json(sent) = match api_body(lang, &headers, body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let case_id = match state.authenticate(lang, &sent.receipt, &sent.token).await {
        Ok(reporter) => reporter.case_id,
        Err(response) => return response,
    };
    match state.may_add_message(case_id).await {
        Ok(true) => {}
        Ok(false) => {
            return api_notice(
                lang,
                StatusCode::TOO_MANY_REQUESTS,
                "too-many",
                Notice::TooManyMessages,
            );
        }
        Err(e) => return store_down(lang, &e),
    }
    if let Err(e) = Said::check_sealed(&sent.ciphertext) {
        tracing::info!("refused a browser-sealed message: {e}");
        return api_error(
            lang,
            StatusCode::BAD_REQUEST,
            "bad-ciphertext",
            Message::BadCiphertext,
        );
    }
    let uploads = match attachments::named_uploads(&state, lang, &sent.attachments) {
        Ok(uploads) => uploads,
        Err(response) => return response,
    };
    match state
        .0
        .store
        .add_reporter_message(case_id, sent.ciphertext, state.today(), &uploads)
        .await
    {
        Err(StoreError::UploadNotReady) => attachments::not_ready(lang),
        Ok(_) => (
            StatusCode::CREATED,
            Json(json!({ "ok": true, "message": strings::notice(lang, Notice::MessageSent) })),
        )
            .into_response(),
        Err(e) => {
            tracing::error!("storing a reporter's message failed: {e}");
            api_notice(
                lang,
                StatusCode::SERVICE_UNAVAILABLE,
                "store-down",
                Notice::MessageNotSaved,
            )
        }
    }
}

/// The CSRF header and a well-formed body, or the error response.
fn api_body<T>(
    lang: Lang,
    headers: &HeaderMap,
    body: Result<Json<T>, JsonRejection>,
) -> Result<Json<T>, Response> {
    if !cookies::header_matches(headers) {
        return Err(api_error(
            lang,
            StatusCode::FORBIDDEN,
            "csrf",
            Message::CsrfFailed,
        ));
    }
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            api_error(
                lang,
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                Message::TooLarge,
            )
        } else {
            api_error(
                lang,
                StatusCode::BAD_REQUEST,
                "bad-request",
                Message::BadRequest,
            )
        }
    })
}

impl AppState {
    /// Seals a no-JS message with the session's case key and stores it; then the case page
    /// (a redirect), or the page again with the message kept and why it was not sent.
    async fn store_message(
        &self,
        lang: Lang,
        headers: &HeaderMap,
        case_id: i64,
        opened: &OpenedCase,
        text: &str,
    ) -> Response {
        let refuse = |status, notice| {
            self.case_page(lang, headers, status, case_id, opened, text, Some(notice))
        };
        let said = match Said::new(text) {
            Ok(said) => said,
            Err(MessageError::TooLong) => {
                return refuse(StatusCode::BAD_REQUEST, Notice::MessageTooLong).await;
            }
            Err(_) => return refuse(StatusCode::BAD_REQUEST, Notice::MessageEmpty).await,
        };
        match self.may_add_message(case_id).await {
            Ok(true) => {}
            Ok(false) => {
                return refuse(StatusCode::TOO_MANY_REQUESTS, Notice::TooManyMessages).await;
            }
            Err(e) => {
                tracing::error!("follow-up: cannot read the case: {e}");
                return refuse(StatusCode::SERVICE_UNAVAILABLE, Notice::MessageNotSaved).await;
            }
        }
        let Ok(sealed) = said.seal(&opened.keys.case.to_public()) else {
            tracing::error!("encrypting a no-JS message failed");
            return refuse(StatusCode::INTERNAL_SERVER_ERROR, Notice::MessageNotSaved).await;
        };
        drop(said);
        match self
            .0
            .store
            .add_item(
                case_id,
                ItemKind::ReporterMessage,
                sealed,
                self.today(),
                None,
            )
            .await
        {
            Ok(_) => {
                Redirect::to(&format!("/followup?lang={}&done=sent", lang.code())).into_response()
            }
            Err(e) => {
                tracing::error!("storing a reporter's message failed: {e}");
                refuse(StatusCode::SERVICE_UNAVAILABLE, Notice::MessageNotSaved).await
            }
        }
    }

    /// Whether the reporter may send another message today: at most
    /// [`MAX_MESSAGES_PER_DAY`], so that one receipt cannot fill the disk.
    async fn may_add_message(&self, case_id: i64) -> Result<bool, StoreError> {
        let case = self.0.store.case(case_id).await?;
        let today = self.today();
        let sent_today = case
            .items
            .iter()
            .filter(|i| i.kind == ItemKind::ReporterMessage && i.created_on == today)
            .count();
        Ok(sent_today < MAX_MESSAGES_PER_DAY)
    }

    /// Checks a receipt code and auth token from the browser, within the attempt limits.
    /// What comes back lets the browser check the case itself (see [`Authenticated`]).
    async fn authenticate(
        &self,
        lang: Lang,
        receipt: &str,
        token: &str,
    ) -> Result<Authenticated, Response> {
        let Ok(receipt) = ReceiptCode::parse(receipt) else {
            return Err(api_notice(
                lang,
                StatusCode::BAD_REQUEST,
                "receipt",
                Notice::ReceiptFormat,
            ));
        };
        let mut token_bytes = Zeroizing::new([0u8; 32]);
        if hex::decode_to_slice(token, token_bytes.as_mut()).is_err() {
            return Err(api_error(
                lang,
                StatusCode::BAD_REQUEST,
                "bad-request",
                Message::BadRequest,
            ));
        }
        let lookup = receipt.lookup_key();
        let attempt = match self.0.attempts.begin(&lookup, Instant::now()) {
            Ok(attempt) => attempt,
            Err(refused) => {
                let (status, notice) = refusal(refused);
                let code = if status == StatusCode::TOO_MANY_REQUESTS {
                    "wait"
                } else {
                    "busy"
                };
                return Err(api_notice(lang, status, code, notice));
            }
        };
        // On an error the attempt is dropped unsettled: it does not count.
        let found = self
            .0
            .store
            .reporter_login(&lookup)
            .await
            .map_err(|e| store_down(lang, &e))?;
        match check_token(found.as_ref(), &token_bytes) {
            Some((case_id, version)) => {
                attempt.succeeded();
                Ok(Authenticated {
                    case_id,
                    version,
                    commitment: found.and_then(|f| f.commitment),
                })
            }
            None => {
                attempt.failed();
                Err(api_notice(
                    lang,
                    StatusCode::UNAUTHORIZED,
                    "wrong-login",
                    Notice::WrongLogin,
                ))
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn login_page(
        &self,
        lang: Lang,
        headers: &HeaderMap,
        status: StatusCode,
        receipt: &str,
        draft: &str,
        notice: Option<Notice>,
        forget_session: bool,
    ) -> Response {
        let token = cookies::csrf_token(headers).unwrap_or_else(cookies::new_token);
        let page = kentongan_templates::followup_login(
            lang,
            &self.0.office,
            &token,
            receipt,
            draft,
            notice,
        );
        // Whether cookies are Secure depends on the request's Host, not the response's.
        let secure = self.secure_cookies(headers);
        let mut response = html(status, page);
        let response_headers = response.headers_mut();
        response_headers.append(header::SET_COOKIE, cookies::set_cookie(&token, secure));
        if forget_session {
            response_headers.append(header::SET_COOKIE, session_cookie(None, secure));
        }
        response
    }

    /// The decrypted case page of a no-JS session; `draft` refills the message box.
    #[allow(clippy::too_many_arguments)]
    async fn case_page(
        &self,
        lang: Lang,
        headers: &HeaderMap,
        status: StatusCode,
        case_id: i64,
        opened: &OpenedCase,
        draft: &str,
        notice: Option<Notice>,
    ) -> Response {
        self.case_page_files(
            lang,
            headers,
            status,
            case_id,
            opened,
            draft,
            notice,
            None,
            &[],
        )
        .await
    }

    /// [`AppState::case_page`], saying why files were refused, or what became of those sent.
    #[allow(clippy::too_many_arguments)]
    async fn case_page_files(
        &self,
        lang: Lang,
        headers: &HeaderMap,
        status: StatusCode,
        case_id: i64,
        opened: &OpenedCase,
        draft: &str,
        notice: Option<Notice>,
        refused: Option<kentongan_templates::strings::FileRefusal>,
        sent: &[kentongan_templates::FileReport],
    ) -> Response {
        let limits = self.0.attachments;
        let files = kentongan_templates::FileInput {
            max_files: limits.max_files,
            max_file_bytes: limits.max_file_bytes,
            refused,
        };
        let token = cookies::csrf_token(headers).unwrap_or_else(cookies::new_token);
        let (status, page) = match self.0.store.case(case_id).await {
            Ok(case) => {
                let view = reporter_view(&case, Some(opened), lang, self);
                let page = kentongan_templates::followup_case_with_files(
                    lang,
                    &self.0.office,
                    &view,
                    &token,
                    draft,
                    notice,
                    &files,
                    sent,
                );
                (status, page)
            }
            Err(e) => {
                tracing::error!("follow-up: cannot read the case: {e}");
                // Whatever the reporter was writing stays in its box.
                let notice = match notice {
                    Some(Notice::MessageNotSaved) => Notice::MessageNotSaved,
                    _ => Notice::StoreDown,
                };
                let page = kentongan_templates::followup_unavailable(
                    lang,
                    &self.0.office,
                    &token,
                    draft,
                    notice,
                );
                (StatusCode::SERVICE_UNAVAILABLE, page)
            }
        };
        let mut response = html(status, page);
        response.headers_mut().append(
            header::SET_COOKIE,
            cookies::set_cookie(&token, self.secure_cookies(headers)),
        );
        response
    }
}

/// The case as the reporter sees it: decrypted with `keys` (no-JS), or with placeholders for
/// the browser to fill (`None`). Only items the reporter may read are used.
fn reporter_view(
    case: &StoredCase,
    opened: Option<&OpenedCase>,
    lang: Lang,
    state: &AppState,
) -> FollowupCase {
    let day = |date| kentongan_templates::strings::day(lang, date);
    let items: Vec<_> = case
        .items
        .iter()
        .filter(|i| i.kind.for_reporter())
        .collect();
    let show = |item: &crate::store::StoredItem| -> Shown<Content> {
        match opened {
            None => Shown::Sealed(item.id),
            Some(opened) => match item::open(
                item.kind,
                &item.ciphertext,
                &opened.keys.case,
                opened.team.as_ref(),
            ) {
                Ok(content) => Shown::Open(content),
                Err(_) => Shown::Unreadable,
            },
        }
    };
    let text = |item: &crate::store::StoredItem| -> Shown<String> {
        match show(item) {
            Shown::Open(Content::Message(m, Signed::Unverified)) => {
                Shown::Unverified(m.text.clone())
            }
            Shown::Open(Content::Message(m, _)) => Shown::Open(m.text.clone()),
            Shown::Sealed(id) => Shown::Sealed(id),
            _ => Shown::Unreadable,
        }
    };
    let report = match items.iter().find(|i| i.kind == ItemKind::Report) {
        Some(item) => match show(item) {
            Shown::Open(Content::Report(report)) => Shown::Open(report),
            Shown::Sealed(id) => Shown::Sealed(id),
            _ => Shown::Unreadable,
        },
        None => Shown::Unreadable,
    };
    let history = case
        .history
        .iter()
        .map(|event| StageStep {
            stage: event.stage.clone(),
            on: day(event.moved_on),
            message: event
                .message
                .and_then(|id| items.iter().find(|i| i.id == id))
                .map(|item| text(item)),
        })
        .collect();
    let conversation = items
        .iter()
        .filter_map(|item| {
            let from = match item.kind {
                ItemKind::ReporterMessage => Side::Reporter,
                ItemKind::InvestigatorMessage => Side::Investigators,
                _ => return None,
            };
            Some(kentongan_templates::Said {
                from,
                on: day(item.created_on),
                text: text(item),
            })
        })
        .collect();
    FollowupCase {
        case_id: case.id,
        stage: case.stage.clone(),
        created_on: day(case.created_on),
        history,
        report,
        conversation,
        check_back: check_back(case, lang, state),
    }
}

/// The office's next deadline for the case, as the reporter reads it: the one the team sees
/// (`workflow::due`), so both are told the same day.
fn check_back(case: &StoredCase, lang: Lang, state: &AppState) -> Option<CheckBack> {
    let stage = case.stage.parse::<Stage>().ok()?;
    let acknowledged = case
        .history
        .iter()
        .find(|event| event.stage != Stage::Diterima.slug())
        .map(|event| event.moved_on);
    let today = state.today();
    let (due, passed) = match workflow::due(
        stage,
        case.created_on,
        acknowledged,
        today,
        &state.0.deadlines,
    ) {
        Due::OnTime { due } | Due::DueToday { due } => (due, false),
        Due::Overdue { due, .. } => (due, true),
        Due::Met => return None,
    };
    Some(CheckBack {
        day: kentongan_templates::strings::weekday_day(lang, due),
        feedback: !(stage == Stage::Diterima && acknowledged.is_none()),
        passed,
    })
}

fn reporter_envelope(case: &StoredCase) -> Option<&Ciphertext> {
    case.envelopes
        .iter()
        .find(|(holder, _)| holder.is_none())
        .map(|(_, sealed)| sealed)
}

fn refusal(Refused(wait): Refused) -> (StatusCode, Notice) {
    (
        StatusCode::TOO_MANY_REQUESTS,
        Notice::Wait {
            minutes: wait.as_secs().div_ceil(60),
        },
    )
}

fn store_down(lang: Lang, e: &StoreError) -> Response {
    tracing::error!("follow-up: the store failed: {e}");
    api_notice(
        lang,
        StatusCode::SERVICE_UNAVAILABLE,
        "store-down",
        Notice::StoreDown,
    )
}

fn api_notice(lang: Lang, status: StatusCode, code: &'static str, notice: Notice) -> Response {
    (
        status,
        Json(json!({ "error": code, "message": strings::notice(lang, notice) })),
    )
        .into_response()
}

#[cfg(test)]
pub(super) fn session_id(cookie_value: &str) -> SessionId {
    SessionId::parse(cookie_value).unwrap_or_else(|| panic!("not a session id"))
}

fn session_of(headers: &HeaderMap) -> Option<SessionId> {
    cookies::value(headers, SESSION_COOKIE).and_then(|v| SessionId::parse(&v))
}

/// The session cookie: set to `id`, or cleared. Scoped to the follow-up pages.
fn session_cookie(id: Option<SessionId>, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let value = match id {
        Some(id) => format!(
            "{SESSION_COOKIE}={}; Path=/followup; HttpOnly; SameSite=Strict{secure}",
            id.to_hex()
        ),
        None => format!(
            "{SESSION_COOKIE}=; Path=/followup; Max-Age=0; HttpOnly; SameSite=Strict{secure}"
        ),
    };
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static(""))
}
