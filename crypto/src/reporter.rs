//! The reporter's way back in: a receipt code, a passphrase, and the keys derived from them.
//!
//! ```text
//! seed      = Argon2id(passphrase, salt = REPORTER_SALT ‖ receipt digits, m, t, p) → 32 bytes
//! token     = HKDF-SHA256(ikm = seed, info = AUTH_TOKEN)          → 32 bytes, sent to log in
//! secret    = HKDF-SHA256(ikm = seed, info = REPORTER_IDENTITY)   → X25519 secret key
//! commit    = HKDF-SHA256(ikm = seed, info = COMMITMENT_KEY)      → HMAC key (commitment.rs)
//! stored    = SHA-256(AUTH_TOKEN_HASH_COMMITTED ‖ token), age1… of secret, and (m, t, p)
//! ```
//!
//! Credentials made before commitments existed store `SHA-256(AUTH_TOKEN_HASH ‖ token)`:
//! the label is how the server tells a [`CredentialVersion::Legacy`] case, which has no
//! commitment to check, from a [`CredentialVersion::Committed`] one, without trusting a
//! column a database writer could clear.
//!
//! The receipt code is an identifier, not a secret: it is in the salt so that one Argon2id
//! run attacks one reporter only. The passphrase carries the secret: seven words from a list
//! of 2048 is 77 bits, beyond any offline search even if the database leaks, and Argon2id at
//! 64 MiB makes each online or offline guess cost memory as well as time.

use std::fmt;
use std::str::FromStr;

use rand::Rng;
use rand::rngs::OsRng;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use thiserror::Error;
use zeroize::Zeroizing;

use crate::keys::{Identity, Recipient};
use crate::labels;

/// Number of digits in a receipt code. 16 digits are easy to type on a phone keypad and make
/// guessing a valid receipt (about 10⁻⁹ with a million cases) pointless on its own.
pub const RECEIPT_DIGITS: usize = 16;

/// A receipt code: 16 decimal digits, shown in groups of four.
#[derive(Clone, PartialEq, Eq)]
pub struct ReceiptCode(String);

/// Input that is not 16 digits once spaces and dashes are removed.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("a receipt code is 16 digits")]
pub struct ReceiptError;

impl ReceiptCode {
    /// A fresh code, each digit uniform from the operating system's generator.
    pub fn generate() -> Self {
        let mut rng = OsRng;
        ReceiptCode(
            (0..RECEIPT_DIGITS)
                .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
                .collect(),
        )
    }

    /// Parses what a person typed: spaces, dashes and dots between digits are ignored.
    pub fn parse(input: &str) -> Result<Self, ReceiptError> {
        let digits: String = input
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '\t' | '\u{a0}'))
            .collect();
        if digits.len() == RECEIPT_DIGITS && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(ReceiptCode(digits))
        } else {
            Err(ReceiptError)
        }
    }

    /// The 16 digits without separators.
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// The key under which the server files the credential: SHA-256 over a label and the
    /// digits, so a copy of the database does not list receipt codes.
    pub fn lookup_key(&self) -> [u8; 32] {
        let mut hash = Sha256::new();
        hash.update(labels::RECEIPT_LOOKUP);
        hash.update(self.0.as_bytes());
        hash.finalize().into()
    }
}

impl fmt::Display for ReceiptCode {
    /// Groups of four separated by spaces: `1234 5678 9012 3456`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let groups: Vec<&str> = self
            .0
            .as_bytes()
            .chunks(4)
            .filter_map(|c| std::str::from_utf8(c).ok())
            .collect();
        f.write_str(&groups.join(" "))
    }
}

impl fmt::Debug for ReceiptCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReceiptCode([REDACTED])")
    }
}

/// The passphrase word list: 2048 common Indonesian words of 4–8 letters, no word a prefix of
/// another and every pair at least two edits apart (checked by the tests below), so a word
/// typed with one mistake is never another valid word. `scripts/make-wordlist.py` made it.
const WORDLIST: &str = include_str!("wordlist-id.txt");

