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

/// The `VP8X` payload: flags, 3 reserved bytes, canvas width and height (3 bytes each).
/// Decoders refuse any other size (libwebp: `VP8X_CHUNK_SIZE`).
const VP8X_LEN: usize = 10;

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
                // A shorter one would put the flags byte in the next chunk, which clearing
                // the EXIF and XMP bits would then damage.
                if len != VP8X_LEN {
                    return None;
                }
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

#[cfg(test)]
mod tests {
    use super::super::{Format, MetadataError, clean, exif::tests::tiff_with_tag};
    use super::*;

    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = kind.to_vec();
        c.extend(u32::try_from(data.len()).unwrap().to_le_bytes());
        c.extend(data);
        if data.len() % 2 == 1 {
            c.push(0);
        }
        c
    }

    fn riff(chunks: &[Vec<u8>]) -> Vec<u8> {
        let body: Vec<u8> = chunks.concat();
        let mut f = b"RIFF".to_vec();
        f.extend(u32::try_from(body.len() + 4).unwrap().to_le_bytes());
        f.extend(b"WEBP");
        f.extend(body);
        f
    }

    /// `VP8X` with the given flags and a 1x1 canvas.
    fn vp8x(flags: u8) -> Vec<u8> {
        chunk(b"VP8X", &[flags, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    fn alph() -> Vec<u8> {
        chunk(b"ALPH", &[0, 0xFF])
    }

    fn vp8l() -> Vec<u8> {
        chunk(
            b"VP8L",
            &[0x2F, 0, 0, 0, 0, 0x07, 0x10, 0x91, 0xFE, 0xFB, 0x0F],
        )
    }

    #[test]
    fn removes_exif_and_xmp_and_clears_their_flags() {
        // ICC (0x20), alpha (0x10), EXIF (0x08), XMP (0x04).
        let file = riff(&[
            vp8x(0x3C),
            chunk(b"ICCP", b"profile"),
            alph(),
            vp8l(),
            chunk(b"EXIF", &tiff_with_tag(0x8825)),
            chunk(b"XMP ", b"<x:xmpmeta/>"),
            chunk(b"ZZZZ", b"x"),
        ]);
        let cleaned = clean(&file).unwrap();
        assert_eq!(cleaned.format, Format::WebP);
        assert_eq!(
            cleaned.removed,
            [
                Removed::Exif { gps: true },
                Removed::Xmp,
                Removed::Chunk { kind: *b"ZZZZ" },
            ]
        );
        assert!(cleaned.icc_profile_kept);
        let expected = riff(&[vp8x(0x30), chunk(b"ICCP", b"profile"), alph(), vp8l()]);
        assert_eq!(cleaned.bytes, expected);
    }

    #[test]
    fn a_clean_file_comes_back_unchanged() {
        let file = riff(&[vp8x(0x10), alph(), vp8l()]);
        let cleaned = clean(&file).unwrap();
        assert!(cleaned.removed.is_empty());
        assert_eq!(cleaned.bytes, file);
    }

    #[test]
    fn data_after_the_riff_goes() {
        let mut file = riff(&[vp8l()]);
        let expected = file.clone();
        file.extend(b"appended");
        let cleaned = clean(&file).unwrap();
        assert_eq!(cleaned.removed, [Removed::TrailingData { len: 8 }]);
        assert_eq!(cleaned.bytes, expected);
    }

    /// Found by fuzzing (fuzz/corpus/images/crash-webp-vp8x-empty): a `VP8X` of size 0
    /// made the flags "byte" the next kept chunk's first, so removing EXIF renamed the
    /// bitstream chunk `VP8L` to `RP8L` and the image no longer decoded.
    #[test]
    fn a_vp8x_of_the_wrong_size_is_malformed() {
        for len in [0, 1, 9, 11, 12] {
            let file = riff(&[
                chunk(b"VP8X", &vec![0x08; len]),
                vp8l(),
                chunk(b"EXIF", &tiff_with_tag(0x8825)),
            ]);
            assert_eq!(
                clean(&file),
                Err(MetadataError::Malformed(Format::WebP)),
                "VP8X of {len} bytes"
            );
        }
        let file = riff(&[vp8x(0x08), vp8l(), chunk(b"EXIF", b"II*\0")]);
        let cleaned = clean(&file).unwrap();
        assert_eq!(cleaned.bytes, riff(&[vp8x(0x00), vp8l()]));
    }

    #[test]
    fn truncated_files_are_errors() {
        let file = riff(&[vp8x(0x08), vp8l(), chunk(b"EXIF", b"II*\0")]);
        for cut in 12..file.len() {
            assert_eq!(
                clean(file.get(..cut).unwrap()),
                Err(MetadataError::Malformed(Format::WebP)),
                "cut at {cut}"
            );
        }
    }
}
