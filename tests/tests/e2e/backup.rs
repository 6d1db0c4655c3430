//! Backup and restore with the real binaries, on both databases: a backup taken while several
//! clients file reports, restored into a fresh data directory or database; every receipt
//! acknowledged before the backup started logs in there. Restore refuses a database that is
//! not empty without --force and leaves it as it was; the backup holds none of the reports'
//! text; the audit log verifies after a restore.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::*;

/// Reporters filing at once.
const CLIENTS: usize = 3;
/// Reports acknowledged before the backup starts, at least.
const BEFORE: usize = 6;

/// A report acknowledged to a reporter: when, the receipt and passphrase, the text.
struct Filed {
    at: Instant,
    receipt: String,
    passphrase: String,
    what: String,
}

/// Files reports from several clients, backs up meanwhile; returns the reports and when the
/// backup started.
async fn backup_under_load(server: &Arc<Server>, backup: &Path) -> (Vec<Filed>, Instant) {
    let filed = Arc::new(Mutex::new(Vec::<Filed>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (url, filed, stop) = (server.url.clone(), filed.clone(), stop.clone());
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let what =
                        format!("Laporan muatan klien {client} nomor {n}: kode BKP-{client}{n:04}");
                    let (receipt, passphrase) = file(&url, &what).await;
                    filed.lock().unwrap().push(Filed {
                        at: Instant::now(),
                        receipt,
                        passphrase,
                        what,
                    });
                }
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while filed.lock().unwrap().len() < BEFORE {
        assert!(Instant::now() < deadline, "reports are too slow");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let started = Instant::now();
    let (dir, url, out) = (
        server.dir.path().to_owned(),
        server.database_url.clone(),
        backup.to_str().unwrap().to_owned(),
    );
    let made = tokio::task::spawn_blocking(move || {
        kentongan(&dir, url.as_deref(), &["backup", "--out", &out])
    })
    .await
    .unwrap();
    println!("{}", succeeded(&made, "backup"));
    // Reports keep coming after the backup, too.
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.await.unwrap();
    }
    let filed = std::mem::take(&mut *filed.lock().unwrap());
    (filed, started)
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn holds_no_plaintext(stored: &[u8], filed: &[Filed]) {
    for report in filed {
        for secret in [report.what.as_str(), report.passphrase.as_str()] {
            assert!(!contains(stored, secret), "{secret:?} is in the backup");
            assert!(
                !contains(stored, &hex(secret)),
                "{secret:?} is in the backup (hex)"
            );
        }
    }
    for text in ["BKP-", "Barang dijual keluar", "Gudang logistik"] {
        assert!(!contains(stored, text), "{text:?} is in the backup");
        assert!(
            !contains(stored, &hex(text)),
            "{text:?} is in the backup (hex)"
        );
    }
}

/// Starts a server on the restored database and logs in with every receipt acknowledged
/// before the backup started.
async fn logs_in(restored: Server, filed: &[Filed], started: Instant) {
    let audit = restored.kentongan(&["audit", "verify"]);
    println!("{}", succeeded(&audit, "audit verify after restore"));
    let before: Vec<&Filed> = filed.iter().filter(|f| f.at < started).collect();
    assert!(before.len() >= BEFORE);
    println!(
        "{} report(s) filed, {} before the backup started",
        filed.len(),
        before.len()
    );
    for report in before {
        let page = login(&restored.url, &report.receipt, &report.passphrase).await;
        assert!(
            page.contains(&report.what),
            "{} shows its report",
            report.receipt
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn backup_under_load_and_restore_on_sqlite() {
    let (server, _key) = server_with_investigator(None, "Rina");
    let server = Arc::new(server);
    let scratch = tempfile::tempdir().unwrap();
    let backup = scratch.path().join("kentongan.backup");
    let (filed, started) = backup_under_load(&server, &backup).await;
    let mut server = Arc::into_inner(server).unwrap();
    holds_no_plaintext(&std::fs::read(&backup).unwrap(), &filed);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&backup).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "only the owner reads a backup");
    }
    // The same file again: refused, nothing written.
    let again = server.kentongan(&["backup", "--out", backup.to_str().unwrap()]);
    assert!(!again.status.success());

    // The old machine, stopped: restore refuses its database, which stays as it was.
    server.stop();
    let dir = server.dir.path();
    let old = dir.join("data/kentongan.sqlite3");
    let before = std::fs::read(&old).unwrap();
    let refused = kentongan(dir, None, &["restore", backup.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("not empty"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(std::fs::read(&old).unwrap(), before, "left untouched");
    let forced = kentongan(dir, None, &["restore", "--force", backup.to_str().unwrap()]);
    succeeded(&forced, "restore --force");
    succeeded(&kentongan(dir, None, &["audit", "verify"]), "audit verify");

    // A fresh machine: an empty directory.
    let fresh = tempfile::tempdir().unwrap();
    let restored = kentongan(fresh.path(), None, &["restore", backup.to_str().unwrap()]);
    println!("{}", succeeded(&restored, "restore"));
    logs_in(Server::start(fresh, None), &filed, started).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn backup_under_load_and_restore_on_postgres() {
    let pg = Postgres::new();
    let (server, _key) = server_with_investigator(Some(&pg.url), "Rina");
    let server = Arc::new(server);
    let scratch = tempfile::tempdir().unwrap();
    let backup = scratch.path().join("kentongan.backup");
    let (filed, started) = backup_under_load(&server, &backup).await;
    let mut server = Arc::into_inner(server).unwrap();
    // The archive is compressed: what it holds is read back as SQL text, too.
    holds_no_plaintext(&std::fs::read(&backup).unwrap(), &filed);
    let mut listing = std::process::Command::new("pg_restore");
    listing.args(["--file", "-"]).arg(&backup);
    let sql = run(listing);
    assert!(sql.status.success(), "{}", stderr(&sql));
    assert!(contains(&sql.stdout, "COPY public.case_items"));
    holds_no_plaintext(&sql.stdout, &filed);

    server.stop();
    let dir = server.dir.path();
    let before = data(&pg);
    let refused = kentongan(dir, Some(&pg.url), &["restore", backup.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("not empty"),
        "{}",
        stderr(&refused)
    );
    assert!(data(&pg) == before, "left untouched");
    let forced = kentongan(
        dir,
        Some(&pg.url),
        &["restore", "--force", backup.to_str().unwrap()],
    );
    succeeded(&forced, "restore --force");
    succeeded(
        &kentongan(dir, Some(&pg.url), &["audit", "verify"]),
        "audit verify",
    );

    // A fresh machine: an empty directory and an empty database.
    let fresh_pg = Postgres::new();
    let fresh = tempfile::tempdir().unwrap();
    let restored = kentongan(
        fresh.path(),
        Some(&fresh_pg.url),
        &["restore", backup.to_str().unwrap()],
    );
    println!("{}", succeeded(&restored, "restore"));
    logs_in(Server::start(fresh, Some(&fresh_pg.url)), &filed, started).await;
}

/// The database's rows, without the random `\restrict` key pg_dump writes in each dump.
fn data(pg: &Postgres) -> String {
    pg.dump()
        .lines()
        .filter(|line| !line.starts_with("\\restrict") && !line.starts_with("\\unrestrict"))
        .collect::<Vec<_>>()
        .join("\n")
}
