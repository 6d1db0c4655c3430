//! Opening one item of a case: with the case key, what the reporter's follow-up page does in
//! the browser (WebAssembly) and, on the no-JavaScript path, in the server's memory; with
//! both keys of an investigator's envelope, what `kentongan-keytool open` and the
//! investigators' workspace do.

use crate::bundle::ItemKind;
use crate::ciphertext::{self, Ciphertext};
use crate::keys::{CaseKeys, Identity};
use crate::message::{self, Message};
use crate::report::Report;

/// An item's decrypted content.
#[derive(Debug)]
pub enum Content {
    /// The original report.
    Report(Box<Report>),
    /// A message, from whichever side the item's kind says.
    Message(Message),
}

/// An item that did not open: wrong key, damaged, or not what its kind says. Deliberately
/// one vague error, as for any decryption.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the item could not be opened")]
pub struct Unreadable;

/// Decrypts an item of `kind` with the case key and parses it. A [`ItemKind::Note`] is
/// refused without trying: notes are sealed to the notes key, never to the case key.
pub fn open(kind: ItemKind, sealed: &Ciphertext, case: &Identity) -> Result<Content, Unreadable> {
    match kind {
        ItemKind::Note => Err(Unreadable),
        ItemKind::Report => {
            let plaintext = ciphertext::decrypt(sealed, [case]).map_err(|_| Unreadable)?;
            let report =
                Report::from_plaintext(plaintext.expose_secret()).map_err(|_| Unreadable)?;
            Ok(Content::Report(Box::new(report)))
        }
        ItemKind::ReporterMessage | ItemKind::InvestigatorMessage | ItemKind::StageMessage => {
            Message::open(sealed, case)
                .map(Content::Message)
                .map_err(|_: message::OpenError| Unreadable)
        }
    }
}

/// Decrypts an item with the keys of an opened envelope, choosing the key by `kind`: a note
/// with the notes key (unreadable if `keys` has none, as in the reporter's envelope),
/// everything else with the case key. Each item is tried with its one key only, so a note
/// relabelled as a message does not open (and is not shown to whoever holds the case key).
pub fn open_with_keys(
    kind: ItemKind,
    sealed: &Ciphertext,
    keys: &CaseKeys,
) -> Result<Content, Unreadable> {
    match kind {
        ItemKind::Note => {
            let notes = keys.notes.as_ref().ok_or(Unreadable)?;
            Message::open(sealed, notes)
                .map(Content::Message)
                .map_err(|_: message::OpenError| Unreadable)
        }
        _ => open(kind, sealed, &keys.case),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::CaseKeys;

    #[test]
    fn each_kind_opens_as_what_it_is() {
        let keys = CaseKeys::generate();
        let case = keys.case.to_public();
        let report = crate::report::tests::sample();
        let sealed_report = ciphertext::encrypt(&case, &report.to_plaintext()).unwrap();
        let sealed_message = Message::new("Ada bukti foto.")
            .unwrap()
            .seal(&case)
            .unwrap();

        let Content::Report(opened) = open(ItemKind::Report, &sealed_report, &keys.case).unwrap()
        else {
            panic!("not a report");
        };
        assert!(*opened == report);
        let Content::Message(m) =
            open(ItemKind::ReporterMessage, &sealed_message, &keys.case).unwrap()
        else {
            panic!("not a message");
        };
        assert_eq!(m.text, "Ada bukti foto.");
        // A report labelled as a message (or the reverse) is unreadable, not misread.
        assert_eq!(
            open(ItemKind::StageMessage, &sealed_report, &keys.case).unwrap_err(),
            Unreadable
        );
        assert_eq!(
            open(ItemKind::Report, &sealed_message, &keys.case).unwrap_err(),
            Unreadable
        );
        let other = CaseKeys::generate();
        assert_eq!(
            open(ItemKind::Report, &sealed_report, &other.case).unwrap_err(),
            Unreadable
        );
    }

    #[test]
    fn a_note_opens_with_the_notes_key_only() {
        let keys = CaseKeys::generate();
        let notes = keys.notes.as_ref().unwrap().to_public();
        let note = Message::new("Saksi kunci: \" ' & < >")
            .unwrap()
            .seal(&notes)
            .unwrap();

        let Content::Message(m) = open_with_keys(ItemKind::Note, &note, &keys).unwrap() else {
            panic!("not a message");
        };
        assert_eq!(m.text, "Saksi kunci: \" ' & < >");

        // The case key (which the reporter holds) opens no note, however it is labelled.
        for kind in ItemKind::ALL {
            assert_eq!(open(kind, &note, &keys.case).unwrap_err(), Unreadable);
        }
        assert!(Message::open(&note, &keys.case).is_err());
        // Nor do the keys of the reporter's envelope, which hold no notes key.
        let reporter = Identity::generate();
        let envelopes = crate::envelope::seal(&keys, &[], &reporter.to_public()).unwrap();
        let reporters_keys = crate::envelope::open(&envelopes[0].ciphertext, &reporter).unwrap();
        assert!(reporters_keys.notes.is_none());
        assert_eq!(
            open_with_keys(ItemKind::Note, &note, &reporters_keys).unwrap_err(),
            Unreadable
        );
        // A note relabelled as a message is not read with the case key either.
        assert_eq!(
            open_with_keys(ItemKind::InvestigatorMessage, &note, &keys).unwrap_err(),
            Unreadable
        );
        // And a message to the reporter labelled as a note is not read as one.
        let message = Message::new("Terima kasih.")
            .unwrap()
            .seal(&keys.case.to_public())
            .unwrap();
        assert_eq!(
            open_with_keys(ItemKind::Note, &message, &keys).unwrap_err(),
            Unreadable
        );
        assert!(open_with_keys(ItemKind::InvestigatorMessage, &message, &keys).is_ok());
    }
}
