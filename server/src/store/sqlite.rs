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

use std::sync::Arc;

use async_trait::async_trait;
use kentongan_crypto::bundle::ItemKind;
use kentongan_crypto::{Ciphertext, Recipient};
use sqlx::sqlite::SqlitePool;
use time::Date;
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::task::JoinHandle;

use super::codec::format_day;
use super::list::{CaseList, CaseQuery};
use super::{
    AttachedFile, CaseSummary, Investigator, NewCase, NotificationClaim, ReporterLogin, Result,
    StageEvent, Store, StoreError, StoredCase, StoredTotp, Unattached, UploadState,
};
use crate::audit::{AuditEntry, AuditEvent};
use crate::totp::TotpSecret;

mod access;
mod attachments;
mod audit;
mod cases;
pub(super) mod migrations;
mod notifications;
mod open;
mod team;
mod writer;
mod writes;

pub(super) use migrations::EmbeddedMigrations;
#[cfg(test)]
pub(super) use migrations::MIGRATIONS;
pub(super) use notifications::kinds_of;
use writer::{Job, Move, NewEnvelope, NewItem, Pending};

/// The most jobs one transaction takes. Large enough that a burst shares a few fsyncs, small
/// enough that one transaction never holds the writer for long.
const MAX_BATCH: usize = 256;

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
        team::investigators(&self.reads).await
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
        cases::ids(&self.reads).await
    }

    #[tracing::instrument(skip_all)]
    async fn case(&self, id: i64) -> Result<StoredCase> {
        cases::case(&self.reads, id).await
    }

    #[tracing::instrument(skip_all)]
    async fn reporter_login(&self, receipt_lookup: &[u8; 32]) -> Result<Option<ReporterLogin>> {
        cases::reporter_login(&self.reads, receipt_lookup).await
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
        cases::summaries(&self.reads).await
    }

    #[tracing::instrument(skip_all)]
    async fn stage_history(&self, id: i64) -> Result<Vec<StageEvent>> {
        cases::history(&self.reads, id).await
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
        audit::log(&self.reads).await
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
        cases::list(&self.reads, query).await
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
        notifications::claim(&self.reads, &self.writes).await
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

fn batch_failed(error: &str) -> StoreError {
    StoreError::Database(sqlx::Error::Io(std::io::Error::other(format!(
        "the write batch was rolled back: {error}"
    ))))
}
