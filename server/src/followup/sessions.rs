//! No-JavaScript follow-up sessions: after a login the server holds the case key in memory,
//! so that the reporter's next pages can be decrypted without deriving their key again.
//!
//! A session is a random id in an `HttpOnly`, `SameSite=Strict` cookie, and an entry in this
//! map: never written to disk, ended by logging out, by [`IDLE`] without a request, or after
//! [`LIFETIME`] at most. Dropping an entry drops the last handle to the case key, which
//! zeroizes itself. A sweeper task ends expired sessions even when nobody comes back.
//!
//! Sessions belong to the server instance that made them: behind a load balancer the no-JS
//! follow-up needs sticky sessions (or the reporter logs in again).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use kentongan_crypto::CaseKeys;
use kentongan_crypto::signature::TeamKey;
use rand::RngCore;

/// A session ends after this long without a request.
pub const IDLE: Duration = Duration::from_secs(15 * 60);
/// And after this long in any case.
pub const LIFETIME: Duration = Duration::from_secs(60 * 60);
/// Sessions at once; a login beyond this is refused as busy.
const MAX_SESSIONS: usize = 10_000;
/// How often expired sessions are swept while any exist.
const SWEEP_EVERY: Duration = Duration::from_secs(30);

/// A session's id: 32 random bytes, hex in the cookie.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionId([u8; 32]);

impl SessionId {
    fn generate() -> Self {
        let mut bytes = [0; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        SessionId(bytes)
    }

    /// The id in a cookie value, if it looks like one.
    pub fn parse(hex_id: &str) -> Option<Self> {
        let mut bytes = [0; 32];
        hex::decode_to_slice(hex_id, &mut bytes).ok()?;
        Some(SessionId(bytes))
    }

    pub fn to_hex(self) -> String {
        hex::encode(self.0)
    }
}

impl std::fmt::Debug for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionId([REDACTED])")
    }
}

/// What a reporter's login opened, held for the session.
pub struct OpenedCase {
    /// The case key only: the reporter's envelope has no notes key.
    pub keys: CaseKeys,
    /// The team signing key the reporter's commitment vouches for: the team's messages show
    /// as the team's only if they verify under it (none for a case filed before that).
    pub team: Option<TeamKey>,
}

/// What a session holds: the case and what the login opened.
pub struct Session {
    pub case_id: i64,
    pub opened: Arc<OpenedCase>,
    started: Instant,
    last_seen: Instant,
}

impl Session {
    fn expired(&self, now: Instant) -> bool {
        now.saturating_duration_since(self.last_seen) >= IDLE
            || now.saturating_duration_since(self.started) >= LIFETIME
    }
}

#[derive(Clone, Default)]
pub struct Sessions(Arc<Mutex<Inner>>);

#[derive(Default)]
struct Inner {
    sessions: HashMap<SessionId, Session>,
    sweeping: bool,
}

