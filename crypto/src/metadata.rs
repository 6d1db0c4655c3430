//! Removing identifying metadata from photos before they are encrypted.
//!
//! A photo straight from a phone says where it was taken (EXIF GPS), with which device
//! (make, model, serial number, lens), when, and often by whom (XMP creator, IPTC byline,
//! comments). Any of that can name a reporter, so attachments are cleaned before they are
//! sealed — in the browser (this crate as WebAssembly) and on the server for the
//! no-JavaScript path — and the reporter is told what was removed.
//!
//! [`clean`] rewrites the *container* only: it walks the JPEG segments, PNG chunks or WebP
//! RIFF chunks and copies the ones that carry image data byte for byte, so the pixels a
//! viewer decodes are exactly those of the original. Nothing is decoded or re-encoded
//! (re-encoding would lose quality and would need a codec in the WebAssembly module).
//!
//! The rule is a *keep-list*, not a drop-list: only what a decoder needs to show the image
//! as it was is kept, and everything else goes, including private chunks and segments no
//! one has heard of, because unknown bytes are exactly where a vendor hides a serial number.
//! What is kept, per format, and why:
//!
//! - **JPEG**: SOF/DHT/DQT/DRI/SOS and the entropy-coded scans (the image), APP0 `JFIF`
//!   (pixel density, needed by some decoders), APP2 `ICC_PROFILE` (colours), APP14 `Adobe`
//!   (tells a decoder whether the data is RGB, YCbCr or YCCK). Everything after the end of
//!   the image goes: phones append further pictures there (Multi-Picture Format previews,
//!   depth maps), each with its own EXIF.
//! - **PNG**: the critical chunks (`IHDR`, `PLTE`, `IDAT`, `IEND`) and the ancillary chunks
//!   that change how pixels are shown (transparency, gamma, colour space, ICC profile,
//!   significant bits, background, pixel size, histogram, APNG animation).
//! - **WebP**: `VP8 `, `VP8L`, `VP8X`, `ALPH`, `ANIM`, `ANMF`, `ICCP`; the `VP8X` flags for
//!   EXIF and XMP are cleared and the RIFF size rewritten.
//!
//! **The ICC colour profile is kept** ([`Cleaned::icc_profile_kept`] says whether there was
//! one): removing it would change the colours a viewer shows, which an investigator might
//! take for tampering. A profile is usually a generic one (sRGB, Display P3) but can carry a
//! vendor's description text; that residual risk is accepted and reported.
//!
//! Formats this module cannot clean (PDF, Office documents, video, HEIC, …) give
//! [`MetadataError::Unsupported`], so the caller can warn that the file may identify its
//! author. Damaged or truncated images give [`MetadataError::Malformed`] rather than a
//! best-effort result: a parser that guessed could leave metadata in place while saying it
//! had removed it.
//!
//! Pure functions over byte slices, no I/O, no panics on any input (a property test feeds
//! arbitrary bytes).

mod exif;
mod jpeg;
mod png;
mod webp;

use std::fmt;

use thiserror::Error;

/// An image format [`clean`] knows how to rewrite, recognised by its magic bytes (never by
/// the file name or the browser's MIME type, which a reporter's device may get wrong).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JPEG (JFIF or EXIF), signature `FF D8 FF`.
    Jpeg,
    /// PNG (and APNG), the 8-byte PNG signature.
    Png,
    /// WebP, a RIFF container of form type `WEBP`.
    WebP,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Jpeg => "JPEG",
            Format::Png => "PNG",
            Format::WebP => "WebP",
        })
    }
}

