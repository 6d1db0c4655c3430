//! The browser's side of attachments: cleaning photos and sealing files (every module, so
//! the report form and the follow-up page both can), and opening them (the investigators'
//! module). Unlike the rest of `wasm.rs`, bytes travel as `Uint8Array`s, not base64 JSON:
//! files can be large, and every copy counts.
//!
//! How the crypto worker uses them (errors are `Error`s whose `message` is the slug given):
//!
//! ```js
//! // 1. Clean a photo (JPEG, PNG, WebP, GIF; by magic bytes). A HEIF or TIFF photo throws
//! //    "refused-heif" or "refused-tiff" and a damaged image "malformed": neither may be sent
//! //    as it is, its metadata intact. Anything else throws "unsupported" (send it as is,
//! //    with a warning that it may identify the author).
//! const c = cleanImage(new Uint8Array(await file.arrayBuffer()));
//! // c = {bytes: Uint8Array, format: "jpeg"|"png"|"webp"|"gif", removed: ["gps", …],
//! //      iccKept: bool}
//!
//! // 2. Seal it to the case key, feeding pieces of the body and uploading what comes out,
//! //    in order (the outputs joined are the age file; upload them in CHUNK = 1 MiB pieces).
//! const s = new AttachmentSealer(caseRecipient, file.name, file.type, body.length, c.removed);
//! for (const piece of pieces) upload(s.push(piece));   // may return an empty array
//! upload(s.finish());                                  // then s.free()
//!
//! // 3. (team module) Open one, reading the downloaded ciphertext from a Blob.
//! const reader = new FileReaderSync();
//! const o = new AttachmentOpener(identity, envelopeBase64,
//!     (offset, length) => new Uint8Array(reader.readAsArrayBuffer(blob.slice(offset, offset + length))),
//!     blob.size);
//! const header = JSON.parse(o.header());  // {name, safeName, type, size, cleaned}
//! for (let part; (part = o.read(1 << 20)).length > 0; ) parts.push(part);
//! // An empty array means the end, padding checked; a throw ("decrypt", "read") means the
//! // file must be thrown away, even if parts were already returned.
//! o.free();
//! ```

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::attachment::{AttachmentError, AttachmentHeader, MAX_SIZE, Sealer};
use crate::keys::Recipient;
use crate::metadata::{self, Format, MetadataError, Refusal};

/// Removes identifying metadata from a JPEG, PNG, WebP or GIF image (`metadata::clean`).
/// Returns `{bytes: Uint8Array, format: "jpeg"|"png"|"webp"|"gif", removed: [slug…],
/// iccKept: bool}`, where `removed` are `metadata::removed_slugs`, the list to pass on to
/// [`AttachmentSealer::new`] as `cleaned`. Errors: "refused-heif", "refused-tiff" (a photo
/// format whose metadata cannot be removed: not to be sent), "unsupported" (not a photo
/// this knows), "malformed" (damaged: its metadata cannot be removed safely).
#[wasm_bindgen(js_name = cleanImage)]
pub fn clean_image(bytes: &[u8]) -> Result<Object, JsError> {
    let cleaned = metadata::clean(bytes).map_err(|e| JsError::new(error_code(e)))?;
    let format = match cleaned.format {
        Format::Jpeg => "jpeg",
        Format::Png => "png",
        Format::WebP => "webp",
        Format::Gif => "gif",
    };
    let removed: Array = metadata::removed_slugs(&cleaned.removed)
        .into_iter()
        .map(JsValue::from_str)
        .collect();
    let out = Object::new();
    let set = |key: &str, value: &JsValue| {
        Reflect::set(&out, &JsValue::from_str(key), value).map_err(|_| JsError::new("crypto"))
    };
    set("bytes", &Uint8Array::from(cleaned.bytes.as_slice()).into())?;
    set("format", &JsValue::from_str(format))?;
    set("removed", &removed.into())?;
    set("iccKept", &JsValue::from_bool(cleaned.icc_profile_kept))?;
    Ok(out)
}

/// The short code [`clean_image`] throws for `e`.
fn error_code(e: MetadataError) -> &'static str {
    match e {
        MetadataError::Unsupported => "unsupported",
        MetadataError::Refused(Refusal::Heif) => "refused-heif",
        MetadataError::Refused(Refusal::Tiff) => "refused-tiff",
        // A damaged image, or a refusal this version has no code for: not sent either way.
        _ => "malformed",
    }
}

