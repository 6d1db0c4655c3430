//! Messages: what the reporter and the investigators write to each other after the report.
//!
//! A message is JSON (`{"text": "…"}`), padded and age-encrypted to the case key, like the
//! report. The same format serves the reporter's answers, the investigators' replies and the
//! message that comes with a stage move; which of these an item is, is the server's metadata
//! ([`crate::bundle::ItemKind`]), not something the writer claims inside the ciphertext.
//!
//! An investigator working offline writes a [`Reply`] file: the message's ciphertext plus, in
//! the clear, the case it was made for. Encrypting needs only the case's public key, so no
//! secret is involved; the server checks the file names the case it is imported into (a reply
//! for another case is refused with a clear message, not stored where nobody could read it)
//! and that the ciphertext arrived whole.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::ciphertext::{self, Ciphertext, DecryptError, EncryptError, ShapeError};
use crate::keys::{Identity, Recipient};

/// The longest message, in characters (Unicode scalar values), as for a report's long fields.
pub const MAX_MESSAGE_CHARS: usize = 10_000;

/// The largest padded plaintext of a message: a message of [`MAX_MESSAGE_CHARS`] characters
/// of any kind, JSON-escaped, fits.
pub const MAX_MESSAGE_FRAME: usize = 128 * 1024;

/// A message's plaintext.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
#[serde(deny_unknown_fields)]
pub struct Message {
    /// What was written, with line ends as `\n` and no leading or trailing blank space.
    pub text: String,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Message([REDACTED])")
    }
}

/// Why a text is not a valid message.
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum MessageError {
    /// Nothing but blank space.
    #[error("the message is empty")]
    Empty,
    /// Longer than [`MAX_MESSAGE_CHARS`].
    #[error("the message is longer than {MAX_MESSAGE_CHARS} characters")]
    TooLong,
}

/// A ciphertext that decrypted but does not hold a message, or did not decrypt.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum OpenError {
    /// Wrong key, or the ciphertext is damaged.
    #[error(transparent)]
    Decrypt(#[from] DecryptError),
    /// It decrypted, but is not a message.
    #[error("the item is not a message")]
    NotMessage,
}

impl Message {
    /// A message from what someone typed: Windows and old Mac line ends become `\n`, blank
    /// space around the text is dropped.
    pub fn new(text: &str) -> Result<Self, MessageError> {
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        let text = text.trim();
        if text.is_empty() {
            return Err(MessageError::Empty);
        }
        if text.chars().count() > MAX_MESSAGE_CHARS {
            return Err(MessageError::TooLong);
        }
        Ok(Message {
            text: text.to_owned(),
        })
    }

    /// Encrypts the message to the case key.
    pub fn seal(&self, case: &Recipient) -> Result<Ciphertext, EncryptError> {
        // Serialising a struct of one string cannot fail.
        let json = Zeroizing::new(serde_json::to_vec(self).map_err(|_| EncryptError)?);
        ciphertext::encrypt(case, &json)
    }

    /// Decrypts a message with the case key, and checks it is one.
    pub fn open(sealed: &Ciphertext, case: &Identity) -> Result<Self, OpenError> {
        let plaintext = ciphertext::decrypt(sealed, [case])?;
        let message: Message =
            serde_json::from_slice(plaintext.expose_secret()).map_err(|_| OpenError::NotMessage)?;
        // What the writer's tool refused to seal is refused on reading too.
        Message::new(&message.text).map_err(|_| OpenError::NotMessage)
    }

    /// What the server checks of a message's ciphertext without any key: one X25519
    /// recipient, padded, within [`MAX_MESSAGE_FRAME`].
    pub fn check_sealed(sealed: &Ciphertext) -> Result<(), ShapeError> {
        sealed.inspect(MAX_MESSAGE_FRAME).map(|_| ())
    }
}

/// The `format` value of reply files this version writes and reads.
pub const REPLY_FORMAT: &str = "kentongan-reply/1";

