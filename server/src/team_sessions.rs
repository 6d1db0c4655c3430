//! Investigators' logins and sessions in the workspace (`/team`), in memory.
//!
//! A login is a challenge: the server encrypts a random answer to the investigator's
//! registered recipient ([`kentongan_crypto::challenge`]), and whoever sends it back holds the
//! secret key. The server keeps nothing for a challenge it issues: the challenge's id carries
//! the investigator, the time, and a MAC (under a key of this process) over those, the answer
//! and the browser that asked (its CSRF cookie). Anyone may ask for challenges to any
//! registered key, since keys are public, but asking stores nothing, so no flood of them
//! can push out or spend someone else's. An answered challenge is remembered until it
//! expires ([`CHALLENGE_TTL`]), so it answers once. A session is a random token in an
//! `HttpOnly`, `SameSite=Strict` cookie; it ends on logout, after [`IDLE`] without a request,
//! or after [`LIFETIME`].
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
use std::time::{Duration, Instant, SystemTime};

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use kentongan_crypto::challenge::Answer;
use rand::RngCore;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

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
/// Open sessions at once; beyond this, a new one is refused as busy. Only a login with the
/// key (and code) makes one.
const MAX_ENTRIES: usize = 10_000;
/// What the MAC of a challenge id starts with.
const CHALLENGE_LABEL: &[u8] = b"kentongan/team-challenge-id/v1";
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

/// A challenge's id as the browser holds it: the investigator, when it was issued (Unix
/// seconds), and the MAC that binds them to the answer and the browser. 96 hex digits on
/// the wire.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ChallengeId {
    investigator_id: i64,
    issued: u64,
    tag: [u8; 32],
}

impl ChallengeId {
    pub fn to_hex(&self) -> String {
        let mut bytes = Vec::with_capacity(48);
        bytes.extend_from_slice(&self.investigator_id.to_be_bytes());
        bytes.extend_from_slice(&self.issued.to_be_bytes());
        bytes.extend_from_slice(&self.tag);
        hex::encode(bytes)
    }

    /// The id in a request, if it looks like one.
    pub fn parse(hex_id: &str) -> Option<Self> {
        let mut bytes = [0u8; 48];
        hex::decode_to_slice(hex_id, &mut bytes).ok()?;
        let (investigator, rest) = bytes.split_first_chunk::<8>()?;
        let (issued, tag) = rest.split_first_chunk::<8>()?;
        Some(ChallengeId {
            investigator_id: i64::from_be_bytes(*investigator),
            issued: u64::from_be_bytes(*issued),
            tag: (*tag).try_into().ok()?,
        })
    }
}

impl std::fmt::Debug for ChallengeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChallengeId([REDACTED])")
    }
}

/// The MAC key of this process's challenge ids: one SHA-256 block, HMAC's own key size.
struct ChallengeKey(Zeroizing<[u8; 64]>);

impl Default for ChallengeKey {
    fn default() -> Self {
        let mut key = Zeroizing::new([0u8; 64]);
        rand::rngs::OsRng.fill_bytes(&mut *key);
        ChallengeKey(key)
    }
}

impl ChallengeKey {
    fn tag(&self, investigator_id: i64, issued: u64, answer: &Answer, browser: &str) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as KeyInit>::new(&(*self.0).into());
        mac.update(CHALLENGE_LABEL);
        mac.update(&investigator_id.to_be_bytes());
        mac.update(&issued.to_be_bytes());
        let answer = Zeroizing::new(answer.to_hex());
        mac.update(answer.as_bytes());
        mac.update(browser.as_bytes());
        mac.finalize().into_bytes().into()
    }
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
    challenge_key: ChallengeKey,
    /// Challenges answered and not yet expired, by their MAC, so each answers once.
    answered: HashMap<[u8; 32], u64>,
    /// Added to the clock (tests age everything with it).
    #[cfg(test)]
    skew: Duration,
    sessions: HashMap<Token, Session>,
    /// Key logins waiting for a second-factor code.
    pending: HashMap<Token, PendingLogin>,
    /// Each investigator's recent wrong codes.
    wrong_codes: HashMap<i64, Vec<Instant>>,
    sweeping: bool,
}

impl Inner {
    /// Now in Unix seconds, for challenge ids.
    fn unix_now(&self) -> u64 {
        let now = SystemTime::now();
        #[cfg(test)]
        let now = now + self.skew;
        now.duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }

    fn sweep(&mut self, now: Instant) {
        let unix_now = self.unix_now();
        self.answered
            .retain(|_, issued| unix_now < issued.saturating_add(CHALLENGE_TTL.as_secs()));
        self.sessions.retain(|_, s| !s.expired(now));
        self.sweep_second_factor(now);
    }
}

