//! Grant files: a case's keys sealed offline to one more investigator.
//!
//! Granting access to an old case adds one envelope ([`crate::envelope`]); content is never
//! re-encrypted. Only someone who can already open the case can make the envelope, because
//! it holds the case key and the notes key themselves. `kentongan-keytool grant` does it on
//! an air-gapped machine and writes a grant file, which the server imports with
//! `kentongan case grant`; the browser workspace will call [`envelope::grant`] (the same
//! sealing) and send the result the same way.
//!
//! The file carries no secret: the envelope is encrypted to the new holder. Beside it, in the
//! clear, are the case number and the public halves of the keys inside, so the server can
//! refuse a grant made from another server's bundle (same number, other keys) or from an
//! envelope whose keys are not the ones it encrypts to, and the new holder's key, so the
//! server can check it belongs to an active investigator. The server cannot check that the
//! envelope really holds those keys, or is really encrypted to that holder (age hides both);
//! a false grant gives nobody anything they could not already read, and the new holder finds
//! it does not open.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::ciphertext::{Ciphertext, ShapeError};
use crate::envelope::{self, MAX_ENVELOPE_FRAME};
use crate::keys::{CaseKeys, Recipient};
use crate::message::{FormatError, parse_format, sha256_hex, to_json};

/// The `format` value of grant files this version writes and reads.
pub const GRANT_FORMAT: &str = "kentongan-grant/1";

/// A grant file. JSON; carries no secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// Always [`GRANT_FORMAT`].
    pub format: String,
    /// The case number it was made for.
    pub case: i64,
    /// The public half of the case key inside the envelope.
    pub case_recipient: Recipient,
    /// The public half of the notes key inside the envelope.
    pub notes_recipient: Recipient,
    /// The new holder: the investigator's registered key the envelope is encrypted to.
    pub investigator: Recipient,
    /// SHA-256 of the ciphertext, lower-case hex: a checksum against damage on the way, not a
    /// signature.
    pub sha256: String,
    /// The envelope: both keys as an age identity file, encrypted to `investigator`.
    pub ciphertext: Ciphertext,
}

/// Why a grant could not be made (the same reasons as for a reply or a note).
pub use crate::message::SealError;

/// Why a grant file cannot be imported.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum GrantError {
    /// Not JSON of the expected shape.
    #[error("this is not a Kentongan grant file")]
    NotGrant,
    /// Another format than [`GRANT_FORMAT`].
    #[error("file format {0:?} is not the one expected here")]
    Format(String),
    /// The ciphertext does not match its checksum: the file was damaged or edited.
    #[error("the grant file is damaged: its ciphertext does not match its checksum")]
    Checksum,
    /// The ciphertext is not a well-formed, padded envelope.
    #[error("the grant file is damaged: {0}")]
    Shape(ShapeError),
    /// Made for another case number.
    #[error("this grant was made for case {made_for}, not for case {case}")]
    WrongCase {
        /// The case named in the file.
        made_for: i64,
        /// The case it was to be imported into.
        case: i64,
    },
    /// The right number, but the keys named are not that case's.
    #[error("this grant names case {case} but holds other keys than case {case}'s")]
    WrongKeys {
        /// The case it was to be imported into.
        case: i64,
    },
}

impl Grant {
    /// Seals `keys` (both of them, opened from the granter's own envelope) to `investigator`
    /// with [`envelope::grant`], and wraps the envelope in a grant file for case `case`.
    pub fn seal(case: i64, keys: &CaseKeys, investigator: &Recipient) -> Result<Self, SealError> {
        let notes = keys.notes.as_ref().ok_or(SealError::NoNotesKey)?;
        let sealed = envelope::grant(keys, investigator).map_err(|_| SealError::Encrypt)?;
        Ok(Grant {
            format: GRANT_FORMAT.to_owned(),
            case,
            case_recipient: keys.case.to_public(),
            notes_recipient: notes.to_public(),
            investigator: investigator.clone(),
            sha256: sha256_hex(sealed.ciphertext.as_bytes()),
            ciphertext: sealed.ciphertext,
        })
    }

    /// Parses a grant file and checks everything that needs no key: format, checksum, and
    /// that the ciphertext is an envelope's shape (one X25519 recipient, padded to the
    /// envelope frame).
    pub fn parse(bytes: &[u8]) -> Result<Self, GrantError> {
        let grant: Grant = parse_format(bytes, GRANT_FORMAT).map_err(|error| match error {
            FormatError::Shape => GrantError::NotGrant,
            FormatError::Other(format) => GrantError::Format(format),
        })?;
        if grant.sha256 != sha256_hex(grant.ciphertext.as_bytes()) {
            return Err(GrantError::Checksum);
        }
        grant
            .ciphertext
            .inspect(MAX_ENVELOPE_FRAME)
            .map_err(GrantError::Shape)?;
        Ok(grant)
    }

