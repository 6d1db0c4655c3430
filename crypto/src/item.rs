//! Opening one item of a case: with the case key, what the reporter's follow-up page does in
//! the browser (WebAssembly) and, on the no-JavaScript path, in the server's memory; with
//! both keys of an investigator's envelope, what `kentongan-keytool open` and the
//! investigators' workspace do.
//!
//! Which side wrote an item is the server's metadata (its [`ItemKind`]), so for what the
//! team writes, the team's signature ([`crate::signature`]) is checked here too: a message
//! of a team kind whose signature does not verify is [`Signed::Unverified`], and every
//! reader shows it as such, never as the team's.

use crate::bundle::ItemKind;
use crate::ciphertext::{self, Ciphertext};
use crate::keys::{CaseKeys, Identity, Recipient};
use crate::message::{self, Message};
use crate::report::Report;
use crate::signature::TeamKey;

/// An item's decrypted content.
#[derive(Debug)]
pub enum Content {
    /// The original report.
    Report(Box<Report>),
    /// A message, from whichever side the item's kind says, and whether the team's
    /// signature bears out a team kind.
    Message(Message, Signed),
}

/// Whether a message shows as the team's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signed {
    /// The reporter's: nothing to check (the reporter does not sign).
    Reporter,
    /// The team's: its signature verifies under the case's team key.
    Team,
    /// Said to be the team's, but without a signature that verifies: forged by someone who
    /// knows only the public key, or written before team messages were signed (or the
    /// reader has no team key to check with: a case filed before that).
    Unverified,
}

impl Signed {
    /// How `message`, opened from an item of `kind` with the key whose public half is
    /// `sealed_to`, is signed, checked with the case's team key `team` (if known).
    pub fn of(
        kind: ItemKind,
        message: &Message,
        sealed_to: &Recipient,
        team: Option<&TeamKey>,
    ) -> Self {
        match kind {
            ItemKind::Report | ItemKind::ReporterMessage => Signed::Reporter,
            ItemKind::InvestigatorMessage | ItemKind::StageMessage | ItemKind::Note => match team {
                Some(team) if message.is_signed_by(team, sealed_to) => Signed::Team,
                _ => Signed::Unverified,
            },
        }
    }
}

/// An item that did not open: wrong key, damaged, or not what its kind says. Deliberately
/// one vague error, as for any decryption.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the item could not be opened")]
pub struct Unreadable;

/// Decrypts an item of `kind` with the case key and parses it, checking a team message's
/// signature with `team` (the reporter's committed team key; none for a case filed before
/// it). A [`ItemKind::Note`] is refused without trying: notes are sealed to the notes key,
/// never to the case key.
pub fn open(
    kind: ItemKind,
    sealed: &Ciphertext,
    case: &Identity,
    team: Option<&TeamKey>,
) -> Result<Content, Unreadable> {
    match kind {
        ItemKind::Note => Err(Unreadable),
        ItemKind::Report => {
            let plaintext = ciphertext::decrypt(sealed, [case]).map_err(|_| Unreadable)?;
            let report =
                Report::from_plaintext(plaintext.expose_secret()).map_err(|_| Unreadable)?;
            Ok(Content::Report(Box::new(report)))
        }
        ItemKind::ReporterMessage | ItemKind::InvestigatorMessage | ItemKind::StageMessage => {
            open_message(kind, sealed, case, team)
        }
    }
}

fn open_message(
    kind: ItemKind,
    sealed: &Ciphertext,
    key: &Identity,
    team: Option<&TeamKey>,
) -> Result<Content, Unreadable> {
    let message = Message::open(sealed, key).map_err(|_: message::OpenError| Unreadable)?;
    let signed = Signed::of(kind, &message, &key.to_public(), team);
    Ok(Content::Message(message, signed))
}