/// Words in a generated passphrase. 7 × log2(2048) = 77 bits.
pub const PASSPHRASE_WORDS: usize = 7;

fn words() -> impl Iterator<Item = &'static str> {
    WORDLIST.lines()
}

/// The word at `index` (0..2048) of the list; fingerprints are written in these words.
pub(crate) fn word(index: usize) -> &'static str {
    words().nth(index).unwrap_or_default()
}

/// A reporter's passphrase, normalised: lower-case words separated by single spaces.
pub struct Passphrase(SecretString);

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase([REDACTED])")
    }
}

impl Passphrase {
    /// Seven words, each uniform over the word list.
    pub fn generate() -> Self {
        let list: Vec<&str> = words().collect();
        let mut rng = OsRng;
        let chosen: Vec<&str> = (0..PASSPHRASE_WORDS)
            .filter_map(|_| list.get(rng.gen_range(0..list.len())).copied())
            .collect();
        Passphrase(SecretString::from(chosen.join(" ")))
    }

    /// What a person typed, normalised so that case, extra spaces, dashes and other
    /// punctuation between words do not matter. Never fails: a wrong passphrase simply
    /// derives a key that does not log in.
    pub fn parse(input: &str) -> Self {
        let words: Vec<String> = input
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        let normalised = Zeroizing::new(words.join(" "));
        let mut words = words;
        zeroize::Zeroize::zeroize(&mut words);
        Passphrase(SecretString::from(normalised.as_str()))
    }

    /// The normalised words.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }

    /// Entropy of a generated passphrase, in bits.
    pub fn generated_entropy_bits() -> f64 {
        PASSPHRASE_WORDS as f64 * (words().count() as f64).log2()
    }
}

/// Argon2id parameters, stored with every credential so they can be raised later without
/// locking anyone out: a credential is always checked with the parameters it was made with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes.
    pub t: u32,
    /// Lanes. 1, because a browser runs one thread and more lanes would only help an attacker
    /// with more cores than the reporter's phone.
    pub p: u32,
}

impl KdfParams {
    /// The parameters new credentials get: 64 MiB, 3 passes, 1 lane (RFC 9106's second
    /// recommended option). About 0.12 s natively and 0.2 s in Chromium here; see
    /// BENCHMARKS.md.
    pub const CURRENT: KdfParams = KdfParams {
        m_kib: 64 * 1024,
        t: 3,
        p: 1,
    };
    /// Nothing weaker than this is accepted from a browser.
    pub const FLOOR: KdfParams = Self::CURRENT;
    /// Nothing heavier than this is accepted either: the server runs the derivation on the
    /// no-JS path, and a credential with huge parameters would be a memory bomb.
    pub const CEILING: KdfParams = KdfParams {
        m_kib: 256 * 1024,
        t: 10,
        p: 4,
    };

    /// Within [`Self::FLOOR`]..=[`Self::CEILING`]?
    pub fn is_acceptable(&self) -> bool {
        (Self::FLOOR.m_kib..=Self::CEILING.m_kib).contains(&self.m_kib)
            && (Self::FLOOR.t..=Self::CEILING.t).contains(&self.t)
            && (Self::FLOOR.p..=Self::CEILING.p).contains(&self.p)
    }
}

impl fmt::Display for KdfParams {
    /// `argon2id/v1/m=65536,t=3,p=1`: the stored form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "argon2id/v1/m={},t={},p={}", self.m_kib, self.t, self.p)
    }
}

/// A parameter string that is not `argon2id/v1/m=…,t=…,p=…`.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("unknown key derivation parameters")]
pub struct KdfParamsError;

impl FromStr for KdfParams {
    type Err = KdfParamsError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let rest = s.strip_prefix("argon2id/v1/").ok_or(KdfParamsError)?;
        let mut values = rest.split(',').map(|kv| kv.split_once('='));
        let mut take = |name: &str| match values.next() {
            Some(Some((k, v))) if k == name => v.parse::<u32>().map_err(|_| KdfParamsError),
            _ => Err(KdfParamsError),
        };
        let params = KdfParams {
            m_kib: take("m")?,
            t: take("t")?,
            p: take("p")?,
        };
        if values.next().is_some() {
            return Err(KdfParamsError);
        }
        Ok(params)
    }
}

