//! `kentongan-bench attacks`: the attacks of the "hold under attack" issue, rerun against the
//! release server over loopback, with what they achieve today. Each prints what a hostile
//! client did (how many requests, how fast) and what a real reporter still gets.
//!
//! - half-sent requests: connections that never finish their head, and when they are closed;
//! - many idle connections: more than the cap, and how long a real page load then waits;
//! - a flood of wrong follow-up logins for made-up receipt codes (the limiter's table), then
//!   the real reporter on both paths;
//! - a flood of workspace login challenges for an investigator's (public) key from a
//!   stranger, while the investigator logs in;
//! - stalled no-JS photo posts (the cleaning slots), then a real no-JS photo report.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Request, StatusCode};
use kentongan_crypto::keys::Identity;
use kentongan_crypto::reporter::ReceiptCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{connect, csrf, file_one, send, start_server};

pub async fn run() -> anyhow::Result<()> {
    let identities: Vec<Identity> = (0..3).map(|_| Identity::generate()).collect();
    let team: Vec<_> = identities.iter().map(Identity::to_public).collect();
    let team_strings: Vec<String> = team.iter().map(ToString::to_string).collect();
    let server = start_server(None, &team_strings, &[])?;
    let addr = server.addr.clone();
    println!("## Kentongan under attack (release build, SQLite, default configuration)\n");

    half_sent(&addr).await?;
    idle_flood(&addr).await?;
    login_flood(&addr, &team).await?;
    challenge_flood(&addr, &identities[0]).await?;
    stalled_photos(&addr).await?;
    println!(
        "\n- server peak RSS (VmHWM) over all of it: {:.1} MiB",
        server.peak_rss_mib()
    );
    Ok(())
}

/// Opens `n` connections that send part of a request head and then nothing.
async fn half_sent_connections(addr: &str, n: usize) -> anyhow::Result<Vec<TcpStream>> {
    let mut held = Vec::with_capacity(n);
    for _ in 0..n {
        let mut stream = TcpStream::connect(addr).await?;
        stream
            .write_all(b"POST /report HTTP/1.1\r\nHost: kentongan\r\nContent-Type: text/plain\r\n")
            .await?;
        held.push(stream);
    }
    Ok(held)
}

/// How many of `held` the server has not closed: a read that would block means open.
async fn still_open(held: &mut [TcpStream]) -> usize {
    let mut open = 0;
    for stream in held.iter_mut() {
        let mut byte = [0u8; 1];
        match tokio::time::timeout(Duration::from_millis(5), stream.read(&mut byte)).await {
            Err(_) => open += 1,         // nothing to read yet: still open
            Ok(Ok(0)) | Ok(Err(_)) => {} // closed by the server
            Ok(Ok(_)) => {}              // an answer (an error page): the server is done with it
        }
    }
    open
}

async fn half_sent(addr: &str) -> anyhow::Result<()> {
    println!("### 200 half-sent requests\n");
    let started = Instant::now();
    let mut held = half_sent_connections(addr, 200).await?;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let at_5 = still_open(&mut held).await;
    // Meanwhile a real visitor loads the form.
    let t = Instant::now();
    let page = page_load(addr).await;
    let page_ms = t.elapsed().as_secs_f64() * 1000.0;
    tokio::time::sleep(Duration::from_secs(20).saturating_sub(started.elapsed())).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let at_22 = still_open(&mut held).await;
    println!(
        "- still open after 5 s: {at_5} of 200; after 22 s: {at_22} of 200 (header timeout 20 s)"
    );
    println!("- meanwhile a real page load: {page} in {page_ms:.0} ms\n");
    Ok(())
}

async fn page_load(addr: &str) -> String {
    let outcome = async {
        let mut sender = connect(addr).await?;
        let req = Request::get("/report")
            .header("host", addr)
            .body(Full::default())?;
        anyhow::Ok(send(&mut sender, req).await?.0)
    }
    .await;
    match outcome {
        Ok(status) => status.to_string(),
        Err(e) => format!("failed ({e})"),
    }
}

