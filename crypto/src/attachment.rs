//! Attachments: files a reporter adds to a report or a message, sealed to the case key.
//!
//! One attachment is **one standard age file** (<https://c2sp.org/age>, the STREAM payload in
//! 64 KiB chunks) encrypted to the case recipient, the key the report itself is sealed to.
//! `age -d -i case-keys.txt 17.age` therefore decrypts it with the reference tools (to the
//! frame below, not the bare file), and the case keys open every attachment of the case, in
//! the browser and offline alike. Its plaintext is
//!
//! ```text
//! u32 big-endian header length ‖ header JSON ‖ body (exactly header.size bytes) ‖ zero bytes
//! ```
//!
//! - The **header** ([`AttachmentHeader`]) carries the file's name and type *inside* the
//!   encryption: a file name ("surat-kepala-dinas.pdf") can say as much as the content, and
//!   the server never sees it.
//! - The **zeros** pad the whole plaintext to [`padding::padded_len_u64`] of its length
//!   (Padmé, as for reports), so the ciphertext's length says little more than the order of
//!   magnitude of the file (at most 12% overhead, about 3% at 100 MB).
//! - **Streaming** both ways: [`Sealer`] takes the body in pieces and hands back ciphertext
//!   as it is made, with no I/O of its own (the browser feeds it from a `File` and uploads
//!   what comes out; the server feeds it from a multipart stream); [`Opener`] is a
//!   [`Read`] over the body that holds one 64 KiB age chunk at a time. age's STREAM
//!   authenticates every chunk and marks the last one, so a truncated, reordered or extended
//!   file is an error, never silently shorter or longer content.
//!
//! Without any key, the server can check only what [`check_start`] and [`check_length`]
//! check: that an upload is an age file to exactly one X25519 recipient whose length is one a
//! padded attachment can have. Which key it is sealed to, it cannot know (age hides that);
//! the case page simply cannot open an attachment sealed to the wrong key.
//!
//! The server's no-JavaScript path does not know a file's size until its last byte has
//! arrived, and [`Sealer::new`] needs it: the server first stores the file in blocks sealed
//! to a key that exists only in its memory, then reads them back into a [`Sealer`]
//! (`server/src/web/nojs_files.rs`).
//!
//! Uploads travel in pieces of [`CHUNK`] bytes of *ciphertext* (unrelated to age's 64 KiB
//! chunks), one database row each, so neither side ever holds a whole file.

use std::fmt;
use std::io::{self, BufRead, BufReader, Chain, Cursor, Read, Write};
use std::sync::{Arc, Mutex, PoisonError};

use age::stream::{StreamReader, StreamWriter};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use zeroize::Zeroizing;

use crate::ciphertext::{self, ShapeError};
use crate::keys::{Identity, Recipient};
use crate::padding;

mod file_name;
pub use file_name::{FALLBACK_NAME, MAX_FILE_NAME_BYTES, numbered_file_name, sanitize_file_name};

/// The `format` value of the headers this version writes and reads.
pub const FORMAT: &str = "kentongan-attachment/1";

/// The upload chunk: the browser sends an attachment's ciphertext in pieces of exactly this
/// many bytes (the last one shorter) and the server stores one row per piece. 1 MiB keeps
/// a request short enough to retry cheaply on a bad connection, and a row small enough for
/// both databases to handle without streaming blobs.
pub const CHUNK: usize = 1 << 20;

/// The longest file name kept in a header, in characters (not bytes): what common file
/// systems allow for one path component.
pub const MAX_NAME_CHARS: usize = 255;

/// The longest media type kept in a header, in characters. The type is what the browser
/// said (informational only: nothing trusts it), and real ones are far shorter.
pub const MAX_TYPE_CHARS: usize = 100;

/// The most entries in [`AttachmentHeader::cleaned`], and the longest one in bytes. The
/// slugs come from [`crate::metadata::Removed::slugs`]; the bounds leave room for new ones
/// while keeping a hostile header small.
pub const MAX_CLEANED: usize = 16;
/// See [`MAX_CLEANED`].
pub const MAX_SLUG_BYTES: usize = 32;

