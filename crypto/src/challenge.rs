//! The investigator's login challenge: the server proves nothing and stores no password; the
//! investigator proves they hold the secret key of a registered recipient.
//!
//! The server encrypts [`LABEL`] followed by 32 random bytes to the investigator's
//! recipient; the browser (or any holder of the key) decrypts it and sends back the 32
//! bytes. The label is what keeps the browser from being a decryption oracle: it answers
//! only a ciphertext whose plaintext is exactly a login challenge, so a server (or anyone
//! else) that slips it a case envelope or a report as a "challenge" gets a refusal, not the
//! plaintext.
//!
//! A challenge is single-use and short-lived; both are the server's business. An answer is
//! compared in constant time.

use subtle::ConstantTimeEq;
use thiserror::Error;
use zeroize::Zeroizing;

use crate::ciphertext::{self, Ciphertext, EncryptError};
use crate::keys::{Identity, Recipient};

/// What every challenge's plaintext starts with.
pub const LABEL: &[u8] = b"kentongan/team-login-challenge/v1\n";

/// The 32 bytes the server expects back. Redacted in `Debug`, zeroized on drop.
pub struct Answer(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Answer([REDACTED])")
    }
}

impl Answer {
    /// Parses an answer as sent (64 hex digits).
    pub fn from_hex(hex_answer: &str) -> Option<Self> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(hex_answer, &mut *bytes).ok()?;
        Some(Answer(bytes))
    }

    /// The answer as sent: 64 hex digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0.as_slice())
    }

    /// Constant-time comparison.
    pub fn matches(&self, other: &Answer) -> bool {
        self.0.ct_eq(&*other.0).into()
    }
}

/// A fresh challenge for `recipient`: the answer the server keeps, and the ciphertext it
/// sends.
pub fn issue(recipient: &Recipient) -> Result<(Answer, Ciphertext), EncryptError> {
    let mut answer = Zeroizing::new([0u8; 32]);
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut *answer);
    let mut plain = Zeroizing::new(Vec::with_capacity(LABEL.len() + 32));
    plain.extend_from_slice(LABEL);
    plain.extend_from_slice(&*answer);
    let sealed = ciphertext::encrypt(recipient, &plain)?;
    Ok((Answer(answer), sealed))
}

/// The ciphertext is not a login challenge for this key.
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
#[error("not a login challenge for this key")]
pub struct NotAChallenge;

/// Decrypts a challenge with the investigator's identity and returns its answer. Anything
/// that is not exactly a challenge (another key's, or another kind of ciphertext) is refused
/// without revealing what it held.
pub fn answer(identity: &Identity, challenge: &Ciphertext) -> Result<Answer, NotAChallenge> {
    let plain = ciphertext::decrypt(challenge, [identity]).map_err(|_| NotAChallenge)?;
    let bytes = plain.expose_secret();
    let secret = bytes.strip_prefix(LABEL).ok_or(NotAChallenge)?;
    let secret: &[u8; 32] = secret.try_into().map_err(|_| NotAChallenge)?;
    Ok(Answer(Zeroizing::new(*secret)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_holder_answers() {
        let identity = Identity::generate();
        let (expected, sealed) = issue(&identity.to_public()).unwrap();
        let given = answer(&identity, &sealed).unwrap();
        assert!(given.matches(&expected));
        let round = Answer::from_hex(&given.to_hex()).unwrap();
        assert!(round.matches(&expected));
        assert!(!format!("{given:?}").contains(&given.to_hex()));
    }

    #[test]
    fn another_key_cannot_answer() {
        let (_, sealed) = issue(&Identity::generate().to_public()).unwrap();
        assert_eq!(
            answer(&Identity::generate(), &sealed).unwrap_err(),
            NotAChallenge
        );
    }

    #[test]
    fn other_ciphertext_is_not_answered() {
        // A server handing the browser a case envelope or a report as a "challenge" must not
        // get its plaintext back.
        let identity = Identity::generate();
        for plain in [
            b"AGE-SECRET-KEY-1QQQQ".as_slice(),
            &[7u8; 32],
            &[LABEL, &[1u8; 31]].concat(),
            &[LABEL, &[1u8; 33]].concat(),
        ] {
            let sealed = ciphertext::encrypt(&identity.to_public(), plain).unwrap();
            assert_eq!(answer(&identity, &sealed).unwrap_err(), NotAChallenge);
        }
    }

    #[test]
    fn answers_are_compared_whole() {
        let a = Answer::from_hex(&"ab".repeat(32)).unwrap();
        let b = Answer::from_hex(&format!("{}ac", "ab".repeat(31))).unwrap();
        assert!(!a.matches(&b));
        assert!(Answer::from_hex("ab").is_none());
        assert!(Answer::from_hex(&"zz".repeat(32)).is_none());
    }
}
