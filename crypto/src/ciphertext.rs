//! The two byte types: [`Ciphertext`], the only thing the server stores, and [`Plaintext`],
//! which never leaves the reporter's browser, the server's memory on the no-JS path, or an
//! investigator's machine.
//!
//! Every item is a binary age file (<https://c2sp.org/age>) whose payload is a padded frame
//! ([`crate::padding`]). [`encrypt`] and [`decrypt`] do both steps; [`Ciphertext::inspect`]
//! is what the server checks on ciphertext that a browser sent, without any key.

use std::fmt;
use std::io::{Read, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;
use zeroize::Zeroizing;

use crate::keys::{Identity, Recipient};
use crate::padding;

/// An age file. Holding one says nothing about whether it is well formed: use
/// [`Ciphertext::inspect`] before trusting its shape.
#[derive(Clone, PartialEq, Eq)]
pub struct Ciphertext(Vec<u8>);

/// Decrypted, unpadded content. Zeroized on drop; `Debug` shows only the length.
pub struct Plaintext(Zeroizing<Vec<u8>>);

impl fmt::Debug for Ciphertext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ciphertext({} bytes)", self.0.len())
    }
}

impl fmt::Debug for Plaintext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Plaintext([REDACTED; {} bytes])", self.0.len())
    }
}

impl Plaintext {
    /// The decrypted bytes.
    pub fn expose_secret(&self) -> &[u8] {
        &self.0
    }
}

impl Ciphertext {
    /// Wraps bytes read from storage or the network.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Ciphertext(bytes)
    }

    /// The age file.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Consumes the wrapper.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    /// Checks, without any key, that this is an age file encrypted to exactly one X25519
    /// recipient whose padded plaintext is at most `max_frame` bytes and a size that
    /// [`padding::pad`] produces. Returns the padded plaintext length.
    ///
    /// This is what the server can verify about ciphertext made in a browser: that it is
    /// well-formed age (so it can be opened later), that nothing else (a passphrase stanza,
    /// a second recipient) was slipped in, and that it was padded. It cannot check *which*
    /// key it is encrypted to — age deliberately hides that.
    pub fn inspect(&self, max_frame: usize) -> Result<usize, ShapeError> {
        let bytes = self.as_bytes();
        let header_end = check_header(bytes)?;
        let payload = bytes.len() - header_end;
        let frame = payload_plaintext_len(payload).ok_or(ShapeError::NotAge)?;
        if frame > max_frame {
            return Err(ShapeError::TooLarge);
        }
        if !padding::is_padded_len(frame) {
            return Err(ShapeError::NotPadded);
        }
        Ok(frame)
    }
}

/// What [`Ciphertext::inspect`] found wrong.
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShapeError {
    /// Not a parsable binary age file.
    #[error("not an age file")]
    NotAge,
    /// Not exactly one X25519 recipient.
    #[error("not encrypted to exactly one X25519 recipient")]
    Recipients,
    /// Larger than allowed for this kind of item.
    #[error("too large")]
    TooLarge,
    /// The plaintext was not padded to a bucket size.
    #[error("plaintext was not padded")]
    NotPadded,
}

/// The checks [`Ciphertext::inspect`] runs on the age header, shared with
/// [`crate::attachment::check_start`], which sees only the first bytes of a file: `bytes`
/// starts with an age v1 header (not a passphrase one) holding exactly one X25519 stanza
/// (and any number of age's `-grease` stanzas), followed by at least the payload nonce.
/// Returns the header's length.
pub(crate) fn check_header(bytes: &[u8]) -> Result<usize, ShapeError> {
    // `new_buffered` parses the header once over the whole slice; `new` re-parses it as it
    // reads, about 15 times slower (measured: 2 µs against 30 µs per item).
    let decryptor = age::Decryptor::new_buffered(bytes).map_err(|_| ShapeError::NotAge)?;
    if decryptor.is_scrypt() {
        return Err(ShapeError::Recipients);
    }
    let header_end = header_len(bytes).ok_or(ShapeError::NotAge)?;
    let header = bytes.get(..header_end).ok_or(ShapeError::NotAge)?;
    // Stanza bodies are base64 (no '-' or '>'), so every line starting "-> " is a stanza.
    // age adds random "…-grease" stanzas that no identity recognises, to keep parsers
    // honest; those are allowed, any other second recipient is not.
    let mut x25519 = 0;
    for line in header.split(|b| *b == b'\n') {
        let Some(stanza) = line.strip_prefix(b"-> ") else {
            continue;
        };
        let tag = stanza.split(|b| *b == b' ').next().unwrap_or_default();
        if tag == b"X25519" {
            x25519 += 1;
        } else if !tag.ends_with(b"-grease") {
            return Err(ShapeError::Recipients);
        }
    }
    if x25519 != 1 {
        return Err(ShapeError::Recipients);
    }
    Ok(header_end)
}

