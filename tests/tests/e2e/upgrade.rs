//! Upgrades (issue 13, part 6): every committed fixture — a database made by an earlier
//! version's real binaries, see `scripts/make-upgrade-fixture` — migrates with the current
//! `kentongan migrate`, and its reporters, its team and its audit log carry on; a database
//! newer than the binary is refused, untouched; `migrate --status` says where one stands.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::support::*;

/// The fixture directories, oldest first.
fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/upgrade");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.join("fixture.json").exists())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no fixture under {}", root.display());
    dirs
}

/// Loads a fixture's database of one kind into a fresh place: the working directory's default
/// SQLite file, or a fresh PostgreSQL database.
fn load(fixture: &Path, postgres: bool) -> (tempfile::TempDir, Option<Postgres>) {
    let dir = tempfile::tempdir().unwrap();
    if postgres {
        let database = Postgres::new();
        let mut cmd = Command::new("psql");
        cmd.args([database.url.as_str(), "-v", "ON_ERROR_STOP=1", "-q", "-f"])
            .arg(fixture.join("postgres.sql"));
        succeeded(&run(cmd), "psql < postgres.sql");
        (dir, Some(database))
    } else {
        std::fs::create_dir(dir.path().join("data")).unwrap();
        std::fs::copy(
            fixture.join("kentongan.sqlite3"),
            dir.path().join("data/kentongan.sqlite3"),
        )
        .unwrap();
        (dir, None)
    }
}

async fn fixture_upgrades(postgres: bool) {
    let kind = if postgres { "postgres" } else { "sqlite" };
    for fixture in fixtures() {
        let what = format!("{} ({kind})", fixture.display());
        let spec: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(fixture.join("fixture.json")).unwrap())
                .unwrap();
        let (dir, database) = load(&fixture, postgres);
        let url = database.as_ref().map(|d| d.url.clone());

        let migrated = kentongan(dir.path(), url.as_deref(), &["migrate"]);
        succeeded(&migrated, &format!("migrate {what}"));
        let status = kentongan(dir.path(), url.as_deref(), &["migrate", "--status"]);
        let status = succeeded(&status, &format!("migrate --status {what}"));
        assert!(status.contains("up to date"), "{what}: {status}");

        // The audit log recorded when the fixture was made is still there, unedited.
        let recorded = spec[kind]["audit"].as_str().unwrap();
        let head = recorded
            .strip_prefix("audit log intact: ")
            .and_then(|rest| rest.split_once(" entries, head "))
            .map(|(count, hash)| format!("{count}:{hash}"))
            .unwrap_or_else(|| panic!("{what}: fixture audit line {recorded:?}"));
        let verified = kentongan(
            dir.path(),
            url.as_deref(),
            &["audit", "verify", "--anchor", &head],
        );
        succeeded(
            &verified,
            &format!("audit verify --anchor {head} on {what}"),
        );

        let server = Server::start(dir, url.as_deref());
        for case in spec[kind]["cases"].as_array().unwrap() {
            let receipt = case["receipt"].as_str().unwrap();
            let page = login(&server.url, receipt, case["passphrase"].as_str().unwrap()).await;
            let report = case["report"].as_str().unwrap();
            assert!(page.contains(report), "{what}: {receipt} shows its report");
            for reply in case["replies"].as_array().unwrap() {
                let reply = reply.as_str().unwrap();
                assert!(page.contains(reply), "{what}: {receipt} shows {reply:?}");
            }
        }

        // The team opens what it exports now with the key it had then.
        let key_file = server.dir.path().join("fixture-key.age");
        std::fs::copy(fixture.join("investigator.age"), &key_file).unwrap();
        let passphrase_file = server.dir.path().join("fixture-key.pass");
        std::fs::write(
            &passphrase_file,
            spec["investigator"]["passphrase"].as_str().unwrap(),
        )
        .unwrap();
        let key = InvestigatorKey {
            key_file,
            passphrase_file,
            recipient: spec["investigator"]["recipient"]
                .as_str()
                .unwrap()
                .to_owned(),
        };
        for case in spec[kind]["cases"].as_array().unwrap() {
            let id = case["id"].as_i64().unwrap();
            let (text, _) = export_and_open(&server, &key, id);
            assert!(
                text.contains(case["report"].as_str().unwrap()),
                "{what}: case {id} opens: {text}"
            );
            if let Some(name) = case["attachment"].as_str() {
                let attached = server
                    .dir
                    .path()
                    .join(format!("opened-{id}/attachments/{name}"));
                assert_eq!(
                    std::fs::read_to_string(&attached)
                        .unwrap_or_else(|e| panic!("{what}: {}: {e}", attached.display())),
                    spec["attachment_text"].as_str().unwrap(),
                    "{what}: case {id}'s attachment"
                );
            }
        }
        let verified = server.kentongan(&["audit", "verify", "--anchor", &head]);
        succeeded(&verified, &format!("audit verify after the export, {what}"));
    }
}

