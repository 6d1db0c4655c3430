//! Where a database's schema stands, read without changing anything: which of this binary's
//! migrations are applied, which are pending, and whether the database was written by a newer
//! Kentongan (one that applied migrations this binary does not know).
//!
//! `kentongan migrate --status` and `kentongan doctor` print it; [`refuse_newer`] runs before
//! every migration, so that an older binary stops with a plain message instead of sqlx's
//! "previously applied but is missing", and without touching the database.

use std::str::FromStr;

use sqlx::postgres::PgConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{Connection, Row};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{Result, StoreError};

/// One of this binary's migrations, and whether the database has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationState {
    pub version: i64,
    pub name: &'static str,
    /// When it was applied (UTC, as the database recorded it); `None`: pending.
    pub applied_on: Option<String>,
    /// False if it was started and failed (sqlx leaves such a row): the schema is half-made.
    pub succeeded: bool,
}

/// Where a database stands against this binary's migrations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaStatus {
    /// False when there is no database yet (an SQLite file not made): everything is pending.
    pub exists: bool,
    /// This binary's migrations, oldest first.
    pub migrations: Vec<MigrationState>,
    /// Versions applied to the database that this binary does not know, ascending.
    pub unknown: Vec<i64>,
}

/// The one-line verdict `migrate --status` ends with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    UpToDate {
        version: i64,
    },
    Pending {
        count: usize,
    },
    /// A migration was started and failed: the database needs a backup restored.
    Failed {
        version: i64,
    },
    Newer {
        database: i64,
        known: i64,
    },
}

impl SchemaStatus {
    /// The newest migration this binary knows.
    pub fn known(&self) -> i64 {
        self.migrations.last().map_or(0, |m| m.version)
    }

    pub fn verdict(&self) -> Verdict {
        if let Some(&database) = self.unknown.last() {
            return Verdict::Newer {
                database,
                known: self.known(),
            };
        }
        if let Some(failed) = self
            .migrations
            .iter()
            .find(|m| m.applied_on.is_some() && !m.succeeded)
        {
            return Verdict::Failed {
                version: failed.version,
            };
        }
        match self
            .migrations
            .iter()
            .filter(|m| m.applied_on.is_none())
            .count()
        {
            0 => Verdict::UpToDate {
                version: self.known(),
            },
            count => Verdict::Pending { count },
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::UpToDate { version } => {
                write!(f, "up to date (migration {version})")
            }
            Verdict::Pending { count } => {
                write!(f, "{count} migration(s) pending: run `kentongan migrate`")
            }
            Verdict::Failed { version } => write!(
                f,
                "migration {version} was started and failed: restore the backup made before \
                 the upgrade"
            ),
            Verdict::Newer { database, known } => f.write_str(&newer_message(*database, *known)),
        }
    }
}

/// What an operator reads when the database is newer than the binary.
pub fn newer_message(database: i64, known: i64) -> String {
    StoreError::NewerDatabase { database, known }.to_string()
}

/// Reads where the database a URL names stands, changing nothing (an SQLite file that does
/// not exist is not created).
pub async fn status(url: &str) -> Result<SchemaStatus> {
    if super::is_postgres(url) {
        let mut conn = PgConnection::connect(url).await?;
        let applied = postgres_applied(&mut conn).await;
        conn.close().await.ok();
        Ok(compare(true, super::postgres::MIGRATIONS, applied?))
    } else {
        let Some(mut conn) = sqlite_read_only(url).await? else {
            return Ok(compare(
                false,
                super::sqlite::migrations::MIGRATIONS,
                Vec::new(),
            ));
        };
        let applied = sqlite_applied(&mut conn).await;
        conn.close().await.ok();
        Ok(compare(
            true,
            super::sqlite::migrations::MIGRATIONS,
            applied?,
        ))
    }
}

/// Fails with [`StoreError::NewerDatabase`] if the database holds migrations newer than this
/// binary's. Reads only.
pub(super) async fn refuse_newer(url: &str) -> Result<()> {
    match status(url).await?.verdict() {
        Verdict::Newer { database, known } => Err(StoreError::NewerDatabase { database, known }),
        _ => Ok(()),
    }
}

