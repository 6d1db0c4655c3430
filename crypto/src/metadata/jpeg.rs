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
    /// Kept with a new payload; part of it removed.
    Rewrite(Vec<u8>, Removed),
    Remove(Removed),
}

/// Application segments are kept only when a decoder needs them; every other segment
/// (frame, tables, scans, restart intervals, …) is image data and is kept.
fn verdict(marker: u8, payload: &[u8]) -> Verdict {
    match marker {
        APP0 if payload.starts_with(b"JFIF\0") => jfif(payload),
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

/// The JFIF header's length: identifier, version, density unit, densities and the
/// thumbnail's width and height (one byte each).
const JFIF_HEADER: usize = 14;

/// JFIF's header is kept (decoders read its pixel density), but not the thumbnail it may
/// carry: a small copy of the picture, perhaps from before it was cropped or edited. A header
/// too short to be one is removed.
fn jfif(payload: &[u8]) -> Verdict {
    let removed = Removed::JpegSegment { marker: APP0 };
    let Some(header) = payload.get(..JFIF_HEADER) else {
        return Verdict::Remove(removed);
    };
    if payload.len() == JFIF_HEADER && header.ends_with(&[0, 0]) {
        return Verdict::Keep;
    }
    let mut kept = header.to_vec();
    kept.truncate(JFIF_HEADER - 2);
    kept.extend([0, 0]);
    Verdict::Rewrite(kept, removed)
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
            Verdict::Rewrite(payload, removed) => {
                out.bytes.extend_from_slice(&[0xFF, marker]);
                let len = u16::try_from(payload.len() + 2).ok()?;
                out.bytes.extend_from_slice(&len.to_be_bytes());
                out.bytes.extend_from_slice(&payload);
                out.removed.push(removed);
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

#[cfg(test)]
mod tests {
    use super::super::{Format, MetadataError, clean, exif::tests::tiff_with_tag};
    use super::*;

    fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, marker];
        s.extend(u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
        s.extend(payload);
        s
    }

    /// The image-data part: tables, frame, one scan whose entropy data holds a stuffed
    /// `FF 00` and a restart marker, a second (progressive-style) scan, and `EOI`.
    fn image_data() -> Vec<u8> {
        let mut d = segment(0xDB, &[0; 65]); // DQT
        d.extend(segment(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0])); // SOF0, 1x1, 1 component
        d.extend(segment(
            0xC4,
            &[0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        )); // DHT
        d.extend(segment(SOS, &[1, 1, 0, 0, 63, 0]));
        d.extend([0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        d.extend(segment(
            0xC4,
            &[0x10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        ));
        d.extend(segment(SOS, &[1, 1, 0, 0, 63, 0]));
        d.extend([0x78, 0x9A]);
        d.extend([0xFF, EOI]);
        d
    }

    fn jfif() -> Vec<u8> {
        segment(APP0, b"JFIF\0\x01\x02\0\0\x01\0\x01\0\0")
    }

    #[test]
    fn removes_exif_xmp_comment_iptc_and_what_follows_the_image() {
        let mut exif = b"Exif\0\0".to_vec();
        exif.extend(tiff_with_tag(0x8825));
        let mut file = vec![0xFF, SOI];
        file.extend(jfif());
        file.extend(segment(APP1, &exif));
        file.extend(segment(APP1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>"));
        file.extend(segment(APP2, b"ICC_PROFILE\0\x01\x01profile"));
        file.extend(segment(APP2, b"MPF\0II*\0"));
        file.extend(segment(APP13, b"Photoshop 3.0\08BIM"));
        file.extend(segment(0xEB, b"vendor serial 1234"));
        file.extend(segment(COM, b"taken by A. Reporter"));
        file.extend(image_data());
        file.extend([0xFF, SOI, 0xFF, APP1, 0, 8, b'E', b'x', b'i', b'f', 0, 0]); // appended picture

        let cleaned = clean(&file).unwrap();
        assert_eq!(cleaned.format, Format::Jpeg);
        assert_eq!(
            cleaned.removed,
            [
                Removed::Exif { gps: true },
                Removed::Xmp,
                Removed::MultiPicture,
                Removed::Iptc,
                Removed::JpegSegment { marker: 0xEB },
                Removed::Comment,
                Removed::TrailingData { len: 12 },
            ]
        );
        assert!(cleaned.had_gps());
        assert!(cleaned.icc_profile_kept);
        let mut expected = vec![0xFF, SOI];
        expected.extend(jfif());
        expected.extend(segment(APP2, b"ICC_PROFILE\0\x01\x01profile"));
        expected.extend(image_data());
        assert_eq!(cleaned.bytes, expected);
    }

    #[test]
    fn a_jfif_thumbnail_is_removed_and_the_header_kept() {
        // JFIF with a 2×1 RGB thumbnail (6 bytes), then a damaged JFIF header.
        let mut file = vec![0xFF, SOI];
        file.extend(segment(APP0, b"JFIF\0\x01\x02\0\0\x01\0\x01\x02\x01thumbs"));
        file.extend(segment(APP0, b"JFIF\0\x01"));
        file.extend(image_data());
        let cleaned = clean(&file).unwrap();
        assert_eq!(
            cleaned.removed,
            [
                Removed::JpegSegment { marker: APP0 },
                Removed::JpegSegment { marker: APP0 },
            ]
        );
        let mut expected = vec![0xFF, SOI];
        expected.extend(jfif());
        expected.extend(image_data());
        assert_eq!(cleaned.bytes, expected);
    }

    #[test]
    fn metadata_between_scans_is_removed_too() {
        let data = image_data();
        let (head, tail) = data.split_at(data.len() - 2);
        let mut file = vec![0xFF, SOI];
        file.extend(head);
        file.extend(segment(COM, b"late comment"));
        file.extend(tail);
        let cleaned = clean(&file).unwrap();
        assert_eq!(cleaned.removed, [Removed::Comment]);
        let mut expected = vec![0xFF, SOI];
        expected.extend(data);
        assert_eq!(cleaned.bytes, expected);
    }

    #[test]
    fn a_clean_file_comes_back_unchanged() {
        let mut file = vec![0xFF, SOI];
        file.extend(jfif());
        file.extend(image_data());
        let cleaned = clean(&file).unwrap();
        assert!(cleaned.removed.is_empty());
        assert!(!cleaned.icc_profile_kept);
        assert_eq!(cleaned.bytes, file);
    }

    #[test]
    fn truncated_or_damaged_files_are_errors() {
        let mut file = vec![0xFF, SOI];
        file.extend(jfif());
        file.extend(image_data());
        for cut in 3..file.len() - 1 {
            assert_eq!(
                clean(file.get(..cut).unwrap()),
                Err(MetadataError::Malformed(Format::Jpeg)),
                "cut at {cut}"
            );
        }
        // A length shorter than its own two bytes, and a stray byte between segments.
        let mut bad = vec![0xFF, SOI, 0xFF, COM, 0, 1];
        bad.extend([0xFF, EOI]);
        assert_eq!(clean(&bad), Err(MetadataError::Malformed(Format::Jpeg)));
        let mut stray = vec![0xFF, SOI];
        stray.extend(jfif());
        stray.push(0x00);
        stray.extend(image_data());
        assert_eq!(clean(&stray), Err(MetadataError::Malformed(Format::Jpeg)));
    }
}