/// A reply file: a message an investigator encrypted offline, for the server to import into
/// the case it was made for. JSON; carries no secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reply {
    /// Always [`REPLY_FORMAT`].
    pub format: String,
    /// The case number it was made for.
    pub case: i64,
    /// That case's public key, which the message is encrypted to.
    pub case_recipient: Recipient,
    /// SHA-256 of the ciphertext, lower-case hex: a file damaged on its way to the server is
    /// refused there, not found unreadable weeks later. (It is a checksum, not a signature:
    /// anyone can make a valid reply file for a case whose public key they know.)
    pub sha256: String,
    /// The message, encrypted to `case_recipient`.
    pub ciphertext: Ciphertext,
}

/// Why a reply file cannot be imported.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplyError {
    /// Not JSON of the expected shape.
    #[error("this is not a Kentongan reply file")]
    NotReply,
    /// A format this version does not know.
    #[error("reply format {0:?} is not supported (expected {REPLY_FORMAT:?})")]
    Format(String),
    /// The ciphertext does not match its checksum: the file was damaged or edited.
    #[error("the reply file is damaged: its ciphertext does not match its checksum")]
    Checksum,
    /// The ciphertext is not a well-formed, padded message.
    #[error("the reply file is damaged: {0}")]
    Shape(ShapeError),
    /// Made for another case (or for a case whose key is not this one).
    #[error("this reply was made for case {made_for}, not for case {case}")]
    WrongCase {
        /// The case named in the file.
        made_for: i64,
        /// The case it was to be imported into.
        case: i64,
    },
}

impl Reply {
    /// Encrypts `message` to a case's key and wraps it in a reply file for that case.
    pub fn seal(
        case: i64,
        case_recipient: &Recipient,
        message: &Message,
    ) -> Result<Self, EncryptError> {
        let ciphertext = message.seal(case_recipient)?;
        Ok(Reply {
            format: REPLY_FORMAT.to_owned(),
            case,
            case_recipient: case_recipient.clone(),
            sha256: sha256_hex(ciphertext.as_bytes()),
            ciphertext,
        })
    }

    /// Parses a reply file and checks everything that needs no key: format, checksum, shape.
    pub fn parse(bytes: &[u8]) -> Result<Self, ReplyError> {
        #[derive(Deserialize)]
        struct Format {
            format: String,
        }
        let Format { format } = serde_json::from_slice(bytes).map_err(|_| ReplyError::NotReply)?;
        if format != REPLY_FORMAT {
            return Err(ReplyError::Format(format));
        }
        let reply: Reply = serde_json::from_slice(bytes).map_err(|_| ReplyError::NotReply)?;
        if reply.sha256 != sha256_hex(reply.ciphertext.as_bytes()) {
            return Err(ReplyError::Checksum);
        }
        Message::check_sealed(&reply.ciphertext).map_err(ReplyError::Shape)?;
        Ok(reply)
    }

    /// Checks the reply was made for case `case`, whose key is `case_recipient`.
    pub fn check_for(&self, case: i64, case_recipient: &Recipient) -> Result<(), ReplyError> {
        if self.case != case || &self.case_recipient != case_recipient {
            return Err(ReplyError::WrongCase {
                made_for: self.case,
                case,
            });
        }
        Ok(())
    }

