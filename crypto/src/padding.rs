//! Padding of plaintext to size buckets before encryption.
//!
//! age hides content but not length, and the length of a report says something about it
//! (a one-line tip and a ten-page account look different). Every plaintext is framed as
//!
//! ```text
//! u32 big-endian length ‖ content ‖ zero bytes
//! ```
//!
//! and the frame is grown to the next *Padmé* size (Nikitin et al., "Reducing Metadata
//! Leakage from Encrypted Files and Communication with PURBs", PETS 2019): at most 12%
//! overhead, and a length leaks only O(log log n) bits. Frames are never smaller than
//! [`MIN_FRAME`] so that every short report looks the same.

use thiserror::Error;

/// The smallest frame: every report shorter than this is indistinguishable by length.
pub const MIN_FRAME: usize = 1024;

/// The largest content that can be framed (the length prefix is 32 bits).
pub const MAX_CONTENT: usize = u32::MAX as usize - 4;

/// A frame that does not decode: wrong length prefix or non-zero padding.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("padded plaintext is malformed")]
pub struct PaddingError;

/// The Padmé size for a frame of `len` bytes, never below [`MIN_FRAME`].
pub fn padded_len(len: usize) -> usize {
    let len = len.max(MIN_FRAME);
    // E = floor(log2 L), S = floor(log2 E) + 1; keep only the top S bits of L.
    let e = usize::BITS - 1 - len.leading_zeros();
    let s = u32::BITS - e.leading_zeros();
    let last_bits = e - s;
    let mask = (1usize << last_bits) - 1;
    (len + mask) & !mask
}

/// [`padded_len`] over `u64`, for attachments: their sizes are counted in `u64` so that a
/// file larger than 4 GiB is refused by a check rather than wrapped around on a 32-bit
/// target (the browser's WebAssembly). Saturates instead of overflowing for lengths within
/// 2^(log2 len) of `u64::MAX`, far beyond any size a caller accepts.
pub fn padded_len_u64(len: u64) -> u64 {
    let len = len.max(MIN_FRAME as u64);
    let e = u64::BITS - 1 - len.leading_zeros();
    let s = u32::BITS - e.leading_zeros();
    let last_bits = e - s;
    let mask = (1u64 << last_bits) - 1;
    len.saturating_add(mask) & !mask
}

/// Is `len` a size that [`pad`] can produce? The server uses this to check that a browser
/// padded what it encrypted.
pub fn is_padded_len(len: usize) -> bool {
    len >= MIN_FRAME && padded_len(len) == len
}

/// Frames and pads `content`. Fails only when `content` exceeds [`MAX_CONTENT`].
pub fn pad(content: &[u8]) -> Result<Vec<u8>, PaddingError> {
    let len = u32::try_from(content.len()).map_err(|_| PaddingError)?;
    let frame = content.len().checked_add(4).ok_or(PaddingError)?;
    let mut out = Vec::with_capacity(padded_len(frame));
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(content);
    out.resize(padded_len(frame), 0);
    Ok(out)
}

/// Returns the content inside a frame made by [`pad`].
pub fn unpad(frame: &[u8]) -> Result<&[u8], PaddingError> {
    let (prefix, rest) = frame.split_first_chunk::<4>().ok_or(PaddingError)?;
    let len = usize::try_from(u32::from_be_bytes(*prefix)).map_err(|_| PaddingError)?;
    let (content, zeros) = rest.split_at_checked(len).ok_or(PaddingError)?;
    if zeros.iter().any(|b| *b != 0) {
        return Err(PaddingError);
    }
    Ok(content)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_sizes() {
        // Padmé values from the PURBs paper's definition.
        assert_eq!(padded_len(0), 1024);
        assert_eq!(padded_len(1024), 1024);
        assert_eq!(padded_len(1025), 1088);
        assert_eq!(padded_len(9000), 9216);
        assert_eq!(padded_len(1_000_000), 1_015_808);
        assert!(is_padded_len(1088));
        assert!(!is_padded_len(1057));
        assert!(!is_padded_len(512));
    }

    #[test]
    fn rejects_bad_frames() {
        assert_eq!(unpad(&[]), Err(PaddingError));
        assert_eq!(unpad(&[0, 0, 0, 9, 1]), Err(PaddingError));
        assert_eq!(unpad(&[0, 0, 0, 1, 7, 0, 1]), Err(PaddingError));
        assert_eq!(unpad(&[0, 0, 0, 1, 7, 0, 0]), Ok(&[7u8][..]));
    }

    proptest! {
        #[test]
        fn roundtrip(content in proptest::collection::vec(any::<u8>(), 0..5000)) {
            let frame = pad(&content).unwrap();
            prop_assert!(is_padded_len(frame.len()));
            prop_assert_eq!(unpad(&frame).unwrap(), &content[..]);
        }

        #[test]
        fn u64_agrees(len in 0usize..(1 << 40)) {
            prop_assert_eq!(padded_len_u64(len as u64), padded_len(len) as u64);
        }

        #[test]
        fn overhead_is_bounded(len in 1024usize..50_000_000) {
            let padded = padded_len(len);
            prop_assert!(padded >= len);
            prop_assert!((padded - len) as f64 <= len as f64 * 0.12);
            prop_assert_eq!(padded_len(padded), padded);
        }
    }
}