impl Sessions {
    /// Starts a session, ending any other session of the same case: one login per case at a
    /// time, so that nobody can fill the table (or keep old keys in memory) by logging in over
    /// and over. `None` when too many are open.
    pub fn start(&self, case_id: i64, opened: OpenedCase) -> Option<SessionId> {
        let now = Instant::now();
        let id = SessionId::generate();
        let mut inner = self.0.lock().ok()?;
        inner.sessions.retain(|_, s| s.case_id != case_id);
        if inner.sessions.len() >= MAX_SESSIONS {
            inner.sessions.retain(|_, s| !s.expired(now));
            if inner.sessions.len() >= MAX_SESSIONS {
                return None;
            }
        }
        inner.sessions.insert(
            id,
            Session {
                case_id,
                opened: Arc::new(opened),
                started: now,
                last_seen: now,
            },
        );
        if !inner.sweeping {
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                inner.sweeping = true;
                runtime.spawn(sweep(Arc::downgrade(&self.0)));
            }
        }
        Some(id)
    }

    /// The session's case and what the login opened, if it is open; counts as activity.
    pub fn get(&self, id: &SessionId) -> Option<(i64, Arc<OpenedCase>)> {
        let now = Instant::now();
        let mut inner = self.0.lock().ok()?;
        let session = inner.sessions.get_mut(id)?;
        if session.expired(now) {
            inner.sessions.remove(id);
            return None;
        }
        session.last_seen = now;
        Some((session.case_id, session.opened.clone()))
    }

    /// Ends a session (logout).
    pub fn end(&self, id: &SessionId) {
        if let Ok(mut inner) = self.0.lock() {
            inner.sessions.remove(id);
        }
    }

    /// Sessions open now (for tests and the benchmark).
    pub fn len(&self) -> usize {
        self.0.lock().map_or(0, |inner| inner.sessions.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[cfg(test)]
    fn age_all(&self, by: Duration) {
        if let Ok(mut inner) = self.0.lock() {
            for session in inner.sessions.values_mut() {
                session.started -= by;
                session.last_seen -= by;
            }
        }
    }

    #[cfg(test)]
    fn sweep_now(&self) {
        if let Ok(mut inner) = self.0.lock() {
            let now = Instant::now();
            inner.sessions.retain(|_, s| !s.expired(now));
        }
    }
}

/// Ends expired sessions every [`SWEEP_EVERY`] until none is left, then stops; the next login
/// starts it again.
async fn sweep(sessions: Weak<Mutex<Inner>>) {
    loop {
        tokio::time::sleep(SWEEP_EVERY).await;
        let Some(sessions) = sessions.upgrade() else {
            return;
        };
        let Ok(mut inner) = sessions.lock() else {
            return;
        };
        let now = Instant::now();
        inner.sessions.retain(|_, s| !s.expired(now));
        if inner.sessions.is_empty() {
            inner.sweeping = false;
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn opened(keys: CaseKeys) -> OpenedCase {
        OpenedCase { keys, team: None }
    }

    #[test]
    fn a_session_holds_its_case_until_logout() {
        let sessions = Sessions::default();
        let keys = CaseKeys::generate();
        let public = keys.case.to_public();
        let id = sessions.start(9, opened(keys)).unwrap();
        let (case, opened) = sessions.get(&id).unwrap();
        assert_eq!(case, 9);
        assert_eq!(opened.keys.case.to_public(), public);
        assert!(sessions.get(&SessionId::generate()).is_none());
        assert_eq!(SessionId::parse(&id.to_hex()), Some(id));
        assert_eq!(SessionId::parse("zz"), None);
        assert_eq!(format!("{id:?}"), "SessionId([REDACTED])");
        sessions.end(&id);
        assert!(sessions.get(&id).is_none());
        assert!(sessions.is_empty());
    }

    #[test]
    fn a_new_login_ends_the_older_session_of_its_case() {
        let sessions = Sessions::default();
        let first = sessions.start(3, opened(CaseKeys::generate())).unwrap();
        let other_case = sessions.start(4, opened(CaseKeys::generate())).unwrap();
        let second = sessions.start(3, opened(CaseKeys::generate())).unwrap();
        assert!(sessions.get(&first).is_none());
        assert!(sessions.get(&second).is_some() && sessions.get(&other_case).is_some());
        assert_eq!(sessions.len(), 2);
    }

    #[test]
    fn idle_and_old_sessions_end() {
        let sessions = Sessions::default();
        let id = sessions.start(1, opened(CaseKeys::generate())).unwrap();
        sessions.age_all(IDLE);
        assert!(sessions.get(&id).is_none());
        assert!(sessions.is_empty());

        // Active all along, but past its lifetime.
        let id = sessions.start(1, opened(CaseKeys::generate())).unwrap();
        if let Ok(mut inner) = sessions.0.lock() {
            inner.sessions.get_mut(&id).unwrap().started -= LIFETIME;
        }
        assert!(sessions.get(&id).is_none());

        let _ = sessions.start(1, opened(CaseKeys::generate())).unwrap();
        sessions.age_all(IDLE);
        sessions.sweep_now();
        assert!(sessions.is_empty());
    }
}