/// One piece of metadata [`clean`] removed. The report has one entry per segment or chunk
/// removed, in file order, so the reporter can be told e.g. "GPS position, camera details,
/// a comment". `#[non_exhaustive]` because later formats will add kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Removed {
    /// An EXIF block: camera make, model and serial, date and time, settings, often a
    /// thumbnail of the *uncropped* photo. `gps` is true when its first directory pointed
    /// to GPS data (tag `0x8825`); false also when the block was too damaged to tell.
    Exif {
        /// Whether the block held a GPS position.
        gps: bool,
    },
    /// An XMP packet (JPEG APP1, PNG `iTXt` with keyword `XML:com.adobe.xmp`, WebP `XMP `):
    /// editing software, creator, sometimes location.
    Xmp,
    /// A JPEG comment (`COM`).
    Comment,
    /// A JPEG APP13 Photoshop block, where IPTC captions, bylines and locations live.
    Iptc,
    /// A PNG text chunk (`tEXt`, `zTXt`, or `iTXt` other than XMP): author, software,
    /// description, creation time.
    Text,
    /// A PNG `tIME` chunk: when the image was last changed.
    Time,
    /// A JPEG APP2 Multi-Picture Format index (the pictures it points to were appended
    /// after the image and are reported as [`Removed::TrailingData`]).
    MultiPicture,
    /// Any other JPEG application segment (`APPn`, given as the marker byte, `0xE0`–`0xEF`)
    /// that is not on the keep-list.
    JpegSegment {
        /// The marker's second byte.
        marker: u8,
    },
    /// Any other PNG or WebP chunk that is not on the keep-list, by its four-byte type.
    Chunk {
        /// The chunk type, e.g. `*b"iDOT"`.
        kind: [u8; 4],
    },
    /// Bytes after the end of the image (after JPEG `EOI`, PNG `IEND`, or the RIFF size):
    /// appended pictures, vendor trailers, or anything else.
    TrailingData {
        /// How many bytes.
        len: usize,
    },
}

impl Removed {
    /// Every slug [`Removed::slugs`] can return, in the order [`removed_slugs`] would list
    /// them if everything were removed. The pages translate each into plain words.
    pub const ALL_SLUGS: [&'static str; 9] = [
        "gps",
        "camera",
        "time",
        "xmp",
        "comment",
        "iptc",
        "text",
        "appended-data",
        "other",
    ];

    /// The stable short names of what this removal took away, in the words a reporter
    /// cares about rather than the container's: an EXIF block is the camera's make, model
    /// and settings (`camera`), when the photo was taken (`time`) and, if it held one, where
    /// (`gps`). These are what an attachment's header records in `cleaned`
    /// ([`crate::attachment::AttachmentHeader`]) and what the pages explain, so they never
    /// change meaning; new kinds get new slugs.
    ///
    /// - `gps`: a GPS position (inside EXIF);
    /// - `camera`: camera make, model, serial and settings (EXIF);
    /// - `time`: when the image was made or changed (EXIF, PNG `tIME`);
    /// - `xmp`: an XMP packet (editing software, creator, sometimes location);
    /// - `comment`: a JPEG comment;
    /// - `iptc`: IPTC captions, bylines, locations (JPEG APP13);
    /// - `text`: PNG text chunks (author, software, description);
    /// - `appended-data`: pictures or bytes appended after the image (Multi-Picture
    ///   previews, depth maps, vendor trailers) and their index;
    /// - `other`: any other segment or chunk not on the keep-list.
    pub fn slugs(&self) -> &'static [&'static str] {
        match self {
            Removed::Exif { gps: true } => &["gps", "camera", "time"],
            Removed::Exif { gps: false } => &["camera", "time"],
            Removed::Xmp => &["xmp"],
            Removed::Comment => &["comment"],
            Removed::Iptc => &["iptc"],
            Removed::Text => &["text"],
            Removed::Time => &["time"],
            Removed::MultiPicture | Removed::TrailingData { .. } => &["appended-data"],
            Removed::JpegSegment { .. } | Removed::Chunk { .. } => &["other"],
        }
    }
}

/// The slugs of everything in `removed` ([`Removed::slugs`]), each once, in the order of
/// [`Removed::ALL_SLUGS`] so that the same kinds of removal always read the same way.
pub fn removed_slugs(removed: &[Removed]) -> Vec<&'static str> {
    Removed::ALL_SLUGS
        .into_iter()
        .filter(|slug| removed.iter().any(|r| r.slugs().contains(slug)))
        .collect()
}

/// The result of [`clean`]: the rewritten image and what was taken out of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cleaned {
    /// The format detected from the magic bytes.
    pub format: Format,
    /// The cleaned image. Identical to the input when [`Cleaned::removed`] is empty (JPEG
    /// fill bytes between segments, which carry nothing, are the one exception).
    pub bytes: Vec<u8>,
    /// What was removed, one entry per segment or chunk, in file order.
    pub removed: Vec<Removed>,
    /// Whether an ICC colour profile was present and kept (see the module docs for why).
    pub icc_profile_kept: bool,
}

impl Cleaned {
    /// Whether any removed EXIF block held a GPS position.
    pub fn had_gps(&self) -> bool {
        self.removed
            .iter()
            .any(|r| matches!(r, Removed::Exif { gps: true }))
    }
}

