//! What is inside the encryption, as whoever holds the key reads it: the report JSON, the
//! padded frame of every item, the case keys inside an envelope, the login challenge, an
//! attachment's header and body, and the file name an attachment is saved under. Anyone
//! holding a case key (the reporter among them) can seal anything here, so none of it is
//! trusted.
//!
//! The fuzzer's bytes are sealed to the harness's case key exactly as given (no padding
//! added), so every reader meets them after a successful decryption.

use std::io::{self, Read, Write};

use kentongan_crypto::attachment::{
    MAX_FILE_NAME_BYTES, Opener, numbered_file_name, sanitize_file_name,
};
use kentongan_crypto::bundle::ItemKind;
use kentongan_crypto::keys::CaseKeys;
use kentongan_crypto::{Ciphertext, Message, Report, challenge, envelope, item, padding};

use crate::fixtures::{self, CASE};

/// `data` as decrypted bytes.
pub fn plaintext(data: &[u8]) {
    if let Ok(report) = Report::from_plaintext(data) {
        let _ = report.validate();
        let _ = report.to_plaintext();
    }
    if let Ok(content) = padding::unpad(data) {
        assert!(content.len() <= data.len());
    }
    file_name(&String::from_utf8_lossy(data));

    let (Some(case), Some(recipient)) = (fixtures::identity(CASE), fixtures::age_recipient(CASE))
    else {
        return;
    };
    let Some(sealed) = seal_raw(&recipient, data) else {
        return;
    };
    let _ = Message::open(&sealed, &case);
    let _ = envelope::open(&sealed, &case);
    let _ = challenge::answer(&case, &sealed);
    for kind in ItemKind::ALL {
        let _ = item::open(kind, &sealed, &case, None);
    }
    if let Ok(mut opener) = Opener::new(&case, sealed.as_bytes()) {
        file_name(&opener.header().name);
        let _ = io::copy(&mut opener.by_ref().take(1 << 24), &mut io::sink());
    }
    let keys = CaseKeys { case, notes: None };
    let _ = item::open_with_keys(ItemKind::Note, &sealed, &keys);
}

/// `plain` in an age file to `recipient`, exactly as given.
fn seal_raw(recipient: &age::x25519::Recipient, plain: &[u8]) -> Option<Ciphertext> {
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(recipient as &dyn age::Recipient)).ok()?;
    let mut out = Vec::new();
    let mut writer = encryptor.wrap_output(&mut out).ok()?;
    writer.write_all(plain).ok()?;
    writer.finish().ok()?;
    Some(Ciphertext::from_bytes(out))
}

/// The promises of `sanitize_file_name`: a name safe to create on any common file system.
fn file_name(name: &str) {
    for safe in [
        sanitize_file_name(name),
        numbered_file_name(&sanitize_file_name(name), 12),
    ] {
        assert!(!safe.is_empty());
        assert!(
            safe.len() <= MAX_FILE_NAME_BYTES + 13,
            "{} bytes",
            safe.len()
        );
        assert!(!safe.contains(['/', '\\', ':', '*', '?', '"', '<', '>', '|']));
        assert!(!safe.chars().any(char::is_control));
        assert!(!safe.contains(".."), "a name with ..");
        assert!(!safe.starts_with(['.', ' ']) && !safe.ends_with(['.', ' ']));
    }
    assert!(sanitize_file_name(name).len() <= MAX_FILE_NAME_BYTES);
}
