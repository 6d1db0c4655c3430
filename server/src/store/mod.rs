//! The store: everything the server keeps, behind one trait with an SQLite and a PostgreSQL
//! implementation. Its API takes ciphertext types only; no method ever sees plaintext.

mod codec;
pub mod list;
mod postgres;
pub mod schema;
mod sqlite;
#[cfg(test)]
pub(crate) mod tests;

use async_trait::async_trait;
use kentongan_crypto::bundle::ItemKind;
use kentongan_crypto::reporter::ReporterCredential;
use kentongan_crypto::{Ciphertext, Commitment, Recipient};
use thiserror::Error;
use time::Date;

pub use list::{
    Assignee, AssigneeFilter, CaseList, CaseQuery, CaseRow, CaseSort, ClassificationFilter,
    DueFilter, StageCounts,
};

use crate::audit::{AuditEntry, AuditEvent};
use crate::totp::TotpSecret;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// A registered investigator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Investigator {
    pub id: i64,
    pub name: String,
    pub recipient: Recipient,
    pub admin: bool,
    pub active: bool,
    pub added_on: Date,
    /// Whether they log in with a second factor (TOTP) besides their key (migration 0008).
    pub totp: bool,
}

/// An investigator's second factor as stored (migration 0008).
#[derive(Debug)]
pub struct StoredTotp {
    pub secret: TotpSecret,
    /// The time step of the last code accepted: no code of it or an earlier one is accepted
    /// again.
    pub last_step: Option<i64>,
}

/// A new case, sealed by a browser or by the no-JS path. Only public values and ciphertext.
#[derive(Debug)]
pub struct NewCase {
    pub created_on: Date,
    /// `ReceiptCode::lookup_key()`: how the reporter's credential is found again.
    pub receipt_lookup: [u8; 32],
    pub credential: ReporterCredential,
    pub case_recipient: Recipient,
    pub notes_recipient: Recipient,
    pub report: Ciphertext,
    /// What the reporter's client committed to; `None` only for cases imported from before
    /// commitments (tests), as new credentials are all committed.
    pub commitment: Option<Commitment>,
    /// One per active investigator (by id), and one with `None` for the reporter.
    pub envelopes: Vec<(Option<i64>, Ciphertext)>,
    /// The token hashes of complete uploads to attach to the report (see
    /// [`Store::begin_attachment`]); empty for none.
    pub attachments: Vec<[u8; 32]>,
}

/// A case as stored, for export.
#[derive(Debug)]
pub struct StoredCase {
    pub id: i64,
    pub created_on: Date,
    /// The stage's stable name; `diterima` for a new case.
    pub stage: String,
    pub case_recipient: Recipient,
    pub notes_recipient: Recipient,
    /// The investigator the case is assigned to, if any (migration 0006).
    pub assignee: Option<i64>,
    /// The office's category slug an investigator set, if any.
    pub classification: Option<String>,
    /// (investigator id and recipient, or `None` for the reporter; envelope)
    pub envelopes: Vec<(Option<(i64, Recipient)>, Ciphertext)>,
    /// In id order: the report first, then messages as they came.
    pub items: Vec<StoredItem>,
    /// Every move, oldest first (empty while the case is still in `diterima`). Read in the
    /// same snapshot as the rest, so a message it links to is among `items`.
    pub history: Vec<StageEvent>,
}

/// One encrypted item of a case.
#[derive(Debug)]
pub struct StoredItem {
    pub id: i64,
    pub kind: ItemKind,
    pub created_on: Date,
    pub ciphertext: Ciphertext,
    /// The files attached to the item, in the order they were uploaded.
    pub attachments: Vec<StoredAttachment>,
}

/// An attachment as listed with its item: the file's id and its ciphertext length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoredAttachment {
    pub id: i64,
    pub size: u64,
}

/// Where an upload stands, as [`Store::attachment_upload`] reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UploadState {
    pub id: i64,
    /// Bytes stored so far: the offset the next piece must start at.
    pub received: u64,
    pub complete: bool,
    /// Attached to a report or message: it takes no more pieces.
    pub attached: bool,
}

/// An attached file, for the download's access check: its case, and its length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttachedFile {
    pub case_id: i64,
    pub item_id: i64,
    pub size: u64,
}

