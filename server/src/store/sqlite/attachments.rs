//! Attachments on SQLite (migration 0007): the writes run in the writer's jobs, each piece
//! under its own savepoint, so a refused piece leaves nothing; the reads use the read pool.

use sqlx::sqlite::{SqliteConnection, SqlitePool};
use sqlx::{QueryBuilder, Row, Sqlite};

use super::super::codec::{length, repeats, to_stored};
use super::super::{AttachedFile, Result, StoreError, StoredAttachment, Unattached, UploadState};

/// A piece for the writer: see [`super::super::Store::append_attachment`].
#[derive(Debug)]
pub(super) struct Append {
    pub(super) token_hash: [u8; 32],
    pub(super) offset: u64,
    pub(super) data: Vec<u8>,
    pub(super) max_len: u64,
    pub(super) room: Unattached,
}

/// How many uploads are not attached, and their bytes together (the partial index
/// `attachments_unattached` finds them; there are at most `Unattached::uploads`).
async fn unattached(conn: &mut SqliteConnection) -> Result<(u64, u64)> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS uploads, COALESCE(SUM(received), 0) AS bytes \
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
    conn: &mut SqliteConnection,
    token_hash: &[u8; 32],
    on: &str,
    room: Unattached,
) -> Result<i64> {
    let (uploads, bytes) = unattached(conn).await?;
    if uploads >= room.uploads || bytes >= room.bytes {
        return Err(StoreError::UploadsFull);
    }
    let done = sqlx::query(
        "INSERT INTO attachments (token_hash, created_on) VALUES (?, ?) \
         ON CONFLICT (token_hash) DO NOTHING",
    )
    .bind(token_hash.as_slice())
    .bind(on)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Duplicate);
    }
    Ok(done.last_insert_rowid())
}

/// The checks and the two writes, under the job's savepoint; the writer holds the write lock,
/// so nothing changes the upload between them.
pub(super) async fn append(conn: &mut SqliteConnection, piece: &Append) -> Result<u64> {
    let row = sqlx::query(
        "SELECT id, received, complete, item_id IS NOT NULL AS attached \
         FROM attachments WHERE token_hash = ?",
    )
    .bind(piece.token_hash.as_slice())
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    let id: i64 = row.try_get("id")?;
    let received = length(row.try_get("received")?)?;
    if row.try_get::<bool, _>("complete")? || row.try_get::<bool, _>("attached")? {
        return Err(StoreError::UploadClosed);
    }
    if received != piece.offset {
        return Err(StoreError::Conflict);
    }
    let grown = u64::try_from(piece.data.len())
        .ok()
        .and_then(|len| received.checked_add(len))
        .filter(|&grown| grown <= piece.max_len)
        .ok_or(StoreError::UploadTooLarge)?;
    let (_, bytes) = unattached(conn).await?;
    if bytes.saturating_add(grown - received) > piece.room.bytes {
        return Err(StoreError::UploadsFull);
    }
    sqlx::query(
        "INSERT INTO attachment_chunks (attachment_id, seq, data) \
         SELECT ?1, COALESCE(MAX(seq) + 1, 0), ?2 FROM attachment_chunks WHERE attachment_id = ?1",
    )
    .bind(id)
    .bind(piece.data.as_slice())
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE attachments SET received = ? WHERE id = ?")
        .bind(to_stored(grown)?)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(grown)
}

