//! An intruder with write access to the SQLite file, against the real server and real
//! headless Chromium. The reporter's browser shows the fingerprint of the keys it sealed to
//! (the landing page's, computed in the browser). Then the intruder swaps the case's keys
//! for their own, sealed to the reporter's and the investigator's stored public keys: the
//! reporter's browser refuses the case on return, the no-JS login refuses it, and the
//! workspace refuses to show or seal anything for it.

use std::time::Duration;

use fantoccini::{Client, Locator};
use kentongan_crypto::envelope::{self, Holder};
use kentongan_crypto::{CaseKeys, Recipient};
use sqlx::Connection;

use crate::browser::{chromium, record, worker_ready};
use crate::support::*;
use crate::team::log_in;

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
    browser
        .goto(&format!("{}/report", recorder.url))
        .await
        .unwrap();
    worker_ready(&browser).await;
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
    let receipt = text(&browser, "#receipt-code").await;
    let passphrase = text(&browser, "#passphrase").await;
    assert_eq!(text(&browser, "#sealed-fingerprint").await, published);

    swap_case_keys(&server).await;

    // The reporter returns with JavaScript: the worker refuses the case, nothing is shown.
    browser
        .goto(&format!("{}/followup", recorder.url))
        .await
        .unwrap();
    worker_ready(&browser).await;
    for (field, value) in [("#f-receipt", &receipt), ("#f-passphrase", &passphrase)] {
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
