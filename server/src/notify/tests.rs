//! Notifications: settings, the mail's text, the deadline rule, and sending through a local
//! SMTP sink on both backends: retries, an SMTP server that is down, the daily check.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::time::Duration;

use kentongan_crypto::Ciphertext;
use kentongan_crypto::bundle::ItemKind;
use kentongan_tests::smtp_sink::{Mail, Refusal, SmtpSink};
use time::macros::date;

use super::*;
use crate::store::tests::{Backend, new_case};

pub(crate) const TEAM_URL: &str = "http://wbs.test/team";
pub(crate) const TEAM: &str = "tim-wbs@wbs.test";
/// How long a test waits for a mail that should come.
pub(crate) const PATIENCE: Duration = Duration::from_secs(20);

/// The `[notify]` table a test uses: the sink on this machine, without TLS.
fn file(port: u16) -> NotifyFile {
    NotifyFile {
        smtp_host: "127.0.0.1".into(),
        smtp_port: Some(port),
        tls: Tls::None,
        username: None,
        password: None,
        from: "Kentongan <wbs@wbs.test>".into(),
        to: vec![TEAM.into()],
        team_url: TEAM_URL.into(),
        deadline_warning_days: None,
    }
}

/// Settings for the sink on `port`, retrying after 50 ms instead of 30 s.
pub(crate) fn settings_for(port: u16) -> NotifySettings {
    let mut settings = file(port).settings(None).unwrap();
    settings.retry_first = Duration::from_millis(50);
    settings.retry_max = Duration::from_millis(200);
    settings.poll = Duration::from_millis(200);
    // The tests' cases are dated 2026: a check on today's real date is no test's business.
    settings.daily_check = false;
    settings
}

pub(crate) fn notifier(store: Arc<dyn Store>, port: u16) -> Notifier {
    Notifier::new(
        store,
        settings_for(port),
        Deadlines::default(),
        UtcOffset::UTC,
    )
    .unwrap()
}

/// The mail carries the link and what is new, and nothing that could name a case: no digit
/// at all in the body (no case number, no count, no receipt), the fixed subject.
pub(crate) fn assert_says_only_something_new(mail: &Mail, kinds: &[Notification]) {
    assert_eq!(mail.to, vec![TEAM.to_owned()]);
    assert_eq!(mail.header("Subject").as_deref(), Some(SUBJECT));
    let text = mail.body();
    assert_eq!(text, body(kinds, TEAM_URL), "{:?}", mail.data);
    assert!(text.contains(TEAM_URL));
    assert!(!text.chars().any(|c| c.is_ascii_digit()), "{text}");
}

#[test]
fn the_body_says_what_is_new_in_both_languages() {
    let text = body(&Notification::ALL, TEAM_URL);
    for line in [
        "- ada laporan baru",
        "- pelapor mengirim pesan",
        "- tenggat waktu sebuah laporan sudah dekat",
        "- a new report",
        "- a reporter sent a message",
        "- a report's deadline is near",
    ] {
        assert!(text.contains(line), "{line}");
    }
    assert!(text.find("Ada yang baru").unwrap() < text.find("There is something new").unwrap());
    assert_eq!(text.matches(TEAM_URL).count(), 2);
    let only_new = body(&[Notification::NewReport], TEAM_URL);
    assert!(!only_new.contains("pelapor") && !only_new.contains("deadline"));
    // Short ASCII lines: the mail goes as 7bit text, readable in any client and in tests.
    assert!(text.is_ascii() && text.lines().all(|line| line.len() <= 76));
}

