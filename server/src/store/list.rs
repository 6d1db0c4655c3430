//! The case list: what investigators filter and sort by ([`CaseQuery`]), what comes back
//! ([`CaseList`]), and the SQL both backends run for it.
//!
//! Everything the list filters on is a column of `cases` (see migration 0006), so one
//! statement reads a page and one more counts the cases per stage. Due and overdue are not
//! stored: "overdue today" becomes, for each kind of deadline, a bound on the day of receipt
//! computed here from today and `[deadlines]` ([`workflow::latest_received_due_by`]), so the
//! SQL compares dates only and a change of the configuration applies at once.

use time::Date;

use super::codec::format_day;
use super::{Result, StoreError};
use crate::workflow::{self, Deadlines, Due, Stage};

/// Rows per page unless the query says otherwise.
pub const DEFAULT_PAGE: u32 = 50;
/// The most rows one page holds; a larger `limit` is cut to this.
pub const MAX_PAGE: u32 = 200;

/// Which cases, in which order, which page. Built with [`CaseQuery::new`] and its fields set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseQuery {
    pub stage: Option<Stage>,
    pub assignee: Option<AssigneeFilter>,
    pub classification: Option<ClassificationFilter>,
    pub due: Option<DueFilter>,
    pub sort: CaseSort,
    /// Rows per page, 1 to [`MAX_PAGE`].
    pub limit: u32,
    /// Rows to skip: `page × limit`.
    pub offset: u32,
    /// The day the due filters and the due order are computed for (the office's today).
    pub today: Date,
    pub deadlines: Deadlines,
}

impl CaseQuery {
    /// Every case, newest first, the first page of [`DEFAULT_PAGE`] rows.
    pub fn new(today: Date, deadlines: Deadlines) -> Self {
        CaseQuery {
            stage: None,
            assignee: None,
            classification: None,
            due: None,
            sort: CaseSort::Newest,
            limit: DEFAULT_PAGE,
            offset: 0,
            today,
            deadlines,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AssigneeFilter {
    /// Assigned to this investigator.
    To(i64),
    /// Assigned to nobody.
    Nobody,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClassificationFilter {
    /// Classified with this category slug.
    As(String),
    /// Not classified yet.
    Unclassified,
}

/// Where open cases stand against their deadline today. Closed cases match none of these.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DueFilter {
    /// The deadline has passed.
    Overdue,
    /// Not overdue, and due today or within this many working days.
    DueSoon { working_days: u32 },
    /// Not overdue (due soon included).
    OnTime,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CaseSort {
    /// Highest case number first: numbers are given out as reports arrive.
    #[default]
    Newest,
    Oldest,
    /// The latest item or move first.
    LastActivity,
    /// Open cases only (closed ones have no deadline), the earliest deadline first. Within
    /// one kind of deadline the order is exact; between an acknowledgement and a feedback
    /// deadline it is by calendar estimate (`days × 7 / 5`), which can put two deadlines up to
    /// two days apart in the wrong order. Like a due filter, it leaves closed cases out of the
    /// counts too: sorting every case by an expression would read all of them.
    Due,
}

/// A page of the case list, the counts per stage for the tabs, and the total.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseList {
    pub rows: Vec<CaseRow>,
    /// Cases per stage matching every filter but the stage filter.
    pub counts: StageCounts,
    /// Cases matching every filter: what the pages add up to.
    pub total: u64,
}

/// One line of the case list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseRow {
    pub id: i64,
    pub created_on: Date,
    pub stage: Stage,
    /// The day of the first move out of `diterima`, if any.
    pub acknowledged_on: Option<Date>,
    /// The day of the latest item or move (the day of receipt for a case without either).
    pub last_activity_on: Date,
    pub assignee: Option<Assignee>,
    /// The office's category slug, if classified.
    pub classification: Option<String>,
}

impl CaseRow {
    /// The deadline that applies today.
    pub fn due(&self, today: Date, deadlines: &Deadlines) -> Due {
        workflow::due(
            self.stage,
            self.created_on,
            self.acknowledged_on,
            today,
            deadlines,
        )
    }
}

/// Who a case is assigned to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignee {
    pub id: i64,
    pub name: String,
    /// False once disabled: the case still names them until it is reassigned.
    pub active: bool,
}

/// Cases per stage, in [`Stage::ALL`] order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StageCounts([u64; 7]);

impl StageCounts {
    pub fn get(&self, stage: Stage) -> u64 {
        self.0.get(stage_index(stage)).copied().unwrap_or(0)
    }

