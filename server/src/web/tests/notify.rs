//! Notifications from the web paths, caught by a local SMTP sink: a report filed without
//! JavaScript or from the browser, and a reporter's follow-up message, each become one mail
//! that carries the link to /team and nothing of the case: no number, no receipt, no text.

use axum::http::StatusCode;
use kentongan_tests::smtp_sink::{Mail, SmtpSink};

use super::followup::logged_in;
use super::{App, HOSTILE, TOKEN, app, form, sealed_for};
use crate::notify::tests::{PATIENCE, assert_says_only_something_new, notifier};
use crate::store::Notification;

/// An app whose store queues notifications, with a sender running to a fresh sink.
async fn notified_app() -> (App, SmtpSink) {
    let app = app(2).await;
    let sink = SmtpSink::start().await.unwrap();
    notifier(app.store.clone(), sink.port()).spawn();
    (app, sink)
}

/// Exactly `count` mails arrive, and no more a little later.
async fn mails(sink: &SmtpSink, count: usize) -> Vec<Mail> {
    let mails = sink.wait_for(count, PATIENCE).await;
    assert_eq!(mails.len(), count, "{mails:#?}");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(sink.mails().len(), count, "no further mail");
    mails
}

/// The receipt on the no-JS receipt page.
fn receipt_on(html: &str) -> String {
    let (_, rest) = html.split_once("id=\"receipt-code\"").unwrap();
    let (_, rest) = rest.split_once('>').unwrap();
    let (receipt, _) = rest.split_once('<').unwrap();
    receipt.trim().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_no_js_report_notifies_without_a_trace_of_it() {
    let (app, sink) = notified_app().await;
    let what = format!("{HOSTILE} Uang pelicin di loket 7");
    let (status, html) = app
        .form_post(
            form(&[
                ("csrf", TOKEN),
                ("lang", "id"),
                ("category", "kkn"),
                ("what", &what),
            ]),
            true,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let receipt = receipt_on(&html);
    let digits: String = receipt.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(digits.len(), 16, "{receipt}");

    let mails = mails(&sink, 1).await;
    let mail = &mails[0];
    assert_says_only_something_new(mail, &[Notification::NewReport]);
    for secret in [
        receipt.as_str(),
        digits.as_str(),
        "Uang pelicin",
        "alert",
        "kkn",
    ] {
        assert!(!mail.data.contains(secret), "{secret} in {}", mail.data);
    }
    assert_eq!(app.store.case_ids().await.unwrap(), vec![1]);
    assert!(app.store.claim_notifications().await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_report_notifies() {
    let (app, sink) = notified_app().await;
    let sealed = sealed_for(&app.team);
    let receipt = sealed.receipt.to_string();
    let (status, body) = app
        .api_post(serde_json::to_string(&sealed).unwrap(), true)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let mails = mails(&sink, 1).await;
    assert_says_only_something_new(&mails[0], &[Notification::NewReport]);
    assert!(!mails[0].data.contains(&receipt));
    assert!(!mails[0].data.contains(&receipt.replace(' ', "")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reporter_message_notifies() {
    let (app, sink) = notified_app().await;
    let (session, filed) = logged_in(&app).await;
    mails(&sink, 1).await;

    let resp = app
        .post_form(
            "/followup/message",
            &[("message", "Kejadiannya hari Senin."), ("lang", "id")],
            Some(&session),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let mails = mails(&sink, 2).await;
    let mail = &mails[1];
    assert_says_only_something_new(mail, &[Notification::ReporterMessage]);
    assert!(!mail.data.contains("Senin"));
    assert!(!mail.data.contains(&filed.sealed.receipt.to_string()));
}