impl TryFrom<String> for KdfParams {
    type Error = KdfParamsError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<KdfParams> for String {
    fn from(p: KdfParams) -> String {
        p.to_string()
    }
}

/// The derivation could not run: parameters out of range, or not enough memory.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("could not derive the reporter key")]
pub struct KdfError;

/// Which kind of credential a stored [`AuthHash`] is: it decides whether the case must carry
/// a [`crate::Commitment`] that the returning reporter's client verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialVersion {
    /// Filed before commitments: nothing to verify (and nothing a database writer can remove).
    Legacy,
    /// Filed with a commitment, which must be present and verify.
    Committed,
}

/// The hash of an auth token: what the server stores and compares.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AuthHash([u8; 32]);

impl AuthHash {
    /// SHA-256 over the version's label and the token.
    pub fn of_token(token: &[u8], version: CredentialVersion) -> Self {
        let mut hash = Sha256::new();
        hash.update(match version {
            CredentialVersion::Legacy => labels::AUTH_TOKEN_HASH,
            CredentialVersion::Committed => labels::AUTH_TOKEN_HASH_COMMITTED,
        });
        hash.update(token);
        AuthHash(hash.finalize().into())
    }

    /// The version of credential this stored hash is, if `token` is its token. Both versions
    /// are always computed and compared in constant time, so a login's timing says nothing
    /// about how close it came, or which kind of case it is.
    pub fn version_of(&self, token: &[u8]) -> Option<CredentialVersion> {
        let committed = self.matches(&Self::of_token(token, CredentialVersion::Committed));
        let legacy = self.matches(&Self::of_token(token, CredentialVersion::Legacy));
        match (committed, legacy) {
            (true, _) => Some(CredentialVersion::Committed),
            (false, true) => Some(CredentialVersion::Legacy),
            (false, false) => None,
        }
    }

    /// Constant-time comparison.
    pub fn matches(&self, other: &AuthHash) -> bool {
        self.0.ct_eq(&other.0).into()
    }

    /// The 32 bytes, for storage.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// From stored bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        AuthHash(bytes)
    }
}

impl fmt::Debug for AuthHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthHash(..)")
    }
}

impl TryFrom<String> for AuthHash {
    type Error = KdfParamsError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        let mut bytes = [0u8; 32];
        hex_decode(&s, &mut bytes).ok_or(KdfParamsError)?;
        Ok(AuthHash(bytes))
    }
}

impl From<AuthHash> for String {
    fn from(h: AuthHash) -> String {
        h.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

fn hex_decode(s: &str, out: &mut [u8; 32]) -> Option<()> {
    if s.len() != 64 {
        return None;
    }
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(())
}

/// The public half of a reporter's key: what the server stores to recognise the reporter
/// and to seal the case key to them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReporterCredential {
    /// The parameters the key was derived with.
    pub kdf: KdfParams,
    /// Hash of the auth token.
    pub auth_hash: AuthHash,
    /// The reporter's X25519 public key.
    pub recipient: Recipient,
}

/// Working memory for Argon2id (64 MiB at the current parameters), reusable across
/// derivations.
///
/// A server sealing no-JS reports back to back would otherwise map, fault in and unmap 64 MiB
/// per report, about a tenth of the derivation's time. The memory holds password-derived
/// state, so it is zeroized after every derivation and on drop.
#[derive(Default)]
pub struct KdfMemory(Vec<argon2::Block>);

impl fmt::Debug for KdfMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KdfMemory({} KiB)", self.0.len())
    }
}

impl KdfMemory {
    fn wipe(&mut self) {
        for block in &mut self.0 {
            zeroize::Zeroize::zeroize(block);
        }
    }
}

