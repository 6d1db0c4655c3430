//! Attachment uploads, the parts that are not HTTP: the limits an office configures and the
//! token that names an upload.
//!
//! An upload is named by a random token that only its uploader holds (the browser, or the
//! no-JS request itself); the store keeps only the token's SHA-256, so a copy of the database
//! cannot be used to add to or look into an upload in progress. Once attached to a report or
//! message, an upload takes no more data, and only investigators holding the case's key read
//! it back (by its id, not by the token).

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use kentongan_crypto::attachment;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// `[attachments]` in the configuration: limits on what a reporter may attach, in plaintext
/// bytes (before encryption).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AttachmentLimits {
    /// The largest file, in bytes (after metadata removal). 100 MiB unless set.
    pub max_file_bytes: u64,
    /// The most files with one report or one message. 10 unless set.
    pub max_files: usize,
    /// The most uploads not yet attached to a report or message, all reporters together.
    /// 1,000 unless set.
    pub max_pending_uploads: u64,
    /// The most bytes those uploads hold together (ciphertext). 4 GiB unless set: past
    /// either bound, a new upload is asked to try later, so that anonymous uploads cannot
    /// fill the disk. A no-JS file briefly takes twice its size (it is read in two passes).
    pub max_pending_bytes: u64,
    /// How long a no-JS photo waits for one of the two cleaning slots before the report is
    /// refused with "try again" (its text kept). 20 seconds unless set.
    pub photo_wait_seconds: u64,
}

impl Default for AttachmentLimits {
    fn default() -> Self {
        AttachmentLimits {
            max_file_bytes: 100 * 1024 * 1024,
            max_files: 10,
            max_pending_uploads: 1_000,
            max_pending_bytes: 4 * 1024 * 1024 * 1024,
            photo_wait_seconds: 20,
        }
    }
}

impl AttachmentLimits {
    /// The longest ciphertext an upload may grow to: that of the largest file with the
    /// largest header. A browser that lies about sizes still cannot store more.
    pub fn max_sealed_len(&self) -> u64 {
        attachment::max_sealed_len(self.max_file_bytes, attachment::MAX_HEADER_LEN)
    }

    /// What the store lets unattached uploads hold together.
    pub fn unattached(&self) -> crate::store::Unattached {
        crate::store::Unattached {
            uploads: self.max_pending_uploads,
            bytes: self.max_pending_bytes,
        }
    }

    /// `KENTONGAN_MAX_FILE_BYTES` and `KENTONGAN_MAX_FILES` over the file's values.
    pub fn with_env(mut self) -> anyhow::Result<Self> {
        use anyhow::Context;
        if let Ok(value) = std::env::var("KENTONGAN_MAX_FILE_BYTES") {
            self.max_file_bytes = value
                .trim()
                .parse()
                .context("KENTONGAN_MAX_FILE_BYTES must be a number of bytes")?;
        }
        if let Ok(value) = std::env::var("KENTONGAN_MAX_FILES") {
            self.max_files = value
                .trim()
                .parse()
                .context("KENTONGAN_MAX_FILES must be a number")?;
        }
        Ok(self)
    }
}

/// Deletes uploads never attached to a report, now and then once a day: those started
/// before yesterday (office calendar), so an abandoned upload lives one to two days. An
/// upload in progress across midnight is never cut off. Runs until the runtime stops.
pub fn sweep_daily(
    store: std::sync::Arc<dyn crate::store::Store>,
    utc_offset: time::UtcOffset,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut daily = tokio::time::interval(std::time::Duration::from_secs(24 * 60 * 60));
        loop {
            daily.tick().await;
            let today = time::OffsetDateTime::now_utc().to_offset(utc_offset).date();
            let Some(yesterday) = today.previous_day() else {
                continue;
            };
            match store.delete_stale_uploads(yesterday).await {
                Ok(0) => {}
                Ok(n) => tracing::info!("deleted {n} upload(s) never attached to a report"),
                Err(e) => tracing::warn!("deleting stale uploads failed: {e}"),
            }
        }
    })
}

/// The token naming an upload: 32 random bytes, written as 43 characters of unpadded
/// base64url. A secret of its uploader's: zeroized on drop, redacted in `Debug`, never
/// logged.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct UploadToken([u8; 32]);

impl UploadToken {
    pub fn generate() -> Self {
        UploadToken(rand::random())
    }

    /// A token as the browser sends it back; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() != 43 {
            return None;
        }
        let mut bytes = [0u8; 32];
        match URL_SAFE_NO_PAD.decode_slice(text, &mut bytes) {
            Ok(32) => Some(UploadToken(bytes)),
            _ => {
                bytes.zeroize();
                None
            }
        }
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    /// What the store keeps and looks the upload up by.
    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(self.0).into()
    }
}

impl fmt::Debug for UploadToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UploadToken(…)")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tokens_round_trip_and_refuse_anything_else() {
        let token = UploadToken::generate();
        let text = token.encode();
        assert_eq!(text.len(), 43);
        let parsed = UploadToken::parse(&text).unwrap();
        assert_eq!(parsed.hash(), token.hash());
        assert_ne!(token.hash(), UploadToken::generate().hash());
        assert_eq!(format!("{token:?}"), "UploadToken(…)");
        let longer = format!("{text}A");
        for bad in [
            "",
            &text[..42],
            longer.as_str(),
            "../../../../etc/passwd/../../../../../../../..",
            "test \" ' & < > \\ %s {} ; DROP TABLE x; --xxxxxxxxxxx",
            "+++++++++++++++++++++++++++++++++++++++++++",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        ] {
            assert!(UploadToken::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn the_ciphertext_limit_covers_the_plaintext_limit() {
        let limits = AttachmentLimits::default();
        assert!(limits.max_sealed_len() > limits.max_file_bytes);
        assert!(limits.max_sealed_len() < limits.max_file_bytes + limits.max_file_bytes / 8);
    }
}
