//! The JPEG, PNG, WebP and GIF cleaners, and the HEIF and TIFF refusal, that remove identifying metadata from photos before
//! they are sealed (kentongan-crypto's `metadata` module): in the browser and, on the no-JS
//! path, in the server.

use kentongan_crypto::metadata::{self, Format, MetadataError};

/// `data` as a photo a reporter attached.
pub fn images(data: &[u8]) {
    let format = metadata::detect(data);
    // What the server refuses from a file's first bytes, cleaning the whole file refuses too.
    let head = data.get(..metadata::SNIFF_LEN).unwrap_or(data);
    if let Some(refusal) = metadata::refused(head) {
        assert_eq!(
            metadata::clean(data).err(),
            Some(MetadataError::Refused(refusal))
        );
    }
    match metadata::clean(data) {
        Ok(cleaned) => {
            assert_eq!(Some(cleaned.format), format);
            let _ = metadata::removed_slugs(&cleaned.removed);
            if cleaned.removed.is_empty() && cleaned.format != Format::Jpeg {
                assert!(
                    cleaned.bytes == data,
                    "nothing removed, yet the image changed"
                );
            }
            // Cleaning is idempotent: what one pass keeps is image data, so a second pass
            // finds nothing to remove and changes nothing. A second pass that does remove
            // something means the first one left metadata in or damaged what it kept.
            let again = metadata::clean(&cleaned.bytes);
            assert!(
                again
                    .as_ref()
                    .is_ok_and(|again| again.removed.is_empty() && again.bytes == cleaned.bytes),
                "a second pass over the cleaned image: {:?}",
                again.map(|again| again.removed)
            );
        }
        Err(MetadataError::Refused(refusal)) => {
            assert_eq!(metadata::refused(data), Some(refusal));
        }
        Err(MetadataError::Unsupported) => {
            assert_eq!(format, None);
            assert_eq!(metadata::refused(data), None);
        }
        Err(MetadataError::Malformed(f)) => assert_eq!(Some(f), format),
        Err(_) => {}
    }
}
