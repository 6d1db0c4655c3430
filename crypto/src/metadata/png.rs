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
