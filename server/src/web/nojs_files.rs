//! Files sent with the no-JS forms (`multipart/form-data`), encrypted here as they arrive.
//!
//! The attachment format puts the body's size in its encrypted header, before the body
//! (`kentongan_crypto::attachment::Sealer`), and a multipart part does not say how long it
//! is. So a file is read in two passes, neither of which holds it whole:
//!
//! 1. Every file streams first into a temporary upload, each [`CHUNK`] encrypted on its own
//!    to a one-time key that exists only in this request's memory ([`Received`]). This is
//!    the only pass that waits for the client, and it holds nothing scarce.
//! 2. Once the file is whole and its size known, the blocks are read back, decrypted in
//!    memory and pushed through the real [`Sealer`] into the case's upload; the temporary
//!    upload is then deleted (and would be unreadable ciphertext if the server died first:
//!    the sweep removes it). **Photos** (JPEG, PNG, WebP, GIF by their magic bytes) are
//!    first read back whole into a zeroized buffer and cleaned of their metadata
//!    ([`metadata::clean`]), in one of a few cleaning slots, waited for a bounded time.
//!
//! A HEIF or TIFF photo, whose metadata cannot be removed, is refused from its first bytes
//! ([`metadata::refused`]), before anything of it is stored.
//!
//! No plaintext reaches a disk, and memory stays at a few [`CHUNK`]s per file (a photo's
//! cleaning aside). Nothing here logs a file's name, type or content.

use std::time::Duration;

use axum::extract::multipart::Field;
use axum::http::StatusCode;
use kentongan_crypto::attachment::{
    AttachmentHeader, CHUNK, MAX_NAME_CHARS, MAX_TYPE_CHARS, Sealer,
};
use kentongan_crypto::keys::Identity;
use kentongan_crypto::{Ciphertext, Plaintext, Recipient, ciphertext, metadata};
use kentongan_templates::strings::FileRefusal;
use kentongan_templates::{FileOutcome, FileReport};
use zeroize::Zeroizing;

use super::AppState;
use crate::store::StoreError;
use crate::uploads::UploadToken;

/// Why a file was not stored.
#[derive(Debug)]
pub(super) enum FileError {
    /// The reporter's to fix (too large, too many, an image that cannot be cleaned, a HEIF
    /// or TIFF photo).
    Refused(FileRefusal),
    /// The request broke off or is not a well-formed multipart body.
    Malformed,
    Store(StoreError),
    /// Encryption failed (not expected with X25519 and memory buffers).
    Internal,
}

impl From<StoreError> for FileError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::UploadsFull => FileError::Refused(FileRefusal::NoRoom),
            e => FileError::Store(e),
        }
    }
}

/// The status a page refusing files answers with.
pub(super) fn refusal_status(refused: FileRefusal) -> StatusCode {
    match refused {
        FileRefusal::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        FileRefusal::NoRoom | FileRefusal::PhotosBusy => StatusCode::SERVICE_UNAVAILABLE,
        FileRefusal::PhotoFormat(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        _ => StatusCode::BAD_REQUEST,
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
    let max_file_bytes = state.0.attachments.max_file_bytes;
    let mut reader = PartReader {
        max: max_file_bytes,
        refusal: FileRefusal::TooLarge {
            max_bytes: max_file_bytes,
        },
        read: 0,
    };
    // Enough to tell an image by its magic bytes, and a HEIF one by its brands.
    let mut head = Zeroizing::new(Vec::with_capacity(CHUNK));
    while head.len() < metadata::SNIFF_LEN {
        match reader.next(&mut field).await? {
            Some(bytes) => extend_zeroized(&mut head, &bytes),
            None => break,
        }
    }
    if let Some(format) = metadata::refused(&head) {
        return Err(FileError::Refused(FileRefusal::PhotoFormat(format)));
    }
    let photo = metadata::detect(&head).is_some();
    // A photo is cleaned in memory, so it may be held to less than other files.
    if photo && MAX_PHOTO_BYTES < max_file_bytes {
        reader.max = MAX_PHOTO_BYTES;
        reader.refusal = FileRefusal::PhotoTooLarge {
            max_bytes: MAX_PHOTO_BYTES,
        };
    }
    let received = Received::read(state, field, reader, head).await?;
    let sealed = if photo {
        seal_photo(state, &received, to, name.clone(), media_type).await
    } else {
        let header = AttachmentHeader {
            name: name.clone(),
            media_type,
            size: received.size,
            cleaned: Vec::new(),
        };
        seal_as_sent(state, &received, to, &header)
            .await
            .map(|hash| (hash, FileOutcome::NotCleaned))
    };
    received.upload.discard(state).await;
    let (hash, outcome) = sealed?;
    stored.hashes.push(hash);
    stored.reports.push(FileReport { name, outcome });
    Ok(())
}

/// Counts a part's bytes against the limit.
struct PartReader {
    max: u64,
    /// What passing `max` is called.
    refusal: FileRefusal,
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
                return Err(FileError::Refused(self.refusal));
            }
        }
        Ok(bytes)
    }
}

