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
    StoredEnvelope, credential, envelope_holder, format_day, format_instant, hash32, parse_day,
    parse_instant, parse_kind, parse_optional_day, parse_recipient,
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
            "SELECT case_id, auth_hash, recipient, kdf FROM reporter_credentials \
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

/// A move for the writer: see [`Store::move_case`].
#[derive(Debug)]
struct Move {
    id: i64,
    from: String,
    to: String,
    by: String,
    on: Date,
    message: Option<Ciphertext>,
    audit: AuditEvent,
}

/// An item for the writer: see [`Store::add_item`].
#[derive(Debug)]
struct NewItem {
    case_id: i64,
    kind: ItemKind,
    ciphertext: Ciphertext,
    on: Date,
    audit: Option<AuditEvent>,
    /// Token hashes of uploads to attach (a reporter's message only).
    attachments: Vec<[u8; 32]>,
}

/// An envelope for the writer: see [`Store::add_envelope`].
#[derive(Debug)]
struct NewEnvelope {
    case_id: i64,
    investigator_id: i64,
    ciphertext: Ciphertext,
    audit: AuditEvent,
}

/// A write waiting for the writer: what to do, and where the answer goes once the batch it
/// ran in has committed (or failed).
#[derive(Debug)]
enum Job {
    CreateCase(Pending<Box<NewCase>, i64>),
    AddInvestigator(Pending<(Investigator, AuditEvent), Investigator>),
    DisableInvestigator(Pending<(i64, AuditEvent), ()>),
    MoveCase(Pending<Move, ()>),
    AddItem(Pending<NewItem, i64>),
    AppendAudit(Pending<AuditEvent, AuditEntry>),
    AddEnvelope(Pending<NewEnvelope, ()>),
    Assign(Pending<(i64, Option<i64>, AuditEvent), ()>),
    Classify(Pending<(i64, Option<String>, AuditEvent), ()>),
    DeleteNotifications(Pending<Vec<i64>, ()>),
    DeadlineCheck(Pending<(Date, bool), bool>),
    BeginAttachment(Pending<([u8; 32], String, Unattached), i64>),
    AppendAttachment(Pending<attachments::Append, u64>),
    CompleteAttachment(Pending<[u8; 32], ()>),
    DiscardUpload(Pending<[u8; 32], ()>),
    DeleteStaleUploads(Pending<String, u64>),
    Access(Pending<access::Change, bool>),
}

#[derive(Debug)]
struct Pending<I, T> {
    input: I,
    reply: oneshot::Sender<Result<T>>,
    /// Set when the job has run inside the batch's transaction; sent only after the commit.
    outcome: Option<Result<T>>,
}

impl<I, T> Pending<I, T> {
    fn new(input: I, reply: oneshot::Sender<Result<T>>) -> Self {
        Self {
            input,
            reply,
            outcome: None,
        }
    }

    /// Records the outcome; tells whether the job's savepoint should be kept.
    fn record(&mut self, outcome: Result<T>) -> bool {
        let ok = outcome.is_ok();
        self.outcome = Some(outcome);
        ok
    }

    fn answer(self, batch: &Result<(), String>) {
        let answer = match (batch, self.outcome) {
            (Ok(()), Some(outcome)) => outcome,
            (Ok(()), None) => Err(batch_failed("the job did not run")),
            // Rolled back with the batch: nothing of this job is stored.
            (Err(error), _) => Err(batch_failed(error)),
        };
        // The caller may have gone away (its request was cancelled); the write stands.
        let _ = self.reply.send(answer);
    }
}

