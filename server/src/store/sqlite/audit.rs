//! The audit log on SQLite: reading it. Entries are appended by the writer, in the
//! transaction of the change they record (`writes::append_audit`).

use sqlx::Row;
use sqlx::sqlite::{SqlitePool, SqliteRow};

use crate::audit::AuditEntry;
use crate::store::Result;
use crate::store::codec::{hash32, parse_instant};

pub(super) async fn log(reads: &SqlitePool) -> Result<Vec<AuditEntry>> {
    sqlx::query(
        "SELECT seq, at, actor, action, case_id, detail, prev_hash, hash \
         FROM audit_log ORDER BY seq",
    )
    .fetch_all(reads)
    .await?
    .iter()
    .map(audit_from_row)
    .collect()
}

fn audit_from_row(row: &SqliteRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        seq: row.try_get("seq")?,
        at: parse_instant(row.try_get("at")?)?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        case: row.try_get("case_id")?,
        detail: row.try_get("detail")?,
        prev_hash: hash32(row.try_get("prev_hash")?)?,
        hash: hash32(row.try_get("hash")?)?,
    })
}
