//! The PostgreSQL store, for several server instances sharing one database.
//!
//! A new case is written by one statement (data-modifying CTEs): one round trip, its own
//! transaction, durable when it returns (`synchronous_commit` on, the default). Concurrent
//! callers share fsyncs through PostgreSQL's own group commit.

use async_trait::async_trait;
use kentongan_crypto::bundle::ItemKind;
use kentongan_crypto::{Ciphertext, Recipient};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sqlx::{PgConnection, Row};
use time::{Date, OffsetDateTime};

use super::codec::attach_to_items;
mod access;

use super::codec::{
    StoredEnvelope, commitment, commitment_text, credential, envelope_holder, format_day,
    format_instant, hash32, parse_day, parse_instant, parse_kind, parse_optional_day,
    parse_recipient,
};
use super::list::{self, Assignee, CaseList, CaseQuery, CaseRow, Dialect, Param, StageCounts};
use super::sqlite::{EmbeddedMigrations, kinds_of};
use super::{
    AttachedFile, CaseSummary, Investigator, NewCase, ReporterLogin, Result, StageEvent, Store,
    StoreError, StoredCase, StoredItem, StoredTotp, Unattached, UploadState,
};
use super::{NOTIFICATION_BATCH, Notification, NotificationClaim};
use crate::audit::{AuditEntry, AuditEvent};
use crate::totp::TotpSecret;
use sqlx::{Postgres, Transaction};
use std::sync::Arc;
use tokio::sync::Notify;

mod attachments;

/// Connections per server instance. Several instances share the server's `max_connections`
/// (100 by default); 16 keeps enough commits in flight for group commit to pay off.
const CONNECTIONS: u32 = 16;

/// The unique constraint whose violation means "receipt already taken" (see the migration).
const RECEIPT_TAKEN: &str = "reporter_credentials_receipt_lookup_unique";

/// The migrations, embedded at compile time. A new file in `migrations/postgres` needs a line
/// here; a test checks that the two agree.
pub(super) const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "initial",
        include_str!("../../migrations/postgres/0001_initial.sql"),
    ),
    (
        2,
        "stage_events",
        include_str!("../../migrations/postgres/0002_stage_events.sql"),
    ),
    (
        3,
        "stage_messages",
        include_str!("../../migrations/postgres/0003_stage_messages.sql"),
    ),
    (
        4,
        "audit",
        include_str!("../../migrations/postgres/0004_audit.sql"),
    ),
    (
        5,
        "notifications",
        include_str!("../../migrations/postgres/0005_notifications.sql"),
    ),
    (
        6,
        "case_metadata",
        include_str!("../../migrations/postgres/0006_case_metadata.sql"),
    ),
    (
        7,
        "attachments",
        include_str!("../../migrations/postgres/0007_attachments.sql"),
    ),
    (
        8,
        "totp",
        include_str!("../../migrations/postgres/0008_totp.sql"),
    ),
    (
        9,
        "commitments",
        include_str!("../../migrations/postgres/0009_commitments.sql"),
    ),
];

/// Dates cross the wire as `YYYY-MM-DD` text (`to_char` on the way out, so the server's
/// `DateStyle` does not matter): sqlx's `time` support is not enabled in the workspace.
const INSERT_CASE: &str = "\
WITH new_case AS (
    INSERT INTO cases (created_on, last_activity_on, case_recipient, notes_recipient)
    VALUES ($1::date, $1::date, $2, $3)
    RETURNING id
), credential AS (
    INSERT INTO reporter_credentials (case_id, receipt_lookup, auth_hash, recipient, kdf,
                                      commitment)
    SELECT id, $4, $5, $6, $7, $12 FROM new_case
), report AS (
    INSERT INTO case_items (case_id, kind, created_on, ciphertext)
    SELECT id, 'report', $1::date, $8 FROM new_case
    RETURNING id
), envelopes AS (
    INSERT INTO key_envelopes (case_id, investigator_id, ciphertext)
    SELECT new_case.id, e.investigator_id, e.ciphertext
    FROM new_case,
         UNNEST($9::bigint[], $10::bytea[]) WITH ORDINALITY AS e (investigator_id, ciphertext, n)
    ORDER BY e.n
), notification AS (
    INSERT INTO notifications (kind)
    SELECT 'new-report' FROM new_case WHERE $11::boolean
)
SELECT new_case.id, report.id FROM new_case, report";

