//! An investigator's key file, as the keytool and the browser workspace read it: armored or
//! binary age encrypted to a passphrase, or a plain `age-keygen` identity file. Also the
//! short key strings that arrive in forms and JSON (public keys, login answers, KDF
//! parameters, receipt codes).

use std::io::Read;
use std::str::FromStr;

use age::armor::ArmoredReader;
use kentongan_crypto::challenge::Answer;
use kentongan_crypto::key_file::{self, KeyFileError};
use kentongan_crypto::keys::Identity;
use kentongan_crypto::{KdfParams, ReceiptCode, Recipient};
use secrecy::SecretString;

use crate::fixtures::PASSPHRASE;

/// The largest scrypt work factor (log2 N) the harness lets the key file ask for. The real
/// bound, 20, is 1 GiB and seconds of work per try: a fuzzer would spend its time there.
/// `key_file`'s unit tests check the bound itself.
const FUZZ_MAX_WORK_FACTOR: u8 = 12;

/// `data` as a key file, and as each short key string.
pub fn key_file(data: &[u8]) {
    let encrypted = key_file::is_encrypted(data);
    if encrypted.is_ok_and(|e| !e) || cheap_enough(data) {
        let unlocked = key_file::unlock(data, SecretString::from(PASSPHRASE));
        if encrypted.is_err() {
            assert!(unlocked.is_err(), "unlocked a file is_encrypted refused");
        }
        if let Err(KeyFileError::TooMuchWork(n)) = unlocked {
            assert!(n > key_file::MAX_WORK_FACTOR);
        }
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = key_file::parse_identity_text(text);
    if let Ok(identity) = Identity::parse(text) {
        let _ = identity.to_public().fingerprint();
    }
    if let Ok(recipient) = Recipient::from_str(text) {
        assert_eq!(
            recipient.to_string().parse::<Recipient>().ok(),
            Some(recipient),
            "a public key does not read back as itself"
        );
    }
    if let Some(answer) = Answer::from_hex(text) {
        assert!(Answer::from_hex(&answer.to_hex()).is_some_and(|a| a.matches(&answer)));
    }
    if let Ok(params) = KdfParams::from_str(text) {
        let _ = params.is_acceptable();
        assert_eq!(params.to_string().parse::<KdfParams>().ok(), Some(params));
    }
    if let Ok(receipt) = ReceiptCode::parse(text) {
        assert_eq!(
            ReceiptCode::parse(&receipt.to_string())
                .ok()
                .map(|r| r.digits().to_owned()),
            Some(receipt.digits().to_owned())
        );
    }
}

/// Whether every scrypt stanza in the (possibly armored) file asks for at most
/// [`FUZZ_MAX_WORK_FACTOR`]: `-> scrypt SALT N`.
fn cheap_enough(data: &[u8]) -> bool {
    let mut raw = Vec::new();
    if ArmoredReader::new(data)
        .take(2 * key_file::MAX_FILE_BYTES as u64)
        .read_to_end(&mut raw)
        .is_err()
    {
        // Unlocking would read through the same armor: skip it rather than guess.
        return false;
    }
    raw.split(|b| *b == b'\n')
        .filter_map(|line| line.strip_prefix(b"-> scrypt "))
        .all(|args| {
            args.split(|b| *b == b' ')
                .nth(1)
                .and_then(|n| std::str::from_utf8(n).ok())
                .and_then(|n| n.parse::<u8>().ok())
                .is_none_or(|n| n <= FUZZ_MAX_WORK_FACTOR)
        })
}
