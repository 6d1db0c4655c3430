//! Messages: what the reporter and the investigators write to each other after the report.
//!
//! A message is JSON (`{"text": "…"}`), padded and age-encrypted to the case key, like the
//! report. The same format serves the reporter's answers, the investigators' replies and the
//! message that comes with a stage move; which of these an item is, is the server's metadata
//! ([`crate::bundle::ItemKind`]), not something the writer claims inside the ciphertext.
//! What the team writes also carries, inside, the team's signature
//! (`{"text": "…", "signature": "…"}`, see [`crate::signature`]); what the reporter writes
//! does not.
//!
//! An investigator working offline writes a [`Reply`] file: the message's ciphertext plus, in
//! the clear, the case it was made for. Sealing needs the case's keys from the investigator's
//! envelope (the notes key derives the signing key); the server checks the file names the
//! case it is imported into (a reply for another case is refused with a clear message, not
//! stored where nobody could read it) and that the ciphertext arrived whole.
//!
//! An internal [`Note`] is the same message sealed to the case's *notes* key instead, in a
//! sibling file format (`kentongan-note/1`) that shares all of the reply file's code. A
//! sibling format rather than a `kind` field in a `kentongan-reply/2`: reply files stay
//! exactly what they were (every reply file ever written, and every server that reads them,
//! is unaffected), and which of the two a file is shows in its first field, so the server can
//! tell an operator who passes a note to `case reply` what the file is instead of guessing.
//! The field naming the key differs too (`case_recipient` against `notes_recipient`), so a
//! file edited from one format into the other does not parse.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::ciphertext::{self, Ciphertext, DecryptError, EncryptError, ShapeError};
use crate::keys::{CaseKeys, Identity, Recipient};
use crate::signature::{Signature, TeamKey, TeamSigner};

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
    /// The team's signature over the text and the key it is sealed to; none on what the
    /// reporter writes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Signature>,
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
            signature: None,
        })
    }

    /// The message with the team's signature, for sealing to `sealed_to`.
    pub fn signed(mut self, signer: &TeamSigner, sealed_to: &Recipient) -> Self {
        self.signature = Some(signer.sign(sealed_to, &self.text));
        self
    }

    /// Whether the team whose key is `team` signed this message for `sealed_to`, the key it
    /// was opened with.
    pub fn is_signed_by(&self, team: &TeamKey, sealed_to: &Recipient) -> bool {
        self.signature
            .as_ref()
            .is_some_and(|signature| team.verifies(sealed_to, &self.text, signature))
    }

    /// Encrypts the message to the case key.
    pub fn seal(&self, case: &Recipient) -> Result<Ciphertext, EncryptError> {
        // Serialising a string and an optional signature cannot fail.
        let json = Zeroizing::new(serde_json::to_vec(self).map_err(|_| EncryptError)?);
        ciphertext::encrypt(case, &json)
    }

    /// Decrypts a message with the case key, and checks it is one.
    pub fn open(sealed: &Ciphertext, case: &Identity) -> Result<Self, OpenError> {
        let plaintext = ciphertext::decrypt(sealed, [case])?;
        let mut message: Message =
            serde_json::from_slice(plaintext.expose_secret()).map_err(|_| OpenError::NotMessage)?;
        // What the writer's tool refused to seal is refused on reading too.
        let mut checked = Message::new(&message.text).map_err(|_| OpenError::NotMessage)?;
        checked.signature = message.signature.take();
        Ok(checked)
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
    /// refused there, not found unreadable weeks later. (A checksum: the server cannot check
    /// the team's signature, which is inside the ciphertext; the reader does.)
    pub sha256: String,
    /// The message, encrypted to `case_recipient`.
    pub ciphertext: Ciphertext,
}

/// Why a reply, note or grant file could not be made.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum SealError {
    /// The keys hold no notes key (they came from a reporter's envelope): only an
    /// investigator's keys sign for the team, and grant both keys.
    #[error("these keys hold no notes key; only an investigator's envelope can be used")]
    NoNotesKey,
    /// Encryption failed.
    #[error("could not encrypt")]
    Encrypt,
}

