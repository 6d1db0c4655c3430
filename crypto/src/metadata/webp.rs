//! WebP: a RIFF container, `RIFF | size (u32 LE) | WEBP | chunks`, each chunk
//! `FourCC | size (u32 LE) | data | pad byte if size is odd` (RFC 9649). Kept chunks are
//! copied whole; only the RIFF size and the `VP8X` EXIF/XMP flags are rewritten.

use super::{Output, Removed, exif, range, u32_le};

/// Chunks a decoder needs: the bitstreams, alpha, animation, the extended header, colour.
const KEPT: &[&[u8; 4]] = &[
    b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP",
];

/// `VP8X` flag bits (RFC 9649, section 2.7): EXIF metadata and XMP metadata present.
const VP8X_EXIF_AND_XMP: u8 = 0x08 | 0x04;

pub(super) fn clean(bytes: &[u8], out: &mut Output) -> Option<()> {
    let riff_size = usize::try_from(u32_le(bytes, 4)?).ok()?;
    let riff_end = riff_size.checked_add(8)?;
    let body = bytes.get(..riff_end)?;
    out.bytes.extend_from_slice(bytes.get(..12)?);
    let mut vp8x_flags = None;
    let mut at = 12;
    while at < body.len() {
        let kind: [u8; 4] = range(body, at, 4)?.try_into().ok()?;
        let len = usize::try_from(u32_le(body, at + 4)?).ok()?;
        let padded = len.checked_add(len & 1)?;
        let whole = range(body, at, padded.checked_add(8)?)?;
        let data = whole.get(8..8 + len)?;
        at += whole.len();
        if KEPT.contains(&&kind) {
            if &kind == b"VP8X" {
                vp8x_flags = Some(out.bytes.len() + 8);
            }
            out.icc_profile_kept |= &kind == b"ICCP";
            out.bytes.extend_from_slice(whole);
        } else {
            out.removed.push(match &kind {
                b"EXIF" => Removed::Exif {
                    gps: exif::has_gps(data),
                },
                b"XMP " => Removed::Xmp,
                _ => Removed::Chunk { kind },
            });
        }
    }
    // Clear the flags only if something was removed, so an untouched file stays identical.
    if !out.removed.is_empty() {
        if let Some(flags) = vp8x_flags.and_then(|i| out.bytes.get_mut(i)) {
            *flags &= !VP8X_EXIF_AND_XMP;
        }
    }
    let new_size = u32::try_from(out.bytes.len().checked_sub(8)?).ok()?;
    out.bytes
        .get_mut(4..8)?
        .copy_from_slice(&new_size.to_le_bytes());
    if riff_end < bytes.len() {
        out.removed.push(Removed::TrailingData {
            len: bytes.len() - riff_end,
        });
    }
    Some(())
}
