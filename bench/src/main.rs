//! `kentongan-bench`: the measurements in BENCHMARKS.md, rerunnable with `scripts/bench`.
//!
//! It starts the real release `kentongan` binary on a fresh SQLite (or PostgreSQL) database,
//! registers investigators, and drives it over loopback with keep-alive HTTP/1.1 connections
//! from this process, so the load generator shares the machine's cores with the server, as
//! the targets require. It prints a Markdown report.
//!
//! `kentongan-bench case-list` instead measures the case list on a seeded database
//! (`case_list.rs`); `kentongan-bench attachments` a large upload on each path, and the
//! browser's encryption of files (`attachments.rs`); `kentongan-bench attacks` the attacks
//! of the "hold under attack" issue and what a real reporter still gets (`attacks.rs`);
//! `kentongan-bench key-files` the unlocking of investigators' key files (`key_files.rs`).
#![allow(clippy::print_stdout, clippy::indexing_slicing)]

mod attachments;
mod attacks;
mod case_list;
mod key_files;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use kentongan_crypto::keys::Identity;
use kentongan_crypto::report::{Category, EncryptedIn, Report};
use kentongan_crypto::reporter::{KdfParams, Passphrase, ReceiptCode, ReporterKey};
use kentongan_crypto::submission::seal_report;

#[derive(Parser)]
struct Args {
    /// Seconds per load run.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Database URL for the server (default: a fresh SQLite file).
    #[arg(long)]
    database_url: Option<String>,
    /// Investigators the cases are sealed to.
    #[arg(long, default_value_t = 3)]
    investigators: usize,
    /// Skip the no-JS path runs.
    #[arg(long)]
    skip_no_js: bool,
    /// Skip the JS path runs and page weights.
    #[arg(long)]
    skip_js: bool,
    /// Skip timing Argon2id in headless Chromium (needs chromium and chromedriver).
    #[arg(long)]
    skip_chromium: bool,
    /// Skip the follow-up login runs.
    #[arg(long)]
    skip_followup: bool,
}

struct Server {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Server {
    fn peak_rss_mib(&self) -> f64 {
        self.status_mib("VmHWM:")
    }

    fn rss_mib(&self) -> f64 {
        self.status_mib("VmRSS:")
    }