async fn idle_flood(addr: &str) -> anyhow::Result<()> {
    println!("### 600 connections that send nothing (the cap is 512)\n");
    let mut held = Vec::new();
    for _ in 0..600 {
        held.push(TcpStream::connect(addr).await?);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let t = Instant::now();
    let page = tokio::time::timeout(Duration::from_secs(60), page_load(addr))
        .await
        .unwrap_or_else(|_| "no answer within 60 s".to_owned());
    println!(
        "- a real page load meanwhile: {page} after {:.1} s (it waits for a free connection: the idle ones are closed after the 20 s header timeout)\n",
        t.elapsed().as_secs_f64()
    );
    drop(held);
    Ok(())
}

async fn login_flood(addr: &str, team: &[kentongan_crypto::Recipient]) -> anyhow::Result<()> {
    const CODES: usize = 100_000;
    // The free tries and one more: every code ends in its waiting period, as in the attack
    // that filled the old table (login_free_attempts is 5).
    const TRIES: usize = 6;
    const CLIENTS: usize = 8;
    println!(
        "### {} wrong follow-up logins: {TRIES} each for {CODES} made-up receipt codes\n",
        CODES * TRIES
    );
    let token = csrf(addr).await?;
    let (receipt, passphrase, auth) = file_one(addr, &token, team).await?;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let (addr, token) = (addr.to_owned(), token.clone());
        tasks.push(tokio::spawn(async move {
            let mut counts = [0u64; 4]; // wrong (401), waiting (429), other, connection errors
            let mut sender = connect(&addr).await?;
            for _ in (client..CODES).step_by(CLIENTS) {
                let code = ReceiptCode::generate();
                for _ in 0..TRIES {
                    let body = serde_json::json!({
                        "receipt": code.digits(),
                        "token": rand::random::<[u8; 32]>()
                            .iter()
                            .map(|b| format!("{b:02x}"))
                            .collect::<String>(),
                    })
                    .to_string();
                    let req = Request::post("/api/followup/case")
                        .header("host", &addr)
                        .header("content-type", "application/json")
                        .header("cookie", format!("kentongan_csrf={token}"))
                        .header("x-csrf-token", &token)
                        .body(Full::new(Bytes::from(body)))?;
                    match send(&mut sender, req).await {
                        Ok((StatusCode::UNAUTHORIZED, _)) => counts[0] += 1,
                        Ok((StatusCode::TOO_MANY_REQUESTS, _)) => counts[1] += 1,
                        Ok(_) => counts[2] += 1,
                        Err(_) => {
                            counts[3] += 1;
                            sender = connect(&addr).await?;
                        }
                    }
                }
            }
            anyhow::Ok(counts)
        }));
    }
    let mut counts = [0u64; 4];
    for task in tasks {
        for (total, n) in counts.iter_mut().zip(task.await??) {
            *total += n;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "- {CLIENTS} clients: {:.0} requests/s over {seconds:.0} s; answers: {} wrong (401), {} wait (429), {} other, {} connection errors",
        (CODES * TRIES) as f64 / seconds,
        counts[0],
        counts[1],
        counts[2],
        counts[3]
    );
    // Right after: the real reporter, with JavaScript and without.
    let mut sender = connect(addr).await?;
    let body = serde_json::json!({ "receipt": receipt, "token": auth }).to_string();
    let req = Request::post("/api/followup/case")
        .header("host", addr)
        .header("content-type", "application/json")
        .header("cookie", format!("kentongan_csrf={token}"))
        .header("x-csrf-token", &token)
        .body(Full::new(Bytes::from(body)))?;
    let js = send(&mut sender, req).await?.0;
    let body = format!(
        "csrf={token}&lang=id&receipt={receipt}&passphrase={}",
        passphrase.replace(' ', "+")
    );
    let req = Request::post("/followup")
        .header("host", addr)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("kentongan_csrf={token}"))
        .body(Full::new(Bytes::from(body)))?;
    let no_js = send(&mut sender, req).await?.0;
    println!(
        "- then the real reporter: with JavaScript {js}, without {no_js} (303 = to the case page)\n"
    );
    if js != StatusCode::OK || no_js != StatusCode::SEE_OTHER {
        bail!("the real reporter was kept out");
    }
    Ok(())
}

/// One JSON post to the workspace's API with a browser's CSRF cookie and header.
async fn team_post(
    sender: &mut super::Sender,
    addr: &str,
    token: &str,
    path: &str,
    body: serde_json::Value,
) -> anyhow::Result<(StatusCode, serde_json::Value)> {
    let req = Request::post(path)
        .header("host", addr)
        .header("content-type", "application/json")
        .header("cookie", format!("kentongan_csrf={token}"))
        .header("x-csrf-token", token)
        .body(Full::new(Bytes::from(body.to_string())))?;
    let (status, body) = send(sender, req).await?;
    Ok((status, serde_json::from_slice(&body).unwrap_or_default()))
}

