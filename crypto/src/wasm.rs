//! The browser's entry points (wasm-bindgen). Strings in, strings out: JSON keeps the glue
//! thin and the wire formats in one place (the serde of the types they carry).
//!
//! Only the crypto worker (`templates/static/worker.js`) calls these. Secrets it is handed
//! back (the reporter's identity) stay in the worker and die with it.
//!
//! Attachments (cleaning photos, sealing and opening files) are in `wasm/attachment.rs`,
//! with a worked example of the calls.
//!
//! The follow-up page's functions (feature `followup`) go into a second module: decrypting
//! pulls in age's reader and its localised error messages, which the report form, the page
//! a new reporter loads first, does not need.

mod attachment;

#[cfg(feature = "followup")]
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use crate::keys::Recipient;
use crate::report::{EncryptedIn, Report};
use crate::reporter::{KdfParams, Passphrase, ReceiptCode, ReporterKey};
use crate::submission::{SealError, seal_report};
#[cfg(feature = "followup")]
use crate::{
    bundle::ItemKind,
    ciphertext::Ciphertext,
    item::{self, Content},
    keys::Identity,
    message::{Message, MessageError},
};

/// Seals a report. `report_json` is a [`Report`] (its `encrypted_in` is overwritten with
/// "browser"), `team_json` a JSON array of `age1…` strings. Returns
/// `{"receipt": "1234 5678 …", "passphrase": "…", "fingerprint": "12 words", "sealed":
/// SealedCase}`, where `fingerprint` is computed here from the keys actually sealed to, for
/// the reporter to compare with the one the office publishes.
#[wasm_bindgen(js_name = sealReport)]
pub fn seal_report_js(report_json: &str, team_json: &str) -> Result<String, JsError> {
    let mut report: Report =
        serde_json::from_str(report_json).map_err(|_| JsError::new("report"))?;
    report.encrypted_in = EncryptedIn::Browser;
    let team: Vec<Recipient> = serde_json::from_str(team_json).map_err(|_| JsError::new("team"))?;
    let submission = seal_report(&report, &team, KdfParams::CURRENT).map_err(|e| match e {
        SealError::Invalid(_) => JsError::new("invalid"),
        SealError::NoInvestigators => JsError::new("no-investigators"),
        _ => JsError::new("crypto"),
    })?;
    let out = serde_json::json!({
        "receipt": submission.sealed.receipt.to_string(),
        "passphrase": submission.passphrase.expose_secret(),
        "fingerprint": crate::keys::fingerprint_of(&team),
        "sealed": submission.sealed,
    });
    Ok(out.to_string())
}

/// The fingerprint of a key set (`keys_json`, a JSON array of `age1…` strings): 12 words,
/// the same computation as the public page's. The workspace shows a colleague's before
/// granting them a case.
#[wasm_bindgen(js_name = fingerprint)]
pub fn fingerprint_js(keys_json: &str) -> Result<String, JsError> {
    let keys: Vec<Recipient> = serde_json::from_str(keys_json).map_err(|_| JsError::new("keys"))?;
    Ok(crate::keys::fingerprint_of(&keys))
}

/// Derives a reporter's auth token (hex) from receipt and passphrase: what the benchmark
/// times as "Argon2id in the browser".
#[wasm_bindgen(js_name = deriveAuthToken)]
pub fn derive_auth_token(receipt: &str, passphrase: &str) -> Result<String, JsError> {
    let receipt = ReceiptCode::parse(receipt).map_err(|_| JsError::new("receipt"))?;
    let key = ReporterKey::derive(&receipt, &Passphrase::parse(passphrase), KdfParams::CURRENT)
        .map_err(|_| JsError::new("crypto"))?;
    Ok(hex(key.auth_token()))
}

#[cfg(feature = "followup")]
/// The follow-up login: derives the reporter's key from what they typed (forgiving about
/// spaces, dashes and case). Returns `{"receipt": "16 digits", "token": hex, "identity":
/// "AGE-SECRET-KEY-1…", "commitment_key": hex}`: the receipt and token go to the server, the
/// identity and commitment key stay in the worker to open and check the case. Error
/// "receipt" when the receipt is not 16 digits.
#[wasm_bindgen(js_name = deriveReporter)]
pub fn derive_reporter(receipt: &str, passphrase: &str) -> Result<String, JsError> {
    let receipt = ReceiptCode::parse(receipt).map_err(|_| JsError::new("receipt"))?;
    let key = ReporterKey::derive(&receipt, &Passphrase::parse(passphrase), KdfParams::CURRENT)
        .map_err(|_| JsError::new("crypto"))?;
    let identity = key.identity().to_secret_string();
    let out = serde_json::json!({
        "receipt": receipt.digits(),
        "token": hex(key.auth_token()),
        "identity": secrecy::ExposeSecret::expose_secret(&identity),
        "commitment_key": hex(key.commitment_key()),
    });
    Ok(out.to_string())
}

