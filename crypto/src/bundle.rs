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
    /// Every move of the case, oldest first (empty while it is still `diterima`).
    #[serde(default)]
    pub history: Vec<StageChange>,
}

/// One move of a case to another stage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageChange {
    /// The stage's stable name.
    pub stage: String,
    /// The day of the move (`YYYY-MM-DD`).
    pub moved_on: String,
    /// Who moved it, as recorded.
    pub moved_by: String,
    /// The item holding the message to the reporter that came with the move, if any.
    #[serde(default)]
    pub message: Option<i64>,
}

/// What an item is: the server's label, stored in the clear beside the ciphertext. Who
/// wrote an item is known from how it reached the server, not from anything inside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemKind {
    /// The original report ([`crate::Report`] as JSON).
    Report,
    /// A message from the reporter, sent from the follow-up page ([`crate::Message`]).
    ReporterMessage,
    /// A reply from the investigators to the reporter ([`crate::Message`]).
    InvestigatorMessage,
    /// The message to the reporter that came with a stage move ([`crate::Message`]).
    StageMessage,
    /// An investigators' internal note ([`crate::Message`] sealed to the *notes* key, which
    /// the reporter never holds): never sent to the reporter.
    Note,
}

impl ItemKind {
    /// Every kind.
    pub const ALL: [ItemKind; 5] = [
        ItemKind::Report,
        ItemKind::ReporterMessage,
        ItemKind::InvestigatorMessage,
        ItemKind::StageMessage,
        ItemKind::Note,
    ];

    /// The stable name, as stored and serialised.
    pub fn slug(self) -> &'static str {
        match self {
            ItemKind::Report => "report",
            ItemKind::ReporterMessage => "reporter-message",
            ItemKind::InvestigatorMessage => "investigator-message",
            ItemKind::StageMessage => "stage-message",
            ItemKind::Note => "note",
        }
    }

    /// The kind for a stable name.
    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.slug() == slug)
    }

    /// Whether the reporter may be sent items of this kind: those encrypted to the case key,
    /// which the reporter holds. A note is encrypted to the notes key, so the reporter could
    /// not open one anyway; it is still never sent, so that not even its existence, size or
    /// day reaches the follow-up page.
    pub fn for_reporter(self) -> bool {
        match self {
            ItemKind::Report
            | ItemKind::ReporterMessage
            | ItemKind::InvestigatorMessage
            | ItemKind::StageMessage => true,
            ItemKind::Note => false,
        }
    }
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
    /// The files attached to this item, each an age file beside the bundle (absent from
    /// bundles without attachments, and from those written before attachments existed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentRef>,
}

/// One attachment of an item, as the export writes it: its ciphertext is not inside the
/// bundle JSON (it may be hundreds of megabytes) but in its own file, a standard age file in
/// the format of [`crate::attachment`], sealed to the case key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRef {
    /// The attachment's number within the server.
    pub id: i64,
    /// The ciphertext's length in bytes (what the server stored; the body is smaller).
    pub size: u64,
    /// Where the ciphertext is, relative to the bundle file's directory:
    /// `attachments/ID.age` ([`AttachmentRef::file_for`]). A reader must not follow any
    /// other path it finds here (see [`AttachmentRef::is_safe_path`]).
    pub file: String,
}

impl AttachmentRef {
    /// The path the export writes attachment `id` to, relative to the bundle.
    pub fn file_for(id: i64) -> String {
        format!("attachments/{id}.age")
    }

    /// Whether [`AttachmentRef::file`] is exactly what [`AttachmentRef::file_for`] makes for
    /// this id. A bundle is a file anyone could have edited; a reader that opened whatever
    /// path it names could be pointed at any file on the investigator's machine.
    pub fn is_safe_path(&self) -> bool {
        self.file == Self::file_for(self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_kind_slugs_are_the_serialised_names() {
        for kind in ItemKind::ALL {
            assert_eq!(ItemKind::from_slug(kind.slug()), Some(kind));
            assert_eq!(
                serde_json::to_string(&kind).unwrap(),
                format!("\"{}\"", kind.slug())
            );
        }
        assert_eq!(ItemKind::from_slug("internal-note"), None);
        assert_eq!(ItemKind::from_slug("Note"), None);
    }

    #[test]
    fn attachments_are_optional_and_paths_checked() {
        let mut item = Item {
            id: 3,
            kind: ItemKind::Report,
            created_on: "2026-11-28".into(),
            ciphertext: Ciphertext::from_bytes(vec![1, 2, 3]),
            attachments: vec![],
        };
        let json = serde_json::to_string(&item).unwrap();
        assert!(!json.contains("attachments"));
        assert_eq!(serde_json::from_str::<Item>(&json).unwrap(), item);

        item.attachments.push(AttachmentRef {
            id: 17,
            size: 2048,
            file: AttachmentRef::file_for(17),
        });
        let json = serde_json::to_string(&item).unwrap();
        assert!(
            json.contains(r#""attachments":[{"id":17,"size":2048,"file":"attachments/17.age"}]"#)
        );
        assert_eq!(serde_json::from_str::<Item>(&json).unwrap(), item);
        assert!(item.attachments[0].is_safe_path());
        for file in [
            "../17.age",
            "/etc/passwd",
            "attachments/18.age",
            "attachments/17.age/",
        ] {
            let bad = AttachmentRef {
                id: 17,
                size: 1,
                file: file.into(),
            };
            assert!(!bad.is_safe_path(), "{file}");
        }
    }

    #[test]
    fn only_notes_are_kept_from_the_reporter() {
        let hidden: Vec<ItemKind> = ItemKind::ALL
            .into_iter()
            .filter(|k| !k.for_reporter())
            .collect();
        assert_eq!(hidden, [ItemKind::Note]);
    }
}
