//! Reading cases on SQLite: one case whole, the ids, the summaries for the deadlines, a
//! case's moves, the workspace's list, and a reporter's login. Every read uses the read pool;
//! those of more than one statement take one read transaction, so one snapshot.

use kentongan_crypto::Ciphertext;
use sqlx::sqlite::{SqliteArguments, SqlitePool, SqliteRow};
use sqlx::{Row, Sqlite};

use super::attachments;
use crate::store::codec::{
    StoredEnvelope, attach_to_items, commitment, credential, envelope_holder, parse_day,
    parse_kind, parse_optional_day, parse_recipient,
};
use crate::store::list::{self, Assignee, CaseList, CaseQuery, Dialect, Param, StageCounts};
use crate::store::{
    CaseSummary, ReporterLogin, Result, StageEvent, StoreError, StoredCase, StoredItem,
};

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

pub(super) async fn ids(reads: &SqlitePool) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM cases ORDER BY id")
        .fetch_all(reads)
        .await?)
}

pub(super) async fn case(reads: &SqlitePool, id: i64) -> Result<StoredCase> {
    // One read transaction: one snapshot of the case, its envelopes, items and history.
    let mut tx = reads.begin().await?;
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

pub(super) async fn summaries(reads: &SqlitePool) -> Result<Vec<CaseSummary>> {
    sqlx::query(CASE_SUMMARIES)
        .fetch_all(reads)
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

pub(super) async fn history(reads: &SqlitePool, id: i64) -> Result<Vec<StageEvent>> {
    let mut tx = reads.begin().await?;
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

pub(super) async fn list(reads: &SqlitePool, query: &CaseQuery) -> Result<CaseList> {
    let sql = list::list_sql(query, Dialect::Sqlite)?;
    // One read transaction: the page and the counts from one snapshot.
    let mut tx = reads.begin().await?;
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

pub(super) async fn reporter_login(
    reads: &SqlitePool,
    receipt_lookup: &[u8; 32],
) -> Result<Option<ReporterLogin>> {
    let row = sqlx::query(
        "SELECT case_id, auth_hash, recipient, kdf, commitment FROM reporter_credentials \
         WHERE receipt_lookup = ?",
    )
    .bind(receipt_lookup.as_slice())
    .fetch_optional(reads)
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

fn bind<'q>(
    mut query: sqlx::query::Query<'q, Sqlite, SqliteArguments<'q>>,
    params: Vec<Param>,
) -> sqlx::query::Query<'q, Sqlite, SqliteArguments<'q>> {
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
