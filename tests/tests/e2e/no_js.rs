//! The no-JavaScript path with the real binaries: report through the plain form, export,
//! open with the keytool; and nothing of the report, the client's address, user agent or
//! referrer in the database or the log.

use std::net::{IpAddr, Ipv4Addr};

use crate::support::*;

/// The client connects from this loopback address, so the test can look for it.
const CLIENT_ADDRESS: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 77);
const USER_AGENT: &str = "KentonganE2E-UserAgent/7.7";
const REFERRER: &str = "http://referrer.invalid/secret-page";

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .local_address(IpAddr::V4(CLIENT_ADDRESS))
        .user_agent(USER_AGENT)
        .build()
        .unwrap()
}

/// Files a report through the form as a browser without JavaScript would, and returns the
/// receipt page.
pub async fn file_report(server: &Server, what: &str) -> String {
    let client = client();
    let form = client
        .get(format!("{}/report", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    let html = form.text().await.unwrap();
    let csrf = input_value(&html, "csrf").expect("csrf field");
    let response = client
        .post(format!("{}/report", server.url))
        .header("referer", REFERRER)
        .form(&[
            ("csrf", csrf.as_str()),
            ("lang", "id"),
            ("category", "gratifikasi-suap"),
            ("what", what),
            ("who", "Petugas loket \" ' & < >"),
            ("where", "Loket pelayanan"),
            ("when", "Senin lalu"),
            ("how", "Meminta uang di luar tarif"),
            ("why", "Tidak ada dasar hukumnya"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

async fn story(server: Server, key: InvestigatorKey, dump: impl Fn(&Server) -> Vec<u8>) {
    let what = "Pungutan liar di loket KTP oleh petugas berinisial ZQX-4711";
    let page = file_report(&server, what).await;
    let receipt = element_text(&page, "receipt-code").expect("receipt code on the page");
    let passphrase = element_text(&page, "passphrase").expect("passphrase on the page");
    assert_eq!(receipt.replace(' ', "").len(), 16, "{receipt}");
    assert!(passphrase.split(' ').count() >= 7, "{passphrase}");
    assert!(
        !page.contains(what),
        "the receipt page does not echo the report"
    );

    let (text, json) = export_and_open(&server, &key, 1);
    assert!(text.contains(what), "{text}");
    assert!(text.contains("Petugas loket \" ' & < >"));
    assert_eq!(json["items"][0]["report"]["encrypted_in"], "server");

    // Weeks later: the investigator asks a question and moves the case, offline; the
    // reporter logs in without JavaScript, typing sloppily, reads both and answers.
    let question = "Apakah Anda menyimpan kuitansi QRT-5521?";
    let stage_message = "Laporan Anda sedang diperiksa oleh tim PMK-3310.";
    investigator_answers(&server, &key, 1, question, stage_message);
    let client = client();
    let login = client
        .get(format!("{}/followup", server.url))
        .send()
        .await
        .unwrap();
    let csrf = input_value(&login.text().await.unwrap(), "csrf").expect("csrf field");
    let wrong = client
        .post(format!("{}/followup", server.url))
        .form(&[
            ("csrf", csrf.as_str()),
            ("lang", "id"),
            ("receipt", receipt.as_str()),
            ("passphrase", "salah"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("Kode tanda terima atau kata sandi salah.")
    );
    let typed_receipt = receipt.replace(' ', "-");
    let typed_passphrase = format!(" {} ", passphrase.to_uppercase());
    let case = client
        .post(format!("{}/followup", server.url))
        .form(&[
            ("csrf", csrf.as_str()),
            ("lang", "id"),
            ("receipt", typed_receipt.as_str()),
            ("passphrase", typed_passphrase.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(case.status(), 200, "logged in and redirected to the case");
    let page = case.text().await.unwrap();
    assert_eq!(element_text(&page, "stage").as_deref(), Some("Pemeriksaan"));
    for shown in [what, question, stage_message] {
        assert!(page.contains(shown), "{shown:?} is on the case page");
    }
    // Signed offline by the keytool, checked in server memory against the committed key.
    assert!(
        !page.contains("said unverified") && !page.contains("tidak ditandatangani"),
        "the team's replies show as the team's"
    );
    let answer = "Ya, kuitansinya saya simpan. Nomornya ANS-7788.";
    let sent = client
        .post(format!("{}/followup/message", server.url))
        .form(&[("csrf", csrf.as_str()), ("lang", "id"), ("message", answer)])
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);
    let page = sent.text().await.unwrap();
    assert!(page.contains("Pesan terkirim.") && page.contains(answer));
    let logout = client
        .post(format!("{}/followup/logout", server.url))
        .form(&[("csrf", csrf.as_str()), ("lang", "id")])
        .send()
        .await
        .unwrap();
    assert!(logout.text().await.unwrap().contains("Anda sudah keluar."));

    let conversation = open_conversation(&server, &key, 1);
    for said in [question, stage_message, answer] {
        assert!(
            conversation.contains(said),
            "{said:?} in the keytool's transcript:\n{conversation}"
        );
    }

    let stored = dump(&server);
    let log = server.log();
    for secret in [
        what,
        "ZQX-4711",
        passphrase.as_str(),
        "Meminta uang di luar tarif",
        question,
        "QRT-5521",
        "PMK-3310",
        answer,
        "ANS-7788",
    ] {
        assert!(!contains(&stored, secret), "{secret:?} is in the database");
        assert!(
            !contains(&stored, &hex(secret)),
            "{secret:?} is in the database (hex)"
        );
        assert!(!log.contains(secret), "{secret:?} is in the log");
    }
    for trace in [
        CLIENT_ADDRESS.to_string().as_str(),
        USER_AGENT,
        REFERRER,
        "referrer.invalid",
    ] {
        assert!(!contains(&stored, trace), "{trace:?} is in the database");
        assert!(!log.contains(trace), "{trace:?} is in the log");
    }
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn report_without_javascript_on_default_sqlite() {
    // The default database: no URL given anywhere, so data/kentongan.sqlite3 is created.
    let (server, key) = server_with_investigator(None, "Ani");
    assert!(server.dir.path().join("data/kentongan.sqlite3").exists());
    story(server, key, Server::data_files).await;
}

#[tokio::test]
async fn report_without_javascript_on_postgres() {
    let pg = Postgres::new();
    let (server, key) = server_with_investigator(Some(&pg.url), "Budi");
    story(server, key, |_| pg.dump().into_bytes()).await;
}

#[tokio::test]
async fn without_investigators_the_form_refuses_and_the_server_warns() {
    let server = Server::start(tempfile::tempdir().unwrap(), None);
    let html = client()
        .get(format!("{}/report", server.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !html.contains("id=\"report-form\""),
        "no form without investigators"
    );
    assert!(server.log().contains("no investigator is registered"));
}

#[tokio::test]
async fn operator_commands_validate_their_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = kentongan(
        dir.path(),
        None,
        &[
            "investigator",
            "add",
            "--name",
            "X",
            "--recipient",
            "age1notakey",
        ],
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("not a valid public key"),
        "{}",
        stderr(&out)
    );
    let out = kentongan(dir.path(), None, &["investigator", "disable", "42"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no investigator 42"));
    let out = kentongan(
        dir.path(),
        None,
        &["export", "--case", "9", "--out", "x.json"],
    );
    assert!(!out.status.success());
    let out = kentongan(dir.path(), None, &["config", "example"]);
    assert!(stdout(&out).contains("[office]"));
}

/// `kentongan case list` and `case move` on a case filed through the form: the list shows
/// the stage and the deadline, the workflow refuses what it does not allow, and the export
/// carries the new stage.
async fn case_workflow(database_url: Option<&str>) {
    let (server, _key) = server_with_investigator(database_url, "Ani");
    file_report(&server, "Pungutan liar di loket KTP").await;

    let out = server.kentongan(&["case", "list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let list = stdout(&out);
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 2, "{list}");
    assert_eq!(
        lines[0],
        "id\tstage\tage_days\tdue\tassignee\tcategory\tlast_activity"
    );
    let fields: Vec<&str> = lines[1].split('\t').collect();
    assert_eq!(fields.len(), 7, "{list}");
    assert_eq!(&fields[4..6], ["-", "-"], "{list}");
    assert_eq!(&fields[..3], ["1", "diterima", "0"], "{list}");
    assert!(fields[3].starts_with("due 20"), "{list}");

    // The office's own deadlines come from its configuration file.
    let config = server.dir.path().join("kentongan.toml");
    std::fs::write(&config, "[deadlines]\nacknowledge_days = 30\n").unwrap();
    let out = server.kentongan(&["case", "list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let later = stdout(&out);
    assert_ne!(later, list, "a 30-day deadline is not the 5-day default");
    std::fs::remove_file(&config).unwrap();

    let out = server.kentongan(&["case", "move", "1", "--to", "pemeriksaan", "--by", "Ani"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("case 1 moved from diterima to pemeriksaan"));

    let out = server.kentongan(&["case", "move", "1", "--to", "selesai", "--by", "Ani"]);
    assert!(!out.status.success());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot move from `pemeriksaan` to `selesai`"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("the next stage is `verifikasi`"));

    let out = server.kentongan(&["case", "move", "1", "--to", "dialihkan", "--by", "Ani"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("needs a message to the reporter"),
        "{}",
        stderr(&out)
    );
    let out = server.kentongan(&["case", "move", "1", "--to", "nowhere", "--by", "Ani"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("unknown stage"), "{}", stderr(&out));
    let out = server.kentongan(&["case", "move", "7", "--to", "pemeriksaan", "--by", "Ani"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("there is no case 7"),
        "{}",
        stderr(&out)
    );

    let out = server.kentongan(&["case", "list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let cases = json.as_array().unwrap();
    assert_eq!(cases.len(), 1, "{json}");
    assert_eq!(cases[0]["id"], 1);
    assert_eq!(cases[0]["stage"], "pemeriksaan");
    assert_eq!(cases[0]["age_days"], 0);
    assert_eq!(cases[0]["due"]["state"], "on-time", "{json}");
    assert!(cases[0]["due"]["date"].is_string(), "{json}");

    let bundle = server.dir.path().join("case-1.json");
    let out = server.kentongan(&["export", "--case", "1", "--out", bundle.to_str().unwrap()]);
    assert!(out.status.success(), "export: {}", stderr(&out));
    let bundle: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&bundle).unwrap()).unwrap();
    assert_eq!(bundle["case"]["stage"], "pemeriksaan", "{bundle}");
}

#[tokio::test]
async fn case_list_and_move_on_sqlite() {
    case_workflow(None).await;
}

#[tokio::test]
async fn case_list_and_move_on_postgres() {
    let pg = Postgres::new();
    case_workflow(Some(&pg.url)).await;
}

/// `kentongan-keytool reply FILE` with `key`, the message in a file beside it.
fn keytool_reply(
    server: &Server,
    key: &InvestigatorKey,
    bundle: &std::path::Path,
    text: &str,
    out: &str,
) -> String {
    let message = server.dir.path().join(format!("{out}.txt"));
    std::fs::write(&message, text).unwrap();
    let reply = server.dir.path().join(out);
    let mut cmd = std::process::Command::new(bin("kentongan-keytool"));
    cmd.arg("reply")
        .arg(bundle)
        .arg("--identity")
        .arg(&key.key_file)
        .arg("--passphrase-file")
        .arg(&key.passphrase_file)
        .arg("--message-file")
        .arg(&message)
        .arg("--out")
        .arg(&reply);
    let done = run(cmd);
    assert!(done.status.success(), "keytool reply: {}", stderr(&done));
    std::fs::remove_file(&message).unwrap();
    reply.to_str().unwrap().to_owned()
}

/// Asserts the command failed with exit status 1 and one line on stderr containing
/// `expected`.
fn refused(out: &std::process::Output, expected: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains(expected), "expected {expected:?} in {err}");
}

/// The offline investigator's path with the real binaries: two reports through the form,
/// their bundles, replies written by the keytool; a foreign, a tampered and a repeated reply
/// refused; a side exit refused without its reason, then made with it; the export opened
/// again shows the whole conversation. No reply text reaches the database or the log.
async fn offline_replies(server: Server, key: InvestigatorKey, dump: impl Fn(&Server) -> Vec<u8>) {
    file_report(&server, "Pungutan liar di loket KTP").await;
    file_report(&server, "Laporan kedua").await;
    let bundles = server.dir.path().join("bundles");
    let out = server.kentongan(&["export", "--all", "--out", bundles.to_str().unwrap()]);
    assert!(out.status.success(), "export: {}", stderr(&out));

    let question = "Kapan kejadiannya? Mohon sebutkan tanggalnya. QRX-1187";
    let reason = "Diteruskan ke Inspektorat Kabupaten Bantul. QRX-2290";
    let reply_1 = keytool_reply(
        &server,
        &key,
        &bundles.join("case-1.json"),
        question,
        "reply-1.json",
    );
    let reason_1 = keytool_reply(
        &server,
        &key,
        &bundles.join("case-1.json"),
        reason,
        "reason-1.json",
    );
    let reply_2 = keytool_reply(
        &server,
        &key,
        &bundles.join("case-2.json"),
        "Untuk kasus kedua. QRX-3301",
        "reply-2.json",
    );

    // Made for case 2: refused for case 1, in both commands.
    refused(
        &server.kentongan(&["case", "reply", "1", &reply_2]),
        "this reply was made for case 2, not for case 1",
    );
    refused(
        &server.kentongan(&[
            "case",
            "move",
            "1",
            "--to",
            "dialihkan",
            "--reply",
            &reply_2,
        ]),
        "this reply was made for case 2, not for case 1",
    );
    // One character of the ciphertext changed.
    let mut tampered: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&reply_1).unwrap()).unwrap();
    let ciphertext = tampered["ciphertext"].as_str().unwrap().to_owned();
    let at = ciphertext.len() / 2;
    let swapped = if &ciphertext[at..=at] == "A" {
        "B"
    } else {
        "A"
    };
    tampered["ciphertext"] =
        format!("{}{swapped}{}", &ciphertext[..at], &ciphertext[at + 1..]).into();
    let tampered_file = server.dir.path().join("tampered.json");
    std::fs::write(&tampered_file, tampered.to_string()).unwrap();
    refused(
        &server.kentongan(&["case", "reply", "1", tampered_file.to_str().unwrap()]),
        "is damaged (its ciphertext does not match its checksum)",
    );
    refused(
        &server.kentongan(&[
            "case",
            "reply",
            "1",
            bundles.join("case-1.json").to_str().unwrap(),
        ]),
        "case-1.json is a case bundle, not a reply file",
    );
    refused(
        &server.kentongan(&["case", "reply", "3", &reply_1]),
        "there is no case 3",
    );

    let out = server.kentongan(&["case", "reply", "1", &reply_1]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim_end(), "reply added to case 1");
    refused(
        &server.kentongan(&["case", "reply", "1", &reply_1]),
        "this reply is already in case 1",
    );

    refused(
        &server.kentongan(&["case", "move", "1", "--to", "dialihkan"]),
        "moving to `dialihkan` needs a message to the reporter",
    );
    refused(
        &server.kentongan(&["case", "move", "1", "--to", "selesai", "--reply", &reason_1]),
        "cannot move from `diterima` to `selesai`",
    );
    // Without --by: recorded as the login name, or `operator`.
    let out = server.kentongan(&[
        "case",
        "move",
        "1",
        "--to",
        "dialihkan",
        "--reply",
        &reason_1,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("case 1 moved from diterima to dialihkan (by "),
        "{}",
        stdout(&out)
    );
    let out = server.kentongan(&["case", "list"]);
    let list = stdout(&out);
    assert!(list.contains("\n1\tdialihkan\t0\t—\t"), "{list}");
    assert!(list.contains("\n2\tditerima\t0\tdue 20"), "{list}");

    let (_, json) = export_and_open(&server, &key, 1);
    assert_eq!(json["case"]["stage"], "dialihkan");
    let history = &json["case"]["history"];
    assert_eq!(history[0]["stage"], "dialihkan", "{history}");
    let items = json["items"].as_array().unwrap();
    let kinds: Vec<&str> = items.iter().map(|i| i["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["report", "investigator-message", "stage-message"]);
    assert_eq!(items[1]["message"]["text"], question);
    assert_eq!(items[2]["message"]["text"], reason);
    assert_eq!(history[0]["message"], items[2]["id"]);
    let conversation =
        std::fs::read_to_string(server.dir.path().join("opened-1/conversation.txt")).unwrap();
    // Item numbers are the server's, across cases: case 2's report is item 2.
    let question_entry = format!("] Tim (Investigators), item {}:\n", items[1]["id"]);
    for expected in [
        "Tahap sekarang (current stage): Dialihkan (forwarded)",
        "Dialihkan (forwarded), oleh (by) ",
        reason,
        &question_entry,
        question,
        "Pungutan liar di loket KTP",
    ] {
        assert!(
            conversation.contains(expected),
            "{expected:?} in\n{conversation}"
        );
    }

    let stored = dump(&server);
    let log = server.log();
    for secret in ["QRX-1187", "QRX-2290", "QRX-3301", "Kapan kejadiannya"] {
        assert!(!contains(&stored, secret), "{secret:?} is in the database");
        assert!(!log.contains(secret), "{secret:?} is in the log");
    }
}

#[tokio::test]
async fn offline_replies_on_sqlite() {
    let (server, key) = server_with_investigator(None, "Ani");
    offline_replies(server, key, Server::data_files).await;
}

#[tokio::test]
async fn offline_replies_on_postgres() {
    let pg = Postgres::new();
    let (server, key) = server_with_investigator(Some(&pg.url), "Budi");
    offline_replies(server, key, |_| pg.dump().into_bytes()).await;
}