#[cfg(feature = "followup")]
/// A case as the server sends it to the reporter's browser (`committed` and `commitment`
/// only to the reporter: the workspace's view has neither).
#[derive(Deserialize)]
struct SealedView {
    envelope: Ciphertext,
    items: Vec<SealedItem>,
    #[serde(default)]
    committed: bool,
    #[serde(default)]
    commitment: Option<crate::Commitment>,
}

#[cfg(feature = "followup")]
#[derive(Deserialize)]
struct SealedItem {
    id: i64,
    kind: ItemKind,
    ciphertext: Ciphertext,
}

#[cfg(feature = "followup")]
#[derive(Serialize)]
struct OpenedItem {
    id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    report: Option<Box<Report>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    /// True when the item did not open; the page says so in its place.
    unreadable: bool,
    /// True for a message of a team kind whose team signature does not verify: the page
    /// shows it apart, with a warning, never as the team's.
    unverified: bool,
}

#[cfg(feature = "followup")]
/// Opens the reporter's envelope with `identity`, checks the case against the reporter's
/// commitment, and decrypts every item. `commitment_key` is the hex key `deriveReporter`
/// returned; `case_json` is `{"envelope": base64, "committed": bool, "commitment"?:
/// Commitment, "items": [{"id", "kind", "ciphertext"}]}`, where `committed` is what the
/// server learned from the token at login (a database writer cannot turn it off). Returns
/// `{"case_recipient": "age1…", "checked": "verified" | "legacy", "items": [{"id", "report"?:
/// Report, "text"?: string, "unreadable": bool, "unverified": bool}]}`, where a team message
/// is `unverified` unless its signature verifies under the committed team key (a case
/// without one has every team message unverified), and `case_recipient` is the public half
/// of the case key found in the envelope: the key the reporter's messages are sealed to,
/// whatever the server claims. Errors: "envelope" when the envelope does not open (not this
/// reporter's case); "changed" when the case key is not the one the reporter's client sealed
/// to, or its commitment is missing: nothing is opened, and nothing may be sealed.
#[wasm_bindgen(js_name = openCase)]
pub fn open_case(identity: &str, commitment_key: &str, case_json: &str) -> Result<String, JsError> {
    use crate::commitment::{self, Checked};
    use crate::reporter::CredentialVersion;
    let identity = Identity::parse(identity).map_err(|_| JsError::new("identity"))?;
    let mut key = zeroize::Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(commitment_key, key.as_mut()).map_err(|_| JsError::new("identity"))?;
    let view: SealedView = serde_json::from_str(case_json).map_err(|_| JsError::new("case"))?;
    let keys =
        crate::envelope::open(&view.envelope, &identity).map_err(|_| JsError::new("envelope"))?;
    let version = if view.committed {
        CredentialVersion::Committed
    } else {
        CredentialVersion::Legacy
    };
    let checked = commitment::check(
        version,
        view.commitment.as_ref(),
        &key,
        &keys.case.to_public(),
    )
    .map_err(|_| JsError::new("changed"))?;
    let items: Vec<OpenedItem> = view
        .items
        .iter()
        .map(|sealed| {
            opened_item(
                sealed,
                item::open(
                    sealed.kind,
                    &sealed.ciphertext,
                    &keys.case,
                    checked.team_key(),
                ),
            )
        })
        .collect();
    Ok(serde_json::json!({
        "case_recipient": keys.case.to_public().to_string(),
        "checked": match checked {
            Checked::Verified { .. } => "verified",
            Checked::Legacy => "legacy",
        },
        "items": items,
    })
    .to_string())
}

