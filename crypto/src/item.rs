//! Opening one item of a case with the case key: what the reporter's follow-up page does in
//! the browser (WebAssembly) and, on the no-JavaScript path, in the server's memory.

use crate::bundle::ItemKind;
use crate::ciphertext::{self, Ciphertext};
use crate::keys::Identity;
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

/// Decrypts an item of `kind` with the case key and parses it.
pub fn open(kind: ItemKind, sealed: &Ciphertext, case: &Identity) -> Result<Content, Unreadable> {
    match kind {
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
}
