//! Kentongan's key model and formats.
//!
//! Everything a reporter writes is encrypted with [age](https://c2sp.org/age) before it is
//! stored, either in the reporter's browser (this crate compiled to WebAssembly) or in the
//! server's memory on the no-JavaScript path (this crate compiled natively). Both paths call
//! [`submission::seal_report`], so there is one implementation of the promise.
//!
//! The pieces, in the order a report meets them:
//!
//! - [`report::Report`] — what the reporter wrote, serialised as JSON;
//! - [`padding`] — plaintext is padded to size buckets so a ciphertext's length says little
//!   about the text inside;
//! - [`keys::CaseKeys`] — a fresh *case key* (report, messages, attachments) and *notes key*
//!   (investigators only) per case;
//! - [`commitment`] — what the reporter's client sealed to, bound with a key only the
//!   reporter derives, checked on every return;
//! - [`envelope`] — the case keys, age-encrypted once to each holder: every investigator
//!   registered at the time, and the reporter;
//! - [`reporter`] — the reporter's receipt code and passphrase, and the Argon2id/HKDF
//!   derivation of their auth token and X25519 identity;
//! - [`attachment`] — files added to a report or a message: one streamed age file each,
//!   with the file's name and type sealed inside, padded like everything else;
//! - [`metadata`] — identifying metadata removed from photos before they are sealed;
//! - [`message`] — what both sides write afterwards, and the reply and internal-note files an
//!   investigator makes (offline, or in the browser workspace);
//! - [`signature`] — the team's signature on what it writes, with a key derived from the
//!   case's notes key, which the reporter never holds;
//! - [`grant`] — the grant file: a case's keys sealed to one more investigator;
//! - [`key_file`] and [`challenge`] — an investigator's passphrase-protected key file, and
//!   the login that proves its holder without any password on the server;
//! - [`ciphertext`] — the only byte type the server stores, with the structural checks the
//!   server runs on ciphertext that arrives from a browser.
//!
//! The crate does no I/O and keeps no state. All randomness comes from the operating system
//! (`getrandom`, which is `crypto.getRandomValues` in the browser).
#![forbid(unsafe_code)]
#![warn(missing_debug_implementations)]
#![cfg_attr(not(test), deny(missing_docs))]

pub mod attachment;
pub mod bundle;
pub mod challenge;
pub mod ciphertext;
pub mod commitment;
pub mod envelope;
pub mod grant;
pub mod item;
pub mod key_file;
pub mod keys;
pub mod message;
pub mod metadata;
pub mod padding;
pub mod report;
pub mod reporter;
pub mod signature;
pub mod submission;
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
mod wasm;

pub use ciphertext::{Ciphertext, Plaintext};
pub use commitment::Commitment;
pub use envelope::{Envelope, Holder};
pub use grant::Grant;
pub use keys::{CaseKeys, Recipient};
pub use message::{Message, Note, Reply};
pub use report::Report;
pub use reporter::{
    CredentialVersion, KdfParams, Passphrase, ReceiptCode, ReporterCredential, ReporterKey,
};
pub use submission::{SealedCase, Submission};

/// Domain-separation labels. Every key derivation and every hash in Kentongan uses one of
/// these, so that no value can be replayed in a different role. The `/v1` suffix is bumped
/// whenever the meaning of a derived value changes.
pub mod labels {
    /// Argon2id salt prefix; the reporter's receipt digits follow it.
    pub const REPORTER_SALT: &[u8] = b"kentongan/reporter-salt/v1/";
    /// HKDF-SHA256 `info` for the reporter's 32-byte auth token.
    pub const AUTH_TOKEN: &[u8] = b"kentongan/reporter-auth-token/v1";
    /// HKDF-SHA256 `info` for the reporter's X25519 secret key.
    pub const REPORTER_IDENTITY: &[u8] = b"kentongan/reporter-identity/v1";
    /// SHA-256 prefix for the hash of the auth token that the server stores, for credentials
    /// made before commitments ([`crate::CredentialVersion::Legacy`]).
    pub const AUTH_TOKEN_HASH: &[u8] = b"kentongan/auth-token-hash/v1/";
    /// The same, for credentials whose case carries a commitment.
    pub const AUTH_TOKEN_HASH_COMMITTED: &[u8] = b"kentongan/auth-token-hash/v2-committed/";
    /// HKDF-SHA256 `info` for the reporter's commitment key.
    pub const COMMITMENT_KEY: &[u8] = b"kentongan/reporter-commitment-key/v1";
    /// HMAC-SHA256 prefix of a commitment's tag.
    pub const COMMITMENT: &[u8] = b"kentongan/commitment/v1/";
    /// HKDF-SHA256 `info` for a case's team signing key, from its notes key.
    pub const TEAM_SIGNING_KEY: &[u8] = b"kentongan/team-signing-key/v1";
    /// Ed25519 prefix of what the team signs.
    pub const TEAM_MESSAGE: &[u8] = b"kentongan/team-message/v1/";
    /// HMAC-SHA256 prefix of a commitment's tag that also covers the team signing key.
    pub const COMMITMENT_V2: &[u8] = b"kentongan/commitment/v2/";
    /// SHA-256 prefix of a key set's fingerprint.
    pub const FINGERPRINT: &[u8] = b"kentongan/fingerprint/v1/";
    /// SHA-256 prefix for the receipt lookup key that the server stores.
    pub const RECEIPT_LOOKUP: &[u8] = b"kentongan/receipt-lookup/v1/";
}