impl Job {
    /// Runs the job inside the open transaction, under its own savepoint. An `Err` means the
    /// transaction itself is in trouble and the whole batch must be rolled back.
    async fn run(&mut self, conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
        sqlx::query("SAVEPOINT job").execute(&mut *conn).await?;
        let keep = match self {
            Job::CreateCase(job) => match insert_cases(conn, &mut [&mut *job]).await {
                Ok(()) => job.outcome.as_ref().is_some_and(Result::is_ok),
                Err(error) => job.record(Err(error.into())),
            },
            Job::AddInvestigator(job) => {
                let (new, audit) = &job.input;
                let outcome = insert_investigator(conn, new, audit).await;
                job.record(outcome)
            }
            Job::DisableInvestigator(job) => {
                let (id, audit) = &job.input;
                let outcome = disable_investigator(conn, *id, audit).await;
                job.record(outcome)
            }
            Job::MoveCase(job) => {
                let outcome = move_case(conn, &job.input).await;
                job.record(outcome)
            }
            Job::AddItem(job) => {
                let outcome = add_item(conn, &job.input).await;
                job.record(outcome)
            }
            Job::AppendAudit(job) => {
                let outcome = append_audit(conn, &job.input).await;
                job.record(outcome)
            }
            Job::AddEnvelope(job) => {
                let outcome = add_envelope(conn, &job.input).await;
                job.record(outcome)
            }
            Job::Assign(job) => {
                let (case_id, investigator, audit) = &job.input;
                let outcome = assign(conn, *case_id, *investigator, audit).await;
                job.record(outcome)
            }
            Job::Classify(job) => {
                let (case_id, classification, audit) = &job.input;
                let outcome = classify(conn, *case_id, classification.as_deref(), audit).await;
                job.record(outcome)
            }
            Job::DeleteNotifications(job) => {
                let outcome = delete_notifications(conn, &job.input).await;
                job.record(outcome)
            }
            Job::DeadlineCheck(job) => {
                let (today, near) = job.input;
                let outcome = deadline_check(conn, today, near).await;
                job.record(outcome)
            }
            Job::BeginAttachment(job) => {
                let (token_hash, on, room) = &job.input;
                let outcome = attachments::begin(conn, token_hash, on, *room).await;
                job.record(outcome)
            }
            Job::AppendAttachment(job) => {
                let outcome = attachments::append(conn, &job.input).await;
                job.record(outcome)
            }
            Job::CompleteAttachment(job) => {
                let outcome = attachments::complete(conn, &job.input).await;
                job.record(outcome)
            }
            Job::DiscardUpload(job) => {
                let outcome = attachments::discard(conn, &job.input).await;
                job.record(outcome)
            }
            Job::DeleteStaleUploads(job) => {
                let outcome = attachments::delete_stale(conn, &job.input).await;
                job.record(outcome)
            }
            Job::Access(job) => {
                let outcome = access::run(conn, &job.input).await;
                job.record(outcome)
            }
        };
        if !keep {
            sqlx::query("ROLLBACK TO job").execute(&mut *conn).await?;
        }
        sqlx::query("RELEASE job").execute(&mut *conn).await?;
        Ok(())
    }

    fn answer(self, batch: &Result<(), String>) {
        match self {
            Job::CreateCase(job) => job.answer(batch),
            Job::AddInvestigator(job) => job.answer(batch),
            Job::DisableInvestigator(job) => job.answer(batch),
            Job::MoveCase(job) => job.answer(batch),
            Job::AddItem(job) => job.answer(batch),
            Job::AppendAudit(job) => job.answer(batch),
            Job::AddEnvelope(job) => job.answer(batch),
            Job::Assign(job) => job.answer(batch),
            Job::Classify(job) => job.answer(batch),
            Job::DeleteNotifications(job) => job.answer(batch),
            Job::DeadlineCheck(job) => job.answer(batch),
            Job::BeginAttachment(job) => job.answer(batch),
            Job::AppendAttachment(job) => job.answer(batch),
            Job::CompleteAttachment(job) => job.answer(batch),
            Job::DiscardUpload(job) => job.answer(batch),
            Job::DeleteStaleUploads(job) => job.answer(batch),
            Job::Access(job) => job.answer(batch),
        }
    }

