//! JPEG: `SOI`, then marker segments (`FF xx`, most with a u16 BE length that counts
//! itself), each `SOS` followed by entropy-coded data up to the next marker, until `EOI`
//! (ITU T.81, annex B). Walked to the end of the image, not only to the first scan, so that
//! a progressive JPEG's later segments are checked too.

use super::{Output, Removed, exif, range, u16_be};

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const APP0: u8 = 0xE0;
const APP1: u8 = 0xE1;
const APP2: u8 = 0xE2;
const APP13: u8 = 0xED;
const APP14: u8 = 0xEE;
const APP15: u8 = 0xEF;
const COM: u8 = 0xFE;

const XMP: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
/// Extended XMP, for packets over 64 KiB split across segments.
const XMP_EXTENSION: &[u8] = b"http://ns.adobe.com/xmp/extension/\0";

/// What to do with one segment.
enum Verdict {
    Keep,
    /// Kept, and it is (part of) an ICC profile.
    KeepIcc,
    Remove(Removed),
}

/// Application segments are kept only when a decoder needs them; every other segment
/// (frame, tables, scans, restart intervals, …) is image data and is kept.
fn verdict(marker: u8, payload: &[u8]) -> Verdict {
    match marker {
        APP0 if payload.starts_with(b"JFIF\0") => Verdict::Keep,
        APP1 if payload.starts_with(b"Exif\0") => Verdict::Remove(Removed::Exif {
            gps: exif::has_gps(payload),
        }),
        APP1 if payload.starts_with(XMP) || payload.starts_with(XMP_EXTENSION) => {
            Verdict::Remove(Removed::Xmp)
        }
        APP2 if payload.starts_with(b"ICC_PROFILE\0") => Verdict::KeepIcc,
        APP2 if payload.starts_with(b"MPF\0") => Verdict::Remove(Removed::MultiPicture),
        APP13 => Verdict::Remove(Removed::Iptc),
        APP14 if payload.starts_with(b"Adobe") => Verdict::Keep,
        APP0..=APP15 => Verdict::Remove(Removed::JpegSegment { marker }),
        COM => Verdict::Remove(Removed::Comment),
        _ => Verdict::Keep,
    }
}

/// Markers that stand alone, without a length: `TEM` and the restart markers.
fn is_standalone(marker: u8) -> bool {
    marker == 0x01 || (0xD0..=0xD7).contains(&marker)
}

pub(super) fn clean(bytes: &[u8], out: &mut Output) -> Option<()> {
    out.bytes.extend_from_slice(&[0xFF, SOI]);
    let mut at = 2;
    loop {
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        // Any number of 0xFF fill bytes may precede a marker (B.1.1.2); they carry nothing
        // and are not copied.
        while *bytes.get(at + 1)? == 0xFF {
            at += 1;
        }
        let marker = *bytes.get(at + 1)?;
        match marker {
            EOI => {
                out.bytes.extend_from_slice(&[0xFF, EOI]);
                at += 2;
                break;
            }
            SOI | 0x00 => return None,
            m if is_standalone(m) => {
                out.bytes.extend_from_slice(&[0xFF, m]);
                at += 2;
                continue;
            }
            _ => {}
        }
        let len = usize::from(u16_be(bytes, at + 2)?);
        // The length counts its own two bytes.
        let payload = range(bytes, at + 4, len.checked_sub(2)?)?;
        let segment = range(bytes, at, len + 2)?;
        at += segment.len();
        match verdict(marker, payload) {
            Verdict::Keep => out.bytes.extend_from_slice(segment),
            Verdict::KeepIcc => {
                out.bytes.extend_from_slice(segment);
                out.icc_profile_kept = true;
            }
            Verdict::Remove(removed) => out.removed.push(removed),
        }
        if marker == SOS {
            let scan = bytes.get(at..)?;
            let len = entropy_len(scan)?;
            out.bytes.extend_from_slice(scan.get(..len)?);
            at += len;
        }
    }
    if at < bytes.len() {
        out.removed.push(Removed::TrailingData {
            len: bytes.len() - at,
        });
    }
    Some(())
}

/// The length of the entropy-coded data at the start of `scan`: up to the first `FF` that
/// is neither a stuffed `FF 00`, a restart marker `FF D0`–`D7`, nor a fill byte before
/// another `FF`. `None` if the file ends first (a truncated image).
fn entropy_len(scan: &[u8]) -> Option<usize> {
    let mut at = 0;
    loop {
        at += scan.get(at..)?.iter().position(|&b| b == 0xFF)?;
        match *scan.get(at + 1)? {
            0x00 | 0xD0..=0xD7 => at += 2,
            _ => return Some(at),
        }
    }
}