/// Signs `message` with the team key of `keys` and seals it to `sealed_to`.
fn sign_and_seal(
    keys: &CaseKeys,
    sealed_to: &Recipient,
    message: &Message,
) -> Result<Ciphertext, SealError> {
    let signer = keys.team_signer().ok_or(SealError::NoNotesKey)?;
    message
        .clone()
        .signed(&signer, sealed_to)
        .seal(sealed_to)
        .map_err(|_| SealError::Encrypt)
}

/// Why a reply file (or a [`Note`] file: the two share their checks) cannot be imported.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplyError {
    /// Not JSON of the expected shape.
    #[error("this is not a Kentongan reply or note file")]
    NotReply,
    /// Another format than the one expected (another version, or the other of the two).
    #[error("file format {0:?} is not the one expected here")]
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
    /// Signs `message` for the team and encrypts it to the case key of `keys` (opened from
    /// an investigator's envelope), in a reply file for case `case`.
    pub fn seal(case: i64, keys: &CaseKeys, message: &Message) -> Result<Self, SealError> {
        let case_recipient = keys.case.to_public();
        let ciphertext = sign_and_seal(keys, &case_recipient, message)?;
        Ok(Reply {
            format: REPLY_FORMAT.to_owned(),
            case,
            case_recipient,
            sha256: sha256_hex(ciphertext.as_bytes()),
            ciphertext,
        })
    }

    /// Parses a reply file and checks everything that needs no key: format, checksum, shape.
    pub fn parse(bytes: &[u8]) -> Result<Self, ReplyError> {
        let reply: Reply = parse_format(bytes, REPLY_FORMAT).map_err(file_error)?;
        check_sealed_file(&reply.sha256, &reply.ciphertext)?;
        Ok(reply)
    }

    /// Checks the reply was made for case `case`, whose key is `case_recipient`.
    pub fn check_for(&self, case: i64, case_recipient: &Recipient) -> Result<(), ReplyError> {
        check_case(self.case, &self.case_recipient, case, case_recipient)
    }

    /// The file's bytes (pretty JSON, newline-terminated).
    pub fn to_json(&self) -> String {
        to_json(self)
    }
}

/// The `format` value of note files this version writes and reads.
pub const NOTE_FORMAT: &str = "kentongan-note/1";

/// A note file: an internal note an investigator encrypted offline to the case's notes key,
/// for the server to import into the case it was made for. JSON; carries no secret. The
/// reporter never holds the notes key, and the server never sends a note to the reporter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    /// Always [`NOTE_FORMAT`].
    pub format: String,
    /// The case number it was made for.
    pub case: i64,
    /// That case's notes key, which the message is encrypted to.
    pub notes_recipient: Recipient,
    /// SHA-256 of the ciphertext, lower-case hex (a checksum, as in [`Reply`]).
    pub sha256: String,
    /// The note, encrypted to `notes_recipient`.
    pub ciphertext: Ciphertext,
}

impl Note {
    /// Signs `message` for the team and encrypts it to the notes key of `keys`, in a note
    /// file for case `case`.
    pub fn seal(case: i64, keys: &CaseKeys, message: &Message) -> Result<Self, SealError> {
        let notes_recipient = keys
            .notes
            .as_ref()
            .ok_or(SealError::NoNotesKey)?
            .to_public();
        let ciphertext = sign_and_seal(keys, &notes_recipient, message)?;
        Ok(Note {
            format: NOTE_FORMAT.to_owned(),
            case,
            notes_recipient,
            sha256: sha256_hex(ciphertext.as_bytes()),
            ciphertext,
        })
    }

    /// Parses a note file and checks everything that needs no key: format, checksum, shape.
    pub fn parse(bytes: &[u8]) -> Result<Self, ReplyError> {
        let note: Note = parse_format(bytes, NOTE_FORMAT).map_err(file_error)?;
        check_sealed_file(&note.sha256, &note.ciphertext)?;
        Ok(note)
    }

    /// Checks the note was made for case `case`, whose notes key is `notes_recipient`.
    pub fn check_for(&self, case: i64, notes_recipient: &Recipient) -> Result<(), ReplyError> {
        check_case(self.case, &self.notes_recipient, case, notes_recipient)
    }

    /// The file's bytes (pretty JSON, newline-terminated).
    pub fn to_json(&self) -> String {
        to_json(self)
    }
}

