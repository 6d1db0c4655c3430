//! GIF: a header (`GIF87a` or `GIF89a`), the logical screen descriptor and its global
//! colour table, then blocks until the trailer `3B` (GIF89a specification, sections 17–27).
//! A block is an image (`2C`, a descriptor, a local colour table, the LZW code size and
//! data sub-blocks) or an extension (`21`, a label, then sub-blocks); sub-blocks are a
//! length byte and that many bytes, ended by a zero length. Kept blocks are copied whole.

use super::{Output, Removed, range};

const IMAGE: u8 = 0x2C;
const EXTENSION: u8 = 0x21;
const TRAILER: u8 = 0x3B;

const PLAIN_TEXT: u8 = 0x01;
const GRAPHIC_CONTROL: u8 = 0xF9;
const COMMENT: u8 = 0xFE;
const APPLICATION: u8 = 0xFF;

/// Header and logical screen descriptor.
const HEAD_LEN: usize = 6 + 7;
/// An image descriptor, its separator included.
const IMAGE_DESCRIPTOR_LEN: usize = 10;
/// An application extension's first sub-block: identifier (8) and authentication code (3).
const APPLICATION_ID_LEN: usize = 11;

/// Application extensions a viewer needs: looping (Netscape's, and the older AnimExts one,
/// both with the loop count) and the ICC colour profile.
const KEPT_APPLICATIONS: &[&[u8; APPLICATION_ID_LEN]] = &[b"NETSCAPE2.0", b"ANIMEXTS1.0", ICC];
const ICC: &[u8; APPLICATION_ID_LEN] = b"ICCRGBG1012";
const XMP: &[u8; APPLICATION_ID_LEN] = b"XMP DataXMP";

/// The bytes of a colour table when the packed field's top bit says there is one: three
/// bytes an entry, `2^(size + 1)` entries.
fn colour_table_len(packed: u8) -> usize {
    if packed & 0x80 == 0 {
        0
    } else {
        3 << ((packed & 0x07) + 1)
    }
}

/// The length of the sub-blocks starting at `at`, their zero terminator included.
fn sub_blocks_len(bytes: &[u8], at: usize) -> Option<usize> {
    let mut end = at;
    loop {
        let len = usize::from(*bytes.get(end)?);
        end = end.checked_add(1 + len)?;
        if len == 0 {
            return Some(end - at);
        }
    }
}

