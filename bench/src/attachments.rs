//! `kentongan-bench attachments`: one large file through each path, against the real release
//! server, with its memory watched.
//!
//! - JS path: the file is sealed here (as a browser would) before the clock starts, then sent
//!   as `PUT /api/attachments/…` pieces on one connection and attached to a report; the rate
//!   is ciphertext bytes stored per second.
//! - no-JS path: the file goes up in one `multipart/form-data` POST of the report form,
//!   generated while it is sent (never held here), and the server cleans, encrypts and stores
//!   it while it streams.
//! - Browser: the report page's own worker encrypts and uploads a file made in the page
//!   (`attach`, the code path a reporter's browser runs), in real headless Chromium.
//!
//! Each server path runs on a fresh server, so its peak RSS (VmHWM) is that path's alone.

use std::convert::Infallible;

use anyhow::{Context, bail};
use clap::Parser;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::Request;
use hyper::body::{Bytes, Frame};
use hyper_util::rt::TokioIo;
use kentongan_crypto::attachment::{AttachmentHeader, CHUNK, Sealer};
use kentongan_crypto::keys::Identity;
use kentongan_crypto::reporter::KdfParams;
use kentongan_crypto::submission::seal_report;
use std::time::Instant;

use crate::{Server, connect, csrf, in_chromium, sample_report, send, start_server};

#[derive(Parser)]
struct Args {
    /// Size of the file, in MiB.
    #[arg(long, default_value_t = 200)]
    mib: usize,
    /// Size of the file encrypted and uploaded in Chromium, in MiB.
    #[arg(long, default_value_t = 100)]
    browser_mib: usize,
    /// Database URL for the server (default: a fresh SQLite file).
    #[arg(long)]
    database_url: Option<String>,
    /// Skip the browser run (needs chromium and chromedriver).
    #[arg(long)]
    skip_chromium: bool,
}

pub async fn run(args: impl Iterator<Item = String>) -> anyhow::Result<()> {
    let args = Args::parse_from(args);
    let identity = Identity::generate();
    let team = vec![identity.to_public().to_string()];
    let bytes = args.mib * 1024 * 1024;
    println!("## Attachments: one {} MiB file\n", args.mib);
    println!(
        "- database: {}\n",
        args.database_url
            .as_deref()
            .unwrap_or("SQLite (fresh file)")
    );
    println!("| path | time | throughput | server RSS (VmRSS before → VmHWM peak) |");
    println!("|---|---|---|---|");

    // The office's limit, raised to the file's size (100 MB by default).
    let limit = [("KENTONGAN_MAX_FILE_BYTES", bytes.max(1 << 20).to_string())];
    let server = start_server(args.database_url.as_deref(), &team, &limit)?;
    let before = server.rss_mib();
    let (seconds, sent) = js_path(&server, &identity, bytes).await?;
    println!(
        "| JS path (sealed in the client, PUT in {} MiB pieces) | {seconds:.1} s | {:.0} MiB/s | {before:.1} → {:.1} MiB |",
        CHUNK / (1024 * 1024),
        sent as f64 / seconds / 1048576.0,
        server.peak_rss_mib()
    );
    drop(server);

    // A no-JS report costs one Argon2id run (64 MiB, kept for a while for the next one)
    // whatever its files: a report with a 1 MiB file first shows that part alone. (Another
    // investigator key: a PostgreSQL database keeps the first server's team.)
    let team = vec![Identity::generate().to_public().to_string()];
    let server = start_server(args.database_url.as_deref(), &team, &limit)?;
    let before = server.rss_mib();
    let seconds = no_js_path(&server, 1 << 20).await?;
    let small_peak = server.peak_rss_mib();
    println!(
        "| no-JS path, the same with a 1 MiB file (Argon2id's 64 MiB included) | {seconds:.1} s | | {before:.1} → {small_peak:.1} MiB |"
    );
    let seconds = no_js_path(&server, bytes).await?;
    let peak = server.peak_rss_mib();
    println!(
        "| no-JS path (multipart, sealed by the server while streaming) | {seconds:.1} s | {:.0} MiB/s | {small_peak:.1} → {peak:.1} MiB: **+{:.1} MiB** for the {} MiB file |",
        bytes as f64 / seconds / 1048576.0,
        peak - small_peak,
        bytes / (1024 * 1024),
    );

    if !args.skip_chromium {
        let browser_bytes = args.browser_mib * 1024 * 1024;
        let before = server.rss_mib();
        match in_browser(&server, browser_bytes).await {
            Ok(ms) => println!(
                "| browser: the report page's worker encrypts and uploads {} MiB | {:.1} s | {:.0} MiB/s | {before:.1} → {:.1} MiB |",
                args.browser_mib,
                ms / 1000.0,
                browser_bytes as f64 / (ms / 1000.0) / 1048576.0,
                server.peak_rss_mib()
            ),
            Err(e) => println!("| browser | could not run Chromium: {e} | | |"),
        }
    }
    println!();
    Ok(())
}

