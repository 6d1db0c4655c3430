//! Unlocking an investigator's key file: the file `kentongan-keytool generate` writes, a
//! standard age identity file encrypted to a passphrase (age's scrypt recipient), usually
//! ASCII-armored.
//!
//! The same code runs in `kentongan-keytool` and, compiled to WebAssembly, in the
//! investigator's browser, where the unlocked identity stays inside the crypto worker. The
//! errors are coarse on purpose: they are shown to the person holding the file, and none
//! carries any part of the key.
//!
//! A plain (unencrypted) identity file, as `age-keygen` writes it, is accepted too: it is
//! the investigator's choice to keep one, for example on an encrypted offline disk.

use std::io::Read;

use age::armor::ArmoredReader;
use secrecy::{ExposeSecret, SecretString};
use thiserror::Error;
use zeroize::Zeroizing;

use crate::keys::Identity;

/// The largest scrypt work factor accepted (log2 N): 2^20 needs 1 GiB of memory. New key
/// files use 2^18 (256 MiB, age's default; keytool's `WORK_FACTOR`), files made earlier 2^16;
/// both open, as does a file re-encrypted with `age -p` on a fast machine, and this bound
/// keeps a hostile file from asking for tens of GiB. Unlock times are in BENCHMARKS.md.
pub const MAX_WORK_FACTOR: u8 = 20;

/// A key file larger than this is not a key file (ours are under 1 KiB).
pub const MAX_FILE_BYTES: usize = 64 * 1024;

/// Why a key file did not unlock.
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
pub enum KeyFileError {
    /// Neither an age-encrypted file nor an age identity file.
    #[error("not an age identity file, encrypted or plain")]
    NotKeyFile,
    /// Encrypted to a key rather than to a passphrase.
    #[error("the file is encrypted to another key, not to a passphrase")]
    NotPassphrase,
    /// The scrypt stanza did not open: with an intact file, the passphrase is wrong.
    #[error("wrong passphrase")]
    WrongPassphrase,
    /// The file asks for more scrypt work than [`MAX_WORK_FACTOR`].
    #[error("the file asks for scrypt work factor {0}; at most {MAX_WORK_FACTOR} is accepted")]
    TooMuchWork(u8),
    /// Cut short, altered, or holding something other than exactly one X25519 key.
    #[error("the file is damaged")]
    Damaged,
    /// Larger than [`MAX_FILE_BYTES`].
    #[error("the file is too large to be a key file")]
    TooLarge,
}

/// Whether `bytes` is a passphrase-encrypted key file (so a passphrase must be asked for),
/// a plain identity file (`Ok(false)`), or neither.
pub fn is_encrypted(bytes: &[u8]) -> Result<bool, KeyFileError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(KeyFileError::TooLarge);
    }
    match age::Decryptor::new_buffered(ArmoredReader::new(bytes)) {
        Ok(decryptor) if decryptor.is_scrypt() => Ok(true),
        Ok(_) => Err(KeyFileError::NotPassphrase),
        Err(_) => {
            let start = bytes.trim_ascii_start();
            if start.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----")
                || start.starts_with(b"age-encryption.org/")
            {
                return Err(KeyFileError::Damaged);
            }
            match std::str::from_utf8(bytes) {
                Ok(text) if text.contains("AGE-SECRET-KEY-1") => Ok(false),
                _ => Err(KeyFileError::NotKeyFile),
            }
        }
    }
}

/// The identity in a key file: decrypted with `passphrase` if the file is encrypted (the
/// passphrase is then ignored for a plain file).
pub fn unlock(bytes: &[u8], passphrase: SecretString) -> Result<Identity, KeyFileError> {
    if !is_encrypted(bytes)? {
        let text = std::str::from_utf8(bytes).map_err(|_| KeyFileError::NotKeyFile)?;
        return parse_identity_text(text);
    }
    let decryptor = age::Decryptor::new_buffered(ArmoredReader::new(bytes))
        .map_err(|_| KeyFileError::Damaged)?;
    let mut identity = age::scrypt::Identity::new(passphrase);
    identity.set_max_work_factor(MAX_WORK_FACTOR);
    let mut reader = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::DecryptionFailed => KeyFileError::WrongPassphrase,
            age::DecryptError::ExcessiveWork { required, .. } => {
                KeyFileError::TooMuchWork(required)
            }
            _ => KeyFileError::Damaged,
        })?;
    let mut plain = Zeroizing::new(Vec::new());
    reader
        .read_to_end(&mut plain)
        .map_err(|_| KeyFileError::Damaged)?;
    let text = SecretString::from(
        std::str::from_utf8(&plain)
            .map_err(|_| KeyFileError::Damaged)?
            .to_owned(),
    );
    parse_identity_text(text.expose_secret())
}

