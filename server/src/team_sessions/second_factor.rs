//! The second factor's part of logging in, in memory: a key login waiting for its code, the
//! limit on wrong codes, and a secret being enrolled.
//!
//! Wrong codes have a limit of their own rather than sharing one with the key: only someone
//! who has already answered the key's challenge (who holds the key file and its passphrase)
//! can try a code at all, so a stranger cannot lock an investigator out by guessing. A
//! pending login takes [`CODES_PER_LOGIN`] tries; across logins an investigator gets
//! [`WRONG_CODES`] wrong codes per [`WRONG_CODE_WINDOW`], after which every code is refused
//! until the window has passed. With three codes valid at a time (one step of skew each
//! way), a thief with the key has about 3 in 10^6 per guess: 480 guesses a day, about one
//! chance in 700 a day, while the office notices the key is lost.

use std::time::{Duration, Instant};

use super::{Inner, TeamSessions, Token};
use crate::totp::TotpSecret;

/// How long a key login waits for its code.
pub const CODE_TTL: Duration = Duration::from_secs(5 * 60);
/// Codes one pending login takes before the key login must start over.
pub const CODES_PER_LOGIN: u8 = 3;
/// Wrong codes an investigator may give within [`WRONG_CODE_WINDOW`].
pub const WRONG_CODES: usize = 5;
pub const WRONG_CODE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// How long a secret shown for enrolment waits for its first code.
pub const ENROL_TTL: Duration = Duration::from_secs(15 * 60);

pub(super) struct PendingLogin {
    investigator_id: i64,
    pub(super) issued: Instant,
    tries: u8,
}

pub(super) struct Enrolment {
    secret: TotpSecret,
    pub(super) started: Instant,
}

/// Whether a code may be tried for a pending login.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeAttempt {
    /// Yes, for this investigator.
    Go(i64),
    /// No such pending login (never, expired, or out of tries): log in with the key again.
    Gone,
    /// Too many wrong codes lately: wait.
    Locked,
}

impl Inner {
    pub(super) fn sweep_second_factor(&mut self, now: Instant) {
        self.pending
            .retain(|_, p| now.saturating_duration_since(p.issued) < CODE_TTL);
        for times in self.wrong_codes.values_mut() {
            times.retain(|t| now.saturating_duration_since(*t) < WRONG_CODE_WINDOW);
        }
        self.wrong_codes.retain(|_, times| !times.is_empty());
        for session in self.sessions.values_mut() {
            if session
                .enrolment
                .as_ref()
                .is_some_and(|e| now.saturating_duration_since(e.started) >= ENROL_TTL)
            {
                session.enrolment = None;
            }
        }
    }

    /// Takes back the latest try counted for the investigator.
    fn refund(&mut self, investigator_id: i64) {
        if let Some(times) = self.wrong_codes.get_mut(&investigator_id) {
            times.pop();
        }
    }

    fn locked(&mut self, investigator_id: i64, now: Instant) -> bool {
        self.wrong_codes
            .get_mut(&investigator_id)
            .is_some_and(|times| {
                times.retain(|t| now.saturating_duration_since(*t) < WRONG_CODE_WINDOW);
                times.len() >= WRONG_CODES
            })
    }
}

impl TeamSessions {
    /// A key login that needs a code: its id. `None` when too many are open.
    pub fn add_pending(&self, investigator_id: i64) -> Option<Token> {
        let now = Instant::now();
        let id = Token::generate();
        let mut inner = self.0.lock().ok()?;
        // One at a time per investigator: a new key login replaces the one waiting.
        inner
            .pending
            .retain(|_, p| p.investigator_id != investigator_id);
        if inner.pending.len() >= super::MAX_ENTRIES {
            inner.sweep(now);
            if inner.pending.len() >= super::MAX_ENTRIES {
                return None;
            }
        }
        inner.pending.insert(
            id,
            PendingLogin {
                investigator_id,
                issued: now,
                tries: 0,
            },
        );
        self.start_sweeping(&mut inner);
        Some(id)
    }