    /// The notification this job, done, asks for: a new case, or a reporter's message.
    fn notification(&self) -> Option<Notification> {
        match self {
            Job::CreateCase(job) if matches!(job.outcome, Some(Ok(_))) => {
                Some(Notification::NewReport)
            }
            Job::AddItem(job)
                if job.input.kind == ItemKind::ReporterMessage
                    && matches!(job.outcome, Some(Ok(_))) =>
            {
                Some(Notification::ReporterMessage)
            }
            _ => None,
        }
    }
}

/// The writer: batches queued jobs into transactions until every sender is gone.
async fn run_writer(
    conn: SqliteConnection,
    options: SqliteConnectOptions,
    mut jobs: mpsc::Receiver<Job>,
    notify: Wake,
) {
    let mut conn = Some(conn);
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while jobs.recv_many(&mut batch, MAX_BATCH).await > 0 {
        if conn.is_none() {
            conn = match SqliteConnection::connect_with(&options).await {
                Ok(fresh) => Some(fresh),
                Err(error) => {
                    tracing::error!(%error, "the SQLite writer cannot reconnect");
                    None
                }
            };
        }
        let wake = wake_of(&notify);
        let outcome = match conn.as_mut() {
            Some(live) => run_batch(live, &mut batch, wake.is_some()).await,
            None => Err("the database cannot be opened for writing".to_owned()),
        };
        let outcome = outcome.map(|queued| {
            if let (true, Some(wake)) = (queued, wake) {
                wake.notify_one();
            }
        });
        if let Err(error) = &outcome {
            tracing::error!(%error, jobs = batch.len(), "a write batch was rolled back");
            if let Some(mut broken) = conn.take() {
                // A failed batch leaves the transaction open; if it cannot even be rolled
                // back, the connection is dropped and the next batch opens a new one.
                if sqlx::query("ROLLBACK").execute(&mut broken).await.is_ok() {
                    conn = Some(broken);
                }
            }
        }
        for job in batch.drain(..) {
            job.answer(&outcome);
        }
    }
    if let Some(conn) = conn {
        if let Err(error) = conn.close().await {
            tracing::warn!(%error, "closing the SQLite writer connection failed");
        }
    }
}

/// Runs a batch in one transaction and commits it: together first, job by job if that fails
/// (for instance because one case names an investigator who does not exist). With `notify`,
/// the notifications the done jobs ask for are queued in the same transaction; the answer
/// tells whether any were. The error is the text every caller of the batch is told (the log
/// gets it once); it never contains arguments.
async fn run_batch(
    conn: &mut SqliteConnection,
    batch: &mut [Job],
    notify: bool,
) -> Result<bool, String> {
    async {
        sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
        if let Err(error) = run_together(conn, batch).await {
            tracing::warn!(%error, jobs = batch.len(), "a write batch is retried job by job");
            sqlx::query("ROLLBACK").execute(&mut *conn).await?;
            sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
            for job in batch.iter_mut() {
                job.run(conn).await?;
            }
        }
        let queued = if notify {
            queue_notifications(conn, batch).await?
        } else {
            false
        };
        // A failed COMMIT is not retried: after an I/O error its outcome is unknown.
        sqlx::query("COMMIT").execute(&mut *conn).await?;
        Ok::<bool, sqlx::Error>(queued)
    }
    .await
    .map_err(|error| error.to_string())
}

/// One outbox row per done job that asks for a notification, in one statement. Tells whether
/// there was any.
async fn queue_notifications(
    conn: &mut SqliteConnection,
    batch: &[Job],
) -> Result<bool, sqlx::Error> {
    let kinds: Vec<Notification> = batch.iter().filter_map(Job::notification).collect();
    if kinds.is_empty() {
        return Ok(false);
    }
    let mut insert = QueryBuilder::<Sqlite>::new("INSERT INTO notifications (kind) ");
    insert.push_values(&kinds, |mut values, kind| {
        values.push_bind(kind.slug());
    });
    insert.build().persistent(false).execute(&mut *conn).await?;
    Ok(true)
}