async fn challenge_flood(addr: &str, investigator: &Identity) -> anyhow::Result<()> {
    const CLIENTS: usize = 6;
    const LOGINS: usize = 50;
    println!(
        "### A stranger asks for login challenges for an investigator's key ({CLIENTS} clients, flat out) while the investigator logs in {LOGINS} times\n"
    );
    let recipient = investigator.to_public().to_string();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut flood = Vec::new();
    for _ in 0..CLIENTS {
        let (addr, recipient, stop) = (addr.to_owned(), recipient.clone(), stop.clone());
        flood.push(tokio::spawn(async move {
            // The stranger's own browser: its own CSRF cookie.
            let token = csrf(&addr).await?;
            let mut sender = connect(&addr).await?;
            let mut sent = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let body = serde_json::json!({ "recipient": recipient });
                team_post(&mut sender, &addr, &token, "/team/api/challenge", body).await?;
                sent += 1;
            }
            anyhow::Ok(sent)
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let started = Instant::now();
    let token = csrf(addr).await?;
    let mut sender = connect(addr).await?;
    let mut logged_in = 0;
    for _ in 0..LOGINS {
        let body = serde_json::json!({ "recipient": recipient });
        let (_, issued) = team_post(&mut sender, addr, &token, "/team/api/challenge", body).await?;
        let sealed: kentongan_crypto::Ciphertext =
            serde_json::from_value(issued["challenge"].clone())?;
        let answer = kentongan_crypto::challenge::answer(investigator, &sealed)?;
        let body = serde_json::json!({ "id": issued["id"], "answer": answer.to_hex() });
        let (status, _) = team_post(&mut sender, addr, &token, "/team/api/login", body).await?;
        if status == StatusCode::OK {
            logged_in += 1;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut sent = 0;
    for task in flood {
        sent += task.await??;
    }
    println!(
        "- the stranger: {sent} challenges, about {:.0} per second; the investigator: {logged_in} of {LOGINS} logins succeeded\n",
        sent as f64 / (seconds + 1.0)
    );
    Ok(())
}

fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut s = vec![0xFF, marker];
    s.extend(u16::try_from(payload.len() + 2).unwrap_or(0).to_be_bytes());
    s.extend(payload);
    s
}

/// A tiny JPEG with a comment to remove.
fn photo() -> Vec<u8> {
    let mut file = vec![0xFF, 0xD8];
    file.extend(segment(0xE0, b"JFIF\0\x01\x02\0\0\x01\0\x01\0\0"));
    file.extend(segment(0xFE, b"taken at -7.9, 110.3"));
    file.extend(segment(0xDB, &[0; 65]));
    file.extend(segment(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]));
    file.extend(segment(
        0xC4,
        &[0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    ));
    file.extend(segment(0xDA, &[1, 1, 0, 0, 63, 0]));
    file.extend([0x12, 0x34, 0xFF, 0xD9]);
    file
}

const BOUNDARY: &str = "----kentongan-bench";

/// The no-JS report form with one photo, as a browser sends it; without its last line when
/// `whole` is false (the photo goes on, as far as the server knows).
fn photo_post(addr: &str, token: &str, whole: bool) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in [
        ("csrf", token),
        ("lang", "id"),
        ("category", "kkn"),
        ("what", "Pungutan liar di loket pelayanan."),
    ] {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"foto.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend(photo());
    if whole {
        body.extend(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    }
    let mut request = format!(
        "POST /report HTTP/1.1\r\nHost: {addr}\r\nCookie: kentongan_csrf={token}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
    )
    .into_bytes();
    if whole {
        request.extend(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    } else {
        // Announces a larger photo than it sends.
        request.extend(format!("Content-Length: {}\r\n\r\n", body.len() + 1_000_000).as_bytes());
    }
    request.extend(body);
    request
}

async fn stalled_photos(addr: &str) -> anyhow::Result<()> {
    const STALLED: usize = 10;
    println!("### {STALLED} no-JS photo reports that stall after the photo's first bytes\n");
    let token = csrf(addr).await?;
    let mut held = Vec::new();
    for _ in 0..STALLED {
        let mut stream = TcpStream::connect(addr).await?;
        stream.write_all(&photo_post(addr, &token, false)).await?;
        held.push(stream);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let t = Instant::now();
    let mut stream = TcpStream::connect(addr).await?;
    stream.write_all(&photo_post(addr, &token, true)).await?;
    let mut answer = vec![0u8; 12];
    let status = tokio::time::timeout(Duration::from_secs(120), stream.read_exact(&mut answer))
        .await
        .context("no answer within 120 s")?
        .map(|_| String::from_utf8_lossy(&answer).into_owned())?;
    println!(
        "- a real no-JS photo report meanwhile: \"{}\" after {:.0} ms\n",
        status.trim(),
        t.elapsed().as_secs_f64() * 1000.0
    );
    drop(held);
    Ok(())
}
