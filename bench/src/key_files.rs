//! `kentongan-bench key-files`: how long an investigator waits for their key file to unlock,
//! at the scrypt work factor new files get (18) and at the one earlier files have (16).
//!
//! Three places, each on the same two files: in-process natively (`key_file::unlock`, the
//! code the browser runs, compiled natively); the release `kentongan-keytool recipient` as a
//! process, start to exit; and the investigators' workspace in headless Chromium, where the
//! team page's own crypto worker runs `unlock` in WebAssembly, timed with `performance.now()`.

use std::io::Write;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Parser;
use kentongan_crypto::key_file;
use kentongan_crypto::keys::Identity;
use kentongan_crypto::reporter::random_words;

use crate::{in_chromium, release_bin, start_server};

#[derive(Parser)]
#[command(name = "kentongan-bench key-files")]
struct Args {
    /// Unlocks per file and place.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Skip the browser run (needs chromium and chromedriver).
    #[arg(long)]
    skip_chromium: bool,
}

/// The work factors measured: new files, and files written before issue 12.
const FACTORS: [u8; 2] = [16, 18];

pub async fn run(args: impl Iterator<Item = String>) -> anyhow::Result<()> {
    let args = Args::parse_from(args);
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    let passphrase = random_words(8);
    use secrecy::ExposeSecret;
    let files: Vec<(u8, String)> = FACTORS
        .iter()
        .map(|&n| Ok((n, seal(passphrase.expose_secret(), n)?)))
        .collect::<anyhow::Result<_>>()?;

    println!("## Investigator key files: unlock time\n");
    println!(
        "- machine: {cores} cores; {} unlocks per file and place; milliseconds, median (min–max)\n",
        args.runs
    );
    println!(
        "| work factor (memory) | native, in-process | `kentongan-keytool recipient` (process) | headless Chromium, workspace worker (first unlock) |"
    );
    println!("|---|---|---|---|");

    let browser = if args.skip_chromium {
        None
    } else {
        Some(in_browser(&files, passphrase.expose_secret(), args.runs).await)
    };
    let dir = tempfile::tempdir()?;
    let pass_file = dir.path().join("pass");
    std::fs::write(&pass_file, format!("{}\n", passphrase.expose_secret()))?;
    let keytool = release_bin("kentongan-keytool")?;
    for (i, (n, armored)) in files.iter().enumerate() {
        let mut native = Vec::new();
        for _ in 0..args.runs {
            let start = Instant::now();
            key_file::unlock(
                armored.as_bytes(),
                passphrase.expose_secret().to_owned().into(),
            )
            .map_err(|e| anyhow::anyhow!("unlock: {e}"))?;
            native.push(ms(start));
        }
        let key = dir.path().join(format!("key-{n}.age"));
        std::fs::write(&key, armored)?;
        let mut process = Vec::new();
        for _ in 0..args.runs {
            let start = Instant::now();
            let out = Command::new(&keytool)
                .arg("recipient")
                .arg(&key)
                .arg("--passphrase-file")
                .arg(&pass_file)
                .output()?;
            process.push(ms(start));
            if !out.status.success() {
                bail!("keytool: {}", String::from_utf8_lossy(&out.stderr));
            }
        }
        let chromium = match &browser {
            None => "skipped".to_owned(),
            Some(Err(e)) => format!("failed: {e:#}"),
            Some(Ok(times)) => match times.get(i) {
                Some(t) if !t.is_empty() => format!(
                    "{} (first {:.0})",
                    summary(&mut t.clone()),
                    t.first().copied().unwrap_or(f64::NAN)
                ),
                _ => "no answer".to_owned(),
            },
        };
        println!(
            "| {n} ({} MiB) | {} | {} | {chromium} |",
            1u64 << (n - 10),
            summary(&mut native),
            summary(&mut process),
        );
    }
    println!(
        "\n- the files: an age-keygen identity file sealed with age's scrypt at that factor, \
         armored, as `kentongan-keytool generate` writes it; passphrase 8 generated words"
    );
    Ok(())
}

fn ms(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}

fn summary(times: &mut [f64]) -> String {
    times.sort_by(f64::total_cmp);
    let median = times.get(times.len() / 2).copied().unwrap_or(f64::NAN);
    let min = times.first().copied().unwrap_or(f64::NAN);
    let max = times.last().copied().unwrap_or(f64::NAN);
    format!("**{median:.0}** ({min:.0}–{max:.0})")
}

/// An identity file sealed to `passphrase` at `work_factor`, armored: what `generate` writes.
fn seal(passphrase: &str, work_factor: u8) -> anyhow::Result<String> {
    use secrecy::ExposeSecret;
    let identity = Identity::generate();
    let text = format!(
        "# created: 2026-12-01\n# public key: {}\n{}\n",
        identity.to_public(),
        identity.to_secret_string().expose_secret()
    );
    let mut recipient = age::scrypt::Recipient::new(passphrase.to_owned().into());
    recipient.set_work_factor(work_factor);
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))?;
    let mut out = Vec::new();
    let armor = age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor)?;
    let mut writer = encryptor.wrap_output(armor)?;
    writer.write_all(text.as_bytes())?;
    writer.finish()?.finish()?;
    String::from_utf8(out).context("armor is ASCII")
}

/// Milliseconds per unlock of each file, in the team page's own crypto worker (one worker,
/// the files taken in turns so both see a warm and a cold start alike).
async fn in_browser(
    files: &[(u8, String)],
    passphrase: &str,
    runs: usize,
) -> anyhow::Result<Vec<Vec<f64>>> {
    let server = start_server(None, &[], &[])?;
    let texts: Vec<&str> = files.iter().map(|(_, text)| text.as_str()).collect();
    let script = format!(
        r#"const done = arguments[arguments.length - 1];
        (async () => {{
            const form = document.getElementById("team-login-form");
            const client = await import(form.dataset.client);
            const worker = new client.CryptoWorker(form.dataset.worker, form.dataset.glue, form.dataset.wasm);
            while (!worker.ready) {{ await new Promise((r) => setTimeout(r, 50)); }}
            const files = {files};
            const times = files.map(() => []);
            for (let run = 0; run < {runs}; run++) {{
                for (let i = 0; i < files.length; i++) {{
                    const file = new TextEncoder().encode(files[i]);
                    const start = performance.now();
                    await worker.call({{ unlock: {{ file, passphrase: {passphrase} }} }});
                    times[i].push(performance.now() - start);
                }}
            }}
            done(times);
        }})().catch((e) => done({{ error: String(e && (e.code || e.message)) }}));"#,
        files = serde_json::to_string(&texts)?,
        passphrase = serde_json::to_string(passphrase)?,
    );
    let value = in_chromium(&format!("http://{}/team", server.addr), &script).await?;
    serde_json::from_value(value.clone()).with_context(|| format!("unexpected answer {value}"))
}