/// The longest header JSON, in bytes. A header within the limits above serialises to at
/// most about 2.8 KB (a name of 255 control characters escaped as `\u00XX` is 1530 bytes),
/// so this is never reached by a valid header; an opener refuses longer length prefixes
/// before allocating anything.
pub const MAX_HEADER_LEN: usize = 4096;

/// The largest body, in bytes: 1 TiB, far beyond any configured limit. It exists so that
/// every length computed from a size fits in a `u64` and a `usize` prefix check can never
/// overflow; the server's own limit (`max_file_bytes`) is what really bounds uploads.
pub const MAX_SIZE: u64 = 1 << 40;

/// The longest age header [`check_start`] and [`Opener::new`] accept. age writes about 380
/// bytes for one X25519 recipient plus its random "grease" stanza (at most ~210 bytes);
/// the bound keeps a hostile file from making a reader buffer an endless header line.
pub const MAX_AGE_HEADER: usize = 1024;

/// The age payload nonce, and the Poly1305 tag after each 64 KiB chunk.
const AGE_NONCE: u64 = 16;
const AGE_TAG: u64 = 16;
const AGE_CHUNK: u64 = 64 * 1024;

/// What goes inside the encryption beside the body. Built by the sender (browser or server)
/// from what the reporter's device said; read back by whoever holds the case key.
#[derive(Clone, PartialEq, Eq)]
pub struct AttachmentHeader {
    /// The original file name, at most [`MAX_NAME_CHARS`] characters, exactly as the
    /// reporter's device gave it. **Never use it as a path**: [`sanitize_file_name`] makes
    /// a safe one.
    pub name: String,
    /// The media type the browser reported (`type` in the JSON), at most
    /// [`MAX_TYPE_CHARS`] characters, possibly empty. Informational: never trust it to
    /// decide how to handle the bytes.
    pub media_type: String,
    /// The body's length in bytes (after metadata removal), at most [`MAX_SIZE`].
    pub size: u64,
    /// What metadata was removed before sealing ([`crate::metadata::removed_slugs`]);
    /// empty when nothing was removed or the file was not an image that could be cleaned.
    pub cleaned: Vec<String>,
}

impl fmt::Debug for AttachmentHeader {
    // The name and type are reporter content: they must not reach a log by way of `{:?}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttachmentHeader")
            .field(
                "name",
                &format_args!("[REDACTED; {} bytes]", self.name.len()),
            )
            .field(
                "media_type",
                &format_args!("[REDACTED; {} bytes]", self.media_type.len()),
            )
            .field("size", &self.size)
            .field("cleaned", &self.cleaned)
            .finish()
    }
}

/// The header as written: [`AttachmentHeader`] plus the format tag, borrowed so that no
/// copy of the name is left behind.
#[derive(Serialize)]
struct WireHeaderOut<'a> {
    format: &'a str,
    name: &'a str,
    #[serde(rename = "type")]
    media_type: &'a str,
    size: u64,
    cleaned: &'a [String],
}

/// The header as read. Unknown fields are refused, so that a later format cannot be
/// misread by this version as this one.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireHeader {
    format: String,
    name: String,
    #[serde(rename = "type")]
    media_type: String,
    size: u64,
    cleaned: Vec<String>,
}