/// Why [`parse_format`] refused a file: not JSON of the shape, or another format.
#[derive(Debug)]
pub(crate) enum FormatError {
    /// Not JSON, or not the fields of the format it claims.
    Shape,
    /// Its `format` is another than expected (the value, as found).
    Other(String),
}

fn file_error(error: FormatError) -> ReplyError {
    match error {
        FormatError::Shape => ReplyError::NotReply,
        FormatError::Other(format) => ReplyError::Format(format),
    }
}

/// Parses a JSON file whose `format` must be `expected`. The format is read first, on its
/// own, so a file of another format (or another version) is named as such rather than
/// refused as malformed.
pub(crate) fn parse_format<T: DeserializeOwned>(
    bytes: &[u8],
    expected: &str,
) -> Result<T, FormatError> {
    #[derive(Deserialize)]
    struct Format {
        format: String,
    }
    let Format { format } = serde_json::from_slice(bytes).map_err(|_| FormatError::Shape)?;
    if format != expected {
        return Err(FormatError::Other(format));
    }
    serde_json::from_slice(bytes).map_err(|_| FormatError::Shape)
}

/// The checks a message file's ciphertext gets without any key: checksum, then shape.
fn check_sealed_file(sha256: &str, ciphertext: &Ciphertext) -> Result<(), ReplyError> {
    if sha256 != sha256_hex(ciphertext.as_bytes()) {
        return Err(ReplyError::Checksum);
    }
    Message::check_sealed(ciphertext).map_err(ReplyError::Shape)
}

fn check_case(
    made_for: i64,
    sealed_to: &Recipient,
    case: i64,
    expected: &Recipient,
) -> Result<(), ReplyError> {
    if made_for != case || sealed_to != expected {
        return Err(ReplyError::WrongCase { made_for, case });
    }
    Ok(())
}

/// Pretty JSON, newline-terminated. Serialising these structs (strings, numbers and
/// ciphertext as base64) cannot fail.
pub(crate) fn to_json<T: Serialize>(file: &T) -> String {
    let mut json = serde_json::to_string_pretty(file).unwrap_or_default();
    json.push('\n');
    json
}

