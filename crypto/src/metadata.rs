//! Removing identifying metadata from photos before they are encrypted.
//!
//! A photo straight from a phone says where it was taken (EXIF GPS), with which device
//! (make, model, serial number, lens), when, and often by whom (XMP creator, IPTC byline,
//! comments). Any of that can name a reporter, so attachments are cleaned before they are
//! sealed — in the browser (this crate as WebAssembly) and on the server for the
//! no-JavaScript path — and the reporter is told what was removed.
//!
//! [`clean`] rewrites the *container* only: it walks the JPEG segments, PNG chunks, WebP
//! RIFF chunks or GIF blocks and copies the ones that carry image data byte for byte, so the pixels a
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
//! - **GIF**: the header, the logical screen descriptor and global colour table, every image
//!   (descriptor, local colour table, LZW data), graphic control extensions (delays,
//!   transparency), the `NETSCAPE2.0` and `ANIMEXTS1.0` application extensions (looping) and
//!   `ICCRGBG1` (the ICC profile). Comments, plain-text extensions (with the graphic control
//!   just before one), XMP (`XMP DataXMP`) and every other application extension go, and so
//!   does anything after the trailer.
//!
//! **The ICC colour profile is kept** ([`Cleaned::icc_profile_kept`] says whether there was
//! one): removing it would change the colours a viewer shows, which an investigator might
//! take for tampering. A profile is usually a generic one (sRGB, Display P3) but can carry a
//! vendor's description text; that residual risk is accepted and reported.
//!
//! **Photos it cannot clean are refused, not passed on**: HEIF (HEIC from iPhones and many
//! Android phones, and AVIF, which is HEIF with AV1 inside) and TIFF (with the many camera
//! RAW formats built on it) give [`MetadataError::Refused`]. Both are photo formats full of
//! metadata (HEIF keeps EXIF and XMP as items located by offsets the `iloc` box gives, so
//! removing them means rewriting the offsets of every item; TIFF keeps the pixels and the
//! metadata in one directory structure), and a reporter who picked one meant to send a
//! photo, so the caller should refuse it with a way out (send a JPEG, or a screenshot)
//! rather than send it with its location in it. [`refused`] tells them from the first
//! [`SNIFF_LEN`] bytes, so a server can refuse before it has read the whole file.
//!
//! Other formats this module cannot clean (PDF, Office documents, video, …) give
//! [`MetadataError::Unsupported`], so the caller can warn that the file may identify its
//! author. Damaged or truncated images give [`MetadataError::Malformed`] rather than a
//! best-effort result: a parser that guessed could leave metadata in place while saying it
//! had removed it.
//!
//! Pure functions over byte slices, no I/O, no panics on any input (a property test feeds
//! arbitrary bytes).

mod exif;
mod gif;
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
    /// GIF (and animated GIF), signature `GIF87a` or `GIF89a`.
    Gif,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Jpeg => "JPEG",
            Format::Png => "PNG",
            Format::WebP => "WebP",
            Format::Gif => "GIF",
        })
    }
}

/// A photo format [`clean`] refuses ([`MetadataError::Refused`]): full of metadata it cannot
/// take out, so the file must not be sent as it is. Recognised by its magic bytes, like
/// [`Format`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// HEIF: an ISO BMFF file whose `ftyp` box names a HEIF brand (HEIC from iPhones and
    /// many Android phones, HEIF image sequences, AVIF).
    Heif,
    /// TIFF, classic or BigTIFF, in either byte order; most camera RAW files (DNG, CR2, NEF,
    /// ARW, …) are TIFF inside.
    Tiff,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refusal::Heif => "HEIF",
            Refusal::Tiff => "TIFF",
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
    /// A JPEG comment (`COM`) or a GIF comment extension.
    Comment,
    /// A JPEG APP13 Photoshop block, where IPTC captions, bylines and locations live.
    Iptc,
    /// A PNG text chunk (`tEXt`, `zTXt`, or `iTXt` other than XMP): author, software,
    /// description, creation time. Also a GIF plain-text extension (text meant to be drawn
    /// over the image, which no current viewer draws).
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
    /// A GIF application extension that is not on the keep-list (a vendor's), by its
    /// identifier and authentication code, e.g. `*b"MGLB0000001"`.
    GifApplication {
        /// The extension's first sub-block: 8 bytes of identifier, 3 of authentication code.
        identifier: [u8; 11],
    },
    /// Any other GIF extension that is not on the keep-list, by its label byte (or an
    /// application extension too short to say which it is).
    GifExtension {
        /// The extension's label, e.g. `0x42`.
        label: u8,
    },
    /// Bytes after the end of the image (after JPEG `EOI`, PNG `IEND`, the RIFF size or the
    /// GIF trailer):
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
    /// - `comment`: a JPEG or GIF comment;
    /// - `iptc`: IPTC captions, bylines, locations (JPEG APP13);
    /// - `text`: PNG text chunks (author, software, description), GIF plain text;
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
            Removed::JpegSegment { .. }
            | Removed::Chunk { .. }
            | Removed::GifApplication { .. }
            | Removed::GifExtension { .. } => &["other"],
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

