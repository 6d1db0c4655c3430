//! The JavaScript path in real headless Chromium: the report is encrypted in the browser,
//! and neither the bytes the browser sends nor the stored rows contain its text.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fantoccini::{ClientBuilder, Locator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::support::*;

/// A TCP proxy in front of the server that records every byte the browser sends.
pub struct Recorder {
    pub url: String,
    pub sent: Arc<Mutex<Vec<u8>>>,
}

pub async fn record(upstream: String) -> Recorder {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let sent = Arc::new(Mutex::new(Vec::new()));
    let log = sent.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let upstream = TcpStream::connect(&upstream).await.unwrap();
            let log = log.clone();
            tokio::spawn(async move {
                let (mut client_read, mut client_write) = client.into_split();
                let (mut up_read, mut up_write) = upstream.into_split();
                let to_server = async {
                    let mut buf = vec![0u8; 64 * 1024];
                    loop {
                        let n = client_read.read(&mut buf).await.unwrap_or(0);
                        if n == 0 {
                            break;
                        }
                        log.lock().unwrap().extend_from_slice(&buf[..n]);
                        if up_write.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    let _ = up_write.shutdown().await;
                };
                let to_client = async {
                    let _ = tokio::io::copy(&mut up_read, &mut client_write).await;
                    let _ = client_write.shutdown().await;
                };
                tokio::join!(to_server, to_client);
            });
        }
    });
    Recorder { url, sent }
}

/// chromedriver and every Chromium it starts, in a process group of their own that is
/// killed as a whole when this is dropped: also when a test fails before closing its
/// browser, nothing outlives the test.
pub struct ChromeDriver(Child, u16);

impl ChromeDriver {
    fn start() -> ChromeDriver {
        let port = free_port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (Debian package chromium-driver) must be installed: scripts/test installs it");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        ChromeDriver(child, port)
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let group = rustix::process::Pid::from_child(&self.0);
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
        let _ = self.0.wait();
    }
}

pub async fn chromium(profile: &std::path::Path) -> (ChromeDriver, fantoccini::Client) {
    chromium_with(profile, serde_json::json!({})).await
}

/// Chromium with preferences, e.g. a download directory, or JavaScript off (a reporter in
/// Tor Browser at "Safest").
pub async fn chromium_with(
    profile: &std::path::Path,
    prefs: serde_json::Value,
) -> (ChromeDriver, fantoccini::Client) {
    let driver = ChromeDriver::start();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                format!("--user-data-dir={}", profile.display()),
                "--window-size=412,1600",
            ],
            "prefs": prefs,
        }),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.1))
        .await
        .expect("start headless Chromium");
    (driver, client)
}