/// What the follow-up login needs: found by `ReceiptCode::lookup_key()`.
#[derive(Debug)]
pub struct ReporterLogin {
    pub case_id: i64,
    pub credential: ReporterCredential,
    /// The reporter's commitment, if the case has one: only the reporter can check it.
    pub commitment: Option<Commitment>,
}

/// A case as listed: where it stands, and the dates its deadline depends on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseSummary {
    pub id: i64,
    pub created_on: Date,
    /// The current stage's stable name.
    pub stage: String,
    /// The day of the first move out of `diterima`, if any.
    pub acknowledged_on: Option<Date>,
    /// The day of the latest move, if any.
    pub last_moved_on: Option<Date>,
}

/// One move of a case: the stage it moved to, when (a day), by whom, and the message to the
/// reporter that came with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageEvent {
    pub stage: String,
    pub moved_on: Date,
    pub moved_by: String,
    /// The id of the [`ItemKind::StageMessage`] item holding the message, if there was one.
    pub message: Option<i64>,
}

#[derive(Debug, Error)]
pub enum StoreError {
    /// The receipt lookup key is already taken (a random collision; the caller retries with a
    /// fresh receipt) or the recipient is already registered.
    #[error("already exists")]
    Duplicate,
    #[error("not found")]
    NotFound,
    /// A compare-and-set found something else than expected: the case changed meanwhile.
    #[error("the case changed meanwhile")]
    Conflict,
    /// `assign` named an investigator who is not registered or is disabled.
    #[error("no active investigator has that id")]
    NoActiveInvestigator,
    /// A piece would make an upload longer than the limit it was given.
    #[error("the upload would exceed its limit")]
    UploadTooLarge,
    /// The uploads not attached to a report or message hold as many uploads or bytes as
    /// [`Unattached`] allows: nothing was stored; the uploader tries again later.
    #[error("unattached uploads are at their limit")]
    UploadsFull,
    /// A piece was sent to an upload that is complete or attached already.
    #[error("the upload takes no more data")]
    UploadClosed,
    /// A report or message named an upload that is unknown, incomplete, attached already, or
    /// named twice. Nothing was stored.
    #[error("an attachment is not ready to be attached")]
    UploadNotReady,
    /// `set_admin` would leave the team without an active admin.
    #[error("the team would have no active admin left")]
    LastAdmin,
    /// The database could not be reached or refused the statement. The detail is for the log
    /// (it never contains ciphertext or tokens: statements are logged without arguments).
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database holds migrations this binary does not know: a newer Kentongan wrote it.
    /// Nothing was changed.
    #[error(
        "this database was written by a newer Kentongan (migration {database}); this \
         kentongan knows migrations up to {known}: install the newer version, or restore a \
         backup made for this one"
    )]
    NewerDatabase { database: i64, known: i64 },
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What the uploads not (yet) attached to a report or message may hold together: anyone
/// may start an upload, so without a bound anonymous uploads could fill the disk. Uploads
/// are attached within minutes, and abandoned ones are swept after a day or two.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unattached {
    /// How many uploads.
    pub uploads: u64,
    /// How many bytes of ciphertext, all of them together.
    pub bytes: u64,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Registers an investigator, and records `audit` with `"investigator": ID` added to its
    /// detail. `Duplicate` if the recipient is already registered.
    async fn add_investigator(
        &self,
        name: &str,
        recipient: &Recipient,
        admin: bool,
        today: Date,
        audit: &AuditEvent,
    ) -> Result<Investigator>;
    /// All investigators, active or not, by id.
    async fn investigators(&self) -> Result<Vec<Investigator>>;
    /// Marks an investigator inactive: new cases are no longer sealed to them; records
    /// `audit`. `NotFound` if there is no such id.
    async fn disable_investigator(&self, id: i64, audit: &AuditEvent) -> Result<()>;
    /// Stores a new case, its credential, report and envelopes in one transaction, and
    /// returns only after the commit is durable. Returns the case id.
    async fn create_case(&self, case: NewCase) -> Result<i64>;
    /// Every case id, ascending.
    async fn case_ids(&self) -> Result<Vec<i64>>;
    /// One case with its envelopes, items and history, read in one snapshot. `NotFound` if
    /// there is no such case. An item of a kind this version does not know is `Corrupt`.
    async fn case(&self, id: i64) -> Result<StoredCase>;
    /// What the follow-up login needs: found by `ReceiptCode::lookup_key()`. `None` if no
    /// credential has that lookup key.
    async fn reporter_login(&self, receipt_lookup: &[u8; 32]) -> Result<Option<ReporterLogin>>;
    /// Adds an encrypted item to a case; `NotFound` if there is no such case. Returns the
    /// item id. Durable on return. Which kinds a caller may add, and checking the ciphertext's
    /// shape, are the caller's business (a stage message normally comes with `move_case`).
    /// An item from the team comes with `audit`, recorded with `"item": ID` added to its
    /// detail; a reporter's message with `None` (reporters' actions are never recorded).
    async fn add_item(
        &self,
        case_id: i64,
        kind: ItemKind,
        ciphertext: Ciphertext,
        on: Date,
        audit: Option<&AuditEvent>,
    ) -> Result<i64>;
    /// Moves a case from stage `from` to stage `to`, recording who and when, in one
    /// transaction: sets the current stage and adds a [`StageEvent`]; with a `message`, also
    /// stores it as an [`ItemKind::StageMessage`] item the event links to. Only if the case is
    /// still in `from` (compare-and-set): `Conflict` if it is not, `NotFound` if there is no
    /// such case; either way nothing is written. Whether the move is allowed is the
    /// workflow's business, not the store's. Records `audit`, with `"message": ID` added to
    /// its detail when there is a message.
    #[allow(clippy::too_many_arguments)] // each is one fact of the move
    async fn move_case(
        &self,
        id: i64,
        from: &str,
        to: &str,
        by: &str,
        on: Date,
        message: Option<Ciphertext>,
        audit: &AuditEvent,
    ) -> Result<()>;
    /// Every case with its current stage and the dates its deadline depends on, by id.
    async fn case_summaries(&self) -> Result<Vec<CaseSummary>>;
    /// The moves of a case, oldest first; empty for a case never moved (still `diterima`).
    /// `NotFound` if there is no such case.
    async fn stage_history(&self, id: i64) -> Result<Vec<StageEvent>>;

    // The audit log (see `crate::audit`). Entries are appended under a lock, so the chain
    // never forks, and never changed.

    /// Records an action that has no write of its own in the store (an export, say).
    async fn append_audit(&self, event: &AuditEvent) -> Result<AuditEntry>;
    /// Every entry, in seq order, read in one snapshot.
    async fn audit_log(&self) -> Result<Vec<AuditEntry>>;

    // Granting access (offline grant files, later the browser workspace).
    /// Adds an investigator's key envelope to a case: access to an old case, with no content
    /// re-encrypted. `NotFound` if there is no such case or investigator; `Duplicate` if that
    /// investigator already holds an envelope for the case (nothing is replaced). Durable on
    /// return, with its audit entry. Whether the investigator is active, and the envelope's
    /// shape, are the caller's business.
    async fn add_envelope(
        &self,
        case_id: i64,
        investigator_id: i64,
        ciphertext: Ciphertext,
        audit: &AuditEvent,
    ) -> Result<()>;

    // Case metadata and the case list (migration 0006).

    /// Assigns a case to an investigator, or to nobody with `None`. `NotFound` if there is no
    /// such case, `NoActiveInvestigator` if the investigator is unknown or disabled (checked in
    /// the same transaction as the write). Both record their audit entry in that transaction.
    async fn assign(
        &self,
        case_id: i64,
        investigator: Option<i64>,
        audit: &AuditEvent,
    ) -> Result<()>;
    /// Sets a case's classification (a category slug; which ones exist is the caller's
    /// business), or clears it with `None`. `NotFound` if there is no such case.
    async fn classify(
        &self,
        case_id: i64,
        classification: Option<&str>,
        audit: &AuditEvent,
    ) -> Result<()>;
    /// A page of the cases a query selects, with the counts per stage, read in one snapshot.
    /// A case in a stage this version does not know is `Corrupt`.
    async fn list_cases(&self, query: &CaseQuery) -> Result<CaseList>;

    // --- Attachments (migration 0007) ---
    //
    // An upload is ciphertext (one age file) that arrives in pieces, each written in its own
    // short transaction, found by the SHA-256 of a token only the uploader holds. Once
    // complete it is attached to a report ([`NewCase::attachments`]) or a reporter's
    // message ([`Store::add_reporter_message`]) in the transaction that stores that item.

    /// Starts an empty upload on day `on`; returns its id. `Duplicate` if the token hash is
    /// taken (a random collision: the caller draws a new token); `UploadsFull` if the
    /// unattached uploads already number `room.uploads` or hold `room.bytes`.
    async fn begin_attachment(
        &self,
        token_hash: &[u8; 32],
        on: Date,
        room: Unattached,
    ) -> Result<i64>;
    /// Appends a piece of ciphertext at byte `offset`, only if exactly `offset` bytes have
    /// arrived (compare-and-set: `Conflict` otherwise), the upload is neither complete nor
    /// attached (`UploadClosed`), it stays at most `max_len` bytes (`UploadTooLarge`), and
    /// the unattached uploads together stay within `room.bytes` (`UploadsFull`).
    /// `NotFound` for an unknown token. Any refusal writes nothing. Returns the new length.
    async fn append_attachment(
        &self,
        token_hash: &[u8; 32],
        offset: u64,
        data: &[u8],
        max_len: u64,
        room: Unattached,
    ) -> Result<u64>;
    /// Where an upload stands, or `None` for an unknown token.
    async fn attachment_upload(&self, token_hash: &[u8; 32]) -> Result<Option<UploadState>>;
    /// Marks an upload complete: it takes no more pieces and may be attached. The caller
    /// checks its start first. Completing a complete upload again is fine (a retried
    /// request); `NotFound` for an unknown token.
    async fn complete_attachment(&self, token_hash: &[u8; 32]) -> Result<()>;
    /// Like [`Store::add_item`] for a reporter's message ([`ItemKind::ReporterMessage`],
    /// never audited), attaching the complete uploads `attachments` names in the same
    /// transaction: `UploadNotReady` and nothing stored if any is unknown, incomplete,
    /// attached already or named twice.
    async fn add_reporter_message(
        &self,
        case_id: i64,
        ciphertext: Ciphertext,
        on: Date,
        attachments: &[[u8; 32]],
    ) -> Result<i64>;
    /// Piece `seq` (from 0) of an upload, or `None` past its end. A download reads one piece
    /// at a time, so no request holds a whole file.
    async fn attachment_chunk(&self, id: i64, seq: u32) -> Result<Option<Vec<u8>>>;
    /// The case and item an attached file belongs to, and its length. `NotFound` if there is
    /// no such file or it is not attached (an upload in progress is nobody's to read).
    async fn attachment_case(&self, id: i64) -> Result<AttachedFile>;
    /// Deletes an upload that is not attached, with its pieces: one a submission gave up on
    /// (refused, or a temporary one of the no-JS path). `NotFound` if there is no such
    /// unattached upload.
    async fn discard_upload(&self, token_hash: &[u8; 32]) -> Result<()>;
    /// Deletes the uploads started before day `before` that were never attached, with their
    /// pieces; returns how many. The server runs it at start-up and daily with `before` =
    /// yesterday, so an abandoned upload lives one to two days.
    async fn delete_stale_uploads(&self, before: Date) -> Result<u64>;

    // --- Who may log in and manage the team (migration 0008) ---

    /// Investigator `id`'s second factor, or `None` if they have none. `NotFound` if there is
    /// no such investigator.
    async fn totp(&self, id: i64) -> Result<Option<StoredTotp>>;
    /// Turns on `id`'s second factor with `secret`; `step`, the time step of the code that
    /// confirmed it, counts as used. Records `audit`. `Duplicate` if they have one already,
    /// `NotFound` if there is no such investigator.
    async fn enable_totp(
        &self,
        id: i64,
        secret: &TotpSecret,
        step: i64,
        audit: &AuditEvent,
    ) -> Result<()>;
    /// Turns off `id`'s second factor (their own choice, or an admin's reset after a lost
    /// phone), if they have one, and records `audit`. `NotFound` if there is no such
    /// investigator.
    async fn disable_totp(&self, id: i64, audit: &AuditEvent) -> Result<()>;
    /// Records that a code of time step `step` was accepted, only if `id` still has `secret`
    /// and no code of `step` or a later step was accepted before (compare-and-set, so a code
    /// is never accepted twice, on any instance). Tells whether this call did.
    async fn use_totp_step(&self, id: i64, secret: &TotpSecret, step: i64) -> Result<bool>;
    /// Whether every investigator must log in with a second factor.
    async fn totp_required(&self) -> Result<bool>;
    /// Makes the second factor mandatory for the whole team, or optional; records `audit`.
    async fn set_totp_required(&self, required: bool, audit: &AuditEvent) -> Result<()>;
    /// Gives investigator `id` the admin role or takes it away, and records `audit`, in one
    /// transaction that also checks that an active admin remains: `LastAdmin` if none would,
    /// `NotFound` if there is no such investigator.
    async fn set_admin(&self, id: i64, admin: bool, audit: &AuditEvent) -> Result<()>;

    // --- E-mail notifications (the outbox, `notify.rs`) ---

    /// From now on, [`Store::create_case`] and [`Store::add_item`] with
    /// [`ItemKind::ReporterMessage`] also queue a notification in the same transaction, and
    /// `wake` is told after each commit that queued one. Off until called: an office without
    /// notifications gets no rows that would pile up.
    fn queue_notifications(&self, wake: std::sync::Arc<tokio::sync::Notify>);
    /// Claims the queued notifications (at most [`NOTIFICATION_BATCH`]), or `None` if there
    /// are none. On PostgreSQL the rows stay locked until the claim is dropped or sent, and
    /// other instances skip them; rows queued meanwhile are not part of the claim.
    async fn claim_notifications(&self) -> Result<Option<Box<dyn NotificationClaim>>>;
    /// Records that the deadline check ran for the office day `today`, and queues a
    /// [`Notification::DeadlineNear`] if `near`, in one transaction, only if no check has
    /// been recorded for `today` or later (compare-and-set). Tells whether this call did.
    async fn record_deadline_check(&self, today: Date, near: bool) -> Result<bool>;
}

