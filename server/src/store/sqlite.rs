//! The SQLite store: one file, WAL, durable commits, and group commit on a single writer.
//!
//! A receipt is shown only after its case is durably committed, and with `synchronous = FULL`
//! every commit waits for an fsync of the WAL. One fsync per case would cap the office at a
//! few thousand reports a second on good hardware and far fewer on a cheap disk, so writes
//! share them: every write goes to one writer task that owns the only writing connection. It
//! takes whatever is queued (up to [`MAX_BATCH`] jobs) and runs them in one transaction: the
//! cases together, one multi-row insert per table, since a round trip to SQLite's thread
//! costs more than an insert. Only after the commit does it answer each caller. Under load a
//! batch grows by itself: while one commit waits for the disk, the next batch queues up.
//!
//! A job that fails must not fail the others. A taken receipt is found before inserting and
//! answered `Duplicate` alone; any other failure rolls the batch back and runs it again job
//! by job, each under its own savepoint.
//!
//! The writer is a Tokio task: sqlx already runs each SQLite connection on a thread of its
//! own, so the blocking work is off the runtime either way. Reads use a small pool of
//! read-only connections, which WAL lets run beside the writer.

use std::borrow::Cow;
use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use kentongan_crypto::bundle::ItemKind;
use kentongan_crypto::{Ciphertext, Recipient};
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteRow, SqliteSynchronous,
};
use sqlx::{Connection, QueryBuilder, Row, Sqlite};
use std::sync::Arc;
use time::{Date, OffsetDateTime};
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::task::JoinHandle;

use super::codec::attach_to_items;
mod access;

use super::codec::{
    StoredEnvelope, commitment, commitment_text, credential, envelope_holder, format_day,
    format_instant, hash32, parse_day, parse_instant, parse_kind, parse_optional_day,
    parse_recipient,
};
use super::list::{self, Assignee, CaseList, CaseQuery, Dialect, Param, StageCounts};
use super::{
    AttachedFile, CaseSummary, Investigator, NewCase, ReporterLogin, Result, StageEvent, Store,
    StoreError, StoredCase, StoredItem, StoredTotp, Unattached, UploadState,
};
use super::{NOTIFICATION_BATCH, Notification, NotificationClaim};
use crate::audit::{AuditEntry, AuditEvent};
use crate::totp::TotpSecret;

mod attachments;
mod writer;
mod writes;

use writer::{Job, Move, NewEnvelope, NewItem, Pending, run_writer};

/// The most jobs one transaction takes. Large enough that a burst shares a few fsyncs, small
/// enough that one transaction never holds the writer for long.
const MAX_BATCH: usize = 256;
/// Jobs waiting for the writer; callers beyond this wait to enqueue (backpressure).
const QUEUE: usize = 1024;
/// Read-only connections.
const READERS: u32 = 4;
/// How long a connection waits for a lock (a checkpoint, a backup) before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The migrations, embedded at compile time. A new file in `migrations/sqlite` needs a line
/// here; a test checks that the two agree.
pub(super) const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "initial",
        include_str!("../../migrations/sqlite/0001_initial.sql"),
    ),
    (
        2,
        "stage_events",
        include_str!("../../migrations/sqlite/0002_stage_events.sql"),
    ),
    (
        3,
        "stage_messages",
        include_str!("../../migrations/sqlite/0003_stage_messages.sql"),
    ),
    (
        4,
        "audit",
        include_str!("../../migrations/sqlite/0004_audit.sql"),
    ),
    (
        5,
        "notifications",
        include_str!("../../migrations/sqlite/0005_notifications.sql"),
    ),
    (
        6,
        "case_metadata",
        include_str!("../../migrations/sqlite/0006_case_metadata.sql"),
    ),
    (
        7,
        "attachments",
        include_str!("../../migrations/sqlite/0007_attachments.sql"),
    ),
    (
        8,
        "totp",
        include_str!("../../migrations/sqlite/0008_totp.sql"),
    ),
    (
        9,
        "commitments",
        include_str!("../../migrations/sqlite/0009_commitments.sql"),
    ),
];