impl TeamSessions {
    /// The state, even if a thread panicked while holding it.
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The id of a challenge just issued to an investigator, whose answer is `answer`, for
    /// the browser whose CSRF cookie is `browser`. Nothing is stored.
    pub fn add_challenge(
        &self,
        investigator_id: i64,
        answer: &Answer,
        browser: &str,
    ) -> ChallengeId {
        let inner = self.lock();
        let issued = inner.unix_now();
        ChallengeId {
            investigator_id,
            issued,
            tag: inner
                .challenge_key
                .tag(investigator_id, issued, answer, browser),
        }
    }

    /// Checks an answer: the investigator the challenge was issued to, if `given` is its
    /// answer, `browser` is the browser that asked, it has not expired and it was not
    /// answered before.
    pub fn answer(&self, id: &ChallengeId, given: &Answer, browser: &str) -> Option<i64> {
        let mut inner = self.lock();
        let now = inner.unix_now();
        let fresh = id.issued <= now && now < id.issued.saturating_add(CHALLENGE_TTL.as_secs());
        let expected = inner
            .challenge_key
            .tag(id.investigator_id, id.issued, given, browser);
        if !fresh || !bool::from(expected.ct_eq(&id.tag)) {
            return None;
        }
        if inner.answered.insert(id.tag, id.issued).is_some() {
            return None;
        }
        self.start_sweeping(&mut inner);
        Some(id.investigator_id)
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
            inner.skew += by;
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
        if inner.answered.is_empty()
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

    const BROWSER: &str = "a1b2";

    fn issued(sessions: &TeamSessions, investigator: i64) -> (ChallengeId, Answer) {
        issued_to(sessions, investigator, BROWSER)
    }

    fn issued_to(
        sessions: &TeamSessions,
        investigator: i64,
        browser: &str,
    ) -> (ChallengeId, Answer) {
        let identity = Identity::generate();
        let (expected, sealed) = challenge::issue(&identity.to_public()).unwrap();
        let id = sessions.add_challenge(investigator, &expected, browser);
        let id = ChallengeId::parse(&id.to_hex()).unwrap();
        (id, challenge::answer(&identity, &sealed).unwrap())
    }

    #[test]
    fn a_challenge_answers_once() {
        let sessions = TeamSessions::default();
        let (id, answer) = issued(&sessions, 7);
        assert_eq!(sessions.answer(&id, &answer, BROWSER), Some(7));
        assert_eq!(sessions.answer(&id, &answer, BROWSER), None, "single use");
    }

    #[test]
    fn a_wrong_answer_another_browser_or_a_changed_id_is_refused() {
        let sessions = TeamSessions::default();
        let (id, answer) = issued(&sessions, 7);
        let wrong = Answer::from_hex(&"00".repeat(32)).unwrap();
        assert_eq!(sessions.answer(&id, &wrong, BROWSER), None);
        assert_eq!(sessions.answer(&id, &answer, "another"), None);
        let mut other = id;
        other.investigator_id = 8;
        assert_eq!(sessions.answer(&other, &answer, BROWSER), None);
        let mut later = id;
        later.issued += 60;
        assert_eq!(sessions.answer(&later, &answer, BROWSER), None);
        // None of that spent it.
        assert_eq!(sessions.answer(&id, &answer, BROWSER), Some(7));
    }

    #[test]
    fn a_flood_of_challenges_to_a_key_spends_nobody_elses() {
        // Keys are public: before, 3 challenges per key were kept and each new one pushed
        // out the oldest, so ~900 requests/s kept an investigator out.
        let sessions = TeamSessions::default();
        let mine = issued_to(&sessions, 7, "mine");
        for _ in 0..1000 {
            let _ = issued_to(&sessions, 7, "stranger");
        }
        assert!(sessions.lock().answered.is_empty(), "asking stores nothing");
        assert_eq!(sessions.answer(&mine.0, &mine.1, "mine"), Some(7));
    }

    #[test]
    fn ids_from_another_process_are_refused() {
        let (id, answer) = issued(&TeamSessions::default(), 7);
        assert_eq!(TeamSessions::default().answer(&id, &answer, BROWSER), None);
    }

    #[test]
    fn a_stale_challenge_is_refused() {
        let sessions = TeamSessions::default();
        let (id, answer) = issued(&sessions, 7);
        sessions.age_everything(CHALLENGE_TTL);
        assert_eq!(sessions.answer(&id, &answer, BROWSER), None);
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
