//! Just enough of EXIF (a TIFF structure) to tell whether a block held a GPS position, so
//! the reporter can be told so. The block is removed whatever this says.

use super::array;

/// The IFD0 tag that points to the GPS directory (EXIF 2.3, section 4.6.3).
const GPS_IFD_POINTER: u16 = 0x8825;

/// Whether the TIFF structure in `exif` (with or without the `Exif\0\0` prefix JPEG uses and
/// WebP writers sometimes copy) has a GPS pointer in its first directory, where the
/// standard puts it. False for anything it cannot follow.
pub(super) fn has_gps(exif: &[u8]) -> bool {
    let tiff = exif.strip_prefix(b"Exif\0\0").unwrap_or(exif);
    gps_pointer(tiff).unwrap_or(false)
}

fn gps_pointer(tiff: &[u8]) -> Option<bool> {
    let little_endian = match tiff.get(..4)? {
        b"II*\0" => true,
        b"MM\0*" => false,
        _ => return None,
    };
    let u16_at = |at: usize| {
        array(tiff, at).map(|b| {
            if little_endian {
                u16::from_le_bytes(b)
            } else {
                u16::from_be_bytes(b)
            }
        })
    };
    let u32_at = |at: usize| {
        array(tiff, at).map(|b| {
            if little_endian {
                u32::from_le_bytes(b)
            } else {
                u32::from_be_bytes(b)
            }
        })
    };
    let ifd0 = usize::try_from(u32_at(4)?).ok()?;
    let entries = u16_at(ifd0)?;
    // Each directory entry is 12 bytes: tag, type, count, value or offset.
    for i in 0..usize::from(entries) {
        let entry = ifd0.checked_add(2)?.checked_add(i.checked_mul(12)?)?;
        if u16_at(entry)? == GPS_IFD_POINTER {
            return Some(true);
        }
    }
    Some(false)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A little-endian TIFF with an IFD0 of one entry: `tag` (type LONG, count 1, value 26),
    /// followed by an empty GPS directory at offset 26.
    pub(crate) fn tiff_with_tag(tag: u16) -> Vec<u8> {
        let mut t = b"II*\0".to_vec();
        t.extend(8u32.to_le_bytes());
        t.extend(1u16.to_le_bytes());
        t.extend(tag.to_le_bytes());
        t.extend(4u16.to_le_bytes());
        t.extend(1u32.to_le_bytes());
        t.extend(26u32.to_le_bytes());
        t.extend(0u32.to_le_bytes()); // no next IFD
        t.extend(0u16.to_le_bytes()); // the GPS IFD: no entries
        t
    }

    #[test]
    fn finds_the_gps_pointer_in_either_byte_order() {
        assert!(has_gps(&tiff_with_tag(GPS_IFD_POINTER)));
        assert!(!has_gps(&tiff_with_tag(0x010F))); // Make
        let mut prefixed = b"Exif\0\0".to_vec();
        prefixed.extend(tiff_with_tag(GPS_IFD_POINTER));
        assert!(has_gps(&prefixed));
        let big = b"MM\0*\0\0\0\x08\0\x01\x88\x25\0\x04\0\0\0\x01\0\0\0\x1a";
        assert!(has_gps(big));
    }

    #[test]
    fn damaged_exif_says_no_gps_without_panicking() {
        let whole = tiff_with_tag(GPS_IFD_POINTER);
        for cut in 0..12 {
            assert!(!has_gps(whole.get(..cut).unwrap_or_default()));
        }
        assert!(!has_gps(b"II*\0\xff\xff\xff\xff"));
    }
}
