//! The reporter's return: what guards the follow-up login, and the short sessions of the
//! no-JavaScript path.
//!
//! A login is a receipt code (an identifier) and an auth token derived from the passphrase
//! (in the browser, or here on the no-JS path). Guessing passphrases is hopeless at 77 bits
//! and Argon2id per guess, but each receipt code still gets only a few free attempts, then
//! growing waits ([`Attempts`]). The limits apply to any receipt code typed, existing or not,
//! so they never tell which codes exist; and wrong receipt and wrong passphrase get the same
//! answer after the same work.
//!
//! Everything here lives in memory only: a record of when someone tried to log in is a time
//! of day tied to a case, which is never written down. The cost is that a restart clears the
//! counts, and that each server instance counts on its own.

mod sessions;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use kentongan_crypto::reporter::AuthHash;

pub use sessions::{SessionId, Sessions};

use crate::store::ReporterLogin;

/// The longest wait between attempts, however many went wrong.
pub const MAX_DELAY: Duration = Duration::from_secs(60 * 60);

/// How long a receipt code's count is kept after its last attempt.
const FORGET_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// Receipt codes counted at once. Beyond this, attempts on codes not yet counted are refused
/// as busy rather than counted by nobody.
const MAX_TRACKED: usize = 100_000;

/// How many wrong logins are free, and the first wait after them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginLimits {
    pub free_attempts: u32,
    pub first_delay: Duration,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            free_attempts: 5,
            first_delay: Duration::from_secs(60),
        }
    }
}

/// Why an attempt may not be made now.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// Too many wrong attempts for this receipt code: try again after this long.
    Wait(Duration),
    /// Too many receipt codes are being counted (a flood): try again later.
    Busy,
}

/// Attempts per receipt code, keyed by its lookup key (never the code itself).
pub struct Attempts {
    limits: LoginLimits,
    records: Mutex<HashMap<[u8; 32], Record>>,
}

struct Record {
    /// Attempts not followed by a success, including any in flight.
    failures: u32,
    last: Instant,
}

impl Record {
    fn allowed_at(&self, limits: &LoginLimits) -> Instant {
        let Some(over) = self.failures.checked_sub(limits.free_attempts) else {
            return self.last;
        };
        let delay = limits
            .first_delay
            .checked_mul(2u32.saturating_pow(over))
            .unwrap_or(MAX_DELAY)
            .min(MAX_DELAY);
        self.last + delay
    }
}

impl Attempts {
    pub fn new(limits: LoginLimits) -> Self {
        Attempts {
            limits,
            records: Mutex::new(HashMap::new()),
        }
    }

    /// Starts an attempt for `receipt` (its lookup key), or refuses it. The attempt counts as
    /// wrong until it is settled, so that many attempts sent at once cannot all slip in before
    /// the first one is counted. An attempt dropped unsettled (the database was down, the
    /// server busy, the reporter's connection closed while waiting) is taken back.
    pub fn begin(&self, receipt: &[u8; 32], now: Instant) -> Result<Attempt<'_>, Refused> {
        let Ok(mut records) = self.records.lock() else {
            return Err(Refused::Busy);
        };
        if let Some(record) = records.get_mut(receipt) {
            let allowed_at = record.allowed_at(&self.limits);
            if allowed_at > now {
                return Err(Refused::Wait(allowed_at - now));
            }
            let previous = Some(record.last);
            record.failures = record.failures.saturating_add(1);
            record.last = now;
            return Ok(Attempt::new(self, receipt, previous));
        }
        if records.len() >= MAX_TRACKED {
            let limits = self.limits;
            // Forget first what holds nobody back and never did: codes typed a few times.
            records.retain(|_, r| {
                now.saturating_duration_since(r.last) < FORGET_AFTER
                    && (r.failures >= limits.free_attempts || r.allowed_at(&limits) > now)
            });
            if records.len() >= MAX_TRACKED {
                // Then what holds nobody back now, though it did.
                records.retain(|_, r| r.allowed_at(&limits) > now);
            }
            if records.len() >= MAX_TRACKED {
                return Err(Refused::Busy);
            }
        }
        records.insert(
            *receipt,
            Record {
                failures: 1,
                last: now,
            },
        );
        Ok(Attempt::new(self, receipt, None))
    }

    /// Takes an unsettled attempt back: one failure less, and the previous time.
    fn take_back(&self, receipt: &[u8; 32], previous: Option<Instant>) {
        let Ok(mut records) = self.records.lock() else {
            return;
        };
        match previous {
            None => {
                records.remove(receipt);
            }
            Some(last) => {
                if let Some(record) = records.get_mut(receipt) {
                    record.failures = record.failures.saturating_sub(1);
                    record.last = last;
                }
            }
        }
    }

    fn reset(&self, receipt: &[u8; 32]) {
        if let Ok(mut records) = self.records.lock() {
            records.remove(receipt);
        }
    }
}

/// One login attempt in progress; see [`Attempts::begin`].
#[must_use = "an attempt dropped unsettled is taken back"]
pub struct Attempt<'a> {
    attempts: &'a Attempts,
    receipt: [u8; 32],
    /// When the previous attempt was, to restore if this one is taken back.
    previous: Option<Instant>,
    settled: bool,
}

