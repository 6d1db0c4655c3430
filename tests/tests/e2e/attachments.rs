//! Evidence, end to end in real headless Chromium: files chosen in the report form, with and
//! without JavaScript, reach the investigator byte for byte (a photo after its metadata was
//! removed), through the keytool offline and through the workspace's download. The photo's
//! GPS position and camera are gone; no file name or content is stored, logged or (with
//! JavaScript) sent in the clear; the limits refuse before anything is stored.

use std::path::{Path, PathBuf};
use std::time::Duration;

use fantoccini::{Client, Locator};
use kentongan_crypto::metadata;

use crate::browser::{chromium_with, record};
use crate::support::*;
use crate::team::{log_in, wait_text};

/// A real JPEG (made with Pillow) whose EXIF holds a GPS position near Bantul, a camera make
/// and model (Xiaomi, Redmi Note 12) and a date.
const PHOTO: &[u8] = include_bytes!("../../fixtures/gps-photo.jpg");
const WAIT: Duration = Duration::from_secs(120);

/// Three files as a reporter would attach them; names and contents carry markers to look for.
struct Evidence {
    dir: tempfile::TempDir,
    files: Vec<(PathBuf, Vec<u8>)>,
}

impl Evidence {
    fn new() -> Evidence {
        let dir = tempfile::tempdir().unwrap();
        let mut pdf = b"%PDF-1.4\n% Nota pembelian fiktif NPF-5521\n".to_vec();
        pdf.extend((0..40_000u32).map(|i| (i % 251) as u8));
        // A "video" of 3 MB that does not compress: several upload chunks.
        let mut video = b"VIDEO-RAHASIA-6620".to_vec();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        video.extend((0..3_000_000).map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        }));
        let files = [
            ("foto-ZKW-8814.jpg", PHOTO.to_vec()),
            ("nota-ZKW-8812.pdf", pdf),
            ("rekaman-ZKW-8813.mp4", video),
        ]
        .into_iter()
        .map(|(name, bytes)| {
            let path = dir.path().join(name);
            std::fs::write(&path, &bytes).unwrap();
            (path, bytes)
        })
        .collect();
        Evidence { dir, files }
    }

    /// What the investigator must get back for each file name: the photo cleaned, the rest
    /// unchanged.
    fn expected(&self) -> Vec<(String, Vec<u8>)> {
        self.files
            .iter()
            .map(|(path, bytes)| {
                let name = path.file_name().unwrap().to_str().unwrap().to_owned();
                let bytes = match metadata::clean(bytes) {
                    Ok(cleaned) => cleaned.bytes,
                    Err(_) => bytes.clone(),
                };
                (name, bytes)
            })
            .collect()
    }

    /// The paths as WebDriver takes them for a `multiple` file input.
    fn paths(&self) -> String {
        let paths: Vec<String> = self
            .files
            .iter()
            .map(|(path, _)| path.display().to_string())
            .collect();
        paths.join("\n")
    }

    /// Strings that must never be stored or logged: the names and the markers inside.
    fn secrets(&self) -> Vec<&'static str> {
        vec![
            "ZKW-8812",
            "ZKW-8813",
            "ZKW-8814",
            "NPF-5521",
            "VIDEO-RAHASIA-6620",
            "Redmi Note 12",
        ]
    }
}

/// Checks the photo really carried what must go.
fn photo_has_metadata() {
    let cleaned = metadata::clean(PHOTO).unwrap();
    assert!(cleaned.had_gps(), "the fixture has a GPS position");
    assert!(contains(PHOTO, "Xiaomi"));
    assert!(!contains(&cleaned.bytes, "Xiaomi"));
}

