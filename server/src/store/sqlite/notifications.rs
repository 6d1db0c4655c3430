//! The notification outbox on SQLite: claiming what is queued. Queuing and deleting are
//! writes, run by the writer (`writer.rs`).

use async_trait::async_trait;
use sqlx::Row;
use sqlx::sqlite::SqlitePool;
use tokio::sync::mpsc;

use super::write_to;
use super::writer::{Job, Pending};
use crate::store::{NOTIFICATION_BATCH, Notification, NotificationClaim, Result};

pub(super) async fn claim(
    reads: &SqlitePool,
    writes: &mpsc::Sender<Job>,
) -> Result<Option<Box<dyn NotificationClaim>>> {
    let rows = sqlx::query("SELECT id, kind FROM notifications ORDER BY id LIMIT ?")
        .bind(NOTIFICATION_BATCH)
        .fetch_all(reads)
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.try_get::<i64, _>("id")?,
                Notification::from_slug(row.try_get("kind")?)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some(Box::new(SqliteClaim {
        rows,
        writes: writes.clone(),
    })))
}

/// Notifications read from the outbox; deleting them goes through the writer.
struct SqliteClaim {
    rows: Vec<(i64, Notification)>,
    writes: mpsc::Sender<Job>,
}

#[async_trait]
impl NotificationClaim for SqliteClaim {
    fn kinds(&self) -> Vec<Notification> {
        kinds_of(&self.rows)
    }

    async fn sent(self: Box<Self>) -> Result<()> {
        let ids = self.rows.iter().map(|&(id, _)| id).collect();
        write_to(&self.writes, |reply| {
            Job::DeleteNotifications(Pending::new(ids, reply))
        })
        .await
    }
}

/// Each kind among `rows` once, in [`Notification::ALL`] order.
pub(in crate::store) fn kinds_of(rows: &[(i64, Notification)]) -> Vec<Notification> {
    Notification::ALL
        .into_iter()
        .filter(|kind| rows.iter().any(|(_, k)| k == kind))
        .collect()
}
