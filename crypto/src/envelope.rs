//! Key envelopes: a case's keys, age-encrypted to one holder each.
//!
//! Content is encrypted once, to the case key; who can read a case is decided only by who
//! holds an envelope. Granting an investigator access to an old case adds one envelope
//! (made by someone who can already open one); revoking removes envelopes. Content is never
//! re-encrypted.
//!
//! An envelope's plaintext is an age identity file ([`CaseKeys::to_identity_file`]), so
//! `age -d -i my-key envelope.age > keys.txt; age -d -i keys.txt item.age` works with the
//! reference tools.

use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::ciphertext::{self, Ciphertext, DecryptError, EncryptError};
use crate::keys::{CaseKeys, Identity, Recipient};

/// Who an envelope is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Holder {
    /// The reporter: gets the case key only, never the notes key.
    Reporter,
    /// An investigator, by their registered public key: gets both keys.
    Investigator(String),
}

/// One holder's copy of the case keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// Who can open it.
    pub holder: Holder,
    /// The keys, encrypted to the holder.
    pub ciphertext: Ciphertext,
}

/// The largest padded envelope plaintext: two identity lines and two comment lines fit in
/// the smallest padding bucket.
pub const MAX_ENVELOPE_FRAME: usize = crate::padding::MIN_FRAME;

/// Seals `keys` to each investigator (case and notes key) and to the reporter (case key).
pub fn seal(
    keys: &CaseKeys,
    investigators: &[Recipient],
    reporter: &Recipient,
) -> Result<Vec<Envelope>, EncryptError> {
    let mut envelopes = Vec::with_capacity(investigators.len() + 1);
    let team_file = keys.to_identity_file(true);
    for investigator in investigators {
        envelopes.push(Envelope {
            holder: Holder::Investigator(investigator.to_string()),
            ciphertext: ciphertext::encrypt(investigator, team_file.expose_secret().as_bytes())?,
        });
    }
    envelopes.push(Envelope {
        holder: Holder::Reporter,
        ciphertext: ciphertext::encrypt(
            reporter,
            keys.to_identity_file(false).expose_secret().as_bytes(),
        )?,
    });
    Ok(envelopes)
}

/// Seals the keys of an opened case to one more investigator (granting access).
pub fn grant(keys: &CaseKeys, investigator: &Recipient) -> Result<Envelope, EncryptError> {
    Ok(Envelope {
        holder: Holder::Investigator(investigator.to_string()),
        ciphertext: ciphertext::encrypt(
            investigator,
            keys.to_identity_file(true).expose_secret().as_bytes(),
        )?,
    })
}

/// An envelope that did not open.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum OpenError {
    /// Wrong key, or the envelope is damaged (deliberately not told apart).
    #[error(transparent)]
    Decrypt(#[from] DecryptError),
    /// It decrypted, but is not a case key file.
    #[error("the envelope does not hold case keys")]
    NotKeys,
}

/// Opens an envelope with the holder's identity.
pub fn open(envelope: &Ciphertext, identity: &Identity) -> Result<CaseKeys, OpenError> {
    let plaintext = ciphertext::decrypt(envelope, [identity])?;
    let text = std::str::from_utf8(plaintext.expose_secret()).map_err(|_| OpenError::NotKeys)?;
    CaseKeys::from_identity_file(text).map_err(|_| OpenError::NotKeys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn investigators_get_both_keys_and_reporter_only_the_case_key() {
        let keys = CaseKeys::generate();
        let alice = Identity::generate();
        let bob = Identity::generate();
        let reporter = Identity::generate();
        let envelopes = seal(
            &keys,
            &[alice.to_public(), bob.to_public()],
            &reporter.to_public(),
        )
        .unwrap();
        assert_eq!(envelopes.len(), 3);
        for env in &envelopes {
            assert_eq!(
                env.ciphertext.inspect(MAX_ENVELOPE_FRAME),
                Ok(MAX_ENVELOPE_FRAME)
            );
        }

        let a = open(&envelopes[0].ciphertext, &alice).unwrap();
        assert_eq!(a.case.to_public(), keys.case.to_public());
        assert!(a.notes.is_some());
        assert_eq!(
            open(&envelopes[0].ciphertext, &bob).unwrap_err(),
            OpenError::Decrypt(DecryptError)
        );

        let r = open(&envelopes[2].ciphertext, &reporter).unwrap();
        assert_eq!(r.case.to_public(), keys.case.to_public());
        assert!(r.notes.is_none());
        assert_eq!(envelopes[2].holder, Holder::Reporter);
    }

    #[test]
    fn grant_adds_a_working_envelope() {
        let keys = CaseKeys::generate();
        let carol = Identity::generate();
        let env = grant(&keys, &carol.to_public()).unwrap();
        assert_eq!(
            env.holder,
            Holder::Investigator(carol.to_public().to_string())
        );
        let opened = open(&env.ciphertext, &carol).unwrap();
        assert_eq!(
            opened.notes.unwrap().to_public(),
            keys.notes.unwrap().to_public()
        );
    }

    #[test]
    fn a_non_key_payload_is_refused() {
        let id = Identity::generate();
        let ct = ciphertext::encrypt(&id.to_public(), b"\" ' & < >").unwrap();
        assert_eq!(open(&ct, &id).unwrap_err(), OpenError::NotKeys);
    }
}
