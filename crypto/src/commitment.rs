//! The reporter's commitment: what their client sealed to, bound with a key only they hold.
//!
//! A database writer can replace a reporter's envelope with one holding a case key of their
//! own (sealed to the reporter's stored public key) and point `case_recipient` at it. The
//! reporter's next message would then be sealed to the intruder. The envelope alone cannot
//! show this: anyone can seal to a public key.
//!
//! So at filing, the reporter's client (the browser, or server memory on the no-JS path)
//! computes
//!
//! ```text
//! commitment_key = HKDF-SHA256(ikm = seed, info = COMMITMENT_KEY)              (reporter.rs)
//! tag            = HMAC-SHA256(commitment_key,
//!                    COMMITMENT ‖ len ‖ case age1… ‖ n ‖ (len ‖ team age1…)*)
//! ```
//!
//! over the case key's public half and the sorted, deduplicated team keys it sealed to
//! (lengths as 4-byte big-endian), and the server stores `{case_recipient, team, tag}` beside
//! the credential. Since team messages are signed ([`crate::signature`]), the commitment also
//! holds the case's team signing key, the one key the reporter checks the team's signatures
//! with: `team_key`, covered by a tag under the label `COMMITMENT_V2` (the same input, then
//! the key's 32 bytes). A commitment made before that has no `team_key` and its tag uses the
//! first label, so removing the key from a newer one breaks its tag.
//!
//! On every return the client derives the commitment key again from receipt
//! and passphrase, opens its envelope, and [`Commitment::verify`]s that the case key inside is
//! the committed one before showing or sealing anything. The server never sees the key (it
//! is derived from the Argon2id seed, not from the auth token the server receives), so it
//! cannot make a tag for a key of its choosing.
//!
//! **Which cases must have one.** A case filed before commitments existed has none. So that a
//! database writer cannot delete a commitment and call the case old, the credential says
//! which kind it is: a committed credential's stored hash uses a different label
//! ([`crate::reporter::CredentialVersion`]). The server learns the version by checking the
//! token, which a database writer cannot forge; [`check`] then refuses a committed case
//! without a commitment. Only cases filed before this version can be "downgraded", and they
//! had no protection to lose.
//!
//! What a commitment does not stop: a database writer can still delete a case, withhold new
//! items, or replay old ones; it cannot redirect what the reporter writes next.

use base64::Engine;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use thiserror::Error;

use crate::keys::Recipient;
use crate::labels;
use crate::reporter::CredentialVersion;
use crate::signature::TeamKey;

/// What a reporter's client sealed a case to, and a tag only the reporter can make.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Commitment {
    /// The public half of the case key.
    pub case_recipient: Recipient,
    /// The investigators' keys the case keys were sealed to, sorted and deduplicated.
    pub team: Vec<Recipient>,
    /// The public half of the case's team signing key; none in a commitment made before
    /// team messages were signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_key: Option<TeamKey>,
    /// HMAC-SHA256 over the above with the reporter's commitment key, base64.
    #[serde(with = "tag_base64")]
    pub tag: [u8; 32],
}

/// The case on the server is not the one the reporter's client sealed: its case key (or the
/// commitment itself) was changed by someone who does not hold the reporter's secret.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("this case was changed on the server")]
pub struct Changed;

/// How a case passed [`check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    /// The commitment verified: the case key is the one the reporter's client sealed to, and
    /// `team` is the key that signs for the team (none if the case was filed before that).
    Verified {
        /// The committed team signing key.
        team: Option<TeamKey>,
    },
    /// A case filed before commitments: nothing to verify, and no team key to check with.
    Legacy,
}

impl Checked {
    /// The team signing key the reporter checks the team's messages with, if any.
    pub fn team_key(&self) -> Option<&TeamKey> {
        match self {
            Checked::Verified { team } => team.as_ref(),
            Checked::Legacy => None,
        }
    }
}