    /// Whether a code may be tried for the pending login `id`; if so, the try is counted now,
    /// as a wrong one, before the code is checked: requests sent in parallel cannot all pass
    /// the check before any of them is counted. [`TeamSessions::finish_pending`] takes the
    /// count back for a right code.
    pub fn code_attempt(&self, id: &Token) -> CodeAttempt {
        let now = Instant::now();
        let Ok(mut inner) = self.0.lock() else {
            return CodeAttempt::Gone;
        };
        let Some(pending) = inner.pending.get(id) else {
            return CodeAttempt::Gone;
        };
        let investigator_id = pending.investigator_id;
        if now.saturating_duration_since(pending.issued) >= CODE_TTL
            || pending.tries >= CODES_PER_LOGIN
        {
            inner.pending.remove(id);
            return CodeAttempt::Gone;
        }
        if inner.locked(investigator_id, now) {
            return CodeAttempt::Locked;
        }
        if let Some(pending) = inner.pending.get_mut(id) {
            pending.tries = pending.tries.saturating_add(1);
        }
        inner
            .wrong_codes
            .entry(investigator_id)
            .or_default()
            .push(now);
        self.start_sweeping(&mut inner);
        CodeAttempt::Go(investigator_id)
    }

    /// The pending login `id` is done: a right code was given, and its try is not counted
    /// as a wrong one after all.
    pub fn finish_pending(&self, id: &Token) {
        if let Ok(mut inner) = self.0.lock() {
            if let Some(pending) = inner.pending.remove(id) {
                inner.refund(pending.investigator_id);
            }
        }
    }

    /// After a wrong (or replayed) code for the pending login `id` (already counted by
    /// [`TeamSessions::code_attempt`]): whether it may still be tried.
    pub fn wrong_login_code(&self, id: &Token) -> bool {
        let Ok(mut inner) = self.0.lock() else {
            return false;
        };
        let Some(pending) = inner.pending.get(id) else {
            return false;
        };
        if pending.tries >= CODES_PER_LOGIN {
            inner.pending.remove(id);
            return false;
        }
        true
    }

    /// Whether the investigator may try a code inside a session (turning the second factor
    /// off); if so, the try is counted now, as a wrong one, for the same reason as in
    /// [`TeamSessions::code_attempt`]. [`TeamSessions::right_code`] takes it back.
    pub fn charge_code(&self, investigator_id: i64) -> bool {
        let now = Instant::now();
        let Ok(mut inner) = self.0.lock() else {
            return false;
        };
        if inner.locked(investigator_id, now) {
            return false;
        }
        inner
            .wrong_codes
            .entry(investigator_id)
            .or_default()
            .push(now);
        self.start_sweeping(&mut inner);
        true
    }

    /// A code counted by [`TeamSessions::charge_code`] was right.
    pub fn right_code(&self, investigator_id: i64) {
        if let Ok(mut inner) = self.0.lock() {
            inner.refund(investigator_id);
        }
    }

    /// Keeps a secret just shown to the session's investigator until they confirm it (a new
    /// one replaces it). False if the session is gone.
    pub fn start_enrolment(&self, session: &Token, secret: TotpSecret) -> bool {
        let Ok(mut inner) = self.0.lock() else {
            return false;
        };
        let Some(open) = inner.sessions.get_mut(session) else {
            return false;
        };
        open.enrolment = Some(Enrolment {
            secret,
            started: Instant::now(),
        });
        true
    }