#[test]
fn settings_are_checked() {
    let settings = file(2525).settings(None).unwrap();
    assert_eq!((settings.smtp_port, settings.tls), (2525, Tls::None));
    assert_eq!(settings.deadline_warning_days, 2);

    let default_port = |tls| {
        let mut f = file(0);
        f.smtp_host = "smtp.example.go.id".into();
        f.smtp_port = None;
        f.tls = tls;
        f.settings(None).map(|s| s.smtp_port)
    };
    assert_eq!(default_port(Tls::Starttls).unwrap(), 587);
    assert_eq!(default_port(Tls::Tls).unwrap(), 465);
    // No encryption to another machine would send the password and the mail in clear.
    let refused = default_port(Tls::None).unwrap_err().to_string();
    assert!(
        refused.contains("only for an SMTP server on this machine"),
        "{refused}"
    );
    for host in ["localhost", "127.0.0.1", "::1", "[::1]", "127.0.0.2"] {
        let mut f = file(25);
        f.smtp_host = host.into();
        assert!(f.settings(None).is_ok(), "{host}");
    }

    let mut f = file(25);
    f.username = Some("wbs".into());
    let refused = f.settings(None).unwrap_err().to_string();
    assert!(refused.contains(PASSWORD_ENV), "{refused}");
    let mut f = file(25);
    f.username = Some("wbs".into());
    f.password = Some("from-the-file".into());
    let settings = f.settings(Some("from-the-env".into())).unwrap();
    assert_eq!(
        settings.credentials,
        Some(("wbs".to_owned(), "from-the-env".to_owned()))
    );
    let mut f = file(25);
    f.password = Some("s3cret".into());
    assert!(!format!("{f:?}").contains("s3cret"));
    assert!(f.settings(None).is_err(), "a password without a user");

    for (bad, change) in [
        (
            "from",
            (|f: &mut NotifyFile| f.from = "not an address".into()) as fn(&mut _),
        ),
        ("to", |f| f.to = vec![]),
        ("to", |f| f.to = vec!["x@y".into(), "<>".into()]),
        ("team_url", |f| f.team_url = "wbs.test/team".into()),
        ("team_url", |f| f.team_url = "https://wbs.test/te am".into()),
        ("smtp_host", |f| f.smtp_host = " ".into()),
    ] {
        let mut f = file(25);
        change(&mut f);
        let refused = f.settings(None).unwrap_err().to_string();
        assert!(refused.contains(bad), "{bad}: {refused}");
    }
}

fn summary(stage: &str, created_on: Date, acknowledged_on: Option<Date>) -> CaseSummary {
    CaseSummary {
        id: 1,
        created_on,
        stage: stage.into(),
        acknowledged_on,
        last_moved_on: acknowledged_on,
    }
}

#[test]
fn a_deadline_is_near_within_the_warning_days() {
    let deadlines = Deadlines::default();
    // Received on Monday 2026-11-30: acknowledge by the 5th working day, Monday 2026-12-07.
    let received = date!(2026 - 11 - 30);
    let new = [summary("diterima", received, None)];
    let near = |today, days| deadline_near(&new, today, &deadlines, days);
    assert!(
        !near(date!(2026 - 12 - 02), 2),
        "Wednesday: 3 working days left"
    );
    assert!(near(date!(2026 - 12 - 03), 2), "Thursday: Friday, Monday");
    assert!(
        near(date!(2026 - 12 - 05), 0),
        "Saturday: due the next working day"
    );
    assert!(near(date!(2026 - 12 - 07), 0), "due today");
    assert!(
        !near(date!(2026 - 12 - 08), 2),
        "overdue is shown as overdue, not near"
    );
    // Acknowledged: the feedback deadline (65 working days) is far.
    let acknowledged = [summary("pemeriksaan", received, Some(received))];
    assert!(!deadline_near(
        &acknowledged,
        date!(2026 - 12 - 03),
        &deadlines,
        2
    ));
    // Closed, unknown stage, no case: nothing.
    let closed = [summary("selesai", received, Some(received))];
    assert!(!deadline_near(
        &closed,
        date!(2026 - 12 - 07),
        &deadlines,
        2
    ));
    let unknown = [summary("nonsense", received, None)];
    assert!(!deadline_near(
        &unknown,
        date!(2026 - 12 - 07),
        &deadlines,
        2
    ));
    assert!(!deadline_near(&[], date!(2026 - 12 - 07), &deadlines, 2));
}

macro_rules! on_both_backends {
    ($($story:ident),* $(,)?) => {$(
        mod $story {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$story(&super::Backend::sqlite()).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$story(&super::Backend::postgres().await).await;
            }
        }
    )*};
}

on_both_backends!(
    events_become_one_mail_and_leave_the_outbox,
    a_refused_mail_is_retried_until_taken,
    with_the_smtp_server_down_the_event_waits,
    the_deadline_mail_is_queued_once_a_day,
);

