//! Investigators' logins and sessions in the workspace (`/team`), in memory.
//!
//! A login is a challenge: the server encrypts a random answer to the investigator's
//! registered recipient ([`kentongan_crypto::challenge`]), and whoever sends it back holds the
//! secret key. A challenge is single-use (taken on the first try, right or wrong) and lasts
//! [`CHALLENGE_TTL`]. A session is a random token in an `HttpOnly`, `SameSite=Strict` cookie;
//! it ends on logout, after [`IDLE`] without a request, or after [`LIFETIME`].
//!
//! Nothing here is a secret that opens a case: the investigator's key never leaves their
//! browser. Whether the investigator is still active is checked against the store on every
//! request (`web::team`), so disabling one takes effect at once, from any server instance.
//! The sessions themselves belong to the instance that made them: several instances need
//! sticky sessions for `/team` (or the investigator logs in again), as for the no-JS follow-up.
//!
//! An investigator with a second factor gets no session for the key's answer alone, but a
//! pending login that a code must complete ([`second_factor`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use kentongan_crypto::challenge::Answer;
use rand::RngCore;

mod second_factor;
pub use second_factor::{
    CODE_TTL, CODES_PER_LOGIN, CodeAttempt, ENROL_TTL, WRONG_CODE_WINDOW, WRONG_CODES,
};
use second_factor::{Enrolment, PendingLogin};

/// How long a challenge may be answered.
pub const CHALLENGE_TTL: Duration = Duration::from_secs(120);
/// A session ends after this long without a request.
pub const IDLE: Duration = Duration::from_secs(30 * 60);
/// And after this long in any case: a working day.
pub const LIFETIME: Duration = Duration::from_secs(10 * 60 * 60);
/// Open challenges and sessions at once (each); beyond this, a new one is refused as busy.
const MAX_ENTRIES: usize = 10_000;
/// Open challenges per investigator: a new one ends the oldest. Anyone may ask for a
/// challenge to a registered key (keys are public), so without this a flood of requests could
/// fill the table and lock every investigator out.
pub const CHALLENGES_PER_INVESTIGATOR: usize = 3;
/// How often expired entries are swept while any exist.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// A random token: 32 bytes, hex on the wire. Redacted in `Debug`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Token([u8; 32]);

impl Token {
    fn generate() -> Self {
        let mut bytes = [0; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Token(bytes)
    }

    /// The token in a cookie or request, if it looks like one.
    pub fn parse(hex_token: &str) -> Option<Self> {
        let mut bytes = [0; 32];
        hex::decode_to_slice(hex_token, &mut bytes).ok()?;
        Some(Token(bytes))
    }

    pub fn to_hex(self) -> String {
        hex::encode(self.0)
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token([REDACTED])")
    }
}

struct Challenge {
    investigator_id: i64,
    answer: Answer,
    issued: Instant,
}

struct Session {
    investigator_id: i64,
    started: Instant,
    last_seen: Instant,
    /// A second-factor secret shown to the investigator, waiting for its first code.
    enrolment: Option<Enrolment>,
}

impl Session {
    fn expired(&self, now: Instant) -> bool {
        now.saturating_duration_since(self.last_seen) >= IDLE
            || now.saturating_duration_since(self.started) >= LIFETIME
    }
}

#[derive(Clone, Default)]
pub struct TeamSessions(Arc<Mutex<Inner>>);

#[derive(Default)]
struct Inner {
    challenges: HashMap<Token, Challenge>,
    sessions: HashMap<Token, Session>,
    /// Key logins waiting for a second-factor code.
    pending: HashMap<Token, PendingLogin>,
    /// Each investigator's recent wrong codes.
    wrong_codes: HashMap<i64, Vec<Instant>>,
    sweeping: bool,
}

impl Inner {
    fn sweep(&mut self, now: Instant) {
        self.challenges
            .retain(|_, c| now.saturating_duration_since(c.issued) < CHALLENGE_TTL);
        self.sessions.retain(|_, s| !s.expired(now));
        self.sweep_second_factor(now);
    }
}

impl TeamSessions {
    /// Keeps the answer of a challenge just issued to an investigator; returns its id.
    /// `None` when too many are open.
    pub fn add_challenge(&self, investigator_id: i64, answer: Answer) -> Option<Token> {
        let now = Instant::now();
        let id = Token::generate();
        let mut inner = self.0.lock().ok()?;
        let mut theirs: Vec<(Instant, Token)> = inner
            .challenges
            .iter()
            .filter(|(_, c)| c.investigator_id == investigator_id)
            .map(|(id, c)| (c.issued, *id))
            .collect();
        if theirs.len() >= CHALLENGES_PER_INVESTIGATOR {
            theirs.sort_by_key(|(issued, _)| *issued);
            let excess = theirs.len() + 1 - CHALLENGES_PER_INVESTIGATOR;
            for (_, oldest) in theirs.into_iter().take(excess) {
                inner.challenges.remove(&oldest);
            }
        }
        if inner.challenges.len() >= MAX_ENTRIES {
            inner.sweep(now);
            if inner.challenges.len() >= MAX_ENTRIES {
                return None;
            }
        }
        inner.challenges.insert(
            id,
            Challenge {
                investigator_id,
                answer,
                issued: now,
            },
        );
        self.start_sweeping(&mut inner);
        Some(id)
    }