async fn delete_notifications(conn: &mut SqliteConnection, ids: &[i64]) -> Result<()> {
    for chunk in ids.chunks(MAX_PARAMETERS) {
        let mut delete = QueryBuilder::<Sqlite>::new("DELETE FROM notifications WHERE id IN (");
        let mut list = delete.separated(", ");
        for id in chunk {
            list.push_bind(*id);
        }
        delete.push(")");
        delete.build().persistent(false).execute(&mut *conn).await?;
    }
    Ok(())
}

/// The compare-and-set on the day of the last check, and the notification if `near`.
async fn deadline_check(conn: &mut SqliteConnection, today: Date, near: bool) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE notification_state SET deadline_checked_on = ?1 \
         WHERE id = 1 AND (deadline_checked_on IS NULL OR deadline_checked_on < ?1)",
    )
    .bind(format_day(today)?)
    .execute(&mut *conn)
    .await?;
    let checked = done.rows_affected() == 1;
    if checked && near {
        sqlx::query("INSERT INTO notifications (kind) VALUES (?)")
            .bind(Notification::DeadlineNear.slug())
            .execute(&mut *conn)
            .await?;
    }
    Ok(checked)
}

/// Runs the batch inside the open transaction: the cases together, other jobs one by one.
async fn run_together(conn: &mut SqliteConnection, batch: &mut [Job]) -> Result<(), sqlx::Error> {
    let mut cases = Vec::with_capacity(batch.len());
    for job in batch.iter_mut() {
        match job {
            Job::CreateCase(case) => cases.push(case),
            other => other.run(conn).await?,
        }
    }
    insert_cases(conn, &mut cases).await
}

/// SQLite's limit on bound parameters in one statement is 32766; a multi-row insert stays
/// well below it.
const MAX_PARAMETERS: usize = 30_000;

/// The id the next case gets. Ids are given out here, not by SQLite, so that one statement
/// can insert a whole batch of cases and their rows in other tables. The writer holds the
/// write lock (`BEGIN IMMEDIATE`), so nobody else can take an id meanwhile; with
/// AUTOINCREMENT, SQLite's sequence then moves past the ids used, as if it had chosen them.
const NEXT_CASE_ID: &str = "\
SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'cases'), 0), \
           COALESCE((SELECT MAX(id) FROM cases), 0)) + 1";

/// Inserts every case of the batch with one statement per table. Duplicate receipts (taken
/// already, or twice in the batch) are answered `Duplicate` and left out. Sets each job's
/// outcome only if every statement succeeded.
async fn insert_cases(
    conn: &mut SqliteConnection,
    cases: &mut [&mut Pending<Box<NewCase>, i64>],
) -> Result<(), sqlx::Error> {
    if cases.is_empty() {
        return Ok(());
    }
    let mut receipts = taken_receipts(conn, cases).await?;
    let mut next_id: i64 = sqlx::query_scalar(NEXT_CASE_ID)
        .fetch_one(&mut *conn)
        .await?;
    let mut outcomes = Vec::with_capacity(cases.len());
    let mut rows = Vec::with_capacity(cases.len());
    // Uploads attached by an earlier case of this batch.
    let mut claimed = HashSet::new();
    for case in cases.iter() {
        let case: &NewCase = &case.input;
        // Also true for the second of two equal receipts in one batch.
        if receipts.contains(case.receipt_lookup.as_slice()) {
            outcomes.push(Err(StoreError::Duplicate));
            continue;
        }
        if !attachments::ready(conn, &case.attachments, &claimed).await? {
            outcomes.push(Err(StoreError::UploadNotReady));
            continue;
        }
        match format_day(case.created_on) {
            Ok(created_on) => {
                receipts.insert(case.receipt_lookup.to_vec());
                claimed.extend(case.attachments.iter().copied());
                outcomes.push(Ok(next_id));
                rows.push(CaseRow {
                    id: next_id,
                    created_on,
                    case,
                });
                next_id += 1;
            }
            Err(error) => outcomes.push(Err(error)),
        }
    }
    if !rows.is_empty() {
        insert_rows(conn, &rows).await?;
    }
    for row in rows.iter().filter(|row| !row.case.attachments.is_empty()) {
        let report = attachments::report_item(conn, row.id).await?;
        attachments::attach(conn, report, &row.case.attachments).await?;
    }
    for (case, outcome) in cases.iter_mut().zip(outcomes) {
        case.outcome = Some(outcome);
    }
    Ok(())
}