/// Why [`clean`] returned no cleaned image. Whichever, the caller must not pretend the file
/// was cleaned: it should warn the reporter that the file may identify them, or, for
/// [`MetadataError::Refused`] and [`MetadataError::Malformed`], not send it at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MetadataError {
    /// Not a JPEG, PNG, WebP or GIF image, nor a refused one (a PDF, an Office document, a
    /// video, …).
    #[error("this kind of file cannot be cleaned of metadata; it may identify its author")]
    Unsupported,
    /// It starts like an image of this format but is damaged or truncated, so its structure
    /// cannot be followed safely.
    #[error("this {0} image is damaged or truncated; its metadata cannot be removed")]
    Malformed(Format),
    /// A photo format full of metadata this module cannot remove (see the module docs):
    /// the file should not be sent as it is.
    #[error("{0} photos cannot be cleaned of their metadata; send it as a JPEG instead")]
    Refused(Refusal),
}

/// Detects the format of `bytes` by its magic bytes.
pub fn detect(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Format::Jpeg)
    } else if bytes.starts_with(png::SIGNATURE) {
        Some(Format::Png)
    } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP".as_slice()) {
        Some(Format::WebP)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(Format::Gif)
    } else {
        None
    }
}

/// How much of a file's beginning [`detect`] and [`refused`] need to answer as they would
/// for the whole file: the longest magic bytes, and an ISO BMFF `ftyp` box with up to 58
/// compatible brands (real HEIC files list fewer than ten). A HEIF file whose brand is
/// named only further on is not refused from this much; [`clean`], given the whole file,
/// still refuses it.
pub const SNIFF_LEN: usize = 256;

/// `ftyp` brands of HEIF files (ISO/IEC 23008-12 and the AVIF specification): HEVC images
/// and sequences, the MIAF structural brands, AV1 images and sequences.
const HEIF_BRANDS: &[&[u8; 4]] = &[
    b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis",
];

/// Detects a photo format [`clean`] refuses, by its magic bytes: TIFF (`II*\0`, `MM\0*`,
/// and BigTIFF's `II+\0`, `MM\0+`), or an ISO BMFF file that starts with an `ftyp` box
/// whose major or compatible brands include a HEIF one. Other ISO BMFF files (MP4 and
/// QuickTime videos) are not refused.
pub fn refused(bytes: &[u8]) -> Option<Refusal> {
    const TIFF: [&[u8]; 4] = [b"II*\0", b"MM\0*", b"II+\0", b"MM\0+"];
    if TIFF.iter().any(|magic| bytes.starts_with(magic)) {
        return Some(Refusal::Tiff);
    }
    if bytes.get(4..8) != Some(b"ftyp".as_slice()) {
        return None;
    }
    // ISO/IEC 14496-12, 4.2: size 1 means a 64-bit size follows the type, size 0 that the
    // box runs to the end of the file. Only what is at hand is looked at either way.
    let (start, end) = match u32_be(bytes, 0)? {
        0 => (8, bytes.len()),
        1 => (16, bytes.len()),
        size => (8, usize::try_from(size).ok()?.min(bytes.len())),
    };
    let ftyp = bytes.get(start..end)?;
    // Major brand, minor version, compatible brands.
    let major = ftyp.get(..4);
    let compatible = ftyp.get(8..).unwrap_or_default().chunks_exact(4);
    major
        .into_iter()
        .chain(compatible)
        .any(|brand| HEIF_BRANDS.iter().any(|heif| heif.as_slice() == brand))
        .then_some(Refusal::Heif)
}

