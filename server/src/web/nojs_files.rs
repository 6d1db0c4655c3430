//! Files sent with the no-JS forms (`multipart/form-data`), encrypted here as they arrive.
//!
//! The attachment format puts the body's size in its encrypted header, before the body
//! (`kentongan_crypto::attachment::Sealer`), and a multipart part does not say how long it
//! is. So a file is read in two passes, neither of which holds it whole:
//!
//! - **Images** (JPEG, PNG, WebP by their magic bytes) must be read whole anyway to remove
//!   their metadata ([`metadata::clean`]): they are, in a zeroized buffer of at most
//!   `max_file_bytes`, then sealed to the case key.
//! - **Other files** stream first into a temporary upload, each [`CHUNK`] encrypted on its
//!   own to a one-time key that exists only in this request's memory. Once the size is
//!   known, the pieces are read back one at a time, decrypted in memory and pushed through
//!   the real [`Sealer`] into the case's upload; the temporary upload is then deleted (and
//!   would be unreadable ciphertext if the server died first: the sweep removes it).
//!
//! No plaintext reaches a disk, and memory stays at a few [`CHUNK`]s per file. Nothing here
//! logs a file's name, type or content.

use axum::extract::multipart::Field;
use kentongan_crypto::attachment::{
    AttachmentHeader, CHUNK, MAX_NAME_CHARS, MAX_TYPE_CHARS, Sealer,
};
use kentongan_crypto::keys::Identity;
use kentongan_crypto::{Ciphertext, Recipient, ciphertext, metadata};
use kentongan_templates::strings::FileRefusal;
use kentongan_templates::{FileOutcome, FileReport};
use zeroize::Zeroizing;

use super::AppState;
use crate::store::StoreError;
use crate::uploads::UploadToken;

/// Why a file was not stored.
#[derive(Debug)]
pub(super) enum FileError {
    /// The reporter's to fix (too large, too many, an image that cannot be cleaned).
    Refused(FileRefusal),
    /// The request broke off or is not a well-formed multipart body.
    Malformed,
    Store(StoreError),
    /// Encryption failed (not expected with X25519 and memory buffers).
    Internal,
}

impl From<StoreError> for FileError {
    fn from(e: StoreError) -> Self {
        FileError::Store(e)
    }
}

/// The complete uploads of one submission, and what the receipt says of each. Whatever is
/// not attached in the end is [`Stored::discard`]ed.
#[derive(Default)]
pub(super) struct Stored {
    pub(super) hashes: Vec<[u8; 32]>,
    pub(super) reports: Vec<FileReport>,
}

impl Stored {
    pub(super) fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Deletes the uploads: the submission was refused.
    pub(super) async fn discard(self, state: &AppState) {
        for hash in &self.hashes {
            if let Err(e) = state.0.store.discard_upload(hash).await {
                tracing::warn!("discarding a refused submission's upload failed: {e}");
            }
        }
    }
}

/// Whether a `files` part carries a file: a browser sends one empty, nameless part when
/// none was chosen.
pub(super) fn has_file(field: &Field<'_>) -> bool {
    field.file_name().is_some_and(|name| !name.is_empty())
}

/// Reads one file part, encrypts it to `to` and stores it as a complete upload, added to
/// `stored`. On any error the file's own uploads are gone; `stored` is as it was.
pub(super) async fn store_file(
    state: &AppState,
    mut field: Field<'_>,
    to: &Recipient,
    stored: &mut Stored,
) -> Result<(), FileError> {
    if stored.len() >= state.0.attachments.max_files {
        return Err(FileError::Refused(FileRefusal::TooMany {
            max: state.0.attachments.max_files,
        }));
    }
    let name: String = field
        .file_name()
        .unwrap_or_default()
        .chars()
        .take(MAX_NAME_CHARS)
        .collect();
    let media_type: String = field
        .content_type()
        .unwrap_or_default()
        .chars()
        .take(MAX_TYPE_CHARS)
        .collect();
    let mut reader = PartReader {
        max: state.0.attachments.max_file_bytes,
        read: 0,
    };
    // Enough to tell an image by its magic bytes (WebP needs 12).
    let mut head = Zeroizing::new(Vec::with_capacity(CHUNK));
    while head.len() < 16 {
        match reader.next(&mut field).await? {
            Some(bytes) => extend_zeroized(&mut head, &bytes),
            None => break,
        }
    }
    let (hash, outcome) = if metadata::detect(&head).is_some() {
        store_image(state, field, reader, head, to, name.clone(), media_type).await?
    } else {
        let hash = store_streamed(state, field, reader, head, to, name.clone(), media_type).await?;
        (hash, FileOutcome::NotCleaned)
    };
    stored.hashes.push(hash);
    stored.reports.push(FileReport { name, outcome });
    Ok(())
}

/// Counts a part's bytes against the limit.
struct PartReader {
    max: u64,
    read: u64,
}