pub(super) fn clean(bytes: &[u8], out: &mut Output) -> Option<()> {
    let packed = *bytes.get(10)?;
    let head = range(bytes, 0, HEAD_LEN.checked_add(colour_table_len(packed))?)?;
    out.bytes.extend_from_slice(head);
    let mut at = head.len();
    // Where the output's last block starts, if it is a graphic control extension: it belongs
    // to the next image or plain text, and goes with a plain text that goes.
    let mut graphic_control = None;
    loop {
        let block_start = at;
        match *bytes.get(at)? {
            TRAILER => {
                out.bytes.push(TRAILER);
                at += 1;
                break;
            }
            IMAGE => {
                let packed = *bytes.get(at + IMAGE_DESCRIPTOR_LEN - 1)?;
                // The descriptor, its colour table, the LZW minimum code size.
                let data = IMAGE_DESCRIPTOR_LEN
                    .checked_add(colour_table_len(packed))?
                    .checked_add(1)?;
                let at_data = at.checked_add(data)?;
                let end = at_data.checked_add(sub_blocks_len(bytes, at_data)?)?;
                out.bytes.extend_from_slice(bytes.get(block_start..end)?);
                graphic_control = None;
                at = end;
            }
            EXTENSION => {
                let label = *bytes.get(at + 1)?;
                let end = at
                    .checked_add(2)?
                    .checked_add(sub_blocks_len(bytes, at + 2)?)?;
                let whole = bytes.get(block_start..end)?;
                at = end;
                let first_sub_block = whole.get(3..3 + usize::from(*whole.get(2)?))?;
                let removed = match label {
                    GRAPHIC_CONTROL => None,
                    APPLICATION => match <&[u8; APPLICATION_ID_LEN]>::try_from(first_sub_block) {
                        Ok(id) if KEPT_APPLICATIONS.contains(&id) => {
                            out.icc_profile_kept |= id == ICC;
                            None
                        }
                        Ok(id) if id == XMP => Some(Removed::Xmp),
                        Ok(id) => Some(Removed::GifApplication { identifier: *id }),
                        Err(_) => Some(Removed::GifExtension { label }),
                    },
                    COMMENT => Some(Removed::Comment),
                    PLAIN_TEXT => {
                        if let Some(start) = graphic_control.take() {
                            out.bytes.truncate(start);
                        }
                        Some(Removed::Text)
                    }
                    _ => Some(Removed::GifExtension { label }),
                };
                match removed {
                    Some(removed) => out.removed.push(removed),
                    None => {
                        graphic_control = (label == GRAPHIC_CONTROL).then_some(out.bytes.len());
                        out.bytes.extend_from_slice(whole);
                    }
                }
            }
            _ => return None,
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
    use super::super::{Format, MetadataError, clean};
    use super::*;

    /// `data` as sub-blocks of at most 255 bytes, with the terminator.
    fn sub_blocks(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for piece in data.chunks(255) {
            out.push(u8::try_from(piece.len()).unwrap());
            out.extend(piece);
        }
        out.push(0);
        out
    }

    fn extension(label: u8, data: &[u8]) -> Vec<u8> {
        let mut out = vec![EXTENSION, label];
        out.extend(sub_blocks(data));
        out
    }

    /// An application extension: the identifier as its own first sub-block, then `data`.
    fn application(id: &[u8; 11], data: &[u8]) -> Vec<u8> {
        let mut out = vec![EXTENSION, APPLICATION, 11];
        out.extend(id);
        out.extend(sub_blocks(data));
        out
    }

    /// A 1×1 GIF89a head with a global colour table of two entries (black, white).
    fn head() -> Vec<u8> {
        let mut g = b"GIF89a".to_vec();
        g.extend([1, 0, 1, 0, 0x80, 0, 0]);
        g.extend([0, 0, 0, 0xFF, 0xFF, 0xFF]);
        g
    }

    /// One 1×1 image, with a local colour table when `local`.
    fn image(local: bool) -> Vec<u8> {
        let mut i = vec![IMAGE, 0, 0, 0, 0, 1, 0, 1, 0];
        if local {
            i.push(0x80);
            i.extend([0xFF, 0, 0, 0, 0, 0xFF]);
        } else {
            i.push(0);
        }
        // LZW minimum code size 2, then the compressed pixel.
        i.push(2);
        i.extend(sub_blocks(&[0x02, 0x44, 0x01]));
        i
    }

    fn graphic_control() -> Vec<u8> {
        extension(GRAPHIC_CONTROL, &[0x04, 0x0A, 0, 0])
    }

    fn looping() -> Vec<u8> {
        application(b"NETSCAPE2.0", &[1, 0, 0])
    }

    #[test]
    fn removes_comments_xmp_and_other_extensions_and_keeps_every_pixel() {
        let xmp = vec![b'x'; 300];
        let mut file = head();
        file.extend(application(b"XMP DataXMP", &xmp));
        file.extend(looping());
        file.extend(extension(COMMENT, b"taken by A. Reporter at -7.9, 110.3"));
        file.extend(application(b"ICCRGBG1012", b"profile"));
        file.extend(graphic_control());
        file.extend(image(false));
        file.extend(application(b"VENDORxy1.0", b"serial 1234"));
        file.extend(extension(0x42, b"?"));
        file.extend(graphic_control());
        file.extend(image(true));
        file.push(TRAILER);
        file.extend(b"appended");

        let cleaned = clean(&file).unwrap();
        assert_eq!(cleaned.format, Format::Gif);
        assert_eq!(
            cleaned.removed,
            [
                Removed::Xmp,
                Removed::Comment,
                Removed::GifApplication {
                    identifier: *b"VENDORxy1.0"
                },
                Removed::GifExtension { label: 0x42 },
                Removed::TrailingData { len: 8 },
            ]
        );
        assert!(cleaned.icc_profile_kept);
        let mut expected = head();
        expected.extend(looping());
        expected.extend(application(b"ICCRGBG1012", b"profile"));
        expected.extend(graphic_control());
        expected.extend(image(false));
        expected.extend(graphic_control());
        expected.extend(image(true));
        expected.push(TRAILER);
        assert_eq!(cleaned.bytes, expected);
    }

    #[test]
    fn a_plain_text_goes_with_its_graphic_control() {
        let mut file = head();
        file.extend(graphic_control());
        file.extend(extension(PLAIN_TEXT, &[0; 13]));
        file.extend(image(false));
        file.push(TRAILER);
        let cleaned = clean(&file).unwrap();
        assert_eq!(cleaned.removed, [Removed::Text]);
        let mut expected = head();
        expected.extend(image(false));
        expected.push(TRAILER);
        assert_eq!(cleaned.bytes, expected);
    }

    #[test]
    fn a_clean_file_comes_back_unchanged() {
        for version in [b"GIF87a", b"GIF89a"] {
            let mut file = head();
            file.get_mut(..6).unwrap().copy_from_slice(version);
            file.extend(looping());
            file.extend(graphic_control());
            file.extend(image(true));
            file.push(TRAILER);
            let cleaned = clean(&file).unwrap();
            assert!(cleaned.removed.is_empty());
            assert!(!cleaned.icc_profile_kept);
            assert_eq!(cleaned.bytes, file);
        }
    }

    #[test]
    fn truncated_or_damaged_files_are_errors() {
        let mut file = head();
        file.extend(extension(COMMENT, b"a comment"));
        file.extend(graphic_control());
        file.extend(image(true));
        file.push(TRAILER);
        for cut in 6..file.len() {
            assert_eq!(
                clean(file.get(..cut).unwrap()),
                Err(MetadataError::Malformed(Format::Gif)),
                "cut at {cut}"
            );
        }
        // A block that is neither an image, an extension nor the trailer.
        let mut unknown = head();
        unknown.push(0x00);
        assert_eq!(clean(&unknown), Err(MetadataError::Malformed(Format::Gif)));
        // A global colour table longer than the file.
        let mut short = b"GIF89a".to_vec();
        short.extend([1, 0, 1, 0, 0x87, 0, 0, TRAILER]);
        assert_eq!(clean(&short), Err(MetadataError::Malformed(Format::Gif)));
    }
}
