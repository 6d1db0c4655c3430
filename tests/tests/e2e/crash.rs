//! Crash safety with the real binary: `kill -9` while eight clients file reports loses no
//! report a reporter got a confirmation page for (SQLite and PostgreSQL), and the audit log
//! still verifies; SIGTERM lets the requests in progress finish, then the server exits
//! cleanly.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::*;

/// Reporters filing at once.
const CLIENTS: usize = 8;
/// Reports acknowledged before each kill, at least.
const BEFORE_KILL: usize = 8;
/// Kills, each after a restart on what the last one left.
const ROUNDS: usize = 3;

/// A report acknowledged to a reporter: a confirmation page with its receipt arrived.
struct Filed {
    receipt: String,
    passphrase: String,
    what: String,
    /// Read by the client after the kill (the answer was already on its way).
    after_kill: bool,
}

/// After a restart, every acknowledged receipt logs in without JavaScript and shows its
/// report.
async fn all_log_in(server: &Server, filed: &[Filed]) {
    for report in filed {
        let page = login(&server.url, &report.receipt, &report.passphrase).await;
        assert!(
            page.contains(&report.what),
            "{} logs in but does not show its report",
            report.receipt
        );
    }
}

/// Eight clients file reports until at least [`BEFORE_KILL`] are acknowledged, then the
/// server is killed with SIGKILL; returns every report acknowledged to a client.
async fn file_then_kill(server: &mut Server, round: usize) -> Vec<Filed> {
    let filed = Arc::new(Mutex::new(Vec::<Filed>::new()));
    let killed = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (url, filed, killed) = (server.url.clone(), filed.clone(), killed.clone());
            tokio::spawn(async move {
                for n in 1.. {
                    let what = format!(
                        "Laporan putaran {round} klien {client} nomor {n}: kode KRS-{round}{client}{n:04}"
                    );
                    match try_file(&url, &what).await {
                        Ok((receipt, passphrase)) => filed.lock().unwrap().push(Filed {
                            receipt,
                            passphrase,
                            what,
                            after_kill: killed.load(Ordering::SeqCst),
                        }),
                        // Set before the kill: an error seen without it is the server's.
                        Err(error) if !killed.load(Ordering::SeqCst) => {
                            return Err(format!("client {client}, before the kill: {error}"));
                        }
                        Err(_) => return Ok(()),
                    }
                }
                Ok(())
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(40);
    while filed.lock().unwrap().len() < BEFORE_KILL {
        assert!(
            Instant::now() < deadline,
            "reports are too slow: {}",
            server.log()
        );
        assert!(
            !clients.iter().any(|c| c.is_finished()),
            "a client stopped before the kill"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Most of a report's time is its Argon2id derivation, and the clients tend to move in
    // step: kill a little later, at a varying point, so that rounds and runs land on the
    // derivations, the commits and the answers on their way.
    let jitter = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
        % 700;
    tokio::time::sleep(Duration::from_millis(jitter.into())).await;
    killed.store(true, Ordering::SeqCst);
    server.kill();
    for client in clients {
        tokio::time::timeout(Duration::from_secs(30), client)
            .await
            .expect("a client hangs after the kill")
            .unwrap()
            .unwrap();
    }
    let filed = std::mem::take(&mut *filed.lock().unwrap());
    let late = filed.iter().filter(|f| f.after_kill).count();
    println!(
        "round {round}: killed {jitter} ms after {BEFORE_KILL} acknowledgements; {} report(s) \
         acknowledged before the kill, {late} more read after it",
        filed.len() - late
    );
    assert!(filed.len() >= BEFORE_KILL);
    filed
}

/// Rounds of filing and killing, each on the database the last one left; then every report
/// ever acknowledged logs in.
async fn kill_9_under_load_loses_no_acknowledged_report(database_url: Option<&str>) {
    let (mut server, _key) = server_with_investigator(database_url, "Rina");
    let mut filed = Vec::new();
    for round in 1..=ROUNDS {
        if round > 1 {
            server.restart();
        }
        filed.extend(file_then_kill(&mut server, round).await);
        succeeded(
            &server.kentongan(&["audit", "verify"]),
            "audit verify after the kill",
        );
    }
    server.restart();
    all_log_in(&server, &filed).await;
    let listed = succeeded(&server.kentongan(&["case", "list", "--json"]), "case list");
    let stored = serde_json::from_str::<Vec<serde_json::Value>>(&listed)
        .unwrap()
        .len();
    println!(
        "all {} acknowledged report(s) logged in after the restart; {stored} case(s) stored \
         (any more were committed, but the kill came before their answer reached the client)",
        filed.len()
    );
    assert!(stored >= filed.len());
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_under_load_loses_no_acknowledged_report_on_sqlite() {
    kill_9_under_load_loses_no_acknowledged_report(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_under_load_loses_no_acknowledged_report_on_postgres() {
    let pg = Postgres::new();
    kill_9_under_load_loses_no_acknowledged_report(Some(&pg.url)).await;
}

/// Form encoding (`application/x-www-form-urlencoded`).
fn encode(fields: &[(&str, &str)]) -> String {
    let escape = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                    (b as char).to_string()
                }
                b' ' => "+".to_owned(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", escape(k), escape(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The body of a whole HTTP/1.1 answer read to its end, if it is whole: its status and body.
fn whole_answer(raw: &[u8]) -> Result<(u16, String), String> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("no whole head in {} byte(s)", raw.len()))?;
    let status: u16 = head
        .strip_prefix("HTTP/1.1 ")
        .and_then(|s| s.get(..3))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status line: {head}"))?;
    let header = |name: &str| {
        head.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    };
    if let Some(length) = header("content-length") {
        let length: usize = length.parse().map_err(|_| "bad content-length")?;
        if body.len() != length {
            return Err(format!("body of {} byte(s), said {length}", body.len()));
        }
        Ok((status, body.to_owned()))
    } else if header("transfer-encoding").is_some_and(|t| t.contains("chunked")) {
        let mut rest = body;
        let mut whole = String::new();
        loop {
            let (size, after) = rest.split_once("\r\n").ok_or("a chunk cut off")?;
            let size = usize::from_str_radix(size.trim(), 16).map_err(|_| "bad chunk size")?;
            if size == 0 {
                return Ok((status, whole));
            }
            whole.push_str(after.get(..size).ok_or("a chunk cut off")?);
            rest = after.get(size + 2..).ok_or("a chunk cut off")?;
        }
    } else {
        Err(format!("neither length nor chunks: {head}"))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_finishes_in_flight_requests() {
    use reqwest::cookie::CookieStore;

    let (mut server, _key) = server_with_investigator(None, "Rina");
    let url = server.url.clone();
    let address = url.strip_prefix("http://").unwrap().to_owned();
    // Each reporter fetches the form, then posts the report on a connection of its own (so
    // that "sent" means its bytes were written), and reads the answer to its end.
    let (sent_tx, mut sent_rx) = tokio::sync::mpsc::channel::<()>(CLIENTS);
    let posts: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (url, address, sent) = (url.clone(), address.clone(), sent_tx.clone());
            tokio::spawn(async move {
                let jar = Arc::new(reqwest::cookie::Jar::default());
                let http = reqwest::Client::builder()
                    .cookie_provider(jar.clone())
                    .build()
                    .unwrap();
                let form = http.get(format!("{url}/report")).send().await.unwrap();
                assert_eq!(form.status(), 200);
                let csrf = input_value(&form.text().await.unwrap(), "csrf").expect("csrf field");
                drop(http);
                let cookie = jar
                    .cookies(&url.parse().unwrap())
                    .expect("the form's cookie");
                let what = format!("Laporan sebelum berhenti {client}: kode TRM-{client:04}");
                let body = encode(&report_form(&csrf, &what));
                let request = format!(
                    "POST /report HTTP/1.1\r\nHost: {address}\r\nCookie: {}\r\n\
                     Content-Type: application/x-www-form-urlencoded\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    cookie.to_str().unwrap(),
                    body.len()
                );
                let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
                stream.write_all(request.as_bytes()).await.unwrap();
                sent.send(()).await.unwrap();
                let mut raw = Vec::new();
                let read = stream.read_to_end(&mut raw).await;
                (what, read.map(|_| raw))
            })
        })
        .collect();
    drop(sent_tx);
    for _ in 0..CLIENTS {
        sent_rx.recv().await.expect("every report is sent");
    }
    // Long enough for the server to take the connections from the kernel's queue (a
    // connection it never accepted is refused when the listener closes); much shorter than
    // eight Argon2id derivations.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let unanswered = posts.iter().filter(|p| !p.is_finished()).count();
    server.terminate();

    let mut filed = Vec::new();
    for post in posts {
        let (what, read) = tokio::time::timeout(Duration::from_secs(30), post)
            .await
            .expect("an answer within the grace period (shutdown_grace_seconds, 20 s)")
            .unwrap();
        let raw = read.expect("the connection is not cut off");
        let (status, page) = whole_answer(&raw).expect("a whole answer");
        assert_eq!(status, 200, "a report in progress is taken: {page}");
        filed.push(Filed {
            receipt: element_text(&page, "receipt-code").expect("receipt code on the page"),
            passphrase: element_text(&page, "passphrase").expect("passphrase on the page"),
            what,
            after_kill: false,
        });
    }
    let status = tokio::task::block_in_place(|| server.wait_exit(Duration::from_secs(30)))
        .expect("the server exits within its grace period (shutdown_grace_seconds, 20 s)");
    assert!(status.success(), "exit status {status}: {}", server.log());
    let log = server.log();
    let waited = log
        .lines()
        .find(|line| line.contains("stopping: waiting for"))
        .unwrap_or("(no connection open at the stop)");
    println!(
        "{unanswered} of {CLIENTS} report(s) unanswered at SIGTERM; the server: {waited}; \
         all {} answered 200",
        filed.len()
    );
    assert!(unanswered > 0, "every report was answered before SIGTERM");
    assert!(
        !log.contains("were cut off"),
        "requests cut off at the stop: {log}"
    );

    server.restart();
    all_log_in(&server, &filed).await;
    println!("all {} logged in after the restart", filed.len());
    server.stop();
}