/// The store on an SQLite file. See the module documentation for how writes are batched.
#[derive(Debug)]
pub struct SqliteStore {
    writes: mpsc::Sender<Job>,
    reads: SqlitePool,
    writer: JoinHandle<()>,
    /// Set by `queue_notifications`: the writer then queues notifications and wakes this.
    notify: Wake,
}

/// Whom the writer wakes after committing a queued notification; `None`: queue nothing.
type Wake = Arc<std::sync::Mutex<Option<Arc<Notify>>>>;

fn wake_of(wake: &Wake) -> Option<Arc<Notify>> {
    wake.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

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

    async fn write<T>(&self, job: impl FnOnce(oneshot::Sender<Result<T>>) -> Job) -> Result<T> {
        write_to(&self.writes, job).await
    }

    async fn access(&self, change: access::Change) -> Result<bool> {
        self.write(|reply| Job::Access(Pending::new(change, reply)))
            .await
    }
}

/// Queues a job for the writer and waits for its answer, given after the commit.
async fn write_to<T>(
    writes: &mpsc::Sender<Job>,
    job: impl FnOnce(oneshot::Sender<Result<T>>) -> Job,
) -> Result<T> {
    let (reply, answer) = oneshot::channel();
    writes
        .send(job(reply))
        .await
        .map_err(|_| StoreError::Database(sqlx::Error::PoolClosed))?;
    answer
        .await
        .map_err(|_| StoreError::Database(sqlx::Error::WorkerCrashed))?
}

