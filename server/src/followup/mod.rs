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
//!
//! Memory is bounded without ever refusing a receipt code the limiter has not seen fail:
//! counts live in two generations. New and touched codes go to the current one; when it is
//! full, or older than half of [`FORGET_AFTER`], it becomes the previous one and the old
//! previous one is forgotten whole. A flood of made-up codes therefore pushes out old
//! counts (a code's count survives at least [`GENERATION`] other codes) but never locks
//! anyone out, and a real reporter with the right passphrase still gets in.

mod sessions;

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use kentongan_crypto::reporter::{AuthHash, CredentialVersion};

pub use sessions::{OpenedCase, SessionId, Sessions};

use crate::store::ReporterLogin;

/// The longest wait between attempts, however many went wrong.
pub const MAX_DELAY: Duration = Duration::from_secs(60 * 60);

/// How long a receipt code's count is kept after its last attempt, at most.
pub const FORGET_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// Receipt codes counted in one generation: two generations hold at most twice this
/// (about 100 bytes each).
pub const GENERATION: usize = 50_000;

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

/// Why an attempt may not be made now: too many wrong attempts for this receipt code; try
/// again after this long.
#[derive(Debug, PartialEq, Eq)]
pub struct Refused(pub Duration);

/// Attempts per receipt code, keyed by its lookup key (never the code itself).
pub struct Attempts {
    limits: LoginLimits,
    generation: usize,
    records: Mutex<Generations>,
}

#[derive(Clone, Copy)]
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

struct Generations {
    current: HashMap<[u8; 32], Record>,
    previous: HashMap<[u8; 32], Record>,
    /// When `current` began.
    started: Instant,
}

impl Generations {
    /// The record of `receipt`, moved into the current generation if it was in the previous
    /// one.
    fn take(&mut self, receipt: &[u8; 32], now: Instant) -> Option<&mut Record> {
        let record = match self.current.remove(receipt) {
            Some(record) => record,
            None => self.previous.remove(receipt)?,
        };
        if now.saturating_duration_since(record.last) >= FORGET_AFTER {
            return None;
        }
        Some(self.current.entry(*receipt).or_insert(record))
    }

    /// Starts a new generation if the current one is full or old.
    fn rotate_if_due(&mut self, capacity: usize, now: Instant) {
        if self.current.len() >= capacity
            || now.saturating_duration_since(self.started) >= FORGET_AFTER / 2
        {
            self.previous = std::mem::take(&mut self.current);
            self.started = now;
        }
    }
}

impl Attempts {
    pub fn new(limits: LoginLimits) -> Self {
        Self::with_generation(limits, GENERATION)
    }

    /// With generations of `generation` codes (tests use small ones).
    pub fn with_generation(limits: LoginLimits, generation: usize) -> Self {
        Attempts {
            limits,
            generation: generation.max(1),
            records: Mutex::new(Generations {
                current: HashMap::new(),
                previous: HashMap::new(),
                started: Instant::now(),
            }),
        }
    }

    /// The counts, even if a thread panicked while holding them: they are plain numbers,
    /// and a limiter that stopped counting would be worse than one that lost a count.
    fn records(&self) -> MutexGuard<'_, Generations> {
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts an attempt for `receipt` (its lookup key), or refuses it. The attempt counts as
    /// wrong until it is settled, so that many attempts sent at once cannot all slip in before
    /// the first one is counted. An attempt dropped unsettled (the database was down, the
    /// server busy, the reporter's connection closed while waiting) is taken back.
    pub fn begin(&self, receipt: &[u8; 32], now: Instant) -> Result<Attempt<'_>, Refused> {
        let mut records = self.records();
        records.rotate_if_due(self.generation, now);
        if let Some(record) = records.take(receipt, now) {
            let allowed_at = record.allowed_at(&self.limits);
            if allowed_at > now {
                return Err(Refused(allowed_at - now));
            }
            let previous = Some(*record);
            record.failures = record.failures.saturating_add(1);
            record.last = now;
            return Ok(Attempt::new(self, receipt, previous));
        }
        records.current.insert(
            *receipt,
            Record {
                failures: 1,
                last: now,
            },
        );
        Ok(Attempt::new(self, receipt, None))
    }

    /// Takes an unsettled attempt back: the record as it was before.
    fn take_back(&self, receipt: &[u8; 32], previous: Option<Record>) {
        let mut records = self.records();
        match previous {
            None => {
                records.current.remove(receipt);
            }
            Some(before) => {
                if let Some(record) = records.take(receipt, Instant::now()) {
                    record.failures = record.failures.saturating_sub(1);
                    record.last = before.last;
                }
            }
        }
    }

    fn reset(&self, receipt: &[u8; 32]) {
        let mut records = self.records();
        records.current.remove(receipt);
        records.previous.remove(receipt);
    }
}