/// A move in one statement (in the transaction that records it in the audit log): the
/// compare-and-set on `cases.stage`, the message item (only if there is a message, `$6` not
/// NULL) and the event linking to it. Under READ COMMITTED a concurrent move of the same
/// case makes this one wait, then re-check `stage = $2` against the committed row: only one
/// of them moves the case, and the other writes nothing, message included. Returns the
/// message's id (NULL without one), and no row if the case did not move.
/// The first move out of `diterima` is the acknowledgement (see `case_summaries`).
const MOVE_CASE: &str = "\
WITH moved AS (
    UPDATE cases SET stage = $3,
        acknowledged_on = CASE WHEN acknowledged_on IS NULL AND $3 <> 'diterima'
            THEN $4::date ELSE acknowledged_on END,
        last_activity_on = greatest(last_activity_on, $4::date)
    WHERE id = $1 AND stage = $2
    RETURNING id
), message AS (
    INSERT INTO case_items (case_id, kind, created_on, ciphertext)
    SELECT id, 'stage-message', $4::date, $6 FROM moved WHERE $6::bytea IS NOT NULL
    RETURNING id
)
INSERT INTO stage_events (case_id, stage, moved_on, moved_by, message_id)
SELECT moved.id, $3, $4::date, $5, (SELECT id FROM message) FROM moved
RETURNING message_id";

/// An item, only if its case exists (no foreign-key error to tell apart from others), and the
/// case's last activity.
const ADD_ITEM: &str = "\
WITH touched AS (
    UPDATE cases SET last_activity_on = greatest(last_activity_on, $3::date)
    WHERE id = $1
    RETURNING id
), item AS (
    INSERT INTO case_items (case_id, kind, created_on, ciphertext)
    SELECT id, $2, $3::date, $4 FROM touched
    RETURNING id
), notification AS (
    INSERT INTO notifications (kind)
    SELECT 'reporter-message' FROM item WHERE $5::boolean
)
SELECT id FROM item";

/// Only if the investigator is registered and active (`$2` NULL: unassign).
const ASSIGN: &str = "\
UPDATE cases SET assignee_id = $2
WHERE id = $1
  AND ($2::bigint IS NULL OR EXISTS (SELECT 1 FROM investigators WHERE id = $2 AND active))
RETURNING id";

/// An envelope, only if the case and the investigator exist and the investigator holds none
/// for the case yet (the unique index; a concurrent grant of the same makes this one wait,
/// then do nothing).
const ADD_ENVELOPE: &str = "\
INSERT INTO key_envelopes (case_id, investigator_id, ciphertext)
SELECT c.id, i.id, $3 FROM cases c, investigators i WHERE c.id = $1 AND i.id = $2
ON CONFLICT DO NOTHING
RETURNING id";

/// The compare-and-set on the day of the last deadline check, and its notification if `$2`.
/// Under READ COMMITTED a concurrent check waits for this one, then re-checks the day against
/// the committed row and changes nothing.
const DEADLINE_CHECK: &str = "\
WITH checked AS (
    UPDATE notification_state SET deadline_checked_on = $1::date
    WHERE id = 1 AND (deadline_checked_on IS NULL OR deadline_checked_on < $1::date)
    RETURNING id
), notification AS (
    INSERT INTO notifications (kind)
    SELECT 'deadline-near' FROM checked WHERE $2::boolean
)
SELECT COUNT(*) FROM checked";

/// A case's moves, oldest first.
const HISTORY: &str = "\
SELECT stage, to_char(moved_on, 'YYYY-MM-DD') AS moved_on, moved_by, message_id
FROM stage_events WHERE case_id = $1 ORDER BY id";