impl<'a> Attempt<'a> {
    fn new(attempts: &'a Attempts, receipt: &[u8; 32], previous: Option<Instant>) -> Self {
        Attempt {
            attempts,
            receipt: *receipt,
            previous,
            settled: false,
        }
    }

    /// The login was wrong: it stays counted.
    pub fn failed(mut self) {
        self.settled = true;
    }

    /// The login was right: the receipt code's count starts again.
    pub fn succeeded(mut self) {
        self.settled = true;
        self.attempts.reset(&self.receipt);
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if !self.settled {
            self.attempts.take_back(&self.receipt, self.previous);
        }
    }
}

/// Checks a login: the case id if `token` is the auth token of the credential found (if
/// any). The comparison is constant-time, and made against a dummy hash when no credential
/// was found, so the work is the same whichever of receipt or passphrase was wrong.
pub fn check_token(found: Option<&ReporterLogin>, token: &[u8; 32]) -> Option<i64> {
    let presented = AuthHash::of_token(token);
    match found {
        Some(login) => login
            .credential
            .auth_hash
            .matches(&presented)
            .then_some(login.case_id),
        None => {
            let _ = AuthHash::from_bytes([0; 32]).matches(&presented);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn wait(attempt: Result<Attempt<'_>, Refused>) -> Option<Duration> {
        match attempt {
            Err(Refused::Wait(d)) => Some(d),
            _ => None,
        }
    }

    const LIMITS: LoginLimits = LoginLimits {
        free_attempts: 3,
        first_delay: Duration::from_secs(10),
    };

    #[test]
    fn free_attempts_then_growing_waits() {
        let attempts = Attempts::new(LIMITS);
        let receipt = [1; 32];
        let t0 = Instant::now();
        for _ in 0..3 {
            attempts.begin(&receipt, t0).unwrap().failed();
        }
        // The fourth must wait 10 s after the third; then 20 s, then 40 s.
        assert_eq!(
            wait(attempts.begin(&receipt, t0 + Duration::from_secs(4))),
            Some(Duration::from_secs(6))
        );
        let t1 = t0 + Duration::from_secs(10);
        attempts.begin(&receipt, t1).unwrap().failed();
        assert_eq!(
            wait(attempts.begin(&receipt, t1 + Duration::from_secs(19))),
            Some(Duration::from_secs(1))
        );
        let t2 = t1 + Duration::from_secs(20);
        attempts.begin(&receipt, t2).unwrap().failed();
        assert!(wait(attempts.begin(&receipt, t2 + Duration::from_secs(39))).is_some());
        // Another receipt code is not affected.
        assert!(attempts.begin(&[2; 32], t2).is_ok());
    }

    #[test]
    fn a_success_releases_the_receipt() {
        let attempts = Attempts::new(LIMITS);
        let receipt = [1; 32];
        let t0 = Instant::now();
        for _ in 0..3 {
            attempts.begin(&receipt, t0).unwrap().failed();
        }
        assert!(attempts.begin(&receipt, t0).is_err());
        let later = t0 + Duration::from_secs(10);
        attempts.begin(&receipt, later).unwrap().succeeded();
        for _ in 0..3 {
            attempts.begin(&receipt, later).unwrap().failed();
        }
    }

    #[test]
    fn an_unsettled_attempt_is_taken_back() {
        let attempts = Attempts::new(LIMITS);
        let receipt = [1; 32];
        let t0 = Instant::now();
        for _ in 0..2 {
            attempts.begin(&receipt, t0).unwrap().failed();
        }
        // The database was down, or the connection closed while waiting: not counted, and
        // the time of the last counted attempt is kept.
        drop(
            attempts
                .begin(&receipt, t0 + Duration::from_secs(5))
                .unwrap(),
        );
        attempts.begin(&receipt, t0).unwrap().failed();
        assert_eq!(
            wait(attempts.begin(&receipt, t0 + Duration::from_secs(4))),
            Some(Duration::from_secs(6))
        );
        // A first attempt taken back leaves no record.
        drop(attempts.begin(&[9; 32], t0).unwrap());
        assert!(attempts.records.lock().unwrap().get(&[9; 32]).is_none());
    }

    #[test]
    fn the_wait_never_exceeds_the_maximum() {
        let record = Record {
            failures: 1_000,
            last: Instant::now(),
        };
        assert_eq!(record.allowed_at(&LIMITS), record.last + MAX_DELAY);
    }

    #[test]
    fn a_token_matches_only_its_own_credential() {
        use kentongan_crypto::reporter::{KdfParams, ReporterCredential};
        let token = [7u8; 32];
        let login = ReporterLogin {
            case_id: 4,
            credential: ReporterCredential {
                kdf: KdfParams::CURRENT,
                auth_hash: AuthHash::of_token(&token),
                recipient: kentongan_crypto::keys::Identity::generate().to_public(),
            },
        };
        assert_eq!(check_token(Some(&login), &token), Some(4));
        assert_eq!(check_token(Some(&login), &[8; 32]), None);
        assert_eq!(check_token(None, &token), None);
    }
}
