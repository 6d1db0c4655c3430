//! The no-JavaScript path's encryption: reports sealed in server memory.
//!
//! Sealing derives the reporter's key with Argon2id at 64 MiB, about 0.15 s of one core. Left
//! unbounded, a burst of submissions would take all memory; so at most `concurrent` seals run
//! at once (one per core by default), at most `waiting` more wait for a slot, and anything
//! beyond is refused at once with [`SealRefusal::Busy`] — the reporter keeps their form and
//! is told to try again in a minute. A refused report is never half-stored.
//!
//! Under load the 64 MiB of Argon2id working memory is passed from one seal to the next
//! instead of being mapped and faulted in again each time (a tenth of the work); after
//! [`IDLE_RELEASE`] without a seal it is freed, so an idle server does not keep it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kentongan_crypto::reporter::{KdfMemory, KdfParams};
use kentongan_crypto::submission::{SealError, Submission, seal_report_in};
use kentongan_crypto::{Recipient, Report};
use tokio::sync::Semaphore;

/// How long working memory is kept after the last seal.
pub const IDLE_RELEASE: Duration = Duration::from_secs(10);

pub struct Sealer {
    slots: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
    memory: Arc<Mutex<Pool>>,
}

#[derive(Default)]
struct Pool {
    free: Vec<KdfMemory>,
    last_used: Option<Instant>,
}

#[derive(Debug)]
pub enum SealRefusal {
    /// Too many reports are being sealed; try again shortly.
    Busy,
    /// The crypto refused: invalid report, no investigators, or an internal failure.
    Seal(SealError),
}

impl Sealer {
    pub fn new(concurrent: usize, waiting: usize) -> Self {
        Sealer {
            slots: Arc::new(Semaphore::new(concurrent.max(1))),
            waiting: AtomicUsize::new(0),
            max_waiting: waiting,
            memory: Arc::new(Mutex::new(Pool::default())),
        }
    }

    /// Seals `report` to `team` on a blocking thread, within the limits above. The report is
    /// moved in and dropped (zeroized) on that thread.
    pub async fn seal(
        &self,
        report: Report,
        team: Vec<Recipient>,
    ) -> Result<Submission, SealRefusal> {
        let permit = match self.slots.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                // Counted out again on drop, also when the reporter's connection closes while
                // waiting and this future is dropped.
                let _waiting = Waiting::enter(&self.waiting, self.max_waiting)?;
                self.slots
                    .clone()
                    .acquire_owned()
                    .await
                    .map_err(|_| SealRefusal::Busy)?
            }
        };
        let pool = self.memory.clone();
        let sealed = tokio::task::spawn_blocking(move || {
            let mut memory = take(&pool).unwrap_or_default();
            let result = seal_report_in(&report, &team, KdfParams::CURRENT, &mut memory);
            give_back(&pool, memory);
            drop(permit);
            result
        })
        .await
        .map_err(|_| SealRefusal::Seal(SealError::Crypto))?;
        sealed.map_err(SealRefusal::Seal)
    }
}

/// One place in the waiting line.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn enter(count: &'a AtomicUsize, max: usize) -> Result<Self, SealRefusal> {
        if count.fetch_add(1, Ordering::SeqCst) >= max {
            count.fetch_sub(1, Ordering::SeqCst);
            return Err(SealRefusal::Busy);
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
    // The first seal after a release starts a timer that frees the memory once idle.
    if start_timer {
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(release_when_idle(Arc::downgrade(pool)));
        }
    }
}

async fn release_when_idle(pool: std::sync::Weak<Mutex<Pool>>) {
    loop {
        tokio::time::sleep(IDLE_RELEASE).await;
        let Some(pool) = pool.upgrade() else { return };
        let Ok(mut guard) = pool.lock() else { return };
        if guard.last_used.is_none_or(|t| t.elapsed() >= IDLE_RELEASE) {
            guard.free.clear();
            guard.last_used = None;
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_waiter_leaves_the_line() {
        let count = AtomicUsize::new(0);
        let first = Waiting::enter(&count, 1).unwrap();
        assert!(matches!(Waiting::enter(&count, 1), Err(SealRefusal::Busy)));
        drop(first);
        assert_eq!(count.load(Ordering::SeqCst), 0);
        assert!(Waiting::enter(&count, 1).is_ok());
    }

    #[tokio::test]
    async fn a_cancelled_seal_does_not_hold_a_place() {
        let sealer = Sealer::new(1, 1);
        let _busy = sealer.slots.clone().try_acquire_owned().unwrap();
        let report: Report = serde_json::from_str(
            r#"{"category":"kkn","what":"x","language":"id","encrypted_in":"server"}"#,
        )
        .unwrap();
        // The waiting seal is abandoned, as when the reporter's connection closes.
        let waiting = tokio::time::timeout(
            Duration::from_millis(50),
            sealer.seal(report.clone(), Vec::new()),
        )
        .await;
        assert!(waiting.is_err());
        assert_eq!(sealer.waiting.load(Ordering::SeqCst), 0);
    }
}