#[tokio::test]
async fn sqlite_fixtures_migrate_and_carry_on() {
    fixture_upgrades(false).await;
}

#[tokio::test]
async fn postgres_fixtures_migrate_and_carry_on() {
    fixture_upgrades(true).await;
}

/// A database of this version, made by the real `kentongan migrate`.
fn migrated(postgres: bool) -> (tempfile::TempDir, Option<Postgres>) {
    let dir = tempfile::tempdir().unwrap();
    let database = postgres.then(Postgres::new);
    let url = database.as_ref().map(|d| d.url.clone());
    succeeded(
        &kentongan(dir.path(), url.as_deref(), &["migrate"]),
        "migrate",
    );
    (dir, database)
}

/// Runs SQL on the database: psql for PostgreSQL, sqlx for the SQLite file.
async fn execute(dir: &Path, database: Option<&Postgres>, sql: &str) {
    match database {
        Some(database) => {
            let mut cmd = Command::new("psql");
            cmd.args([database.url.as_str(), "-v", "ON_ERROR_STOP=1", "-qc", sql]);
            succeeded(&run(cmd), sql);
        }
        None => {
            use sqlx::Connection;
            let file = dir.join("data/kentongan.sqlite3");
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display()))
                .await
                .unwrap();
            sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
            conn.close().await.unwrap();
        }
    }
}

/// Everything the database holds, schema and rows, to see that nothing changed.
fn snapshot(dir: &Path, database: Option<&Postgres>) -> Vec<u8> {
    match database {
        Some(database) => {
            let mut cmd = Command::new("pg_dump");
            cmd.arg(&database.url);
            // Without the random `\restrict` key newer pg_dumps write on each run.
            succeeded(&run(cmd), "pg_dump")
                .lines()
                .filter(|line| !line.starts_with("\\restrict") && !line.starts_with("\\unrestrict"))
                .collect::<Vec<_>>()
                .join("\n")
                .into_bytes()
        }
        // The last connection checkpointed and removed the WAL: the file is all of it.
        None => std::fs::read(dir.join("data/kentongan.sqlite3")).unwrap(),
    }
}