/// The receipt lookups of `cases` that are taken already.
async fn taken_receipts(
    conn: &mut SqliteConnection,
    cases: &[&mut Pending<Box<NewCase>, i64>],
) -> Result<HashSet<Vec<u8>>, sqlx::Error> {
    let mut query = QueryBuilder::<Sqlite>::new(
        "SELECT receipt_lookup FROM reporter_credentials WHERE receipt_lookup IN (",
    );
    let mut receipts = query.separated(", ");
    for case in cases {
        receipts.push_bind(case.input.receipt_lookup.as_slice());
    }
    query.push(")");
    let taken = query
        .build_query_scalar::<Vec<u8>>()
        .persistent(false)
        .fetch_all(&mut *conn)
        .await?;
    Ok(taken.into_iter().collect())
}

/// A case to insert, with its id and its date formatted.
struct CaseRow<'a> {
    id: i64,
    created_on: String,
    case: &'a NewCase,
}

/// One multi-row insert per table. The statements differ with the number of rows, so they
/// are not kept in the prepared-statement cache (`persistent(false)`).
async fn insert_rows(conn: &mut SqliteConnection, rows: &[CaseRow<'_>]) -> Result<(), sqlx::Error> {
    let mut insert = QueryBuilder::<Sqlite>::new(
        "INSERT INTO cases (id, created_on, last_activity_on, case_recipient, notes_recipient) ",
    );
    insert.push_values(rows, |mut values, row| {
        values
            .push_bind(row.id)
            .push_bind(row.created_on.as_str())
            .push_bind(row.created_on.as_str())
            .push_bind(row.case.case_recipient.to_string())
            .push_bind(row.case.notes_recipient.to_string());
    });
    insert.build().persistent(false).execute(&mut *conn).await?;

    let mut insert = QueryBuilder::<Sqlite>::new(
        "INSERT INTO reporter_credentials (case_id, receipt_lookup, auth_hash, recipient, kdf) ",
    );
    insert.push_values(rows, |mut values, row| {
        let credential = &row.case.credential;
        values
            .push_bind(row.id)
            .push_bind(row.case.receipt_lookup.as_slice())
            .push_bind(credential.auth_hash.as_bytes().as_slice())
            .push_bind(credential.recipient.to_string())
            .push_bind(credential.kdf.to_string());
    });
    insert.build().persistent(false).execute(&mut *conn).await?;

    let mut insert = QueryBuilder::<Sqlite>::new(
        "INSERT INTO case_items (case_id, kind, created_on, ciphertext) ",
    );
    insert.push_values(rows, |mut values, row| {
        values
            .push_bind(row.id)
            .push_bind(ItemKind::Report.slug())
            .push_bind(row.created_on.as_str())
            .push_bind(row.case.report.as_bytes());
    });
    insert.build().persistent(false).execute(&mut *conn).await?;

    let envelopes: Vec<(i64, Option<i64>, &[u8])> = rows
        .iter()
        .flat_map(|row| {
            row.case
                .envelopes
                .iter()
                .map(|(holder, envelope)| (row.id, *holder, envelope.as_bytes()))
        })
        .collect();
    for chunk in envelopes.chunks(MAX_PARAMETERS / 3) {
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO key_envelopes (case_id, investigator_id, ciphertext) ",
        );
        insert.push_values(chunk, |mut values, &(case, holder, envelope)| {
            values.push_bind(case).push_bind(holder).push_bind(envelope);
        });
        insert.build().persistent(false).execute(&mut *conn).await?;
    }
    Ok(())
}