/// Removes identifying metadata from a JPEG, PNG, WebP or GIF image (see the module docs
/// for exactly what is kept and why).
///
/// # Errors
///
/// [`MetadataError::Refused`] for a HEIF or TIFF photo ([`refused`]),
/// [`MetadataError::Unsupported`] for any other kind of file, and
/// [`MetadataError::Malformed`] for an image whose structure is damaged or truncated.
pub fn clean(bytes: &[u8]) -> Result<Cleaned, MetadataError> {
    if let Some(refusal) = refused(bytes) {
        return Err(MetadataError::Refused(refusal));
    }
    let format = detect(bytes).ok_or(MetadataError::Unsupported)?;
    let mut out = Output::default();
    let parsed = match format {
        Format::Jpeg => jpeg::clean(bytes, &mut out),
        Format::Png => png::clean(bytes, &mut out),
        Format::WebP => webp::clean(bytes, &mut out),
        Format::Gif => gif::clean(bytes, &mut out),
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
            Removed::GifApplication {
                identifier: *b"MGLB0000001",
            },
            Removed::GifExtension { label: 0x42 },
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

    /// An ISO BMFF `ftyp` box: major brand, minor version 0, compatible brands.
    fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let mut b = u32::try_from(16 + 4 * compatible.len())
            .unwrap()
            .to_be_bytes()
            .to_vec();
        b.extend(b"ftyp");
        b.extend(major);
        b.extend([0; 4]);
        for brand in compatible {
            b.extend(*brand);
        }
        b
    }

    #[test]
    fn heif_and_tiff_photos_are_refused() {
        // An iPhone's HEIC, a Samsung's HEIF, an AVIF, one with a larger size: the `ftyp`
        // box, then a `meta` box with an EXIF item (never read: the brand decides).
        let mut iphone = ftyp(b"heic", &[b"mif1", b"miaf", b"MiHB", b"heic"]);
        iphone.extend(b"\0\0\0\x10metaExif\0\0II*\0");
        for file in [
            iphone,
            ftyp(b"mif1", &[b"mif1", b"heic"]),
            ftyp(b"avif", &[]),
            ftyp(b"msf1", &[b"isom"]),
            ftyp(b"isom", &[b"mp41", b"avis"]),
            // A 64-bit size after the type, then the brands.
            [&[0, 0, 0, 1], &b"ftyp"[..], &[0; 8], b"heix", &[0; 4]].concat(),
            [&[0, 0, 0, 0], &b"ftypisom"[..], &[0; 4], b"hevx"].concat(),
        ] {
            assert_eq!(refused(&file), Some(Refusal::Heif), "{file:?}");
            assert_eq!(clean(&file), Err(MetadataError::Refused(Refusal::Heif)));
        }
        for file in [
            b"II*\0\x08\0\0\0".as_slice(),
            b"MM\0*\0\0\0\x08",
            b"II+\0\x08\0\0\0",
            b"MM\0+",
        ] {
            assert_eq!(clean(file), Err(MetadataError::Refused(Refusal::Tiff)));
        }
        // Videos in the same container, and a brand cut off, are not refused.
        for file in [
            ftyp(b"isom", &[b"iso2", b"avc1", b"mp41"]),
            ftyp(b"qt  ", &[b"qt  "]),
            b"\0\0\0\x14ftypmp42\0\0\0\0hei".to_vec(),
            b"\0\0\0\x0cftyphe".to_vec(),
        ] {
            assert_eq!(refused(&file), None, "{file:?}");
            assert_eq!(clean(&file), Err(MetadataError::Unsupported));
        }
        // A brand past the box's own size is another box's bytes.
        let mut later = ftyp(b"isom", &[b"mp41"]);
        later.extend(b"heic");
        assert_eq!(refused(&later), None);
    }

    #[test]
    fn the_first_sniff_len_bytes_tell_what_the_whole_file_tells() {
        let mut brands = vec![b"isom"; 39];
        brands.push(b"heic");
        let mut file = ftyp(b"mp41", &brands);
        assert!(file.len() <= SNIFF_LEN);
        file.extend([0; 1000]);
        assert_eq!(refused(file.get(..SNIFF_LEN).unwrap()), Some(Refusal::Heif));
        assert_eq!(refused(&file), Some(Refusal::Heif));
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
                Just(b"GIF89a".to_vec()),
                Just(b"GIF87a\x01\x00\x01\x00\x80\x00\x00".to_vec()),
                Just(b"\x00\x00\x00\x18ftypheic".to_vec()),
                Just(b"\x00\x00\x00\x00ftyp".to_vec()),
                Just(b"II*\x00".to_vec()),
            ],
            rest in proptest::collection::vec(any::<u8>(), 0..512),
        ) {
            let mut bytes = magic;
            bytes.extend(rest);
            let _ = clean(&bytes);
        }
    }
}
