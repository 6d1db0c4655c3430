//! The investigators' optional second factor: TOTP (RFC 6238) as every authenticator app
//! does it — HMAC-SHA-1, 6 digits, 30-second steps, a 160-bit secret.
//!
//! Written on `hmac` and `sha1` (already in the build for the PostgreSQL driver) rather than a
//! TOTP crate: the algorithm is one HMAC and a truncation (RFC 4226 §5.3), checked here
//! against the RFC's own test vectors, while the crates that wrap it pull in URL parsing,
//! image or random-number dependencies of their own and one needs a newer compiler than the
//! project's.
//!
//! The secret is a server-side secret (it opens nothing that is sealed: see THREAT_MODEL.md).
//! It is a newtype that zeroizes on drop, has no `Clone` and a redacted `Debug`, so it never
//! reaches a log by accident.

use hmac::{Hmac, Mac};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use rand::RngCore;
use sha1::Sha1;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Bytes of a secret: 160 bits, the size RFC 4226 §4 recommends for HMAC-SHA-1.
pub const SECRET_LEN: usize = 20;
/// Seconds per time step.
pub const STEP_SECONDS: i64 = 30;
/// Digits of a code.
pub const DIGITS: usize = 6;
/// Steps of clock skew accepted each way: a phone a little fast or slow, or a code typed
/// just as it changed.
pub const SKEW: i64 = 1;

/// A TOTP shared secret. Zeroized on drop; `Debug` shows nothing of it.
pub struct TotpSecret(Zeroizing<[u8; SECRET_LEN]>);

impl TotpSecret {
    /// A fresh random secret.
    pub fn generate() -> Self {
        let mut bytes = Zeroizing::new([0u8; SECRET_LEN]);
        rand::rngs::OsRng.fill_bytes(bytes.as_mut());
        TotpSecret(bytes)
    }

    /// The secret as stored; `None` if it has the wrong length.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let array: [u8; SECRET_LEN] = bytes.try_into().ok()?;
        Some(TotpSecret(Zeroizing::new(array)))
    }

    /// The raw bytes, to store them.
    pub fn expose_secret(&self) -> &[u8; SECRET_LEN] {
        &self.0
    }

    /// Base32 without padding (RFC 4648), as authenticator apps take a secret typed by hand.
    pub fn base32(&self) -> Zeroizing<String> {
        Zeroizing::new(data_encoding::BASE32_NOPAD.encode(self.0.as_ref()))
    }

    /// The `otpauth://` URI a QR code carries (Google Authenticator's key URI format, which
    /// every app reads): the office as issuer, the investigator as account.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> Zeroizing<String> {
        let issuer = utf8_percent_encode(issuer, NON_ALPHANUMERIC).to_string();
        let account = utf8_percent_encode(account, NON_ALPHANUMERIC).to_string();
        Zeroizing::new(format!(
            "otpauth://totp/{issuer}:{account}?secret={}&issuer={issuer}\
             &algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
            self.base32().as_str()
        ))
    }
}

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret([REDACTED])")
    }
}

/// The time step a Unix time falls in.
pub fn step_at(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// The code for one time step (RFC 6238 §4 over RFC 4226 §5.3), as a number below 10^6.
pub fn code_at(secret: &TotpSecret, step: i64) -> u32 {
    let counter = step.max(0).to_be_bytes();
    // HMAC accepts a key of any length: `new_from_slice` cannot fail here.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret.0.as_ref()) else {
        return u32::MAX;
    };
    mac.update(&counter);
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest.get(19).copied().unwrap_or(0) & 0x0f);
    let word = digest
        .get(offset..offset + 4)
        .and_then(|w| <[u8; 4]>::try_from(w).ok())
        .map(u32::from_be_bytes)
        .unwrap_or(0);
    (word & 0x7fff_ffff) % 1_000_000
}

/// A code as typed: six digits, with any spaces (apps show `123 456`) left out.
fn parse(given: &str) -> Option<[u8; DIGITS]> {
    let digits: Vec<u8> = given.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let digits: [u8; DIGITS] = digits.try_into().ok()?;
    digits.iter().all(u8::is_ascii_digit).then_some(digits)
}