/// Seals one attachment to the case key, piece by piece (`attachment::Sealer`).
#[wasm_bindgen]
#[derive(Debug)]
pub struct AttachmentSealer {
    inner: Option<Sealer>,
}

#[wasm_bindgen]
impl AttachmentSealer {
    /// `new AttachmentSealer(caseRecipient, name, type, size, cleaned?)`: `caseRecipient`
    /// is the case key's `age1…` (for a new report, `sealReport`'s; on the follow-up page,
    /// `openCase`'s `case_recipient`), `name` and `type` are the `File`'s, `size` the body's
    /// length in bytes (after cleaning), `cleaned` the `removed` list of [`clean_image`]
    /// (omit it for a file that was not cleaned). Errors: "recipient", "name-too-long",
    /// "type-too-long", "cleaned", "too-large", "crypto".
    #[wasm_bindgen(constructor)]
    pub fn new(
        case_recipient: &str,
        name: &str,
        media_type: &str,
        size: f64,
        cleaned: Option<Vec<String>>,
    ) -> Result<AttachmentSealer, JsError> {
        let recipient: Recipient = case_recipient
            .parse()
            .map_err(|_| JsError::new("recipient"))?;
        // A JS number: only a non-negative integer below 2^53 is a size.
        if !(size >= 0.0 && size.fract() == 0.0 && size <= MAX_SIZE as f64) {
            return Err(JsError::new("too-large"));
        }
        let header = AttachmentHeader {
            name: name.to_owned(),
            media_type: media_type.to_owned(),
            size: size as u64,
            cleaned: cleaned.unwrap_or_default(),
        };
        let sealer = Sealer::new(&recipient, &header).map_err(error)?;
        Ok(AttachmentSealer {
            inner: Some(sealer),
        })
    }

    /// Encrypts the next piece of the body; returns the ciphertext made so far (often empty).
    /// Errors: "size" (more than `size` in all), "finished", "crypto".
    pub fn push(&mut self, body: &[u8]) -> Result<Vec<u8>, JsError> {
        let sealer = self
            .inner
            .as_mut()
            .ok_or_else(|| JsError::new("finished"))?;
        sealer.push(body).map_err(error)
    }

    /// Pads and closes the file; returns the last of the ciphertext. Errors: "size" (less
    /// than `size` was pushed), "finished", "crypto". The sealer cannot be used afterwards.
    pub fn finish(&mut self) -> Result<Vec<u8>, JsError> {
        let sealer = self.inner.take().ok_or_else(|| JsError::new("finished"))?;
        sealer.finish().map_err(error)
    }
}

fn error(e: AttachmentError) -> JsError {
    JsError::new(match e {
        AttachmentError::NameTooLong => "name-too-long",
        AttachmentError::TypeTooLong => "type-too-long",
        AttachmentError::Cleaned => "cleaned",
        AttachmentError::TooLarge => "too-large",
        AttachmentError::SizeMismatch => "size",
        AttachmentError::Decrypt => "decrypt",
        _ => "crypto",
    })
}

#[cfg(feature = "team")]
mod opener {
    use std::cell::Cell;
    use std::io::{self, Read};
    use std::rc::Rc;

    use js_sys::{Function, Uint8Array};
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::*;

    use crate::attachment::{Opener, sanitize_file_name};
    use crate::ciphertext::Ciphertext;
    use crate::keys::Identity;

    /// The most [`AttachmentOpener::read`] returns at once, whatever `max` asks for: the
    /// worker posts each piece to the page, and 16 MiB keeps that copy modest.
    const MAX_READ: usize = 16 << 20;

    /// Reads the ciphertext through the worker's `readAt(offset, length)` callback.
    struct JsReader {
        read_at: Function,
        offset: u64,
        len: u64,
        /// Set when the callback threw or returned something else than asked, so that the
        /// error can say "read" rather than the opener's vague "decrypt".
        failed: Rc<Cell<bool>>,
    }

    impl JsReader {
        fn fail(&self) -> io::Error {
            self.failed.set(true);
            io::Error::other("readAt failed")
        }
    }