/// The newest moment the database recorded (an audit entry, an applied migration), in UTC: a
/// clock earlier than this went backwards. `None` for an empty or missing database.
pub async fn newest_timestamp(url: &str) -> Result<Option<OffsetDateTime>> {
    let texts: Vec<Option<String>> = if super::is_postgres(url) {
        let mut conn = PgConnection::connect(url).await?;
        let row = sqlx::query(
            "SELECT to_char((SELECT max(at) FROM audit_log) AT TIME ZONE 'UTC', \
                            'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
                    to_char((SELECT max(installed_on) FROM _sqlx_migrations) AT TIME ZONE 'UTC', \
                            'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
        )
        .fetch_one(&mut conn)
        .await;
        conn.close().await.ok();
        let row = row?;
        vec![row.try_get(0)?, row.try_get(1)?]
    } else {
        let Some(mut conn) = sqlite_read_only(url).await? else {
            return Ok(None);
        };
        // sqlx records `installed_on` as CURRENT_TIMESTAMP: UTC, `YYYY-MM-DD HH:MM:SS`.
        let row = sqlx::query(
            "SELECT (SELECT max(at) FROM audit_log), \
                    (SELECT strftime('%Y-%m-%dT%H:%M:%SZ', max(installed_on)) \
                     FROM _sqlx_migrations)",
        )
        .fetch_one(&mut conn)
        .await;
        conn.close().await.ok();
        let row = row?;
        vec![row.try_get(0)?, row.try_get(1)?]
    };
    let mut newest = None;
    for text in texts.into_iter().flatten() {
        let at = OffsetDateTime::parse(&text, &Rfc3339)
            .map_err(|e| StoreError::Corrupt(format!("a stored time {text:?}: {e}")))?;
        newest = newest.max(Some(at));
    }
    Ok(newest)
}

/// A read-only connection to an existing SQLite database; `None` if the file does not exist.
async fn sqlite_read_only(url: &str) -> Result<Option<SqliteConnection>> {
    let options = SqliteConnectOptions::from_str(url)?;
    if !options.get_filename().exists() {
        return Ok(None);
    }
    Ok(Some(
        SqliteConnection::connect_with(&options.read_only(true)).await?,
    ))
}

/// (version, applied on, succeeded) of every row of `_sqlx_migrations`, if the table exists.
type Applied = Vec<(i64, String, bool)>;

async fn sqlite_applied(conn: &mut SqliteConnection) -> Result<Applied> {
    let exists: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(&mut *conn)
    .await?;
    if exists == 0 {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(
        "SELECT version, CAST(installed_on AS TEXT) AS installed_on, success \
         FROM _sqlx_migrations ORDER BY version",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("version")?,
                row.try_get::<String, _>("installed_on")? + " UTC",
                row.try_get("success")?,
            ))
        })
        .collect()
}

async fn postgres_applied(conn: &mut PgConnection) -> Result<Applied> {
    let exists: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(&mut *conn)
        .await?;
    if !exists {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(
        "SELECT version, \
                to_char(installed_on AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS installed_on, \
                success \
         FROM _sqlx_migrations ORDER BY version",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("version")?,
                row.try_get::<String, _>("installed_on")? + " UTC",
                row.try_get("success")?,
            ))
        })
        .collect()
}

fn compare(exists: bool, known: &[(i64, &'static str, &str)], applied: Applied) -> SchemaStatus {
    let migrations = known
        .iter()
        .map(|&(version, name, _)| {
            let row = applied.iter().find(|(v, _, _)| *v == version);
            MigrationState {
                version,
                name,
                applied_on: row.map(|(_, on, _)| on.clone()),
                succeeded: row.is_some_and(|(_, _, ok)| *ok),
            }
        })
        .collect();
    let mut unknown: Vec<i64> = applied
        .iter()
        .map(|(v, _, _)| *v)
        .filter(|v| !known.iter().any(|(k, _, _)| k == v))
        .collect();
    unknown.sort_unstable();
    SchemaStatus {
        exists,
        migrations,
        unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[(i64, &str, &str)] = &[(1, "initial", ""), (2, "more", "")];

    #[test]
    fn verdicts() {
        let none = compare(false, KNOWN, Vec::new());
        assert_eq!(none.verdict(), Verdict::Pending { count: 2 });
        let part = compare(
            true,
            KNOWN,
            vec![(1, "2026-01-01 00:00:00 UTC".into(), true)],
        );
        assert_eq!(part.verdict(), Verdict::Pending { count: 1 });
        let all = compare(
            true,
            KNOWN,
            vec![(1, "a".into(), true), (2, "b".into(), true)],
        );
        assert_eq!(all.verdict(), Verdict::UpToDate { version: 2 });
        let failed = compare(
            true,
            KNOWN,
            vec![(1, "a".into(), true), (2, "b".into(), false)],
        );
        assert_eq!(failed.verdict(), Verdict::Failed { version: 2 });
        let newer = compare(
            true,
            KNOWN,
            vec![
                (1, "a".into(), true),
                (2, "b".into(), true),
                (7, "c".into(), true),
                (3, "d".into(), true),
            ],
        );
        assert_eq!(newer.unknown, vec![3, 7]);
        assert_eq!(
            newer.verdict(),
            Verdict::Newer {
                database: 7,
                known: 2
            }
        );
        assert!(
            newer
                .verdict()
                .to_string()
                .contains("newer Kentongan (migration 7)")
        );
    }
}
