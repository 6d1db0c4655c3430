//! Opening an exported case bundle in memory: parse, find this key's envelope, decrypt every
//! item. Nothing here touches the disk, so a failure anywhere leaves nothing behind.
//!
//! Error messages say what failed and never what was decrypted.

use anyhow::{Result, anyhow, bail};
use kentongan_crypto::bundle::{self, Bundle, ItemKind, Manifest};
use kentongan_crypto::keys::{CaseKeys, Identity, Recipient};
use kentongan_crypto::{Holder, Report, ciphertext, envelope};

/// The one message for a file that is not a well-formed bundle: truncated, edited, or
/// something else entirely.
pub const DAMAGED: &str = "the bundle is damaged or not a Kentongan case bundle";

/// A case with every item decrypted.
#[derive(Debug)]
pub struct OpenedCase {
    /// The public metadata, as the server exported it.
    pub manifest: Manifest,
    /// The report items, in bundle order.
    pub reports: Vec<OpenedReport>,
    /// Whether the keys in the envelope are the ones the manifest names. A mismatch means
    /// whoever made the envelope (the reporter's browser) used other keys than it told the
    /// server: the content still opens, but what the server encrypts to the case later may not.
    pub keys_match_manifest: bool,
}

/// One decrypted report item.
#[derive(Debug)]
pub struct OpenedReport {
    /// The item's number on the server.
    pub item_id: i64,
    /// The day it was written.
    pub created_on: String,
    /// What the reporter wrote.
    pub report: Report,
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

/// Opens the case keys with `identity` and decrypts every item.
pub fn open_case(bundle: &Bundle, identity: &Identity) -> Result<OpenedCase> {
    let case_id = bundle.case.id;
    let keys = open_keys(bundle, identity)?;
    let keys_match_manifest = keys.case.to_public() == bundle.case.case_recipient
        && keys
            .notes
            .as_ref()
            .is_none_or(|notes| notes.to_public() == bundle.case.notes_recipient);
    let identities: Vec<&Identity> = std::iter::once(&keys.case).chain(&keys.notes).collect();

    let mut reports = Vec::new();
    for item in &bundle.items {
        let plaintext =
            ciphertext::decrypt(&item.ciphertext, identities.iter().copied()).map_err(|_| {
                anyhow!(
                    "the bundle is damaged: item {} of case {case_id} does not decrypt",
                    item.id
                )
            })?;
        match item.kind {
            ItemKind::Report => {
                let report = Report::from_plaintext(plaintext.expose_secret()).map_err(|_| {
                    anyhow!(
                        "item {} of case {case_id} decrypts, but is not a readable report",
                        item.id
                    )
                })?;
                reports.push(OpenedReport {
                    item_id: item.id,
                    created_on: item.created_on.clone(),
                    report,
                });
            }
        }
    }
    if reports.is_empty() {
        bail!("the bundle is damaged: case {case_id} holds no report");
    }
    Ok(OpenedCase {
        manifest: bundle.case.clone(),
        reports,
        keys_match_manifest,
    })
}

/// The case keys from this identity's envelope. Envelopes labelled with this identity's
/// public key are tried first; then every other investigator envelope, in case the label is
/// spelled differently or the bundle was assembled by hand.
fn open_keys(bundle: &Bundle, identity: &Identity) -> Result<CaseKeys> {
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
    use kentongan_crypto::bundle::Item;
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
            },
            envelopes: sealed.envelopes,
            items: vec![Item {
                id: 1,
                kind: ItemKind::Report,
                created_on: "2026-11-28".into(),
                ciphertext: sealed.report,
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
            assert_eq!(case.reports.len(), 1);
            assert!(case.reports[0].report == hostile_report());
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
