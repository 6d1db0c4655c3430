//! The no-JavaScript path's encryption: reports sealed in server memory.
//!
//! Sealing derives the reporter's key with Argon2id at 64 MiB, about 0.1 s of one core. Left
//! unbounded, a burst of submissions would take all memory; so at most `concurrent` seals run
//! at once (one per core by default), at most `waiting` more wait for a slot, and anything
//! beyond is refused at once with [`SealRefusal::Busy`] — the reporter keeps their form and
//! is told to try again in a minute. A refused report is never half-stored.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use kentongan_crypto::reporter::KdfParams;
use kentongan_crypto::submission::{SealError, Submission, seal_report};
use kentongan_crypto::{Recipient, Report};
use tokio::sync::Semaphore;

pub struct Sealer {
    slots: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
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
                if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.max_waiting {
                    self.waiting.fetch_sub(1, Ordering::SeqCst);
                    return Err(SealRefusal::Busy);
                }
                let permit = self.slots.clone().acquire_owned().await;
                self.waiting.fetch_sub(1, Ordering::SeqCst);
                permit.map_err(|_| SealRefusal::Busy)?
            }
        };
        let sealed = tokio::task::spawn_blocking(move || {
            let result = seal_report(&report, &team, KdfParams::CURRENT);
            drop(permit);
            result
        })
        .await
        .map_err(|_| SealRefusal::Seal(SealError::Crypto))?;
        sealed.map_err(SealRefusal::Seal)
    }
}