/// See the SQLite store's `CASE_SUMMARIES`.
const CASE_SUMMARIES: &str = "\
SELECT c.id, to_char(c.created_on, 'YYYY-MM-DD') AS created_on, c.stage,
       (SELECT to_char(e.moved_on, 'YYYY-MM-DD') FROM stage_events e
        WHERE e.case_id = c.id AND e.stage <> 'diterima' ORDER BY e.id LIMIT 1)
           AS acknowledged_on,
       (SELECT to_char(e.moved_on, 'YYYY-MM-DD') FROM stage_events e
        WHERE e.case_id = c.id ORDER BY e.id DESC LIMIT 1) AS last_moved_on
FROM cases c ORDER BY c.id";

/// The store on a PostgreSQL database.
#[derive(Debug)]
pub struct PostgresStore {
    pool: PgPool,
    /// Set by `queue_notifications`: events then queue notifications and wake this.
    notify: std::sync::Mutex<Option<Arc<Notify>>>,
}

impl PostgresStore {
    /// Connects to the database a `postgres://` URL names and runs its migrations (under
    /// PostgreSQL's advisory lock, so instances starting together do not race).
    pub async fn open(url: &str) -> Result<Self> {
        // A newer Kentongan's database is left as it is (sqlx would stop too, but with
        // "previously applied but is missing").
        super::schema::refuse_newer(url).await?;
        let pool = PgPoolOptions::new()
            .max_connections(CONNECTIONS)
            .connect(url)
            .await?;
        Migrator::new(EmbeddedMigrations(MIGRATIONS))
            .await?
            .run(&pool)
            .await?;
        Ok(Self {
            pool,
            notify: std::sync::Mutex::default(),
        })
    }