    fn status_mib(&self, field: &str) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn release_bin(name: &str) -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let path = exe.parent().context("exe dir")?.join(name);
    if !path.exists() {
        bail!("{} missing: run scripts/bench", path.display());
    }
    Ok(path)
}

/// Starts the release server on a fresh database with `team` registered, and `env` set for it.
fn start_server(
    database_url: Option<&str>,
    team: &[String],
    env: &[(&str, String)],
) -> anyhow::Result<Server> {
    let dir = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let addr = format!("127.0.0.1:{port}");
    let kentongan = release_bin("kentongan")?;
    let with_db = |cmd: &mut Command| {
        cmd.current_dir(dir.path()).env("KENTONGAN_LOG", "warn");
        if let Some(url) = database_url {
            cmd.env("KENTONGAN_DATABASE_URL", url);
        }
    };
    for (i, recipient) in team.iter().enumerate() {
        let mut cmd = Command::new(&kentongan);
        with_db(&mut cmd);
        let name = format!("Penyidik {i}");
        let out = cmd
            .args([
                "investigator",
                "add",
                "--name",
                &name,
                "--recipient",
                recipient,
            ])
            .output()?;
        if !out.status.success() {
            bail!("investigator add: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
    let mut cmd = Command::new(&kentongan);
    with_db(&mut cmd);
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    let child = cmd
        .args(["serve", "--listen", &addr])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(&addr).is_err() {
        if Instant::now() > deadline {
            bail!("server did not start");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(Server {
        child,
        addr,
        _dir: dir,
    })
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn connect(addr: &str) -> anyhow::Result<Sender> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    Ok(sender)
}

async fn send(
    sender: &mut Sender,
    req: Request<Full<Bytes>>,
) -> anyhow::Result<(StatusCode, Bytes)> {
    sender.ready().await?;
    let resp = sender.send_request(req).await?;
    let status = resp.status();
    let body = resp.into_body().collect().await?.to_bytes();
    Ok((status, body))
}

/// GET /report for a CSRF cookie and token.
async fn csrf(addr: &str) -> anyhow::Result<String> {
    let mut sender = connect(addr).await?;
    let req = Request::get("/report")
        .header("host", addr)
        .body(Full::default())?;
    sender.ready().await?;
    let resp = sender.send_request(req).await?;
    let cookie = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .and_then(|v| v.split_once('='))
        .map(|(_, t)| t.to_owned())
        .context("no csrf cookie")?;
    Ok(cookie)
}

struct Outcome {
    ok: u64,
    refused: u64,
    errors: u64,
    seconds: f64,
    latencies_ms: Vec<f64>,
}

impl Outcome {
    fn rate(&self) -> f64 {
        self.ok as f64 / self.seconds
    }
    fn percentile(&mut self, p: f64) -> f64 {
        if self.latencies_ms.is_empty() {
            return f64::NAN;
        }
        self.latencies_ms.sort_by(f64::total_cmp);
        let i = ((self.latencies_ms.len() - 1) as f64 * p).round() as usize;
        self.latencies_ms[i]
    }
}

/// Runs `clients` connections, each sending requests made by `make` back to back, for
/// `seconds`. 2xx counts as ok, 503 as a clear refusal, anything else as an error.
async fn load<F>(addr: &str, clients: usize, seconds: u64, make: F) -> anyhow::Result<Outcome>
where
    F: Fn() -> Request<Full<Bytes>> + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let ok = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let end = start + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (make, ok, refused, errors) =
            (make.clone(), ok.clone(), refused.clone(), errors.clone());
        let addr = addr.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut sender = match connect(&addr).await {
                Ok(s) => s,
                Err(_) => {
                    errors.fetch_add(1, Ordering::Relaxed);
                    return latencies;
                }
            };
            while Instant::now() < end {
                let t = Instant::now();
                match send(&mut sender, make()).await {
                    // A no-JS login answers with a redirect to the case.
                    Ok((s, _)) if s.is_success() || s == StatusCode::SEE_OTHER => {
                        ok.fetch_add(1, Ordering::Relaxed);
                        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                    }
                    Ok((StatusCode::SERVICE_UNAVAILABLE, _)) => {
                        refused.fetch_add(1, Ordering::Relaxed);
                        // A refused reporter is asked to try again later; this one is
                        // impatient and tries again after a second.
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    Ok((s, body)) => {
                        if errors.fetch_add(1, Ordering::Relaxed) < 3 {
                            eprintln!("error {s}: {}", String::from_utf8_lossy(&body));
                        }
                    }
                    Err(e) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        eprintln!("connection error: {e}");
                        match connect(&addr).await {
                            Ok(s) => sender = s,
                            Err(_) => break,
                        }
                    }
                }
            }
            latencies
        }));
    }
    let mut latencies_ms = Vec::new();
    for t in tasks {
        latencies_ms.extend(t.await?);
    }
    Ok(Outcome {
        ok: ok.load(Ordering::Relaxed),
        refused: refused.load(Ordering::Relaxed),
        errors: errors.load(Ordering::Relaxed),
        seconds: start.elapsed().as_secs_f64(),
        latencies_ms,
    })
}

fn sample_report() -> Report {
    Report {
        category: Category::Kkn,
        what: "Pengadaan alat tulis kantor dengan harga di atas pasar. ".repeat(20),
        who: "Bendahara pengeluaran".into(),
        place: "Kantor Kapanewon".into(),
        when: "Maret sampai Mei".into(),
        how: "Kuitansi dinaikkan dari harga sebenarnya. ".repeat(10),
        why: "Merugikan keuangan daerah".into(),
        identification: None,
        language: "id".into(),
        encrypted_in: EncryptedIn::Browser,
    }
}

fn gzip_len(bytes: &[u8]) -> usize {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = enc.write_all(bytes);
    enc.finish().map_or(0, |v| v.len())
}

async fn get(addr: &str, path: &str) -> anyhow::Result<Bytes> {
    let mut sender = connect(addr).await?;
    let req = Request::get(path)
        .header("host", addr)
        .body(Full::default())?;
    let (status, body) = send(&mut sender, req).await?;
    if !status.is_success() {
        bail!("GET {path}: {status}");
    }
    Ok(body)
}

/// The asset URLs a page references (`/static/...?v=...`).
fn asset_urls(html: &str) -> Vec<String> {
    html.split("\"/static/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|p| format!("/static/{}", p.replace("&amp;", "&")))
        .collect()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match std::env::args().nth(1).as_deref() {
        Some("case-list") => return case_list::run(std::env::args().skip(1)).await,
        Some("attachments") => return attachments::run(std::env::args().skip(1)).await,
        Some("attacks") => return attacks::run().await,
        Some("key-files") => return key_files::run(std::env::args().skip(1)).await,
        _ => {}
    }
    let args = Args::parse();
    let identities: Vec<Identity> = (0..args.investigators)
        .map(|_| Identity::generate())
        .collect();
    let team: Vec<_> = identities.iter().map(Identity::to_public).collect();
    let team_strings: Vec<String> = team.iter().map(ToString::to_string).collect();
    let cores = std::thread::available_parallelism().map_or(2, usize::from);

    println!("## Kentongan benchmark\n");
    println!(
        "- machine: {cores} cores; database: {}; team of {} investigators; {} s per run\n",
        args.database_url
            .as_deref()
            .unwrap_or("SQLite (fresh file, WAL, synchronous=FULL)"),
        args.investigators,
        args.seconds
    );

    // Argon2id natively.
    let receipt = ReceiptCode::generate();
    let passphrase = Passphrase::generate();
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        ReporterKey::derive(&receipt, &passphrase, KdfParams::CURRENT)?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let argon_ms = times[2];
    println!("### Argon2id (m=64 MiB, t=3, p=1), native\n");
    println!(
        "- median of 5: {argon_ms:.0} ms (min {:.0}, max {:.0})\n",
        times[0], times[4]
    );

    if !args.skip_js {
        js_path(&args, &team, &team_strings).await?;
    }
    if !args.skip_no_js {
        no_js_path(&args, &team_strings, argon_ms, cores).await?;
    }
    if !args.skip_followup {
        followup(&args, &team, &team_strings).await?;
    }
    Ok(())
}

/// Files one report through the JSON endpoint; returns its receipt digits, passphrase and
/// auth token (hex).
async fn file_one(
    addr: &str,
    token: &str,
    team: &[kentongan_crypto::Recipient],
) -> anyhow::Result<(String, String, String)> {
    let submission = seal_report(&sample_report(), team, KdfParams::CURRENT)?;
    let mut sender = connect(addr).await?;
    let req = Request::post("/api/reports")
        .header("host", addr)
        .header("content-type", "application/json")
        .header("cookie", format!("kentongan_csrf={token}"))
        .header("x-csrf-token", token)
        .body(Full::new(Bytes::from(serde_json::to_string(
            &submission.sealed,
        )?)))?;
    let (status, body) = send(&mut sender, req).await?;
    if status != StatusCode::CREATED {
        bail!(
            "filing a report: {status} {}",
            String::from_utf8_lossy(&body)
        );
    }
    let key = ReporterKey::derive(
        &submission.sealed.receipt,
        &submission.passphrase,
        KdfParams::CURRENT,
    )?;
    let auth: String = key
        .auth_token()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((
        submission.sealed.receipt.digits().to_owned(),
        submission.passphrase.expose_secret().to_owned(),
        auth,
    ))
}

async fn followup(
    args: &Args,
    team: &[kentongan_crypto::Recipient],
    team_strings: &[String],
) -> anyhow::Result<()> {
    let server = start_server(args.database_url.as_deref(), team_strings, &[])?;
    let token = csrf(&server.addr).await?;
    // One case per client: logins for one receipt code are limited (a few at once count as
    // wrong until they succeed), as they should be; a real reporter logs in one at a time.
    let mut cases = Vec::new();
    for _ in 0..64 {
        cases.push(file_one(&server.addr, &token, team).await?);
    }
    let cases = Arc::new(cases);
    println!("### Follow-up logins (the right receipt code and passphrase)\n");
    println!(
        "- {} cases, requests spread over them round-robin\n",
        cases.len()
    );
    println!("| path | clients | logins/s | ok | 503 | errors | p50 ms | p99 ms |");
    println!("|---|---|---|---|---|---|---|---|");
    for clients in [8usize, 64] {
        let (addr, token, cases) = (server.addr.clone(), token.clone(), cases.clone());
        let next = AtomicU64::new(0);
        let mut outcome = load(&server.addr, clients, args.seconds, move || {
            let i = next.fetch_add(1, Ordering::Relaxed) as usize % cases.len();
            let (receipt, _, auth) = &cases[i];
            let body = serde_json::json!({ "receipt": receipt, "token": auth }).to_string();
            Request::post("/api/followup/case")
                .header("host", &addr)
                .header("content-type", "application/json")
                .header("cookie", format!("kentongan_csrf={token}"))
                .header("x-csrf-token", &token)
                .body(Full::new(Bytes::from(body)))
                .unwrap_or_default()
        })
        .await?;
        let (p50, p99) = (outcome.percentile(0.5), outcome.percentile(0.99));
        println!(
            "| JS (token; case as ciphertext) | {clients} | {:.0} | {} | {} | {} | {p50:.1} | {p99:.1} |",
            outcome.rate(),
            outcome.ok,
            outcome.refused,
            outcome.errors,
        );
    }
    for clients in [2usize, 8] {
        let (addr, token, cases) = (server.addr.clone(), token.clone(), cases.clone());
        let next = AtomicU64::new(0);
        let mut outcome = load(&server.addr, clients, args.seconds, move || {
            let i = next.fetch_add(1, Ordering::Relaxed) as usize % cases.len();
            let (receipt, passphrase, _) = &cases[i];
            let body = format!(
                "csrf={token}&lang=id&receipt={receipt}&passphrase={}",
                passphrase.replace(' ', "+")
            );
            Request::post("/followup")
                .header("host", &addr)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", format!("kentongan_csrf={token}"))
                .body(Full::new(Bytes::from(body)))
                .unwrap_or_default()
        })
        .await?;
        let (p50, p99) = (outcome.percentile(0.5), outcome.percentile(0.99));
        println!(
            "| no-JS (Argon2id on the server) | {clients} | {:.1} | {} | {} | {} | {p50:.0} | {p99:.0} |",
            outcome.rate(),
            outcome.ok,
            outcome.refused,
            outcome.errors,
        );
    }
    println!(
        "\n- server peak RSS (VmHWM) over these runs: {:.1} MiB\n",
        server.peak_rss_mib()
    );
    drop(server);

    // A flood: 200 no-JS logins sent at once to a fresh server, each for a random receipt
    // code (the worst case: every one costs an Argon2id run).
    let server = start_server(args.database_url.as_deref(), team_strings, &[])?;
    let token = csrf(&server.addr).await?;
    let before = server.rss_mib();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let (addr, token) = (server.addr.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let mut sender = connect(&addr).await?;
            let body = format!(
                "csrf={token}&lang=id&receipt={}&passphrase=bukan+kata+sandi",
                ReceiptCode::generate().digits()
            );
            let req = Request::post("/followup")
                .header("host", &addr)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", format!("kentongan_csrf={token}"))
                .body(Full::new(Bytes::from(body)))?;
            anyhow::Ok(send(&mut sender, req).await?.0)
        }));
    }
    let (mut wrong, mut busy, mut other) = (0, 0, 0);
    for task in tasks {
        match task.await? {
            Ok(StatusCode::UNAUTHORIZED) => wrong += 1,
            Ok(StatusCode::SERVICE_UNAVAILABLE) => busy += 1,
            _ => other += 1,
        }
    }
    println!("### A flood of 200 concurrent no-JS logins (fresh server)\n");
    println!(
        "- answered in {:.1} s: {wrong} checked (401, wrong), {busy} refused at once (503, \"coba lagi\"), {other} other",
        started.elapsed().as_secs_f64()
    );
    let peak = server.peak_rss_mib();
    let right_after = server.rss_mib();
    // The Argon2id working memory is kept for reuse, and freed after 10 s without a derivation.
    tokio::time::sleep(Duration::from_secs(12)).await;
    println!(
        "- server RSS before {before:.1} MiB; peak (VmHWM) {peak:.1} MiB; right after {right_after:.1} MiB; 12 s later {:.1} MiB\n",
        server.rss_mib()
    );
    Ok(())
}