async fn insert_investigator(
    conn: &mut SqliteConnection,
    new: &Investigator,
    audit: &AuditEvent,
) -> Result<Investigator> {
    let done = sqlx::query(
        "INSERT INTO investigators (name, recipient, admin, active, added_on) \
         VALUES (?, ?, ?, 1, ?) ON CONFLICT (recipient) DO NOTHING",
    )
    .bind(&new.name)
    .bind(new.recipient.to_string())
    .bind(new.admin)
    .bind(format_day(new.added_on)?)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Duplicate);
    }
    let id = done.last_insert_rowid();
    append_audit(conn, &audit.clone().detail("investigator", id)).await?;
    Ok(Investigator { id, ..new.clone() })
}

async fn disable_investigator(
    conn: &mut SqliteConnection,
    id: i64,
    audit: &AuditEvent,
) -> Result<()> {
    let done = sqlx::query("UPDATE investigators SET active = 0 WHERE id = ?")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    append_audit(conn, audit).await?;
    Ok(())
}

/// Inserts the item only if its case exists (no foreign-key error to tell apart from others).
async fn insert_item(
    conn: &mut SqliteConnection,
    case_id: i64,
    kind: ItemKind,
    ciphertext: &Ciphertext,
    on: &str,
) -> Result<Option<i64>> {
    let done = sqlx::query(
        "INSERT INTO case_items (case_id, kind, created_on, ciphertext) \
         SELECT id, ?, ?, ? FROM cases WHERE id = ?",
    )
    .bind(kind.slug())
    .bind(on)
    .bind(ciphertext.as_bytes())
    .bind(case_id)
    .execute(&mut *conn)
    .await?;
    Ok((done.rows_affected() == 1).then_some(done.last_insert_rowid()))
}

async fn add_item(conn: &mut SqliteConnection, new: &NewItem) -> Result<i64> {
    let on = format_day(new.on)?;
    if !attachments::ready(conn, &new.attachments, &HashSet::new()).await? {
        return Err(StoreError::UploadNotReady);
    }
    let id = insert_item(conn, new.case_id, new.kind, &new.ciphertext, &on)
        .await?
        .ok_or(StoreError::NotFound)?;
    attachments::attach(conn, id, &new.attachments).await?;
    sqlx::query("UPDATE cases SET last_activity_on = max(last_activity_on, ?) WHERE id = ?")
        .bind(&on)
        .bind(new.case_id)
        .execute(&mut *conn)
        .await?;
    if let Some(audit) = &new.audit {
        append_audit(conn, &audit.clone().detail("item", id)).await?;
    }
    Ok(id)
}

/// Inserts the envelope only if the case and the investigator exist, and only if the
/// investigator holds none for the case yet (the unique index): no constraint error to tell
/// apart from others.
async fn add_envelope(conn: &mut SqliteConnection, new: &NewEnvelope) -> Result<()> {
    let done = sqlx::query(
        "INSERT INTO key_envelopes (case_id, investigator_id, ciphertext) \
         SELECT c.id, i.id, ? FROM cases c, investigators i WHERE c.id = ? AND i.id = ? \
         ON CONFLICT DO NOTHING",
    )
    .bind(new.ciphertext.as_bytes())
    .bind(new.case_id)
    .bind(new.investigator_id)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 1 {
        append_audit(conn, &new.audit).await?;
        return Ok(());
    }
    let both: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM cases WHERE id = ?) \
              + (SELECT count(*) FROM investigators WHERE id = ?)",
    )
    .bind(new.case_id)
    .bind(new.investigator_id)
    .fetch_one(&mut *conn)
    .await?;
    Err(if both == 2 {
        StoreError::Duplicate
    } else {
        StoreError::NotFound
    })
}