impl Drop for KdfMemory {
    fn drop(&mut self) {
        self.wipe();
    }
}

/// The reporter's derived secrets. Exists only in the reporter's browser, or in server memory
/// for the length of one no-JS request.
pub struct ReporterKey {
    auth_token: Zeroizing<[u8; 32]>,
    commitment_key: Zeroizing<[u8; 32]>,
    identity: Identity,
    kdf: KdfParams,
}

impl fmt::Debug for ReporterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReporterKey([REDACTED])")
    }
}

impl ReporterKey {
    /// Runs Argon2id and HKDF as described in the module documentation.
    pub fn derive(
        receipt: &ReceiptCode,
        passphrase: &Passphrase,
        kdf: KdfParams,
    ) -> Result<Self, KdfError> {
        Self::derive_in(receipt, passphrase, kdf, &mut KdfMemory::default())
    }

    /// [`ReporterKey::derive`] in caller-provided working memory, which is left zeroized.
    pub fn derive_in(
        receipt: &ReceiptCode,
        passphrase: &Passphrase,
        kdf: KdfParams,
        memory: &mut KdfMemory,
    ) -> Result<Self, KdfError> {
        if !kdf.is_acceptable() {
            return Err(KdfError);
        }
        let params =
            argon2::Params::new(kdf.m_kib, kdf.t, kdf.p, Some(32)).map_err(|_| KdfError)?;
        let blocks = params.block_count();
        let argon =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut salt = labels::REPORTER_SALT.to_vec();
        salt.extend_from_slice(receipt.digits().as_bytes());
        let mut seed = Zeroizing::new([0u8; 32]);
        memory.0.resize(blocks, argon2::Block::default());
        let hashed = argon.hash_password_into_with_memory(
            passphrase.expose_secret().as_bytes(),
            &salt,
            seed.as_mut(),
            &mut memory.0,
        );
        memory.wipe();
        hashed.map_err(|_| KdfError)?;

        let hkdf = hkdf::Hkdf::<Sha256>::new(None, seed.as_ref());
        let mut auth_token = Zeroizing::new([0u8; 32]);
        let mut secret = Zeroizing::new([0u8; 32]);
        let mut commitment_key = Zeroizing::new([0u8; 32]);
        hkdf.expand(labels::AUTH_TOKEN, auth_token.as_mut())
            .map_err(|_| KdfError)?;
        hkdf.expand(labels::COMMITMENT_KEY, commitment_key.as_mut())
            .map_err(|_| KdfError)?;
        hkdf.expand(labels::REPORTER_IDENTITY, secret.as_mut())
            .map_err(|_| KdfError)?;
        let identity = Identity::from_bytes(&secret).map_err(|_| KdfError)?;
        Ok(ReporterKey {
            auth_token,
            commitment_key,
            identity,
            kdf,
        })
    }

    /// The token the reporter presents to log in.
    pub fn auth_token(&self) -> &[u8; 32] {
        &self.auth_token
    }

    /// The reporter's identity, which opens their key envelope.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The key of the reporter's [`crate::Commitment`]; never leaves the reporter's client.
    pub fn commitment_key(&self) -> &[u8; 32] {
        &self.commitment_key
    }

    /// What the server stores for a new case (a committed credential).
    pub fn credential(&self) -> ReporterCredential {
        ReporterCredential {
            kdf: self.kdf,
            auth_hash: AuthHash::of_token(self.auth_token.as_ref(), CredentialVersion::Committed),
            recipient: self.identity.to_public(),
        }
    }
}

/// `count` words, each uniform over the reporter's word list, joined by single spaces: the
/// passphrase `kentongan-keytool generate` offers for an investigator's key file. The same
/// list as [`Passphrase::generate`], so every word is short, common and at least two edits
/// from any other; each adds [`bits_per_word`] bits. Nothing is normalised when such a
/// passphrase is used (age's scrypt takes the bytes as typed), so the words are lower case
/// and the separator one space, the easiest form to type back exactly.
pub fn random_words(count: usize) -> SecretString {
    let list: Vec<&str> = words().collect();
    let mut rng = OsRng;
    let chosen = Zeroizing::new(
        (0..count)
            .filter_map(|_| list.get(rng.gen_range(0..list.len())).copied())
            .collect::<Vec<&str>>()
            .join(" "),
    );
    SecretString::from(chosen.as_str())
}