impl PartReader {
    async fn next(
        &mut self,
        field: &mut Field<'_>,
    ) -> Result<Option<axum::body::Bytes>, FileError> {
        let bytes = field.chunk().await.map_err(|_| FileError::Malformed)?;
        if let Some(bytes) = &bytes {
            self.read = self.read.saturating_add(bytes.len() as u64);
            if self.read > self.max {
                return Err(FileError::Refused(FileRefusal::TooLarge {
                    max_bytes: self.max,
                }));
            }
        }
        Ok(bytes)
    }
}

/// The largest photo cleaned in memory on this path (phones make photos of a few MB; a
/// screenshot PNG can reach a few tens), and how many are held at once: cleaning holds about
/// three copies of a photo, so together these bound what anonymous posts can make the
/// server hold (2 × 3 × 32 MiB) however many arrive.
const MAX_PHOTO_BYTES: u64 = 32 * 1024 * 1024;
static CLEANING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// An image: read whole (zeroized), cleaned, sealed.
async fn store_image(
    state: &AppState,
    mut field: Field<'_>,
    mut reader: PartReader,
    mut image: Zeroizing<Vec<u8>>,
    to: &Recipient,
    name: String,
    media_type: String,
) -> Result<([u8; 32], FileOutcome), FileError> {
    let _permit = CLEANING.acquire().await.map_err(|_| FileError::Internal)?;
    let max_photo = MAX_PHOTO_BYTES.min(reader.max);
    while let Some(bytes) = reader.next(&mut field).await? {
        if reader.read > max_photo {
            return Err(FileError::Refused(FileRefusal::PhotoTooLarge {
                max_bytes: max_photo,
            }));
        }
        extend_zeroized(&mut image, &bytes);
    }
    let cleaned =
        metadata::clean(&image).map_err(|_| FileError::Refused(FileRefusal::UnreadableImage))?;
    drop(image);
    let slugs: Vec<String> = metadata::removed_slugs(&cleaned.removed)
        .into_iter()
        .map(str::to_owned)
        .collect();
    let body = Zeroizing::new(cleaned.bytes);
    let header = AttachmentHeader {
        name,
        media_type,
        size: body.len() as u64,
        cleaned: slugs.clone(),
    };
    let mut sealer = Sealer::new(to, &header).map_err(|_| FileError::Internal)?;
    let mut upload = Upload::begin(state).await?;
    let sealed = async {
        for piece in body.chunks(CHUNK) {
            let out = sealer.push(piece).map_err(|_| FileError::Internal)?;
            upload.write(state, &out).await?;
        }
        let out = sealer.finish().map_err(|_| FileError::Internal)?;
        upload.write(state, &out).await
    }
    .await;
    match sealed {
        Ok(()) => Ok((upload.finish(state).await?, FileOutcome::Cleaned(slugs))),
        Err(e) => {
            upload.discard(state).await;
            Err(e)
        }
    }
}

/// Any other file: two passes through a temporary upload (see the module documentation).
async fn store_streamed(
    state: &AppState,
    mut field: Field<'_>,
    mut reader: PartReader,
    head: Zeroizing<Vec<u8>>,
    to: &Recipient,
    name: String,
    media_type: String,
) -> Result<[u8; 32], FileError> {
    let one_time = Identity::generate();
    let mut temp = Upload::begin(state).await?;
    let first = async {
        let mut block = Zeroizing::new(Vec::with_capacity(CHUNK));
        let mut size = 0u64;
        let take = |block: &mut Zeroizing<Vec<u8>>, bytes: &[u8]| -> Vec<Zeroizing<Vec<u8>>> {
            // Whole blocks to seal, filling `block` to at most CHUNK at a time.
            let mut full = Vec::new();
            let mut rest = bytes;
            while !rest.is_empty() {
                let room = CHUNK - block.len();
                let (now, later) = rest.split_at(room.min(rest.len()));
                block.extend_from_slice(now);
                rest = later;
                if block.len() == CHUNK {
                    full.push(Zeroizing::new(std::mem::take(&mut **block)));
                    block.reserve(CHUNK);
                }
            }
            full
        };
        size += head.len() as u64;
        let mut pending = take(&mut block, &head);
        loop {
            for full in pending.drain(..) {
                temp.append_whole(state, seal_temporary(&one_time, &full)?.as_bytes())
                    .await?;
            }
            match reader.next(&mut field).await? {
                Some(bytes) => {
                    size += bytes.len() as u64;
                    pending = take(&mut block, &bytes);
                }
                None => break,
            }
        }
        if !block.is_empty() {
            temp.append_whole(state, seal_temporary(&one_time, &block)?.as_bytes())
                .await?;
        }
        Ok::<u64, FileError>(size)
    }
    .await;
    let size = match first {
        Ok(size) => size,
        Err(e) => {
            temp.discard(state).await;
            return Err(e);
        }
    };
    let mut upload = match Upload::begin(state).await {
        Ok(upload) => upload,
        Err(e) => {
            temp.discard(state).await;
            return Err(e);
        }
    };
    let header = AttachmentHeader {
        name,
        media_type,
        size,
        cleaned: Vec::new(),
    };
    let second = async {
        let mut sealer = Sealer::new(to, &header).map_err(|_| FileError::Internal)?;
        for seq in 0.. {
            let Some(piece) = state.0.store.attachment_chunk(temp.id, seq).await? else {
                break;
            };
            let plain = ciphertext::decrypt(&Ciphertext::from_bytes(piece), [&one_time])
                .map_err(|_| FileError::Internal)?;
            let out = sealer
                .push(plain.expose_secret())
                .map_err(|_| FileError::Internal)?;
            upload.write(state, &out).await?;
        }
        let out = sealer.finish().map_err(|_| FileError::Internal)?;
        upload.write(state, &out).await
    }
    .await;
    temp.discard(state).await;
    match second {
        Ok(()) => upload.finish(state).await,
        Err(e) => {
            upload.discard(state).await;
            Err(e)
        }
    }
}

