//! Team signatures: what the team writes, signed with a key only the team holds.
//!
//! Anyone who knows a case's public key can encrypt a message to it, and the server knows
//! every case's public key. Without signatures, a database writer could add a "reply" asking
//! the reporter for their name and NIP, and it would look like the team's. So every message
//! the team writes (a reply, the message of a stage move, an internal note) carries an
//! Ed25519 signature, inside the ciphertext, made with the case's *team signing key*:
//!
//! ```text
//! seed      = HKDF-SHA256(ikm = notes key "AGE-SECRET-KEY-1…", info = TEAM_SIGNING_KEY)
//! signature = Ed25519(seed, TEAM_MESSAGE ‖ len ‖ sealed-to age1… ‖ len ‖ text)
//! ```
//!
//! (lengths as 4-byte big-endian). The key is derived from the case's *notes key*, which
//! every investigator of the case holds (from the envelope sealed at filing, or from a
//! grant) and the reporter never does. So:
//!
//! - **Nobody outside the team can sign**: not a database writer, not the server (except on
//!   the no-JS path, where it holds keys in memory by design), and not the reporter.
//! - **Investigators need nothing new.** No key to make, register, back up or upgrade: a key
//!   file of any age opens envelopes, and an envelope holds the notes key. A grant passes the
//!   notes key, so whoever is granted a case signs for it at once; that is the "signed grant"
//!   admitting them, made by someone who held the case's keys.
//! - **Who may check.** The team derives the public half from the notes key it holds. The
//!   reporter cannot; their client commits to the public half at filing, in the commitment
//!   only they can make ([`crate::commitment`]), and reads it from there.
//!
//! The signature covers the key the message is sealed to, so a signed reply cannot be passed
//! off as a note (or the reverse), nor moved to another case. It does not say *which*
//! investigator wrote it (the server's record of the author is unsigned), nor whether a reply
//! is a stage move's message: the stage itself is the server's metadata. A database writer
//! can still copy a signed message so it shows twice, or withhold one.

use base64::Engine;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use secrecy::ExposeSecret;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

use crate::keys::{Identity, Recipient};
use crate::labels;

/// The team's signing key for one case, derived from its notes key. Zeroized on drop.
pub struct TeamSigner(SigningKey);

impl std::fmt::Debug for TeamSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TeamSigner([REDACTED])")
    }
}

impl TeamSigner {
    /// The signing key of the case whose notes key is `notes`.
    pub fn of_notes_key(notes: &Identity) -> Self {
        let secret = notes.to_secret_string();
        let hkdf = hkdf::Hkdf::<Sha256>::new(None, secret.expose_secret().as_bytes());
        let mut seed = Zeroizing::new([0u8; 32]);
        // 32 bytes is far below HKDF-SHA256's limit of 8,160: expanding cannot fail.
        let _ = hkdf.expand(labels::TEAM_SIGNING_KEY, seed.as_mut());
        TeamSigner(SigningKey::from_bytes(&seed))
    }

    /// The public half, which verifies what this key signs.
    pub fn public(&self) -> TeamKey {
        TeamKey(self.0.verifying_key())
    }

    /// Signs `text`, to be sealed to `sealed_to`.
    pub fn sign(&self, sealed_to: &Recipient, text: &str) -> Signature {
        Signature(self.0.sign(&signed_bytes(sealed_to, text)).to_bytes())
    }
}

/// The public half of a case's team signing key: 32 bytes, base64 in JSON.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TeamKey(VerifyingKey);

impl std::fmt::Debug for TeamKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TeamKey({})", self.to_base64())
    }
}

impl TeamKey {
    /// Whether `signature` is this key's over `text` sealed to `sealed_to`. Strict
    /// verification: no malleable or small-order forms.
    pub fn verifies(&self, sealed_to: &Recipient, text: &str, signature: &Signature) -> bool {
        let signature = ed25519_dalek::Signature::from_bytes(&signature.0);
        self.0
            .verify_strict(&signed_bytes(sealed_to, text), &signature)
            .is_ok()
    }

    /// The 32 bytes, as the commitment's tag covers them.
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }

    fn to_base64(self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.0.as_bytes())
    }
}

impl Serialize for TeamKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_base64())
    }
}

impl<'de> Deserialize<'de> for TeamKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let bytes: [u8; 32] = decode_base64(d)?;
        VerifyingKey::from_bytes(&bytes)
            .map(TeamKey)
            .map_err(|_| serde::de::Error::custom("not an Ed25519 public key"))
    }
}

/// An Ed25519 signature: 64 bytes, base64 in JSON.
#[derive(Clone, PartialEq, Eq, Zeroize)]
pub struct Signature([u8; 64]);

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signature(..)")
    }
}