impl AttachmentHeader {
    /// Checks the limits documented on each field. The same checks run when sealing and
    /// when opening, so nothing sealed by this crate fails to open.
    pub fn validate(&self) -> Result<(), AttachmentError> {
        if self.name.chars().count() > MAX_NAME_CHARS {
            return Err(AttachmentError::NameTooLong);
        }
        if self.media_type.chars().count() > MAX_TYPE_CHARS {
            return Err(AttachmentError::TypeTooLong);
        }
        if self.size > MAX_SIZE {
            return Err(AttachmentError::TooLarge);
        }
        let slug_ok = |s: &String| {
            !s.is_empty()
                && s.len() <= MAX_SLUG_BYTES
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        if self.cleaned.len() > MAX_CLEANED || !self.cleaned.iter().all(slug_ok) {
            return Err(AttachmentError::Cleaned);
        }
        Ok(())
    }

    /// The header JSON (zeroized on drop: it holds the file name).
    fn to_json(&self) -> Result<Zeroizing<Vec<u8>>, AttachmentError> {
        self.validate()?;
        let wire = WireHeaderOut {
            format: FORMAT,
            name: &self.name,
            media_type: &self.media_type,
            size: self.size,
            cleaned: &self.cleaned,
        };
        let json = Zeroizing::new(serde_json::to_vec(&wire).map_err(|_| AttachmentError::Encrypt)?);
        // Unreachable within the limits above (see MAX_HEADER_LEN); checked all the same so
        // that sealing can never produce a file that opening refuses.
        if json.len() > MAX_HEADER_LEN {
            return Err(AttachmentError::NameTooLong);
        }
        Ok(json)
    }

    fn from_json(json: &[u8]) -> Result<Self, AttachmentError> {
        let wire: WireHeader =
            serde_json::from_slice(json).map_err(|_| AttachmentError::Decrypt)?;
        if wire.format != FORMAT {
            return Err(AttachmentError::Decrypt);
        }
        let header = AttachmentHeader {
            name: wire.name,
            media_type: wire.media_type,
            size: wire.size,
            cleaned: wire.cleaned,
        };
        header.validate().map_err(|_| AttachmentError::Decrypt)?;
        Ok(header)
    }
}

/// Everything that can go wrong with an attachment. Opening failures are all one variant,
/// [`AttachmentError::Decrypt`], on purpose (as in age): whether the key was wrong, a byte
/// was changed, the file was cut short or its padding forged is not something to tell
/// whoever is probing.
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttachmentError {
    /// The file name is longer than [`MAX_NAME_CHARS`] characters.
    #[error("the file name is too long")]
    NameTooLong,
    /// The media type is longer than [`MAX_TYPE_CHARS`] characters.
    #[error("the file type is too long")]
    TypeTooLong,
    /// The `cleaned` list is too long or holds something that is not a slug.
    #[error("the list of removed metadata is not valid")]
    Cleaned,
    /// The body is larger than [`MAX_SIZE`].
    #[error("the file is too large")]
    TooLarge,
    /// More or fewer body bytes were pushed than the header's `size` announced.
    #[error("the file's length is not the one announced")]
    SizeMismatch,
    /// Encryption failed (in practice unreachable with X25519 and memory buffers).
    #[error("could not encrypt the file")]
    Encrypt,
    /// The file did not open: wrong key, or the data is damaged.
    #[error("could not decrypt: wrong key, or the data is damaged")]
    Decrypt,
}

impl From<AttachmentError> for io::Error {
    fn from(e: AttachmentError) -> Self {
        io::Error::new(io::ErrorKind::InvalidData, e)
    }
}

/// The length of the padded plaintext of an attachment whose header JSON is `header_len`
/// bytes and whose body is `size` bytes.
fn frame_len(header_len: usize, size: u64) -> u64 {
    padding::padded_len_u64(4 + header_len as u64 + size)
}

/// An upper bound of the ciphertext length of an attachment with a `size`-byte body and a
/// header JSON of at most `header_len` bytes: pass [`MAX_HEADER_LEN`] for a bound over
/// every valid header. The server refuses an upload that grows past
/// `max_sealed_len(max_file_bytes, MAX_HEADER_LEN)`, so a reporter cannot store more than
/// the configured limit however the browser is modified.
///
/// It counts the age header as [`MAX_AGE_HEADER`], the 16-byte payload nonce and one
/// 16-byte tag per 64 KiB chunk of the padded plaintext.
pub fn max_sealed_len(size: u64, header_len: usize) -> u64 {
    let frame = frame_len(header_len, size.min(MAX_SIZE));
    let chunks = frame.div_ceil(AGE_CHUNK).max(1);
    MAX_AGE_HEADER as u64 + AGE_NONCE + frame + chunks * AGE_TAG
}

/// What the server checks, without any key, on the first bytes of an upload (its first
/// [`CHUNK`], or the whole file if shorter) when the upload completes: an age v1 header of at
/// most [`MAX_AGE_HEADER`] bytes whose only recipient stanza is X25519 (besides age's
/// random "grease" stanza), followed by the payload nonce — the same checks
/// [`crate::Ciphertext::inspect`] runs on an item. A passphrase-encrypted file, one sealed
/// to a second key as well, or anything that is not age is refused.
pub fn check_start(first_bytes: &[u8]) -> Result<(), ShapeError> {
    let start = first_bytes
        .get(..first_bytes.len().min(MAX_AGE_HEADER + AGE_NONCE as usize))
        .unwrap_or(first_bytes);
    let header_end = ciphertext::check_header(start)?;
    if header_end > MAX_AGE_HEADER {
        return Err(ShapeError::NotAge);
    }
    Ok(())
}

/// [`check_start`] plus what the complete upload's length tells: that `total_len` bytes
/// hold a whole number of age chunks whose plaintext is a padded length
/// ([`padding::is_padded_len`]) no larger than an attachment of `max_size` bytes. A
/// browser that skipped the padding fails here rather than when an investigator opens it,
/// and so does most of what was cut short (not all: a cut at a 64 KiB chunk boundary can
/// leave a padded length; only opening, which needs age's last-chunk flag, catches that).
pub fn check_length(first_bytes: &[u8], total_len: u64, max_size: u64) -> Result<(), ShapeError> {
    check_start(first_bytes)?;
    let header_end = ciphertext::header_len(first_bytes).ok_or(ShapeError::NotAge)?;
    let payload = total_len
        .checked_sub(header_end as u64)
        .and_then(|p| usize::try_from(p).ok())
        .ok_or(ShapeError::NotAge)?;
    let frame = ciphertext::payload_plaintext_len(payload).ok_or(ShapeError::NotAge)?;
    if frame as u64 > frame_len(MAX_HEADER_LEN, max_size.min(MAX_SIZE)) {
        return Err(ShapeError::TooLarge);
    }
    if !padding::is_padded_len(frame) {
        return Err(ShapeError::NotPadded);
    }
    Ok(())
}

/// A `Write` that keeps what age writes until [`Sealer`] drains it. Shared (`Arc<Mutex>`)
/// because age's [`StreamWriter`] owns its output; a `Mutex` rather than a `RefCell` so that
/// a [`Sealer`] is `Send` and can live across `.await` points in the server.
#[derive(Clone, Default)]
struct Drain(Arc<Mutex<Vec<u8>>>);

impl Drain {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Write for Drain {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Incremental encryption of one attachment, with no I/O: [`Sealer::push`] the body in
/// pieces of any size, upload what each call returns, in order, then upload what
/// [`Sealer::finish`] returns. The concatenation of all outputs is the age file.
///
/// Memory stays bounded: age holds at most one 64 KiB plaintext chunk, and each call
/// returns (and forgets) the ciphertext made so far.
pub struct Sealer {
    writer: StreamWriter<Drain>,
    out: Drain,
    /// Body bytes still expected.
    remaining: u64,
    /// Zero bytes to write after the body.
    padding: u64,
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealer")
            .field("remaining", &self.remaining)
            .finish_non_exhaustive()
    }
}

impl Sealer {
    /// Starts an attachment sealed to `case_recipient` with `header` (checked with
    /// [`AttachmentHeader::validate`]). The age header comes out of the first
    /// [`Sealer::push`] (or [`Sealer::finish`]); the attachment header is encrypted with the
    /// first 64 KiB of the body.
    pub fn new(
        case_recipient: &Recipient,
        header: &AttachmentHeader,
    ) -> Result<Sealer, AttachmentError> {
        let json = header.to_json()?;
        let prefix = u32::try_from(json.len()).map_err(|_| AttachmentError::Encrypt)?;
        let encryptor = age::Encryptor::with_recipients(std::iter::once(
            case_recipient.as_age() as &dyn age::Recipient
        ))
        .map_err(|_| AttachmentError::Encrypt)?;
        let out = Drain::default();
        let mut writer = encryptor
            .wrap_output(out.clone())
            .map_err(|_| AttachmentError::Encrypt)?;
        writer
            .write_all(&prefix.to_be_bytes())
            .and_then(|()| writer.write_all(&json))
            .map_err(|_| AttachmentError::Encrypt)?;
        let content = 4 + json.len() as u64 + header.size;
        Ok(Sealer {
            writer,
            out,
            remaining: header.size,
            padding: frame_len(json.len(), header.size) - content,
        })
    }

