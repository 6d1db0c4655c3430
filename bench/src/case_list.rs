//! `kentongan-bench case-list`: the case list with 100,000 cases (BENCHMARKS.md).
//!
//! Seeds a fresh database through the store's own migrations, then times
//! `Store::list_cases` (the page and the counts per stage, in one read transaction) for the
//! queries the `/team` page makes. The cases are written straight into `cases` with
//! multi-row inserts, 5,000 to a transaction: the list reads `cases` and `investigators` only,
//! so the cases carry no report, envelopes, credential or history (nothing there would change
//! what is measured), and placeholder recipients instead of keys.

use kentongan_server::audit::{self, Action, AuditEvent};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use kentongan_server::store::{
    self, AssigneeFilter, CaseQuery, CaseSort, ClassificationFilter, DueFilter, Store,
};
use kentongan_server::workflow::{Deadlines, Stage};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::Connection;
use time::{Date, Duration as Days};

#[derive(Parser)]
#[command(name = "kentongan-bench case-list")]
struct Args {
    /// Cases to seed.
    #[arg(long, default_value_t = 100_000)]
    cases: u32,
    /// Timed runs per query.
    #[arg(long, default_value_t = 200)]
    runs: usize,
    /// Also run on PostgreSQL: a server where this user may create databases. A database of
    /// its own is made for the run and dropped after.
    #[arg(long, value_name = "URL")]
    postgres: Option<String>,
    /// Skip SQLite.
    #[arg(long)]
    skip_sqlite: bool,
}

const INVESTIGATORS: usize = 10;
const CATEGORIES: [&str; 7] = [
    "penyalahgunaan-wewenang",
    "hambatan-pelayanan-publik",
    "kkn",
    "gratifikasi-suap",
    "benturan-kepentingan",
    "pelanggaran-disiplin",
    "lainnya",
];
/// The seeded cases end on this day; it is also "today" for the queries.
const TODAY: Date = time::macros::date!(2026 - 11 - 30);
const ROWS_PER_STATEMENT: usize = 1_000;
const ROWS_PER_TRANSACTION: usize = 5_000;

pub async fn run(args: impl Iterator<Item = String>) -> anyhow::Result<()> {
    let args = Args::parse_from(args);
    println!("## Case list with {} cases\n", args.cases);
    println!(
        "- {} timed runs per query after 5 untimed; today = {TODAY}; page of 50\n",
        args.runs
    );
    if !args.skip_sqlite {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}/bench.sqlite3", dir.path().display());
        let store = store::open(&url).await?;
        let mut conn = Db::Sqlite(sqlx::SqliteConnection::connect(&url).await?);
        measure("SQLite (WAL, synchronous=FULL)", &*store, &mut conn, &args).await?;
    }
    if let Some(server) = &args.postgres {
        let name = format!("kentongan_bench_{:016x}", rand::random::<u64>());
        let mut admin = sqlx::PgConnection::connect(server)
            .await
            .with_context(|| format!("PostgreSQL is not reachable at {server}"))?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await?;
        let url = with_database(server, &name);
        let outcome = async {
            let store = store::open(&url).await?;
            let mut conn = Db::Postgres(sqlx::PgConnection::connect(&url).await?);
            measure("PostgreSQL", &*store, &mut conn, &args).await?;
            if let Db::Postgres(conn) = conn {
                conn.close().await?;
            }
            drop(store);
            anyhow::Ok(())
        }
        .await;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin)
            .await?;
        outcome?;
    }
    Ok(())
}

