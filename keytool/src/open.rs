//! Opening an exported case bundle in memory: parse, find this key's envelope, decrypt every
//! item. Nothing here touches the disk, so a failure anywhere leaves nothing behind.
//!
//! A key that opens no envelope, or a bundle of which no item opens, is an error. A single
//! item that does not open (damaged on the way, or written with another key) is not: the
//! rest of the case is still worth reading, so it is kept as [`Content::Unreadable`] and the
//! caller says so.
//!
//! Error messages say what failed and never what was decrypted.

use anyhow::{Result, anyhow, bail};
use kentongan_crypto::bundle::{self, Bundle, Item, ItemKind, Manifest};
use kentongan_crypto::item::Signed;
use kentongan_crypto::keys::{CaseKeys, Identity, Recipient};
use kentongan_crypto::message::OpenError;
use kentongan_crypto::{Holder, Message, Report, ciphertext, envelope};

/// The one message for a file that is not a well-formed bundle: truncated, edited, or
/// something else entirely.
pub const DAMAGED: &str = "the bundle is damaged or not a Kentongan case bundle";

/// A case with every item decrypted, or marked as unreadable.
#[derive(Debug)]
pub struct OpenedCase {
    /// The public metadata, as the server exported it.
    pub manifest: Manifest,
    /// Every item, by id: the report first, then the conversation as it happened.
    pub items: Vec<OpenedItem>,
    /// Whether the keys in the envelope are the ones the manifest names. A mismatch means
    /// whoever made the envelope (the reporter's browser) used other keys than it told the
    /// server: the content still opens, but what the server encrypts to the case later may not.
    pub keys_match_manifest: bool,
}

/// One item of a case.
#[derive(Debug)]
pub struct OpenedItem {
    /// The item's number on the server.
    pub id: i64,
    /// What the server says it is.
    pub kind: ItemKind,
    /// The day it was written.
    pub created_on: String,
    /// What it says.
    pub content: Content,
    /// Its attachments, once [`crate::attachments::open_all`] has written them (empty
    /// until then, and for items without any).
    pub attachments: Vec<crate::attachments::OpenedAttachment>,
}

/// What an item says, once decrypted.
#[derive(Debug)]
pub enum Content {
    /// What the reporter wrote in the form.
    Report(Box<Report>),
    /// A message: the reporter's, the investigators', the one with a stage move, or an
    /// internal note; and whether the team's signature bears out a team kind.
    Message(Message, Signed),
    /// It did not open.
    Unreadable(Unreadable),
}

/// Why an item did not open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unreadable {
    /// Not with this case's keys: damaged, or encrypted to another key.
    DoesNotDecrypt,
    /// It decrypts, but is not a report.
    NotReport,
    /// It decrypts, but is not a message.
    NotMessage,
}

impl Unreadable {
    /// A stable name, for `case.json`.
    pub fn slug(self) -> &'static str {
        match self {
            Unreadable::DoesNotDecrypt => "does-not-decrypt",
            Unreadable::NotReport => "not-a-report",
            Unreadable::NotMessage => "not-a-message",
        }
    }

    /// What happened, in English, for the error line.
    pub fn reason(self) -> &'static str {
        match self {
            Unreadable::DoesNotDecrypt => "does not decrypt",
            Unreadable::NotReport => "decrypts, but is not a readable report",
            Unreadable::NotMessage => "decrypts, but is not a readable message",
        }
    }
}

impl OpenedCase {
    /// The ids of the items that did not open.
    pub fn unreadable(&self) -> Vec<i64> {
        self.items
            .iter()
            .filter(|item| matches!(item.content, Content::Unreadable(_)))
            .map(|item| item.id)
            .collect()
    }

    /// The item with this id, if the bundle has it.
    pub fn item(&self, id: i64) -> Option<&OpenedItem> {
        self.items.iter().find(|item| item.id == id)
    }
}

/// Parses a bundle, refusing other formats before looking at anything else.
pub fn parse_bundle(bytes: &[u8]) -> Result<Bundle> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        if e.is_eof() {
            anyhow!("{DAMAGED} (it ends too early)")
        } else {
            anyhow!(
                "{DAMAGED} (invalid JSON at line {}, column {})",
                e.line(),
                e.column()
            )
        }
    })?;
    let format = value
        .get("format")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| anyhow!("{DAMAGED} (no format field)"))?;
    if format != bundle::FORMAT {
        let shown: String = format.chars().take(60).collect();
        bail!(
            "the bundle's format {shown:?} is not one this keytool reads ({:?}); \
             a newer kentongan-keytool may open it",
            bundle::FORMAT
        );
    }
    // serde's reason would quote the offending value; the field names are not worth that.
    serde_json::from_value(value).map_err(|_| anyhow!(DAMAGED))
}