    fn wake(&self) -> Option<Arc<Notify>> {
        self.notify
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Closes every connection, waiting for those in use to be returned.
    pub async fn close(self) {
        self.pool.close().await;
    }
}

#[async_trait]
impl Store for PostgresStore {
    #[tracing::instrument(skip_all)]
    async fn add_investigator(
        &self,
        name: &str,
        recipient: &Recipient,
        admin: bool,
        today: Date,
        audit: &AuditEvent,
    ) -> Result<Investigator> {
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO investigators (name, recipient, admin, active, added_on) \
             VALUES ($1, $2, $3, TRUE, $4::date) \
             ON CONFLICT (recipient) DO NOTHING RETURNING id",
        )
        .bind(name)
        .bind(recipient.to_string())
        .bind(admin)
        .bind(format_day(today)?)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::Duplicate)?;
        append_audit(&mut tx, &audit.clone().detail("investigator", id)).await?;
        tx.commit().await?;
        Ok(Investigator {
            id,
            name: name.to_owned(),
            recipient: recipient.clone(),
            admin,
            active: true,
            added_on: today,
            totp: false,
        })
    }

    #[tracing::instrument(skip_all)]
    async fn investigators(&self) -> Result<Vec<Investigator>> {
        sqlx::query(
            "SELECT id, name, recipient, admin, active, \
                    to_char(added_on, 'YYYY-MM-DD') AS added_on, \
                    totp_secret IS NOT NULL AS totp \
             FROM investigators ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(investigator_from_row)
        .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn disable_investigator(&self, id: i64, audit: &AuditEvent) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("UPDATE investigators SET active = FALSE WHERE id = $1")
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

    #[tracing::instrument(skip_all)]
    async fn create_case(&self, case: NewCase) -> Result<i64> {
        let wake = self.wake();
        let id = if case.attachments.is_empty() {
            // One statement, no transaction to open.
            insert_case(&mut *self.pool.acquire().await?, &case, wake.is_some())
                .await?
                .0
        } else {
            let mut tx = self.pool.begin().await?;
            let uploads = attachments::lock_ready(&mut tx, &case.attachments)
                .await?
                .ok_or(StoreError::UploadNotReady)?;
            let (id, report) = insert_case(&mut tx, &case, wake.is_some()).await?;
            attachments::attach(&mut tx, report, &uploads).await?;
            tx.commit().await?;
            id
        };
        if let Some(wake) = wake {
            wake.notify_one();
        }
        Ok(id)
    }

    #[tracing::instrument(skip_all)]
    async fn begin_attachment(
        &self,
        token_hash: &[u8; 32],
        on: Date,
        room: Unattached,
    ) -> Result<i64> {
        attachments::begin(&self.pool, token_hash, &format_day(on)?, room).await
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
        attachments::append(&self.pool, token_hash, offset, data, max_len, room).await
    }

    #[tracing::instrument(skip_all)]
    async fn attachment_upload(&self, token_hash: &[u8; 32]) -> Result<Option<UploadState>> {
        attachments::upload(&self.pool, token_hash).await
    }

    #[tracing::instrument(skip_all)]
    async fn complete_attachment(&self, token_hash: &[u8; 32]) -> Result<()> {
        attachments::complete(&self.pool, token_hash).await
    }

    #[tracing::instrument(skip_all)]
    async fn add_reporter_message(
        &self,
        case_id: i64,
        ciphertext: Ciphertext,
        on: Date,
        attachments: &[[u8; 32]],
    ) -> Result<i64> {
        if attachments.is_empty() {
            return self
                .add_item(case_id, ItemKind::ReporterMessage, ciphertext, on, None)
                .await;
        }
        let wake = self.wake();
        let mut tx = self.pool.begin().await?;
        let uploads = attachments::lock_ready(&mut tx, attachments)
            .await?
            .ok_or(StoreError::UploadNotReady)?;
        let id = sqlx::query_scalar(ADD_ITEM)
            .bind(case_id)
            .bind(ItemKind::ReporterMessage.slug())
            .bind(format_day(on)?)
            .bind(ciphertext.as_bytes())
            .bind(wake.is_some())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        attachments::attach(&mut tx, id, &uploads).await?;
        tx.commit().await?;
        if let Some(wake) = wake {
            wake.notify_one();
        }
        Ok(id)
    }

    #[tracing::instrument(skip_all)]
    async fn attachment_chunk(&self, id: i64, seq: u32) -> Result<Option<Vec<u8>>> {
        attachments::chunk(&self.pool, id, seq).await
    }

    #[tracing::instrument(skip_all)]
    async fn attachment_case(&self, id: i64) -> Result<AttachedFile> {
        attachments::case_of(&self.pool, id).await
    }

    #[tracing::instrument(skip_all)]
    async fn discard_upload(&self, token_hash: &[u8; 32]) -> Result<()> {
        attachments::discard(&self.pool, token_hash).await
    }

    #[tracing::instrument(skip_all)]
    async fn delete_stale_uploads(&self, before: Date) -> Result<u64> {
        attachments::delete_stale(&self.pool, &format_day(before)?).await
    }

    #[tracing::instrument(skip_all)]
    async fn case_ids(&self) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar("SELECT id FROM cases ORDER BY id")
            .fetch_all(&self.pool)
            .await?)
    }

    #[tracing::instrument(skip_all)]
    async fn case(&self, id: i64) -> Result<StoredCase> {
        // One snapshot of the case, its envelopes, items and history.
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await?;
        let row = sqlx::query(
            "SELECT to_char(created_on, 'YYYY-MM-DD') AS created_on, stage, \
                    case_recipient, notes_recipient, assignee_id, classification \
             FROM cases WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let envelopes = sqlx::query(
            "SELECT e.investigator_id, i.recipient, e.ciphertext \
             FROM key_envelopes e LEFT JOIN investigators i ON i.id = e.investigator_id \
             WHERE e.case_id = $1 ORDER BY e.id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        let items = sqlx::query(
            "SELECT id, kind, to_char(created_on, 'YYYY-MM-DD') AS created_on, ciphertext \
             FROM case_items WHERE case_id = $1 ORDER BY id",
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
             WHERE receipt_lookup = $1",
        )
        .bind(receipt_lookup.as_slice())
        .fetch_optional(&self.pool)
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
        let wake = self.wake().filter(|_| kind == ItemKind::ReporterMessage);
        let add = sqlx::query_scalar(ADD_ITEM)
            .bind(case_id)
            .bind(kind.slug())
            .bind(format_day(on)?)
            .bind(ciphertext.as_bytes())
            .bind(wake.is_some());
        let id = match audit {
            // A reporter's message: one statement, no transaction to open.
            None => add
                .fetch_optional(&self.pool)
                .await?
                .ok_or(StoreError::NotFound)?,
            Some(audit) => {
                let mut tx = self.pool.begin().await?;
                let id = add
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                append_audit(&mut tx, &audit.clone().detail("item", id)).await?;
                tx.commit().await?;
                id
            }
        };
        if let Some(wake) = wake {
            wake.notify_one();
        }
        Ok(id)
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
        let mut tx = self.pool.begin().await?;
        // `Some(message id)` if the case moved.
        let moved: Option<Option<i64>> = sqlx::query_scalar(MOVE_CASE)
            .bind(id)
            .bind(from)
            .bind(to)
            .bind(format_day(on)?)
            .bind(by)
            .bind(message.as_ref().map(Ciphertext::as_bytes))
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(message) = moved {
            let audit = match message {
                Some(item) => audit.clone().detail("message", item),
                None => audit.clone(),
            };
            append_audit(&mut tx, &audit).await?;
            tx.commit().await?;
            return Ok(());
        }
        tx.rollback().await?;
        // Cases are never deleted: one that exists now existed during the move.
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM cases WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Err(match exists {
            Some(_) => StoreError::Conflict,
            None => StoreError::NotFound,
        })
    }

    #[tracing::instrument(skip_all)]
    async fn case_summaries(&self) -> Result<Vec<CaseSummary>> {
        sqlx::query(CASE_SUMMARIES)
            .fetch_all(&self.pool)
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
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM cases WHERE id = $1")
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
        let mut tx = self.pool.begin().await?;
        let entry = append_audit(&mut tx, event).await?;
        tx.commit().await?;
        Ok(entry)
    }

    #[tracing::instrument(skip_all)]
    async fn audit_log(&self) -> Result<Vec<AuditEntry>> {
        sqlx::query(
            "SELECT seq, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS at, \
                    actor, action, case_id, detail, prev_hash, hash \
             FROM audit_log ORDER BY seq",
        )
        .fetch_all(&self.pool)
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
        let mut tx = self.pool.begin().await?;
        let added: Option<i64> = sqlx::query_scalar(ADD_ENVELOPE)
            .bind(case_id)
            .bind(investigator_id)
            .bind(ciphertext.as_bytes())
            .fetch_optional(&mut *tx)
            .await?;
        if added.is_some() {
            append_audit(&mut tx, audit).await?;
            tx.commit().await?;
            return Ok(());
        }
        drop(tx);
        // Cases and investigators are never deleted: what exists now existed then.
        let both: i64 = sqlx::query_scalar(
            "SELECT (SELECT count(*) FROM cases WHERE id = $1) \
                  + (SELECT count(*) FROM investigators WHERE id = $2)",
        )
        .bind(case_id)
        .bind(investigator_id)
        .fetch_one(&self.pool)
        .await?;
        Err(if both == 2 {
            StoreError::Duplicate
        } else {
            StoreError::NotFound
        })
    }

    #[tracing::instrument(skip_all)]
    async fn assign(
        &self,
        case_id: i64,
        investigator: Option<i64>,
        audit: &AuditEvent,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let done: Option<i64> = sqlx::query_scalar(ASSIGN)
            .bind(case_id)
            .bind(investigator)
            .fetch_optional(&mut *tx)
            .await?;
        if done.is_some() {
            append_audit(&mut tx, audit).await?;
            tx.commit().await?;
            return Ok(());
        }
        drop(tx);
        // Cases are never deleted: one that exists now existed during the update.
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM cases WHERE id = $1")
            .bind(case_id)
            .fetch_optional(&self.pool)
            .await?;
        Err(match exists {
            Some(_) => StoreError::NoActiveInvestigator,
            None => StoreError::NotFound,
        })
    }

    #[tracing::instrument(skip_all)]
    async fn classify(
        &self,
        case_id: i64,
        classification: Option<&str>,
        audit: &AuditEvent,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("UPDATE cases SET classification = $2 WHERE id = $1")
            .bind(case_id)
            .bind(classification)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn list_cases(&self, query: &CaseQuery) -> Result<CaseList> {
        let sql = list::list_sql(query, Dialect::Postgres)?;
        // The page and the counts from one snapshot.
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await?;
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
        access::totp(&self.pool, id).await
    }

    #[tracing::instrument(skip_all)]
    async fn enable_totp(
        &self,
        id: i64,
        secret: &TotpSecret,
        step: i64,
        audit: &AuditEvent,
    ) -> Result<()> {
        access::enable_totp(&self.pool, id, secret, step, audit).await
    }

    #[tracing::instrument(skip_all)]
    async fn disable_totp(&self, id: i64, audit: &AuditEvent) -> Result<()> {
        access::disable_totp(&self.pool, id, audit).await
    }

    #[tracing::instrument(skip_all)]
    async fn use_totp_step(&self, id: i64, secret: &TotpSecret, step: i64) -> Result<bool> {
        access::use_totp_step(&self.pool, id, secret, step).await
    }

    #[tracing::instrument(skip_all)]
    async fn totp_required(&self) -> Result<bool> {
        access::totp_required(&self.pool).await
    }

    #[tracing::instrument(skip_all)]
    async fn set_totp_required(&self, required: bool, audit: &AuditEvent) -> Result<()> {
        access::set_totp_required(&self.pool, required, audit).await
    }

    #[tracing::instrument(skip_all)]
    async fn set_admin(&self, id: i64, admin: bool, audit: &AuditEvent) -> Result<()> {
        access::set_admin(&self.pool, id, admin, audit).await
    }

    fn queue_notifications(&self, wake: Arc<Notify>) {
        *self
            .notify
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(wake);
    }

    /// The rows stay locked by the claim's open transaction: other instances skip them, and
    /// new rows (other ids) can still be written meanwhile.
    #[tracing::instrument(skip_all)]
    async fn claim_notifications(&self) -> Result<Option<Box<dyn NotificationClaim>>> {
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query(
            "SELECT id, kind FROM notifications ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
        )
        .bind(NOTIFICATION_BATCH)
        .fetch_all(&mut *tx)
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
            tx.rollback().await?;
            return Ok(None);
        }
        Ok(Some(Box::new(PostgresClaim { tx, rows })))
    }

    #[tracing::instrument(skip_all)]
    async fn record_deadline_check(&self, today: Date, near: bool) -> Result<bool> {
        let checked: i64 = sqlx::query_scalar(DEADLINE_CHECK)
            .bind(format_day(today)?)
            .bind(near)
            .fetch_one(&self.pool)
            .await?;
        Ok(checked == 1)
    }
}