    /// Every stage with its count, in [`Stage::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Stage, u64)> + '_ {
        Stage::ALL.into_iter().zip(self.0.iter().copied())
    }

    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    pub(super) fn add(&mut self, stage: Stage, count: u64) {
        if let Some(slot) = self.0.get_mut(stage_index(stage)) {
            *slot += count;
        }
    }
}

fn stage_index(stage: Stage) -> usize {
    Stage::ALL.iter().position(|s| *s == stage).unwrap_or(0)
}

/// A stage as stored; one this version does not know is corrupt data.
pub(super) fn parse_stage(text: &str) -> Result<Stage> {
    text.parse().map_err(|_| {
        let shown: String = text.chars().take(40).collect();
        StoreError::Corrupt(format!("case in unknown stage {shown:?}"))
    })
}

// ---------------------------------------------------------------------------------------
// SQL

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Dialect {
    Sqlite,
    Postgres,
}

/// A value bound to a statement.
#[derive(Debug)]
pub(super) enum Param {
    Text(String),
    Int(i64),
}

/// A statement being written, with its bound values in placeholder order.
#[derive(Debug)]
pub(super) struct Sql {
    dialect: Dialect,
    pub(super) text: String,
    pub(super) params: Vec<Param>,
}

impl Sql {
    fn new(dialect: Dialect) -> Self {
        Sql {
            dialect,
            text: String::new(),
            params: Vec::new(),
        }
    }

    fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    fn placeholder(&mut self, param: Param, cast: &str) -> &mut Self {
        self.params.push(param);
        match self.dialect {
            Dialect::Sqlite => self.text.push('?'),
            Dialect::Postgres => {
                self.text.push('$');
                self.text.push_str(&self.params.len().to_string());
                self.text.push_str(cast);
            }
        }
        self
    }

    fn text(&mut self, value: &str) -> &mut Self {
        self.placeholder(Param::Text(value.to_owned()), "")
    }

    fn int(&mut self, value: i64) -> &mut Self {
        self.placeholder(Param::Int(value), "::bigint")
    }

    fn day(&mut self, value: Date) -> Result<&mut Self> {
        Ok(self.placeholder(Param::Text(format_day(value)?), "::date"))
    }

    /// A date column as `YYYY-MM-DD` text.
    fn day_column(&mut self, column: &str, alias: &str) -> &mut Self {
        match self.dialect {
            Dialect::Sqlite => self.push(column).push(" AS ").push(alias),
            Dialect::Postgres => self
                .push("to_char(")
                .push(column)
                .push(", 'YYYY-MM-DD') AS ")
                .push(alias),
        }
    }

    /// `(c.stage IN (…))` for the given stages.
    fn stages(&mut self, stages: impl IntoIterator<Item = Stage>) -> &mut Self {
        self.push("c.stage IN (");
        for (n, stage) in stages.into_iter().enumerate() {
            if n > 0 {
                self.push(", ");
            }
            self.text(stage.slug());
        }
        self.push(")")
    }
}

/// The two statements of a list: the page, and the counts per stage.
#[derive(Debug)]
pub(super) struct ListSql {
    pub(super) page: Sql,
    pub(super) counts: Sql,
}

