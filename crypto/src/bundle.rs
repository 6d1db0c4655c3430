//! The export bundle: one case, as the server has it, for an investigator to open offline.
//!
//! A bundle is a JSON file holding a manifest (the case's public metadata), the key
//! envelopes and every encrypted item, base64-encoded. It carries no secret: the server
//! writes it without any key, and `kentongan-keytool open` needs the investigator's
//! identity file to read anything inside.

use serde::{Deserialize, Serialize};

use crate::ciphertext::Ciphertext;
use crate::envelope::Envelope;
use crate::keys::Recipient;

/// The `format` value of bundles this version writes and reads.
pub const FORMAT: &str = "kentongan-case-bundle/1";

/// One exported case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    /// Always [`FORMAT`]; readers refuse anything else.
    pub format: String,
    /// Public metadata.
    pub case: Manifest,
    /// The case keys, sealed to each holder.
    pub envelopes: Vec<Envelope>,
    /// Everything written in the case, encrypted to the case key (or the notes key).
    pub items: Vec<Item>,
}

/// A case's public metadata: what the server knows without any key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The case number.
    pub id: i64,
    /// The day the report arrived (`YYYY-MM-DD`, server's calendar). Day resolution only.
    pub created_on: String,
    /// The stage's stable name (`diterima`, `pemeriksaan`, …).
    pub stage: String,
    /// The case key's public key: replies for this case are encrypted to it.
    pub case_recipient: Recipient,
    /// The notes key's public key.
    pub notes_recipient: Recipient,
}

/// What an item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemKind {
    /// The original report ([`crate::Report`] as JSON).
    Report,
}

/// One encrypted item of a case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// The item's number within the server.
    pub id: i64,
    /// What it is.
    pub kind: ItemKind,
    /// The day it was written (`YYYY-MM-DD`).
    pub created_on: String,
    /// The age file.
    pub ciphertext: Ciphertext,
}
