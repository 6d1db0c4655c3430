//! Sealing a new report: everything that happens between "Kirim laporan" and the receipt.
//!
//! [`seal_report`] runs in the reporter's browser (WebAssembly) or, on the no-JS path, in the
//! server's memory. What leaves it is a [`SealedCase`], which holds only ciphertext and public
//! values, and the reporter's [`Passphrase`], which is shown once and never stored.
//! [`SealedCase::check`] is what the server verifies before storing one from a browser.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::ciphertext::{self, Ciphertext, ShapeError};
use crate::commitment::Commitment;
use crate::envelope::{self, Envelope, Holder, MAX_ENVELOPE_FRAME};
use crate::keys::{CaseKeys, Recipient};
use crate::report::{FieldError, MAX_REPORT_FRAME, Report};
use crate::reporter::{
    KdfMemory, KdfParams, Passphrase, ReceiptCode, ReporterCredential, ReporterKey,
};

/// A report ready to store: ciphertext and public values only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedCase {
    /// The receipt code, without separators. An identifier, not a secret.
    #[serde(with = "receipt_digits")]
    pub receipt: ReceiptCode,
    /// The public half of the reporter's key.
    pub credential: ReporterCredential,
    /// Messages and attachments for this case are encrypted to it.
    pub case_recipient: Recipient,
    /// Investigators' internal notes are encrypted to it.
    pub notes_recipient: Recipient,
    /// The report, padded and encrypted to the case key.
    pub report: Ciphertext,
    /// The case keys, sealed to every investigator and to the reporter.
    pub envelopes: Vec<Envelope>,
    /// What the reporter's client sealed to, tagged with the reporter's commitment key: the
    /// returning reporter checks it before showing or sealing anything (commitment.rs).
    pub commitment: Commitment,
}

/// A sealed case and the passphrase that goes with it.
#[derive(Debug)]
pub struct Submission {
    /// What gets stored.
    pub sealed: SealedCase,
    /// Shown to the reporter once; never stored.
    pub passphrase: Passphrase,
}

/// Why a report could not be sealed.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum SealError {
    /// The report has missing or overlong fields.
    #[error("the report is incomplete")]
    Invalid(Vec<FieldError>),
    /// No investigator is registered: nobody could ever read it.
    #[error("no investigator can receive reports")]
    NoInvestigators,
    /// Key derivation or encryption failed (out of memory, in practice).
    #[error("encryption failed")]
    Crypto,
}

/// Validates `report`, makes a receipt code, passphrase and case keys, derives the reporter's
/// key, encrypts the report and seals the keys to `team` and to the reporter.
pub fn seal_report(
    report: &Report,
    team: &[Recipient],
    kdf: KdfParams,
) -> Result<Submission, SealError> {
    seal_report_in(report, team, kdf, &mut KdfMemory::default())
}

/// [`seal_report`] with reusable Argon2id working memory (the server's no-JS path).
pub fn seal_report_in(
    report: &Report,
    team: &[Recipient],
    kdf: KdfParams,
    memory: &mut KdfMemory,
) -> Result<Submission, SealError> {
    report.validate().map_err(SealError::Invalid)?;
    if team.is_empty() {
        return Err(SealError::NoInvestigators);
    }
    let receipt = ReceiptCode::generate();
    let passphrase = Passphrase::generate();
    let reporter = ReporterKey::derive_in(&receipt, &passphrase, kdf, memory)
        .map_err(|_| SealError::Crypto)?;
    let keys = CaseKeys::generate();
    let notes = keys.notes.as_ref().ok_or(SealError::Crypto)?;
    let case_recipient = keys.case.to_public();
    let sealed = SealedCase {
        receipt,
        credential: reporter.credential(),
        notes_recipient: notes.to_public(),
        report: ciphertext::encrypt(&case_recipient, &report.to_plaintext())
            .map_err(|_| SealError::Crypto)?,
        envelopes: envelope::seal(&keys, team, &reporter.identity().to_public())
            .map_err(|_| SealError::Crypto)?,
        commitment: Commitment::new(
            reporter.commitment_key(),
            &case_recipient,
            team,
            crate::signature::TeamSigner::of_notes_key(notes).public(),
        ),
        case_recipient,
    };
    Ok(Submission { sealed, passphrase })
}