/// Length of the age header, including the final `--- MAC` line.
pub(crate) fn header_len(bytes: &[u8]) -> Option<usize> {
    let mac_line = bytes.windows(5).position(|w| w == b"\n--- ")?;
    let end = bytes
        .get(mac_line + 1..)?
        .iter()
        .position(|b| *b == b'\n')?;
    Some(mac_line + 1 + end + 1)
}

/// The plaintext length for an age payload of `payload` bytes: a 16-byte nonce, then
/// 64 KiB chunks each followed by a 16-byte Poly1305 tag (the STREAM construction in the age
/// spec; an empty plaintext is one empty chunk).
pub(crate) fn payload_plaintext_len(payload: usize) -> Option<usize> {
    const NONCE: usize = 16;
    const TAG: usize = 16;
    const CHUNK: usize = 64 * 1024;
    let sealed = payload.checked_sub(NONCE)?;
    let chunks = sealed.div_ceil(CHUNK + TAG).max(1);
    sealed.checked_sub(chunks * TAG)
}

/// Encryption failed; with X25519 recipients and an in-memory buffer this only happens when
/// the content is too large to frame.
#[derive(Debug, Error)]
#[error("could not encrypt")]
pub struct EncryptError;

/// Pads `content` and encrypts it to `recipient`.
pub fn encrypt(recipient: &Recipient, content: &[u8]) -> Result<Ciphertext, EncryptError> {
    let frame = Zeroizing::new(padding::pad(content).map_err(|_| EncryptError)?);
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(recipient.as_age() as &dyn age::Recipient))
            .map_err(|_| EncryptError)?;
    let mut out = Vec::with_capacity(frame.len() + 256);
    let mut writer = encryptor.wrap_output(&mut out).map_err(|_| EncryptError)?;
    writer.write_all(&frame).map_err(|_| EncryptError)?;
    writer.finish().map_err(|_| EncryptError)?;
    Ok(Ciphertext(out))
}

/// Decryption failed. Deliberately one vague error, as in age: whether the key was wrong,
/// the file was cut short or a byte was changed is not something to tell an attacker.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("could not decrypt: wrong key, or the data is damaged")]
pub struct DecryptError;

/// Decrypts with whichever of `identities` the item is encrypted to, and removes the padding.
pub fn decrypt<'a>(
    ciphertext: &Ciphertext,
    identities: impl IntoIterator<Item = &'a Identity>,
) -> Result<Plaintext, DecryptError> {
    let identities: Vec<&dyn age::Identity> = identities
        .into_iter()
        .map(|i| i.as_age() as &dyn age::Identity)
        .collect();
    let decryptor =
        age::Decryptor::new_buffered(ciphertext.as_bytes()).map_err(|_| DecryptError)?;
    let mut reader = decryptor
        .decrypt(identities.into_iter())
        .map_err(|_| DecryptError)?;
    let mut frame = Zeroizing::new(Vec::new());
    reader.read_to_end(&mut frame).map_err(|_| DecryptError)?;
    let content = padding::unpad(&frame).map_err(|_| DecryptError)?;
    Ok(Plaintext(Zeroizing::new(content.to_vec())))
}