/// Decrypts an item with the keys of an opened envelope, choosing the key by `kind`: a note
/// with the notes key (unreadable if `keys` has none, as in the reporter's envelope),
/// everything else with the case key. Each item is tried with its one key only, so a note
/// relabelled as a message does not open (and is not shown to whoever holds the case key).
/// Team messages are checked with the team key the notes key derives.
pub fn open_with_keys(
    kind: ItemKind,
    sealed: &Ciphertext,
    keys: &CaseKeys,
) -> Result<Content, Unreadable> {
    let team = keys.team_signer().map(|signer| signer.public());
    match kind {
        ItemKind::Note => {
            let notes = keys.notes.as_ref().ok_or(Unreadable)?;
            open_message(kind, sealed, notes, team.as_ref())
        }
        _ => open(kind, sealed, &keys.case, team.as_ref()),
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

        let Content::Report(opened) =
            open(ItemKind::Report, &sealed_report, &keys.case, None).unwrap()
        else {
            panic!("not a report");
        };
        assert!(*opened == report);
        let Content::Message(m, signed) =
            open(ItemKind::ReporterMessage, &sealed_message, &keys.case, None).unwrap()
        else {
            panic!("not a message");
        };
        assert_eq!(m.text, "Ada bukti foto.");
        assert_eq!(signed, Signed::Reporter);
        // A report labelled as a message (or the reverse) is unreadable, not misread.
        assert_eq!(
            open(ItemKind::StageMessage, &sealed_report, &keys.case, None).unwrap_err(),
            Unreadable
        );
        assert_eq!(
            open(ItemKind::Report, &sealed_message, &keys.case, None).unwrap_err(),
            Unreadable
        );
        let other = CaseKeys::generate();
        assert_eq!(
            open(ItemKind::Report, &sealed_report, &other.case, None).unwrap_err(),
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

        let Content::Message(m, signed) = open_with_keys(ItemKind::Note, &note, &keys).unwrap()
        else {
            panic!("not a message");
        };
        assert_eq!(m.text, "Saksi kunci: \" ' & < >");
        // Sealed with the public key alone: not signed for the team.
        assert_eq!(signed, Signed::Unverified);

        // The case key (which the reporter holds) opens no note, however it is labelled.
        for kind in ItemKind::ALL {
            assert_eq!(open(kind, &note, &keys.case, None).unwrap_err(), Unreadable);
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

    #[test]
    fn team_messages_show_as_the_teams_only_when_signed() {
        let keys = CaseKeys::generate();
        let case = keys.case.to_public();
        let team = keys.team_signer().unwrap().public();
        let reply = crate::Reply::seal(3, &keys, &Message::new("Mohon tunggu.").unwrap())
            .unwrap()
            .ciphertext;
        let note = crate::message::Note::seal(3, &keys, &Message::new("Cek kuitansi.").unwrap())
            .unwrap()
            .ciphertext;
        let forged = Message::new("Kirim NIP Anda.")
            .unwrap()
            .seal(&case)
            .unwrap();
        let signed = |content: Content| match content {
            Content::Message(_, signed) => signed,
            Content::Report(_) => panic!("not a message"),
        };

        // The reporter, with the committed team key.
        for kind in [ItemKind::InvestigatorMessage, ItemKind::StageMessage] {
            let opened = open(kind, &reply, &keys.case, Some(&team)).unwrap();
            assert_eq!(signed(opened), Signed::Team);
            let opened = open(kind, &forged, &keys.case, Some(&team)).unwrap();
            assert_eq!(signed(opened), Signed::Unverified);
            // A case without a committed team key: nothing is shown as the team's.
            let opened = open(kind, &reply, &keys.case, None).unwrap();
            assert_eq!(signed(opened), Signed::Unverified);
        }
        // A signed reply relabelled as the reporter's own is the reporter's, not the team's.
        let opened = open(ItemKind::ReporterMessage, &reply, &keys.case, Some(&team)).unwrap();
        assert_eq!(signed(opened), Signed::Reporter);

        // The team, with the key its notes key derives.
        let opened = open_with_keys(ItemKind::InvestigatorMessage, &reply, &keys).unwrap();
        assert_eq!(signed(opened), Signed::Team);
        let opened = open_with_keys(ItemKind::Note, &note, &keys).unwrap();
        assert_eq!(signed(opened), Signed::Team);
        let opened = open_with_keys(ItemKind::StageMessage, &forged, &keys).unwrap();
        assert_eq!(signed(opened), Signed::Unverified);
    }
}
