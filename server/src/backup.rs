//! Backup and restore: `kentongan backup --out FILE` while the server runs and takes reports,
//! `kentongan restore FILE` into an empty database.
//!
//! SQLite: `VACUUM INTO` on a read connection of its own. It reads one snapshot (WAL mode lets
//! the writer go on meanwhile), so every commit acknowledged before the backup started is in
//! it, and the backup is itself a compact SQLite database. Restoring copies it into place and
//! runs the migrations, so an older backup is upgraded.
//!
//! PostgreSQL: `pg_dump --format=custom` (one snapshot, too) and `pg_restore`, run by this
//! program; they must be at least as new as the server.
//!
//! Attachments are rows (`attachment_chunks`), so a backup holds everything the server keeps,
//! and holds it as the database does: ciphertext and public metadata only.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, bail};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};

use crate::store::{PostgresStore, SqliteStore};

/// The first bytes of an SQLite database file.
const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";
/// The first bytes of a `pg_dump --format=custom` archive.
const PG_DUMP_MAGIC: &[u8] = b"PGDMP";

/// What a database holds that a restore must not overwrite unasked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Contents {
    pub cases: i64,
    pub investigators: i64,
}

impl Contents {
    pub fn is_empty(&self) -> bool {
        self.cases == 0 && self.investigators == 0
    }
}

impl std::fmt::Display for Contents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} case(s), {} investigator(s)",
            self.cases, self.investigators
        )
    }
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Writes a consistent snapshot of the database `url` names to `out`, a new file (mode 0600).
/// Returns what the snapshot holds, where that is known without reading it twice (SQLite).
pub async fn backup(url: &str, out: &Path) -> anyhow::Result<Option<Contents>> {
    let out = std::path::absolute(out).context("cannot resolve the output path")?;
    create_private(&out)?;
    let result = if is_postgres(url) {
        pg_dump(url, &out).map(|()| None)
    } else {
        sqlite_backup(url, &out).await.map(Some)
    };
    match result {
        Ok(contents) => {
            std::fs::File::open(&out)
                .and_then(|file| file.sync_all())
                .with_context(|| format!("cannot sync {}", out.display()))?;
            Ok(contents)
        }
        Err(error) => {
            let _ = std::fs::remove_file(&out);
            Err(error)
        }
    }
}

/// Fills the database `url` names from a backup, refusing one that holds cases or
/// investigators unless `force`; then runs the migrations. Returns what it holds now.
pub async fn restore(url: &str, file: &Path, force: bool) -> anyhow::Result<Contents> {
    let mut magic = [0u8; 16];
    let read = std::fs::File::open(file)
        .and_then(|mut f| read_up_to(&mut f, &mut magic))
        .with_context(|| format!("cannot read {}", file.display()))?;
    let magic = magic.get(..read).unwrap_or_default();
    if is_postgres(url) {
        if !magic.starts_with(PG_DUMP_MAGIC) {
            bail!(
                "{} is not a PostgreSQL backup (pg_dump --format=custom); an SQLite backup \
                 restores only into SQLite",
                file.display()
            );
        }
        pg_restore(url, file, force).await
    } else {
        if !magic.starts_with(SQLITE_MAGIC) {
            bail!(
                "{} is not an SQLite backup; a PostgreSQL backup restores only into PostgreSQL",
                file.display()
            );
        }
        sqlite_restore(url, file, force).await
    }
}

fn read_up_to(file: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut read = 0;
    while read < buf.len() {
        let Some(rest) = buf.get_mut(read..) else {
            break;
        };
        match file.read(rest)? {
            0 => break,
            n => read += n,
        }
    }
    Ok(read)
}

/// A new, empty file only its owner may read: a backup is the whole database.
fn create_private(path: &Path) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .map(drop)
        .with_context(|| format!("cannot create {} (it must not exist yet)", path.display()))
}