    /// Checks an answer: the investigator it was issued to, if `given` is its answer and it
    /// has not expired. The challenge is gone afterwards, whatever the outcome.
    pub fn answer(&self, id: &Token, given: &Answer) -> Option<i64> {
        let now = Instant::now();
        let challenge = self.0.lock().ok()?.challenges.remove(id)?;
        let fresh = now.saturating_duration_since(challenge.issued) < CHALLENGE_TTL;
        (fresh && challenge.answer.matches(given)).then_some(challenge.investigator_id)
    }

    /// Starts a session for an investigator. `None` when too many are open.
    pub fn start(&self, investigator_id: i64) -> Option<Token> {
        let now = Instant::now();
        let token = Token::generate();
        let mut inner = self.0.lock().ok()?;
        if inner.sessions.len() >= MAX_ENTRIES {
            inner.sweep(now);
            if inner.sessions.len() >= MAX_ENTRIES {
                return None;
            }
        }
        inner.sessions.insert(
            token,
            Session {
                investigator_id,
                started: now,
                last_seen: now,
                enrolment: None,
            },
        );
        self.start_sweeping(&mut inner);
        Some(token)
    }

    /// The session's investigator, if it is open; counts as activity.
    pub fn get(&self, token: &Token) -> Option<i64> {
        let now = Instant::now();
        let mut inner = self.0.lock().ok()?;
        let session = inner.sessions.get_mut(token)?;
        if session.expired(now) {
            inner.sessions.remove(token);
            return None;
        }
        session.last_seen = now;
        Some(session.investigator_id)
    }

    /// Ends a session (logout).
    pub fn end(&self, token: &Token) {
        if let Ok(mut inner) = self.0.lock() {
            inner.sessions.remove(token);
        }
    }

    /// Ends every session of an investigator (disabled, or logged out everywhere).
    pub fn end_all_of(&self, investigator_id: i64) {
        if let Ok(mut inner) = self.0.lock() {
            inner
                .sessions
                .retain(|_, s| s.investigator_id != investigator_id);
        }
    }

    fn start_sweeping(&self, inner: &mut Inner) {
        if !inner.sweeping {
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                inner.sweeping = true;
                runtime.spawn(sweep(Arc::downgrade(&self.0)));
            }
        }
    }

    /// Makes every challenge, session, pending login and wrong code `by` older (tests).
    #[cfg(test)]
    pub(crate) fn age_everything(&self, by: Duration) {
        if let Ok(mut inner) = self.0.lock() {
            for c in inner.challenges.values_mut() {
                c.issued = c.issued.checked_sub(by).unwrap_or(c.issued);
            }
            for s in inner.sessions.values_mut() {
                s.started = s.started.checked_sub(by).unwrap_or(s.started);
                s.last_seen = s.last_seen.checked_sub(by).unwrap_or(s.last_seen);
                if let Some(e) = s.enrolment.as_mut() {
                    e.started = e.started.checked_sub(by).unwrap_or(e.started);
                }
            }
            for p in inner.pending.values_mut() {
                p.issued = p.issued.checked_sub(by).unwrap_or(p.issued);
            }
            for times in inner.wrong_codes.values_mut() {
                for t in times.iter_mut() {
                    *t = t.checked_sub(by).unwrap_or(*t);
                }
            }
        }
    }
}