/// What [`SealedCase::check`] found wrong with a case sent by a browser.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckError {
    /// Key derivation parameters weaker or heavier than allowed.
    #[error("unacceptable key derivation parameters")]
    Kdf,
    /// The report ciphertext is malformed, unpadded, too large or has extra recipients.
    #[error("report ciphertext: {0}")]
    Report(ShapeError),
    /// An envelope ciphertext is malformed.
    #[error("envelope ciphertext: {0}")]
    Envelope(ShapeError),
    /// The envelopes are not exactly one per current investigator plus one for the reporter.
    /// The browser may have used an outdated team list; it can fetch it again and retry.
    #[error("envelopes do not match the current team")]
    Team,
    /// The commitment names another case key or another team than the case it came with.
    #[error("the commitment does not match the case")]
    Commitment,
}

impl SealedCase {
    /// Checks what can be checked without keys: parameters, ciphertext shapes and sizes, and
    /// that the envelopes go to exactly the current `team` and the reporter.
    pub fn check(&self, team: &[Recipient]) -> Result<(), CheckError> {
        if !self.credential.kdf.is_acceptable() {
            return Err(CheckError::Kdf);
        }
        self.report
            .inspect(MAX_REPORT_FRAME)
            .map_err(CheckError::Report)?;
        let mut investigators = BTreeSet::new();
        let mut reporters = 0;
        for envelope in &self.envelopes {
            envelope
                .ciphertext
                .inspect(MAX_ENVELOPE_FRAME)
                .map_err(CheckError::Envelope)?;
            match &envelope.holder {
                Holder::Reporter => reporters += 1,
                Holder::Investigator(key) => {
                    if !investigators.insert(key.as_str()) {
                        return Err(CheckError::Team);
                    }
                }
            }
        }
        let expected: BTreeSet<String> = team.iter().map(ToString::to_string).collect();
        let expected: BTreeSet<&str> = expected.iter().map(String::as_str).collect();
        if reporters != 1 || investigators != expected {
            return Err(CheckError::Team);
        }
        // The tag needs the reporter's key; what can be checked is that it is about this case.
        let committed: BTreeSet<String> = self
            .commitment
            .team
            .iter()
            .map(ToString::to_string)
            .collect();
        let committed: BTreeSet<&str> = committed.iter().map(String::as_str).collect();
        if self.commitment.case_recipient != self.case_recipient || committed != expected {
            return Err(CheckError::Commitment);
        }
        Ok(())
    }
}