#[async_trait]
impl Store for SqliteStore {
    #[tracing::instrument(skip_all)]
    async fn add_investigator(
        &self,
        name: &str,
        recipient: &Recipient,
        admin: bool,
        today: Date,
        audit: &AuditEvent,
    ) -> Result<Investigator> {
        let new = Investigator {
            id: 0,
            name: name.to_owned(),
            recipient: recipient.clone(),
            admin,
            active: true,
            added_on: today,
            totp: false,
        };
        let audit = audit.clone();
        self.write(|reply| Job::AddInvestigator(Pending::new((new, audit), reply)))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn investigators(&self) -> Result<Vec<Investigator>> {
        sqlx::query(
            "SELECT id, name, recipient, admin, active, added_on, \
                    totp_secret IS NOT NULL AS totp \
             FROM investigators ORDER BY id",
        )
        .fetch_all(&self.reads)
        .await?
        .iter()
        .map(investigator_from_row)
        .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn disable_investigator(&self, id: i64, audit: &AuditEvent) -> Result<()> {
        let audit = audit.clone();
        self.write(|reply| Job::DisableInvestigator(Pending::new((id, audit), reply)))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn create_case(&self, case: NewCase) -> Result<i64> {
        self.write(|reply| Job::CreateCase(Pending::new(Box::new(case), reply)))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn case_ids(&self) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar("SELECT id FROM cases ORDER BY id")
            .fetch_all(&self.reads)
            .await?)
    }

    #[tracing::instrument(skip_all)]
    async fn case(&self, id: i64) -> Result<StoredCase> {
        // One read transaction: one snapshot of the case, its envelopes, items and history.
        let mut tx = self.reads.begin().await?;
        let row = sqlx::query(
            "SELECT created_on, stage, case_recipient, notes_recipient, assignee_id, classification \
             FROM cases WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let envelopes = sqlx::query(
            "SELECT e.investigator_id, i.recipient, e.ciphertext \
             FROM key_envelopes e LEFT JOIN investigators i ON i.id = e.investigator_id \
             WHERE e.case_id = ? ORDER BY e.id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        let items = sqlx::query(
            "SELECT id, kind, created_on, ciphertext FROM case_items \
             WHERE case_id = ? ORDER BY id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        let history = sqlx::query(HISTORY).bind(id).fetch_all(&mut *tx).await?;
        let attached = attachments::of_case(&mut tx, id).await?;
        tx.commit().await?;

        let mut items = items
            .iter()
            .map(item_from_row)
            .collect::<Result<Vec<_>>>()?;
        attach_to_items(&mut items, attached)?;
        Ok(StoredCase {
            id,
            created_on: parse_day(row.try_get("created_on")?)?,
            stage: row.try_get("stage")?,
            case_recipient: parse_recipient(row.try_get("case_recipient")?)?,
            notes_recipient: parse_recipient(row.try_get("notes_recipient")?)?,
            assignee: row.try_get("assignee_id")?,
            classification: row.try_get("classification")?,
            envelopes: envelopes
                .iter()
                .map(envelope_from_row)
                .collect::<Result<_>>()?,
            items,
            history: history.iter().map(event_from_row).collect::<Result<_>>()?,
        })
    }

    #[tracing::instrument(skip_all)]
    async fn reporter_login(&self, receipt_lookup: &[u8; 32]) -> Result<Option<ReporterLogin>> {
        let row = sqlx::query(
            "SELECT case_id, auth_hash, recipient, kdf, commitment FROM reporter_credentials \
             WHERE receipt_lookup = ?",
        )
        .bind(receipt_lookup.as_slice())
        .fetch_optional(&self.reads)
        .await?;
        row.map(|row| {
            Ok(ReporterLogin {
                case_id: row.try_get("case_id")?,
                credential: credential(
                    row.try_get("kdf")?,
                    row.try_get("auth_hash")?,
                    row.try_get("recipient")?,
                )?,
                commitment: commitment(row.try_get("commitment")?)?,
            })
        })
        .transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn add_item(
        &self,
        case_id: i64,
        kind: ItemKind,
        ciphertext: Ciphertext,
        on: Date,
        audit: Option<&AuditEvent>,
    ) -> Result<i64> {
        let new = NewItem {
            case_id,
            kind,
            ciphertext,
            on,
            audit: audit.cloned(),
            attachments: Vec::new(),
        };
        self.write(|reply| Job::AddItem(Pending::new(new, reply)))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn move_case(
        &self,
        id: i64,
        from: &str,
        to: &str,
        by: &str,
        on: Date,
        message: Option<Ciphertext>,
        audit: &AuditEvent,
    ) -> Result<()> {
        let new = Move {
            id,
            from: from.to_owned(),
            to: to.to_owned(),
            by: by.to_owned(),
            on,
            message,
            audit: audit.clone(),
        };
        self.write(|reply| Job::MoveCase(Pending::new(new, reply)))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn case_summaries(&self) -> Result<Vec<CaseSummary>> {
        sqlx::query(CASE_SUMMARIES)
            .fetch_all(&self.reads)
            .await?
            .iter()
            .map(|row| {
                Ok(CaseSummary {
                    id: row.try_get("id")?,
                    created_on: parse_day(row.try_get("created_on")?)?,
                    stage: row.try_get("stage")?,
                    acknowledged_on: parse_optional_day(row.try_get("acknowledged_on")?)?,
                    last_moved_on: parse_optional_day(row.try_get("last_moved_on")?)?,
                })
            })
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn stage_history(&self, id: i64) -> Result<Vec<StageEvent>> {
        let mut tx = self.reads.begin().await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM cases WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        let rows = sqlx::query(HISTORY).bind(id).fetch_all(&mut *tx).await?;
        tx.commit().await?;
        rows.iter().map(event_from_row).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn append_audit(&self, event: &AuditEvent) -> Result<AuditEntry> {
        let event = event.clone();
        self.write(|reply| Job::AppendAudit(Pending::new(event, reply)))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn assign(
        &self,
        case_id: i64,
        investigator: Option<i64>,
        audit: &AuditEvent,
    ) -> Result<()> {
        let new = (case_id, investigator, audit.clone());
        self.write(|reply| Job::Assign(Pending::new(new, reply)))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn audit_log(&self) -> Result<Vec<AuditEntry>> {
        sqlx::query(
            "SELECT seq, at, actor, action, case_id, detail, prev_hash, hash \
             FROM audit_log ORDER BY seq",
        )
        .fetch_all(&self.reads)
        .await?
        .iter()
        .map(audit_from_row)
        .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn add_envelope(
        &self,
        case_id: i64,
        investigator_id: i64,
        ciphertext: Ciphertext,
        audit: &AuditEvent,
    ) -> Result<()> {
        let new = NewEnvelope {
            case_id,
            investigator_id,
            ciphertext,
            audit: audit.clone(),
        };
        self.write(|reply| Job::AddEnvelope(Pending::new(new, reply)))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn classify(
        &self,
        case_id: i64,
        classification: Option<&str>,
        audit: &AuditEvent,
    ) -> Result<()> {
        let new = (case_id, classification.map(str::to_owned), audit.clone());
        self.write(|reply| Job::Classify(Pending::new(new, reply)))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn list_cases(&self, query: &CaseQuery) -> Result<CaseList> {
        let sql = list::list_sql(query, Dialect::Sqlite)?;
        // One read transaction: the page and the counts from one snapshot.
        let mut tx = self.reads.begin().await?;
        let rows = bind(sqlx::query(&sql.page.text), sql.page.params)
            .fetch_all(&mut *tx)
            .await?;
        let counted = bind(sqlx::query(&sql.counts.text), sql.counts.params)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        let mut counts = StageCounts::default();
        for row in &counted {
            let n: i64 = row.try_get("n")?;
            counts.add(
                list::parse_stage(row.try_get("stage")?)?,
                u64::try_from(n).unwrap_or(0),
            );
        }
        Ok(CaseList {
            rows: rows.iter().map(case_row_from_row).collect::<Result<_>>()?,
            total: match query.stage {
                Some(stage) => counts.get(stage),
                None => counts.total(),
            },
            counts,
        })
    }

    #[tracing::instrument(skip_all)]
    async fn totp(&self, id: i64) -> Result<Option<StoredTotp>> {
        access::totp(&self.reads, id).await
    }

    #[tracing::instrument(skip_all)]
    async fn enable_totp(
        &self,
        id: i64,
        secret: &TotpSecret,
        step: i64,
        audit: &AuditEvent,
    ) -> Result<()> {
        let change = access::Change::EnableTotp {
            id,
            secret: TotpSecret::from_bytes(secret.expose_secret()).ok_or(StoreError::NotFound)?,
            step,
            audit: audit.clone(),
        };
        self.access(change).await.map(drop)
    }

    #[tracing::instrument(skip_all)]
    async fn disable_totp(&self, id: i64, audit: &AuditEvent) -> Result<()> {
        let audit = audit.clone();
        self.access(access::Change::DisableTotp { id, audit })
            .await
            .map(drop)
    }

    #[tracing::instrument(skip_all)]
    async fn use_totp_step(&self, id: i64, secret: &TotpSecret, step: i64) -> Result<bool> {
        let secret = TotpSecret::from_bytes(secret.expose_secret()).ok_or(StoreError::NotFound)?;
        self.access(access::Change::UseStep { id, secret, step })
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn totp_required(&self) -> Result<bool> {
        access::totp_required(&self.reads).await
    }

    #[tracing::instrument(skip_all)]
    async fn set_totp_required(&self, required: bool, audit: &AuditEvent) -> Result<()> {
        let audit = audit.clone();
        self.access(access::Change::Required { required, audit })
            .await
            .map(drop)
    }

    #[tracing::instrument(skip_all)]
    async fn set_admin(&self, id: i64, admin: bool, audit: &AuditEvent) -> Result<()> {
        let audit = audit.clone();
        self.access(access::Change::Admin { id, admin, audit })
            .await
            .map(drop)
    }

    fn queue_notifications(&self, wake: Arc<Notify>) {
        *self
            .notify
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(wake);
    }

    /// Not exclusive: one process writes an SQLite file, so one sender reads its outbox.
    #[tracing::instrument(skip_all)]
    async fn claim_notifications(&self) -> Result<Option<Box<dyn NotificationClaim>>> {
        let rows = sqlx::query("SELECT id, kind FROM notifications ORDER BY id LIMIT ?")
            .bind(NOTIFICATION_BATCH)
            .fetch_all(&self.reads)
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
            writes: self.writes.clone(),
        })))
    }

    #[tracing::instrument(skip_all)]
    async fn record_deadline_check(&self, today: Date, near: bool) -> Result<bool> {
        self.write(|reply| Job::DeadlineCheck(Pending::new((today, near), reply)))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn begin_attachment(
        &self,
        token_hash: &[u8; 32],
        on: Date,
        room: Unattached,
    ) -> Result<i64> {
        let new = (*token_hash, format_day(on)?, room);
        self.write(|reply| Job::BeginAttachment(Pending::new(new, reply)))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn append_attachment(
        &self,
        token_hash: &[u8; 32],
        offset: u64,
        data: &[u8],
        max_len: u64,
        room: Unattached,
    ) -> Result<u64> {
        let piece = attachments::Append {
            token_hash: *token_hash,
            offset,
            data: data.to_vec(),
            max_len,
            room,
        };
        self.write(|reply| Job::AppendAttachment(Pending::new(piece, reply)))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn attachment_upload(&self, token_hash: &[u8; 32]) -> Result<Option<UploadState>> {
        attachments::upload(&self.reads, token_hash).await
    }

    #[tracing::instrument(skip_all)]
    async fn complete_attachment(&self, token_hash: &[u8; 32]) -> Result<()> {
        let token_hash = *token_hash;
        self.write(|reply| Job::CompleteAttachment(Pending::new(token_hash, reply)))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn add_reporter_message(
        &self,
        case_id: i64,
        ciphertext: Ciphertext,
        on: Date,
        attachments: &[[u8; 32]],
    ) -> Result<i64> {
        let new = NewItem {
            case_id,
            kind: ItemKind::ReporterMessage,
            ciphertext,
            on,
            audit: None,
            attachments: attachments.to_vec(),
        };
        self.write(|reply| Job::AddItem(Pending::new(new, reply)))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn attachment_chunk(&self, id: i64, seq: u32) -> Result<Option<Vec<u8>>> {
        attachments::chunk(&self.reads, id, seq).await
    }

    #[tracing::instrument(skip_all)]
    async fn attachment_case(&self, id: i64) -> Result<AttachedFile> {
        attachments::case_of(&self.reads, id).await
    }

    #[tracing::instrument(skip_all)]
    async fn discard_upload(&self, token_hash: &[u8; 32]) -> Result<()> {
        let token_hash = *token_hash;
        self.write(|reply| Job::DiscardUpload(Pending::new(token_hash, reply)))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn delete_stale_uploads(&self, before: Date) -> Result<u64> {
        let before = format_day(before)?;
        self.write(|reply| Job::DeleteStaleUploads(Pending::new(before, reply)))
            .await
    }
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
pub(super) fn kinds_of(rows: &[(i64, Notification)]) -> Vec<Notification> {
    Notification::ALL
        .into_iter()
        .filter(|kind| rows.iter().any(|(_, k)| k == kind))
        .collect()
}

fn bind<'q>(
    mut query: sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    params: Vec<Param>,
) -> sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    for param in params {
        query = match param {
            Param::Text(text) => query.bind(text),
            Param::Int(int) => query.bind(int),
        };
    }
    query
}

fn case_row_from_row(row: &SqliteRow) -> Result<list::CaseRow> {
    let assignee = match row.try_get::<Option<i64>, _>("assignee_id")? {
        Some(id) => Some(Assignee {
            id,
            name: row
                .try_get::<Option<String>, _>("assignee_name")?
                .ok_or_else(|| StoreError::Corrupt("case assigned to nobody known".into()))?,
            active: row
                .try_get::<Option<bool>, _>("assignee_active")?
                .unwrap_or(false),
        }),
        None => None,
    };
    Ok(list::CaseRow {
        id: row.try_get("id")?,
        created_on: parse_day(row.try_get("created_on")?)?,
        stage: list::parse_stage(row.try_get("stage")?)?,
        acknowledged_on: parse_optional_day(row.try_get("acknowledged_on")?)?,
        last_activity_on: parse_day(row.try_get("last_activity_on")?)?,
        assignee,
        classification: row.try_get("classification")?,
    })
}

/// A case's moves, oldest first.
const HISTORY: &str = "SELECT stage, moved_on, moved_by, message_id FROM stage_events \
                       WHERE case_id = ? ORDER BY id";

/// Every case with the days of its first move out of `diterima` and of its latest move. A
/// case is created in `diterima`, so the first event to another stage is that first move.
const CASE_SUMMARIES: &str = "\
SELECT c.id, c.created_on, c.stage,
       (SELECT e.moved_on FROM stage_events e
        WHERE e.case_id = c.id AND e.stage <> 'diterima' ORDER BY e.id LIMIT 1)
           AS acknowledged_on,
       (SELECT e.moved_on FROM stage_events e
        WHERE e.case_id = c.id ORDER BY e.id DESC LIMIT 1) AS last_moved_on
FROM cases c ORDER BY c.id";

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

fn envelope_from_row(row: &SqliteRow) -> Result<StoredEnvelope> {
    let holder = envelope_holder(row.try_get("investigator_id")?, row.try_get("recipient")?)?;
    Ok((holder, Ciphertext::from_bytes(row.try_get("ciphertext")?)))
}

fn item_from_row(row: &SqliteRow) -> Result<StoredItem> {
    Ok(StoredItem {
        id: row.try_get("id")?,
        kind: parse_kind(row.try_get("kind")?)?,
        created_on: parse_day(row.try_get("created_on")?)?,
        ciphertext: Ciphertext::from_bytes(row.try_get("ciphertext")?),
        attachments: Vec::new(),
    })
}

fn event_from_row(row: &SqliteRow) -> Result<StageEvent> {
    Ok(StageEvent {
        stage: row.try_get("stage")?,
        moved_on: parse_day(row.try_get("moved_on")?)?,
        moved_by: row.try_get("moved_by")?,
        message: row.try_get("message_id")?,
    })
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

fn configuration(message: &'static str) -> StoreError {
    StoreError::Database(sqlx::Error::Configuration(message.into()))
}

fn batch_failed(error: &str) -> StoreError {
    StoreError::Database(sqlx::Error::Io(std::io::Error::other(format!(
        "the write batch was rolled back: {error}"
    ))))
}

/// Migrations compiled into the binary (`sqlx::migrate!` needs sqlx's `macros` feature, which
/// the workspace leaves off); each is checksummed like one read from a directory, so the
/// `sqlx` command-line tool agrees with them.
#[derive(Debug)]
pub(super) struct EmbeddedMigrations(pub(super) &'static [(i64, &'static str, &'static str)]);

impl<'s> MigrationSource<'s> for EmbeddedMigrations {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 's>> {
        Box::pin(std::future::ready(Ok(self
            .0
            .iter()
            .map(|&(version, description, sql)| {
                Migration::new(
                    version,
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    Cow::Borrowed(sql),
                    false,
                )
            })
            .collect())))
    }
}
