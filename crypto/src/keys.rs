//! Recipients, identities and the per-case key pair.
//!
//! Every key in Kentongan is an age X25519 key (<https://c2sp.org/age#the-x25519-recipient-type>):
//! investigators' long-term keys made by `kentongan-keytool`, the per-case *case key* and
//! *notes key*, and the reporter's key derived from their receipt code and passphrase. That
//! keeps every stored item a standard age file: `age -d -i keys.txt item.age` opens it.

use std::fmt;
use std::str::FromStr;

use age::x25519;
use secrecy::{ExposeSecret, SecretString};
use thiserror::Error;

/// A public key that content or envelopes are encrypted to: the `age1…` string form.
///
/// Parsing checks the Bech32 checksum and the key length, so a mistyped or truncated key is
/// refused before anything is encrypted to it.
#[derive(Clone, PartialEq, Eq)]
pub struct Recipient(x25519::Recipient);

/// An `age1…` string that is not an X25519 recipient.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("not an age X25519 public key (age1…)")]
pub struct RecipientError;

impl FromStr for Recipient {
    type Err = RecipientError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // age's parser accepts the canonical lower-case form only; so do we, so that one key
        // has one spelling in the database.
        x25519::Recipient::from_str(s.trim())
            .map(Recipient)
            .map_err(|_| RecipientError)
    }
}

impl fmt::Display for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl serde::Serialize for Recipient {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Recipient {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Debug for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Recipient({self})")
    }
}

impl Recipient {
    pub(crate) fn as_age(&self) -> &x25519::Recipient {
        &self.0
    }

    /// This key's fingerprint ([`fingerprint_of`] a set of one): what an investigator reads
    /// out to a colleague who grants them a case, or compares with the admin's list.
    pub fn fingerprint(&self) -> String {
        fingerprint_of([self])
    }
}

/// Words in a fingerprint: 12 × 11 bits = 132 bits, past the 128 that make a second key
/// set with the same fingerprint out of reach (a person compares them, so a collision or
/// near-match found by search would be the attack).
pub const FINGERPRINT_WORDS: usize = 12;

/// The fingerprint of a set of recipients, in any order and with duplicates ignored: 12
/// words from the passphrase word list, read from the first 132 bits of
///
/// ```text
/// SHA-256(FINGERPRINT ‖ key₁ ‖ "\n" ‖ key₂ ‖ "\n" ‖ …)     keys as age1… strings, sorted
/// ```
///
/// The public page shows it for the current team, and the reporter's browser computes it
/// for the keys it actually seals to and shows it on the receipt, so the two can be
/// compared with each other and with what the office publishes elsewhere (a notice board,
/// a letter). Words, because a person compares twelve words more reliably than 33 hex
/// digits, and these are the words reporters already know from their passphrase.
pub fn fingerprint_of<'a>(recipients: impl IntoIterator<Item = &'a Recipient>) -> String {
    use sha2::{Digest, Sha256};
    let mut keys: Vec<String> = recipients.into_iter().map(ToString::to_string).collect();
    keys.sort();
    keys.dedup();
    let mut hash = Sha256::new();
    hash.update(crate::labels::FINGERPRINT);
    for key in &keys {
        hash.update(key.as_bytes());
        hash.update(b"\n");
    }
    let digest = hash.finalize();
    let bit = |i: usize| usize::from(digest.get(i / 8).copied().unwrap_or(0) >> (7 - i % 8) & 1);
    (0..FINGERPRINT_WORDS)
        .map(|w| crate::reporter::word((0..11).fold(0, |index, b| index << 1 | bit(w * 11 + b))))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A secret X25519 key. Only [`Identity::to_secret_string`] reveals it, as the
/// `AGE-SECRET-KEY-1…` string inside a [`SecretString`] that is zeroized on drop.
pub struct Identity(x25519::Identity);

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Identity([REDACTED])")
    }
}