/// Entropy of one word of [`random_words`], in bits: log2 of the list's 2048 words, 11.
pub fn bits_per_word() -> f64 {
    (words().count() as f64).log2()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn wordlist() -> Vec<&'static str> {
        words().collect()
    }

    fn levenshtein(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut cur = vec![i + 1];
            for (j, cb) in b.iter().enumerate() {
                let sub = prev[j] + usize::from(ca != *cb);
                cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
            }
            prev = cur;
        }
        prev[b.len()]
    }

    #[test]
    fn wordlist_is_clean() {
        let list = wordlist();
        assert_eq!(list.len(), 2048);
        let mut sorted = list.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, list, "sorted and free of duplicates");
        for w in &list {
            assert!(
                (4..=8).contains(&w.len()) && w.bytes().all(|b| b.is_ascii_lowercase()),
                "{w}"
            );
        }
        for (i, a) in list.iter().enumerate() {
            for b in &list[i + 1..] {
                assert!(!b.starts_with(a), "{a} is a prefix of {b}");
                assert!(levenshtein(a, b) >= 2, "{a} and {b} are one edit apart");
            }
        }
    }

    #[test]
    fn passphrase_entropy_is_at_least_77_bits() {
        assert!(Passphrase::generated_entropy_bits() >= 77.0);
        let p = Passphrase::generate();
        let list = wordlist();
        let words: Vec<&str> = p.expose_secret().split(' ').collect();
        assert_eq!(words.len(), PASSPHRASE_WORDS);
        assert!(words.iter().all(|w| list.contains(w)));
    }

    #[test]
    fn random_words_are_list_words_joined_by_one_space() {
        assert_eq!(bits_per_word(), 11.0);
        let list = wordlist();
        let text = random_words(8);
        let words: Vec<&str> = text.expose_secret().split(' ').collect();
        assert_eq!(words.len(), 8);
        assert!(words.iter().all(|w| list.contains(w)));
        assert_ne!(random_words(8).expose_secret(), text.expose_secret());
        assert_eq!(random_words(0).expose_secret(), "");
    }

    #[test]
    fn passphrase_typing_is_forgiving() {
        let a = Passphrase::parse("  Rumah  KOPI-sawah\tmeja ");
        assert_eq!(a.expose_secret(), "rumah kopi sawah meja");
        assert_eq!(format!("{a:?}"), "Passphrase([REDACTED])");
    }

    #[test]
    fn receipt_parsing() {
        let r = ReceiptCode::parse("1234-5678 9012.3456").unwrap();
        assert_eq!(r.digits(), "1234567890123456");
        assert_eq!(r.to_string(), "1234 5678 9012 3456");
        for bad in [
            "",
            "123",
            "12345678901234567",
            "abcd efgh ijkl mnop",
            "\" ' & < >",
            "１２３４５６７８９０１２３４５６",
        ] {
            assert_eq!(ReceiptCode::parse(bad), Err(ReceiptError), "{bad}");
        }
        let fresh = ReceiptCode::generate();
        assert_eq!(ReceiptCode::parse(&fresh.to_string()).unwrap(), fresh);
        assert_ne!(fresh.lookup_key(), ReceiptCode::generate().lookup_key());
    }

    #[test]
    fn kdf_params_roundtrip_and_bounds() {
        let s = KdfParams::CURRENT.to_string();
        assert_eq!(s, "argon2id/v1/m=65536,t=3,p=1");
        assert_eq!(s.parse::<KdfParams>().unwrap(), KdfParams::CURRENT);
        for bad in [
            "",
            "argon2id/v1/m=1",
            "argon2id/v1/t=3,m=65536,p=1",
            "argon2id/v1/m=65536,t=3,p=1,x=2",
            "scrypt",
        ] {
            assert!(bad.parse::<KdfParams>().is_err(), "{bad}");
        }
        let weak = KdfParams {
            m_kib: 1024,
            t: 1,
            p: 1,
        };
        assert!(!weak.is_acceptable());
        let passphrase = Passphrase::parse("a");
        assert_eq!(
            ReporterKey::derive(&ReceiptCode::generate(), &passphrase, weak).unwrap_err(),
            KdfError
        );
    }

    /// Known-answer vector for the whole derivation at the current parameters. If this
    /// changes, every existing reporter is locked out: bump the labels' version instead.
    #[test]
    fn derivation_known_answer() {
        let receipt = ReceiptCode::parse("0123 4567 8901 2345").unwrap();
        let passphrase = Passphrase::parse("rumah kopi sawah meja hijau pasar buku");
        let key = ReporterKey::derive(&receipt, &passphrase, KdfParams::CURRENT).unwrap();
        let cred = key.credential();
        assert_eq!(String::from(cred.auth_hash), KAT_AUTH_HASH);
        assert_eq!(cred.recipient.to_string(), KAT_RECIPIENT);
        assert_eq!(hex::encode(key.commitment_key()), KAT_COMMITMENT_KEY);
        assert_eq!(
            cred.auth_hash.version_of(key.auth_token()),
            Some(CredentialVersion::Committed)
        );
        // A credential stored before commitments: the same token under the old label.
        let legacy = AuthHash::of_token(key.auth_token(), CredentialVersion::Legacy);
        assert_eq!(String::from(legacy), KAT_LEGACY_AUTH_HASH);
        assert_eq!(
            legacy.version_of(key.auth_token()),
            Some(CredentialVersion::Legacy)
        );
        let other = ReporterKey::derive(
            &receipt,
            &Passphrase::parse("rumah kopi sawah meja hijau pasar bukux"),
            KdfParams::CURRENT,
        )
        .unwrap();
        assert!(!cred.auth_hash.matches(&other.credential().auth_hash));
        assert_eq!(cred.auth_hash.version_of(other.auth_token()), None);
        assert_eq!(legacy.version_of(other.auth_token()), None);
    }

    #[test]
    fn reused_memory_gives_the_same_key_and_is_wiped() {
        let receipt = ReceiptCode::parse("0123 4567 8901 2345").unwrap();
        let passphrase = Passphrase::parse("rumah kopi sawah meja hijau pasar buku");
        let mut memory = KdfMemory::default();
        for _ in 0..2 {
            let key =
                ReporterKey::derive_in(&receipt, &passphrase, KdfParams::CURRENT, &mut memory)
                    .unwrap();
            assert_eq!(String::from(key.credential().auth_hash), KAT_AUTH_HASH);
            assert!(memory.0.iter().all(|b| b.as_ref().iter().all(|x| *x == 0)));
        }
    }

    const KAT_AUTH_HASH: &str = "0f7d5fd96536f334680a5a3ff541364599e29ec29fa8ad4529322cce0194a6ee";
    const KAT_LEGACY_AUTH_HASH: &str =
        "11545d709eeaa941960da8bcfb48c886b1c07360627ed4d9e4f012144fca7868";
    const KAT_COMMITMENT_KEY: &str =
        "03d20da19357574739578920823405dcd6808c5a8710606adf872fcc3f24b3ee";
    const KAT_RECIPIENT: &str = "age1v6hcndnq9pw0llzxxned7zd727jk83a6zxunhzs6gcmlu5y00c7qcy22rr";

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn receipt_parse_never_panics(s in ".*") {
            let _ = ReceiptCode::parse(&s);
        }

        #[test]
        fn passphrase_normalisation_is_idempotent(s in ".*") {
            let once = Passphrase::parse(&s);
            let twice = Passphrase::parse(once.expose_secret());
            prop_assert_eq!(once.expose_secret(), twice.expose_secret());
        }
    }
}