impl Commitment {
    /// Commits to `case`, `team` (any order, duplicates ignored) and the team signing key
    /// `team_key` with `key`.
    pub fn new(key: &[u8; 32], case: &Recipient, team: &[Recipient], team_key: TeamKey) -> Self {
        let mut team = team.to_vec();
        team.sort_by_key(ToString::to_string);
        team.dedup();
        let mut commitment = Commitment {
            case_recipient: case.clone(),
            team,
            team_key: Some(team_key),
            tag: [0; 32],
        };
        commitment.tag = commitment.mac(key).finalize().into_bytes().into();
        commitment
    }

    /// Checks the tag with `key`, and that the case key actually found in the reporter's
    /// envelope is the committed one. Constant-time on the tag.
    pub fn verify(&self, key: &[u8; 32], opened: &Recipient) -> Result<(), Changed> {
        let genuine = self.mac(key).verify_slice(&self.tag).is_ok();
        if genuine && &self.case_recipient == opened {
            Ok(())
        } else {
            Err(Changed)
        }
    }

    /// The tag's MAC over everything committed, before finalising.
    fn mac(&self, key: &[u8; 32]) -> Hmac<Sha256> {
        // HMAC pads a key shorter than SHA-256's 64-byte block with zeros (RFC 2104): the
        // same MAC as `new_from_slice(key)`, without a fallible call.
        let mut block = [0u8; 64];
        block.iter_mut().zip(key).for_each(|(b, k)| *b = *k);
        let mut mac = <Hmac<Sha256> as KeyInit>::new(&block.into());
        mac.update(match self.team_key {
            Some(_) => labels::COMMITMENT_V2,
            None => labels::COMMITMENT,
        });
        let len = |n: usize| u32::try_from(n).unwrap_or(u32::MAX).to_be_bytes();
        let case = self.case_recipient.to_string();
        mac.update(&len(case.len()));
        mac.update(case.as_bytes());
        mac.update(&len(self.team.len()));
        for member in &self.team {
            let member = member.to_string();
            mac.update(&len(member.len()));
            mac.update(member.as_bytes());
        }
        if let Some(team_key) = &self.team_key {
            mac.update(team_key.as_bytes());
        }
        mac
    }
}

/// What a returning reporter's client runs before showing or sealing anything: a committed
/// credential needs a commitment that verifies against the case key `opened` from the
/// envelope; a legacy one has nothing to check.
pub fn check(
    version: CredentialVersion,
    commitment: Option<&Commitment>,
    key: &[u8; 32],
    opened: &Recipient,
) -> Result<Checked, Changed> {
    match (version, commitment) {
        (CredentialVersion::Committed, Some(c)) => c
            .verify(key, opened)
            .map(|()| Checked::Verified { team: c.team_key }),
        (CredentialVersion::Committed, None) => Err(Changed),
        (CredentialVersion::Legacy, _) => Ok(Checked::Legacy),
    }
}