pub(super) async fn complete(conn: &mut SqliteConnection, token_hash: &[u8; 32]) -> Result<()> {
    let done = sqlx::query("UPDATE attachments SET complete = 1 WHERE token_hash = ?")
        .bind(token_hash.as_slice())
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub(super) async fn discard(conn: &mut SqliteConnection, token_hash: &[u8; 32]) -> Result<()> {
    let done = sqlx::query("DELETE FROM attachments WHERE token_hash = ? AND item_id IS NULL")
        .bind(token_hash.as_slice())
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub(super) async fn delete_stale(conn: &mut SqliteConnection, before: &str) -> Result<u64> {
    // The pieces go with their upload (ON DELETE CASCADE; the writer has foreign keys on).
    let done = sqlx::query("DELETE FROM attachments WHERE item_id IS NULL AND created_on < ?")
        .bind(before)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}

/// Whether every token names a complete, unattached upload, none twice and none among
/// `claimed` (taken by an earlier case of the same batch).
pub(super) async fn ready(
    conn: &mut SqliteConnection,
    tokens: &[[u8; 32]],
    claimed: &std::collections::HashSet<[u8; 32]>,
) -> Result<bool, sqlx::Error> {
    if tokens.is_empty() {
        return Ok(true);
    }
    if repeats(tokens) || tokens.iter().any(|token| claimed.contains(token)) {
        return Ok(false);
    }
    let mut query = QueryBuilder::<Sqlite>::new(
        "SELECT COUNT(*) FROM attachments WHERE complete = 1 AND item_id IS NULL \
         AND token_hash IN (",
    );
    let mut list = query.separated(", ");
    for token in tokens {
        list.push_bind(token.as_slice());
    }
    query.push(")");
    let found: i64 = query
        .build_query_scalar()
        .persistent(false)
        .fetch_one(&mut *conn)
        .await?;
    Ok(usize::try_from(found).is_ok_and(|found| found == tokens.len()))
}

/// Attaches the uploads to an item. The caller checked them with [`ready`] under the same
/// write lock; a mismatch here is a bug, and fails the job rather than attach part.
pub(super) async fn attach(
    conn: &mut SqliteConnection,
    item_id: i64,
    tokens: &[[u8; 32]],
) -> Result<(), sqlx::Error> {
    if tokens.is_empty() {
        return Ok(());
    }
    let mut update = QueryBuilder::<Sqlite>::new("UPDATE attachments SET item_id = ");
    update.push_bind(item_id);
    update.push(" WHERE complete = 1 AND item_id IS NULL AND token_hash IN (");
    let mut list = update.separated(", ");
    for token in tokens {
        list.push_bind(token.as_slice());
    }
    update.push(")");
    let done = update.build().persistent(false).execute(&mut *conn).await?;
    if usize::try_from(done.rows_affected()).ok() != Some(tokens.len()) {
        return Err(sqlx::Error::Protocol(
            "attachments changed under the write lock".into(),
        ));
    }
    Ok(())
}

/// The report item of a case inserted in this batch (ids are not returned by multi-row
/// inserts).
pub(super) async fn report_item(
    conn: &mut SqliteConnection,
    case_id: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM case_items WHERE case_id = ? AND kind = 'report'")
        .bind(case_id)
        .fetch_one(&mut *conn)
        .await
}

pub(super) async fn upload(
    pool: &SqlitePool,
    token_hash: &[u8; 32],
) -> Result<Option<UploadState>> {
    let row = sqlx::query(
        "SELECT id, received, complete, item_id IS NOT NULL AS attached \
         FROM attachments WHERE token_hash = ?",
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

pub(super) async fn chunk(pool: &SqlitePool, id: i64, seq: u32) -> Result<Option<Vec<u8>>> {
    Ok(
        sqlx::query_scalar(
            "SELECT data FROM attachment_chunks WHERE attachment_id = ? AND seq = ?",
        )
        .bind(id)
        .bind(i64::from(seq))
        .fetch_optional(pool)
        .await?,
    )
}

pub(super) async fn case_of(pool: &SqlitePool, id: i64) -> Result<AttachedFile> {
    let row = sqlx::query(
        "SELECT i.case_id, a.item_id, a.received FROM attachments a \
         JOIN case_items i ON i.id = a.item_id WHERE a.id = ?",
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
    conn: &mut SqliteConnection,
    case_id: i64,
) -> Result<Vec<(i64, StoredAttachment)>> {
    sqlx::query(
        "SELECT a.id, a.item_id, a.received FROM attachments a \
         JOIN case_items i ON i.id = a.item_id WHERE i.case_id = ? ORDER BY a.id",
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