/// The one `AGE-SECRET-KEY-1…` line of an age identity file; `#` comments and blank lines
/// are skipped, as age does. More than one key is refused: one key per file, one person
/// per key.
pub fn parse_identity_text(text: &str) -> Result<Identity, KeyFileError> {
    let mut keys = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let key = keys.next().ok_or(KeyFileError::Damaged)?;
    if keys.next().is_some() {
        return Err(KeyFileError::Damaged);
    }
    Identity::parse(key).map_err(|_| KeyFileError::Damaged)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn seal(text: &str, passphrase: &str, work_factor: u8, armor: bool) -> Vec<u8> {
        let mut recipient = age::scrypt::Recipient::new(SecretString::from(passphrase));
        recipient.set_work_factor(work_factor);
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .unwrap();
        let mut out = Vec::new();
        let format = if armor {
            age::armor::Format::AsciiArmor
        } else {
            age::armor::Format::Binary
        };
        let armored = age::armor::ArmoredWriter::wrap_output(&mut out, format).unwrap();
        let mut writer = encryptor.wrap_output(armored).unwrap();
        writer.write_all(text.as_bytes()).unwrap();
        writer.finish().unwrap().finish().unwrap();
        out
    }

    fn identity_text(identity: &Identity) -> String {
        format!(
            "# created: 2026-11-28\n# public key: {}\n{}\n",
            identity.to_public(),
            identity.to_secret_string().expose_secret()
        )
    }

    #[test]
    fn unlocks_armored_and_binary_files() {
        let identity = Identity::generate();
        for armor in [true, false] {
            let file = seal(&identity_text(&identity), "kata sandi panjang", 10, armor);
            assert!(is_encrypted(&file).unwrap());
            let unlocked = unlock(&file, SecretString::from("kata sandi panjang")).unwrap();
            assert_eq!(unlocked.to_public(), identity.to_public());
        }
    }

    #[test]
    fn wrong_passphrase_is_told_apart_from_damage() {
        let identity = Identity::generate();
        let file = seal(&identity_text(&identity), "benar", 10, true);
        assert_eq!(
            unlock(&file, SecretString::from("salah")).unwrap_err(),
            KeyFileError::WrongPassphrase
        );
        let text = String::from_utf8(file).unwrap();
        let cut = &text.as_bytes()[..text.len() / 2];
        assert_eq!(
            unlock(cut, SecretString::from("benar")).unwrap_err(),
            KeyFileError::Damaged
        );
    }

    #[test]
    fn plain_identity_files_and_strangers() {
        let identity = Identity::generate();
        let plain = identity_text(&identity);
        assert!(!is_encrypted(plain.as_bytes()).unwrap());
        let unlocked = unlock(plain.as_bytes(), SecretString::from("")).unwrap();
        assert_eq!(unlocked.to_public(), identity.to_public());

        assert_eq!(
            is_encrypted(b"hello").unwrap_err(),
            KeyFileError::NotKeyFile
        );
        let to_key = crate::ciphertext::encrypt(&identity.to_public(), b"x").unwrap();
        assert_eq!(
            is_encrypted(to_key.as_bytes()).unwrap_err(),
            KeyFileError::NotPassphrase
        );
        let two = format!("{plain}{plain}");
        assert_eq!(
            unlock(two.as_bytes(), SecretString::from("")).unwrap_err(),
            KeyFileError::Damaged
        );
        assert_eq!(
            is_encrypted(&vec![b'#'; MAX_FILE_BYTES + 1]).unwrap_err(),
            KeyFileError::TooLarge
        );
    }

    #[test]
    fn excessive_work_is_refused_before_running_it() {
        // A header claiming work factor 30 (1 TiB of memory), with a stanza that would never
        // open: the refusal must come from reading the header, not from running scrypt.
        let identity = Identity::generate();
        let file = seal(&identity_text(&identity), "p", 10, false);
        let text = file.clone();
        let header_end = text.windows(4).position(|w| w == b"\n---").unwrap();
        let header = std::str::from_utf8(&text[..header_end]).unwrap();
        let forged = header.replace(" 10\n", " 30\n");
        assert_ne!(forged, header, "the test must change the work factor");
        let mut bytes = forged.into_bytes();
        bytes.extend_from_slice(&text[header_end..]);
        assert_eq!(
            unlock(&bytes, SecretString::from("p")).unwrap_err(),
            KeyFileError::TooMuchWork(30)
        );
    }
}
