//! Opening and closing the SQLite store: the file and its directory, the pragmas that make
//! every commit durable, the migrations, the read pool and the writer.

use std::str::FromStr;
use std::time::Duration;

use sqlx::Connection;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use tokio::sync::mpsc;

use super::migrations::{EmbeddedMigrations, MIGRATIONS};
use super::writer::run_writer;
use super::{SqliteStore, Wake};
use crate::store::{Result, StoreError};

/// Jobs waiting for the writer; callers beyond this wait to enqueue (backpressure).
const QUEUE: usize = 1024;
/// Read-only connections.
const READERS: u32 = 4;
/// How long a connection waits for a lock (a checkpoint, a backup) before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

impl SqliteStore {
    /// Opens (creating it and its directory if missing) the database a URL names, such as
    /// `sqlite://data/kentongan.sqlite3` or `sqlite:kentongan.sqlite3`, runs its migrations
    /// and starts the writer. Must be called inside a Tokio runtime.
    pub async fn open(url: &str) -> Result<Self> {
        if url.contains(":memory:") || url.contains("mode=memory") {
            // The writer and the readers are separate connections; they would each see a
            // different empty database.
            return Err(configuration(
                "an in-memory SQLite database is not supported; name a file",
            ));
        }
        let options = SqliteConnectOptions::from_str(url)?
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        if let Some(parent) = options.get_filename().parent() {
            if !parent.as_os_str().is_empty() {
                tokio::fs::create_dir_all(parent)
                    .await
                    .map_err(sqlx::Error::Io)?;
            }
        }
        // Before anything writes (even the journal mode): a newer Kentongan's database is
        // left exactly as it is.
        super::super::schema::refuse_newer(url).await?;
        let write_options = options
            .clone()
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full);
        let mut conn = SqliteConnection::connect_with(&write_options).await?;
        check_durability(&mut conn).await?;
        Migrator::new(EmbeddedMigrations(MIGRATIONS))
            .await?
            .run(&mut conn)
            .await?;

        let reads = SqlitePoolOptions::new()
            .max_connections(READERS)
            .connect_with(options.read_only(true))
            .await?;
        let (writes, jobs) = mpsc::channel(QUEUE);
        let notify = Wake::default();
        let writer = tokio::spawn(run_writer(conn, write_options, jobs, notify.clone()));
        Ok(Self {
            writes,
            reads,
            writer,
            notify,
        })
    }

    /// Lets queued writes finish, then closes every connection. Dropping the store also stops
    /// the writer once its queue is empty, but without waiting for it.
    pub async fn close(self) {
        let Self {
            writes,
            reads,
            writer,
            notify: _,
        } = self;
        // Readers first: the last connection to close checkpoints the WAL into the database
        // file, and only the writer may.
        reads.close().await;
        drop(writes);
        if let Err(error) = writer.await {
            tracing::error!(%error, "the SQLite writer stopped abnormally");
        }
    }
}

/// Refuses to run with commits that are not durable: WAL with `synchronous` FULL or EXTRA.
/// (A file system without shared memory, for one, silently keeps another journal mode.)
async fn check_durability(conn: &mut SqliteConnection) -> Result<()> {
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *conn)
        .await?;
    let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&mut *conn)
        .await?;
    if !journal.eq_ignore_ascii_case("wal") || synchronous < 2 {
        return Err(configuration(
            "SQLite did not accept journal_mode = WAL and synchronous = FULL",
        ));
    }
    Ok(())
}

fn configuration(message: &'static str) -> StoreError {
    StoreError::Database(sqlx::Error::Configuration(message.into()))
}
