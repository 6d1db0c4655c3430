//! `kentongan doctor` (issue 13, part 7) with the real binary: what it says, and its exit
//! status, on a fresh install, a ready one, an unreachable database, an unreachable SMTP
//! server and a clock that went backwards. (A newer database: upgrade.rs.)

use std::path::Path;
use std::process::Output;

use kentongan_tests::smtp_sink::SmtpSink;

use super::support::*;

fn doctor(dir: &Path, url: Option<&str>) -> (Option<i32>, Vec<String>) {
    let out = kentongan(dir, url, &["doctor"]);
    report(&out)
}

fn report(out: &Output) -> (Option<i32>, Vec<String>) {
    let text = stdout(out);
    assert!(
        !stderr(out).contains("panicked"),
        "doctor panicked: {}",
        stderr(out)
    );
    for line in text.lines() {
        assert!(
            line.starts_with("ok   ") || line.starts_with("FIX  ") || line.starts_with("warn "),
            "not a doctor line: {line:?}"
        );
    }
    (out.status.code(), text.lines().map(str::to_owned).collect())
}

fn line<'a>(lines: &'a [String], start: &str) -> &'a str {
    lines
        .iter()
        .find(|line| line.starts_with(start))
        .unwrap_or_else(|| panic!("no line starting {start:?} in {lines:#?}"))
}

async fn fresh_then_ready(postgres: bool) {
    let dir = tempfile::tempdir().unwrap();
    let database = postgres.then(Postgres::new);
    let url = database.as_ref().map(|d| d.url.clone());

    // Not even a database yet.
    let (code, lines) = doctor(dir.path(), url.as_deref());
    assert_eq!(code, Some(1), "{lines:#?}");
    if !postgres {
        assert!(
            line(&lines, "FIX  database:").contains("run `kentongan migrate`"),
            "{lines:#?}"
        );
        assert!(
            !dir.path().join("data").exists(),
            "doctor created the database"
        );
    }

    succeeded(
        &kentongan(dir.path(), url.as_deref(), &["migrate"]),
        "migrate",
    );
    let (code, lines) = doctor(dir.path(), url.as_deref());
    assert_eq!(code, Some(1), "{lines:#?}");
    let fix = line(&lines, "FIX  investigators:");
    assert!(
        fix.contains("kentongan-keytool generate") && fix.contains("kentongan investigator add"),
        "{fix}"
    );
    assert!(
        line(&lines, "ok   migrations:").contains("up to date"),
        "{lines:#?}"
    );
    assert!(
        line(&lines, "ok   configuration:").contains("no file"),
        "{lines:#?}"
    );
    line(&lines, "ok   e-mail notifications: off");
    line(&lines, "ok   clock:");
    if postgres {
        line(&lines, "ok   disk: attachments are stored in PostgreSQL");
    } else {
        // The test machine has room for a default report (1 GiB of attachments).
        assert!(
            line(&lines, "ok   disk:").contains(" free in "),
            "{lines:#?}"
        );
    }

    // One investigator, not an admin: still a FIX (nobody can manage the team).
    let key = make_investigator(dir.path(), "ani");
    let add = |name: &str, recipient: &str, admin: bool| {
        let mut args = vec![
            "investigator",
            "add",
            "--name",
            name,
            "--recipient",
            recipient,
        ];
        if admin {
            args.push("--admin");
        }
        succeeded(
            &kentongan(dir.path(), url.as_deref(), &args),
            "investigator add",
        );
    };
    add("Ani", &key.recipient, false);
    let (code, lines) = doctor(dir.path(), url.as_deref());
    assert_eq!(code, Some(1), "{lines:#?}");
    assert!(
        line(&lines, "FIX  investigators:").contains("investigator role ID --admin"),
        "{lines:#?}"
    );

    let admin = make_investigator(dir.path(), "budi");
    add("Budi", &admin.recipient, true);
    let (code, lines) = doctor(dir.path(), url.as_deref());
    assert_eq!(code, Some(0), "{lines:#?}");
    assert_eq!(
        line(&lines, "ok   investigators:"),
        "ok   investigators: 2 active, 1 of them admin"
    );
    assert!(!lines.iter().any(|l| l.starts_with("FIX")), "{lines:#?}");
}

