//! An intruder with write access to the SQLite file, against the real server and real
//! headless Chromium. The reporter's browser shows the fingerprint of the keys it sealed to
//! (the landing page's, computed in the browser). Then the intruder swaps the case's keys
//! for their own, sealed to the reporter's and the investigator's stored public keys: the
//! reporter's browser refuses the case on return, the no-JS login refuses it, and the
//! workspace refuses to show or seal anything for it.

use std::time::Duration;

use fantoccini::{Client, Locator};
use kentongan_crypto::envelope::{self, Holder};
use kentongan_crypto::{CaseKeys, Message, Recipient};
use sqlx::Connection;

use crate::browser::{chromium, record, worker_ready};
use crate::support::*;
use crate::team::{fill_and_submit, log_in, wait_text};

const WAIT: Duration = Duration::from_secs(60);
const CHANGED: &str = "Laporan ini diubah di server oleh orang yang tidak berhak.";

async fn text(browser: &Client, css: &str) -> String {
    browser
        .find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Waits until the element's text contains `expected`.
async fn wait_for(browser: &Client, css: &str, expected: &str) {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let said = text(browser, css).await;
        if said.contains(expected) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{css} says {said:?}, not {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Seals case keys of the intruder's own to every stored envelope holder's public key, and
/// points the case at them: what someone who can write the database, but holds no secret,
/// can do.
async fn swap_case_keys(server: &Server) {
    let file = server.dir.path().join("data").join("kentongan.sqlite3");
    let mut db = sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    let reporter: String = sqlx::query_scalar("SELECT recipient FROM reporter_credentials")
        .fetch_one(&mut db)
        .await
        .unwrap();
    let investigators: Vec<(i64, String)> = sqlx::query_as(
        "SELECT e.investigator_id, i.recipient FROM key_envelopes e \
         JOIN investigators i ON i.id = e.investigator_id",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    let team: Vec<Recipient> = investigators
        .iter()
        .map(|(_, r)| r.parse().unwrap())
        .collect();
    let theirs = CaseKeys::generate();
    let sealed = envelope::seal(&theirs, &team, &reporter.parse().unwrap()).unwrap();
    for envelope in sealed {
        let holder = match &envelope.holder {
            Holder::Reporter => None,
            Holder::Investigator(key) => investigators
                .iter()
                .find(|(_, r)| r == key)
                .map(|(id, _)| *id),
        };
        sqlx::query("UPDATE key_envelopes SET ciphertext = ? WHERE investigator_id IS ?")
            .bind(envelope.ciphertext.as_bytes())
            .bind(holder)
            .execute(&mut db)
            .await
            .unwrap();
    }
    sqlx::query("UPDATE cases SET case_recipient = ?, notes_recipient = ?")
        .bind(theirs.case.to_public().to_string())
        .bind(theirs.notes.as_ref().unwrap().to_public().to_string())
        .execute(&mut db)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_case_key_swapped_in_the_database_is_refused_everywhere() {
    let (server, key) = server_with_investigator(None, "Citra");
    let recorder = record(server.url.trim_start_matches("http://").to_owned()).await;
    let profile = tempfile::tempdir().unwrap();
    let (_driver, browser) = chromium(profile.path()).await;

    // A report with JavaScript; the receipt shows the fingerprint the browser computed.
    browser.goto(&format!("{}/", recorder.url)).await.unwrap();
    let published = text(&browser, "code.fp").await;
    assert_eq!(published.split(' ').count(), 12, "{published}");
    let (receipt, passphrase) = report_with_js(&browser, &recorder.url).await;
    assert_eq!(text(&browser, "#sealed-fingerprint").await, published);

    swap_case_keys(&server).await;

    // The reporter returns with JavaScript: the worker refuses the case, nothing is shown.
    follow_up_with_js(&browser, &recorder.url, &receipt, &passphrase).await;
    wait_for(&browser, "#followup-status", CHANGED).await;
    assert!(
        browser.find(Locator::Css("#case")).await.is_err(),
        "nothing of the case is shown"
    );
    let sent = recorder.sent.lock().unwrap().clone();
    assert!(contains(&sent, "POST /api/followup/case"));
    assert!(!contains(&sent, "POST /api/followup/messages"));

    // Without JavaScript, the server's own check refuses it the same way.
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let page = client
        .get(format!("{}/followup", server.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = input_value(&page, "csrf").unwrap();
    let refused = client
        .post(format!("{}/followup", server.url))
        .form(&[
            ("csrf", csrf.as_str()),
            ("receipt", receipt.as_str()),
            ("passphrase", passphrase.as_str()),
            ("message", "Nama saya Budi, NIP 198501012010011001"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 409);
    assert!(refused.text().await.unwrap().contains(CHANGED));

    // The investigator's workspace: the report does not open with the swapped key, so the
    // case is refused, and no reply, note or grant form is offered.
    browser
        .goto(&format!("{}/team", recorder.url))
        .await
        .unwrap();
    worker_ready(&browser).await;
    let key_passphrase = std::fs::read_to_string(&key.passphrase_file).unwrap();
    log_in(&browser, &key.key_file, key_passphrase.trim()).await;
    browser
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(
            "#team-workspace:not([hidden]) a[data-case='1']",
        ))
        .await
        .expect("the case list");
    browser
        .find(Locator::Css("a[data-case='1']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(
        &browser,
        "#team-view-status",
        "seseorang mengubah kasus ini di server",
    )
    .await;
    assert!(
        browser
            .find(Locator::Css("#team-reply-form"))
            .await
            .is_err(),
        "nothing can be sealed to the swapped key"
    );
    browser.close().await.unwrap();
    let sent = recorder.sent.lock().unwrap().clone();
    for path in ["/reply", "/note", "/grant", "/move"] {
        assert!(!contains(&sent, path), "{path} was posted");
    }
    assert!(!server.data_files().is_empty());
    assert!(!contains(&server.data_files(), "Nama saya Budi"));
    assert!(!server.log().contains("Nama saya Budi"));
}

/// Reports with JavaScript at `url`; returns the receipt code and passphrase shown.
async fn report_with_js(browser: &Client, url: &str) -> (String, String) {
    browser.goto(&format!("{url}/report")).await.unwrap();
    worker_ready(browser).await;
    browser
        .find(Locator::Css("select[name=category]"))
        .await
        .unwrap()
        .select_by_value("gratifikasi-suap")
        .await
        .unwrap();
    browser
        .find(Locator::Css("textarea[name=what]"))
        .await
        .unwrap()
        .send_keys("Pungutan liar di loket KTP (PLK-6604)")
        .await
        .unwrap();
    browser
        .find(Locator::Css("form#report-form [type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("section#receipt:not([hidden]) #receipt-code"))
        .await
        .expect("the receipt appears");
    (
        text(browser, "#receipt-code").await,
        text(browser, "#passphrase").await,
    )
}

/// Logs in at `url`/followup with JavaScript.
async fn follow_up_with_js(browser: &Client, url: &str, receipt: &str, passphrase: &str) {
    browser.goto(&format!("{url}/followup")).await.unwrap();
    worker_ready(browser).await;
    for (field, value) in [("#f-receipt", receipt), ("#f-passphrase", passphrase)] {
        browser
            .find(Locator::Css(field))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    browser
        .find(Locator::Css("form#followup-form [type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Adds to case 1 a message of `kind` ("investigator-message" or "note") that says `said`,
/// sealed with nothing but the public key the database holds: what someone who can write
/// the database can make.
async fn forge(server: &Server, kind: &str, said: &str) {
    let file = server.dir.path().join("data").join("kentongan.sqlite3");
    let mut db = sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    let column = if kind == "note" {
        "notes_recipient"
    } else {
        "case_recipient"
    };
    let key: String = sqlx::query_scalar(&format!("SELECT {column} FROM cases WHERE id = 1"))
        .fetch_one(&mut db)
        .await
        .unwrap();
    let sealed = Message::new(said)
        .unwrap()
        .seal(&key.parse().unwrap())
        .unwrap();
    sqlx::query(
        "INSERT INTO case_items (case_id, kind, created_on, ciphertext) \
         VALUES (1, ?, '2026-12-03', ?)",
    )
    .bind(kind)
    .bind(sealed.as_bytes())
    .execute(&mut db)
    .await
    .unwrap();
}

/// The class and text of each message box under `css`, as the page shows them.
async fn boxes(browser: &Client, css: &str) -> Vec<(String, String)> {
    let found = browser
        .execute(
            "return [...document.querySelectorAll(arguments[0])]\
             .map((li) => [li.className, li.textContent]);",
            vec![css.into()],
        )
        .await
        .unwrap();
    serde_json::from_value(found).unwrap()
}

/// The one box whose text contains `said`.
fn box_of<'a>(boxes: &'a [(String, String)], said: &str) -> &'a (String, String) {
    let found: Vec<_> = boxes
        .iter()
        .filter(|(_, text)| text.contains(said))
        .collect();
    assert_eq!(found.len(), 1, "{said} in {boxes:?}");
    found[0]
}

/// The team signs what it writes in the workspace; a "reply" and a "note" an intruder adds
/// to the database with the case's public keys are shown apart, under a warning and not as
/// the team's, in the workspace and on the reporter's page.
#[tokio::test]
async fn a_team_message_forged_in_the_database_is_never_shown_as_the_teams() {
    let (server, key) = server_with_investigator(None, "Citra");
    let recorder = record(server.url.trim_start_matches("http://").to_owned()).await;
    let profile = tempfile::tempdir().unwrap();
    let (_driver, browser) = chromium(profile.path()).await;
    let (receipt, passphrase) = report_with_js(&browser, &recorder.url).await;

    // Citra replies and notes in the workspace: signed in her browser.
    browser
        .goto(&format!("{}/team", recorder.url))
        .await
        .unwrap();
    worker_ready(&browser).await;
    let key_passphrase = std::fs::read_to_string(&key.passphrase_file).unwrap();
    log_in(&browser, &key.key_file, key_passphrase.trim()).await;
    let open_case = || async {
        browser
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(
                "#team-workspace:not([hidden]) a[data-case='1']",
            ))
            .await
            .expect("the case list")
            .click()
            .await
            .unwrap();
        wait_text(&browser, "#team-case dl.report", "PLK-6604").await;
    };
    open_case().await;
    for (form, said) in [
        ("team-reply-form", "Terima kasih, kami periksa. SIG-4410"),
        ("team-note-form", "Catatan asli SIG-5520"),
    ] {
        fill_and_submit(&browser, form, Some(said), None).await;
        wait_text(&browser, "#team-case", said).await;
    }

    forge(
        &server,
        "investigator-message",
        "Kirim nama dan NIP Anda. FAKE-7731",
    )
    .await;
    forge(&server, "note", "Catatan palsu FAKE-8842").await;

    // The workspace, case opened again from the list.
    browser
        .find(Locator::Css("#team-case a[href='/team/view/cases']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    open_case().await;
    wait_text(&browser, "#team-case", "FAKE-8842").await;
    let shown = boxes(&browser, "#team-case li.said").await;
    let (class, said) = box_of(&shown, "SIG-4410");
    assert!(
        class.contains("team") && !class.contains("unverified"),
        "{class}"
    );
    assert!(!said.contains("tanda tangan"), "{said}");
    let (class, said) = box_of(&shown, "FAKE-7731");
    assert!(
        class.contains("unverified") && !class.contains("team"),
        "{class}"
    );
    assert!(
        said.contains("tidak bertanda tangan tim yang sah"),
        "{said}"
    );
    assert!(!said.contains("Tim pemeriksa"), "{said}");
    let (class, _) = box_of(&shown, "SIG-5520");
    assert!(!class.contains("unverified"), "{class}");
    let (class, said) = box_of(&shown, "FAKE-8842");
    assert!(class.contains("unverified"), "{class}");
    assert!(
        said.contains("tidak bertanda tangan tim yang sah"),
        "{said}"
    );

    // The reporter, with JavaScript: the same in their browser's worker.
    follow_up_with_js(&browser, &recorder.url, &receipt, &passphrase).await;
    browser
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("#case ol.conversation"))
        .await
        .expect("the case opens");
    wait_for(&browser, "#case ol.conversation", "FAKE-7731").await;
    let shown = boxes(&browser, "#case ol.conversation li").await;
    let (class, said) = box_of(&shown, "SIG-4410");
    assert!(class.contains("team"), "{class}");
    assert!(said.contains("Tim pemeriksa"), "{said}");
    let (class, said) = box_of(&shown, "FAKE-7731");
    assert!(
        class.contains("unverified") && !class.contains("team"),
        "{class}"
    );
    assert!(
        said.contains("tidak ditandatangani tim pemeriksa")
            && said.contains("Pengirim tidak pasti"),
        "{said}"
    );
    assert!(!said.contains("Tim pemeriksa"), "{said}");
    browser.close().await.unwrap();
}