async fn sqlite_backup(url: &str, out: &Path) -> anyhow::Result<Contents> {
    let options = SqliteConnectOptions::from_str(url)?
        .read_only(true)
        .busy_timeout(Duration::from_secs(30))
        .disable_statement_logging();
    let source = options.get_filename().to_owned();
    if !source.exists() {
        bail!("there is no database at {}", source.display());
    }
    let Some(target) = out.to_str() else {
        bail!("the output path must be valid UTF-8");
    };
    let mut conn = SqliteConnection::connect_with(&options).await?;
    // One read transaction: a snapshot of every commit made before it began, while the
    // server's writer goes on (WAL). The output file is empty, as VACUUM INTO requires.
    sqlx::query("VACUUM INTO ?")
        .bind(target)
        .execute(&mut conn)
        .await
        .context("VACUUM INTO failed")?;
    conn.close().await?;
    sqlite_contents(out).await
}

/// What an SQLite database file holds, read without changing it.
async fn sqlite_contents(path: &Path) -> anyhow::Result<Contents> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .busy_timeout(Duration::from_secs(30))
        .disable_statement_logging();
    let mut conn = SqliteConnection::connect_with(&options).await?;
    let mut contents = Contents::default();
    for (table, count) in [
        ("cases", &mut contents.cases),
        ("investigators", &mut contents.investigators),
    ] {
        let exists: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?",
        )
        .bind(table)
        .fetch_one(&mut conn)
        .await?;
        if exists > 0 {
            *count = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
                .fetch_one(&mut conn)
                .await?;
        }
    }
    conn.close().await?;
    Ok(contents)
}

/// Checks that a file is an intact Kentongan SQLite database.
async fn check_sqlite_backup(file: &Path) -> anyhow::Result<()> {
    let options = SqliteConnectOptions::new()
        .filename(file)
        .read_only(true)
        .immutable(true)
        .disable_statement_logging();
    let mut conn = SqliteConnection::connect_with(&options).await?;
    let check: String = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_one(&mut conn)
        .await?;
    if check != "ok" {
        bail!("{} is damaged: {check}", file.display());
    }
    let tables: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' \
         AND name IN ('_sqlx_migrations', 'cases', 'investigators')",
    )
    .fetch_one(&mut conn)
    .await?;
    if tables != 3 {
        bail!("{} is not a Kentongan database", file.display());
    }
    conn.close().await?;
    Ok(())
}

async fn sqlite_restore(url: &str, file: &Path, force: bool) -> anyhow::Result<Contents> {
    check_sqlite_backup(file)
        .await
        .with_context(|| format!("cannot use {} as a backup", file.display()))?;
    let target = SqliteConnectOptions::from_str(url)?
        .get_filename()
        .to_owned();
    let target = std::path::absolute(&target).context("cannot resolve the database path")?;
    if target.exists() {
        refuse_unless_empty(
            &target.display().to_string(),
            sqlite_contents(&target).await?,
            force,
        )?;
    }
    let dir = target
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    // Copied beside the target, then renamed over it: the target is never half written.
    let name = target
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let partial = dir.join(format!(".{name}.restoring-{}", std::process::id()));
    let copied = put_in_place(file, &partial, &target);
    if let Err(error) = copied {
        let _ = std::fs::remove_file(&partial);
        return Err(error);
    }
    // Migrations: a backup made by an older version is upgraded now.
    SqliteStore::open(url)
        .await
        .context("the restored database does not open")?
        .close()
        .await;
    sqlite_contents(&target).await
}

/// Copies `file` to `partial`, then renames it over `target` (in the same directory).
fn put_in_place(file: &Path, partial: &Path, target: &Path) -> anyhow::Result<()> {
    create_private(partial)?;
    std::fs::copy(file, partial)
        .with_context(|| format!("cannot copy {} to {}", file.display(), partial.display()))?;
    std::fs::File::open(partial)?.sync_all()?;
    // A write-ahead log left from the database being replaced would be applied to the
    // restored file: it goes first.
    for suffix in ["-wal", "-shm"] {
        let mut side = target.as_os_str().to_owned();
        side.push(suffix);
        let side = PathBuf::from(side);
        match std::fs::remove_file(&side) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => {
                return Err(error).with_context(|| format!("cannot remove {}", side.display()));
            }
        }
    }
    std::fs::rename(partial, target)
        .with_context(|| format!("cannot move the restored file to {}", target.display()))?;
    if let Some(dir) = target.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

