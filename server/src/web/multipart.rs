//! The one reader of the no-JS forms sent as `multipart/form-data`: a report with files
//! (`report/multipart.rs`) and a follow-up message with files (`followup/multipart.rs`).
//!
//! The forms put their text fields first (the CSRF token and the language among them), then
//! the `files` parts. The text is read within the form's budget. At the first file, the
//! caller checks the text and names the key the files are sealed to (a new case's, or the
//! session's case); no file byte is read before that. Each file is then encrypted as it
//! streams in ([`super::nojs_files`]). Text after the first file is not read: the forms never
//! send any.

use axum::extract::Multipart;
use axum::extract::multipart::Field;
use axum::http::{HeaderMap, header};
use kentongan_crypto::Recipient;
use serde::de::DeserializeOwned;
use serde::de::value::MapDeserializer;
use zeroize::Zeroizing;

use super::AppState;
use super::nojs_files::{self, FileError, Stored, extend_zeroized};

pub(super) fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .get(..19)
                .is_some_and(|t| t.eq_ignore_ascii_case("multipart/form-data"))
        })
}

/// The text fields by name. The values are what the reporter typed: zeroized on drop, and
/// never copied but into the form's own (zeroized) struct.
#[derive(Default)]
pub(super) struct Text(Vec<(String, Zeroizing<String>)>);

impl Text {
    /// Sets field `name` (a repeated name keeps the last value, as the urlencoded form does).
    fn insert(&mut self, name: String, value: Zeroizing<String>) {
        match self.0.iter_mut().find(|(known, _)| *known == name) {
            Some((_, old)) => *old = value,
            None => self.0.push((name, value)),
        }
    }

    /// The fields as the urlencoded form's struct: a field it does not know is ignored, as
    /// there; a form that does not fit it gives its default (an empty form).
    pub(super) fn parse<T: DeserializeOwned + Default>(&self) -> T {
        let fields = self
            .0
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()));
        T::deserialize(MapDeserializer::<_, serde::de::value::Error>::new(fields))
            .unwrap_or_default()
    }
}

/// What was read of a post.
pub(super) struct Post<T> {
    pub(super) text: Text,
    /// What the caller's check gave, if a file came (the check runs at the first file).
    pub(super) checked: Option<T>,
    /// The post's files, stored as complete uploads: the caller attaches or discards them.
    pub(super) files: Stored,
}

/// Why a post was not read whole.
pub(super) enum Failure<E> {
    /// The caller's check refused the text.
    Check(E),
    /// A file was refused or could not be stored.
    File(FileError),
    /// The text is more than the form's budget.
    TooLarge,
    /// Not a well-formed multipart body.
    Malformed,
}

/// Reads a post: its text within `budget` bytes (names included), then its files, each
/// sealed to the key `check` gives at the first file. On a failure the rest of the post is
/// read and thrown away (see [`drain`]) and what was read is returned all the same: the text,
/// for the page that keeps it, and the files stored so far, for the caller to discard.
pub(super) async fn read<T, E>(
    state: &AppState,
    multipart: &mut Multipart,
    mut budget: usize,
    check: impl AsyncFnOnce(&Text) -> Result<(T, Recipient), E>,
) -> (Post<T>, Result<(), Failure<E>>) {
    let mut post = Post {
        text: Text::default(),
        checked: None,
        files: Stored::default(),
    };
    let mut check = Some(check);
    let mut to: Option<Recipient> = None;
    let outcome = async {
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => return Ok(()),
                Err(_) => return Err(Failure::Malformed),
            };
            if field.name() == Some("files") {
                if !has_file(&field) {
                    continue;
                }
                if let Some(check) = check.take() {
                    let (checked, key) = check(&post.text).await.map_err(Failure::Check)?;
                    post.checked = Some(checked);
                    to = Some(key);
                }
                let Some(to) = &to else {
                    return Err(Failure::Malformed);
                };
                nojs_files::store_file(state, field, to, &mut post.files)
                    .await
                    .map_err(Failure::File)?;
            } else if to.is_none() {
                let name = field.name().unwrap_or_default().to_owned();
                // Every part costs its name and a little more: many empty parts with new
                // names must not grow the map without bound.
                budget = budget
                    .checked_sub(name.len() + PART_COST)
                    .ok_or(Failure::Malformed)?;
                let value = read_text(field, &mut budget).await?;
                post.text.insert(name, value);
            }
        }
    }
    .await;
    if outcome.is_err() {
        drain(multipart, post_bound(state.0.attachments)).await;
    }
    (post, outcome)
}

/// What a text part costs the form's budget besides its name and value (what storing it
/// takes, roughly).
const PART_COST: usize = 64;

/// One text field, within what is left of the form's budget.
async fn read_text<E>(
    mut field: Field<'_>,
    budget: &mut usize,
) -> Result<Zeroizing<String>, Failure<E>> {
    let mut bytes = Zeroizing::new(Vec::new());
    while let Some(chunk) = field.chunk().await.map_err(|_| Failure::Malformed)? {
        *budget = budget.checked_sub(chunk.len()).ok_or(Failure::TooLarge)?;
        extend_zeroized(&mut bytes, &chunk);
    }
    match String::from_utf8(std::mem::take(&mut *bytes)) {
        Ok(text) => Ok(Zeroizing::new(text)),
        Err(e) => {
            drop(Zeroizing::new(e.into_bytes()));
            Err(Failure::Malformed)
        }
    }
}

/// Whether a `files` part carries a file: a browser sends one empty, nameless part when
/// none was chosen.
fn has_file(field: &Field<'_>) -> bool {
    field.file_name().is_some_and(|name| !name.is_empty())
}

/// Reads and discards what is left of a refused post, up to `max` bytes, before the refusal is
/// sent: a server that answers while the browser is still sending makes most browsers show
/// "connection reset" instead of the answer, and the reporter's text (which the refusal page
/// keeps) would be lost. Beyond `max` (more than an allowed post can hold) it stops.
async fn drain(multipart: &mut Multipart, max: u64) {
    let mut left = max;
    while let Ok(Some(mut field)) = multipart.next_field().await {
        while let Ok(Some(bytes)) = field.chunk().await {
            let Some(rest) = left.checked_sub(bytes.len() as u64) else {
                return;
            };
            left = rest;
        }
    }
}

/// What a post with files may hold at most: every file at its limit, and the form.
fn post_bound(limits: crate::uploads::AttachmentLimits) -> u64 {
    (limits.max_files as u64 + 1).saturating_mul(limits.max_file_bytes)
}