    /// The secret being enrolled in this session, taken out of it, if `check` accepts it
    /// (gives the time step of the code that confirmed it). A refused or expired one stays
    /// or goes as before.
    pub fn confirm_enrolment(
        &self,
        session: &Token,
        check: impl FnOnce(&TotpSecret) -> Option<i64>,
    ) -> Option<(TotpSecret, i64)> {
        let now = Instant::now();
        let mut inner = self.0.lock().ok()?;
        let open = inner.sessions.get_mut(session)?;
        let enrolment = open.enrolment.take()?;
        if now.saturating_duration_since(enrolment.started) >= ENROL_TTL {
            return None;
        }
        match check(&enrolment.secret) {
            Some(step) => Some((enrolment.secret, step)),
            None => {
                open.enrolment = Some(enrolment);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pending_login_takes_a_few_codes_then_is_gone() {
        let sessions = TeamSessions::default();
        let id = sessions.add_pending(7).unwrap();
        for _ in 1..CODES_PER_LOGIN {
            assert_eq!(sessions.code_attempt(&id), CodeAttempt::Go(7));
            assert!(sessions.wrong_login_code(&id));
        }
        assert_eq!(sessions.code_attempt(&id), CodeAttempt::Go(7));
        assert!(!sessions.wrong_login_code(&id));
        assert_eq!(sessions.code_attempt(&id), CodeAttempt::Gone);
    }

    #[test]
    fn codes_sent_at_once_are_counted_before_any_is_checked() {
        let sessions = TeamSessions::default();
        let id = sessions.add_pending(7).unwrap();
        // Ten requests in flight, none answered yet: only the allowed tries get through.
        let through = (0..10)
            .filter(|_| sessions.code_attempt(&id) == CodeAttempt::Go(7))
            .count();
        assert_eq!(through, usize::from(CODES_PER_LOGIN));
        // The same inside a session (turning the second factor off).
        let allowed = WRONG_CODES - usize::from(CODES_PER_LOGIN);
        let through = (0..10).filter(|_| sessions.charge_code(7)).count();
        assert_eq!(through, allowed);
    }

    #[test]
    fn a_right_code_is_not_counted_as_wrong() {
        let sessions = TeamSessions::default();
        for _ in 0..2 * WRONG_CODES {
            let id = sessions.add_pending(7).unwrap();
            assert_eq!(sessions.code_attempt(&id), CodeAttempt::Go(7));
            sessions.finish_pending(&id);
            assert!(sessions.charge_code(7));
            sessions.right_code(7);
        }
        assert!(sessions.charge_code(7));
    }

    #[test]
    fn wrong_codes_across_logins_lock_the_investigator_for_a_while() {
        let sessions = TeamSessions::default();
        for _ in 0..WRONG_CODES {
            let id = sessions.add_pending(7).unwrap();
            assert_eq!(sessions.code_attempt(&id), CodeAttempt::Go(7));
            sessions.wrong_login_code(&id);
        }
        let id = sessions.add_pending(7).unwrap();
        assert_eq!(sessions.code_attempt(&id), CodeAttempt::Locked);
        assert!(!sessions.charge_code(7));
        let other = sessions.add_pending(8).unwrap();
        assert_eq!(sessions.code_attempt(&other), CodeAttempt::Go(8));
        sessions.age_everything(WRONG_CODE_WINDOW);
        let id = sessions.add_pending(7).unwrap();
        assert_eq!(sessions.code_attempt(&id), CodeAttempt::Go(7));
    }

    #[test]
    fn a_pending_login_expires_and_a_new_one_replaces_it() {
        let sessions = TeamSessions::default();
        let first = sessions.add_pending(7).unwrap();
        let second = sessions.add_pending(7).unwrap();
        assert_eq!(sessions.code_attempt(&first), CodeAttempt::Gone);
        sessions.age_everything(CODE_TTL);
        assert_eq!(sessions.code_attempt(&second), CodeAttempt::Gone);
    }

    #[test]
    fn an_enrolment_is_confirmed_once_and_expires() {
        let sessions = TeamSessions::default();
        let session = sessions.start(7).unwrap();
        assert!(sessions.start_enrolment(&session, TotpSecret::generate()));
        assert!(sessions.confirm_enrolment(&session, |_| None).is_none());
        let (_, step) = sessions.confirm_enrolment(&session, |_| Some(42)).unwrap();
        assert_eq!(step, 42);
        assert!(sessions.confirm_enrolment(&session, |_| Some(43)).is_none());

        assert!(sessions.start_enrolment(&session, TotpSecret::generate()));
        sessions.age_everything(ENROL_TTL);
        let _ = sessions.get(&session);
        assert!(sessions.confirm_enrolment(&session, |_| Some(44)).is_none());
    }
}
