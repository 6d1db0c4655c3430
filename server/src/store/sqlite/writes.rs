//! The statements the writer runs: the cases of a batch in one multi-row insert per table,
//! and each other kind of write.

use std::collections::HashSet;

use sqlx::sqlite::SqliteConnection;
use sqlx::{QueryBuilder, Sqlite};
use time::OffsetDateTime;

use super::*;
use crate::store::codec::{commitment_text, format_instant, hash32};

/// SQLite's limit on bound parameters in one statement is 32766; a multi-row insert stays
/// well below it.
pub(super) const MAX_PARAMETERS: usize = 30_000;

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
pub(super) async fn insert_cases(
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
        "INSERT INTO reporter_credentials \
         (case_id, receipt_lookup, auth_hash, recipient, kdf, commitment) ",
    );
    insert.push_values(rows, |mut values, row| {
        let credential = &row.case.credential;
        values
            .push_bind(row.id)
            .push_bind(row.case.receipt_lookup.as_slice())
            .push_bind(credential.auth_hash.as_bytes().as_slice())
            .push_bind(credential.recipient.to_string())
            .push_bind(credential.kdf.to_string())
            .push_bind(row.case.commitment.as_ref().map(commitment_text));
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

pub(super) async fn insert_investigator(
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

pub(super) async fn disable_investigator(
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

pub(super) async fn add_item(conn: &mut SqliteConnection, new: &NewItem) -> Result<i64> {
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
pub(super) async fn add_envelope(conn: &mut SqliteConnection, new: &NewEnvelope) -> Result<()> {
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
pub(super) async fn assign(
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

pub(super) async fn classify(
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
pub(super) async fn move_case(conn: &mut SqliteConnection, new: &Move) -> Result<()> {
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
pub(super) async fn append_audit(
    conn: &mut SqliteConnection,
    event: &AuditEvent,
) -> Result<AuditEntry> {
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