/// Opens the case keys with `identity` and decrypts every item. Fails if the key opens no
/// envelope, if the bundle has no report, or if no item at all opens.
pub fn open_case(bundle: &Bundle, identity: &Identity) -> Result<OpenedCase> {
    let case_id = bundle.case.id;
    let keys = open_keys(bundle, identity)?;
    let keys_match_manifest = keys.case.to_public() == bundle.case.case_recipient
        && keys
            .notes
            .as_ref()
            .is_none_or(|notes| notes.to_public() == bundle.case.notes_recipient);
    if !bundle
        .items
        .iter()
        .any(|item| item.kind == ItemKind::Report)
    {
        bail!("the bundle is damaged: case {case_id} holds no report");
    }

    let mut items: Vec<OpenedItem> = bundle
        .items
        .iter()
        .map(|item| OpenedItem {
            id: item.id,
            kind: item.kind,
            created_on: item.created_on.clone(),
            content: open_item(item, &keys),
            attachments: Vec::new(),
        })
        .collect();
    items.sort_by_key(|item| item.id);
    // Nothing opens: nothing worth writing out. (The bundle holds a report, so `items` is
    // not empty.)
    let mut unreadable = items.iter().filter_map(|item| match item.content {
        Content::Unreadable(why) => Some((item.id, why)),
        _ => None,
    });
    if let Some((id, why)) = unreadable.next() {
        if unreadable.count() + 1 == items.len() {
            bail!(
                "the bundle is damaged: item {id} of case {case_id} {}",
                why.reason()
            );
        }
    }
    Ok(OpenedCase {
        manifest: bundle.case.clone(),
        items,
        keys_match_manifest,
    })
}

fn open_item(item: &Item, keys: &CaseKeys) -> Content {
    let team = keys.team_signer().map(|signer| signer.public());
    let message = |opened: Result<Message, OpenError>, key: &Identity| match opened {
        Ok(message) => {
            let signed = Signed::of(item.kind, &message, &key.to_public(), team.as_ref());
            Content::Message(message, signed)
        }
        Err(OpenError::NotMessage) => Content::Unreadable(Unreadable::NotMessage),
        Err(_) => Content::Unreadable(Unreadable::DoesNotDecrypt),
    };
    match item.kind {
        ItemKind::Report => {
            let identities = std::iter::once(&keys.case).chain(&keys.notes);
            let Ok(plaintext) = ciphertext::decrypt(&item.ciphertext, identities) else {
                return Content::Unreadable(Unreadable::DoesNotDecrypt);
            };
            match Report::from_plaintext(plaintext.expose_secret()) {
                Ok(report) => Content::Report(Box::new(report)),
                Err(_) => Content::Unreadable(Unreadable::NotReport),
            }
        }
        // Messages are encrypted to the case key, which the reporter holds too.
        ItemKind::ReporterMessage | ItemKind::InvestigatorMessage | ItemKind::StageMessage => {
            message(Message::open(&item.ciphertext, &keys.case), &keys.case)
        }
        // Notes only to the notes key, which only investigators' envelopes hold.
        ItemKind::Note => match &keys.notes {
            Some(notes) => message(Message::open(&item.ciphertext, notes), notes),
            None => Content::Unreadable(Unreadable::DoesNotDecrypt),
        },
    }
}

/// Unlocks the key file at `key_path` and opens this investigator's envelope in `bundle`,
/// for writing something for the case: a reply or note (signed with the team key the notes
/// key derives), or a grant. Refused unless the envelope holds both keys and they are the
/// ones the server names, since the server would refuse anything made with other keys.
pub fn own_keys(
    bundle: &Bundle,
    key_path: &std::path::Path,
    passphrase_file: Option<&std::path::Path>,
) -> Result<CaseKeys> {
    let case = bundle.case.id;
    let identity = crate::read_key_file(key_path)?
        .unlock(|| crate::passphrase::existing_passphrase(passphrase_file, key_path))?;
    let keys = open_keys(bundle, &identity)?;
    let Some(notes) = &keys.notes else {
        bail!("your envelope for case {case} holds no notes key: it is not an investigator's");
    };
    if keys.case.to_public() != bundle.case.case_recipient
        || notes.to_public() != bundle.case.notes_recipient
    {
        bail!(
            "the keys in your envelope for case {case} differ from the case's public keys on the \
             server; the server would refuse anything made with them"
        );
    }
    Ok(keys)
}