/// Appends to a plaintext buffer; when it must grow, the old allocation is zeroized rather
/// than left behind by `Vec`'s reallocation.
fn extend_zeroized(buffer: &mut Zeroizing<Vec<u8>>, bytes: &[u8]) {
    let needed = buffer.len().saturating_add(bytes.len());
    if needed > buffer.capacity() {
        let mut grown = Zeroizing::new(Vec::with_capacity(needed.max(2 * buffer.capacity())));
        grown.extend_from_slice(buffer);
        *buffer = grown;
    }
    buffer.extend_from_slice(bytes);
}

/// One block of the first pass, sealed to the one-time key.
fn seal_temporary(one_time: &Identity, block: &[u8]) -> Result<Ciphertext, FileError> {
    ciphertext::encrypt(&one_time.to_public(), block).map_err(|_| FileError::Internal)
}

/// An upload being written from here: pieces of exactly [`CHUNK`] bytes, as a browser's.
struct Upload {
    id: i64,
    hash: [u8; 32],
    received: u64,
    pending: Vec<u8>,
}

impl Upload {
    async fn begin(state: &AppState) -> Result<Upload, FileError> {
        for _ in 0..3 {
            let hash = UploadToken::generate().hash();
            match state.0.store.begin_attachment(&hash, state.today()).await {
                Ok(id) => {
                    return Ok(Upload {
                        id,
                        hash,
                        received: 0,
                        pending: Vec::with_capacity(2 * CHUNK),
                    });
                }
                Err(StoreError::Duplicate) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(FileError::Internal)
    }

    /// Ciphertext to store, cut into pieces of [`CHUNK`].
    async fn write(&mut self, state: &AppState, sealed: &[u8]) -> Result<(), FileError> {
        self.pending.extend_from_slice(sealed);
        while self.pending.len() >= CHUNK {
            let piece: Vec<u8> = self.pending.drain(..CHUNK).collect();
            self.append_whole(state, &piece).await?;
        }
        Ok(())
    }

    /// One piece, as it is (the temporary upload's pieces are one sealed block each).
    async fn append_whole(&mut self, state: &AppState, piece: &[u8]) -> Result<(), FileError> {
        // Bounded by the plaintext limit already; the store needs a bound all the same.
        let max = state.0.attachments.max_sealed_len().saturating_mul(2);
        self.received = state
            .0
            .store
            .append_attachment(&self.hash, self.received, piece, max)
            .await?;
        Ok(())
    }

    /// Stores what is left and closes the upload; its token hash.
    async fn finish(mut self, state: &AppState) -> Result<[u8; 32], FileError> {
        let done = async {
            if !self.pending.is_empty() {
                let rest = std::mem::take(&mut self.pending);
                self.append_whole(state, &rest).await?;
            }
            state.0.store.complete_attachment(&self.hash).await?;
            Ok::<(), FileError>(())
        }
        .await;
        match done {
            Ok(()) => Ok(self.hash),
            Err(e) => {
                self.discard(state).await;
                Err(e)
            }
        }
    }

    async fn discard(self, state: &AppState) {
        if let Err(e) = state.0.store.discard_upload(&self.hash).await {
            tracing::warn!("discarding an upload failed: {e}");
        }
    }
}

/// Reads and discards what is left of a refused post, up to `max` bytes, before the refusal is
/// sent: a server that answers while the browser is still sending makes most browsers show
/// "connection reset" instead of the answer, and the reporter's text (which the refusal page
/// keeps) would be lost. Beyond `max` (more than an allowed post can hold) it stops.
pub(super) async fn drain(multipart: &mut axum::extract::Multipart, max: u64) {
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
pub(super) fn post_bound(limits: crate::uploads::AttachmentLimits) -> u64 {
    (limits.max_files as u64 + 1).saturating_mul(limits.max_file_bytes)
}