#[cfg(feature = "followup")]
/// Encrypts a message to the case key `case_recipient` (`age1…`). Returns the ciphertext,
/// base64. Errors: "empty", "too-long", "recipient", "crypto".
#[wasm_bindgen(js_name = sealMessage)]
pub fn seal_message(case_recipient: &str, text: &str) -> Result<String, JsError> {
    let recipient: Recipient = case_recipient
        .parse()
        .map_err(|_| JsError::new("recipient"))?;
    let sealed = typed_message(text)?
        .seal(&recipient)
        .map_err(|_| JsError::new("crypto"))?;
    serde_json::to_value(&sealed)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .ok_or_else(|| JsError::new("crypto"))
}

#[cfg(feature = "team")]
/// Unlocks an investigator's key file (the bytes of the file they chose) with its
/// passphrase. Returns `{"identity": "AGE-SECRET-KEY-1…", "recipient": "age1…"}`: the
/// identity stays in the worker, the recipient tells the server who is logging in. Errors:
/// "not-key-file", "not-passphrase", "passphrase", "work", "damaged", "too-large".
#[wasm_bindgen(js_name = unlockKeyFile)]
pub fn unlock_key_file(file: &[u8], passphrase: &str) -> Result<String, JsError> {
    use crate::key_file::{self, KeyFileError};
    let identity =
        key_file::unlock(file, secrecy::SecretString::from(passphrase)).map_err(|e| {
            JsError::new(match e {
                KeyFileError::NotKeyFile => "not-key-file",
                KeyFileError::NotPassphrase => "not-passphrase",
                KeyFileError::WrongPassphrase => "passphrase",
                KeyFileError::TooMuchWork(_) => "work",
                KeyFileError::Damaged => "damaged",
                KeyFileError::TooLarge => "too-large",
            })
        })?;
    let secret = identity.to_secret_string();
    Ok(serde_json::json!({
        "identity": secrecy::ExposeSecret::expose_secret(&secret),
        "recipient": identity.to_public().to_string(),
    })
    .to_string())
}

#[cfg(feature = "team")]
/// Answers a login challenge (base64 ciphertext) with the investigator's identity: 64 hex
/// digits. Error "challenge" for anything that is not a challenge for this key (see
/// `challenge.rs`: the worker never decrypts anything else on the server's say-so).
#[wasm_bindgen(js_name = answerChallenge)]
pub fn answer_challenge(identity: &str, challenge: &str) -> Result<String, JsError> {
    use base64::Engine;
    let identity = Identity::parse(identity).map_err(|_| JsError::new("identity"))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(challenge)
        .map_err(|_| JsError::new("challenge"))?;
    let answer = crate::challenge::answer(&identity, &Ciphertext::from_bytes(bytes))
        .map_err(|_| JsError::new("challenge"))?;
    Ok(answer.to_hex())
}

#[cfg(feature = "team")]
/// Opens a case with the investigator's identity: their envelope gives the case key and the
/// notes key, and every item opens with the key its kind calls for (internal notes with the
/// notes key, everything else with the case key: `item::open_with_keys`). `case_json` and
/// the answer are as for [`open_case`] (without the reporter's commitment), and the answer
/// adds `"notes_recipient"`, found in the envelope like `case_recipient`; team messages are
/// checked with the team key the notes key derives. Errors: "envelope"
/// when the envelope does not open with this identity; "changed" when the report does not
/// open with the case key inside it. The report was sealed by the reporter's client, so a
/// case key that does not open it was put there by someone else (a database writer sealing
/// a key of their own to this investigator's public key), and nothing may be sealed to it.
#[wasm_bindgen(js_name = openTeamCase)]
pub fn open_team_case(identity: &str, case_json: &str) -> Result<String, JsError> {
    let identity = Identity::parse(identity).map_err(|_| JsError::new("identity"))?;
    let view: SealedView = serde_json::from_str(case_json).map_err(|_| JsError::new("case"))?;
    let keys =
        crate::envelope::open(&view.envelope, &identity).map_err(|_| JsError::new("envelope"))?;
    let notes = keys
        .notes
        .as_ref()
        .ok_or_else(|| JsError::new("envelope"))?;
    let items: Vec<OpenedItem> = view
        .items
        .iter()
        .map(|sealed| {
            opened_item(
                sealed,
                item::open_with_keys(sealed.kind, &sealed.ciphertext, &keys),
            )
        })
        .collect();
    let report_opens = view
        .items
        .iter()
        .zip(&items)
        .any(|(sealed, opened)| sealed.kind == ItemKind::Report && !opened.unreadable);
    if !report_opens {
        return Err(JsError::new("changed"));
    }
    Ok(serde_json::json!({
        "case_recipient": keys.case.to_public().to_string(),
        "notes_recipient": notes.to_public().to_string(),
        "items": items,
    })
    .to_string())
}