/// The case keys from this identity's envelope. Envelopes labelled with this identity's
/// public key are tried first; then every other investigator envelope, in case the label is
/// spelled differently or the bundle was assembled by hand.
pub fn open_keys(bundle: &Bundle, identity: &Identity) -> Result<CaseKeys> {
    let me = identity.to_public();
    let is_mine = |holder: &Holder| match holder {
        Holder::Investigator(key) => key.parse::<Recipient>().is_ok_and(|r| r == me),
        Holder::Reporter => false,
    };
    let (mine, others): (Vec<_>, Vec<_>) = bundle
        .envelopes
        .iter()
        .filter(|e| matches!(e.holder, Holder::Investigator(_)))
        .partition(|e| is_mine(&e.holder));
    for envelope in mine.iter().chain(&others) {
        if let Ok(keys) = envelope::open(&envelope.ciphertext, identity) {
            return Ok(keys);
        }
    }
    let case_id = bundle.case.id;
    if mine.is_empty() {
        bail!("this key cannot open case {case_id}: it is not one of the case's holders");
    }
    bail!("the bundle is damaged: the key envelope for this key in case {case_id} does not open")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use kentongan_crypto::report::{Category, EncryptedIn, Identification};
    use kentongan_crypto::{Ciphertext, KdfParams, submission};

    pub(crate) fn hostile_report() -> Report {
        Report {
            category: Category::GratifikasiSuap,
            what: "Pungutan liar \" ' & < > di loket\nbaris kedua".into(),
            who: "test \" ' & < >".into(),
            place: "Kantor Kapanewon Jetis".into(),
            when: "Senin pagi".into(),
            how: String::new(),
            why: "Tidak ada dasar hukum\u{1b}[31m merah".into(),
            identification: Some(Identification {
                name: "Siti \" ' & < >".into(),
                contact: "0812\n3456".into(),
            }),
            language: "id".into(),
            encrypted_in: EncryptedIn::Browser,
        }
    }

    /// What the server's export writes for a freshly sealed case.
    pub(crate) fn bundle_for(report: &Report, team: &[Recipient]) -> Bundle {
        let sealed = submission::seal_report(report, team, KdfParams::CURRENT)
            .unwrap()
            .sealed;
        Bundle {
            format: bundle::FORMAT.into(),
            case: Manifest {
                id: 7,
                created_on: "2026-11-28".into(),
                stage: "diterima".into(),
                case_recipient: sealed.case_recipient,
                notes_recipient: sealed.notes_recipient,
                history: vec![],
            },
            envelopes: sealed.envelopes,
            items: vec![Item {
                id: 1,
                kind: ItemKind::Report,
                created_on: "2026-11-28".into(),
                ciphertext: sealed.report,
                attachments: vec![],
            }],
        }
    }

    #[test]
    fn opens_for_each_investigator() {
        let alice = Identity::generate();
        let bob = Identity::generate();
        let bundle = bundle_for(&hostile_report(), &[alice.to_public(), bob.to_public()]);
        let json = serde_json::to_vec(&bundle).unwrap();
        let parsed = parse_bundle(&json).unwrap();
        for who in [&alice, &bob] {
            let case = open_case(&parsed, who).unwrap();
            assert!(case.keys_match_manifest);
            assert_eq!(case.items.len(), 1);
            assert!(
                matches!(&case.items[0].content, Content::Report(r) if **r == hostile_report())
            );
            assert!(case.unreadable().is_empty());
        }
    }

    #[test]
    fn a_stranger_is_told_it_is_not_a_holder() {
        let bundle = bundle_for(&hostile_report(), &[Identity::generate().to_public()]);
        let err = open_case(&bundle, &Identity::generate()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "this key cannot open case 7: it is not one of the case's holders"
        );
    }

    #[test]
    fn a_relabelled_envelope_still_opens() {
        let alice = Identity::generate();
        let mut bundle = bundle_for(&hostile_report(), &[alice.to_public()]);
        for envelope in &mut bundle.envelopes {
            if let Holder::Investigator(key) = &mut envelope.holder {
                *key = Identity::generate().to_public().to_string();
            }
        }
        assert!(open_case(&bundle, &alice).is_ok());
    }

    #[test]
    fn tampering_is_refused_without_echoing_content() {
        let alice = Identity::generate();
        let mut bundle = bundle_for(&hostile_report(), &[alice.to_public()]);
        let mut bytes = bundle.items[0].ciphertext.as_bytes().to_vec();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        bundle.items[0].ciphertext = Ciphertext::from_bytes(bytes);
        let err = open_case(&bundle, &alice).unwrap_err().to_string();
        assert_eq!(
            err,
            "the bundle is damaged: item 1 of case 7 does not decrypt"
        );

        let mut bundle = bundle_for(&hostile_report(), &[alice.to_public()]);
        let mut bytes = bundle.envelopes[0].ciphertext.as_bytes().to_vec();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        bundle.envelopes[0].ciphertext = Ciphertext::from_bytes(bytes);
        let err = open_case(&bundle, &alice).unwrap_err().to_string();
        assert!(err.contains("key envelope for this key"), "{err}");

        let mut bundle = bundle_for(&hostile_report(), &[alice.to_public()]);
        bundle.items.clear();
        assert!(
            open_case(&bundle, &alice)
                .unwrap_err()
                .to_string()
                .contains("no report")
        );
    }

    #[test]
    fn non_report_plaintext_is_refused_without_echoing_it() {
        let alice = Identity::generate();
        let mut bundle = bundle_for(&hostile_report(), &[alice.to_public()]);
        bundle.items[0].ciphertext =
            ciphertext::encrypt(&bundle.case.case_recipient, b"{\"secret\": \"rahasia\"}").unwrap();
        let err = open_case(&bundle, &alice).unwrap_err().to_string();
        assert!(!err.contains("rahasia"));
        assert!(err.contains("not a readable report"));
    }

    /// [`bundle_for`] after some weeks: the investigators asked, moved the case with a
    /// message, and the reporter answered. Item 3 is the stage message.
    pub(crate) fn bundle_with_conversation(report: &Report, team: &[Recipient]) -> Bundle {
        let mut bundle = bundle_for(report, team);
        let case = bundle.case.case_recipient.clone();
        let message = |id: i64, kind: ItemKind, day: &str, text: &str| Item {
            id,
            kind,
            created_on: day.into(),
            ciphertext: Message::new(text).unwrap().seal(&case).unwrap(),
            attachments: vec![],
        };
        bundle.items.extend([
            message(
                2,
                ItemKind::InvestigatorMessage,
                "2026-11-30",
                "Kapan kejadiannya? \" ' & < >",
            ),
            message(
                3,
                ItemKind::StageMessage,
                "2026-11-30",
                "Laporan Anda sedang kami periksa.",
            ),
            message(
                4,
                ItemKind::ReporterMessage,
                "2026-12-01",
                "Senin pagi,\njam 9.\u{202e}kiri",
            ),
        ]);
        bundle.case.stage = "pemeriksaan".into();
        bundle.case.history = vec![bundle::StageChange {
            stage: "pemeriksaan".into(),
            moved_on: "2026-11-30".into(),
            moved_by: "Ani \u{1b}[2J".into(),
            message: Some(3),
        }];
        bundle
    }

    fn text_of(case: &OpenedCase, id: i64) -> Option<&str> {
        match &case.item(id)?.content {
            Content::Message(message, _) => Some(&message.text),
            _ => None,
        }
    }

    #[test]
    fn messages_open_with_their_kinds_in_item_order() {
        let alice = Identity::generate();
        let mut bundle = bundle_with_conversation(&hostile_report(), &[alice.to_public()]);
        // Out of order in the file: still read in item order.
        bundle.items.swap(1, 3);
        let case = open_case(&bundle, &alice).unwrap();
        let kinds: Vec<(i64, ItemKind)> = case.items.iter().map(|i| (i.id, i.kind)).collect();
        assert_eq!(
            kinds,
            [
                (1, ItemKind::Report),
                (2, ItemKind::InvestigatorMessage),
                (3, ItemKind::StageMessage),
                (4, ItemKind::ReporterMessage),
            ]
        );
        assert_eq!(text_of(&case, 2), Some("Kapan kejadiannya? \" ' & < >"));
        assert_eq!(text_of(&case, 4), Some("Senin pagi,\njam 9.\u{202e}kiri"));
        assert!(case.unreadable().is_empty());
    }

    #[test]
    fn one_unreadable_item_does_not_hide_the_rest() {
        let alice = Identity::generate();
        let mut bundle = bundle_with_conversation(&hostile_report(), &[alice.to_public()]);
        let mut bytes = bundle.items[3].ciphertext.as_bytes().to_vec();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 1;
        bundle.items[3].ciphertext = Ciphertext::from_bytes(bytes);
        // A message item holding something else (here: JSON that is not a message).
        bundle.items[1].ciphertext =
            ciphertext::encrypt(&bundle.case.case_recipient, b"{\"secret\": \"rahasia\"}").unwrap();
        let case = open_case(&bundle, &alice).unwrap();
        assert_eq!(case.unreadable(), [2, 4]);
        assert!(matches!(
            case.item(2).unwrap().content,
            Content::Unreadable(Unreadable::NotMessage)
        ));
        assert!(matches!(
            case.item(4).unwrap().content,
            Content::Unreadable(Unreadable::DoesNotDecrypt)
        ));
        assert!(matches!(case.item(1).unwrap().content, Content::Report(_)));
        assert_eq!(text_of(&case, 3), Some("Laporan Anda sedang kami periksa."));

        // The report damaged too: the messages are still read.
        let mut bytes = bundle.items[0].ciphertext.as_bytes().to_vec();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 1;
        bundle.items[0].ciphertext = Ciphertext::from_bytes(bytes);
        let case = open_case(&bundle, &alice).unwrap();
        assert_eq!(case.unreadable(), [1, 2, 4]);
    }

    /// [`bundle_with_conversation`] with an internal note (item 5) sealed to the notes key.
    pub(crate) fn bundle_with_note(report: &Report, team: &[Recipient], text: &str) -> Bundle {
        let mut bundle = bundle_with_conversation(report, team);
        let notes = bundle.case.notes_recipient.clone();
        bundle.items.push(Item {
            id: 5,
            kind: ItemKind::Note,
            created_on: "2026-12-02".into(),
            ciphertext: Message::new(text).unwrap().seal(&notes).unwrap(),
            attachments: vec![],
        });
        bundle
    }

    #[test]
    fn notes_open_with_the_notes_key_and_not_as_messages() {
        let alice = Identity::generate();
        let mut bundle = bundle_with_note(&hostile_report(), &[alice.to_public()], "Saksi: Pak B");
        let case = open_case(&bundle, &alice).unwrap();
        assert_eq!(case.item(5).unwrap().kind, ItemKind::Note);
        assert_eq!(text_of(&case, 5), Some("Saksi: Pak B"));
        assert!(case.unreadable().is_empty());

        // A note relabelled as a message is not read with the case key; a message labelled as
        // a note is not read with the notes key.
        bundle.items[4].kind = ItemKind::InvestigatorMessage;
        bundle.items[1].kind = ItemKind::Note;
        let case = open_case(&bundle, &alice).unwrap();
        assert_eq!(case.unreadable(), [2, 5]);
    }

    #[test]
    fn mismatched_manifest_keys_are_flagged() {
        let alice = Identity::generate();
        let mut bundle = bundle_for(&hostile_report(), &[alice.to_public()]);
        bundle.case.case_recipient = Identity::generate().to_public();
        let case = open_case(&bundle, &alice).unwrap();
        assert!(!case.keys_match_manifest);
    }

    #[test]
    fn parse_refuses_other_formats_and_garbage() {
        let bundle = bundle_for(&hostile_report(), &[Identity::generate().to_public()]);
        let mut value = serde_json::to_value(&bundle).unwrap();
        value["format"] = "kentongan-case-bundle/2\u{1b}[2J".into();
        let err = parse_bundle(&serde_json::to_vec(&value).unwrap())
            .unwrap_err()
            .to_string();
        assert!(err.contains("kentongan-case-bundle/2\\u{1b}[2J"), "{err}");
        assert!(!err.contains('\u{1b}'));

        let json = serde_json::to_vec(&bundle).unwrap();
        let cut = &json[..json.len() / 2];
        assert_eq!(
            parse_bundle(cut).unwrap_err().to_string(),
            format!("{DAMAGED} (it ends too early)")
        );
        for junk in [
            &b""[..],
            b"\" ' & < >",
            b"{}",
            b"[]",
            b"{\"format\": 1}",
            &[0xff; 64],
        ] {
            assert!(
                parse_bundle(junk)
                    .unwrap_err()
                    .to_string()
                    .starts_with(DAMAGED)
            );
        }
        let mut value = serde_json::to_value(&bundle).unwrap();
        value["items"][0]["ciphertext"] = "not base64 !!".into();
        assert_eq!(
            parse_bundle(&serde_json::to_vec(&value).unwrap())
                .unwrap_err()
                .to_string(),
            DAMAGED
        );
    }
}