async fn js_path(
    args: &Args,
    team: &[kentongan_crypto::Recipient],
    team_strings: &[String],
) -> anyhow::Result<()> {
    // JS path: the server receives ciphertext.
    let server = start_server(args.database_url.as_deref(), team_strings, &[])?;
    let token = csrf(&server.addr).await?;
    let sealed = seal_report(&sample_report(), team, KdfParams::CURRENT)?.sealed;
    // Every request is the same sealed case under a fresh receipt code: the server's work
    // (parse, check every ciphertext's shape, store durably) is the same as for distinct
    // cases, and the generator does not spend its share of the CPU on Argon2id.
    let template = serde_json::to_string(&sealed)?;
    let digits = sealed.receipt.digits().to_owned();
    println!("### JS path: browser-sealed reports (POST /api/reports)\n");
    println!("- request body: {} bytes\n", template.len());
    println!("| clients | reports/s | ok | 503 | errors | p50 ms | p99 ms |");
    println!("|---|---|---|---|---|---|---|");
    for clients in [8usize, 64] {
        let (addr, token, template, digits) = (
            server.addr.clone(),
            token.clone(),
            template.clone(),
            digits.clone(),
        );
        let mut outcome = load(&server.addr, clients, args.seconds, move || {
            let body = template.replacen(&digits, ReceiptCode::generate().digits(), 1);
            Request::post("/api/reports")
                .header("host", &addr)
                .header("content-type", "application/json")
                .header("cookie", format!("kentongan_csrf={token}"))
                .header("x-csrf-token", &token)
                .body(Full::new(Bytes::from(body)))
                .unwrap_or_default()
        })
        .await?;
        let (p50, p99) = (outcome.percentile(0.5), outcome.percentile(0.99));
        println!(
            "| {clients} | {:.0} | {} | {} | {} | {p50:.1} | {p99:.1} |",
            outcome.rate(),
            outcome.ok,
            outcome.refused,
            outcome.errors,
        );
    }
    println!(
        "\n- server peak RSS (VmHWM) over the JS-path runs: {:.1} MiB\n",
        server.peak_rss_mib()
    );

    // Page weight: what each page loads before its crypto, and its crypto module.
    println!("### Page weight (gzip)\n");
    for (path, crypto_name) in [
        ("/report", "kentongan_crypto"),
        ("/followup", "kentongan_followup"),
    ] {
        let page = get(&server.addr, path).await?;
        let html = String::from_utf8_lossy(&page).into_owned();
        println!("| {path} resource | bytes | gzip |");
        println!("|---|---|---|");
        println!("| {path} HTML | {} | {} |", page.len(), gzip_len(&page));
        let (mut before_crypto, mut crypto) = (gzip_len(&page), 0);
        let mut urls = asset_urls(&html);
        for name in [
            "client.js".to_owned(),
            "worker.js".to_owned(),
            format!("crypto/{crypto_name}.js"),
            format!("crypto/{crypto_name}_bg.wasm"),
        ] {
            if !urls.iter().any(|u| u.contains(&name)) {
                urls.push(format!("/static/{name}"));
            }
        }
        for url in urls {
            let body = get(&server.addr, &url).await?;
            let gz = gzip_len(&body);
            let name = url.split('?').next().unwrap_or(&url);
            println!("| {name} | {} | {gz} |", body.len());
            if name.contains("/crypto/") {
                crypto += gz;
            } else {
                before_crypto += gz;
            }
        }
        println!(
            "\n- {path} before the crypto loads (HTML + CSS + JS): {before_crypto} bytes gzip"
        );
        println!("- its WebAssembly + glue: {crypto} bytes gzip\n");
    }
    if !args.skip_chromium {
        println!("### Argon2id (m=64 MiB, t=3, p=1), WebAssembly in headless Chromium\n");
        match chromium_argon2(&server.addr).await {
            Ok(ms) => println!(
                "- in the page's Web Worker, 6 derivations: first {:.0} ms, then {} ms\n",
                ms[0],
                ms[1..]
                    .iter()
                    .map(|m| format!("{m:.0}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Err(e) => println!("- could not run Chromium: {e}\n"),
        }
    }
    drop(server);
    Ok(())
}

async fn no_js_path(
    args: &Args,
    team_strings: &[String],
    argon_ms: f64,
    cores: usize,
) -> anyhow::Result<()> {
    // No-JS path: the server seals in memory.
    let server = start_server(args.database_url.as_deref(), team_strings, &[])?;
    let token = csrf(&server.addr).await?;
    let target = 0.8 * cores as f64 / (argon_ms / 1000.0);
    println!("### No-JS path: server-sealed reports (POST /report)\n");
    println!(
        "- target: 80% of cores ÷ one Argon2id = 0.8 × {cores} ÷ {:.3} s = {target:.1} reports/s\n",
        argon_ms / 1000.0
    );
    println!("| clients | reports/s | ok | 503 (busy, form kept) | errors | p50 ms | p99 ms |");
    println!("|---|---|---|---|---|---|---|");
    for clients in [2usize, 8, 128] {
        let (addr, token) = (server.addr.clone(), token.clone());
        let mut outcome = load(&server.addr, clients, args.seconds, move || {
            let body = format!(
                "csrf={token}&lang=id&category=kkn&what=Pengadaan+alat+tulis+di+atas+harga+pasar&who=Bendahara&where=Kantor&when=Maret&how=Kuitansi&why=Rugi"
            );
            Request::post("/report")
                .header("host", &addr)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", format!("kentongan_csrf={token}"))
                .body(Full::new(Bytes::from(body)))
                .unwrap_or_default()
        })
        .await?;
        let (p50, p99) = (outcome.percentile(0.5), outcome.percentile(0.99));
        println!(
            "| {clients} | {:.1} | {} | {} | {} | {p50:.0} | {p99:.0} |",
            outcome.rate(),
            outcome.ok,
            outcome.refused,
            outcome.errors,
        );
    }
    println!(
        "\n- server peak RSS (VmHWM) over the no-JS runs: {:.1} MiB\n",
        server.peak_rss_mib()
    );
    Ok(())
}

/// Times `deriveAuthToken` in the report page's own worker, in real headless Chromium.
async fn chromium_argon2(addr: &str) -> anyhow::Result<Vec<f64>> {
    let value = in_chromium(
        &format!("http://{addr}/report"),
        r#"const done = arguments[arguments.length - 1];
        const form = document.getElementById("report-form");
        const worker = new Worker(form.dataset.worker, { type: "module" });
        const times = [];
        const derive = (id) => worker.postMessage({ id, derive: {
            receipt: "0123456789012345", passphrase: "rumah kopi meja hijau buku roda gaya" } });
        worker.onmessage = (e) => {
            if (e.data.ready) { derive(0); return; }
            if (e.data.error) { done({ error: e.data.error }); return; }
            times.push(e.data.ms);
            if (times.length < 6) { derive(times.length); } else { done(times); }
        };
        worker.postMessage({ init: { glue: form.dataset.glue, wasm: form.dataset.wasm } });"#,
    )
    .await?;
    serde_json::from_value(value.clone()).with_context(|| format!("unexpected answer {value}"))
}

/// Opens `url` in real headless Chromium and runs `script` there with WebDriver's
/// execute_async (the script calls its last argument with the result), for up to 10 minutes.
async fn in_chromium(url: &str, script: &str) -> anyhow::Result<serde_json::Value> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut driver = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("chromedriver")?;
    let result = async {
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir()?;
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": "/usr/bin/chromium",
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    format!("--user-data-dir={}", profile.path().display())],
            }),
        );
        let browser = fantoccini::ClientBuilder::new(
            hyper_util::client::legacy::connect::HttpConnector::new(),
        )
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await?;
        browser
            .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
                Some(Duration::from_secs(600)),
                Some(Duration::from_secs(30)),
                Some(Duration::from_secs(0)),
            ))
            .await?;
        browser.goto(url).await?;
        let value = browser.execute_async(script, vec![]).await;
        let _ = browser.close().await;
        anyhow::Ok(value?)
    }
    .await;
    let _ = driver.kill();
    let _ = driver.wait();
    result
}
