//! The writer's jobs and how it runs them: every write is queued for the one task that owns
//! the writing connection, which takes whatever is queued (up to [`MAX_BATCH`] jobs), runs it
//! in one transaction (the cases together, the rest job by job), commits, and only then
//! answers each caller; if the batch fails, it runs again job by job, each under its own
//! savepoint, so one bad job fails alone. See the parent module's documentation.

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{Connection, QueryBuilder, Sqlite};

use super::writes::{
    MAX_PARAMETERS, add_envelope, add_item, append_audit, assign, classify, disable_investigator,
    insert_cases, insert_investigator, move_case,
};
use super::*;
use crate::store::Notification;

/// A move for the writer: see [`Store::move_case`].
#[derive(Debug)]
pub(super) struct Move {
    pub(super) id: i64,
    pub(super) from: String,
    pub(super) to: String,
    pub(super) by: String,
    pub(super) on: Date,
    pub(super) message: Option<Ciphertext>,
    pub(super) audit: AuditEvent,
}

/// An item for the writer: see [`Store::add_item`].
#[derive(Debug)]
pub(super) struct NewItem {
    pub(super) case_id: i64,
    pub(super) kind: ItemKind,
    pub(super) ciphertext: Ciphertext,
    pub(super) on: Date,
    pub(super) audit: Option<AuditEvent>,
    /// Token hashes of uploads to attach (a reporter's message only).
    pub(super) attachments: Vec<[u8; 32]>,
}

/// An envelope for the writer: see [`Store::add_envelope`].
#[derive(Debug)]
pub(super) struct NewEnvelope {
    pub(super) case_id: i64,
    pub(super) investigator_id: i64,
    pub(super) ciphertext: Ciphertext,
    pub(super) audit: AuditEvent,
}

/// A write waiting for the writer: what to do, and where the answer goes once the batch it
/// ran in has committed (or failed).
#[derive(Debug)]
pub(super) enum Job {
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
pub(super) struct Pending<I, T> {
    pub(super) input: I,
    pub(super) reply: oneshot::Sender<Result<T>>,
    /// Set when the job has run inside the batch's transaction; sent only after the commit.
    pub(super) outcome: Option<Result<T>>,
}

impl<I, T> Pending<I, T> {
    pub(super) fn new(input: I, reply: oneshot::Sender<Result<T>>) -> Self {
        Self {
            input,
            reply,
            outcome: None,
        }
    }

    /// Records the outcome; tells whether the job's savepoint should be kept.
    pub(super) fn record(&mut self, outcome: Result<T>) -> bool {
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
pub(super) async fn run_writer(
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
pub(super) async fn run_batch(
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
pub(super) async fn queue_notifications(
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

pub(super) async fn delete_notifications(conn: &mut SqliteConnection, ids: &[i64]) -> Result<()> {
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
pub(super) async fn deadline_check(
    conn: &mut SqliteConnection,
    today: Date,
    near: bool,
) -> Result<bool> {
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
pub(super) async fn run_together(
    conn: &mut SqliteConnection,
    batch: &mut [Job],
) -> Result<(), sqlx::Error> {
    let mut cases = Vec::with_capacity(batch.len());
    for job in batch.iter_mut() {
        match job {
            Job::CreateCase(case) => cases.push(case),
            other => other.run(conn).await?,
        }
    }
    insert_cases(conn, &mut cases).await
}