/// Checks a typed code at `unix_seconds`: the step it belongs to, if it is the code of the
/// current step or one step either side and that step is later than `used` (the last step a
/// code was accepted for: a code, once used, never opens anything again). Compared in
/// constant time.
pub fn verify(
    secret: &TotpSecret,
    given: &str,
    unix_seconds: i64,
    used: Option<i64>,
) -> Option<i64> {
    let given = parse(given)?;
    let now = step_at(unix_seconds);
    let mut matched = None;
    for step in (now - SKEW)..=(now + SKEW) {
        let expected = format!("{:06}", code_at(secret, step));
        let fresh = used.is_none_or(|used| step > used);
        if bool::from(expected.as_bytes().ct_eq(&given)) && fresh {
            matched = Some(step);
        }
    }
    matched
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B's SHA-1 secret: "12345678901234567890".
    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(b"12345678901234567890").unwrap()
    }

    #[test]
    fn rfc_6238_sha1_vectors_in_six_digits() {
        // Appendix B gives eight digits; six are the last six of them.
        for (time, eight) in [
            (59, 94287082),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000_i64, 65353130),
        ] {
            assert_eq!(
                code_at(&rfc_secret(), step_at(time)),
                eight % 1_000_000,
                "{time}"
            );
        }
    }

    #[test]
    fn one_step_of_skew_either_way_and_no_more() {
        let secret = rfc_secret();
        let now = 1_234_567_890;
        let code = |step: i64| format!("{:06}", code_at(&secret, step));
        let here = step_at(now);
        assert_eq!(verify(&secret, &code(here), now, None), Some(here));
        assert_eq!(verify(&secret, &code(here - 1), now, None), Some(here - 1));
        assert_eq!(verify(&secret, &code(here + 1), now, None), Some(here + 1));
        assert_eq!(verify(&secret, &code(here - 2), now, None), None);
        assert_eq!(verify(&secret, &code(here + 2), now, None), None);
    }

    #[test]
    fn a_used_step_or_an_earlier_one_is_refused() {
        let secret = rfc_secret();
        let now = 1_234_567_890;
        let here = step_at(now);
        let code = format!("{:06}", code_at(&secret, here));
        assert_eq!(verify(&secret, &code, now, Some(here)), None, "replayed");
        assert_eq!(verify(&secret, &code, now, Some(here + 1)), None, "older");
        assert_eq!(verify(&secret, &code, now, Some(here - 1)), Some(here));
    }

    #[test]
    fn codes_are_six_digits_spaces_allowed() {
        let secret = rfc_secret();
        let now = 59;
        assert_eq!(verify(&secret, "287 082", now, None), Some(1));
        assert_eq!(verify(&secret, " 287082\n", now, None), Some(1));
        for bad in [
            "",
            "28708",
            "2870821",
            "28708a",
            "２８７０８２",
            "94287082",
            "-87082",
        ] {
            assert_eq!(verify(&secret, bad, now, None), None, "{bad:?}");
        }
    }

    #[test]
    fn the_secret_shows_as_base32_and_in_the_uri_but_never_in_debug() {
        let secret = rfc_secret();
        assert_eq!(secret.base32().as_str(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        let uri = secret.otpauth_uri("Inspektorat Kota & Co", "Ani <a>");
        assert_eq!(
            uri.as_str(),
            "otpauth://totp/Inspektorat%20Kota%20%26%20Co:Ani%20%3Ca%3E\
             ?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Inspektorat%20Kota%20%26%20Co\
             &algorithm=SHA1&digits=6&period=30"
        );
        assert_eq!(format!("{secret:?}"), "TotpSecret([REDACTED])");
        assert!(TotpSecret::from_bytes(&[0; 19]).is_none());
        assert_ne!(
            TotpSecret::generate().expose_secret(),
            TotpSecret::generate().expose_secret()
        );
    }
}
