//! Fixed keys for the harnesses and their seeds. They protect nothing: they are here so that
//! a seed encrypted to them decrypts in the harness, whatever machine made it.

use kentongan_crypto::Recipient;
use kentongan_crypto::keys::Identity;

/// The one investigator of the harnesses' team (`sealed_case`, `http`, `offline_files`).
pub const INVESTIGATOR: &str =
    "AGE-SECRET-KEY-16P543W34GWNU8SG2DCPJ3WY3X9753NMLVRKK2DDT5JQUGZZRRSLQTP6XF2";

/// The case key the `plaintext`, `attachment` and `ciphertext` harnesses decrypt with.
pub const CASE: &str = "AGE-SECRET-KEY-1F4V52AQAE6GP4GQXNF93HLFDA7X2XZKN0S4NXXEXTE0WZAQC9WLQY9JSCS";

/// The passphrase of the encrypted key file seeds (`key_file`).
pub const PASSPHRASE: &str = "fuzz passphrase";

/// The case the `http` harness files at start-up (a `SealedCase` as the browser posts it),
/// so that seeds can log in to it and write to it; made by the seed generator.
pub const HTTP_CASE: &[u8] = include_bytes!("../fixtures/case.json");

/// That case's receipt code and auth token, as the browser sends them: `receipt token`.
pub const HTTP_CREDENTIALS: &str = include_str!("../fixtures/credentials.txt");

/// The identity behind `secret`, one of the constants above.
pub fn identity(secret: &str) -> Option<Identity> {
    Identity::parse(secret).ok()
}

/// The public key of `secret`.
pub fn recipient(secret: &str) -> Option<Recipient> {
    identity(secret).map(|i| i.to_public())
}

/// The same identity as age's own type, for the harnesses that write raw age files.
pub fn age_recipient(secret: &str) -> Option<age::x25519::Recipient> {
    secret
        .parse::<age::x25519::Identity>()
        .ok()
        .map(|i| i.to_public())
}
