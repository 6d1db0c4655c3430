//! Who may log in and manage the team, on PostgreSQL: second factors, the team's setting,
//! roles (migration 0008).

use sqlx::postgres::PgPool;

use super::append_audit;
use crate::audit::AuditEvent;
use crate::store::codec::stored_totp;
use crate::store::{Result, StoreError, StoredTotp};
use crate::totp::TotpSecret;

pub(super) async fn totp(pool: &PgPool, id: i64) -> Result<Option<StoredTotp>> {
    let row: Option<(Option<Vec<u8>>, Option<i64>)> =
        sqlx::query_as("SELECT totp_secret, totp_last_step FROM investigators WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?;
    stored_totp(row)
}

pub(super) async fn enable_totp(
    pool: &PgPool,
    id: i64,
    secret: &TotpSecret,
    step: i64,
    audit: &AuditEvent,
) -> Result<()> {
    let mut tx = pool.begin().await?;
    let done = sqlx::query(
        "UPDATE investigators SET totp_secret = $1, totp_last_step = $2 \
         WHERE id = $3 AND totp_secret IS NULL",
    )
    .bind(secret.expose_secret().as_slice())
    .bind(step)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM investigators WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        return Err(match found {
            Some(_) => StoreError::Duplicate,
            None => StoreError::NotFound,
        });
    }
    append_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn disable_totp(pool: &PgPool, id: i64, audit: &AuditEvent) -> Result<()> {
    let mut tx = pool.begin().await?;
    let done = sqlx::query(
        "UPDATE investigators SET totp_secret = NULL, totp_last_step = NULL WHERE id = $1",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    append_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(())
}

/// One statement: the row lock it takes makes a second instance's update of the same row
/// wait, then see the new step and match nothing.
pub(super) async fn use_totp_step(
    pool: &PgPool,
    id: i64,
    secret: &TotpSecret,
    step: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE investigators SET totp_last_step = $1 \
         WHERE id = $2 AND totp_secret = $3 AND (totp_last_step IS NULL OR totp_last_step < $1)",
    )
    .bind(step)
    .bind(id)
    .bind(secret.expose_secret().as_slice())
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub(super) async fn totp_required(pool: &PgPool) -> Result<bool> {
    Ok(
        sqlx::query_scalar("SELECT totp_required FROM team_settings WHERE id = 1")
            .fetch_optional(pool)
            .await?
            .unwrap_or(false),
    )
}

pub(super) async fn set_totp_required(
    pool: &PgPool,
    required: bool,
    audit: &AuditEvent,
) -> Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE team_settings SET totp_required = $1 WHERE id = 1")
        .bind(required)
        .execute(&mut *tx)
        .await?;
    append_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(())
}

/// The active admins' rows are locked first, so two admins taking each other's role at once
/// take turns, and the second sees that it would leave nobody.
pub(super) async fn set_admin(
    pool: &PgPool,
    id: i64,
    admin: bool,
    audit: &AuditEvent,
) -> Result<()> {
    let mut tx = pool.begin().await?;
    let admins: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM investigators WHERE admin AND active FOR UPDATE")
            .fetch_all(&mut *tx)
            .await?;
    let done = sqlx::query("UPDATE investigators SET admin = $1 WHERE id = $2")
        .bind(admin)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    if !admin && admins.iter().all(|admin| *admin == id) {
        return Err(StoreError::LastAdmin);
    }
    append_audit(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(())
}
