//! The files investigators carry between the server and their offline machine: the case
//! bundle `kentongan-keytool open` reads, and the grant, reply and note files the server
//! imports. Anyone can have edited one on its way.

use kentongan_crypto::bundle::{self, Bundle};
use kentongan_crypto::envelope::{self, Holder};
use kentongan_crypto::keys::CaseKeys;
use kentongan_crypto::{Grant, Note, Recipient, Reply, item};

use crate::fixtures::{self, CASE, INVESTIGATOR};

/// `data` as each of the four kinds of file.
pub fn offline_files(data: &[u8]) {
    bundle_file(data);
    let (Some(ours), Some(other)) = (fixtures::recipient(INVESTIGATOR), fixtures::recipient(CASE))
    else {
        return;
    };
    if let Ok(grant) = Grant::parse(data) {
        let _ = grant.check_for(grant.case, &grant.case_recipient, &grant.notes_recipient);
        let _ = grant.check_for(grant.case.wrapping_add(1), &ours, &other);
        if let Some(investigator) = fixtures::identity(INVESTIGATOR) {
            let _ = envelope::open(&grant.ciphertext, &investigator);
        }
        assert_eq!(Grant::parse(grant.to_json().as_bytes()).ok(), Some(grant));
    }
    if let Ok(reply) = Reply::parse(data) {
        assert!(reply.check_for(reply.case, &reply.case_recipient).is_ok());
        let _ = reply.check_for(reply.case.wrapping_add(1), &ours);
        assert_eq!(Reply::parse(reply.to_json().as_bytes()).ok(), Some(reply));
    }
    if let Ok(note) = Note::parse(data) {
        assert!(note.check_for(note.case, &note.notes_recipient).is_ok());
        let _ = note.check_for(note.case, &other);
        assert_eq!(Note::parse(note.to_json().as_bytes()).ok(), Some(note));
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = CaseKeys::from_identity_file(text);
    }
}

/// What `kentongan-keytool open` does with a bundle (keytool/src/open.rs: `parse_bundle`,
/// `open_keys`, `open_case`), with the harness's investigator key. The keytool is a binary,
/// so its steps are repeated here over the same library calls.
fn bundle_file(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if value.get("format").and_then(serde_json::Value::as_str) != Some(bundle::FORMAT) {
        return;
    }
    let Ok(bundle) = serde_json::from_value::<Bundle>(value) else {
        return;
    };
    for item in &bundle.items {
        for attachment in &item.attachments {
            if attachment.is_safe_path() {
                assert_eq!(
                    attachment.file,
                    format!("attachments/{}.age", attachment.id),
                    "an unsafe attachment path passed as safe"
                );
            }
        }
    }
    let Some(investigator) = fixtures::identity(INVESTIGATOR) else {
        return;
    };
    let me = investigator.to_public();
    let keys = bundle.envelopes.iter().find_map(|e| match &e.holder {
        Holder::Investigator(key) if key.parse::<Recipient>().is_ok_and(|r| r == me) => {
            envelope::open(&e.ciphertext, &investigator).ok()
        }
        _ => None,
    });
    if let Some(keys) = keys {
        let _ = keys.case.to_public() == bundle.case.case_recipient;
        for item in &bundle.items {
            let _ = item::open_with_keys(item.kind, &item.ciphertext, &keys);
        }
    }
}