    impl Read for JsReader {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let left = self.len.saturating_sub(self.offset);
            let want = usize::try_from(left).map_or(buf.len(), |l| l.min(buf.len()));
            if want == 0 {
                return Ok(0);
            }
            let result = self
                .read_at
                .call2(
                    &JsValue::NULL,
                    &JsValue::from_f64(self.offset as f64),
                    &JsValue::from_f64(want as f64),
                )
                .map_err(|_| self.fail())?;
            let array: Uint8Array = result.dyn_into().map_err(|_| self.fail())?;
            let got = array.length() as usize;
            if got == 0 || got > want {
                return Err(self.fail());
            }
            let target = buf.get_mut(..got).ok_or_else(|| self.fail())?;
            array.copy_to(target);
            self.offset += got as u64;
            Ok(got)
        }
    }

    /// Opens one attachment with an investigator's key, reading the ciphertext piece by
    /// piece so that a large file is never whole in the worker's memory
    /// (`attachment::Opener`).
    #[wasm_bindgen]
    #[derive(Debug)]
    pub struct AttachmentOpener {
        inner: Opener<JsReader>,
        failed: Rc<Cell<bool>>,
    }

    #[wasm_bindgen]
    impl AttachmentOpener {
        /// `new AttachmentOpener(identity, envelope, readAt, length)`: `identity` is the
        /// investigator's `AGE-SECRET-KEY-1…` (from `unlockKeyFile`), `envelope` their
        /// envelope of the case, base64 (as `openTeamCase` and `sealGrant` take it),
        /// `readAt(offset, length)` returns a non-empty `Uint8Array` of at most `length`
        /// bytes of the ciphertext from `offset`, and `length` is the ciphertext's total
        /// length. Reads the headers at once. Errors: "identity", "envelope" (does not open
        /// with this identity), "read" (`readAt` failed), "decrypt" (not an attachment of
        /// this case, or damaged).
        #[wasm_bindgen(constructor)]
        pub fn new(
            identity: &str,
            envelope: &str,
            read_at: Function,
            length: f64,
        ) -> Result<AttachmentOpener, JsError> {
            use base64::Engine;
            let identity = Identity::parse(identity).map_err(|_| JsError::new("identity"))?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(envelope)
                .map_err(|_| JsError::new("envelope"))?;
            let keys = crate::envelope::open(&Ciphertext::from_bytes(bytes), &identity)
                .map_err(|_| JsError::new("envelope"))?;
            if !(length >= 0.0 && length.fract() == 0.0 && length <= 9.0e15) {
                return Err(JsError::new("read"));
            }
            let failed = Rc::new(Cell::new(false));
            let reader = JsReader {
                read_at,
                offset: 0,
                len: length as u64,
                failed: Rc::clone(&failed),
            };
            let inner = Opener::new(&keys.case, reader)
                .map_err(|_| JsError::new(if failed.get() { "read" } else { "decrypt" }))?;
            Ok(AttachmentOpener { inner, failed })
        }

        /// The attachment's header as JSON: `{"name": original name (never use it as a
        /// path), "safeName": sanitize_file_name(name) (for a download), "type", "size",
        /// "cleaned": [slug…]}`.
        pub fn header(&self) -> String {
            let h = self.inner.header();
            serde_json::json!({
                "name": h.name,
                "safeName": sanitize_file_name(&h.name),
                "type": h.media_type,
                "size": h.size,
                "cleaned": h.cleaned,
            })
            .to_string()
        }

        /// Up to `max` bytes (at most 16 MiB) of the body; an empty array at the end, once
        /// the padding has been checked. Errors: "read", "decrypt" (then discard everything
        /// read so far).
        pub fn read(&mut self, max: usize) -> Result<Vec<u8>, JsError> {
            let max = max.clamp(1, MAX_READ);
            let mut out = Vec::with_capacity(
                usize::try_from(self.inner.remaining()).map_or(max, |r| r.min(max)),
            );
            // `take` stops after `max`; `read_to_end` on it reads to the body's end, where
            // the opener checks the padding before it reports end of file. So the last piece
            // of the body is returned only once the padding is checked, and an empty array
            // is returned only at the (checked) end.
            (&mut self.inner)
                .take(max as u64)
                .read_to_end(&mut out)
                .map_err(|_| JsError::new(if self.failed.get() { "read" } else { "decrypt" }))?;
            Ok(out)
        }
    }
}