    /// Checks the grant was made for case `case`, whose keys are `case_recipient` and
    /// `notes_recipient`.
    pub fn check_for(
        &self,
        case: i64,
        case_recipient: &Recipient,
        notes_recipient: &Recipient,
    ) -> Result<(), GrantError> {
        if self.case != case {
            return Err(GrantError::WrongCase {
                made_for: self.case,
                case,
            });
        }
        if &self.case_recipient != case_recipient || &self.notes_recipient != notes_recipient {
            return Err(GrantError::WrongKeys { case });
        }
        Ok(())
    }

    /// The file's bytes (pretty JSON, newline-terminated).
    pub fn to_json(&self) -> String {
        to_json(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ciphertext;
    use crate::keys::Identity;
    use crate::message::Message;

    struct Granted {
        keys: CaseKeys,
        carol: Identity,
        grant: Grant,
    }

    fn granted() -> Granted {
        let keys = CaseKeys::generate();
        let carol = Identity::generate();
        let grant = Grant::seal(4, &keys, &carol.to_public()).unwrap();
        Granted { keys, carol, grant }
    }

    fn notes_of(keys: &CaseKeys) -> Recipient {
        keys.notes.as_ref().unwrap().to_public()
    }

    #[test]
    fn the_new_holder_opens_the_case_and_its_notes() {
        let Granted { keys, carol, grant } = granted();
        let parsed = Grant::parse(grant.to_json().as_bytes()).unwrap();
        assert_eq!(parsed, grant);
        assert_eq!(parsed.investigator, carol.to_public());
        assert!(
            parsed
                .check_for(4, &keys.case.to_public(), &notes_of(&keys))
                .is_ok()
        );

        let opened = envelope::open(&parsed.ciphertext, &carol).unwrap();
        assert_eq!(opened.case.to_public(), keys.case.to_public());
        let notes = opened.notes.unwrap();
        assert_eq!(notes.to_public(), notes_of(&keys));
        // What was written before the grant opens with what the grant holds.
        let note = Message::new("catatan lama")
            .unwrap()
            .seal(&notes_of(&keys))
            .unwrap();
        assert_eq!(Message::open(&note, &notes).unwrap().text, "catatan lama");
        let report = ciphertext::encrypt(&keys.case.to_public(), b"laporan").unwrap();
        assert!(ciphertext::decrypt(&report, [&opened.case]).is_ok());
        // Nobody else opens the envelope.
        assert!(envelope::open(&parsed.ciphertext, &Identity::generate()).is_err());
    }

    #[test]
    fn a_reporters_keys_cannot_be_granted() {
        let keys = CaseKeys::generate();
        let reporter = Identity::generate();
        let envelopes = envelope::seal(&keys, &[], &reporter.to_public()).unwrap();
        let reporters = envelope::open(&envelopes[0].ciphertext, &reporter).unwrap();
        assert_eq!(
            Grant::seal(4, &reporters, &Identity::generate().to_public()).unwrap_err(),
            SealError::NoNotesKey
        );
    }

    #[test]
    fn a_grant_is_bound_to_its_case_and_keys() {
        let Granted { keys, grant, .. } = granted();
        let other = CaseKeys::generate();
        assert_eq!(
            grant
                .check_for(5, &keys.case.to_public(), &notes_of(&keys))
                .unwrap_err(),
            GrantError::WrongCase {
                made_for: 4,
                case: 5
            }
        );
        // Case 4 of another server: the same number, other keys.
        assert_eq!(
            grant
                .check_for(4, &other.case.to_public(), &notes_of(&other))
                .unwrap_err(),
            GrantError::WrongKeys { case: 4 }
        );
        assert_eq!(
            grant
                .check_for(4, &keys.case.to_public(), &notes_of(&other))
                .unwrap_err(),
            GrantError::WrongKeys { case: 4 }
        );
    }

    #[test]
    fn damaged_or_foreign_grant_files_are_refused() {
        let Granted { grant, .. } = granted();
        for junk in [&b""[..], b"\" ' & < >", b"{}", &[0xff; 40]] {
            assert_eq!(Grant::parse(junk).unwrap_err(), GrantError::NotGrant);
        }
        assert_eq!(
            Grant::parse(b"{\"format\":\"kentongan-reply/1\"}").unwrap_err(),
            GrantError::Format("kentongan-reply/1".into())
        );

        let mut extra: serde_json::Value = serde_json::from_str(&grant.to_json()).unwrap();
        extra["admin"] = true.into();
        assert_eq!(
            Grant::parse(extra.to_string().as_bytes()).unwrap_err(),
            GrantError::NotGrant
        );

        let mut bytes = grant.ciphertext.as_bytes().to_vec();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let mut damaged = grant.clone();
        damaged.ciphertext = Ciphertext::from_bytes(bytes);
        assert_eq!(
            Grant::parse(damaged.to_json().as_bytes()).unwrap_err(),
            GrantError::Checksum
        );

        // Checksum recomputed, but the ciphertext is a message, not an envelope: too large.
        let big = ciphertext::encrypt(&grant.investigator, &[b'x'; 5000]).unwrap();
        damaged.sha256 = sha256_hex(big.as_bytes());
        damaged.ciphertext = big;
        assert_eq!(
            Grant::parse(damaged.to_json().as_bytes()).unwrap_err(),
            GrantError::Shape(ShapeError::TooLarge)
        );
    }
}
