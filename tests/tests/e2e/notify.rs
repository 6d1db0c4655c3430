//! E-mail notifications with the real binary: a `[notify]` table pointing at a local SMTP
//! sink, a report through the no-JS form, and a mail that says only that something is new.
//! Without the table the server says notifications are off.

use std::time::Duration;

use kentongan_tests::smtp_sink::SmtpSink;

use crate::no_js::file_report;
use crate::support::*;

const TEAM_URL: &str = "http://wbs.test/team";

fn notify_table(port: u16) -> String {
    format!(
        "[notify]\n\
         smtp_host = \"127.0.0.1\"\n\
         smtp_port = {port}\n\
         tls = \"none\"\n\
         from = \"Kentongan <wbs@wbs.test>\"\n\
         to = [\"tim-wbs@wbs.test\"]\n\
         team_url = \"{TEAM_URL}\"\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_mails_the_team_and_says_nothing_of_it() {
    let sink = SmtpSink::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = make_investigator(dir.path(), "ani");
    let out = kentongan(
        dir.path(),
        None,
        &[
            "investigator",
            "add",
            "--name",
            "Ani",
            "--recipient",
            &key.recipient,
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::write(dir.path().join("kentongan.toml"), notify_table(sink.port())).unwrap();
    let server = Server::start(dir, None);

    let what = "Pungutan liar di loket KTP nomor 3";
    let html = file_report(&server, what).await;
    let receipt = element_text(&html, "receipt-code").expect("a receipt");
    let mails = sink.wait_for(1, Duration::from_secs(30)).await;
    assert_eq!(mails.len(), 1, "{}", server.log());
    let mail = &mails[0];
    assert_eq!(mail.to, ["tim-wbs@wbs.test"]);
    assert!(mail.body().contains(TEAM_URL), "{}", mail.data);
    assert!(mail.body().contains("ada laporan baru"), "{}", mail.data);
    assert!(
        !mail.body().chars().any(|c| c.is_ascii_digit()),
        "{}",
        mail.data
    );
    let digits: String = receipt.chars().filter(char::is_ascii_digit).collect();
    for secret in [
        receipt.as_str(),
        digits.as_str(),
        "Pungutan",
        "Petugas loket",
    ] {
        assert!(!mail.data.contains(secret), "{secret}");
    }
    // The server logs the mail once the outbox is cleared, just after the sink took it.
    for _ in 0..100 {
        if server.log().contains("notification e-mail sent") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let log = server.log();
    assert!(log.contains("notifications by e-mail are on"), "{log}");
    assert!(log.contains("notification e-mail sent"), "{log}");
    assert!(
        !log.contains("tim-wbs@wbs.test") && !log.contains("Pungutan"),
        "{log}"
    );
}

#[tokio::test]
async fn without_the_table_notifications_are_off() {
    let (server, _key) = server_with_investigator(None, "Ani");
    file_report(&server, "Laporan tanpa surel").await;
    let log = server.log();
    assert!(log.contains("notifications by e-mail are off"), "{log}");
    assert!(!log.contains("notification e-mail sent"), "{log}");
}