/// One login attempt in progress; see [`Attempts::begin`].
#[must_use = "an attempt dropped unsettled is taken back"]
pub struct Attempt<'a> {
    attempts: &'a Attempts,
    receipt: [u8; 32],
    /// The record before this attempt, to restore if it is taken back.
    previous: Option<Record>,
    settled: bool,
}

impl<'a> Attempt<'a> {
    fn new(attempts: &'a Attempts, receipt: &[u8; 32], previous: Option<Record>) -> Self {
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

/// Checks a login: the case id, and which kind of credential it is (whether the case must
/// carry a commitment), if `token` is the auth token of the credential found (if any). The
/// comparison is constant-time, and made against a dummy hash when no credential was found,
/// so the work is the same whichever of receipt or passphrase was wrong.
pub fn check_token(
    found: Option<&ReporterLogin>,
    token: &[u8; 32],
) -> Option<(i64, CredentialVersion)> {
    match found {
        Some(login) => login
            .credential
            .auth_hash
            .version_of(token)
            .map(|version| (login.case_id, version)),
        None => {
            let _ = AuthHash::from_bytes([0; 32]).version_of(token);
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
            Err(Refused(d)) => Some(d),
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
        assert!(!attempts.records().current.contains_key(&[9; 32]));
    }

    #[test]
    fn a_flood_of_made_up_codes_never_locks_out_a_code_it_has_not_seen_fail() {
        // The attack: 4 and then 1 more wrong tries for each of many made-up codes, more
        // than the limiter holds. Before, a full table answered every new code "busy".
        let attempts = Attempts::new(LIMITS);
        let t0 = Instant::now();
        for n in 0..(2 * GENERATION as u32 + 10) {
            let mut code = [0u8; 32];
            code[..4].copy_from_slice(&n.to_be_bytes());
            for _ in 0..4 {
                if let Ok(attempt) = attempts.begin(&code, t0) {
                    attempt.failed();
                }
            }
        }
        let reporter = [0xee; 32];
        attempts.begin(&reporter, t0).unwrap().succeeded();
        let records = attempts.records();
        assert!(records.current.len() + records.previous.len() <= 2 * GENERATION);
    }

    #[test]
    fn a_count_outlives_a_generation_of_other_codes() {
        let attempts = Attempts::with_generation(LIMITS, 100);
        let t0 = Instant::now();
        let target = [1; 32];
        for _ in 0..3 {
            attempts.begin(&target, t0).unwrap().failed();
        }
        for n in 0..150u32 {
            let mut code = [0u8; 32];
            code[..4].copy_from_slice(&n.to_be_bytes());
            code[31] = 9;
            attempts.begin(&code, t0).unwrap().failed();
        }
        assert!(wait(attempts.begin(&target, t0)).is_some(), "still counted");
    }

    #[test]
    fn counts_are_forgotten_a_day_after_the_last_attempt() {
        let attempts = Attempts::new(LIMITS);
        let t0 = Instant::now();
        let receipt = [1; 32];
        for _ in 0..3 {
            attempts.begin(&receipt, t0).unwrap().failed();
        }
        let later = t0 + FORGET_AFTER;
        for _ in 0..3 {
            attempts.begin(&receipt, later).unwrap().failed();
        }
        assert!(wait(attempts.begin(&receipt, later)).is_some());
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
        for version in [CredentialVersion::Committed, CredentialVersion::Legacy] {
            let login = ReporterLogin {
                case_id: 4,
                credential: ReporterCredential {
                    kdf: KdfParams::CURRENT,
                    auth_hash: AuthHash::of_token(&token, version),
                    recipient: kentongan_crypto::keys::Identity::generate().to_public(),
                },
                commitment: None,
            };
            assert_eq!(check_token(Some(&login), &token), Some((4, version)));
            assert_eq!(check_token(Some(&login), &[8; 32]), None);
        }
        assert_eq!(check_token(None, &token), None);
    }
}