/// Deterministic bytes that do not compress, made piece by piece.
fn filler(at: usize, len: usize) -> Vec<u8> {
    let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ at as u64;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Returns the seconds the upload and the report took, and the ciphertext bytes sent.
async fn js_path(
    server: &Server,
    identity: &Identity,
    bytes: usize,
) -> anyhow::Result<(f64, usize)> {
    let sealed_case = seal_report(
        &sample_report(),
        &[identity.to_public()],
        KdfParams::CURRENT,
    )?
    .sealed;
    let header = AttachmentHeader {
        name: "rekaman.mp4".into(),
        media_type: "video/mp4".into(),
        size: bytes as u64,
        cleaned: Vec::new(),
    };
    let mut sealer = Sealer::new(&sealed_case.case_recipient, &header)?;
    let mut ciphertext = Vec::with_capacity(bytes + bytes / 100);
    for at in (0..bytes).step_by(1 << 20) {
        ciphertext.extend(sealer.push(&filler(at, (1 << 20).min(bytes - at)))?);
    }
    ciphertext.extend(sealer.finish()?);

    let token = csrf(&server.addr).await?;
    let request = |method: &str, path: String, body: Vec<u8>, kind: &str| {
        Request::builder()
            .method(method)
            .uri(path)
            .header("host", &server.addr)
            .header("content-type", kind)
            .header("x-csrf-token", &token)
            .header("cookie", format!("kentongan_csrf={token}"))
            .body(Full::new(Bytes::from(body)))
    };
    let start = Instant::now();
    let mut sender = connect(&server.addr).await?;
    let (status, body) = send(
        &mut sender,
        request(
            "POST",
            "/api/attachments".into(),
            Vec::new(),
            "application/json",
        )?,
    )
    .await?;
    if !status.is_success() {
        bail!(
            "POST /api/attachments: {status} {}",
            String::from_utf8_lossy(&body)
        );
    }
    let upload: serde_json::Value = serde_json::from_slice(&body)?;
    let upload = upload["upload"]
        .as_str()
        .context("no upload token")?
        .to_owned();
    for (i, piece) in ciphertext.chunks(CHUNK).enumerate() {
        let path = format!("/api/attachments/{upload}?offset={}", i * CHUNK);
        let (status, body) = send(
            &mut sender,
            request("PUT", path, piece.to_vec(), "application/octet-stream")?,
        )
        .await?;
        if !status.is_success() {
            bail!("PUT piece {i}: {status} {}", String::from_utf8_lossy(&body));
        }
    }
    let path = format!("/api/attachments/{upload}/complete");
    let (status, body) = send(
        &mut sender,
        request("POST", path, Vec::new(), "application/json")?,
    )
    .await?;
    if !status.is_success() {
        bail!("complete: {status} {}", String::from_utf8_lossy(&body));
    }
    let mut report = serde_json::to_value(&sealed_case)?;
    report["attachments"] = serde_json::json!([upload]);
    let (status, body) = send(
        &mut sender,
        request(
            "POST",
            "/api/reports".into(),
            serde_json::to_vec(&report)?,
            "application/json",
        )?,
    )
    .await?;
    if status.as_u16() != 201 {
        bail!(
            "POST /api/reports: {status} {}",
            String::from_utf8_lossy(&body)
        );
    }
    Ok((start.elapsed().as_secs_f64(), ciphertext.len()))
}

/// Returns the seconds from the first byte of the POST to the receipt page.
async fn no_js_path(server: &Server, bytes: usize) -> anyhow::Result<f64> {
    let token = csrf(&server.addr).await?;
    let boundary = "kentongan-bench-7c2f9a";
    let mut head = String::new();
    for (name, value) in [
        ("csrf", token.as_str()),
        ("lang", "id"),
        ("category", "kkn"),
        ("what", "Rekaman rapat pengadaan"),
    ] {
        head.push_str(&format!(
            "--{boundary}\r\ncontent-disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    head.push_str(&format!(
        "--{boundary}\r\ncontent-disposition: form-data; name=\"files\"; filename=\"rekaman.mp4\"\r\ncontent-type: video/mp4\r\n\r\n"
    ));
    let tail = format!("\r\n--{boundary}--\r\n");
    let length = head.len() + bytes + tail.len();
    // The file is made while it is sent: this process never holds it either.
    let pieces = std::iter::once(Bytes::from(head))
        .chain(
            (0..bytes)
                .step_by(1 << 20)
                .map(move |at| Bytes::from(filler(at, (1 << 20).min(bytes - at)))),
        )
        .chain(std::iter::once(Bytes::from(tail)))
        .map(|b| Ok::<_, Infallible>(Frame::data(b)));
    let body = StreamBody::new(futures_util::stream::iter(pieces));
    let stream = tokio::net::TcpStream::connect(&server.addr).await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let request = Request::post("/report")
        .header("host", &server.addr)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header("content-length", length)
        .header("cookie", format!("kentongan_csrf={token}"))
        .body(body)?;
    let start = Instant::now();
    let response = sender.send_request(request).await?;
    let status = response.status();
    let page = response.into_body().collect().await?.to_bytes();
    let seconds = start.elapsed().as_secs_f64();
    if !status.is_success() || !String::from_utf8_lossy(&page).contains("receipt-code") {
        bail!(
            "POST /report: {status} {}",
            String::from_utf8_lossy(&page)
                .chars()
                .take(400)
                .collect::<String>()
        );
    }
    Ok(seconds)
}

/// Milliseconds the report page's worker takes to encrypt and upload a file of `bytes` made
/// in the page.
async fn in_browser(server: &Server, bytes: usize) -> anyhow::Result<f64> {
    let script = format!(
        r#"const done = arguments[arguments.length - 1];
        (async () => {{
            const form = document.getElementById("report-form");
            const client = await import(form.dataset.client);
            const worker = new client.CryptoWorker(form.dataset.worker, form.dataset.glue, form.dataset.wasm);
            while (!worker.ready) {{ await new Promise((r) => setTimeout(r, 50)); }}
            const team = await (await fetch("/api/team")).json();
            const sealed = await worker.call({{ seal: {{ report: {{
                category: "kkn", what: "bench", who: "", where: "", when: "", how: "", why: "",
                identification: null, language: "id", encrypted_in: "browser" }},
                team: team.recipients }} }});
            const piece = new Uint8Array(1 << 20);
            for (let i = 0; i < piece.length; i += 65536) {{
                crypto.getRandomValues(piece.subarray(i, i + 65536));
            }}
            const parts = [];
            for (let at = 0; at < {bytes}; at += piece.length) {{ parts.push(piece); }}
            const file = new File(parts, "rekaman.mp4", {{ type: "video/mp4" }});
            const csrf = form.elements.namedItem("csrf").value;
            const start = performance.now();
            await worker.call({{ attach: {{ file, caseRecipient: sealed.sealed.sealed.case_recipient,
                csrf, lang: "id", chunk: team.limits.chunk }} }});
            done(performance.now() - start);
        }})().catch((e) => done({{ error: String(e && (e.code || e.message)) }}));"#
    );
    let value = in_chromium(&format!("http://{}/report", server.addr), &script).await?;
    value
        .as_f64()
        .with_context(|| format!("unexpected answer {value}"))
}
