//! The team on SQLite: reading the investigators. Adding and disabling one are writes, run by
//! the writer (`writes.rs`); roles and second factors are in `access.rs`.

use sqlx::Row;
use sqlx::sqlite::{SqlitePool, SqliteRow};

use crate::store::codec::{parse_day, parse_recipient};
use crate::store::{Investigator, Result};

pub(super) async fn investigators(reads: &SqlitePool) -> Result<Vec<Investigator>> {
    sqlx::query(
        "SELECT id, name, recipient, admin, active, added_on, \
                totp_secret IS NOT NULL AS totp \
         FROM investigators ORDER BY id",
    )
    .fetch_all(reads)
    .await?
    .iter()
    .map(investigator_from_row)
    .collect()
}

fn investigator_from_row(row: &SqliteRow) -> Result<Investigator> {
    Ok(Investigator {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        recipient: parse_recipient(row.try_get("recipient")?)?,
        admin: row.try_get("admin")?,
        active: row.try_get("active")?,
        added_on: parse_day(row.try_get("added_on")?)?,
        totp: row.try_get("totp")?,
    })
}