impl Serialize for Ciphertext {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Ciphertext {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        STANDARD
            .decode(text.as_bytes())
            .map(Ciphertext)
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn roundtrip_and_shape() {
        let id = Identity::generate();
        let ct = encrypt(&id.to_public(), b"laporan rahasia").unwrap();
        assert_eq!(ct.inspect(1 << 20), Ok(1024));
        let pt = decrypt(&ct, [&id]).unwrap();
        assert_eq!(pt.expose_secret(), b"laporan rahasia");
        assert!(!format!("{pt:?}").contains("laporan"));
    }

    #[test]
    fn wrong_key_and_tampering_are_one_vague_error() {
        let id = Identity::generate();
        let ct = encrypt(&id.to_public(), b"isi").unwrap();
        assert_eq!(
            decrypt(&ct, [&Identity::generate()]).unwrap_err(),
            DecryptError
        );
        let mut bytes = ct.clone().into_bytes();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let tampered = Ciphertext::from_bytes(bytes);
        assert_eq!(decrypt(&tampered, [&id]).unwrap_err(), DecryptError);
        let truncated = Ciphertext::from_bytes(ct.as_bytes()[..ct.as_bytes().len() - 20].to_vec());
        assert_eq!(decrypt(&truncated, [&id]).unwrap_err(), DecryptError);
    }

    #[test]
    fn inspect_rejects_what_a_browser_must_not_send() {
        let id = Identity::generate();
        let two = {
            let a = id.to_public();
            let b = Identity::generate().to_public();
            let enc = age::Encryptor::with_recipients(
                [a.as_age() as &dyn age::Recipient, b.as_age() as _].into_iter(),
            )
            .unwrap();
            let mut out = vec![];
            let mut w = enc.wrap_output(&mut out).unwrap();
            w.write_all(&padding::pad(b"x").unwrap()).unwrap();
            w.finish().unwrap();
            Ciphertext(out)
        };
        assert_eq!(two.inspect(1 << 20), Err(ShapeError::Recipients));

        let unpadded = Ciphertext(age::encrypt(id.to_public().as_age(), b"plain").unwrap());
        assert_eq!(unpadded.inspect(1 << 20), Err(ShapeError::NotPadded));

        let passphrase = Ciphertext(
            age::encrypt(
                &age::scrypt::Recipient::new("kata sandi".to_owned().into()),
                &padding::pad(b"x").unwrap(),
            )
            .unwrap(),
        );
        assert!(passphrase.inspect(1 << 20).is_err());

        let big = encrypt(&id.to_public(), &[0u8; 5000]).unwrap();
        assert_eq!(big.inspect(4096), Err(ShapeError::TooLarge));

        for junk in [
            &b""[..],
            b"age-encryption.org/v1\n",
            b"\" ' & < >",
            &[0xff; 300],
        ] {
            assert_eq!(
                Ciphertext(junk.to_vec()).inspect(1 << 20),
                Err(ShapeError::NotAge)
            );
        }
    }

    #[test]
    fn payload_lengths() {
        assert_eq!(payload_plaintext_len(32), Some(0));
        assert_eq!(payload_plaintext_len(16 + 1024 + 16), Some(1024));
        assert_eq!(payload_plaintext_len(16 + 65536 + 16), Some(65536));
        assert_eq!(payload_plaintext_len(16 + 65536 + 16 + 1 + 16), Some(65537));
        assert_eq!(payload_plaintext_len(10), None);
    }

    proptest! {
        #[test]
        fn any_content_roundtrips(content in proptest::collection::vec(any::<u8>(), 0..70_000)) {
            let id = Identity::generate();
            let ct = encrypt(&id.to_public(), &content).unwrap();
            prop_assert_eq!(ct.inspect(usize::MAX).unwrap(), padding::padded_len(content.len() + 4));
            let plain = decrypt(&ct, [&id]).unwrap();
            prop_assert_eq!(plain.expose_secret(), &content[..]);
        }

        #[test]
        fn inspect_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = Ciphertext(bytes).inspect(1 << 20);
        }
    }
}