/// Runs [`INSERT_CASE`]: the case id and its report's item id. `Duplicate` for a taken
/// receipt.
async fn insert_case(conn: &mut PgConnection, case: &NewCase, notify: bool) -> Result<(i64, i64)> {
    let credential = &case.credential;
    let (holders, envelopes): (Vec<Option<i64>>, Vec<&[u8]>) = case
        .envelopes
        .iter()
        .map(|(holder, ciphertext)| (*holder, ciphertext.as_bytes()))
        .unzip();
    sqlx::query_as(INSERT_CASE)
        .bind(format_day(case.created_on)?)
        .bind(case.case_recipient.to_string())
        .bind(case.notes_recipient.to_string())
        .bind(case.receipt_lookup.as_slice())
        .bind(credential.auth_hash.as_bytes().as_slice())
        .bind(credential.recipient.to_string())
        .bind(credential.kdf.to_string())
        .bind(case.report.as_bytes())
        .bind(holders)
        .bind(envelopes)
        .bind(notify)
        .bind(case.commitment.as_ref().map(commitment_text))
        .fetch_one(&mut *conn)
        .await
        .map_err(|error| match &error {
            // Only a taken receipt is a `Duplicate` (the caller retries with a fresh
            // receipt); any other violation is an error, so a bug cannot loop forever.
            sqlx::Error::Database(db) if db.constraint() == Some(RECEIPT_TAKEN) => {
                StoreError::Duplicate
            }
            _ => StoreError::Database(error),
        })
}