    /// Encrypts the next piece of the body and returns the ciphertext made so far (possibly
    /// empty: age emits a chunk every 64 KiB). Pushing more than the header's `size` in all
    /// is [`AttachmentError::SizeMismatch`] and writes nothing.
    pub fn push(&mut self, body: &[u8]) -> Result<Vec<u8>, AttachmentError> {
        let len = body.len() as u64;
        if len > self.remaining {
            return Err(AttachmentError::SizeMismatch);
        }
        self.writer
            .write_all(body)
            .map_err(|_| AttachmentError::Encrypt)?;
        self.remaining -= len;
        Ok(self.out.take())
    }

    /// Body bytes still expected before [`Sealer::finish`].
    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    /// Writes the padding, closes the age stream (marking its last chunk) and returns the
    /// rest of the ciphertext: at most the padding (about 3% of a 100 MB body) plus one
    /// 64 KiB chunk. [`AttachmentError::SizeMismatch`] if fewer body bytes were pushed than
    /// announced; then nothing is returned and the partial file must be discarded (it would
    /// not open anyway: its last chunk is never written).
    pub fn finish(mut self) -> Result<Vec<u8>, AttachmentError> {
        if self.remaining != 0 {
            return Err(AttachmentError::SizeMismatch);
        }
        const ZEROS: [u8; 8192] = [0; 8192];
        let mut padding = self.padding;
        while padding > 0 {
            let n = usize::try_from(padding).map_or(ZEROS.len(), |p| p.min(ZEROS.len()));
            let zeros = ZEROS.get(..n).unwrap_or(&ZEROS);
            self.writer
                .write_all(zeros)
                .map_err(|_| AttachmentError::Encrypt)?;
            padding -= n as u64;
        }
        self.writer.finish().map_err(|_| AttachmentError::Encrypt)?;
        Ok(self.out.take())
    }
}

/// The reader an [`Opener`] gives age: the age header it has already read (bounded), then
/// the rest of the file.
type Source<R> = Chain<Cursor<Vec<u8>>, BufReader<R>>;

/// Streaming decryption of one attachment: [`Opener::header`] is available at once, and
/// [`Read`] yields exactly the body. After the last body byte, the next read checks the
/// padding (all zeros, exactly as long as the sealer writes, and nothing after the age
/// stream's last chunk) before returning end of file; a failed check is an error, so a
/// caller that reads to the end (e.g. with [`io::copy`]) has checked everything.
///
/// Every failure is [`AttachmentError::Decrypt`] (inside an [`io::Error`] of kind
/// `InvalidData` from `read`). Bytes already returned came from chunks that authenticated,
/// but the file as a whole is only known good once end of file is reached: a caller writing
/// to disk should delete the output on error.
pub struct Opener<R: Read> {
    stream: StreamReader<Source<R>>,
    header: AttachmentHeader,
    remaining: u64,
    padding: u64,
    checked: bool,
}

impl<R: Read> fmt::Debug for Opener<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Opener")
            .field("header", &self.header)
            .field("remaining", &self.remaining)
            .finish_non_exhaustive()
    }
}

