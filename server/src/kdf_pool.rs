//! Argon2id in server memory, bounded: the no-JavaScript path's report sealing and
//! follow-up logins both derive a reporter's key here.
//!
//! A derivation takes 64 MiB and about 0.15 s of one core. Left unbounded, a burst of
//! submissions or a flood of logins would take all memory; so at most `concurrent`
//! derivations run at once (one per core by default), at most `waiting` more wait for a slot,
//! and anything beyond is refused at once with [`Refusal::Busy`] — the reporter keeps their
//! form and is told to try again in a minute. A refused request has changed nothing.
//!
//! Logins cost an attacker nothing but a request (any receipt code will do), reports are what
//! the service is for: so logins ([`Lane::Login`]) get at most all slots but one (one when
//! there is only one) and half the waiting line, and a flood of logins leaves room for
//! reports.
//!
//! Under load the 64 MiB of Argon2id working memory is passed from one derivation to the
//! next instead of being mapped and faulted in again each time (a tenth of the work); after
//! [`IDLE_RELEASE`] without one it is freed, so an idle server does not keep it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kentongan_crypto::reporter::KdfMemory;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long working memory is kept after the last derivation.
pub const IDLE_RELEASE: Duration = Duration::from_secs(10);

pub struct KdfPool {
    slots: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
    /// Logins pass this first: it holds one permit fewer than `slots`.
    login_gate: Arc<Semaphore>,
    login_waiting: AtomicUsize,
    memory: Arc<Mutex<Pool>>,
}

/// What a derivation is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lane {
    /// Sealing a no-JS report.
    Report,
    /// A no-JS follow-up login.
    Login,
}

#[derive(Default)]
struct Pool {
    free: Vec<KdfMemory>,
    last_used: Option<Instant>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Too many derivations are running and waiting; try again shortly.
    Busy,
    /// The job panicked (a bug); nothing was done.
    Failed,
}

impl KdfPool {
    pub fn new(concurrent: usize, waiting: usize) -> Self {
        let concurrent = concurrent.max(1);
        KdfPool {
            slots: Arc::new(Semaphore::new(concurrent)),
            waiting: AtomicUsize::new(0),
            max_waiting: waiting,
            login_gate: Arc::new(Semaphore::new((concurrent - 1).max(1))),
            login_waiting: AtomicUsize::new(0),
            memory: Arc::new(Mutex::new(Pool::default())),
        }
    }

    /// Runs `job` on a blocking thread within the limits above, with working memory for
    /// Argon2id. Whatever secrets the job captures are moved in and dropped on that thread.
    pub async fn run<T, F>(&self, lane: Lane, job: F) -> Result<T, Refusal>
    where
        T: Send + 'static,
        F: FnOnce(&mut KdfMemory) -> T + Send + 'static,
    {
        let gate = match lane {
            Lane::Login => {
                Some(enter(&self.login_gate, &self.login_waiting, self.max_waiting / 2).await?)
            }
            Lane::Report => None,
        };
        let permit = enter(&self.slots, &self.waiting, self.max_waiting).await?;
        let pool = self.memory.clone();
        tokio::task::spawn_blocking(move || {
            let mut memory = take(&pool).unwrap_or_default();
            let result = job(&mut memory);
            give_back(&pool, memory);
            drop(permit);
            drop(gate);
            result
        })
        .await
        .map_err(|_| Refusal::Failed)
    }
}

/// A permit of `slots` at once, or after waiting in a line of at most `max_waiting`.
async fn enter(
    slots: &Arc<Semaphore>,
    waiting: &AtomicUsize,
    max_waiting: usize,
) -> Result<OwnedSemaphorePermit, Refusal> {
    if let Ok(permit) = slots.clone().try_acquire_owned() {
        return Ok(permit);
    }
    // Counted out again on drop, also when the reporter's connection closes while waiting and
    // this future is dropped.
    let _waiting = Waiting::enter(waiting, max_waiting)?;
    slots
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| Refusal::Busy)
}