/// The files `kentongan-keytool open` wrote for case `id`, by name.
fn opened_attachments(server: &Server, key: &InvestigatorKey, id: i64) -> Vec<(String, Vec<u8>)> {
    let (_text, _json) = export_and_open(server, key, id);
    let dir = server
        .dir
        .path()
        .join(format!("opened-{id}"))
        .join("attachments");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let entry = entry.unwrap();
            (
                entry.file_name().to_str().unwrap().to_owned(),
                std::fs::read(entry.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn assert_same_files(mut got: Vec<(String, Vec<u8>)>, mut expected: Vec<(String, Vec<u8>)>) {
    got.sort();
    expected.sort();
    let names = |files: &[(String, Vec<u8>)]| files.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&got), names(&expected));
    for ((name, got), (_, expected)) in got.iter().zip(&expected) {
        assert!(
            got == expected,
            "{name}: {} bytes arrived, {} expected",
            got.len(),
            expected.len()
        );
    }
}

fn assert_nothing_stored_or_logged(server: &Server, secrets: &[&str]) {
    let data = server.data_files();
    let log = server.log();
    for secret in secrets {
        assert!(!contains(&data, secret), "{secret:?} is in the database");
        assert!(!log.contains(secret), "{secret:?} is in the log");
    }
}

async fn fill_report(browser: &Client, what: &str, files: &str) {
    browser
        .find(Locator::Css("select[name=category]"))
        .await
        .unwrap()
        .select_by_value("kkn")
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
        .find(Locator::Css("input[type=file][name=files]"))
        .await
        .unwrap()
        .send_keys(files)
        .await
        .unwrap();
}

async fn submit(browser: &Client) {
    browser
        .find(Locator::Css("form#report-form [type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// The visible text of the first element `css` finds, once it has some. Read again after a
/// page load replaced the element (the no-JS form's post).
async fn text_of(browser: &Client, css: &str) -> String {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        if let Ok(element) = browser.find(Locator::Css(css)).await {
            if let Ok(text) = element.text().await {
                if !text.trim().is_empty() {
                    return text;
                }
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{css} never showed any text"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until `dir` holds `count` finished downloads (Chromium writes NAME.crdownload and
/// renames it when done).
async fn wait_for_downloads(dir: &Path, count: usize) {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_str().unwrap().to_owned())
            .collect();
        if names.len() == count && !names.iter().any(|n| n.ends_with(".crdownload")) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{count} downloads expected in {}: {names:?}",
            dir.display()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn evidence_with_javascript_is_encrypted_in_the_browser_and_opened_by_the_team() {
    photo_has_metadata();
    let evidence = Evidence::new();
    let (server, key) = server_with_investigator(None, "Citra");
    let recorder = record(server.url.trim_start_matches("http://").to_owned()).await;
    let profile = tempfile::tempdir().unwrap();
    let downloads = tempfile::tempdir().unwrap();
    let (_driver, browser) = chromium_with(
        profile.path(),
        serde_json::json!({
            "download.default_directory": downloads.path(),
            "download.prompt_for_download": false,
            "profile.default_content_setting_values.automatic_downloads": 1,
        }),
    )
    .await;

    browser
        .goto(&format!("{}/report", recorder.url))
        .await
        .unwrap();
    let what = "Nota pembelian fiktif untuk pengadaan laptop kantor";
    fill_report(&browser, what, &evidence.paths()).await;
    let notes = text_of(&browser, "#file-notes").await;
    assert!(notes.contains("foto-ZKW-8814.jpg"), "{notes}");
    submit(&browser).await;
    let receipt = text_of(&browser, "section#receipt:not([hidden]) #receipt-code").await;
    let reporter_passphrase = text_of(&browser, "#passphrase").await;
    let sent_files = text_of(&browser, "#sent-files").await;
    let photo_line = sent_files
        .lines()
        .find(|line| line.contains("foto-ZKW-8814.jpg"))
        .unwrap_or_else(|| panic!("the receipt names the photo: {sent_files}"));
    assert!(photo_line.contains("GPS"), "{photo_line}");
    assert_eq!(sent_files.lines().count(), 3, "{sent_files}");

    let sent = recorder.sent.lock().unwrap().clone();
    assert!(
        contains(&sent, "PUT /api/attachments/"),
        "files went up in pieces"
    );
    assert!(
        !contains(&sent, "POST /report "),
        "the plain form was not used"
    );

    // The reporter comes back and sends one more file with a message.
    let later = evidence.dir.path().join("catatan-ZKW-8815.txt");
    std::fs::write(&later, "CATATAN-RAHASIA-5150: jadwal penyerahan uang").unwrap();
    browser
        .goto(&format!("{}/followup", recorder.url))
        .await
        .unwrap();
    let field = |css: &'static str| browser.find(Locator::Css(css));
    field("#f-receipt")
        .await
        .unwrap()
        .send_keys(&receipt)
        .await
        .unwrap();
    field("#f-passphrase")
        .await
        .unwrap()
        .send_keys(&reporter_passphrase)
        .await
        .unwrap();
    field("form#followup-form [type=submit]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    text_of(&browser, "#case #stage").await;
    field("#f-message")
        .await
        .unwrap()
        .send_keys("Ini jadwalnya.")
        .await
        .unwrap();
    field("#message-form input[type=file]")
        .await
        .unwrap()
        .send_keys(&later.display().to_string())
        .await
        .unwrap();
    field("form#message-form [type=submit]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let noted = text_of(&browser, "#sent-files").await;
    assert!(noted.contains("catatan-ZKW-8815.txt"), "{noted}");

    let sent = recorder.sent.lock().unwrap().clone();
    assert!(contains(&sent, "POST /api/followup/messages"));
    let mut secrets = evidence.secrets();
    secrets.extend([what, "ZKW-8815", "CATATAN-RAHASIA-5150"]);
    for secret in &secrets {
        assert!(
            !contains(&sent, secret),
            "{secret:?} left the browser in plaintext"
        );
    }
    assert!(!contains(&sent, "Xiaomi"), "the camera left the browser");
    assert_nothing_stored_or_logged(&server, &secrets);

    let mut expected = evidence.expected();
    expected.push((
        "catatan-ZKW-8815.txt".to_owned(),
        std::fs::read(&later).unwrap(),
    ));
    assert_same_files(opened_attachments(&server, &key, 1), expected.clone());

    // The investigator downloads each file in the workspace, decrypted in the browser.
    browser
        .goto(&format!("{}/team", recorder.url))
        .await
        .unwrap();
    let passphrase = std::fs::read_to_string(&key.passphrase_file).unwrap();
    log_in(&browser, &key.key_file, passphrase.trim()).await;
    browser
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(
            "#team-workspace:not([hidden]) a[data-case='1']",
        ))
        .await
        .expect("the case list after logging in")
        .click()
        .await
        .unwrap();
    wait_text(&browser, "#team-case dl.report", what).await;
    let buttons = browser
        .find_all(Locator::Css("button[data-attachment]"))
        .await
        .unwrap();
    assert_eq!(buttons.len(), 4);
    // In item order: the report's three files, then the message's.
    // One at a time, each saved before the next is asked for.
    for (done, button) in buttons.into_iter().enumerate() {
        button.click().await.unwrap();
        wait_for_downloads(downloads.path(), done + 1).await;
    }
    let saved = std::fs::read_dir(downloads.path())
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            (
                entry.file_name().to_str().unwrap().to_owned(),
                std::fs::read(entry.path()).unwrap(),
            )
        })
        .collect();
    assert_same_files(saved, expected);
    browser.close().await.unwrap();
    assert_nothing_stored_or_logged(&server, &secrets);
}

#[tokio::test]
async fn evidence_without_javascript_is_encrypted_by_the_server() {
    let evidence = Evidence::new();
    let (server, key) = server_with_investigator(None, "Citra");
    let profile = tempfile::tempdir().unwrap();
    let (_driver, browser) = chromium_with(
        profile.path(),
        serde_json::json!({ "profile.managed_default_content_settings.javascript": 2 }),
    )
    .await;

    browser
        .goto(&format!("{}/report", server.url))
        .await
        .unwrap();
    let what = "Nota pembelian fiktif, dikirim tanpa JavaScript";
    fill_report(&browser, what, &evidence.paths()).await;
    submit(&browser).await;
    let receipt = text_of(&browser, "#receipt-code").await;
    assert_eq!(receipt.replace(' ', "").len(), 16, "{receipt}");
    let page = browser
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("foto-ZKW-8814.jpg") && page.contains("GPS"),
        "{page}"
    );
    assert!(page.contains("nota-ZKW-8812.pdf"), "{page}");
    browser.close().await.unwrap();

    let mut secrets = evidence.secrets();
    secrets.push(what);
    assert_nothing_stored_or_logged(&server, &secrets);
    assert_same_files(opened_attachments(&server, &key, 1), evidence.expected());
}

#[tokio::test]
async fn the_limits_refuse_before_anything_is_stored() {
    let evidence = Evidence::new();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kentongan.toml"),
        "[attachments]\nmax_files = 2\nmax_file_bytes = 1048576\n",
    )
    .unwrap();
    let key = make_investigator(dir.path(), "citra");
    let out = kentongan(
        dir.path(),
        None,
        &[
            "investigator",
            "add",
            "--name",
            "Citra",
            "--recipient",
            &key.recipient,
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let server = Server::start(dir, None);
    let recorder = record(server.url.trim_start_matches("http://").to_owned()).await;

    // With JavaScript: three files, and one over 1 MB: refused before encrypting anything.
    let profile = tempfile::tempdir().unwrap();
    let (_driver, browser) = chromium_with(profile.path(), serde_json::json!({})).await;
    browser
        .goto(&format!("{}/report", recorder.url))
        .await
        .unwrap();
    let what = "Laporan dengan terlalu banyak berkas";
    fill_report(&browser, what, &evidence.paths()).await;
    submit(&browser).await;
    let deadline = std::time::Instant::now() + WAIT;
    let status = loop {
        let said = text_of(&browser, "#report-status").await;
        if said.contains("Paling banyak 2 berkas") {
            break said;
        }
        assert!(std::time::Instant::now() < deadline, "no refusal: {said:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let kept = browser
        .find(Locator::Css("textarea[name=what]"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some(what), "the text stays: {status}");
    let sent = recorder.sent.lock().unwrap().clone();
    assert!(!contains(&sent, "/api/attachments"), "nothing was uploaded");
    assert!(
        !contains(&sent, "POST /api/reports"),
        "no report was posted"
    );

    // An iPhone photo (HEIC): its metadata cannot be removed, so it is refused by name,
    // with the way out, before anything is uploaded.
    let heic = evidence.dir.path().join("IMG_0042.HEIC");
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&24u32.to_be_bytes());
    bytes.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
    bytes.extend_from_slice(&[0x42; 400]);
    std::fs::write(&heic, bytes).unwrap();
    browser
        .goto(&format!("{}/report", recorder.url))
        .await
        .unwrap();
    fill_report(&browser, what, &heic.display().to_string()).await;
    submit(&browser).await;
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let said = text_of(&browser, "#report-status").await;
        if said.contains("IMG_0042.HEIC") && said.contains("Paling Kompatibel") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no refusal: {said:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let sent = recorder.sent.lock().unwrap().clone();
    assert!(!contains(&sent, "/api/attachments"), "nothing was uploaded");
    assert!(
        !contains(&sent, "POST /api/reports"),
        "no report was posted"
    );
    browser.close().await.unwrap();

    // Without JavaScript: the video is over 1 MB: the form comes back, text kept, no case.
    let profile = tempfile::tempdir().unwrap();
    let (_driver, browser) = chromium_with(
        profile.path(),
        serde_json::json!({ "profile.managed_default_content_settings.javascript": 2 }),
    )
    .await;
    browser
        .goto(&format!("{}/report", server.url))
        .await
        .unwrap();
    let video = evidence.files[2].0.display().to_string();
    fill_report(&browser, what, &video).await;
    submit(&browser).await;
    // Read from the page the post brings back (the typed text is its content there), not
    // from the form being replaced.
    let kept = text_of(&browser, "textarea[name=what]").await;
    assert_eq!(kept, what);
    let page = browser
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("1 MB"), "the limit is named: {page}");
    browser.close().await.unwrap();

    let out = server.kentongan(&["case", "list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !stdout(&out).contains("diterima"),
        "no case: {}",
        stdout(&out)
    );
    assert_nothing_stored_or_logged(&server, &evidence.secrets());
}