/// Ends expired challenges and sessions until none are left, then stops (the next one
/// starts it again).
async fn sweep(inner: Weak<Mutex<Inner>>) {
    loop {
        tokio::time::sleep(SWEEP_EVERY).await;
        let Some(inner) = inner.upgrade() else { return };
        let Ok(mut inner) = inner.lock() else { return };
        inner.sweep(Instant::now());
        if inner.challenges.is_empty()
            && inner.sessions.is_empty()
            && inner.pending.is_empty()
            && inner.wrong_codes.is_empty()
        {
            inner.sweeping = false;
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use kentongan_crypto::challenge;
    use kentongan_crypto::keys::Identity;

    use super::*;

    fn issued(sessions: &TeamSessions, investigator: i64) -> (Token, Answer) {
        let identity = Identity::generate();
        let (expected, sealed) = challenge::issue(&identity.to_public()).unwrap();
        let id = sessions.add_challenge(investigator, expected).unwrap();
        (id, challenge::answer(&identity, &sealed).unwrap())
    }

    #[test]
    fn a_challenge_answers_once() {
        let sessions = TeamSessions::default();
        let (id, answer) = issued(&sessions, 7);
        assert_eq!(sessions.answer(&id, &answer), Some(7));
        assert_eq!(sessions.answer(&id, &answer), None, "single use");
    }

    #[test]
    fn a_wrong_answer_spends_the_challenge() {
        let sessions = TeamSessions::default();
        let (id, answer) = issued(&sessions, 7);
        let wrong = Answer::from_hex(&"00".repeat(32)).unwrap();
        assert_eq!(sessions.answer(&id, &wrong), None);
        assert_eq!(sessions.answer(&id, &answer), None);
    }

    #[test]
    fn a_flood_of_challenges_keeps_only_the_newest_few_per_investigator() {
        let sessions = TeamSessions::default();
        let first = issued(&sessions, 7);
        for _ in 0..1000 {
            let _ = issued(&sessions, 7);
        }
        let other = issued(&sessions, 8);
        let last = issued(&sessions, 7);
        let count = sessions.0.lock().unwrap().challenges.len();
        assert_eq!(count, CHALLENGES_PER_INVESTIGATOR + 1);
        assert_eq!(sessions.answer(&first.0, &first.1), None, "the oldest went");
        assert_eq!(
            sessions.answer(&other.0, &other.1),
            Some(8),
            "others untouched"
        );
        assert_eq!(sessions.answer(&last.0, &last.1), Some(7));
    }

    #[test]
    fn a_stale_challenge_is_refused() {
        let sessions = TeamSessions::default();
        let (id, answer) = issued(&sessions, 7);
        sessions.age_everything(CHALLENGE_TTL);
        assert_eq!(sessions.answer(&id, &answer), None);
    }

    #[test]
    fn sessions_end_on_logout_idle_lifetime_and_disable() {
        let sessions = TeamSessions::default();
        let a = sessions.start(1).unwrap();
        assert_eq!(sessions.get(&a), Some(1));
        sessions.end(&a);
        assert_eq!(sessions.get(&a), None);

        let b = sessions.start(1).unwrap();
        sessions.age_everything(IDLE);
        assert_eq!(sessions.get(&b), None);

        let c = sessions.start(1).unwrap();
        for _ in 0..(LIFETIME.as_secs() / IDLE.as_secs()) {
            sessions.age_everything(IDLE - Duration::from_secs(1));
            let _ = sessions.get(&c);
        }
        sessions.age_everything(Duration::from_secs(10 * 60));
        assert_eq!(sessions.get(&c), None, "past the lifetime even when active");

        let d = sessions.start(2).unwrap();
        let e = sessions.start(3).unwrap();
        sessions.end_all_of(2);
        assert_eq!(sessions.get(&d), None);
        assert_eq!(sessions.get(&e), Some(3));
    }
}