impl Serialize for Signature {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(self.0))
    }
}

impl<'de> Deserialize<'de> for Signature {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        decode_base64(d).map(Signature)
    }
}

fn decode_base64<'de, D: Deserializer<'de>, const N: usize>(d: D) -> Result<[u8; N], D::Error> {
    let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
    base64::engine::general_purpose::STANDARD
        .decode(text.as_bytes())
        .ok()
        .and_then(|bytes| <[u8; N]>::try_from(bytes).ok())
        .ok_or_else(|| serde::de::Error::custom(format!("expected {N} bytes in base64")))
}

/// What is signed: the label, the key the message is sealed to, and the text, each
/// length-prefixed. Holds the text, so it is zeroized.
fn signed_bytes(sealed_to: &Recipient, text: &str) -> Zeroizing<Vec<u8>> {
    let sealed_to = sealed_to.to_string();
    let mut bytes = Zeroizing::new(Vec::with_capacity(
        labels::TEAM_MESSAGE.len() + 8 + sealed_to.len() + text.len(),
    ));
    let len = |n: usize| u32::try_from(n).unwrap_or(u32::MAX).to_be_bytes();
    bytes.extend_from_slice(labels::TEAM_MESSAGE);
    bytes.extend_from_slice(&len(sealed_to.len()));
    bytes.extend_from_slice(sealed_to.as_bytes());
    bytes.extend_from_slice(&len(text.len()));
    bytes.extend_from_slice(text.as_bytes());
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::CaseKeys;

    #[test]
    fn the_notes_key_signs_and_its_public_half_verifies() {
        let keys = CaseKeys::generate();
        let signer = TeamSigner::of_notes_key(keys.notes.as_ref().unwrap());
        let case = keys.case.to_public();
        let signature = signer.sign(&case, "Mohon kirim bukti tambahan.");
        let key = signer.public();
        assert!(key.verifies(&case, "Mohon kirim bukti tambahan.", &signature));
        // Another text, another sealed-to key, another case's team key: no.
        assert!(!key.verifies(&case, "Mohon kirim nama dan NIP Anda.", &signature));
        let notes = keys.notes.as_ref().unwrap().to_public();
        assert!(!key.verifies(&notes, "Mohon kirim bukti tambahan.", &signature));
        let other = CaseKeys::generate();
        let other_key = TeamSigner::of_notes_key(other.notes.as_ref().unwrap()).public();
        assert!(!other_key.verifies(&case, "Mohon kirim bukti tambahan.", &signature));
        // The case key (which the reporter holds) does not give the team's key.
        assert_ne!(TeamSigner::of_notes_key(&keys.case).public(), key);
    }

    #[test]
    fn derivation_is_fixed() {
        // A known answer: the derivation must never change, or every signature made so far
        // stops verifying.
        let notes = Identity::parse(
            "AGE-SECRET-KEY-1GQ9778VQXMMJVE8SK7J6VT8UJ4HDQAJUVSFCWCM02D8GEWQ72PVQ2Y5J33",
        )
        .unwrap();
        let signer = TeamSigner::of_notes_key(&notes);
        assert_eq!(
            serde_json::to_string(&signer.public()).unwrap(),
            "\"OToBnq10L7EpEwxYtLGI/liQjCN2wO1Nhojvs5sBA7E=\""
        );
        // Ed25519 signs deterministically: this fixes what is signed, byte for byte.
        let sealed_to = notes.to_public();
        assert_eq!(
            serde_json::to_string(&signer.sign(&sealed_to, "Mohon tunggu.")).unwrap(),
            "\"D3Rei8IMbebbnZpi0pAh5/6Nwai8v6BW3U4ro33Inf0IaZqzhNakLP88v/GOgPqINVm89zg7gIiv7Smt2CDoBA==\""
        );
    }

    #[test]
    fn keys_and_signatures_roundtrip_as_base64_and_junk_is_refused() {
        let keys = CaseKeys::generate();
        let signer = TeamSigner::of_notes_key(keys.notes.as_ref().unwrap());
        let key = signer.public();
        let json = serde_json::to_string(&key).unwrap();
        assert_eq!(serde_json::from_str::<TeamKey>(&json).unwrap(), key);
        let signature = signer.sign(&keys.case.to_public(), "x");
        let json = serde_json::to_string(&signature).unwrap();
        assert_eq!(serde_json::from_str::<Signature>(&json).unwrap(), signature);
        for junk in ["\"\"", "\"AAAA\"", "\" ' & < >\"", "12"] {
            assert!(serde_json::from_str::<TeamKey>(junk).is_err(), "{junk}");
            assert!(serde_json::from_str::<Signature>(junk).is_err(), "{junk}");
        }
    }
}