/// The most notification rows one claim takes.
pub const NOTIFICATION_BATCH: i64 = 1000;

/// What a notification says happened. Nothing else is stored: no case, no date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Notification {
    NewReport,
    ReporterMessage,
    DeadlineNear,
}

impl Notification {
    pub const ALL: [Notification; 3] = [
        Notification::NewReport,
        Notification::ReporterMessage,
        Notification::DeadlineNear,
    ];

    /// The stable name stored in the database.
    pub fn slug(self) -> &'static str {
        match self {
            Notification::NewReport => "new-report",
            Notification::ReporterMessage => "reporter-message",
            Notification::DeadlineNear => "deadline-near",
        }
    }

    pub fn from_slug(slug: &str) -> Result<Notification> {
        Notification::ALL
            .into_iter()
            .find(|kind| kind.slug() == slug)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown notification kind {slug:?}")))
    }
}

/// Notifications claimed by [`Store::claim_notifications`]. Dropping it without
/// [`NotificationClaim::sent`] leaves them queued for the next try.
#[async_trait]
pub trait NotificationClaim: Send {
    /// The kinds claimed, each once, in [`Notification::ALL`] order.
    fn kinds(&self) -> Vec<Notification>;
    /// Deletes the claimed rows: call only after the mail was accepted. Rows queued after the
    /// claim stay.
    async fn sent(self: Box<Self>) -> Result<()>;
    /// Gives the rows back for the next claim, now. (Dropping the claim does too, but on
    /// PostgreSQL only once its connection is back in the pool, a moment later.)
    async fn release(self: Box<Self>) -> Result<()> {
        Ok(())
    }
}

/// Opens the store a database URL names: `sqlite:…` or `postgres://…`, runs its migrations.
pub async fn open(url: &str) -> Result<std::sync::Arc<dyn Store>> {
    if is_postgres(url) {
        Ok(std::sync::Arc::new(PostgresStore::open(url).await?))
    } else {
        Ok(std::sync::Arc::new(SqliteStore::open(url).await?))
    }
}

/// Whether a database URL names PostgreSQL (anything else is taken as SQLite).
pub fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}