#[tokio::test]
async fn sqlite_fresh_install_needs_an_investigator_then_is_ready() {
    fresh_then_ready(false).await;
}

#[tokio::test]
async fn postgres_fresh_install_needs_an_investigator_then_is_ready() {
    fresh_then_ready(true).await;
}

#[tokio::test]
async fn an_unreachable_database_is_one_plain_line() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens there: bound, then let go.
    let url = format!("postgres://postgres@127.0.0.1:{}/kentongan", free_port());
    let out = kentongan(dir.path(), Some(&url), &["doctor"]);
    let (code, lines) = report(&out);
    assert_eq!(code, Some(1), "{lines:#?}");
    let fix = line(&lines, "FIX  database: cannot read");
    assert!(
        fix.contains(&url) && fix.contains("that the database server runs"),
        "{fix}"
    );
    assert!(
        !fix.contains("Io(") && !fix.contains("Error {"),
        "a raw error dump: {fix}"
    );
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}

fn notify_config(dir: &Path, port: u16) {
    std::fs::write(
        dir.join("kentongan.toml"),
        format!(
            "[notify]\n\
             smtp_host = \"127.0.0.1\"\n\
             smtp_port = {port}\n\
             tls = \"none\"\n\
             from = \"Kentongan <wbs@wbs.test>\"\n\
             to = [\"tim-wbs@wbs.test\"]\n\
             team_url = \"http://wbs.test/team\"\n"
        ),
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_smtp_server_must_answer() {
    let dir = tempfile::tempdir().unwrap();
    let key = make_investigator(dir.path(), "ani");
    succeeded(
        &kentongan(
            dir.path(),
            None,
            &[
                "investigator",
                "add",
                "--name",
                "Ani",
                "--recipient",
                &key.recipient,
                "--admin",
            ],
        ),
        "investigator add",
    );

    let closed = free_port();
    notify_config(dir.path(), closed);
    let (code, lines) = doctor(dir.path(), None);
    assert_eq!(code, Some(1), "{lines:#?}");
    assert!(
        line(
            &lines,
            "FIX  e-mail notifications: cannot reach the SMTP server"
        )
        .contains(&format!("127.0.0.1:{closed}")),
        "{lines:#?}"
    );
    assert!(
        line(&lines, "ok   configuration:").contains("kentongan.toml parses"),
        "{lines:#?}"
    );

    let sink = SmtpSink::start().await.unwrap();
    notify_config(dir.path(), sink.port());
    let out = tokio::task::spawn_blocking({
        let dir = dir.path().to_owned();
        move || kentongan(&dir, None, &["doctor"])
    })
    .await
    .unwrap();
    let (code, lines) = report(&out);
    assert_eq!(code, Some(0), "{lines:#?}");
    line(&lines, "ok   e-mail notifications: the SMTP server");
    assert!(sink.mails().is_empty(), "doctor sent mail");
}

#[tokio::test]
async fn a_clock_behind_the_database_must_be_fixed() {
    let dir = tempfile::tempdir().unwrap();
    succeeded(&kentongan(dir.path(), None, &["migrate"]), "migrate");
    // As if the migration had run in 2099 and the clock had then been set back.
    {
        use sqlx::Connection;
        let file = dir.path().join("data/kentongan.sqlite3");
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display()))
            .await
            .unwrap();
        sqlx::query("UPDATE _sqlx_migrations SET installed_on = '2099-01-01 00:00:00'")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
    let (code, lines) = doctor(dir.path(), None);
    assert_eq!(code, Some(1), "{lines:#?}");
    let fix = line(&lines, "FIX  clock:");
    assert!(
        fix.contains("2099-01-01T00:00:00Z") && fix.contains("went backwards"),
        "{fix}"
    );
}
