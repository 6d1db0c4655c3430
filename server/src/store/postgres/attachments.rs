//! Attachments on PostgreSQL (migration 0007): each piece in its own short transaction, the
//! upload's row locked while it is checked and grown; attaching locks the uploads first, so a
//! concurrent sweep or a second report naming the same upload waits, then finds it taken.

use sqlx::Row;
use sqlx::postgres::{PgConnection, PgPool};

use super::super::codec::{length, repeats, to_stored};
use super::super::{AttachedFile, Result, StoreError, StoredAttachment, Unattached, UploadState};

/// How many uploads are not attached, and their bytes together. Not locked: concurrent
/// uploads may pass the bound by what they add meanwhile (a piece each, at most one per
/// pool connection), which does not matter for a bound on disk use.
async fn unattached(conn: &mut PgConnection) -> Result<(u64, u64)> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS uploads, COALESCE(SUM(received), 0)::BIGINT AS bytes \
         FROM attachments WHERE item_id IS NULL",
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok((
        length(row.try_get("uploads")?)?,
        length(row.try_get("bytes")?)?,
    ))
}

pub(super) async fn begin(
    pool: &PgPool,
    token_hash: &[u8; 32],
    on: &str,
    room: Unattached,
) -> Result<i64> {
    let mut conn = pool.acquire().await?;
    let (uploads, bytes) = unattached(&mut conn).await?;
    if uploads >= room.uploads || bytes >= room.bytes {
        return Err(StoreError::UploadsFull);
    }
    sqlx::query_scalar(
        "INSERT INTO attachments (token_hash, created_on) VALUES ($1, $2::date) \
         ON CONFLICT (token_hash) DO NOTHING RETURNING id",
    )
    .bind(token_hash.as_slice())
    .bind(on)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::Duplicate)
}

pub(super) async fn append(
    pool: &PgPool,
    token_hash: &[u8; 32],
    offset: u64,
    data: &[u8],
    max_len: u64,
    room: Unattached,
) -> Result<u64> {
    let mut tx = pool.begin().await?;
    let row = sqlx::query(
        "SELECT id, received, complete, item_id IS NOT NULL AS attached \
         FROM attachments WHERE token_hash = $1 FOR UPDATE",
    )
    .bind(token_hash.as_slice())
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    let id: i64 = row.try_get("id")?;
    let received = length(row.try_get("received")?)?;
    if row.try_get::<bool, _>("complete")? || row.try_get::<bool, _>("attached")? {
        return Err(StoreError::UploadClosed);
    }
    if received != offset {
        return Err(StoreError::Conflict);
    }
    let grown = u64::try_from(data.len())
        .ok()
        .and_then(|len| received.checked_add(len))
        .filter(|&grown| grown <= max_len)
        .ok_or(StoreError::UploadTooLarge)?;
    let (_, bytes) = unattached(&mut tx).await?;
    if bytes.saturating_add(grown - received) > room.bytes {
        return Err(StoreError::UploadsFull);
    }
    sqlx::query(
        "INSERT INTO attachment_chunks (attachment_id, seq, data) \
         SELECT $1, COALESCE(MAX(seq) + 1, 0), $2 FROM attachment_chunks WHERE attachment_id = $1",
    )
    .bind(id)
    .bind(data)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE attachments SET received = $2 WHERE id = $1")
        .bind(id)
        .bind(to_stored(grown)?)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(grown)
}

pub(super) async fn complete(pool: &PgPool, token_hash: &[u8; 32]) -> Result<()> {
    sqlx::query_scalar::<_, i64>(
        "UPDATE attachments SET complete = TRUE WHERE token_hash = $1 RETURNING id",
    )
    .bind(token_hash.as_slice())
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(())
}

pub(super) async fn discard(pool: &PgPool, token_hash: &[u8; 32]) -> Result<()> {
    let done = sqlx::query("DELETE FROM attachments WHERE token_hash = $1 AND item_id IS NULL")
        .bind(token_hash.as_slice())
        .execute(pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub(super) async fn delete_stale(pool: &PgPool, before: &str) -> Result<u64> {
    let done =
        sqlx::query("DELETE FROM attachments WHERE item_id IS NULL AND created_on < $1::date")
            .bind(before)
            .execute(pool)
            .await?;
    Ok(done.rows_affected())
}

/// Locks the uploads `tokens` name, in the caller's transaction; their ids if every one is
/// complete and unattached and none is named twice, else `None`.
pub(super) async fn lock_ready(
    conn: &mut PgConnection,
    tokens: &[[u8; 32]],
) -> Result<Option<Vec<i64>>> {
    if repeats(tokens) {
        return Ok(None);
    }
    let hashes: Vec<&[u8]> = tokens.iter().map(<[u8; 32]>::as_slice).collect();
    // In id order, so that two transactions lock shared rows in the same order.
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM attachments WHERE token_hash = ANY($1) AND complete AND item_id IS NULL \
         ORDER BY id FOR UPDATE",
    )
    .bind(hashes)
    .fetch_all(&mut *conn)
    .await?;
    Ok((ids.len() == tokens.len()).then_some(ids))
}

/// Attaches uploads locked by [`lock_ready`] to an item.
pub(super) async fn attach(conn: &mut PgConnection, item_id: i64, ids: &[i64]) -> Result<()> {
    sqlx::query("UPDATE attachments SET item_id = $1 WHERE id = ANY($2)")
        .bind(item_id)
        .bind(ids)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub(super) async fn upload(pool: &PgPool, token_hash: &[u8; 32]) -> Result<Option<UploadState>> {
    let row = sqlx::query(
        "SELECT id, received, complete, item_id IS NOT NULL AS attached \
         FROM attachments WHERE token_hash = $1",
    )
    .bind(token_hash.as_slice())
    .fetch_optional(pool)
    .await?;
    row.map(|row| {
        Ok(UploadState {
            id: row.try_get("id")?,
            received: length(row.try_get("received")?)?,
            complete: row.try_get("complete")?,
            attached: row.try_get("attached")?,
        })
    })
    .transpose()
}

pub(super) async fn chunk(pool: &PgPool, id: i64, seq: u32) -> Result<Option<Vec<u8>>> {
    let Ok(seq) = i32::try_from(seq) else {
        return Ok(None);
    };
    Ok(sqlx::query_scalar(
        "SELECT data FROM attachment_chunks WHERE attachment_id = $1 AND seq = $2",
    )
    .bind(id)
    .bind(seq)
    .fetch_optional(pool)
    .await?)
}

pub(super) async fn case_of(pool: &PgPool, id: i64) -> Result<AttachedFile> {
    let row = sqlx::query(
        "SELECT i.case_id, a.item_id, a.received FROM attachments a \
         JOIN case_items i ON i.id = a.item_id WHERE a.id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(AttachedFile {
        case_id: row.try_get("case_id")?,
        item_id: row.try_get("item_id")?,
        size: length(row.try_get("received")?)?,
    })
}

/// A case's attachments as `(item id, attachment)`, in attachment id order.
pub(super) async fn of_case(
    conn: &mut PgConnection,
    case_id: i64,
) -> Result<Vec<(i64, StoredAttachment)>> {
    sqlx::query(
        "SELECT a.id, a.item_id, a.received FROM attachments a \
         JOIN case_items i ON i.id = a.item_id WHERE i.case_id = $1 ORDER BY a.id",
    )
    .bind(case_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| {
        Ok((
            row.try_get("item_id")?,
            StoredAttachment {
                id: row.try_get("id")?,
                size: length(row.try_get("received")?)?,
            },
        ))
    })
    .collect()
}