/// Waits until the page's crypto worker is ready (`window.kentonganReady`, client.js).
pub async fn worker_ready(browser: &fantoccini::Client) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while browser
        .execute("return window.kentonganReady === true;", vec![])
        .await
        .unwrap()
        != serde_json::Value::Bool(true)
    {
        assert!(Instant::now() < deadline, "the worker never got ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn report_with_javascript_is_encrypted_in_the_browser() {
    let (server, key) = server_with_investigator(None, "Citra");
    let recorder = record(server.url.trim_start_matches("http://").to_owned()).await;
    let profile = tempfile::tempdir().unwrap();
    let (_driver, browser) = chromium(profile.path()).await;

    let what = "Kepala urusan menerima amplop dari kontraktor JKW-9031 di ruang rapat";
    browser
        .goto(&format!("{}/report", recorder.url))
        .await
        .unwrap();
    browser
        .find(Locator::Css("select[name=category]"))
        .await
        .unwrap()
        .select_by_value("benturan-kepentingan")
        .await
        .unwrap();
    browser
        .find(Locator::Css("textarea[name=what]"))
        .await
        .unwrap()
        .send_keys(what)
        .await
        .unwrap();
    browser
        .find(Locator::Css("[name=who]"))
        .await
        .unwrap()
        .send_keys("Kepala urusan \" ' & < >")
        .await
        .unwrap();
    browser
        .find(Locator::Css("form#report-form [type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    let receipt = browser
        .wait()
        .at_most(Duration::from_secs(60))
        .for_element(Locator::Css("section#receipt:not([hidden]) #receipt-code"))
        .await
        .expect("the receipt appears after browser encryption")
        .text()
        .await
        .unwrap();
    let passphrase = browser
        .find(Locator::Id("passphrase"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(receipt.replace(' ', "").len(), 16, "{receipt}");
    assert!(passphrase.split(' ').count() >= 7);
    let note = browser
        .find(Locator::Id("encrypted-in"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!note.is_empty());

    let sent = recorder.sent.lock().unwrap().clone();
    assert!(
        contains(&sent, "POST /api/reports"),
        "the browser posted ciphertext"
    );
    assert!(
        !contains(&sent, "POST /report "),
        "the plain form was not used"
    );
    for secret in [what, "JKW-9031", "Kepala urusan", passphrase.as_str()] {
        assert!(
            !contains(&sent, secret),
            "{secret:?} left the browser in plaintext"
        );
        assert!(
            !contains(&server.data_files(), secret),
            "{secret:?} is in the database"
        );
        assert!(!server.log().contains(secret), "{secret:?} is in the log");
    }

    let (text, json) = export_and_open(&server, &key, 1);
    assert!(text.contains(what), "{text}");
    assert_eq!(json["items"][0]["report"]["encrypted_in"], "browser");

    // The follow-up, in the same browser: the investigator answers offline; the reporter
    // logs in (key derived in the browser), reads the case decrypted in the browser, answers.
    let question = "Kapan amplop itu diserahkan? Mohon sebut harinya (QJS-1942).";
    let stage_message = "Tim mulai memeriksa laporan Anda (SJS-2718).";
    investigator_answers(&server, &key, 1, question, stage_message);
    browser
        .goto(&format!("{}/followup", recorder.url))
        .await
        .unwrap();
    let field = |css: &'static str| browser.find(Locator::Css(css));
    field("#f-receipt")
        .await
        .unwrap()
        .send_keys(&receipt.replace(' ', "-"))
        .await
        .unwrap();
    field("#f-passphrase")
        .await
        .unwrap()
        .send_keys(&passphrase.to_uppercase())
        .await
        .unwrap();
    field("form#followup-form [type=submit]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let stage = browser
        .wait()
        .at_most(Duration::from_secs(60))
        .for_element(Locator::Css("#case #stage"))
        .await
        .expect("the case opens in the browser")
        .text()
        .await
        .unwrap();
    assert_eq!(stage, "Pemeriksaan");
    let case_text = field("#case").await.unwrap().text().await.unwrap();
    for shown in [what, question, stage_message] {
        assert!(
            case_text.contains(shown),
            "{shown:?} decrypted in the browser:\n{case_text}"
        );
    }
    // Signed offline by the keytool, checked in the browser against the committed team key.
    assert!(
        !case_text.contains("tidak ditandatangani") && !case_text.contains("Pengirim tidak pasti"),
        "the team's replies show as the team's:\n{case_text}"
    );
    let answer = "Hari Kamis sore, sekitar jam tiga (AJS-3141).";
    field("#f-message")
        .await
        .unwrap()
        .send_keys(answer)
        .await
        .unwrap();
    field("form#message-form [type=submit]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .at_most(Duration::from_secs(60))
        .for_element(Locator::XPath(
            "//p[@id='message-status' and text()='Pesan terkirim.']",
        ))
        .await
        .expect("the message is sent");
    let conversation = field("#conversation").await.unwrap().text().await.unwrap();
    assert!(conversation.contains(answer), "{conversation}");
    browser.close().await.unwrap();

    let sent = recorder.sent.lock().unwrap().clone();
    assert!(contains(&sent, "POST /api/followup/case"));
    assert!(contains(&sent, "POST /api/followup/messages"));
    assert!(
        !contains(&sent, "POST /followup "),
        "the plain login form was not used"
    );
    let shouted = passphrase.to_uppercase();
    for secret in [
        passphrase.as_str(),
        shouted.as_str(),
        answer,
        "AJS-3141",
        question,
        stage_message,
    ] {
        assert!(
            !contains(&sent, secret),
            "{secret:?} left the browser in plaintext"
        );
        assert!(
            !contains(&server.data_files(), secret),
            "{secret:?} is in the database"
        );
        assert!(!server.log().contains(secret), "{secret:?} is in the log");
    }
    let transcript = open_conversation(&server, &key, 1);
    assert!(transcript.contains(answer), "{transcript}");
}