    /// The file's bytes (pretty JSON, newline-terminated).
    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).unwrap_or_default();
        json.push('\n');
        json
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::CaseKeys;

    #[test]
    fn typing_is_normalised_and_limited() {
        assert_eq!(Message::new("  a\r\nb\rc \n").unwrap().text, "a\nb\nc");
        assert_eq!(Message::new(" \r\n\t").unwrap_err(), MessageError::Empty);
        assert!(Message::new(&"ꦏ".repeat(MAX_MESSAGE_CHARS)).is_ok());
        assert_eq!(
            Message::new(&"a".repeat(MAX_MESSAGE_CHARS + 1)).unwrap_err(),
            MessageError::TooLong
        );
        assert_eq!(
            format!("{:?}", Message::new("rahasia").unwrap()),
            "Message([REDACTED])"
        );
    }

    #[test]
    fn the_longest_message_of_the_worst_characters_fits_the_frame() {
        // A control character is escaped as six bytes of JSON.
        let message =
            Message::new(&format!("x{}x", "\u{1}".repeat(MAX_MESSAGE_CHARS - 2))).unwrap();
        let keys = CaseKeys::generate();
        let sealed = message.seal(&keys.case.to_public()).unwrap();
        assert!(Message::check_sealed(&sealed).is_ok());
        assert_eq!(Message::open(&sealed, &keys.case).unwrap(), message);
    }

    #[test]
    fn only_the_case_key_opens_a_message() {
        let keys = CaseKeys::generate();
        let other = CaseKeys::generate();
        let sealed = Message::new("Kapan kejadiannya?")
            .unwrap()
            .seal(&keys.case.to_public())
            .unwrap();
        assert_eq!(
            Message::open(&sealed, &keys.case).unwrap().text,
            "Kapan kejadiannya?"
        );
        assert_eq!(
            Message::open(&sealed, &other.case).unwrap_err(),
            OpenError::Decrypt(DecryptError)
        );
        let not_a_message =
            ciphertext::encrypt(&keys.case.to_public(), b"{\"what\":\"x\"}").unwrap();
        assert_eq!(
            Message::open(&not_a_message, &keys.case).unwrap_err(),
            OpenError::NotMessage
        );
        let empty = ciphertext::encrypt(&keys.case.to_public(), b"{\"text\":\"  \"}").unwrap();
        assert_eq!(
            Message::open(&empty, &keys.case).unwrap_err(),
            OpenError::NotMessage
        );
    }

    fn reply() -> (CaseKeys, Reply) {
        let keys = CaseKeys::generate();
        let reply = Reply::seal(
            12,
            &keys.case.to_public(),
            &Message::new("Terima kasih.").unwrap(),
        )
        .unwrap();
        (keys, reply)
    }

    #[test]
    fn a_reply_file_roundtrips_and_is_bound_to_its_case() {
        let (keys, reply) = reply();
        let parsed = Reply::parse(reply.to_json().as_bytes()).unwrap();
        assert_eq!(parsed, reply);
        assert!(parsed.check_for(12, &keys.case.to_public()).is_ok());
        assert_eq!(
            parsed.check_for(13, &keys.case.to_public()).unwrap_err(),
            ReplyError::WrongCase {
                made_for: 12,
                case: 13
            }
        );
        // The right number with another case's key: still the wrong case.
        let other = CaseKeys::generate();
        assert!(parsed.check_for(12, &other.case.to_public()).is_err());
        assert_eq!(
            Message::open(&parsed.ciphertext, &keys.case).unwrap().text,
            "Terima kasih."
        );
    }

    #[test]
    fn damaged_or_foreign_files_are_refused() {
        let (_, reply) = reply();
        assert_eq!(Reply::parse(b"not json").unwrap_err(), ReplyError::NotReply);
        assert_eq!(
            Reply::parse(b"{\"format\":\"kentongan-case-bundle/1\"}").unwrap_err(),
            ReplyError::Format("kentongan-case-bundle/1".into())
        );

        let mut extra: serde_json::Value = serde_json::from_str(&reply.to_json()).unwrap();
        extra["note"] = "x".into();
        assert_eq!(
            Reply::parse(extra.to_string().as_bytes()).unwrap_err(),
            ReplyError::NotReply
        );

        // One byte of the ciphertext changed: the checksum no longer matches.
        let mut bytes = reply.ciphertext.as_bytes().to_vec();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let mut damaged = reply.clone();
        damaged.ciphertext = Ciphertext::from_bytes(bytes.clone());
        assert_eq!(
            Reply::parse(damaged.to_json().as_bytes()).unwrap_err(),
            ReplyError::Checksum
        );

        // Checksum recomputed by whoever edited it: the shape check still sees a cut file.
        bytes.truncate(bytes.len() - 100);
        damaged.ciphertext = Ciphertext::from_bytes(bytes.clone());
        damaged.sha256 = sha256_hex(&bytes);
        assert!(matches!(
            Reply::parse(damaged.to_json().as_bytes()).unwrap_err(),
            ReplyError::Shape(_)
        ));
    }
}