/// One place in the waiting line.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn enter(count: &'a AtomicUsize, max: usize) -> Result<Self, Refusal> {
        if count.fetch_add(1, Ordering::SeqCst) >= max {
            count.fetch_sub(1, Ordering::SeqCst);
            return Err(Refusal::Busy);
        }
        Ok(Waiting(count))
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn take(pool: &Mutex<Pool>) -> Option<KdfMemory> {
    pool.lock().ok()?.free.pop()
}

fn give_back(pool: &Arc<Mutex<Pool>>, memory: KdfMemory) {
    let Ok(mut guard) = pool.lock() else { return };
    guard.free.push(memory);
    let start_timer = guard.last_used.is_none();
    guard.last_used = Some(Instant::now());
    drop(guard);
    // The first derivation after a release starts a timer that frees the memory once idle.
    if start_timer {
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(release_when_idle(Arc::downgrade(pool)));
        }
    }
}

/// Frees the working memory once [`IDLE_RELEASE`] has passed since the last derivation: it
/// sleeps until that moment, and again if a derivation came in meanwhile.
async fn release_when_idle(pool: std::sync::Weak<Mutex<Pool>>) {
    let mut wait = IDLE_RELEASE;
    loop {
        tokio::time::sleep(wait).await;
        let Some(pool) = pool.upgrade() else { return };
        let Ok(mut guard) = pool.lock() else { return };
        let idle = guard.last_used.map_or(IDLE_RELEASE, |t| t.elapsed());
        if idle >= IDLE_RELEASE {
            guard.free.clear();
            guard.last_used = None;
            return;
        }
        wait = IDLE_RELEASE - idle;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_waiter_leaves_the_line() {
        let count = AtomicUsize::new(0);
        let first = Waiting::enter(&count, 1).unwrap();
        assert!(matches!(Waiting::enter(&count, 1), Err(Refusal::Busy)));
        drop(first);
        assert_eq!(count.load(Ordering::SeqCst), 0);
        assert!(Waiting::enter(&count, 1).is_ok());
    }

    #[tokio::test]
    async fn a_cancelled_job_does_not_hold_a_place() {
        let pool = KdfPool::new(1, 1);
        let _busy = pool.slots.clone().try_acquire_owned().unwrap();
        // The waiting job is abandoned, as when the reporter's connection closes.
        let waiting =
            tokio::time::timeout(Duration::from_millis(50), pool.run(Lane::Report, |_| ())).await;
        assert!(waiting.is_err());
        assert_eq!(pool.waiting.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn beyond_the_line_is_refused_at_once() {
        let pool = Arc::new(KdfPool::new(1, 1));
        let busy = pool.slots.clone().try_acquire_owned().unwrap();
        let waiter = tokio::spawn({
            let pool = pool.clone();
            async move { pool.run(Lane::Report, |_| 7).await }
        });
        while pool.waiting.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        assert_eq!(pool.run(Lane::Report, |_| 8).await, Err(Refusal::Busy));
        drop(busy);
        assert_eq!(waiter.await.unwrap(), Ok(7));
    }

    #[tokio::test]
    async fn a_flood_of_logins_leaves_a_slot_for_reports() {
        let pool = Arc::new(KdfPool::new(2, 4));
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let hold = Arc::new(Mutex::new(hold));
        // One login runs (and blocks); two more wait in the login line; the next is refused.
        let mut logins = Vec::new();
        for _ in 0..3 {
            let (pool, hold) = (pool.clone(), hold.clone());
            logins.push(tokio::spawn(async move {
                pool.run(Lane::Login, move |_| {
                    let _ = hold.lock().unwrap().recv();
                })
                .await
            }));
        }
        while pool.login_waiting.load(Ordering::SeqCst) < 2 {
            tokio::task::yield_now().await;
        }
        assert_eq!(pool.run(Lane::Login, |_| ()).await, Err(Refusal::Busy));
        // A report still gets the other slot at once.
        assert_eq!(pool.run(Lane::Report, |_| 5).await, Ok(5));
        for _ in 0..3 {
            release.send(()).unwrap();
        }
        for login in logins {
            assert_eq!(login.await.unwrap(), Ok(()));
        }
    }
}