fn refuse_unless_empty(what: &str, contents: Contents, force: bool) -> anyhow::Result<()> {
    if !contents.is_empty() && !force {
        bail!(
            "the database {what} is not empty ({contents}): restore refuses to replace it; \
             stop the server and pass --force to replace everything in it"
        );
    }
    Ok(())
}

fn run_tool(mut command: Command, name: &str) -> anyhow::Result<()> {
    let output = command.output().with_context(|| {
        format!(
            "cannot run {name}: install the PostgreSQL client tools (at least the server's version)"
        )
    })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        bail!("{name} failed ({}): {}", output.status, stderr.trim());
    }
    Ok(())
}

/// `pg_dump` or `pg_restore` for the database `url` names. A password in the URL goes to the
/// tool in `PGPASSWORD`, not on its command line, where anyone on the machine could read it.
fn pg_tool(name: &str, url: &str) -> Command {
    let (url, password) = split_password(url);
    let mut command = Command::new(name);
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    command.arg("--dbname").arg(url);
    command
}

/// `postgres://user:secret@host/db` → (`postgres://user@host/db`, the decoded `secret`).
fn split_password(url: &str) -> (String, Option<String>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_owned(), None);
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return (url.to_owned(), None);
    };
    let Some((user, password)) = userinfo.split_once(':') else {
        return (url.to_owned(), None);
    };
    let password = percent_encoding::percent_decode_str(password)
        .decode_utf8_lossy()
        .into_owned();
    (format!("{scheme}://{user}@{host}{path}"), Some(password))
}

fn pg_dump(url: &str, out: &Path) -> anyhow::Result<()> {
    let mut command = pg_tool("pg_dump", url);
    command
        .args(["--format=custom", "--no-owner", "--no-privileges", "--file"])
        .arg(out);
    run_tool(command, "pg_dump")
}

/// A connection of its own; a backup's long statements are not "slow" queries to warn about.
async fn pg_connect(url: &str) -> anyhow::Result<PgConnection> {
    let options = PgConnectOptions::from_str(url)?.disable_statement_logging();
    Ok(PgConnection::connect_with(&options).await?)
}

async fn pg_contents(conn: &mut PgConnection) -> anyhow::Result<Contents> {
    let mut contents = Contents::default();
    for (table, count) in [
        ("cases", &mut contents.cases),
        ("investigators", &mut contents.investigators),
    ] {
        let exists: bool = sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
            .bind(table)
            .fetch_one(&mut *conn)
            .await?;
        if exists {
            *count = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
                .fetch_one(&mut *conn)
                .await?;
        }
    }
    Ok(contents)
}

async fn pg_restore(url: &str, file: &Path, force: bool) -> anyhow::Result<Contents> {
    let mut conn = pg_connect(url).await?;
    refuse_unless_empty("(PostgreSQL)", pg_contents(&mut conn).await?, force)?;
    // `--clean` drops what the dump holds before making it again, all in one transaction:
    // a failed restore leaves the database as it was.
    conn.close().await?;
    let mut command = pg_tool("pg_restore", url);
    command
        .args([
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            "--clean",
            "--if-exists",
        ])
        .arg(file);
    run_tool(command, "pg_restore")?;
    PostgresStore::open(url)
        .await
        .context("the restored database does not open")?;
    let mut conn = pg_connect(url).await?;
    let contents = pg_contents(&mut conn).await?;
    conn.close().await?;
    Ok(contents)
}

#[cfg(test)]
mod tests {
    use super::split_password;

    #[test]
    fn passwords_leave_the_url() {
        assert_eq!(
            split_password("postgres://kentongan:s%40cret:x@db.example:5432/wbs?sslmode=require"),
            (
                "postgres://kentongan@db.example:5432/wbs?sslmode=require".to_owned(),
                Some("s@cret:x".to_owned())
            )
        );
        for url in [
            "postgres://postgres@127.0.0.1:5432/test",
            "postgresql://127.0.0.1/test",
            "postgres:///test?host=/run/postgresql",
            "postgres://user@host/db?note=a:b@c",
        ] {
            assert_eq!(split_password(url), (url.to_owned(), None), "{url}");
        }
    }
}
