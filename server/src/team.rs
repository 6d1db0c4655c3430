//! The current team: the active investigators every new case is sealed to.
//!
//! Read on every report, changed rarely and by another process (`kentongan investigator …`,
//! possibly on another instance), so it is cached for [`TEAM_TTL`]. A report sealed in the
//! seconds after a change still reaches every investigator of the old team; an added
//! investigator can be granted access to such a case later.

use std::sync::Arc;
use std::time::{Duration, Instant};

use kentongan_crypto::Recipient;
use kentongan_crypto::keys::fingerprint_of;
use tokio::sync::RwLock;

use crate::store::{Result, Store};

/// How long a read of the team is reused.
pub const TEAM_TTL: Duration = Duration::from_secs(2);

/// The active investigators at one moment.
#[derive(Debug, Default)]
pub struct Team {
    /// (investigator id, public key), by id.
    pub members: Vec<(i64, Recipient)>,
}

impl Team {
    pub fn recipients(&self) -> Vec<Recipient> {
        self.members.iter().map(|(_, r)| r.clone()).collect()
    }

    pub fn id_of(&self, recipient: &str) -> Option<i64> {
        let recipient: Recipient = recipient.parse().ok()?;
        self.members
            .iter()
            .find(|(_, r)| *r == recipient)
            .map(|(id, _)| *id)
    }

    /// What the public pages show: the number of keys and their joint fingerprint.
    pub fn view(&self) -> kentongan_templates::Team {
        kentongan_templates::Team {
            members: self.members.len(),
            fingerprint: (!self.members.is_empty())
                .then(|| fingerprint_of(self.members.iter().map(|(_, r)| r))),
        }
    }
}

pub struct TeamCache {
    store: Arc<dyn Store>,
    cached: RwLock<Option<(Instant, Arc<Team>)>>,
}

impl TeamCache {
    pub fn new(store: Arc<dyn Store>) -> Self {
        TeamCache {
            store,
            cached: RwLock::new(None),
        }
    }

    /// Forgets the cached team: the next read goes to the store. Called after this instance
    /// changed the team; other instances see the change within [`TEAM_TTL`].
    pub async fn invalidate(&self) {
        *self.cached.write().await = None;
    }

    pub async fn get(&self) -> Result<Arc<Team>> {
        if let Some((at, team)) = &*self.cached.read().await {
            if at.elapsed() < TEAM_TTL {
                return Ok(team.clone());
            }
        }
        let mut slot = self.cached.write().await;
        if let Some((at, team)) = &*slot {
            if at.elapsed() < TEAM_TTL {
                return Ok(team.clone());
            }
        }
        let investigators = match self.store.investigators().await {
            Ok(investigators) => investigators,
            // While the database is away, pages can still render with the last team read;
            // nothing can be stored until it is back anyway.
            Err(e) => match &*slot {
                Some((_, stale)) => {
                    tracing::warn!("cannot refresh the team, using the last one read: {e}");
                    return Ok(stale.clone());
                }
                None => return Err(e),
            },
        };
        let team = Arc::new(Team {
            members: investigators
                .into_iter()
                .filter(|i| i.active)
                .map(|i| (i.id, i.recipient))
                .collect(),
        });
        *slot = Some((Instant::now(), team.clone()));
        Ok(team)
    }
}