/// Selected columns of a page, in this order: id, created_on, stage, acknowledged_on,
/// last_activity_on, assignee_id, assignee_name, assignee_active, classification.
pub(super) fn list_sql(query: &CaseQuery, dialect: Dialect) -> Result<ListSql> {
    let mut page = Sql::new(dialect);
    page.push("SELECT c.id, ")
        .day_column("c.created_on", "created_on")
        .push(", c.stage, ")
        .day_column("c.acknowledged_on", "acknowledged_on")
        .push(", ")
        .day_column("c.last_activity_on", "last_activity_on")
        .push(
            ", c.assignee_id, i.name AS assignee_name, i.active AS assignee_active, \
             c.classification \
             FROM cases c LEFT JOIN investigators i ON i.id = c.assignee_id",
        );
    filters(&mut page, query, true)?;
    order(&mut page, query);
    page.push(" LIMIT ")
        .int(i64::from(query.limit.clamp(1, MAX_PAGE)))
        .push(" OFFSET ")
        .int(i64::from(query.offset));

    let mut counts = Sql::new(dialect);
    counts.push("SELECT c.stage, COUNT(*) AS n FROM cases c");
    filters(&mut counts, query, false)?;
    counts.push(" GROUP BY c.stage");
    Ok(ListSql { page, counts })
}

fn filters(sql: &mut Sql, query: &CaseQuery, with_stage: bool) -> Result<()> {
    sql.push(" WHERE 1 = 1");
    if let (true, Some(stage)) = (with_stage, query.stage) {
        sql.push(" AND c.stage = ").text(stage.slug());
    }
    match &query.assignee {
        Some(AssigneeFilter::To(id)) => {
            sql.push(" AND c.assignee_id = ").int(*id);
        }
        Some(AssigneeFilter::Nobody) => {
            sql.push(" AND c.assignee_id IS NULL");
        }
        None => {}
    }
    match &query.classification {
        Some(ClassificationFilter::As(slug)) => {
            sql.push(" AND c.classification = ").text(slug);
        }
        Some(ClassificationFilter::Unclassified) => {
            sql.push(" AND c.classification IS NULL");
        }
        None => {}
    }
    if let Some(due) = query.due {
        sql.push(" AND ");
        due_filter(sql, due, query.today, &query.deadlines)?;
    }
    if query.sort == CaseSort::Due {
        sql.push(" AND ")
            .stages(Stage::ALL.into_iter().filter(|stage| !stage.is_closed()));
    }
    Ok(())
}

/// Days of receipt in `(after, until]`; `None` leaves that side open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Received {
    after: Option<Date>,
    until: Option<Date>,
}

impl Received {
    /// The days of receipt whose deadline, `days` working days on, matches `due` today;
    /// `None` if no day does.
    fn matching(due: DueFilter, today: Date, days: u32) -> Option<Self> {
        // Overdue: the deadline is yesterday or earlier. `None`: no deadline is.
        let overdue_until = today
            .previous_day()
            .and_then(|yesterday| workflow::latest_received_due_by(yesterday, days));
        let received = match due {
            DueFilter::Overdue => Received {
                after: None,
                until: Some(overdue_until?),
            },
            DueFilter::DueSoon { working_days } => Received {
                after: overdue_until,
                until: Some(workflow::latest_received_due_by(
                    workflow::add_working_days(today, working_days),
                    days,
                )?),
            },
            DueFilter::OnTime => Received {
                after: overdue_until,
                until: None,
            },
        };
        match (received.after, received.until) {
            (Some(after), Some(until)) if after >= until => None,
            _ => Some(received),
        }
    }
}

/// ` AND` the days of receipt `received` allows (nothing, if `None`).
fn push_received(sql: &mut Sql, received: Option<Received>) -> Result<()> {
    let Some(received) = received else {
        sql.push(" AND 1 = 0");
        return Ok(());
    };
    if let Some(after) = received.after {
        sql.push(" AND c.created_on > ").day(after)?;
    }
    if let Some(until) = received.until {
        sql.push(" AND c.created_on <= ").day(until)?;
    }
    Ok(())
}

