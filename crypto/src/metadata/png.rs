//! PNG: a signature, then chunks of `length (u32 BE) | type | data | CRC`, ending with
//! `IEND` (PNG 3rd edition, section 5). Chunks are copied whole, CRC included, so kept
//! chunks are byte-identical.

use super::{Output, Removed, exif, range, u32_be};

/// The PNG file signature.
pub(super) const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Ancillary chunks kept because they change how the pixels are shown (or, for APNG, which
/// pixels are shown). Critical chunks are always kept. `iCCP` is here for colour fidelity.
const KEPT_ANCILLARY: &[&[u8; 4]] = &[
    b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"bKGD", b"pHYs", b"hIST", b"cICP",
    b"mDCV", b"cLLI", b"acTL", b"fcTL", b"fdAT",
];

/// The `iTXt` keyword under which XMP is stored.
const XMP_KEYWORD: &[u8] = b"XML:com.adobe.xmp\0";

pub(super) fn clean(bytes: &[u8], out: &mut Output) -> Option<()> {
    out.bytes.extend_from_slice(SIGNATURE);
    let mut at = SIGNATURE.len();
    loop {
        let len = usize::try_from(u32_be(bytes, at)?).ok()?;
        // 4 length + 4 type + data + 4 CRC.
        let whole = range(bytes, at, len.checked_add(12)?)?;
        let kind: [u8; 4] = whole.get(4..8)?.try_into().ok()?;
        let data = whole.get(8..8 + len)?;
        at += whole.len();
        // Bit 5 of the first type byte clear (upper case) marks a critical chunk.
        let critical = kind[0] & 0x20 == 0;
        if critical || KEPT_ANCILLARY.contains(&&kind) {
            out.bytes.extend_from_slice(whole);
            out.icc_profile_kept |= &kind == b"iCCP";
        } else {
            out.removed.push(match &kind {
                b"eXIf" => Removed::Exif {
                    gps: exif::has_gps(data),
                },
                b"iTXt" if data.starts_with(XMP_KEYWORD) => Removed::Xmp,
                b"tEXt" | b"zTXt" | b"iTXt" => Removed::Text,
                b"tIME" => Removed::Time,
                _ => Removed::Chunk { kind },
            });
        }
        if &kind == b"IEND" {
            break;
        }
    }
    if at < bytes.len() {
        out.removed.push(Removed::TrailingData {
            len: bytes.len() - at,
        });
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::super::{Format, MetadataError, clean, exif::tests::tiff_with_tag};
    use super::*;

    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
        c.extend(kind);
        c.extend(data);
        // The walker does not check CRCs (it copies kept chunks whole); any value will do.
        c.extend([0xDE, 0xAD, 0xBE, 0xEF]);
        c
    }

    fn image() -> Vec<u8> {
        let mut p = SIGNATURE.to_vec();
        p.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
        p.extend(chunk(b"gAMA", &[0, 0, 0xB1, 0x8F]));
        p.extend(chunk(b"IDAT", &[0x78, 0x9C, 0x63, 0x60, 0, 0, 0, 2, 0, 1]));
        p
    }

    #[test]
    fn removes_text_exif_xmp_time_and_unknown_chunks() {
        let mut file = image();
        let iend = chunk(b"IEND", &[]);
        file.extend(chunk(b"tEXt", b"Author\0A. Reporter"));
        file.extend(chunk(b"zTXt", b"Comment\0\0x"));
        file.extend(chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0<x/>"));
        file.extend(chunk(b"iTXt", b"Title\0\0\0\0\0t"));
        file.extend(chunk(b"eXIf", &tiff_with_tag(0x8825)));
        file.extend(chunk(b"tIME", &[7, 0xE8, 1, 1, 0, 0, 0]));
        file.extend(chunk(b"iDOT", &[0; 28]));
        file.extend(&iend);
        file.extend(b"trailer");

        let cleaned = clean(&file).unwrap();
        assert_eq!(cleaned.format, Format::Png);
        assert_eq!(
            cleaned.removed,
            [
                Removed::Text,
                Removed::Text,
                Removed::Xmp,
                Removed::Text,
                Removed::Exif { gps: true },
                Removed::Time,
                Removed::Chunk { kind: *b"iDOT" },
                Removed::TrailingData { len: 7 },
            ]
        );
        let mut expected = image();
        expected.extend(iend);
        assert_eq!(cleaned.bytes, expected);
    }

    #[test]
    fn a_clean_file_comes_back_unchanged() {
        let mut file = image();
        file.extend(chunk(b"iCCP", b"sRGB\0\0x"));
        file.extend(chunk(b"IEND", &[]));
        let cleaned = clean(&file).unwrap();
        assert!(cleaned.removed.is_empty());
        assert!(cleaned.icc_profile_kept);
        assert_eq!(cleaned.bytes, file);
    }

    #[test]
    fn truncated_files_are_errors() {
        let mut file = image();
        file.extend(chunk(b"IEND", &[]));
        for cut in SIGNATURE.len()..file.len() {
            assert_eq!(
                clean(file.get(..cut).unwrap()),
                Err(MetadataError::Malformed(Format::Png)),
                "cut at {cut}"
            );
        }
        let mut huge = SIGNATURE.to_vec();
        huge.extend([0xFF, 0xFF, 0xFF, 0xFF]);
        huge.extend(b"IDAT");
        assert_eq!(clean(&huge), Err(MetadataError::Malformed(Format::Png)));
    }
}