impl<R: Read> Opener<R> {
    /// Reads the age header and the attachment header from `reader` and decrypts with the
    /// case key `case_identity`. `reader` need not be buffered (it is wrapped in a
    /// [`BufReader`]), and is read in 64 KiB pieces from then on.
    pub fn new(case_identity: &Identity, reader: R) -> Result<Self, AttachmentError> {
        let mut reader = BufReader::new(reader);
        let age_header = read_age_header(&mut reader)?;
        let decryptor = age::Decryptor::new_buffered(Cursor::new(age_header).chain(reader))
            .map_err(|_| AttachmentError::Decrypt)?;
        let mut stream = decryptor
            .decrypt(std::iter::once(case_identity.as_age() as &dyn age::Identity))
            .map_err(|_| AttachmentError::Decrypt)?;
        let mut prefix = [0u8; 4];
        stream
            .read_exact(&mut prefix)
            .map_err(|_| AttachmentError::Decrypt)?;
        let header_len = usize::try_from(u32::from_be_bytes(prefix))
            .ok()
            .filter(|len| *len <= MAX_HEADER_LEN)
            .ok_or(AttachmentError::Decrypt)?;
        let mut json = Zeroizing::new(vec![0u8; header_len]);
        stream
            .read_exact(&mut json)
            .map_err(|_| AttachmentError::Decrypt)?;
        let header = AttachmentHeader::from_json(&json)?;
        let content = 4 + header_len as u64 + header.size;
        Ok(Opener {
            stream,
            remaining: header.size,
            padding: frame_len(header_len, header.size) - content,
            header,
            checked: false,
        })
    }

