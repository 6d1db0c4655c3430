//! The web application: reporter pages, the JSON endpoint the browser's encryption posts to,
//! and static assets. `router()` builds it; tests drive it in-process.

mod attachments;
mod cookies;
pub(crate) mod followup;
mod headers;
mod multipart;
mod nojs_files;
mod report;
mod team;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kentongan_templates::strings::{Lang, Message};
use kentongan_templates::{Markup, Office};
use serde::Deserialize;
use time::{Date, UtcOffset};
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};

use crate::clock::Clock;
use crate::followup::{Attempts, LoginLimits, Sessions};
use crate::kdf_pool::KdfPool;
use crate::onion::OnionAddress;
use crate::store::Store;
use crate::team::TeamCache;
use crate::team_sessions::TeamSessions;
use crate::uploads::AttachmentLimits;
use crate::workflow::Deadlines;

/// Everything a handler needs. Cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    store: Arc<dyn Store>,
    team: TeamCache,
    /// Argon2id on the no-JS path: report seals and follow-up logins share its limits.
    kdf: KdfPool,
    attempts: Attempts,
    sessions: Sessions,
    team_sessions: TeamSessions,
    deadlines: Deadlines,
    categories: crate::categories::Categories,
    office: Office,
    secure_cookies: bool,
    utc_offset: UtcOffset,
    attachments: AttachmentLimits,
    onion_address: Option<OnionAddress>,
    /// No-JS photos cleaned in memory at once ([`nojs_files::PHOTO_SLOTS`]).
    photo_slots: tokio::sync::Semaphore,
    clock: Clock,
}

/// What [`AppState::new`] needs besides the store.
pub struct Settings {
    pub office: Office,
    pub secure_cookies: bool,
    pub utc_offset: UtcOffset,
    pub max_concurrent_derivations: usize,
    pub max_waiting_derivations: usize,
    pub login_limits: LoginLimits,
    pub deadlines: Deadlines,
    pub categories: crate::categories::Categories,
    pub attachments: AttachmentLimits,
    /// Sent as `Onion-Location` on pages reached under other names.
    pub onion_address: Option<OnionAddress>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, settings: Settings) -> Self {
        Self::with_clock(store, settings, Clock::system())
    }

    /// The state with the time taken from `clock` (tests set it).
    pub fn with_clock(store: Arc<dyn Store>, settings: Settings, clock: Clock) -> Self {
        AppState(Arc::new(Inner {
            team: TeamCache::new(store.clone()),
            store,
            kdf: KdfPool::new(
                settings.max_concurrent_derivations,
                settings.max_waiting_derivations,
            ),
            attempts: Attempts::new(settings.login_limits),
            sessions: Sessions::default(),
            team_sessions: TeamSessions::default(),
            deadlines: settings.deadlines,
            categories: settings.categories,
            office: settings.office,
            secure_cookies: settings.secure_cookies,
            utc_offset: settings.utc_offset,
            attachments: settings.attachments,
            onion_address: settings.onion_address,
            photo_slots: tokio::sync::Semaphore::new(nojs_files::PHOTO_SLOTS),
            clock,
        }))
    }

    /// Today in the office's calendar. Cases are dated by day only: a precise time would help
    /// tie a report to a person.
    /// Whether this answer's cookies are `Secure` (sent back only over HTTPS): always, but
    /// for a site reached at a loopback address or an onion name ([`cookies::https_expected`])
    /// unless the configuration says always.
    fn secure_cookies(&self, headers: &axum::http::HeaderMap) -> bool {
        self.0.secure_cookies || cookies::https_expected(headers)
    }

    fn today(&self) -> Date {
        self.0.clock.now().to_offset(self.0.utc_offset).date()
    }
}

pub fn router(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/", get(landing))
        .merge(report::routes())
        .merge(attachments::routes())
        .merge(followup::routes())
        .merge(team::routes())
        .route("/static/{*name}", get(static_asset))
        // Browsers ask for it whatever the page says; an answer keeps their console quiet.
        .route(
            "/favicon.ico",
            get(|| static_asset(Path("favicon.svg".to_owned()))),
        )
        .fallback(not_found);
    if let Some(onion) = state.0.onion_address.clone() {
        router = router.layer(axum::middleware::from_fn_with_state(
            onion,
            headers::onion_location,
        ));
    }
    router
        .layer(axum::middleware::from_fn(headers::security_headers))
        // Ciphertext (attachments) does not compress: sent as is, with its length.
        .layer(
            tower_http::compression::CompressionLayer::new().compress_when(
                DefaultPredicate::new()
                    .and(NotForContentType::const_new("application/octet-stream")),
            ),
        )
        .with_state(state)
}

/// `?lang=en` switches to English; anything else is Indonesian.
#[derive(Debug, Default, Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

impl LangQuery {
    fn lang(&self) -> Lang {
        self.lang
            .as_deref()
            .and_then(Lang::parse)
            .unwrap_or_default()
    }
}

async fn landing(State(state): State<AppState>, Query(q): Query<LangQuery>) -> Response {
    let lang = q.lang();
    match state.0.team.get().await {
        Ok(team) => html(
            StatusCode::OK,
            kentongan_templates::landing(lang, &state.0.office, &team.view()),
        ),
        Err(e) => {
            tracing::error!("cannot read the team: {e}");
            state.error_page(lang, StatusCode::SERVICE_UNAVAILABLE, Message::StoreDown)
        }
    }
}

async fn not_found(State(state): State<AppState>, Query(q): Query<LangQuery>) -> Response {
    state.error_page(q.lang(), StatusCode::NOT_FOUND, Message::NotFound)
}

async fn static_asset(Path(name): Path<String>) -> Response {
    match kentongan_templates::assets::get(&name) {
        Some(asset) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(asset.content_type),
                ),
                // URLs carry a content hash (`?v=`), so a cached copy is never stale.
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000, immutable"),
                ),
            ],
            asset.bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

impl AppState {
    /// The page for a form post the server cannot read at all: over the size limit, or not
    /// a form. (The language is unknown: it is a field of the form.)
    fn form_rejected(&self, rejection: &axum::extract::rejection::FormRejection) -> Response {
        let (status, message) = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            (StatusCode::PAYLOAD_TOO_LARGE, Message::TooLarge)
        } else {
            (StatusCode::BAD_REQUEST, Message::BadRequest)
        };
        self.error_page(Lang::default(), status, message)
    }

    fn error_page(&self, lang: Lang, status: StatusCode, message: Message) -> Response {
        html(
            status,
            kentongan_templates::error_page(lang, &self.0.office, message),
        )
    }
}

/// An HTML page that no cache keeps: pages may show a receipt, a passphrase or what a
/// reporter typed.
fn html(status: StatusCode, markup: Markup) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        markup,
    )
        .into_response()
}

/// An error for the browser's own code: `{"error": code, "message": text in lang}`.
fn api_error(lang: Lang, status: StatusCode, code: &'static str, message: Message) -> Response {
    (
        status,
        axum::Json(serde_json::json!({
            "error": code,
            "message": kentongan_templates::strings::message(lang, message),
        })),
    )
        .into_response()
}