async fn eventually_empty(backend: &Backend) {
    for _ in 0..100 {
        if backend.count("notifications").await == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the outbox was not cleared");
}

async fn events_become_one_mail_and_leave_the_outbox(backend: &Backend) {
    let store = backend.open().await;
    let sink = SmtpSink::start().await.unwrap();
    let notifier = notifier(store.clone(), sink.port());
    // Three events before the sender looks: one mail says all of them.
    let id = store.create_case(new_case(&[])).await.unwrap();
    store.create_case(new_case(&[])).await.unwrap();
    store
        .add_item(
            id,
            ItemKind::ReporterMessage,
            Ciphertext::from_bytes(b"x".to_vec()),
            date!(2026 - 11 - 28),
            None,
        )
        .await
        .unwrap();
    assert!(notifier.deliver().await.unwrap());
    assert!(!notifier.deliver().await.unwrap(), "nothing left to send");
    let mails = sink.mails();
    assert_eq!(mails.len(), 1);
    assert_says_only_something_new(
        &mails[0],
        &[Notification::NewReport, Notification::ReporterMessage],
    );
    assert_eq!(mails[0].from, "wbs@wbs.test");
    assert_eq!(backend.count("notifications").await, 0);

    // The running sender is woken by the next event.
    let _task = notifier.spawn();
    store.create_case(new_case(&[])).await.unwrap();
    let mails = sink.wait_for(2, PATIENCE).await;
    assert_eq!(mails.len(), 2);
    assert_says_only_something_new(&mails[1], &[Notification::NewReport]);
    eventually_empty(backend).await;
}

async fn a_refused_mail_is_retried_until_taken(backend: &Backend) {
    let store = backend.open().await;
    let sink = SmtpSink::start().await.unwrap();
    sink.refuse_next(&[Refusal::AfterData, Refusal::AtGreeting, Refusal::AfterData]);
    let notifier = notifier(store.clone(), sink.port());

    // One round that fails keeps the event.
    store.create_case(new_case(&[])).await.unwrap();
    let failed = notifier.deliver().await.unwrap_err();
    assert!(matches!(failed, NotifyError::Smtp(_)), "{failed}");
    assert!(failed.to_string().contains("451"), "{failed}");
    assert_eq!(backend.count("notifications").await, 1);

    // The sender retries by itself, through both kinds of refusal, until the mail is taken.
    let _task = notifier.spawn();
    let mails = sink.wait_for(1, PATIENCE).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(sink.refused(), 3);
    assert_says_only_something_new(&mails[0], &[Notification::NewReport]);
    eventually_empty(backend).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.mails().len(), 1, "sent once");
}

async fn with_the_smtp_server_down_the_event_waits(backend: &Backend) {
    let store = backend.open().await;
    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let down = notifier(store.clone(), port);
    store.create_case(new_case(&[])).await.unwrap();
    for _ in 0..3 {
        let failed = down.deliver().await.unwrap_err();
        assert!(matches!(failed, NotifyError::Smtp(_)), "{failed}");
    }
    assert_eq!(backend.count("notifications").await, 1);
    drop(down);

    // The server restarted with the SMTP server back: the event goes out.
    drop(store);
    let store = backend.open().await;
    let sink = SmtpSink::start().await.unwrap();
    let _task = notifier(store.clone(), sink.port()).spawn();
    let mails = sink.wait_for(1, PATIENCE).await;
    assert_eq!(mails.len(), 1);
    assert_says_only_something_new(&mails[0], &[Notification::NewReport]);
    eventually_empty(backend).await;
}

async fn the_deadline_mail_is_queued_once_a_day(backend: &Backend) {
    let store = backend.open().await;
    let sink = SmtpSink::start().await.unwrap();
    let notifier = notifier(store.clone(), sink.port());
    // Received on Saturday 2026-11-28: to be acknowledged by Friday 2026-12-04.
    store.create_case(new_case(&[])).await.unwrap();
    while notifier.deliver().await.unwrap() {}
    let first = sink.mails().len();

    // Monday: four working days left, not near; the day is checked all the same.
    assert!(
        notifier
            .check_deadlines(date!(2026 - 11 - 30))
            .await
            .unwrap()
    );
    assert!(!notifier.deliver().await.unwrap());
    // Thursday, checked twice (or by two instances): one mail.
    let thursday = date!(2026 - 12 - 03);
    assert!(notifier.check_deadlines(thursday).await.unwrap());
    assert!(!notifier.check_deadlines(thursday).await.unwrap());
    assert!(notifier.deliver().await.unwrap());
    assert!(!notifier.deliver().await.unwrap());
    assert!(!notifier.check_deadlines(thursday).await.unwrap());
    assert!(!notifier.deliver().await.unwrap());
    let mails = sink.mails();
    assert_eq!(mails.len(), first + 1);
    assert_says_only_something_new(&mails[first], &[Notification::DeadlineNear]);
    // Friday: again, once.
    assert!(
        notifier
            .check_deadlines(date!(2026 - 12 - 04))
            .await
            .unwrap()
    );
    assert!(notifier.deliver().await.unwrap());
    assert_eq!(sink.mails().len(), first + 2);
}

/// Without a notifier nothing is queued, so an office that never configures notifications
/// keeps no outbox rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_notifier_nothing_is_queued() {
    let backend = Backend::sqlite();
    let store = backend.open().await;
    store.create_case(new_case(&[])).await.unwrap();
    assert_eq!(backend.count("notifications").await, 0);
    let _notifier = notifier(store.clone(), 25);
    store.create_case(new_case(&[])).await.unwrap();
    assert_eq!(backend.count("notifications").await, 1);
}