/// Open cases whose deadline matches: the acknowledgement deadline for a case in `diterima`
/// not yet acknowledged, the feedback deadline for every other open case. One arm per index
/// range of `cases_by_stage_received`.
fn due_filter(sql: &mut Sql, due: DueFilter, today: Date, deadlines: &Deadlines) -> Result<()> {
    let acknowledge = Received::matching(due, today, deadlines.acknowledge_days);
    let feedback = Received::matching(due, today, deadlines.feedback_days);
    sql.push("((c.stage = ")
        .text(Stage::Diterima.slug())
        .push(" AND c.acknowledged_on IS NULL");
    push_received(sql, acknowledge)?;
    sql.push(") OR (c.stage = ")
        .text(Stage::Diterima.slug())
        .push(" AND c.acknowledged_on IS NOT NULL");
    push_received(sql, feedback)?;
    sql.push(") OR (");
    sql.stages(
        Stage::ALL
            .into_iter()
            .filter(|stage| !stage.is_closed() && *stage != Stage::Diterima),
    );
    push_received(sql, feedback)?;
    sql.push("))");
    Ok(())
}

fn order(sql: &mut Sql, query: &CaseQuery) {
    match query.sort {
        CaseSort::Newest => {
            sql.push(" ORDER BY c.id DESC");
        }
        CaseSort::Oldest => {
            sql.push(" ORDER BY c.id");
        }
        CaseSort::LastActivity => {
            sql.push(" ORDER BY c.last_activity_on DESC, c.id DESC");
        }
        CaseSort::Due => {
            // The day of receipt moved by the deadline's length in calendar days.
            let shift = |days: u32| i64::from(days) * 7 / 5;
            sql.push(" ORDER BY CASE WHEN c.stage = ")
                .text(Stage::Diterima.slug())
                .push(" AND c.acknowledged_on IS NULL THEN ");
            let day = match sql.dialect {
                Dialect::Sqlite => "julianday(c.created_on) + ",
                Dialect::Postgres => "c.created_on + ",
            };
            let days = |sql: &mut Sql, value: i64| match sql.dialect {
                Dialect::Sqlite => {
                    sql.int(value);
                }
                Dialect::Postgres => {
                    sql.placeholder(Param::Int(value), "::integer");
                }
            };
            sql.push(day);
            days(sql, shift(query.deadlines.acknowledge_days));
            sql.push(" ELSE ").push(day);
            days(sql, shift(query.deadlines.feedback_days));
            sql.push(" END, c.id");
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::date;

    #[test]
    fn postgres_placeholders_are_numbered_and_typed() {
        let mut query = CaseQuery::new(date!(2026 - 11 - 30), Deadlines::default());
        query.stage = Some(Stage::Pemeriksaan);
        query.classification = Some(ClassificationFilter::As("korupsi".into()));
        query.limit = 1000;
        let sql = list_sql(&query, Dialect::Postgres).unwrap();
        assert!(sql.page.text.contains("c.stage = $1"), "{}", sql.page.text);
        assert!(sql.page.text.contains("c.classification = $2"));
        assert!(
            sql.page
                .text
                .ends_with("LIMIT $3::bigint OFFSET $4::bigint")
        );
        assert!(matches!(sql.page.params[2], Param::Int(200)));
        assert!(!sql.counts.text.contains("c.stage = $"));
        let sqlite = list_sql(&query, Dialect::Sqlite).unwrap();
        assert!(!sqlite.page.text.contains('$'));
        assert_eq!(sqlite.page.params.len(), 4);
    }

    #[test]
    fn due_bounds() {
        // Monday 2026-11-30; acknowledgement in 5 working days.
        let today = date!(2026 - 11 - 30);
        let overdue = Received::matching(DueFilter::Overdue, today, 5).unwrap();
        // Due by Sunday the 29th (yesterday): received up to Sunday the 22nd.
        assert_eq!(overdue.until, Some(date!(2026 - 11 - 22)));
        assert_eq!(overdue.after, None);
        let soon = Received::matching(DueFilter::DueSoon { working_days: 2 }, today, 5).unwrap();
        // Due Monday to Wednesday: received after the 22nd, up to Wednesday the 25th.
        assert_eq!(soon.after, Some(date!(2026 - 11 - 22)));
        assert_eq!(soon.until, Some(date!(2026 - 11 - 25)));
        let on_time = Received::matching(DueFilter::OnTime, today, 5).unwrap();
        assert_eq!((on_time.after, on_time.until), (overdue.until, None));
        // Nothing is overdue on the first day there is.
        assert_eq!(Received::matching(DueFilter::Overdue, Date::MIN, 5), None);
    }
}