/// Why [`clean`] returned no cleaned image. Either way the caller must not pretend the file
/// was cleaned: it should warn the reporter that the file may identify them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MetadataError {
    /// Not a JPEG, PNG or WebP image (a PDF, an Office document, a video, HEIC, …).
    #[error("this kind of file cannot be cleaned of metadata; it may identify its author")]
    Unsupported,
    /// It starts like an image of this format but is damaged or truncated, so its structure
    /// cannot be followed safely.
    #[error("this {0} image is damaged or truncated; its metadata cannot be removed")]
    Malformed(Format),
}

/// Detects the format of `bytes` by its magic bytes.
pub fn detect(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Format::Jpeg)
    } else if bytes.starts_with(png::SIGNATURE) {
        Some(Format::Png)
    } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP".as_slice()) {
        Some(Format::WebP)
    } else {
        None
    }
}

/// Removes identifying metadata from a JPEG, PNG or WebP image (see the module docs for
/// exactly what is kept and why).
///
/// # Errors
///
/// [`MetadataError::Unsupported`] for any other kind of file, and
/// [`MetadataError::Malformed`] for an image whose structure is damaged or truncated.
pub fn clean(bytes: &[u8]) -> Result<Cleaned, MetadataError> {
    let format = detect(bytes).ok_or(MetadataError::Unsupported)?;
    let mut out = Output::default();
    let parsed = match format {
        Format::Jpeg => jpeg::clean(bytes, &mut out),
        Format::Png => png::clean(bytes, &mut out),
        Format::WebP => webp::clean(bytes, &mut out),
    };
    parsed.ok_or(MetadataError::Malformed(format))?;
    Ok(Cleaned {
        format,
        bytes: out.bytes,
        removed: out.removed,
        icc_profile_kept: out.icc_profile_kept,
    })
}

/// What the format walkers write into. They return `None` on any structural error, which
/// [`clean`] turns into [`MetadataError::Malformed`].
#[derive(Default)]
struct Output {
    bytes: Vec<u8>,
    removed: Vec<Removed>,
    icc_profile_kept: bool,
}

/// `bytes[at..at + len]`, or `None` if that runs past the end (or overflows).
fn range(bytes: &[u8], at: usize, len: usize) -> Option<&[u8]> {
    bytes.get(at..at.checked_add(len)?)
}

fn array<const N: usize>(bytes: &[u8], at: usize) -> Option<[u8; N]> {
    range(bytes, at, N)?.try_into().ok()
}

fn u16_be(bytes: &[u8], at: usize) -> Option<u16> {
    array(bytes, at).map(u16::from_be_bytes)
}

fn u32_be(bytes: &[u8], at: usize) -> Option<u32> {
    array(bytes, at).map(u32::from_be_bytes)
}

fn u32_le(bytes: &[u8], at: usize) -> Option<u32> {
    array(bytes, at).map(u32::from_le_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn slugs_are_known_deduplicated_and_ordered() {
        let removed = [
            Removed::TrailingData { len: 9 },
            Removed::Time,
            Removed::Exif { gps: true },
            Removed::Chunk { kind: *b"iDOT" },
            Removed::MultiPicture,
            Removed::Xmp,
        ];
        assert_eq!(
            removed_slugs(&removed),
            ["gps", "camera", "time", "xmp", "appended-data", "other"]
        );
        assert_eq!(removed_slugs(&[]), Vec::<&str>::new());
        for r in removed.iter().chain(&[
            Removed::Comment,
            Removed::Iptc,
            Removed::Text,
            Removed::JpegSegment { marker: 0xE5 },
        ]) {
            for slug in r.slugs() {
                assert!(Removed::ALL_SLUGS.contains(slug));
            }
        }
    }

    #[test]
    fn other_formats_are_unsupported() {
        for file in [
            b"%PDF-1.7\n".as_slice(),
            b"\x00\x00\x00\x18ftypmp42",
            b"PK\x03\x04",
            b"RIFF\x00\x00\x00\x00AVI ",
            b"",
            b"\xFF\xD8",
        ] {
            assert_eq!(clean(file), Err(MetadataError::Unsupported));
        }
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = clean(&bytes);
        }

        #[test]
        fn never_panics_behind_a_magic(
            magic in prop_oneof![
                Just(vec![0xFF, 0xD8, 0xFF]),
                Just(png::SIGNATURE.to_vec()),
                Just(b"RIFF\x20\x00\x00\x00WEBP".to_vec()),
            ],
            rest in proptest::collection::vec(any::<u8>(), 0..512),
        ) {
            let mut bytes = magic;
            bytes.extend(rest);
            let _ = clean(&bytes);
        }
    }
}