    /// The decrypted header.
    pub fn header(&self) -> &AttachmentHeader {
        &self.header
    }

    /// Body bytes not yet read.
    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    /// Reads what follows the body to the end of the age stream: exactly `self.padding`
    /// zero bytes. age's reader reports a missing last chunk, and bytes after it, as errors.
    fn check_padding(&mut self) -> Result<(), AttachmentError> {
        let mut buf = Zeroizing::new([0u8; 8192]);
        let mut seen: u64 = 0;
        loop {
            let n = self
                .stream
                .read(buf.as_mut_slice())
                .map_err(|_| AttachmentError::Decrypt)?;
            if n == 0 {
                break;
            }
            seen += n as u64;
            let read = buf.get(..n).ok_or(AttachmentError::Decrypt)?;
            if seen > self.padding || read.iter().any(|b| *b != 0) {
                return Err(AttachmentError::Decrypt);
            }
        }
        if seen != self.padding {
            return Err(AttachmentError::Decrypt);
        }
        self.checked = true;
        Ok(())
    }
}

impl<R: Read> Read for Opener<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.remaining == 0 {
            if !self.checked {
                self.check_padding()?;
            }
            return Ok(0);
        }
        let want = usize::try_from(self.remaining).map_or(buf.len(), |r| r.min(buf.len()));
        let target = buf.get_mut(..want).ok_or(AttachmentError::Decrypt)?;
        let n = self
            .stream
            .read(target)
            .map_err(|_| AttachmentError::Decrypt)?;
        if n == 0 {
            // The stream ended (with a valid last chunk) before the announced size.
            return Err(AttachmentError::Decrypt.into());
        }
        self.remaining -= n as u64;
        Ok(n)
    }
}

/// Reads an age header (lines up to and including the `---` MAC line) from `reader`,
/// refusing one longer than [`MAX_AGE_HEADER`]: age's own parser would buffer a line of any
/// length.
fn read_age_header<R: BufRead>(reader: &mut R) -> Result<Vec<u8>, AttachmentError> {
    let mut header = Vec::new();
    loop {
        let budget = (MAX_AGE_HEADER - header.len()) as u64;
        let start = header.len();
        let n = reader
            .by_ref()
            .take(budget)
            .read_until(b'\n', &mut header)
            .map_err(|_| AttachmentError::Decrypt)?;
        let line = header.get(start..).unwrap_or_default();
        if n == 0 || !line.ends_with(b"\n") {
            return Err(AttachmentError::Decrypt);
        }
        if line.starts_with(b"--- ") {
            return Ok(header);
        }
    }
}

#[cfg(test)]
#[path = "attachment/tests.rs"]
mod tests;