mod tag_base64 {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(tag: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(tag))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .ok()
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .ok_or_else(|| serde::de::Error::custom("a commitment tag is 32 bytes, base64"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Identity;

    fn keys(n: usize) -> Vec<Recipient> {
        (0..n).map(|_| Identity::generate().to_public()).collect()
    }

    fn team_key() -> TeamKey {
        crate::keys::CaseKeys::generate()
            .team_signer()
            .unwrap()
            .public()
    }

    /// A commitment as the first version made them: no team key, the first label.
    fn first_version(key: &[u8; 32], case: &Recipient, team: &[Recipient]) -> Commitment {
        let mut c = Commitment::new(key, case, team, team_key());
        c.team_key = None;
        c.tag = c.mac(key).finalize().into_bytes().into();
        c
    }

    #[test]
    fn verifies_for_the_committed_case_key_only() {
        let key = [7u8; 32];
        let case = keys(1).remove(0);
        let team = keys(3);
        let c = Commitment::new(&key, &case, &team, team_key());
        assert_eq!(c.verify(&key, &case), Ok(()));
        let other = keys(1).remove(0);
        assert_eq!(c.verify(&key, &other), Err(Changed), "a swapped case key");
        assert_eq!(
            c.verify(&[8u8; 32], &case),
            Err(Changed),
            "another reporter's key"
        );
    }

    #[test]
    fn an_intruder_cannot_rewrite_the_commitment() {
        let key = [7u8; 32];
        let case = keys(1).remove(0);
        let team = keys(2);
        let honest = Commitment::new(&key, &case, &team, team_key());
        // The intruder's own case key, with the honest tag, or with a tag of their own key.
        let theirs = keys(1).remove(0);
        let mut swapped = honest.clone();
        swapped.case_recipient = theirs.clone();
        assert_eq!(swapped.verify(&key, &theirs), Err(Changed));
        let forged = Commitment::new(&[9u8; 32], &theirs, &team, team_key());
        assert_eq!(forged.verify(&key, &theirs), Err(Changed));
        // Changing the team breaks the tag too.
        let mut team_changed = honest.clone();
        team_changed.team.pop();
        assert_eq!(team_changed.verify(&key, &case), Err(Changed));
    }

    #[test]
    fn team_order_and_duplicates_do_not_matter() {
        let key = [1u8; 32];
        let case = keys(1).remove(0);
        let team = keys(3);
        let mut shuffled = vec![
            team[2].clone(),
            team[0].clone(),
            team[1].clone(),
            team[0].clone(),
        ];
        let signer = team_key();
        let a = Commitment::new(&key, &case, &team, signer);
        let b = Commitment::new(&key, &case, &shuffled, signer);
        assert_eq!(a, b);
        shuffled.truncate(2);
        assert_ne!(a.tag, Commitment::new(&key, &case, &shuffled, signer).tag);
    }

    #[test]
    fn a_committed_credential_needs_its_commitment() {
        let key = [3u8; 32];
        let case = keys(1).remove(0);
        let signer = team_key();
        let c = Commitment::new(&key, &case, &keys(1), signer);
        let committed = CredentialVersion::Committed;
        assert_eq!(
            check(committed, Some(&c), &key, &case),
            Ok(Checked::Verified { team: Some(signer) })
        );
        assert_eq!(
            check(committed, Some(&c), &key, &case).unwrap().team_key(),
            Some(&signer)
        );
        assert_eq!(check(committed, None, &key, &case), Err(Changed), "deleted");
        assert_eq!(
            check(CredentialVersion::Legacy, None, &key, &case),
            Ok(Checked::Legacy)
        );
    }

    #[test]
    fn serialises_as_plain_json() {
        let c = Commitment::new(&[5u8; 32], &keys(1)[0], &keys(2), team_key());
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<Commitment>(&json).unwrap(), c);
        let bad = json.replace(
            &base64::engine::general_purpose::STANDARD.encode(c.tag),
            "AAAA",
        );
        assert!(serde_json::from_str::<Commitment>(&bad).is_err());
    }

    #[test]
    fn the_team_key_is_committed_and_cannot_be_swapped_or_dropped() {
        let key = [4u8; 32];
        let case = keys(1).remove(0);
        let team = keys(2);
        let honest = Commitment::new(&key, &case, &team, team_key());
        let mut swapped = honest.clone();
        swapped.team_key = Some(team_key());
        assert_eq!(
            swapped.verify(&key, &case),
            Err(Changed),
            "another team key"
        );
        let mut dropped = honest.clone();
        dropped.team_key = None;
        assert_eq!(
            dropped.verify(&key, &case),
            Err(Changed),
            "made to look older"
        );
        let json = serde_json::to_string(&honest).unwrap();
        assert!(json.contains("\"team_key\""), "{json}");
    }

    #[test]
    fn commitments_of_the_first_version_still_verify_without_a_team_key() {
        let key = [6u8; 32];
        let case = keys(1).remove(0);
        let old = first_version(&key, &case, &keys(2));
        let json = serde_json::to_string(&old).unwrap();
        assert!(!json.contains("team_key"), "{json}");
        let parsed: Commitment = serde_json::from_str(&json).unwrap();
        assert_eq!(
            check(CredentialVersion::Committed, Some(&parsed), &key, &case),
            Ok(Checked::Verified { team: None })
        );
        // A team key added to an old commitment: the tag no longer fits.
        let mut upgraded = parsed.clone();
        upgraded.team_key = Some(team_key());
        assert_eq!(upgraded.verify(&key, &case), Err(Changed));
    }
}