/// A string that is not an `AGE-SECRET-KEY-1…` X25519 identity.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("not an age X25519 secret key")]
pub struct IdentityError;

impl Identity {
    /// A fresh identity from the operating system's random number generator.
    pub fn generate() -> Self {
        Identity(x25519::Identity::generate())
    }

    /// Parses an `AGE-SECRET-KEY-1…` string.
    pub fn parse(secret: &str) -> Result<Self, IdentityError> {
        x25519::Identity::from_str(secret.trim())
            .map(Identity)
            .map_err(|_| IdentityError)
    }

    /// The identity for 32 secret bytes, as derived for a reporter. X25519 clamps the
    /// scalar itself, so any 32 bytes are a valid key; the error is only reachable if the
    /// Bech32 round trip through age's parser broke.
    pub(crate) fn from_bytes(bytes: &[u8; 32]) -> Result<Self, IdentityError> {
        use zeroize::Zeroize;
        const HRP: bech32::Hrp = bech32::Hrp::parse_unchecked("age-secret-key-");
        let mut encoded =
            bech32::encode::<bech32::Bech32>(HRP, bytes).map_err(|_| IdentityError)?;
        encoded.make_ascii_uppercase();
        let identity = x25519::Identity::from_str(&encoded).map_err(|_| IdentityError);
        encoded.zeroize();
        identity.map(Identity)
    }

    /// The public key.
    pub fn to_public(&self) -> Recipient {
        Recipient(self.0.to_public())
    }

    /// The `AGE-SECRET-KEY-1…` form, for an identity file.
    pub fn to_secret_string(&self) -> SecretString {
        self.0.to_string()
    }

    pub(crate) fn as_age(&self) -> &x25519::Identity {
        &self.0
    }
}

/// The two keys of one case, generated where the report is encrypted.
///
/// - `case`: the report, the conversation and attachments are encrypted to it; the reporter
///   and every investigator with access hold it.
/// - `notes`: investigators' internal notes are encrypted to it; the reporter never holds it.
///
/// Two keys instead of one plus access rules, because the server cannot enforce access
/// rules on content it cannot read: only who holds which key decides who can read what.
#[derive(Debug)]
pub struct CaseKeys {
    /// Opens everything the reporter may read.
    pub case: Identity,
    /// Opens investigators' internal notes.
    pub notes: Option<Identity>,
}

/// A key set that cannot be parsed as the identity file [`CaseKeys::to_identity_file`] makes.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("not a Kentongan case key file")]
pub struct KeySetError;

const CASE_KEY_LINE: &str = "# kentongan case key: report, messages, attachments";
const NOTES_KEY_LINE: &str = "# kentongan notes key: investigators' internal notes";

impl CaseKeys {
    /// A fresh case key and notes key.
    pub fn generate() -> Self {
        CaseKeys {
            case: Identity::generate(),
            notes: Some(Identity::generate()),
        }
    }

    /// The keys as a standard age identity file: comment lines naming each key, then the key.
    /// `age -d -i FILE` accepts it as is, so anyone holding an opened envelope can use the
    /// reference age tools on any item of the case.
    ///
    /// `with_notes = false` leaves the notes key out: that is the reporter's envelope.
    pub fn to_identity_file(&self, with_notes: bool) -> SecretString {
        let mut file = format!(
            "{CASE_KEY_LINE}\n{}\n",
            self.case.to_secret_string().expose_secret()
        );
        if let (true, Some(notes)) = (with_notes, &self.notes) {
            file.push_str(NOTES_KEY_LINE);
            file.push('\n');
            file.push_str(notes.to_secret_string().expose_secret());
            file.push('\n');
        }
        SecretString::from(file)
    }

    /// The case's team signing key ([`crate::signature`]), derived from the notes key: none
    /// in a reporter's keys.
    pub fn team_signer(&self) -> Option<crate::signature::TeamSigner> {
        self.notes
            .as_ref()
            .map(crate::signature::TeamSigner::of_notes_key)
    }