enum Db {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl Db {
    async fn execute(&mut self, sql: &str) -> anyhow::Result<()> {
        match self {
            Db::Sqlite(conn) => {
                sqlx::raw_sql(sql).execute(conn).await?;
            }
            Db::Postgres(conn) => {
                sqlx::raw_sql(sql).execute(conn).await?;
            }
        }
        Ok(())
    }
}

async fn measure(name: &str, store: &dyn Store, conn: &mut Db, args: &Args) -> anyhow::Result<()> {
    let mut investigators = Vec::new();
    for n in 0..INVESTIGATORS {
        let key = kentongan_crypto::keys::Identity::generate().to_public();
        let added = store
            .add_investigator(
                &format!("Penyidik {n}"),
                &key,
                false,
                TODAY,
                &AuditEvent::new(audit::operator("bench"), Action::InvestigatorAdd),
            )
            .await?;
        investigators.push(added.id);
    }
    let started = Instant::now();
    seed(conn, args.cases, &investigators).await?;
    let seeded = started.elapsed();
    if let Db::Postgres(_) = conn {
        // What autovacuum does soon after a load like this one.
        conn.execute("ANALYZE").await?;
    }
    println!("### {name}\n");
    println!(
        "- seeded {} cases in {:.1} s\n",
        args.cases,
        seeded.as_secs_f64()
    );
    let base = CaseQuery::new(TODAY, Deadlines::default());
    let queries: Vec<(&str, CaseQuery)> = vec![
        ("first page, no filter (newest)", base.clone()),
        (
            "stage = pemeriksaan",
            CaseQuery {
                stage: Some(Stage::Pemeriksaan),
                ..base.clone()
            },
        ),
        (
            "stage = selesai (the largest)",
            CaseQuery {
                stage: Some(Stage::Selesai),
                ..base.clone()
            },
        ),
        (
            "overdue",
            CaseQuery {
                due: Some(DueFilter::Overdue),
                ..base.clone()
            },
        ),
        (
            "due within 5 working days",
            CaseQuery {
                due: Some(DueFilter::DueSoon { working_days: 5 }),
                ..base.clone()
            },
        ),
        (
            "assignee 3 + category kkn",
            CaseQuery {
                assignee: Some(AssigneeFilter::To(investigators[2])),
                classification: Some(ClassificationFilter::As("kkn".into())),
                ..base.clone()
            },
        ),
        (
            "unassigned, overdue",
            CaseQuery {
                assignee: Some(AssigneeFilter::Nobody),
                due: Some(DueFilter::Overdue),
                ..base.clone()
            },
        ),
        (
            "page 50 (offset 2,450), no filter",
            CaseQuery {
                offset: 49 * 50,
                ..base.clone()
            },
        ),
        (
            "sorted by last activity",
            CaseQuery {
                sort: CaseSort::LastActivity,
                ..base.clone()
            },
        ),
        (
            "sorted by deadline",
            CaseQuery {
                sort: CaseSort::Due,
                ..base.clone()
            },
        ),
    ];
    println!("| query | rows | total | p50 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|---|");
    for (label, query) in queries {
        let mut times = Vec::with_capacity(args.runs);
        let mut last = None;
        for n in 0..args.runs + 5 {
            let started = Instant::now();
            let list = store.list_cases(&query).await?;
            let elapsed = started.elapsed();
            if n >= 5 {
                times.push(elapsed);
            }
            last = Some(list);
        }
        let list = last.context("no run")?;
        times.sort_unstable();
        println!(
            "| {label} | {} | {} | {:.2} | {:.2} | {:.2} |",
            list.rows.len(),
            list.total,
            ms(percentile(&times, 0.50)),
            ms(percentile(&times, 0.99)),
            ms(times.last().copied().unwrap_or_default()),
        );
    }
    println!();
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(at).copied().unwrap_or_default()
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// One seeded case. Ids follow the day of receipt, as real ones do.
struct Seeded {
    created_on: Date,
    stage: Stage,
    acknowledged_on: Option<Date>,
    last_activity_on: Date,
    assignee: Option<i64>,
    classification: Option<&'static str>,
}

/// Three years of cases, evenly spread, with the stages an office would have: recent ones
/// mostly open, older ones mostly closed, a few old ones still open (the overdue ones).
fn seeded(rng: &mut StdRng, n: u32, of: u32, investigators: &[i64]) -> Seeded {
    let span = 3 * 365;
    let age = i64::from(span) - i64::from(span) * i64::from(n) / i64::from(of.max(1));
    let created_on = TODAY - Days::days(age);
    let roll: f64 = rng.gen_range(0.0..1.0);
    let stage = if age < 7 {
        if roll < 0.7 {
            Stage::Diterima
        } else {
            Stage::Pemeriksaan
        }
    } else if age < 90 {
        match roll {
            r if r < 0.05 => Stage::Diterima,
            r if r < 0.40 => Stage::Pemeriksaan,
            r if r < 0.65 => Stage::Verifikasi,
            r if r < 0.80 => Stage::TindakanKorektif,
            r if r < 0.92 => Stage::Selesai,
            r if r < 0.97 => Stage::TidakDapatDitindaklanjuti,
            _ => Stage::Dialihkan,
        }
    } else {
        match roll {
            r if r < 0.01 => Stage::Pemeriksaan,
            r if r < 0.02 => Stage::Verifikasi,
            r if r < 0.03 => Stage::TindakanKorektif,
            r if r < 0.75 => Stage::Selesai,
            r if r < 0.90 => Stage::TidakDapatDitindaklanjuti,
            _ => Stage::Dialihkan,
        }
    };
    let acknowledged_on =
        (stage != Stage::Diterima).then(|| created_on + Days::days(rng.gen_range(0..=age.min(6))));
    let activity = created_on + Days::days(rng.gen_range(0..=age.min(200)));
    let last_activity_on = activity.max(acknowledged_on.unwrap_or(created_on));
    let assignee = if rng.gen_bool(0.8) {
        investigators
            .get(rng.gen_range(0..investigators.len().max(1)))
            .copied()
    } else {
        None
    };
    let classification = if rng.gen_bool(0.7) {
        CATEGORIES.get(rng.gen_range(0..CATEGORIES.len())).copied()
    } else {
        None
    };
    Seeded {
        created_on,
        stage,
        acknowledged_on,
        last_activity_on,
        assignee,
        classification,
    }
}

/// Multi-row inserts of literal values: every value is made here (days, ids, fixed slugs),
/// none comes from outside, and literals let one statement serve both databases.
async fn seed(conn: &mut Db, cases: u32, investigators: &[i64]) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(4);
    let all: Vec<Seeded> = (0..cases)
        .map(|n| seeded(&mut rng, n, cases, investigators))
        .collect();
    let text = |value: Option<String>| value.map_or("NULL".to_owned(), |v| format!("'{v}'"));
    for transaction in all.chunks(ROWS_PER_TRANSACTION) {
        let mut sql = String::from("BEGIN;\n");
        for statement in transaction.chunks(ROWS_PER_STATEMENT) {
            sql.push_str(
                "INSERT INTO cases (created_on, stage, case_recipient, notes_recipient, \
                 assignee_id, classification, acknowledged_on, last_activity_on) VALUES ",
            );
            let rows: Vec<String> = statement
                .iter()
                .map(|case| {
                    format!(
                        "('{}', '{}', 'age1bench', 'age1bench', {}, {}, {}, '{}')",
                        case.created_on,
                        case.stage.slug(),
                        case.assignee.map_or("NULL".to_owned(), |id| id.to_string()),
                        text(case.classification.map(str::to_owned)),
                        text(case.acknowledged_on.map(|day| day.to_string())),
                        case.last_activity_on,
                    )
                })
                .collect();
            sql.push_str(&rows.join(", "));
            sql.push_str(";\n");
        }
        sql.push_str("COMMIT;");
        conn.execute(&sql).await?;
    }
    Ok(())
}

/// `server` with its database name replaced by `name`.
fn with_database(server: &str, name: &str) -> String {
    let (head, query) = server.split_once('?').unwrap_or((server, ""));
    let authority = head.find("://").map_or(0, |at| at + 3);
    let head = match head.get(authority..).and_then(|rest| rest.find('/')) {
        Some(slash) => head.get(..authority + slash).unwrap_or(head),
        None => head,
    };
    if query.is_empty() {
        format!("{head}/{name}")
    } else {
        format!("{head}/{name}?{query}")
    }
}
