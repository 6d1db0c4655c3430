//! Who may log in and manage the team, on SQLite: second factors, the team's setting, roles
//! (migration 0008). The writes run on the writer like every other (see the parent module),
//! which holds the write lock: a check and its write see the same database.

use sqlx::sqlite::{SqliteConnection, SqlitePool};

use super::writes::append_audit;
use crate::audit::AuditEvent;
use crate::store::codec::stored_totp;
use crate::store::{Result, StoreError, StoredTotp};
use crate::totp::TotpSecret;

/// A change for the writer; each answers `true` when done (`UseStep`: when accepted).
#[derive(Debug)]
pub(super) enum Change {
    EnableTotp {
        id: i64,
        secret: TotpSecret,
        step: i64,
        audit: AuditEvent,
    },
    DisableTotp {
        id: i64,
        audit: AuditEvent,
    },
    UseStep {
        id: i64,
        secret: TotpSecret,
        step: i64,
    },
    Required {
        required: bool,
        audit: AuditEvent,
    },
    Admin {
        id: i64,
        admin: bool,
        audit: AuditEvent,
    },
}

pub(super) async fn run(conn: &mut SqliteConnection, change: &Change) -> Result<bool> {
    match change {
        Change::EnableTotp {
            id,
            secret,
            step,
            audit,
        } => {
            let done = sqlx::query(
                "UPDATE investigators SET totp_secret = ?, totp_last_step = ? \
                 WHERE id = ? AND totp_secret IS NULL",
            )
            .bind(secret.expose_secret().as_slice())
            .bind(step)
            .bind(id)
            .execute(&mut *conn)
            .await?;
            if done.rows_affected() == 0 {
                return Err(if exists(conn, *id).await? {
                    StoreError::Duplicate
                } else {
                    StoreError::NotFound
                });
            }
            append_audit(conn, audit).await?;
        }
        Change::DisableTotp { id, audit } => {
            if !exists(conn, *id).await? {
                return Err(StoreError::NotFound);
            }
            sqlx::query(
                "UPDATE investigators SET totp_secret = NULL, totp_last_step = NULL WHERE id = ?",
            )
            .bind(id)
            .execute(&mut *conn)
            .await?;
            append_audit(conn, audit).await?;
        }
        Change::UseStep { id, secret, step } => {
            let done = sqlx::query(
                "UPDATE investigators SET totp_last_step = ?1 \
                 WHERE id = ?2 AND totp_secret = ?3 \
                   AND (totp_last_step IS NULL OR totp_last_step < ?1)",
            )
            .bind(step)
            .bind(id)
            .bind(secret.expose_secret().as_slice())
            .execute(&mut *conn)
            .await?;
            return Ok(done.rows_affected() == 1);
        }
        Change::Required { required, audit } => {
            sqlx::query("UPDATE team_settings SET totp_required = ? WHERE id = 1")
                .bind(required)
                .execute(&mut *conn)
                .await?;
            append_audit(conn, audit).await?;
        }
        Change::Admin { id, admin, audit } => {
            let done = sqlx::query("UPDATE investigators SET admin = ? WHERE id = ?")
                .bind(admin)
                .bind(id)
                .execute(&mut *conn)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            // Checked after the write, under the job's savepoint: a refusal rolls it back.
            let admins: i64 =
                sqlx::query_scalar("SELECT count(*) FROM investigators WHERE admin AND active")
                    .fetch_one(&mut *conn)
                    .await?;
            if admins == 0 {
                return Err(StoreError::LastAdmin);
            }
            append_audit(conn, audit).await?;
        }
    }
    Ok(true)
}

async fn exists(conn: &mut SqliteConnection, id: i64) -> Result<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM investigators WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(found.is_some())
}

pub(super) async fn totp(reads: &SqlitePool, id: i64) -> Result<Option<StoredTotp>> {
    let row: Option<(Option<Vec<u8>>, Option<i64>)> =
        sqlx::query_as("SELECT totp_secret, totp_last_step FROM investigators WHERE id = ?")
            .bind(id)
            .fetch_optional(reads)
            .await?;
    stored_totp(row)
}

pub(super) async fn totp_required(reads: &SqlitePool) -> Result<bool> {
    Ok(
        sqlx::query_scalar("SELECT totp_required FROM team_settings WHERE id = 1")
            .fetch_optional(reads)
            .await?
            .unwrap_or(false),
    )
}