#[cfg(feature = "team")]
/// Signs a message to the reporter for the team and encrypts it, as a reply file for case
/// `case` (the format `kentongan-keytool reply` writes, so the server checks browser and
/// offline replies alike). The keys come from this investigator's `envelope` (base64),
/// opened with `identity`: the case key it is sealed to, and the notes key that derives the
/// team's signing key. Returns the reply file's JSON. Errors: "envelope", "empty",
/// "too-long", "crypto".
#[wasm_bindgen(js_name = sealReply)]
pub fn seal_reply(
    identity: &str,
    envelope: &str,
    case: i64,
    text: &str,
) -> Result<String, JsError> {
    let keys = open_envelope(identity, envelope)?;
    let reply = crate::Reply::seal(case, &keys, &typed_message(text)?).map_err(seal_error)?;
    Ok(reply.to_json())
}

#[cfg(feature = "team")]
/// Signs an internal note for the team and encrypts it to the case's notes key, as a note
/// file for case `case` (the format `kentongan-keytool note` writes). Arguments, answer and
/// errors as [`seal_reply`].
#[wasm_bindgen(js_name = sealNote)]
pub fn seal_note(identity: &str, envelope: &str, case: i64, text: &str) -> Result<String, JsError> {
    let keys = open_envelope(identity, envelope)?;
    let note =
        crate::message::Note::seal(case, &keys, &typed_message(text)?).map_err(seal_error)?;
    Ok(note.to_json())
}

#[cfg(feature = "team")]
/// The keys in an investigator's envelope (base64). Error "envelope" if it does not open.
fn open_envelope(identity: &str, envelope: &str) -> Result<crate::CaseKeys, JsError> {
    use base64::Engine;
    let identity = Identity::parse(identity).map_err(|_| JsError::new("identity"))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(envelope)
        .map_err(|_| JsError::new("envelope"))?;
    crate::envelope::open(&Ciphertext::from_bytes(bytes), &identity)
        .map_err(|_| JsError::new("envelope"))
}

#[cfg(feature = "followup")]
/// What someone typed, as a message. Errors "empty", "too-long".
fn typed_message(text: &str) -> Result<Message, JsError> {
    Message::new(text).map_err(|e| match e {
        MessageError::TooLong => JsError::new("too-long"),
        _ => JsError::new("empty"),
    })
}

#[cfg(feature = "team")]
fn seal_error(error: crate::message::SealError) -> JsError {
    match error {
        crate::message::SealError::NoNotesKey => JsError::new("envelope"),
        _ => JsError::new("crypto"),
    }
}

#[cfg(feature = "team")]
/// Grants another investigator access to a case: opens this investigator's `envelope`
/// (base64) with `identity` and seals the case key and notes key to `investigator`
/// (`age1…`), as the grant file `kentongan-keytool grant` writes. Returns the grant file's
/// JSON. Errors: "envelope" (it does not open, or holds no notes key), "recipient", "crypto".
#[wasm_bindgen(js_name = sealGrant)]
pub fn seal_grant(
    identity: &str,
    envelope: &str,
    case: i64,
    investigator: &str,
) -> Result<String, JsError> {
    let keys = open_envelope(identity, envelope)?;
    let recipient: Recipient = investigator
        .parse()
        .map_err(|_| JsError::new("recipient"))?;
    let grant = crate::Grant::seal(case, &keys, &recipient).map_err(seal_error)?;
    Ok(grant.to_json())
}

#[cfg(feature = "followup")]
fn opened_item(sealed: &SealedItem, content: Result<Content, item::Unreadable>) -> OpenedItem {
    let mut opened = OpenedItem {
        id: sealed.id,
        report: None,
        text: None,
        unreadable: false,
        unverified: false,
    };
    match content {
        Ok(Content::Report(report)) => opened.report = Some(report),
        Ok(Content::Message(message, signed)) => {
            opened.text = Some(message.text.clone());
            opened.unverified = signed == item::Signed::Unverified;
        }
        Err(_) => opened.unreadable = true,
    }
    opened
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