/// SHA-256, lower-case hex: the checksum of the offline files.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
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
        let reply = Reply::seal(12, &keys, &Message::new("Terima kasih.").unwrap()).unwrap();
        (keys, reply)
    }

    #[test]
    fn replies_and_notes_carry_the_teams_signature_for_their_key() {
        let (keys, reply) = reply();
        let team = keys.team_signer().unwrap().public();
        let case = keys.case.to_public();
        let notes = keys.notes.as_ref().unwrap().to_public();
        let opened = Message::open(&reply.ciphertext, &keys.case).unwrap();
        assert!(opened.is_signed_by(&team, &case));
        // Checked as if it had been sealed to the notes key, or with another case's team key.
        assert!(!opened.is_signed_by(&team, &notes));
        let other = CaseKeys::generate().team_signer().unwrap().public();
        assert!(!opened.is_signed_by(&other, &case));

        let note = Note::seal(12, &keys, &Message::new("Catatan.").unwrap()).unwrap();
        let opened = Message::open(&note.ciphertext, keys.notes.as_ref().unwrap()).unwrap();
        assert!(opened.is_signed_by(&team, &notes));
        assert!(!opened.is_signed_by(&team, &case));

        // What anyone can seal with the public key alone carries no signature.
        let forged = Message::new("Kirim nama dan NIP Anda.")
            .unwrap()
            .seal(&case)
            .unwrap();
        let opened = Message::open(&forged, &keys.case).unwrap();
        assert!(opened.signature.is_none());
        assert!(!opened.is_signed_by(&team, &case));
        // A signature copied onto another text does not verify.
        let mut edited = Message::new("Kirim nama dan NIP Anda.").unwrap();
        edited.signature = Message::open(&reply.ciphertext, &keys.case)
            .unwrap()
            .signature
            .clone();
        let opened = Message::open(&edited.seal(&case).unwrap(), &keys.case).unwrap();
        assert!(!opened.is_signed_by(&team, &case));
    }

    #[test]
    fn a_reporters_keys_cannot_sign_for_the_team() {
        let keys = CaseKeys::generate();
        let reporter = Identity::generate();
        let envelopes = crate::envelope::seal(&keys, &[], &reporter.to_public()).unwrap();
        let reporters = crate::envelope::open(&envelopes[0].ciphertext, &reporter).unwrap();
        let message = Message::new("Terima kasih.").unwrap();
        assert_eq!(
            Reply::seal(1, &reporters, &message).unwrap_err(),
            SealError::NoNotesKey
        );
        assert_eq!(
            Note::seal(1, &reporters, &message).unwrap_err(),
            SealError::NoNotesKey
        );
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

    /// A reply file as `kentongan-keytool reply` of the first version wrote it: still read.
    #[test]
    fn reply_files_of_the_first_version_still_parse() {
        let (keys, reply) = reply();
        let old = format!(
            "{{\n  \"format\": \"kentongan-reply/1\",\n  \"case\": 12,\n  \
             \"case_recipient\": \"{}\",\n  \"sha256\": \"{}\",\n  \"ciphertext\": {}\n}}\n",
            keys.case.to_public(),
            reply.sha256,
            serde_json::to_string(&reply.ciphertext).unwrap()
        );
        assert_eq!(old, reply.to_json());
        assert_eq!(Reply::parse(old.as_bytes()).unwrap(), reply);
    }

    fn note() -> (CaseKeys, Note) {
        let keys = CaseKeys::generate();
        let note = Note::seal(12, &keys, &Message::new("Saksi: Pak \" ' & < >").unwrap()).unwrap();
        (keys, note)
    }

    #[test]
    fn a_note_file_roundtrips_and_opens_only_with_the_notes_key() {
        let (keys, note) = note();
        let json = note.to_json();
        assert!(json.contains("\"format\": \"kentongan-note/1\""), "{json}");
        let parsed = Note::parse(json.as_bytes()).unwrap();
        assert_eq!(parsed, note);
        let notes = keys.notes.as_ref().unwrap();
        assert!(parsed.check_for(12, &notes.to_public()).is_ok());
        assert_eq!(
            Message::open(&parsed.ciphertext, notes).unwrap().text,
            "Saksi: Pak \" ' & < >"
        );
        assert_eq!(
            Message::open(&parsed.ciphertext, &keys.case).unwrap_err(),
            OpenError::Decrypt(DecryptError)
        );
        // Checked against the case key (a note passed off as a reply): the wrong key.
        assert!(parsed.check_for(12, &keys.case.to_public()).is_err());
        assert_eq!(
            parsed.check_for(13, &notes.to_public()).unwrap_err(),
            ReplyError::WrongCase {
                made_for: 12,
                case: 13
            }
        );
    }

    #[test]
    fn note_and_reply_files_are_not_taken_for_each_other() {
        let (_, note) = note();
        let (_, reply) = reply();
        assert_eq!(
            Reply::parse(note.to_json().as_bytes()).unwrap_err(),
            ReplyError::Format(NOTE_FORMAT.into())
        );
        assert_eq!(
            Note::parse(reply.to_json().as_bytes()).unwrap_err(),
            ReplyError::Format(REPLY_FORMAT.into())
        );
        // Only the format edited: the other format's fields do not parse.
        let mut relabelled: serde_json::Value = serde_json::from_str(&reply.to_json()).unwrap();
        relabelled["format"] = NOTE_FORMAT.into();
        assert_eq!(
            Note::parse(relabelled.to_string().as_bytes()).unwrap_err(),
            ReplyError::NotReply
        );
    }

    #[test]
    fn damaged_note_files_are_refused() {
        let (_, note) = note();
        let mut extra: serde_json::Value = serde_json::from_str(&note.to_json()).unwrap();
        extra["case_recipient"] = note.notes_recipient.to_string().into();
        assert_eq!(
            Note::parse(extra.to_string().as_bytes()).unwrap_err(),
            ReplyError::NotReply
        );
        let mut tampered = note.clone();
        let mut bytes = note.ciphertext.as_bytes().to_vec();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 1;
        tampered.ciphertext = Ciphertext::from_bytes(bytes);
        assert_eq!(
            Note::parse(tampered.to_json().as_bytes()).unwrap_err(),
            ReplyError::Checksum
        );
        for junk in [
            &b""[..],
            b"\" ' & < >",
            b"{}",
            b"{\"format\":\"kentongan-note/1\"}",
        ] {
            assert_eq!(Note::parse(junk).unwrap_err(), ReplyError::NotReply);
        }
    }
}