/// `kentongan serve` must exit by itself; killed (and failed) after 30 seconds.
fn serve_exits(dir: &Path, url: Option<&str>) -> std::process::Output {
    let mut cmd = Command::new(bin("kentongan"));
    cmd.current_dir(dir)
        .env_remove("KENTONGAN_DATABASE_URL")
        .env("KENTONGAN_LISTEN", format!("127.0.0.1:{}", free_port()))
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(url) = url {
        cmd.env("KENTONGAN_DATABASE_URL", url);
    }
    let mut child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server started on a newer database");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

async fn newer_database_is_refused(postgres: bool) {
    let (dir, database) = migrated(postgres);
    let url = database.as_ref().map(|d| d.url.clone());
    let checksum = if postgres { "'\\x00'" } else { "x'00'" };
    execute(
        dir.path(),
        database.as_ref(),
        &format!(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, \
             execution_time) VALUES (9999, 'from the future', true, {checksum}, 1)"
        ),
    )
    .await;
    let before = snapshot(dir.path(), database.as_ref());

    let backup = dir.path().join("backup");
    let commands: [&[&str]; 6] = [
        &["migrate"],
        &["investigator", "list"],
        &["case", "list"],
        &["audit", "verify"],
        &["export", "--all", "--out", "exported"],
        &["backup", "--out", backup.to_str().unwrap()],
    ];
    let mut outputs: Vec<(String, std::process::Output)> = commands
        .iter()
        .map(|args| (args.join(" "), kentongan(dir.path(), url.as_deref(), args)))
        .collect();
    outputs.push(("serve".into(), serve_exits(dir.path(), url.as_deref())));
    for (command, out) in &outputs {
        let error = stderr(out);
        assert_eq!(out.status.code(), Some(1), "{command}: {error}");
        assert!(
            error.contains("this database was written by a newer Kentongan (migration 9999)")
                && error.contains("install the newer version, or restore a backup"),
            "{command}: {error}"
        );
        assert!(!error.contains("previously applied"), "{command}: {error}");
    }
    assert!(!backup.exists());

    let status = kentongan(dir.path(), url.as_deref(), &["migrate", "--status"]);
    assert_eq!(status.status.code(), Some(1), "{}", stderr(&status));
    let text = stdout(&status);
    assert!(
        text.contains("9999\t?\tapplied, unknown to this kentongan"),
        "{text}"
    );
    assert!(
        text.trim_end()
            .lines()
            .last()
            .unwrap()
            .starts_with("this database was written by a newer Kentongan (migration 9999)"),
        "{text}"
    );
    let doctor = kentongan(dir.path(), url.as_deref(), &["doctor"]);
    assert_eq!(doctor.status.code(), Some(1), "{}", stderr(&doctor));
    assert!(
        stdout(&doctor)
            .lines()
            .any(|line| line.starts_with("FIX  migrations: this database was written by a newer")),
        "{}",
        stdout(&doctor)
    );

    assert!(
        snapshot(dir.path(), database.as_ref()) == before,
        "the newer database was changed"
    );
}

#[tokio::test]
async fn sqlite_newer_database_is_refused_untouched() {
    newer_database_is_refused(false).await;
}

#[tokio::test]
async fn postgres_newer_database_is_refused_untouched() {
    newer_database_is_refused(true).await;
}

async fn status_says_where_it_stands(postgres: bool) {
    let dir = tempfile::tempdir().unwrap();
    let database = postgres.then(Postgres::new);
    let url = database.as_ref().map(|d| d.url.clone());
    let status = || kentongan(dir.path(), url.as_deref(), &["migrate", "--status"]);
    let last_line = |out: &std::process::Output| {
        stdout(out)
            .trim_end()
            .lines()
            .last()
            .unwrap_or_default()
            .to_owned()
    };

    // Nothing yet: every migration pending, and nothing is created.
    let empty = status();
    assert_eq!(empty.status.code(), Some(1), "{}", stderr(&empty));
    assert!(
        stdout(&empty).contains("1\tinitial\tpending"),
        "{}",
        stdout(&empty)
    );
    let pending = last_line(&empty);
    assert!(
        pending.ends_with("migration(s) pending: run `kentongan migrate`"),
        "{pending}"
    );
    let known: usize = pending.split(' ').next().unwrap().parse().unwrap();
    assert!(known >= 9, "{pending}");
    assert!(
        !dir.path().join("data").exists(),
        "status created the database"
    );

    succeeded(
        &kentongan(dir.path(), url.as_deref(), &["migrate"]),
        "migrate",
    );
    let current = status();
    let text = succeeded(&current, "migrate --status on a current database");
    assert_eq!(
        last_line(&current),
        format!("up to date (migration {known})")
    );
    let applied = text
        .lines()
        .filter(|line| line.ends_with(" UTC") && line.split('\t').count() == 3)
        .count();
    assert_eq!(applied, known, "{text}");

    // As if the newest migration had not run yet (an older version's database): one pending.
    execute(
        dir.path(),
        database.as_ref(),
        &format!("DELETE FROM _sqlx_migrations WHERE version = {known}"),
    )
    .await;
    let older = status();
    assert_eq!(older.status.code(), Some(1), "{}", stderr(&older));
    assert_eq!(
        last_line(&older),
        "1 migration(s) pending: run `kentongan migrate`"
    );
    assert!(
        stdout(&older)
            .lines()
            .any(|line| line.starts_with(&format!("{known}\t")) && line.ends_with("\tpending")),
        "{}",
        stdout(&older)
    );
}

#[tokio::test]
async fn sqlite_migrate_status_says_where_it_stands() {
    status_says_where_it_stands(false).await;
}

#[tokio::test]
async fn postgres_migrate_status_says_where_it_stands() {
    status_says_where_it_stands(true).await;
}