    /// Parses what [`CaseKeys::to_identity_file`] wrote.
    pub fn from_identity_file(file: &str) -> Result<Self, KeySetError> {
        let mut case = None;
        let mut notes = None;
        let mut slot = None;
        for line in file.lines().map(str::trim).filter(|l| !l.is_empty()) {
            match line {
                CASE_KEY_LINE => slot = Some(&mut case),
                NOTES_KEY_LINE => slot = Some(&mut notes),
                key => {
                    let target = slot.take().ok_or(KeySetError)?;
                    if target.is_some() {
                        return Err(KeySetError);
                    }
                    *target = Some(Identity::parse(key).map_err(|_| KeySetError)?);
                }
            }
        }
        Ok(CaseKeys {
            case: case.ok_or(KeySetError)?,
            notes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_file_roundtrip() {
        let keys = CaseKeys::generate();
        let full = keys.to_identity_file(true);
        let parsed = CaseKeys::from_identity_file(full.expose_secret()).unwrap();
        assert_eq!(parsed.case.to_public(), keys.case.to_public());
        assert_eq!(
            parsed.notes.unwrap().to_public(),
            keys.notes.as_ref().unwrap().to_public()
        );

        let reporter = keys.to_identity_file(false);
        assert!(!reporter.expose_secret().contains("notes"));
        let parsed = CaseKeys::from_identity_file(reporter.expose_secret()).unwrap();
        assert!(parsed.notes.is_none());
    }

    #[test]
    fn identity_file_rejects_garbage() {
        for bad in [
            "",
            "AGE-SECRET-KEY-1",
            "# kentongan case key: report, messages, attachments\nnot a key",
            "# kentongan notes key: investigators' internal notes\nAGE-SECRET-KEY-1QQ",
        ] {
            assert_eq!(CaseKeys::from_identity_file(bad).unwrap_err(), KeySetError);
        }
    }

    #[test]
    fn recipient_parsing() {
        let r = Identity::generate().to_public();
        assert_eq!(r.to_string().parse::<Recipient>().unwrap(), r);
        assert_eq!(format!(" {r}\n").parse::<Recipient>().unwrap(), r);
        for bad in ["", "age1", "age1qqqq", "\" ' & < >", "AGE-SECRET-KEY-1QQ"] {
            assert_eq!(bad.parse::<Recipient>(), Err(RecipientError));
        }
    }

    #[test]
    fn derived_identity_is_deterministic() {
        let a = Identity::from_bytes(&[7; 32]).unwrap();
        let b = Identity::from_bytes(&[7; 32]).unwrap();
        assert_eq!(a.to_public(), b.to_public());
        assert_ne!(
            a.to_public(),
            Identity::from_bytes(&[8; 32]).unwrap().to_public()
        );
    }

    /// Known answer: a published fingerprint must not change with a refactoring.
    #[test]
    fn fingerprint_known_answer() {
        let key: Recipient = "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj"
            .parse()
            .unwrap();
        assert_eq!(
            key.fingerprint(),
            "perangai prisma kasmaran rumit keju panutan keliling cegah terjal sulit reaktif dusun"
        );
    }

    #[test]
    fn fingerprint_is_order_independent() {
        let a = Identity::generate().to_public();
        let b = Identity::generate().to_public();
        assert_eq!(fingerprint_of([&a, &b]), fingerprint_of([&b, &a]));
        assert_eq!(fingerprint_of([&a, &b, &a]), fingerprint_of([&b, &a]));
        assert_eq!(a.fingerprint().split(' ').count(), FINGERPRINT_WORDS);
        assert_ne!(a.fingerprint(), b.fingerprint());
    }

    #[test]
    fn debug_is_redacted() {
        let id = Identity::generate();
        assert_eq!(format!("{id:?}"), "Identity([REDACTED])");
    }
}