/// The largest photo cleaned in memory on this path (phones make photos of a few MB; a
/// screenshot PNG can reach a few tens). Cleaning holds about three copies of a photo, and
/// at most [`PHOTO_SLOTS`] are cleaned at once, so together these bound what anonymous
/// posts can make the server hold (2 × 3 × 32 MiB) however many arrive.
const MAX_PHOTO_BYTES: u64 = 32 * 1024 * 1024;
pub(super) const PHOTO_SLOTS: usize = 2;

/// A file as the client sent it, stored in [`CHUNK`] blocks each sealed to a one-time key
/// that exists only in this request's memory: the first pass. The client's pace matters
/// only here, where nothing scarce is held.
struct Received {
    one_time: Identity,
    upload: Upload,
    size: u64,
}

impl Received {
    async fn read(
        state: &AppState,
        mut field: Field<'_>,
        mut reader: PartReader,
        head: Zeroizing<Vec<u8>>,
    ) -> Result<Received, FileError> {
        let one_time = Identity::generate();
        let mut upload = Upload::begin(state).await?;
        let read = async {
            let mut block = Zeroizing::new(Vec::with_capacity(CHUNK));
            let mut size = head.len() as u64;
            let mut pending = take_blocks(&mut block, &head);
            loop {
                for full in pending.drain(..) {
                    upload
                        .append_whole(state, seal_temporary(&one_time, &full)?.as_bytes())
                        .await?;
                }
                match reader.next(&mut field).await? {
                    Some(bytes) => {
                        size += bytes.len() as u64;
                        pending = take_blocks(&mut block, &bytes);
                    }
                    None => break,
                }
            }
            if !block.is_empty() {
                upload
                    .append_whole(state, seal_temporary(&one_time, &block)?.as_bytes())
                    .await?;
            }
            Ok::<u64, FileError>(size)
        }
        .await;
        match read {
            Ok(size) => Ok(Received {
                one_time,
                upload,
                size,
            }),
            Err(e) => {
                upload.discard(state).await;
                Err(e)
            }
        }
    }

    /// Block `seq` in plaintext, or `None` past the last.
    async fn block(&self, state: &AppState, seq: u32) -> Result<Option<Plaintext>, FileError> {
        let Some(piece) = state.0.store.attachment_chunk(self.upload.id, seq).await? else {
            return Ok(None);
        };
        ciphertext::decrypt(&Ciphertext::from_bytes(piece), [&self.one_time])
            .map(Some)
            .map_err(|_| FileError::Internal)
    }
}

/// Whole blocks to seal from `bytes`, filling `block` to at most [`CHUNK`] at a time.
fn take_blocks(block: &mut Zeroizing<Vec<u8>>, bytes: &[u8]) -> Vec<Zeroizing<Vec<u8>>> {
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
}