/// Claimed rows, locked by `tx` until it ends.
struct PostgresClaim {
    tx: Transaction<'static, Postgres>,
    rows: Vec<(i64, Notification)>,
}

#[async_trait]
impl NotificationClaim for PostgresClaim {
    fn kinds(&self) -> Vec<Notification> {
        kinds_of(&self.rows)
    }

    async fn release(self: Box<Self>) -> Result<()> {
        self.tx.rollback().await?;
        Ok(())
    }

    async fn sent(self: Box<Self>) -> Result<()> {
        let PostgresClaim { mut tx, rows } = *self;
        let ids: Vec<i64> = rows.iter().map(|&(id, _)| id).collect();
        sqlx::query("DELETE FROM notifications WHERE id = ANY($1)")
            .bind(ids)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Appends an entry after the last one, in the caller's transaction (the action it records
/// commits with it, or neither does). The table lock, held to the end of the transaction,
/// makes appends from every instance take turns: the head read here is still the head at
/// commit, so the chain never forks. It does not block readers, and it is taken last, after
/// the action's own row locks, so two actions cannot wait for each other.
async fn append_audit(conn: &mut PgConnection, event: &AuditEvent) -> Result<AuditEntry> {
    sqlx::query("LOCK TABLE audit_log IN EXCLUSIVE MODE")
        .execute(&mut *conn)
        .await?;
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
         VALUES ($1, $2::timestamptz, $3, $4, $5, $6, $7, $8)",
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

fn audit_from_row(row: &PgRow) -> Result<AuditEntry> {
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

fn bind(
    mut query: sqlx::query::Query<'_, sqlx::Postgres, sqlx::postgres::PgArguments>,
    params: Vec<Param>,
) -> sqlx::query::Query<'_, sqlx::Postgres, sqlx::postgres::PgArguments> {
    for param in params {
        query = match param {
            Param::Text(text) => query.bind(text),
            Param::Int(int) => query.bind(int),
        };
    }
    query
}

fn case_row_from_row(row: &PgRow) -> Result<CaseRow> {
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
    Ok(CaseRow {
        id: row.try_get("id")?,
        created_on: parse_day(row.try_get("created_on")?)?,
        stage: list::parse_stage(row.try_get("stage")?)?,
        acknowledged_on: parse_optional_day(row.try_get("acknowledged_on")?)?,
        last_activity_on: parse_day(row.try_get("last_activity_on")?)?,
        assignee,
        classification: row.try_get("classification")?,
    })
}

fn investigator_from_row(row: &PgRow) -> Result<Investigator> {
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

fn envelope_from_row(row: &PgRow) -> Result<StoredEnvelope> {
    let holder = envelope_holder(row.try_get("investigator_id")?, row.try_get("recipient")?)?;
    Ok((holder, Ciphertext::from_bytes(row.try_get("ciphertext")?)))
}

fn item_from_row(row: &PgRow) -> Result<StoredItem> {
    Ok(StoredItem {
        id: row.try_get("id")?,
        kind: parse_kind(row.try_get("kind")?)?,
        created_on: parse_day(row.try_get("created_on")?)?,
        ciphertext: Ciphertext::from_bytes(row.try_get("ciphertext")?),
        attachments: Vec::new(),
    })
}

fn event_from_row(row: &PgRow) -> Result<StageEvent> {
    Ok(StageEvent {
        stage: row.try_get("stage")?,
        moved_on: parse_day(row.try_get("moved_on")?)?,
        moved_by: row.try_get("moved_by")?,
        message: row.try_get("message_id")?,
    })
}