/// Checks the investigator and writes, under the job's savepoint; the writer holds the write
/// lock, so nobody disables the investigator in between.
async fn assign(
    conn: &mut SqliteConnection,
    case_id: i64,
    investigator: Option<i64>,
    audit: &AuditEvent,
) -> Result<()> {
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM cases WHERE id = ?")
        .bind(case_id)
        .fetch_optional(&mut *conn)
        .await?;
    if exists.is_none() {
        return Err(StoreError::NotFound);
    }
    if let Some(investigator) = investigator {
        let active: Option<bool> =
            sqlx::query_scalar("SELECT active FROM investigators WHERE id = ?")
                .bind(investigator)
                .fetch_optional(&mut *conn)
                .await?;
        if active != Some(true) {
            return Err(StoreError::NoActiveInvestigator);
        }
    }
    sqlx::query("UPDATE cases SET assignee_id = ? WHERE id = ?")
        .bind(investigator)
        .bind(case_id)
        .execute(&mut *conn)
        .await?;
    append_audit(conn, audit).await?;
    Ok(())
}

async fn classify(
    conn: &mut SqliteConnection,
    case_id: i64,
    classification: Option<&str>,
    audit: &AuditEvent,
) -> Result<()> {
    let done = sqlx::query("UPDATE cases SET classification = ? WHERE id = ?")
        .bind(classification)
        .bind(case_id)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    append_audit(conn, audit).await?;
    Ok(())
}

/// The compare-and-set, the message and the event, under the job's savepoint: a failure
/// leaves none of them. The writer holds the write lock, so nothing changes the case between
/// the statements.
async fn move_case(conn: &mut SqliteConnection, new: &Move) -> Result<()> {
    let on = format_day(new.on)?;
    // The first move out of `diterima` is the acknowledgement (see `case_summaries`).
    let done = sqlx::query(
        "UPDATE cases SET stage = ?1, \
             acknowledged_on = CASE WHEN acknowledged_on IS NULL AND ?1 <> 'diterima' \
                 THEN ?2 ELSE acknowledged_on END, \
             last_activity_on = max(last_activity_on, ?2) \
         WHERE id = ?3 AND stage = ?4",
    )
    .bind(&new.to)
    .bind(&on)
    .bind(new.id)
    .bind(&new.from)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM cases WHERE id = ?")
            .bind(new.id)
            .fetch_optional(&mut *conn)
            .await?;
        return Err(match exists {
            Some(_) => StoreError::Conflict,
            None => StoreError::NotFound,
        });
    }
    let message = match &new.message {
        Some(message) => Some(
            insert_item(conn, new.id, ItemKind::StageMessage, message, &on)
                .await?
                .ok_or(StoreError::NotFound)?,
        ),
        None => None,
    };
    sqlx::query(
        "INSERT INTO stage_events (case_id, stage, moved_on, moved_by, message_id) \
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(new.id)
    .bind(&new.to)
    .bind(on)
    .bind(&new.by)
    .bind(message)
    .execute(&mut *conn)
    .await?;
    let audit = match message {
        Some(id) => new.audit.clone().detail("message", id),
        None => new.audit.clone(),
    };
    append_audit(conn, &audit).await?;
    Ok(())
}

/// Appends an entry after the last one, inside the job's savepoint: if the job fails, its
/// entry goes with it. The writer holds the write lock (`BEGIN IMMEDIATE`), so the head read
/// here is still the head when the entry is written: appends never fork the chain.
async fn append_audit(conn: &mut SqliteConnection, event: &AuditEvent) -> Result<AuditEntry> {
    let head: Option<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
    let head = match head {
        Some((seq, hash)) => Some((seq, hash32(hash)?)),
        None => None,
    };
    let entry = AuditEntry::next(head, event, OffsetDateTime::now_utc());
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, case_id, detail, prev_hash, hash) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(entry.seq)
    .bind(format_instant(entry.at)?)
    .bind(&entry.actor)
    .bind(&entry.action)
    .bind(entry.case)
    .bind(&entry.detail)
    .bind(entry.prev_hash.as_slice())
    .bind(entry.hash.as_slice())
    .execute(&mut *conn)
    .await?;
    Ok(entry)
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
