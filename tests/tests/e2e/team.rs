//! The investigators' workspace in real headless Chromium, with key files made by the real
//! keytool: log in with the key, refuse a wrong passphrase and an unregistered key, list,
//! open (decrypted in the browser), reply, move with a message; the reporter then reads the
//! reply and the stage message. What the browser sends holds no passphrase, no key and no
//! plaintext of what was written.

use std::time::Duration;

use fantoccini::{Client, Locator};

use crate::browser::{chromium, record, worker_ready};
use crate::no_js::file_report;
use crate::support::*;

const WAIT: Duration = Duration::from_secs(60);

async fn status_says(browser: &Client, expected: &str) {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let said = browser
            .find(Locator::Id("team-status"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if said.contains(expected) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the status says {said:?}, not {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn log_in(browser: &Client, key_file: &std::path::Path, passphrase: &str) {
    let file = browser.find(Locator::Id("t-key")).await.unwrap();
    file.clear().await.ok();
    file.send_keys(&key_file.display().to_string())
        .await
        .unwrap();
    let field = browser.find(Locator::Id("t-passphrase")).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(passphrase).await.unwrap();
    browser
        .find(Locator::Css("#team-login-form [type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Waits until the element's text contains `expected`.
pub async fn wait_text(browser: &Client, css: &str, expected: &str) {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        if let Ok(element) = browser.find(Locator::Css(css)).await {
            if let Ok(text) = element.text().await {
                if text.contains(expected) {
                    return;
                }
            }
        }
        if std::time::Instant::now() >= deadline {
            let page = browser
                .find(Locator::Id("team-view"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap_or_default();
            panic!("{css} never showed {expected:?}; the workspace shows:\n{page}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn an_investigator_works_a_case_in_the_browser() {
    let (server, key) = server_with_investigator(None, "Citra");
    let what = "Bendahara memotong honor kader posyandu RT-5521 tanpa dasar";
    let receipt_page = file_report(&server, what).await;
    let receipt = element_text(&receipt_page, "receipt-code").unwrap();
    let reporter_passphrase = element_text(&receipt_page, "passphrase").unwrap();
    let passphrase = std::fs::read_to_string(&key.passphrase_file)
        .unwrap()
        .trim()
        .to_owned();
    let stranger = make_investigator(server.dir.path(), "stranger");
    // A colleague registered after the report: no key to case 1 until Citra grants it.
    let budi = make_investigator(server.dir.path(), "budi");
    let added = server.kentongan(&[
        "investigator",
        "add",
        "--name",
        "Budi",
        "--recipient",
        &budi.recipient,
    ]);
    assert!(added.status.success(), "{}", stderr(&added));

    let recorder = record(server.url.trim_start_matches("http://").to_owned()).await;
    let profile = tempfile::tempdir().unwrap();
    let (_driver, browser) = chromium(profile.path()).await;
    browser
        .goto(&format!("{}/team", recorder.url))
        .await
        .unwrap();
    browser
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("#team-login:not([hidden])"))
        .await
        .expect("the login shows with JavaScript");

    // Wait for the crypto worker, then a wrong passphrase: refused in the browser.
    browser
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("html"))
        .await
        .unwrap();
    worker_ready(&browser).await;
    log_in(&browser, &key.key_file, "bukan kata sandinya").await;
    status_says(&browser, "Kata sandi kunci salah").await;

    // A key the server does not know: no challenge.
    let stranger_pass = std::fs::read_to_string(&stranger.passphrase_file).unwrap();
    log_in(&browser, &stranger.key_file, stranger_pass.trim()).await;
    status_says(&browser, "tidak terdaftar").await;

    // The right key: the list, then the case, decrypted here.
    log_in(&browser, &key.key_file, &passphrase).await;
    browser
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(
            "#team-workspace:not([hidden]) a[data-case='1']",
        ))
        .await
        .expect("the case list after logging in");
    wait_text(&browser, "#team-me", "Citra").await;
    browser
        .find(Locator::Css("a[data-case='1']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&browser, "#team-case dl.report", "RT-5521").await;
    // The reporter's category, named as the reporter's form names it (issue 15: it was
    // missing), and the identity row named for the team.
    wait_text(&browser, "#team-case dl.report", "Gratifikasi atau suap").await;
    wait_text(&browser, "#team-case dl.report", "Identitas pelapor").await;
    // The move form offers the next stage first.
    let offered = browser
        .find(Locator::Css("#team-move-to option:checked"))
        .await
        .unwrap()
        .attr("value")
        .await
        .unwrap();
    assert_eq!(offered.as_deref(), Some("pemeriksaan"));

    // Reply to the reporter.
    let reply = "Terima kasih. Apakah ada kuitansi pemotongan RT-5521?";
    browser
        .find(Locator::Id("team-reply-form-text"))
        .await
        .unwrap()
        .send_keys(reply)
        .await
        .unwrap();
    browser
        .find(Locator::Css("#team-reply-form [type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(
        &browser,
        "#team-case ol.conversation",
        "kuitansi pemotongan",
    )
    .await;

    // Move to Pemeriksaan with a message.
    let stage_message = "Laporan Anda sedang kami periksa minggu ini";
    browser
        .find(Locator::Id("team-move-to"))
        .await
        .unwrap()
        .select_by_value("pemeriksaan")
        .await
        .unwrap();
    browser
        .find(Locator::Id("team-move-message"))
        .await
        .unwrap()
        .send_keys(stage_message)
        .await
        .unwrap();
    browser
        .find(Locator::Css("#team-move-form [type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&browser, "#team-stage", "Pemeriksaan").await;
    wait_text(&browser, "#team-case ol.history", stage_message).await;

    // An internal note: the reporter must never see it.
    let note = "Catatan internal: cek buku kas bendahara NX-8832";
    fill_and_submit(&browser, "team-note-form", Some(note), None).await;
    wait_text(&browser, "#team-case section.notes", "NX-8832").await;

    // Assign to herself, classify, grant Budi access.
    fill_and_submit(&browser, "team-assign-form", None, Some("1")).await;
    wait_text(&browser, "#team-assign-form .status", "Tersimpan").await;
    fill_and_submit(&browser, "team-classify-form", None, Some("kkn")).await;
    wait_text(&browser, "#team-classify-form .status", "Tersimpan").await;
    // The grant shows Budi's fingerprint, computed in the browser from the key it seals to.
    let budi_key: kentongan_crypto::Recipient = budi.recipient.parse().unwrap();
    wait_text(&browser, "#team-grantee-fp", &budi_key.fingerprint()).await;
    fill_and_submit(&browser, "team-grant-form", None, Some("2")).await;
    wait_text(&browser, "#team-meta-h", "Penanganan").await;
    browser
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("#team-case:not(:has(#team-grant-form))"))
        .await
        .expect("Budi holds the key now: nobody is left to grant");

    // The list, filtered by category, shows the case with its handling.
    browser
        .find(Locator::Css("#team-case a[data-view]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("#team-filter"))
        .await
        .unwrap();
    browser
        .find(Locator::Css("#team-filter select[name=category]"))
        .await
        .unwrap()
        .select_by_value("kkn")
        .await
        .unwrap();
    browser
        .find(Locator::Css("#team-filter [type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&browser, "table.cases", "KKN (korupsi, kolusi, nepotisme)").await;
    wait_text(&browser, "table.cases", "Citra").await;
    browser
        .find(Locator::Css("#team-filter select[name=category]"))
        .await
        .unwrap()
        .select_by_value("lainnya")
        .await
        .unwrap();
    browser
        .find(Locator::Css("#team-filter [type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&browser, ".team-cases", "Belum ada kasus").await;

    // Logout ends the session: the old cookie opens nothing.
    browser
        .find(Locator::Id("team-logout"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("#team-login:not([hidden])"))
        .await
        .unwrap();
    browser.close().await.unwrap();

    let sent = recorder.sent.lock().unwrap().clone();
    assert!(contains(&sent, "POST /team/api/login"));
    assert!(contains(&sent, "POST /team/api/cases/1/reply"));
    let key_text = std::fs::read_to_string(&key.key_file).unwrap();
    let armored_line = key_text.lines().nth(1).unwrap().to_owned();
    for secret in [
        passphrase.as_str(),
        armored_line.as_str(),
        "AGE-SECRET-KEY",
        "RT-5521",
        "kuitansi",
        stage_message,
        "NX-8832",
    ] {
        assert!(!contains(&sent, secret), "{secret:?} left the browser");
        assert!(
            !contains(&server.data_files(), secret),
            "{secret:?} is in the database"
        );
        assert!(!server.log().contains(secret), "{secret:?} is in the log");
    }

    // The reporter reads the reply and the stage message (no-JS follow-up).
    let reporter = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let login = reporter
        .get(format!("{}/followup", server.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = input_value(&login, "csrf").unwrap();
    let page = reporter
        .post(format!("{}/followup", server.url))
        .form(&[
            ("csrf", csrf.as_str()),
            ("lang", "id"),
            ("receipt", receipt.as_str()),
            ("passphrase", reporter_passphrase.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(reply), "{page}");
    assert!(page.contains(stage_message), "{page}");
    assert!(
        !page.contains("NX-8832"),
        "the reporter must never see a note"
    );

    // Offline, the keytool sees the same: the move is recorded under the investigator.
    let conversation = open_conversation(&server, &key, 1);
    assert!(conversation.contains(reply), "{conversation}");
    assert!(conversation.contains("Citra"), "{conversation}");

    // Budi, granted in the browser, opens the case offline with his own key, note included.
    let granted = open_conversation(&server, &budi, 1);
    assert!(granted.contains(note), "{granted}");

    // Every action is in the audit log, under Citra, and the chain is whole.
    let log = server.kentongan(&["audit", "list"]);
    let log = stdout(&log);
    for action in [
        "case-reply",
        "case-move",
        "case-note",
        "case-assign",
        "case-classify",
        "case-grant",
    ] {
        assert!(
            log.lines()
                .any(|l| l.contains(action) && l.contains("investigator:1:Citra")),
            "{action} missing from the audit log:\n{log}"
        );
    }
    let verified = server.kentongan(&["audit", "verify"]);
    assert!(verified.status.success(), "{}", stderr(&verified));
}

/// Fills a case-view form's text and/or select, and submits it.
pub async fn fill_and_submit(
    browser: &Client,
    form: &str,
    text: Option<&str>,
    select: Option<&str>,
) {
    if let Some(text) = text {
        browser
            .find(Locator::Css(&format!("#{form} textarea")))
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }
    if let Some(value) = select {
        browser
            .find(Locator::Css(&format!("#{form} select")))
            .await
            .unwrap()
            .select_by_value(value)
            .await
            .unwrap();
    }
    browser
        .find(Locator::Css(&format!("#{form} [type=submit]")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// RFC 6238 (SHA-1, 6 digits, 30 s), computed here on its own, as an authenticator app does.
fn totp(secret: &[u8], step: u64) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret).unwrap();
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let word = u32::from_be_bytes(digest[offset..offset + 4].try_into().unwrap()) & 0x7fff_ffff;
    format!("{:06}", word % 1_000_000)
}

fn step_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 30
}

async fn wait_ready(browser: &Client) {
    browser
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("#team-login:not([hidden])"))
        .await
        .expect("the login shows with JavaScript");
    worker_ready(browser).await;
}

async fn type_and_submit(browser: &Client, input: &str, form: &str, text: &str) {
    let field = browser.find(Locator::Id(input)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
    browser
        .find(Locator::Css(&format!("#{form} [type=submit]")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_second_factor_is_turned_on_in_the_browser_and_asked_at_the_next_login() {
    let (server, key) = server_with_investigator(None, "Citra");
    let passphrase = std::fs::read_to_string(&key.passphrase_file)
        .unwrap()
        .trim()
        .to_owned();
    let profile = tempfile::tempdir().unwrap();
    let (_driver, browser) = chromium(profile.path()).await;
    browser.goto(&format!("{}/team", server.url)).await.unwrap();
    wait_ready(&browser).await;
    log_in(&browser, &key.key_file, &passphrase).await;
    browser
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(
            "#team-workspace:not([hidden]) a[href='/team/view/security']",
        ))
        .await
        .expect("the case list after logging in with the key alone");

    // Turn it on: the page shows a QR code and the key as text; the "app" reads the key.
    browser
        .find(Locator::Css("a[href='/team/view/security']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&browser, "#team-totp-state", "belum aktif").await;
    browser
        .find(Locator::Css("#team-totp-start [type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("#team-security svg.qr"))
        .await
        .expect("a QR code");
    let shown = browser
        .find(Locator::Id("team-totp-secret"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let base32: String = shown.chars().filter(|c| !c.is_whitespace()).collect();
    let secret = data_encoding::BASE32_NOPAD
        .decode(base32.as_bytes())
        .unwrap();
    assert_eq!(secret.len(), 20);
    let confirmed = step_now();
    type_and_submit(
        &browser,
        "team-totp-code",
        "team-totp-confirm",
        &totp(&secret, confirmed),
    )
    .await;
    wait_text(&browser, "#team-view-status", "Faktor kedua aktif").await;
    wait_text(&browser, "#team-totp-state", "Faktor kedua aktif").await;

    // Log out; the key alone no longer opens the workspace.
    browser
        .find(Locator::Id("team-logout"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_ready(&browser).await;
    log_in(&browser, &key.key_file, &passphrase).await;
    browser
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("#team-code:not([hidden])"))
        .await
        .expect("the code is asked for after the key");
    assert!(
        browser
            .find(Locator::Css("#team-workspace[hidden]"))
            .await
            .is_ok(),
        "no workspace before the code"
    );
    // The code used to confirm is spent; a code of a later step (the current one, or the
    // next if the clock has not moved on: a phone a little ahead) opens it.
    type_and_submit(
        &browser,
        "t-code",
        "team-code-form",
        &totp(&secret, confirmed),
    )
    .await;
    wait_text(&browser, "#team-code-status", "Kode salah").await;
    let next = step_now().max(confirmed + 1);
    type_and_submit(&browser, "t-code", "team-code-form", &totp(&secret, next)).await;
    browser
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("#team-workspace:not([hidden]) .team-cases"))
        .await
        .expect("the case list after the code");
    wait_text(&browser, "#team-me", "Citra").await;
    browser.close().await.unwrap();

    let log = stdout(&server.kentongan(&["audit", "list"]));
    assert!(
        log.lines()
            .any(|l| l.contains("totp-enable") && l.contains("investigator:1:Citra")),
        "{log}"
    );
    assert!(
        log.lines()
            .any(|l| l.contains("login") && l.contains("\"totp\":true")),
        "{log}"
    );
    assert!(!log.contains(&base32), "the secret is not in the audit log");
    assert!(!server.log().contains(&base32), "nor in the server's log");
}