/// A photo: read back whole (zeroized) once a cleaning slot is free, cleaned, sealed. The
/// wait for a slot is bounded, so a queue of photos is refused with "try again" (the
/// reporter's text kept) rather than left hanging.
async fn seal_photo(
    state: &AppState,
    received: &Received,
    to: &Recipient,
    name: String,
    media_type: String,
) -> Result<([u8; 32], FileOutcome), FileError> {
    let wait = Duration::from_secs(state.0.attachments.photo_wait_seconds);
    let _slot = match tokio::time::timeout(wait, state.0.photo_slots.acquire()).await {
        Ok(Ok(slot)) => slot,
        Ok(Err(_)) => return Err(FileError::Internal),
        Err(_) => return Err(FileError::Refused(FileRefusal::PhotosBusy)),
    };
    let mut image = Zeroizing::new(Vec::new());
    for seq in 0.. {
        let Some(block) = received.block(state, seq).await? else {
            break;
        };
        extend_zeroized(&mut image, block.expose_secret());
    }
    let cleaned = metadata::clean(&image).map_err(|e| {
        FileError::Refused(match e {
            // Not expected: a refused format does not start like a photo that is cleaned.
            metadata::MetadataError::Refused(format) => FileRefusal::PhotoFormat(format),
            _ => FileRefusal::UnreadableImage,
        })
    })?;
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
    let mut sealing = Sealing::begin(state, to, &header).await?;
    for piece in body.chunks(CHUNK) {
        sealing.push(state, piece).await?;
    }
    Ok((sealing.finish(state).await?, FileOutcome::Cleaned(slugs)))
}

/// Any other file, now that its size is known: block by block from the first pass through
/// the real [`Sealer`] into the case's upload.
async fn seal_as_sent(
    state: &AppState,
    received: &Received,
    to: &Recipient,
    header: &AttachmentHeader,
) -> Result<[u8; 32], FileError> {
    let mut sealing = Sealing::begin(state, to, header).await?;
    for seq in 0.. {
        let block = match received.block(state, seq).await {
            Ok(Some(block)) => block,
            Ok(None) => break,
            Err(e) => {
                sealing.upload.discard(state).await;
                return Err(e);
            }
        };
        sealing.push(state, block.expose_secret()).await?;
    }
    sealing.finish(state).await
}

/// A file being sealed to the case key into a new upload. Any error discards the upload.
struct Sealing {
    sealer: Sealer,
    upload: Upload,
}

impl Sealing {
    async fn begin(
        state: &AppState,
        to: &Recipient,
        header: &AttachmentHeader,
    ) -> Result<Sealing, FileError> {
        let sealer = Sealer::new(to, header).map_err(|_| FileError::Internal)?;
        let upload = Upload::begin(state).await?;
        Ok(Sealing { sealer, upload })
    }

    /// Seals and stores the next piece of plaintext.
    async fn push(&mut self, state: &AppState, plain: &[u8]) -> Result<(), FileError> {
        let written = match self.sealer.push(plain) {
            Ok(out) => self.upload.write(state, &out).await,
            Err(_) => Err(FileError::Internal),
        };
        if written.is_err() {
            self.upload.discard(state).await;
        }
        written
    }

    /// Seals the end, stores what is left and closes the upload; its token hash.
    async fn finish(mut self, state: &AppState) -> Result<[u8; 32], FileError> {
        let written = match self.sealer.finish() {
            Ok(out) => self.upload.write(state, &out).await,
            Err(_) => Err(FileError::Internal),
        };
        match written {
            Ok(()) => self.upload.finish(state).await,
            Err(e) => {
                self.upload.discard(state).await;
                Err(e)
            }
        }
    }
}

/// Appends to a plaintext buffer; when it must grow, the old allocation is zeroized rather
/// than left behind by `Vec`'s reallocation.
pub(super) fn extend_zeroized(buffer: &mut Zeroizing<Vec<u8>>, bytes: &[u8]) {
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
            let room = state.0.attachments.unattached();
            match state
                .0
                .store
                .begin_attachment(&hash, state.today(), room)
                .await
            {
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
            .append_attachment(
                &self.hash,
                self.received,
                piece,
                max,
                state.0.attachments.unattached(),
            )
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

    async fn discard(&self, state: &AppState) {
        if let Err(e) = state.0.store.discard_upload(&self.hash).await {
            tracing::warn!("discarding an upload failed: {e}");
        }
    }
}