mod receipt_digits {
    use super::ReceiptCode;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(receipt: &ReceiptCode, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(receipt.digits())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ReceiptCode, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        ReceiptCode::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Identity;
    use crate::report::{Category, EncryptedIn};
    use crate::reporter::ReporterKey;

    fn report() -> Report {
        Report {
            category: Category::Kkn,
            what: "Kepala seksi menerima uang \" ' & < >".into(),
            who: String::new(),
            place: String::new(),
            when: String::new(),
            how: String::new(),
            why: String::new(),
            identification: None,
            language: "id".into(),
            encrypted_in: EncryptedIn::Browser,
        }
    }

    #[test]
    fn sealed_case_opens_for_investigators_and_the_reporter() {
        let alice = Identity::generate();
        let bob = Identity::generate();
        let team = [alice.to_public(), bob.to_public()];
        let sub = seal_report(&report(), &team, KdfParams::CURRENT).unwrap();
        sub.sealed.check(&team).unwrap();

        // Through JSON, as a browser sends it.
        let json = serde_json::to_string(&sub.sealed).unwrap();
        assert!(!json.contains("Kepala seksi"));
        let sealed: SealedCase = serde_json::from_str(&json).unwrap();
        assert_eq!(sealed, sub.sealed);

        for (i, who) in [&alice, &bob].into_iter().enumerate() {
            let keys = envelope::open(&sealed.envelopes[i].ciphertext, who).unwrap();
            let text = ciphertext::decrypt(&sealed.report, [&keys.case]).unwrap();
            assert!(Report::from_plaintext(text.expose_secret()).unwrap() == report());
        }

        let reporter =
            ReporterKey::derive(&sealed.receipt, &sub.passphrase, sealed.credential.kdf).unwrap();
        assert_eq!(reporter.credential(), sealed.credential);
        let keys = envelope::open(&sealed.envelopes[2].ciphertext, reporter.identity()).unwrap();
        assert!(keys.notes.is_none());
        assert!(ciphertext::decrypt(&sealed.report, [&keys.case]).is_ok());
        // The returning reporter's check: the case key in the envelope is the committed one.
        sealed
            .commitment
            .verify(reporter.commitment_key(), &keys.case.to_public())
            .unwrap();
    }

    #[test]
    fn check_refuses_a_commitment_to_another_case_or_team() {
        let alice = Identity::generate().to_public();
        let sub = seal_report(&report(), std::slice::from_ref(&alice), KdfParams::CURRENT).unwrap();
        let mut other_case = sub.sealed.clone();
        other_case.commitment.case_recipient = Identity::generate().to_public();
        assert_eq!(
            other_case.check(std::slice::from_ref(&alice)),
            Err(CheckError::Commitment)
        );
        let mut other_team = sub.sealed.clone();
        other_team
            .commitment
            .team
            .push(Identity::generate().to_public());
        assert_eq!(
            other_team.check(std::slice::from_ref(&alice)),
            Err(CheckError::Commitment)
        );
    }

    #[test]
    fn check_refuses_a_case_for_another_team() {
        let alice = Identity::generate().to_public();
        let mallory = Identity::generate().to_public();
        let sub = seal_report(&report(), std::slice::from_ref(&alice), KdfParams::CURRENT).unwrap();
        assert_eq!(
            sub.sealed.check(std::slice::from_ref(&mallory)),
            Err(CheckError::Team)
        );
        assert_eq!(
            sub.sealed.check(&[alice.clone(), mallory]),
            Err(CheckError::Team)
        );

        let mut dup = sub.sealed.clone();
        dup.envelopes.push(dup.envelopes[0].clone());
        assert_eq!(
            dup.check(std::slice::from_ref(&alice)),
            Err(CheckError::Team)
        );

        let mut weak = sub.sealed.clone();
        weak.credential.kdf = KdfParams {
            m_kib: 8,
            t: 1,
            p: 1,
        };
        assert_eq!(
            weak.check(std::slice::from_ref(&alice)),
            Err(CheckError::Kdf)
        );

        let mut forged = sub.sealed.clone();
        forged.report =
            Ciphertext::from_bytes(b"age-encryption.org/v1\n-> X25519 AAAA\n--- x\n".to_vec());
        assert!(matches!(forged.check(&[alice]), Err(CheckError::Report(_))));
    }

    #[test]
    fn refuses_without_team_or_with_invalid_report() {
        assert_eq!(
            seal_report(&report(), &[], KdfParams::CURRENT).unwrap_err(),
            SealError::NoInvestigators
        );
        let mut empty = report();
        empty.what.clear();
        assert!(matches!(
            seal_report(
                &empty,
                &[Identity::generate().to_public()],
                KdfParams::CURRENT
            ),
            Err(SealError::Invalid(_))
        ));
    }

    #[test]
    fn unknown_fields_are_refused() {
        let sub = seal_report(
            &report(),
            &[Identity::generate().to_public()],
            KdfParams::CURRENT,
        )
        .unwrap();
        let mut value = serde_json::to_value(&sub.sealed).unwrap();
        value["plaintext"] = "oops".into();
        assert!(serde_json::from_value::<SealedCase>(value).is_err());
    }
}
