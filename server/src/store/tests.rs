//! One suite for both backends: every story runs on SQLite (a file in a temporary directory)
//! and on PostgreSQL (a fresh database per test, dropped at the end, so tests run in
//! parallel and every run starts clean).
//!
//! PostgreSQL is `postgres://postgres@127.0.0.1:5432/postgres` unless
//! `KENTONGAN_TEST_POSTGRES_URL` names another server; if it cannot be reached the PostgreSQL
//! tests fail, they do not skip.
//!
//! The `#[ignore]`d `bench` tests measure `create_case` throughput:
//! `cargo test --release -p kentongan-server store::tests::bench -- --ignored --nocapture --test-threads=1`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeSet;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;

use kentongan_crypto::bundle::ItemKind;
use kentongan_crypto::ciphertext::encrypt;
use kentongan_crypto::keys::Identity;
use kentongan_crypto::reporter::{AuthHash, CredentialVersion, KdfParams, ReporterCredential};
use kentongan_crypto::{CaseKeys, Ciphertext, Commitment, Recipient};
use sqlx::Connection;
use time::Date;
use time::macros::date;
use tokio::task::JoinSet;

use super::Notification;
use super::{
    AssigneeFilter, CaseQuery, CaseSort, CaseSummary, ClassificationFilter, DueFilter,
    Investigator, NewCase, SqliteStore, StageEvent, Store, StoreError, StoredCase,
};
use crate::audit::{Action, AuditEvent};
use crate::workflow::{self, Deadlines, Due, Stage};
use std::time::Duration;
use tokio::sync::Notify;

const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const TODAY: Date = date!(2026 - 11 - 28);
const HOSTILE: &str = "test \" ' & < > \\ %s {} ; DROP TABLE investigators; --";
const UNICODE: &str = "Sri Rahayu — ꦱꦿꦶ ꦫꦲꦪꦸ 🥁 \u{202e}kiri\u{202c} Ŧ";

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
    fresh_store_is_empty,
    investigators,
    case_round_trip,
    duplicate_receipt,
    failing_case_leaves_the_others_alone,
    concurrent_cases,
    survives_reopening,
    schema_holds_only_what_is_promised,
    moves_along_the_main_line,
    move_is_compare_and_set,
    concurrent_moves_one_wins,
    items_are_added_to_their_case,
    moves_carry_their_message,
    a_refused_move_writes_no_message,
    reporter_login_finds_the_credential,
    unknown_stored_values_are_corrupt,
    envelopes_are_granted_once,
    assign_and_classify,
    activity_and_acknowledgement_are_kept,
    list_filters_match_the_workflow,
    list_pages_and_sorts,
    migration_fills_in_existing_cases,
);

mod access;
mod attachments;
mod audit;

// E-mail notifications: the outbox.
on_both_backends!(
    notifications_are_off_until_asked,
    notifications_are_queued_with_their_event,
    deadline_check_is_once_a_day,
);

async fn fresh_store_is_empty(backend: &Backend) {
    let store = backend.open().await;
    assert_eq!(store.case_ids().await.unwrap(), Vec::<i64>::new());
    assert_eq!(store.investigators().await.unwrap(), vec![]);
    for id in [0, 1, -1, i64::MAX] {
        assert!(matches!(store.case(id).await, Err(StoreError::NotFound)));
    }
}

async fn investigators(backend: &Backend) {
    let store = backend.open().await;
    let (first_key, second_key) = (recipient(), recipient());
    let first = store
        .add_investigator(HOSTILE, &first_key, true, TODAY, &audited())
        .await
        .unwrap();
    let second = store
        .add_investigator(
            UNICODE,
            &second_key,
            false,
            date!(2027 - 01 - 02),
            &audited(),
        )
        .await
        .unwrap();
    assert_eq!(
        first,
        Investigator {
            id: first.id,
            name: HOSTILE.to_owned(),
            recipient: first_key.clone(),
            admin: true,
            active: true,
            added_on: TODAY,
            totp: false,
        }
    );
    assert!(second.id > first.id);
    assert_eq!(
        store.investigators().await.unwrap(),
        vec![first.clone(), second.clone()]
    );

    let again = store
        .add_investigator("someone else", &first_key, false, TODAY, &audited())
        .await;
    assert!(matches!(again, Err(StoreError::Duplicate)), "{again:?}");
    assert_eq!(store.investigators().await.unwrap().len(), 2);

    store
        .disable_investigator(first.id, &audited())
        .await
        .unwrap();
    store
        .disable_investigator(first.id, &audited())
        .await
        .unwrap();
    let listed = store.investigators().await.unwrap();
    assert_eq!(
        listed,
        vec![
            Investigator {
                active: false,
                ..first.clone()
            },
            second.clone()
        ]
    );
    let unknown = store
        .disable_investigator(second.id + 1000, &audited())
        .await;
    assert!(matches!(unknown, Err(StoreError::NotFound)), "{unknown:?}");
    // A disabled investigator's key stays taken.
    let again = store
        .add_investigator("x", &first_key, false, TODAY, &audited())
        .await;
    assert!(matches!(again, Err(StoreError::Duplicate)), "{again:?}");
}

async fn case_round_trip(backend: &Backend) {
    let store = backend.open().await;
    let first = store
        .add_investigator("Ani", &recipient(), true, TODAY, &audited())
        .await
        .unwrap();
    let second = store
        .add_investigator(UNICODE, &recipient(), false, TODAY, &audited())
        .await
        .unwrap();
    let case = new_case(&[second.id, first.id]);
    let expected = copy(&case);

    let id = store.create_case(case).await.unwrap();
    let stored = store.case(id).await.unwrap();
    assert_eq!(stored.id, id);
    assert_eq!(stored.created_on, TODAY);
    assert_eq!(stored.stage, "diterima");
    assert_eq!(stored.case_recipient, expected.case_recipient);
    assert_eq!(stored.notes_recipient, expected.notes_recipient);
    let holders = [
        Some((second.id, second.recipient.clone())),
        Some((first.id, first.recipient.clone())),
        None,
    ];
    assert_eq!(stored.envelopes.len(), 3);
    for ((holder, envelope), (expected_holder, (_, expected_envelope))) in stored
        .envelopes
        .iter()
        .zip(holders.iter().zip(&expected.envelopes))
    {
        assert_eq!(holder, expected_holder);
        assert_eq!(envelope.as_bytes(), expected_envelope.as_bytes());
    }
    assert_eq!(stored.items.len(), 1);
    assert_eq!(stored.history, vec![]);
    let item = &stored.items[0];
    assert_eq!(item.kind, ItemKind::Report);
    assert_eq!(item.created_on, TODAY);
    assert_eq!(item.ciphertext.as_bytes(), expected.report.as_bytes());

    assert_eq!(store.case_ids().await.unwrap(), vec![id]);
    assert!(matches!(
        store.case(id + 1).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(backend.count("reporter_credentials").await, 1);
}

async fn duplicate_receipt(backend: &Backend) {
    let store = backend.open().await;
    let investigator = store
        .add_investigator("Ani", &recipient(), true, TODAY, &audited())
        .await
        .unwrap();
    let first = new_case(&[investigator.id]);
    let receipt = first.receipt_lookup;
    let id = store.create_case(first).await.unwrap();

    let mut second = new_case(&[investigator.id]);
    second.receipt_lookup = receipt;
    let taken = store.create_case(second).await;
    assert!(matches!(taken, Err(StoreError::Duplicate)), "{taken:?}");
    assert_eq!(store.case_ids().await.unwrap(), vec![id]);
    backend.assert_rows(1, 1, 2).await;

    // A fresh receipt is fine afterwards.
    let next = store
        .create_case(new_case(&[investigator.id]))
        .await
        .unwrap();
    assert!(next > id);

    // Two at once with one receipt (one batch, on SQLite): exactly one is stored.
    let one = new_case(&[investigator.id]);
    let mut other = new_case(&[investigator.id]);
    other.receipt_lookup = one.receipt_lookup;
    let (one, other) = tokio::join!(store.create_case(one), store.create_case(other));
    let duplicates = [&one, &other]
        .iter()
        .filter(|outcome| matches!(outcome, Err(StoreError::Duplicate)))
        .count();
    assert_eq!(duplicates, 1, "{one:?} {other:?}");
    assert!(one.is_ok() || other.is_ok());
    assert_eq!(store.case_ids().await.unwrap().len(), 3);
    backend.assert_rows(3, 3, 6).await;
}

async fn failing_case_leaves_the_others_alone(backend: &Backend) {
    let store = backend.open().await;
    let investigator = store
        .add_investigator("Ani", &recipient(), true, TODAY, &audited())
        .await
        .unwrap();
    let mut tasks = JoinSet::new();
    for n in 0..24 {
        // Case 12 is sealed to an investigator who does not exist: a foreign key violation,
        // which must be an error and not `Duplicate` (that would make the caller retry).
        let holder = if n == 12 { 999_999 } else { investigator.id };
        let case = new_case(&[holder]);
        let store = store.clone();
        tasks.spawn(async move { (n, store.create_case(case).await) });
    }
    while let Some(done) = tasks.join_next().await {
        let (n, outcome) = done.unwrap();
        if n == 12 {
            assert!(
                matches!(outcome, Err(StoreError::Database(_))),
                "{outcome:?}"
            );
        } else {
            assert!(outcome.is_ok(), "case {n}: {outcome:?}");
        }
    }
    assert_eq!(store.case_ids().await.unwrap().len(), 23);
    backend.assert_rows(23, 23, 46).await;
}

async fn concurrent_cases(backend: &Backend) {
    const CASES: usize = 200;
    let store = backend.open().await;
    let team = [
        store
            .add_investigator("Ani", &recipient(), true, TODAY, &audited())
            .await
            .unwrap()
            .id,
        store
            .add_investigator("Budi", &recipient(), false, TODAY, &audited())
            .await
            .unwrap()
            .id,
    ];
    let cases: Vec<NewCase> = (0..CASES).map(|_| new_case(&team)).collect();
    let mut tasks = JoinSet::new();
    for case in cases {
        let store = store.clone();
        tasks.spawn(async move { store.create_case(case).await });
    }
    let mut ids = BTreeSet::new();
    while let Some(done) = tasks.join_next().await {
        assert!(
            ids.insert(done.unwrap().unwrap()),
            "an id was handed out twice"
        );
    }
    assert_eq!(ids.len(), CASES);
    assert_eq!(
        store.case_ids().await.unwrap(),
        ids.into_iter().collect::<Vec<_>>()
    );
    backend
        .assert_rows(CASES as i64, CASES as i64, 3 * CASES as i64)
        .await;
}

async fn survives_reopening(backend: &Backend) {
    let store = backend.open().await;
    let investigator = store
        .add_investigator(HOSTILE, &recipient(), true, TODAY, &audited())
        .await
        .unwrap();
    let case = new_case(&[investigator.id]);
    let report = case.report.clone();
    let id = store.create_case(case).await.unwrap();
    drop(store);

    let store = backend.open().await;
    assert_eq!(store.investigators().await.unwrap(), vec![investigator]);
    assert_eq!(store.case_ids().await.unwrap(), vec![id]);
    let stored = store.case(id).await.unwrap();
    assert_eq!(stored.items[0].ciphertext.as_bytes(), report.as_bytes());
    assert_eq!(stored.envelopes.len(), 2);
}

/// Every column of both schemas, so that adding one is a deliberate change here. The promise:
/// no plaintext, no IP address, no user agent, no time of day, nothing tied to a reporter but
/// their public key, the hash of their token and their receipt's lookup key.
async fn schema_holds_only_what_is_promised(backend: &Backend) {
    drop(backend.open().await);
    let expected: BTreeSet<String> = [
        "investigators.id",
        "investigators.name",
        "investigators.recipient",
        "investigators.admin",
        "investigators.active",
        "investigators.added_on",
        "cases.id",
        "cases.created_on",
        "cases.stage",
        "cases.case_recipient",
        "cases.notes_recipient",
        "reporter_credentials.case_id",
        "reporter_credentials.receipt_lookup",
        "reporter_credentials.auth_hash",
        "reporter_credentials.recipient",
        "reporter_credentials.kdf",
        "reporter_credentials.commitment",
        "case_items.id",
        "case_items.case_id",
        "case_items.kind",
        "case_items.created_on",
        "case_items.ciphertext",
        "key_envelopes.id",
        "key_envelopes.case_id",
        "key_envelopes.investigator_id",
        "key_envelopes.ciphertext",
        "stage_events.id",
        "stage_events.case_id",
        "stage_events.stage",
        "stage_events.moved_on",
        "stage_events.moved_by",
        "stage_events.message_id",
        // The one time of day: investigators' and operators' own actions, never a reporter's
        // (see migration 0004).
        "audit_log.seq",
        "audit_log.at",
        "audit_log.actor",
        "audit_log.action",
        "audit_log.case_id",
        "audit_log.detail",
        "audit_log.prev_hash",
        "audit_log.hash",
        "cases.assignee_id",
        "cases.classification",
        "cases.acknowledged_on",
        "cases.last_activity_on",
        // Only the kind of a notification: no case, no date, no time of day.
        "notifications.id",
        "notifications.kind",
        "notification_state.id",
        "notification_state.deadline_checked_on",
        // Attachments: a day, lengths, a token's hash, ciphertext (migration 0007).
        "attachments.id",
        "attachments.token_hash",
        "attachments.created_on",
        "attachments.received",
        "attachments.complete",
        "attachments.item_id",
        "attachment_chunks.attachment_id",
        "attachment_chunks.seq",
        "attachment_chunks.data",
        // The second factor (migration 0008): a server-side secret, not reporter content.
        "investigators.totp_secret",
        "investigators.totp_last_step",
        "team_settings.id",
        "team_settings.totp_required",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(backend.columns().await, expected);
    if let Backend::Postgres(database) = backend {
        // And only that column can hold one (SQLite's CHECKs are tested below).
        let mut conn = sqlx::PgConnection::connect(&database.url).await.unwrap();
        let timed: Vec<String> = sqlx::query_scalar(
            "SELECT (table_name || '.' || column_name)::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name NOT LIKE '\\_sqlx%' \
               AND (data_type LIKE 'time%' OR data_type LIKE 'interval%')",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap();
        assert_eq!(timed, ["audit_log.at"]);
    }
}

fn event(stage: &str, moved_on: Date, moved_by: &str) -> StageEvent {
    StageEvent {
        stage: stage.to_owned(),
        moved_on,
        moved_by: moved_by.to_owned(),
        message: None,
    }
}

async fn moves_along_the_main_line(backend: &Backend) {
    let store = backend.open().await;
    let first = store.create_case(new_case(&[])).await.unwrap();
    let second = store.create_case(new_case(&[])).await.unwrap();
    assert_eq!(store.stage_history(first).await.unwrap(), vec![]);
    let unmoved = |id| CaseSummary {
        id,
        created_on: TODAY,
        stage: "diterima".to_owned(),
        acknowledged_on: None,
        last_moved_on: None,
    };
    assert_eq!(
        store.case_summaries().await.unwrap(),
        vec![unmoved(first), unmoved(second)]
    );

    let days = [
        date!(2026 - 11 - 30),
        date!(2026 - 12 - 02),
        date!(2026 - 12 - 02),
        date!(2027 - 01 - 15),
        date!(2027 - 02 - 01),
    ];
    let line = [
        ("diterima", "pemeriksaan", "Ani", days[0]),
        ("pemeriksaan", "verifikasi", HOSTILE, days[1]),
        ("verifikasi", "pemeriksaan", UNICODE, days[2]),
        ("pemeriksaan", "verifikasi", "Ani", days[3]),
        ("verifikasi", "tindakan-korektif", "Budi", days[4]),
    ];
    let mut expected = Vec::new();
    for (from, to, by, on) in line {
        store
            .move_case(first, from, to, by, on, None, &audited())
            .await
            .unwrap();
        expected.push(event(to, on, by));
        assert_eq!(store.stage_history(first).await.unwrap(), expected);
        let case = store.case(first).await.unwrap();
        assert_eq!(case.stage, to);
        assert_eq!(case.history, expected);
    }
    store
        .move_case(
            first,
            "tindakan-korektif",
            "selesai",
            "Ani",
            days[4],
            None,
            &audited(),
        )
        .await
        .unwrap();
    expected.push(event("selesai", days[4], "Ani"));
    assert_eq!(store.stage_history(first).await.unwrap(), expected);
    assert_eq!(store.stage_history(second).await.unwrap(), vec![]);

    assert_eq!(
        store.case_summaries().await.unwrap(),
        vec![
            CaseSummary {
                id: first,
                created_on: TODAY,
                stage: "selesai".to_owned(),
                acknowledged_on: Some(days[0]),
                last_moved_on: Some(days[4]),
            },
            unmoved(second),
        ]
    );
    assert_eq!(store.case(first).await.unwrap().stage, "selesai");
    assert_eq!(store.case(second).await.unwrap().stage, "diterima");
    assert_eq!(backend.count("stage_events").await, 6);
    assert!(matches!(
        store.stage_history(second + 1).await,
        Err(StoreError::NotFound)
    ));

    // The second case's acknowledgement is its own first move.
    store
        .move_case(
            second,
            "diterima",
            "dialihkan",
            "Budi",
            days[3],
            None,
            &audited(),
        )
        .await
        .unwrap();
    let summaries = store.case_summaries().await.unwrap();
    assert_eq!(summaries[1].acknowledged_on, Some(days[3]));
    assert_eq!(summaries[1].last_moved_on, Some(days[3]));
    assert_eq!(summaries[0].acknowledged_on, Some(days[0]));
}

async fn move_is_compare_and_set(backend: &Backend) {
    let store = backend.open().await;
    let id = store.create_case(new_case(&[])).await.unwrap();

    // Not in the stage the caller saw: nothing changes, no event.
    let stale = store
        .move_case(
            id,
            "pemeriksaan",
            "verifikasi",
            "Ani",
            TODAY,
            None,
            &audited(),
        )
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict)), "{stale:?}");
    assert_eq!(store.case(id).await.unwrap().stage, "diterima");
    assert_eq!(store.stage_history(id).await.unwrap(), vec![]);

    store
        .move_case(
            id,
            "diterima",
            "pemeriksaan",
            "Ani",
            TODAY,
            None,
            &audited(),
        )
        .await
        .unwrap();
    // The same move again, as a second operator who read `diterima` before the first moved.
    let again = store
        .move_case(
            id,
            "diterima",
            "pemeriksaan",
            "Budi",
            TODAY,
            None,
            &audited(),
        )
        .await;
    assert!(matches!(again, Err(StoreError::Conflict)), "{again:?}");
    assert_eq!(
        store.stage_history(id).await.unwrap(),
        vec![event("pemeriksaan", TODAY, "Ani")]
    );

    for missing in [id + 1, 0, -1, i64::MAX] {
        let unknown = store
            .move_case(
                missing,
                "diterima",
                "pemeriksaan",
                "Ani",
                TODAY,
                None,
                &audited(),
            )
            .await;
        assert!(matches!(unknown, Err(StoreError::NotFound)), "{unknown:?}");
    }
    assert_eq!(backend.count("stage_events").await, 1);
    assert_eq!(store.case(id).await.unwrap().stage, "pemeriksaan");
}

async fn concurrent_moves_one_wins(backend: &Backend) {
    let store = backend.open().await;
    let id = store.create_case(new_case(&[])).await.unwrap();
    let mut tasks = JoinSet::new();
    for n in 0..16 {
        let store = store.clone();
        let to = if n % 2 == 0 {
            "pemeriksaan"
        } else {
            "dialihkan"
        };
        // The side exits come with a message; only the winner's may be stored.
        let message = (n % 2 == 1).then(|| Ciphertext::from_bytes(format!("m{n}").into_bytes()));
        tasks.spawn(async move {
            store
                .move_case(
                    id,
                    "diterima",
                    to,
                    &format!("operator {n}"),
                    TODAY,
                    message,
                    &audited(),
                )
                .await
        });
    }
    let (mut moved, mut conflicts) = (0, 0);
    while let Some(done) = tasks.join_next().await {
        match done.unwrap() {
            Ok(()) => moved += 1,
            Err(StoreError::Conflict) => conflicts += 1,
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!((moved, conflicts), (1, 15));
    let history = store.stage_history(id).await.unwrap();
    assert_eq!(history.len(), 1);
    let case = store.case(id).await.unwrap();
    assert_eq!(case.stage, history[0].stage);
    assert_eq!(case.history, history);
    if history[0].stage == "dialihkan" {
        assert_eq!(case.items.len(), 2);
        assert_eq!(history[0].message, Some(case.items[1].id));
        let winner = history[0].moved_by.trim_start_matches("operator ");
        assert_eq!(
            case.items[1].ciphertext.as_bytes(),
            format!("m{winner}").as_bytes()
        );
    } else {
        assert_eq!(case.items.len(), 1);
        assert_eq!(history[0].message, None);
    }
    assert_eq!(backend.count("case_items").await, case.items.len() as i64);
}

async fn items_are_added_to_their_case(backend: &Backend) {
    let store = backend.open().await;
    let first = store.create_case(new_case(&[])).await.unwrap();
    let second = store.create_case(new_case(&[])).await.unwrap();

    for missing in [second + 1, 0, -1, i64::MAX] {
        let refused = store
            .add_item(
                missing,
                ItemKind::ReporterMessage,
                blob("lost"),
                TODAY,
                None,
            )
            .await;
        assert!(matches!(refused, Err(StoreError::NotFound)), "{refused:?}");
    }
    assert_eq!(backend.count("case_items").await, 2);

    let later = date!(2026 - 12 - 03);
    let question = store
        .add_item(
            first,
            ItemKind::InvestigatorMessage,
            blob("q"),
            later,
            Some(&audited()),
        )
        .await
        .unwrap();
    let answer = store
        .add_item(first, ItemKind::ReporterMessage, blob("a"), later, None)
        .await
        .unwrap();
    let elsewhere = store
        .add_item(
            second,
            ItemKind::InvestigatorMessage,
            blob("x"),
            TODAY,
            Some(&audited()),
        )
        .await
        .unwrap();
    assert!(question < answer && answer < elsewhere);

    let case = store.case(first).await.unwrap();
    let items: Vec<(i64, ItemKind, Date, Vec<u8>)> = case
        .items
        .iter()
        .map(|i| (i.id, i.kind, i.created_on, i.ciphertext.as_bytes().to_vec()))
        .collect();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].1, ItemKind::Report);
    assert_eq!(
        items[1..],
        [
            (
                question,
                ItemKind::InvestigatorMessage,
                later,
                b"q".to_vec()
            ),
            (answer, ItemKind::ReporterMessage, later, b"a".to_vec()),
        ]
    );
    // Adding items is not a move.
    assert_eq!(case.stage, "diterima");
    assert_eq!(case.history, vec![]);
    let other = store.case(second).await.unwrap();
    assert_eq!(other.items.len(), 2);
    assert_eq!(other.items[1].id, elsewhere);
}

async fn moves_carry_their_message(backend: &Backend) {
    let store = backend.open().await;
    let id = store.create_case(new_case(&[])).await.unwrap();
    let question = store
        .add_item(
            id,
            ItemKind::InvestigatorMessage,
            blob("q"),
            TODAY,
            Some(&audited()),
        )
        .await
        .unwrap();
    let day = date!(2026 - 12 - 01);
    store
        .move_case(
            id,
            "diterima",
            "pemeriksaan",
            "Ani",
            day,
            Some(blob("ack")),
            &audited(),
        )
        .await
        .unwrap();
    store
        .move_case(
            id,
            "pemeriksaan",
            "verifikasi",
            HOSTILE,
            day,
            None,
            &audited(),
        )
        .await
        .unwrap();
    store
        .move_case(
            id,
            "verifikasi",
            "tidak-dapat-ditindaklanjuti",
            UNICODE,
            date!(2027 - 01 - 04),
            Some(blob("why")),
            &audited(),
        )
        .await
        .unwrap();

    let case = store.case(id).await.unwrap();
    assert_eq!(case.stage, "tidak-dapat-ditindaklanjuti");
    let kinds: Vec<ItemKind> = case.items.iter().map(|i| i.kind).collect();
    assert_eq!(
        kinds,
        [
            ItemKind::Report,
            ItemKind::InvestigatorMessage,
            ItemKind::StageMessage,
            ItemKind::StageMessage,
        ]
    );
    assert_eq!(case.items[1].id, question);
    let (ack, why) = (&case.items[2], &case.items[3]);
    assert_eq!(
        (ack.created_on, ack.ciphertext.as_bytes()),
        (day, &b"ack"[..])
    );
    assert_eq!(
        (why.created_on, why.ciphertext.as_bytes()),
        (date!(2027 - 01 - 04), &b"why"[..])
    );
    assert_eq!(
        case.history,
        vec![
            StageEvent {
                message: Some(ack.id),
                ..event("pemeriksaan", day, "Ani")
            },
            event("verifikasi", day, HOSTILE),
            StageEvent {
                message: Some(why.id),
                ..event(
                    "tidak-dapat-ditindaklanjuti",
                    date!(2027 - 01 - 04),
                    UNICODE
                )
            },
        ]
    );
    assert_eq!(store.stage_history(id).await.unwrap(), case.history);
    assert_case_is_whole(&case);
}

async fn a_refused_move_writes_no_message(backend: &Backend) {
    let store = backend.open().await;
    let id = store.create_case(new_case(&[])).await.unwrap();
    store
        .move_case(
            id,
            "diterima",
            "pemeriksaan",
            "Ani",
            TODAY,
            None,
            &audited(),
        )
        .await
        .unwrap();

    // A stale `from`: the compare-and-set fails, and neither message nor event is written.
    let stale = store
        .move_case(
            id,
            "diterima",
            "dialihkan",
            "Budi",
            TODAY,
            Some(blob("m")),
            &audited(),
        )
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict)), "{stale:?}");
    for missing in [id + 1, -1] {
        let unknown = store
            .move_case(
                missing,
                "diterima",
                "dialihkan",
                "Budi",
                TODAY,
                Some(blob("m")),
                &audited(),
            )
            .await;
        assert!(matches!(unknown, Err(StoreError::NotFound)), "{unknown:?}");
    }
    assert_eq!(backend.count("case_items").await, 1);
    assert_eq!(backend.count("stage_events").await, 1);
    let case = store.case(id).await.unwrap();
    assert_eq!(case.stage, "pemeriksaan");
    assert_eq!(case.items.len(), 1);
    assert_eq!(case.history, vec![event("pemeriksaan", TODAY, "Ani")]);
}

async fn reporter_login_finds_the_credential(backend: &Backend) {
    let store = backend.open().await;
    let first = new_case(&[]);
    let (lookup, credential) = (first.receipt_lookup, first.credential.clone());
    let commitment = first.commitment.clone();
    let first = store.create_case(first).await.unwrap();
    let mut second = new_case(&[]);
    second.commitment = None; // as a case filed before commitments
    let (other_lookup, other_credential) = (second.receipt_lookup, second.credential.clone());
    let second = store.create_case(second).await.unwrap();

    let found = store.reporter_login(&lookup).await.unwrap().unwrap();
    assert_eq!((found.case_id, &found.credential), (first, &credential));
    assert!(commitment.is_some());
    assert_eq!(found.commitment, commitment);
    let found = store.reporter_login(&other_lookup).await.unwrap().unwrap();
    assert_eq!(found.commitment, None);
    let found = store.reporter_login(&other_lookup).await.unwrap().unwrap();
    assert_eq!(
        (found.case_id, &found.credential),
        (second, &other_credential)
    );

    let mut near = lookup;
    near[31] ^= 1;
    for unknown in [near, [0; 32], [0xff; 32]] {
        assert!(store.reporter_login(&unknown).await.unwrap().is_none());
    }
}

/// Values this version cannot have written are refused as corrupt, not guessed at.
async fn unknown_stored_values_are_corrupt(backend: &Backend) {
    let store = backend.open().await;
    let case = new_case(&[]);
    let lookup = case.receipt_lookup;
    let id = store.create_case(case).await.unwrap();
    backend
        .execute(&format!(
            "INSERT INTO case_items (case_id, kind, created_on, ciphertext) \
             SELECT id, 'internal-note', created_on, ciphertext FROM case_items WHERE case_id = {id}"
        ))
        .await;
    let corrupt = store.case(id).await;
    assert!(
        matches!(corrupt, Err(StoreError::Corrupt(_))),
        "{corrupt:?}"
    );

    backend
        .execute("UPDATE reporter_credentials SET kdf = 'scrypt/v1/n=1'")
        .await;
    let corrupt = store.reporter_login(&lookup).await;
    assert!(
        matches!(corrupt, Err(StoreError::Corrupt(_))),
        "{corrupt:?}"
    );

    backend
        .execute(&format!(
            "UPDATE reporter_credentials SET kdf = '{}', commitment = '{{\"tag\": 1}}'",
            KdfParams::CURRENT
        ))
        .await;
    let corrupt = store.reporter_login(&lookup).await;
    assert!(
        matches!(corrupt, Err(StoreError::Corrupt(_))),
        "{corrupt:?}"
    );
}

async fn envelopes_are_granted_once(backend: &Backend) {
    let store = backend.open().await;
    let ani = store
        .add_investigator("Ani", &recipient(), true, TODAY, &audited())
        .await
        .unwrap();
    let budi_key = recipient();
    let budi = store
        .add_investigator(HOSTILE, &budi_key, false, TODAY, &audited())
        .await
        .unwrap();
    let first = store.create_case(new_case(&[ani.id])).await.unwrap();
    let second = store.create_case(new_case(&[ani.id])).await.unwrap();
    let before = store.case(first).await.unwrap().envelopes;
    assert_eq!(before.len(), 2);

    store
        .add_envelope(first, budi.id, blob("for budi"), &audited())
        .await
        .unwrap();
    let after = store.case(first).await.unwrap().envelopes;
    assert_eq!(after.len(), 3);
    assert_eq!(after[..2], before[..]);
    assert_eq!(
        after[2],
        (Some((budi.id, budi_key)), blob("for budi")),
        "added last, labelled with the investigator's key"
    );
    assert_eq!(store.case(second).await.unwrap().envelopes.len(), 2);

    // Once per investigator and case: the first envelope stays, whoever already held one.
    for holder in [budi.id, ani.id] {
        let again = store
            .add_envelope(first, holder, blob("again"), &audited())
            .await;
        assert!(matches!(again, Err(StoreError::Duplicate)), "{again:?}");
    }
    for (case, investigator) in [(second + 1, budi.id), (first, budi.id + 1), (-1, -1)] {
        let missing = store
            .add_envelope(case, investigator, blob("x"), &audited())
            .await;
        assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
    }
    assert_eq!(store.case(first).await.unwrap().envelopes, after);
    // 2 cases × 2 envelopes, and Budi's.
    assert_eq!(backend.count("key_envelopes").await, 5);

    // Concurrent grants of the same: exactly one is stored.
    let tasks: Vec<_> = (0..8)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .add_envelope(second, budi.id, blob(&format!("race {n}")), &audited())
                    .await
            })
        })
        .collect();
    let mut added = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => added += 1,
            Err(StoreError::Duplicate) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(added, 1);
    assert_eq!(store.case(second).await.unwrap().envelopes.len(), 3);
}

async fn assign_and_classify(backend: &Backend) {
    let store = backend.open().await;
    let ani = store
        .add_investigator(UNICODE, &recipient(), false, TODAY, &audited())
        .await
        .unwrap();
    let budi = store
        .add_investigator("Budi", &recipient(), false, TODAY, &audited())
        .await
        .unwrap();
    let id = store.create_case(new_case(&[])).await.unwrap();
    let query = CaseQuery::new(TODAY, Deadlines::default());
    let row = |list: super::CaseList| list.rows.into_iter().next().unwrap();

    store.assign(id, Some(ani.id), &audited()).await.unwrap();
    store.classify(id, Some(HOSTILE), &audited()).await.unwrap();
    let listed = row(store.list_cases(&query).await.unwrap());
    let assignee = listed.assignee.unwrap();
    assert_eq!((assignee.id, assignee.name.as_str()), (ani.id, UNICODE));
    assert!(assignee.active);
    assert_eq!(listed.classification.as_deref(), Some(HOSTILE));

    // Refused: no such case, an unknown or a disabled investigator. Nothing changes.
    store
        .disable_investigator(budi.id, &audited())
        .await
        .unwrap();
    for (case, to, expected) in [
        (id + 1, Some(ani.id), "NotFound"),
        (id + 1, None, "NotFound"),
        (id, Some(budi.id), "NoActiveInvestigator"),
        (id, Some(budi.id + 100), "NoActiveInvestigator"),
    ] {
        let refused = store.assign(case, to, &audited()).await.unwrap_err();
        assert_eq!(
            format!("{refused:?}"),
            expected,
            "case {case}, investigator {to:?}"
        );
    }
    let refused = store.classify(id + 1, Some("kkn"), &audited()).await;
    assert!(matches!(refused, Err(StoreError::NotFound)), "{refused:?}");
    let listed = row(store.list_cases(&query).await.unwrap());
    assert_eq!(listed.assignee.map(|a| a.id), Some(ani.id));
    assert_eq!(listed.classification.as_deref(), Some(HOSTILE));

    // A disabled assignee stays named, marked inactive.
    store
        .disable_investigator(ani.id, &audited())
        .await
        .unwrap();
    let listed = row(store.list_cases(&query).await.unwrap());
    assert!(!listed.assignee.unwrap().active);

    store.assign(id, None, &audited()).await.unwrap();
    store.classify(id, None, &audited()).await.unwrap();
    let listed = row(store.list_cases(&query).await.unwrap());
    assert_eq!((listed.assignee, listed.classification), (None, None));
}

async fn activity_and_acknowledgement_are_kept(backend: &Backend) {
    let store = backend.open().await;
    let id = store.create_case(new_case(&[])).await.unwrap();
    let query = CaseQuery::new(TODAY, Deadlines::default());
    let row = || async {
        let list = store.list_cases(&query).await.unwrap();
        let row = list.rows.into_iter().next().unwrap();
        (row.acknowledged_on, row.last_activity_on)
    };
    assert_eq!(row().await, (None, TODAY));
    let later = date!(2026 - 12 - 03);
    store
        .add_item(id, ItemKind::ReporterMessage, blob("m"), later, None)
        .await
        .unwrap();
    assert_eq!(row().await, (None, later));
    // An item dated earlier (a clock set back) does not move the activity back.
    store
        .add_item(id, ItemKind::ReporterMessage, blob("n"), TODAY, None)
        .await
        .unwrap();
    assert_eq!(row().await, (None, later));
    let acknowledged = date!(2026 - 12 - 04);
    store
        .move_case(
            id,
            "diterima",
            "pemeriksaan",
            "Ani",
            acknowledged,
            None,
            &audited(),
        )
        .await
        .unwrap();
    assert_eq!(row().await, (Some(acknowledged), acknowledged));
    let last = date!(2026 - 12 - 10);
    store
        .move_case(
            id,
            "pemeriksaan",
            "verifikasi",
            "Ani",
            last,
            Some(blob("s")),
            &audited(),
        )
        .await
        .unwrap();
    assert_eq!(row().await, (Some(acknowledged), last));
    // A refused move changes nothing.
    let stale = store
        .move_case(
            id,
            "diterima",
            "pemeriksaan",
            "Ani",
            date!(2027 - 01 - 01),
            None,
            &audited(),
        )
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict)), "{stale:?}");
    assert_eq!(row().await, (Some(acknowledged), last));
    // Agrees with what the history says.
    let summary = store.case_summaries().await.unwrap().remove(0);
    assert_eq!(summary.acknowledged_on, Some(acknowledged));
}

/// Cases over four months in every kind of state; for many days and deadlines, each due
/// filter returns exactly the cases `workflow::due` puts in that state, and the counts per
/// stage add up.
async fn list_filters_match_the_workflow(backend: &Backend) {
    let store = backend.open().await;
    let cases = varied_cases(&*store).await;
    let deadlines_set = [
        Deadlines::default(),
        Deadlines {
            acknowledge_days: 0,
            feedback_days: 1,
        },
        Deadlines {
            acknowledge_days: 3,
            feedback_days: 20,
        },
    ];
    let mut days_checked = 0;
    for deadlines in deadlines_set {
        let mut today = date!(2026 - 11 - 20);
        while today <= date!(2026 - 12 - 08) {
            for filter in [
                DueFilter::Overdue,
                DueFilter::DueSoon { working_days: 0 },
                DueFilter::DueSoon { working_days: 4 },
                DueFilter::OnTime,
            ] {
                let mut query = CaseQuery::new(today, deadlines);
                query.due = Some(filter);
                query.limit = 200;
                let list = store.list_cases(&query).await.unwrap();
                let mut got: Vec<i64> = list.rows.iter().map(|row| row.id).collect();
                got.sort_unstable();
                let expected: Vec<i64> = cases
                    .iter()
                    .filter(|case| {
                        let due = workflow::due(
                            case.stage,
                            case.created_on,
                            case.acknowledged_on,
                            today,
                            &deadlines,
                        );
                        matches(filter, due, today)
                    })
                    .map(|case| case.id)
                    .collect();
                assert_eq!(got, expected, "{filter:?} on {today} with {deadlines:?}");
                assert_eq!(list.total, expected.len() as u64);
                for stage in Stage::ALL {
                    let n = cases
                        .iter()
                        .filter(|case| case.stage == stage && expected.contains(&case.id))
                        .count();
                    assert_eq!(list.counts.get(stage), n as u64, "{stage}");
                }
                days_checked += usize::from(!expected.is_empty());
            }
            today = today.next_day().unwrap();
        }
    }
    assert!(days_checked > 100, "the data must exercise the filters");

    // Stage, assignee and classification, alone and together; counts ignore the stage filter
    // only.
    let mut query = CaseQuery::new(TODAY, Deadlines::default());
    query.limit = 200;
    let investigators = store.investigators().await.unwrap();
    let first = investigators[0].id;
    for stage in [None, Some(Stage::Pemeriksaan), Some(Stage::Dialihkan)] {
        for assignee in [
            None,
            Some(AssigneeFilter::To(first)),
            Some(AssigneeFilter::Nobody),
        ] {
            for classification in [
                None,
                Some(ClassificationFilter::As("kkn".into())),
                Some(ClassificationFilter::Unclassified),
            ] {
                query.stage = stage;
                query.assignee = assignee.clone();
                query.classification = classification.clone();
                let list = store.list_cases(&query).await.unwrap();
                let keep = |case: &&Varied| {
                    (match &assignee {
                        None => true,
                        Some(AssigneeFilter::To(id)) => case.assignee == Some(*id),
                        Some(AssigneeFilter::Nobody) => case.assignee.is_none(),
                    }) && (match &classification {
                        None => true,
                        Some(ClassificationFilter::As(slug)) => {
                            case.classification == Some(slug.as_str())
                        }
                        Some(ClassificationFilter::Unclassified) => case.classification.is_none(),
                    })
                };
                let mut expected: Vec<i64> = cases
                    .iter()
                    .filter(keep)
                    .filter(|case| stage.is_none_or(|stage| case.stage == stage))
                    .map(|case| case.id)
                    .collect();
                expected.reverse();
                let got: Vec<i64> = list.rows.iter().map(|row| row.id).collect();
                let what = format!("{stage:?} {assignee:?} {classification:?}");
                assert_eq!(got, expected, "{what}");
                assert_eq!(list.total, expected.len() as u64, "{what}");
                for s in Stage::ALL {
                    let n = cases.iter().filter(keep).filter(|c| c.stage == s).count();
                    assert_eq!(list.counts.get(s), n as u64, "{what} {s}");
                }
            }
        }
    }
    // A hostile classification is only ever a bound value.
    query = CaseQuery::new(TODAY, Deadlines::default());
    query.classification = Some(ClassificationFilter::As(HOSTILE.into()));
    let list = store.list_cases(&query).await.unwrap();
    assert_eq!((list.rows.len(), list.total), (0, 0));
    assert_eq!(store.case_ids().await.unwrap().len(), cases.len());
}

fn matches(filter: DueFilter, due: Due, today: Date) -> bool {
    match (filter, due) {
        (DueFilter::Overdue, Due::Overdue { .. }) => true,
        (DueFilter::DueSoon { .. } | DueFilter::OnTime, Due::DueToday { .. }) => true,
        (DueFilter::DueSoon { working_days }, Due::OnTime { due }) => {
            due <= workflow::add_working_days(today, working_days)
        }
        (DueFilter::OnTime, Due::OnTime { .. }) => true,
        _ => false,
    }
}

async fn list_pages_and_sorts(backend: &Backend) {
    let store = backend.open().await;
    let cases = varied_cases(&*store).await;
    let today = date!(2026 - 12 - 01);
    let deadlines = Deadlines::default();
    for sort in [
        CaseSort::Newest,
        CaseSort::Oldest,
        CaseSort::LastActivity,
        CaseSort::Due,
    ] {
        let mut query = CaseQuery::new(today, deadlines);
        query.sort = sort;
        query.limit = 200;
        let whole = store.list_cases(&query).await.unwrap().rows;
        let listed = if sort == CaseSort::Due {
            cases.iter().filter(|case| !case.stage.is_closed()).count()
        } else {
            cases.len()
        };
        assert_eq!(whole.len(), listed);
        // Pages of 7 add up to the whole list, in the same order.
        query.limit = 7;
        let mut paged = Vec::new();
        loop {
            let page = store.list_cases(&query).await.unwrap();
            assert_eq!(page.total, listed as u64);
            assert!(page.rows.len() <= 7);
            if page.rows.is_empty() {
                break;
            }
            paged.extend(page.rows);
            query.offset += 7;
        }
        assert_eq!(paged, whole, "{sort:?}");
        let ids: Vec<i64> = whole.iter().map(|row| row.id).collect();
        let mut sorted = ids.clone();
        match sort {
            CaseSort::Newest => sorted.sort_unstable_by(|a, b| b.cmp(a)),
            CaseSort::Oldest => sorted.sort_unstable(),
            CaseSort::LastActivity => {
                let mut keyed: Vec<(Date, i64)> = whole
                    .iter()
                    .map(|row| (row.last_activity_on, row.id))
                    .collect();
                keyed.sort_unstable_by(|a, b| b.cmp(a));
                sorted = keyed.into_iter().map(|(_, id)| id).collect();
            }
            CaseSort::Due => {
                // Open cases only, by a deadline never more than two days out of order.
                assert!(whole.iter().all(|row| !row.stage.is_closed()));
                assert!(whole.len() > 20);
                let dues: Vec<Date> = whole
                    .iter()
                    .map(|row| match row.due(today, &deadlines) {
                        Due::OnTime { due } | Due::DueToday { due } | Due::Overdue { due, .. } => {
                            due
                        }
                        Due::Met => unreachable!(),
                    })
                    .collect();
                for pair in dues.windows(2) {
                    assert!(pair[0] <= pair[1] + time::Duration::days(2), "{dues:?}");
                }
            }
        }
        if sort != CaseSort::Due {
            assert_eq!(ids, sorted, "{sort:?}");
        }
    }
    // Past the end: an empty page, the same counts. Limits are cut to 1..=200.
    let mut query = CaseQuery::new(today, deadlines);
    query.offset = 10_000;
    let past = store.list_cases(&query).await.unwrap();
    assert!(past.rows.is_empty());
    assert_eq!(past.total, cases.len() as u64);
    query.offset = 0;
    query.limit = 0;
    assert_eq!(store.list_cases(&query).await.unwrap().rows.len(), 1);
}

/// A database made before migration 0006: the new columns are filled in from the history.
async fn migration_fills_in_existing_cases(backend: &Backend) {
    let before = |migrations: &'static [(i64, &'static str, &'static str)]| {
        &migrations[..migrations.iter().position(|m| m.0 == 6).unwrap()]
    };
    let insert = [
        "INSERT INTO cases (created_on, case_recipient, notes_recipient) \
         VALUES ('2026-01-05', 'a', 'b'), ('2026-02-02', 'a', 'b'), ('2026-03-02', 'a', 'b')",
        "INSERT INTO case_items (case_id, kind, created_on, ciphertext) \
         VALUES (1, 'report', '2026-01-05', X'78'), \
                (1, 'reporter-message', '2026-01-20', X'78'), \
                (2, 'report', '2026-02-02', X'78'), (3, 'report', '2026-03-02', X'78')",
        "INSERT INTO stage_events (case_id, stage, moved_on, moved_by) \
         VALUES (1, 'pemeriksaan', '2026-01-07', 'Ani'), (1, 'verifikasi', '2026-01-09', 'Ani'), \
                (2, 'dialihkan', '2026-02-10', 'Ani')",
        "UPDATE cases SET stage = 'verifikasi' WHERE id = 1",
        "UPDATE cases SET stage = 'dialihkan' WHERE id = 2",
    ];
    match backend {
        Backend::Sqlite { url, .. } => {
            let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)
                .unwrap()
                .create_if_missing(true);
            std::fs::create_dir_all(options.get_filename().parent().unwrap()).unwrap();
            let mut conn = sqlx::SqliteConnection::connect_with(&options)
                .await
                .unwrap();
            sqlx::migrate::Migrator::new(super::sqlite::EmbeddedMigrations(before(
                super::sqlite::MIGRATIONS,
            )))
            .await
            .unwrap()
            .run(&mut conn)
            .await
            .unwrap();
            for sql in insert {
                sqlx::query(sql).execute(&mut conn).await.unwrap();
            }
            conn.close().await.unwrap();
        }
        Backend::Postgres(database) => {
            let mut conn = sqlx::PgConnection::connect(&database.url).await.unwrap();
            sqlx::migrate::Migrator::new(super::sqlite::EmbeddedMigrations(before(
                super::postgres::MIGRATIONS,
            )))
            .await
            .unwrap()
            .run(&mut conn)
            .await
            .unwrap();
            for sql in insert {
                let sql = sql.replace("X'78'", "'\x78'::bytea");
                sqlx::query(&sql).execute(&mut conn).await.unwrap();
            }
            conn.close().await.unwrap();
        }
    }
    let store = backend.open().await;
    let mut query = CaseQuery::new(TODAY, Deadlines::default());
    query.sort = CaseSort::Oldest;
    let rows = store.list_cases(&query).await.unwrap().rows;
    let got: Vec<(Option<Date>, Date)> = rows
        .iter()
        .map(|row| (row.acknowledged_on, row.last_activity_on))
        .collect();
    assert_eq!(
        got,
        [
            (Some(date!(2026 - 01 - 07)), date!(2026 - 01 - 20)),
            (Some(date!(2026 - 02 - 10)), date!(2026 - 02 - 10)),
            (None, date!(2026 - 03 - 02)),
        ]
    );
    assert!(
        rows.iter()
            .all(|row| row.assignee.is_none() && row.classification.is_none())
    );
}

/// A case of `varied_cases`, as the test expects it to be listed.
struct Varied {
    id: i64,
    created_on: Date,
    stage: Stage,
    acknowledged_on: Option<Date>,
    assignee: Option<i64>,
    classification: Option<&'static str>,
}

/// 64 cases, one every other day from 2026-08-03 on, in every kind of state: unacknowledged,
/// on the main line, closed, and back in `diterima` after a move (which the workflow never
/// does, but the store must still list by the feedback deadline). Two investigators share
/// some of them; some are classified.
async fn varied_cases(store: &dyn Store) -> Vec<Varied> {
    let ani = store
        .add_investigator("Ani", &recipient(), false, TODAY, &audited())
        .await
        .unwrap();
    let budi = store
        .add_investigator("Budi", &recipient(), false, TODAY, &audited())
        .await
        .unwrap();
    let template = new_case(&[]);
    let mut cases = Vec::new();
    for n in 0..64i64 {
        let created_on = date!(2026 - 08 - 03) + time::Duration::days(2 * n);
        let mut case = copy(&template);
        case.created_on = created_on;
        let id = store.create_case(case).await.unwrap();
        let moved_on = created_on + time::Duration::days(n % 4);
        let path: &[&str] = match n % 6 {
            0 | 1 => &[],
            2 => &["pemeriksaan"],
            3 => &["pemeriksaan", "verifikasi", "tindakan-korektif"],
            4 => &["dialihkan"],
            _ => &["pemeriksaan", "diterima"],
        };
        let mut from = "diterima";
        for to in path {
            store
                .move_case(id, from, to, "Ani", moved_on, None, &audited())
                .await
                .unwrap();
            from = to;
        }
        let assignee = match n % 3 {
            0 => Some(ani.id),
            1 => Some(budi.id),
            _ => None,
        };
        store.assign(id, assignee, &audited()).await.unwrap();
        let classification = match n % 4 {
            0 => Some("kkn"),
            1 => Some("lainnya"),
            _ => None,
        };
        store
            .classify(id, classification, &audited())
            .await
            .unwrap();
        cases.push(Varied {
            id,
            created_on,
            stage: from.parse().unwrap(),
            acknowledged_on: (!path.is_empty()).then_some(moved_on),
            assignee,
            classification,
        });
    }
    cases
}

/// Every message a case's history links to is one of its own stage messages.
fn assert_case_is_whole(case: &StoredCase) {
    for event in &case.history {
        if let Some(message) = event.message {
            let item = case.items.iter().find(|i| i.id == message);
            assert_eq!(
                item.map(|i| i.kind),
                Some(ItemKind::StageMessage),
                "{event:?}"
            );
        }
    }
}

fn blob(content: &str) -> Ciphertext {
    Ciphertext::from_bytes(content.as_bytes().to_vec())
}

/// Dates are days: SQLite's schema refuses anything finer (PostgreSQL's DATE cannot hold it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_refuses_a_time_of_day() {
    let backend = Backend::sqlite();
    drop(backend.open().await);
    let mut conn = sqlx::SqliteConnection::connect(backend.url())
        .await
        .unwrap();
    for day in [
        "2026-11-28 10:15:00",
        "2026-11-28T10:15",
        "28/11/2026",
        "2026-11-28Z",
    ] {
        let refused = sqlx::query(
            "INSERT INTO cases (created_on, case_recipient, notes_recipient) VALUES (?, 'a', 'b')",
        )
        .bind(day)
        .execute(&mut conn)
        .await;
        assert!(refused.is_err(), "{day}");
    }
}

/// The audit log's time is UTC to the second, in one spelling; nothing finer, no offset.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_audit_time_is_to_the_second() {
    let backend = Backend::sqlite();
    drop(backend.open().await);
    let mut conn = sqlx::SqliteConnection::connect(backend.url())
        .await
        .unwrap();
    let insert = "INSERT INTO audit_log (seq, at, actor, action, detail, prev_hash, hash) \
                  VALUES (1, ?, 'a', 'b', '{}', zeroblob(32), zeroblob(32))";
    for at in [
        "2026-11-28T10:15:00.5Z",
        "2026-11-28T10:15:00+07:00",
        "2026-11-28 10:15:00",
        "2026-11-28",
    ] {
        let refused = sqlx::query(insert).bind(at).execute(&mut conn).await;
        assert!(refused.is_err(), "{at}");
    }
    sqlx::query(insert)
        .bind("2026-11-28T10:15:00Z")
        .execute(&mut conn)
        .await
        .unwrap();
}

/// Closing waits for queued writes, closes every connection (SQLite then folds the WAL into
/// the database file and removes it), and a new store finds everything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_close_then_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kentongan.sqlite3");
    // The `sqlite:` form without slashes, and an absolute path.
    let url = format!("sqlite:{}", path.display());
    let store = Arc::new(SqliteStore::open(&url).await.unwrap());
    let mut tasks = JoinSet::new();
    for _ in 0..50 {
        let store = store.clone();
        let case = new_case(&[]);
        tasks.spawn(async move { store.create_case(case).await });
    }
    let mut ids = Vec::new();
    while let Some(done) = tasks.join_next().await {
        ids.push(done.unwrap().unwrap());
    }
    ids.sort_unstable();
    Arc::into_inner(store).unwrap().close().await;
    assert!(path.exists());
    assert!(!dir.path().join("kentongan.sqlite3-wal").exists());

    let store = SqliteStore::open(&url).await.unwrap();
    assert_eq!(store.case_ids().await.unwrap(), ids);
    store.close().await;
}

#[tokio::test]
async fn sqlite_refuses_an_in_memory_database() {
    for url in ["sqlite::memory:", "sqlite://file.db?mode=memory"] {
        let refused = SqliteStore::open(url).await;
        assert!(matches!(refused, Err(StoreError::Database(_))), "{url}");
    }
}

/// Migrations are embedded by hand (see `EmbeddedMigrations`): every file must be listed,
/// with its version, name and contents.
#[test]
fn embedded_migrations_match_their_directories() {
    for (backend, embedded) in [
        ("sqlite", super::sqlite::MIGRATIONS),
        ("postgres", super::postgres::MIGRATIONS),
    ] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(backend);
        let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| {
                let path = entry.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(&path).unwrap())
            })
            .collect();
        files.sort();
        let listed: Vec<(String, String)> = embedded
            .iter()
            .map(|(version, description, sql)| {
                (format!("{version:04}_{description}.sql"), (*sql).to_owned())
            })
            .collect();
        assert_eq!(files, listed, "migrations/{backend}");
    }
}

// ---------------------------------------------------------------------------------------
// E-mail notifications: the outbox.

/// The kinds a claim holds, and the claim released at once.
async fn queued(store: &dyn Store) -> Vec<Notification> {
    match store.claim_notifications().await.unwrap() {
        Some(claim) => {
            let kinds = claim.kinds();
            claim.release().await.unwrap();
            kinds
        }
        None => vec![],
    }
}

async fn notifications_are_off_until_asked(backend: &Backend) {
    let store = backend.open().await;
    let id = store.create_case(new_case(&[])).await.unwrap();
    store
        .add_item(id, ItemKind::ReporterMessage, blob("m"), TODAY, None)
        .await
        .unwrap();
    assert_eq!(backend.count("notifications").await, 0);
    assert!(store.claim_notifications().await.unwrap().is_none());
}

async fn notifications_are_queued_with_their_event(backend: &Backend) {
    let store = backend.open().await;
    let wake = Arc::new(Notify::new());
    store.queue_notifications(wake.clone());

    let id = store.create_case(new_case(&[])).await.unwrap();
    // The event woke the sender (a permit is stored for it).
    tokio::time::timeout(Duration::from_secs(5), wake.notified())
        .await
        .unwrap();
    assert_eq!(queued(&*store).await, vec![Notification::NewReport]);
    // A refused event queues nothing: the same receipt again, an item for no case.
    let mut again = new_case(&[]);
    again.receipt_lookup = store_receipt(backend, id).await;
    assert!(matches!(
        store.create_case(again).await,
        Err(StoreError::Duplicate)
    ));
    assert!(matches!(
        store
            .add_item(id + 1, ItemKind::ReporterMessage, blob("m"), TODAY, None)
            .await,
        Err(StoreError::NotFound)
    ));
    // An investigator's message is not news for the team.
    store
        .add_item(id, ItemKind::InvestigatorMessage, blob("q"), TODAY, None)
        .await
        .unwrap();
    assert_eq!(backend.count("notifications").await, 1);
    store
        .add_item(id, ItemKind::ReporterMessage, blob("a"), TODAY, None)
        .await
        .unwrap();
    store.create_case(new_case(&[])).await.unwrap();
    assert_eq!(backend.count("notifications").await, 3);

    // A claim dropped unsent leaves every row; one sent removes the rows it claimed only.
    let claim = store.claim_notifications().await.unwrap().unwrap();
    assert_eq!(
        claim.kinds(),
        vec![Notification::NewReport, Notification::ReporterMessage]
    );
    claim.release().await.unwrap();
    assert_eq!(backend.count("notifications").await, 3);
    let claim = store.claim_notifications().await.unwrap().unwrap();
    store
        .add_item(id, ItemKind::ReporterMessage, blob("b"), TODAY, None)
        .await
        .unwrap();
    claim.sent().await.unwrap();
    assert_eq!(queued(&*store).await, vec![Notification::ReporterMessage]);
    store
        .claim_notifications()
        .await
        .unwrap()
        .unwrap()
        .sent()
        .await
        .unwrap();
    assert_eq!(backend.count("notifications").await, 0);
    assert!(store.claim_notifications().await.unwrap().is_none());

    // The outbox outlives the process: rows queued before a restart are still there.
    store.create_case(new_case(&[])).await.unwrap();
    drop(store);
    let store = backend.open().await;
    assert_eq!(queued(&*store).await, vec![Notification::NewReport]);
}

/// The receipt lookup key a case was stored with, read behind the store's back.
async fn store_receipt(backend: &Backend, id: i64) -> [u8; 32] {
    let sql = format!("SELECT receipt_lookup FROM reporter_credentials WHERE case_id = {id}");
    let bytes: Vec<u8> = match backend {
        Backend::Sqlite { url, .. } => {
            let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
            sqlx::query_scalar(&sql).fetch_one(&mut conn).await.unwrap()
        }
        Backend::Postgres(database) => {
            let mut conn = sqlx::PgConnection::connect(&database.url).await.unwrap();
            sqlx::query_scalar(&sql).fetch_one(&mut conn).await.unwrap()
        }
    };
    bytes.try_into().unwrap()
}

async fn deadline_check_is_once_a_day(backend: &Backend) {
    let store = backend.open().await;
    let tomorrow = TODAY.next_day().unwrap();
    assert!(store.record_deadline_check(TODAY, true).await.unwrap());
    assert!(!store.record_deadline_check(TODAY, true).await.unwrap());
    assert_eq!(queued(&*store).await, vec![Notification::DeadlineNear]);
    assert_eq!(backend.count("notifications").await, 1);
    // An earlier day (a clock set back) is not a new day.
    let yesterday = TODAY.previous_day().unwrap();
    assert!(!store.record_deadline_check(yesterday, true).await.unwrap());
    // Nothing near: the day is checked all the same, and nothing is queued.
    assert!(store.record_deadline_check(tomorrow, false).await.unwrap());
    assert!(!store.record_deadline_check(tomorrow, true).await.unwrap());
    assert_eq!(backend.count("notifications").await, 1);

    // Several instances checking the same day at once: one of them does it.
    let day = tomorrow.next_day().unwrap();
    let mut tasks = JoinSet::new();
    for _ in 0..8 {
        let store = store.clone();
        tasks.spawn(async move { store.record_deadline_check(day, true).await.unwrap() });
    }
    let mut won = 0;
    while let Some(done) = tasks.join_next().await {
        won += usize::from(done.unwrap());
    }
    assert_eq!(won, 1);
    assert_eq!(backend.count("notifications").await, 2);
}

/// PostgreSQL, for several instances: rows one sender has claimed are skipped by another,
/// and claiming never holds up a report.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_claims_skip_locked_rows() {
    let backend = Backend::postgres().await;
    let (first, second) = (backend.open().await, backend.open().await);
    first.queue_notifications(Arc::new(Notify::new()));
    second.queue_notifications(Arc::new(Notify::new()));
    first.create_case(new_case(&[])).await.unwrap();

    let claim = first.claim_notifications().await.unwrap().unwrap();
    assert!(second.claim_notifications().await.unwrap().is_none());
    // A report while the claim is held (the SMTP server may be slow) is not held up.
    tokio::time::timeout(Duration::from_secs(5), second.create_case(new_case(&[])))
        .await
        .unwrap()
        .unwrap();
    let other = second.claim_notifications().await.unwrap().unwrap();
    assert_eq!(other.kinds(), vec![Notification::NewReport]);
    claim.sent().await.unwrap();
    assert_eq!(backend.count("notifications").await, 1);
    other.release().await.unwrap();
    assert_eq!(queued(&*first).await, vec![Notification::NewReport]);
}

// ---------------------------------------------------------------------------------------
// Benchmarks (ignored by default).

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark; run it in release mode with --nocapture"]
async fn bench_sqlite() {
    let backend = Backend::sqlite();
    bench(&backend, "sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark; run it in release mode with --nocapture"]
async fn bench_postgres() {
    let backend = Backend::postgres().await;
    bench(&backend, "postgres").await;
}

/// `create_case` throughput with 1, 8 and 64 concurrent callers, cases shaped like real ones
/// (a report in the 2 KiB bucket, envelopes to three investigators and the reporter).
async fn bench(backend: &Backend, name: &str) {
    let cases: usize = std::env::var("KENTONGAN_BENCH_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000);
    let store = backend.open().await;
    let mut team = Vec::new();
    for n in 0..3 {
        let investigator = store
            .add_investigator(
                &format!("investigator {n}"),
                &recipient(),
                false,
                TODAY,
                &audited(),
            )
            .await
            .unwrap();
        team.push(investigator.id);
    }
    let templates: Arc<Vec<NewCase>> = Arc::new(
        (0..64)
            .map(|_| {
                let mut case = new_case(&team);
                case.report = encrypt(&case.case_recipient, &[b'x'; 1800]).unwrap();
                case
            })
            .collect(),
    );
    eprintln!(
        "{name}: case of {} bytes of ciphertext",
        templates[0].report.as_bytes().len()
            + templates[0]
                .envelopes
                .iter()
                .map(|(_, e)| e.as_bytes().len())
                .sum::<usize>()
    );
    for callers in [1, 8, 64] {
        let per_caller = cases / callers;
        let started = Instant::now();
        let mut tasks = JoinSet::new();
        for caller in 0..callers {
            let store = store.clone();
            let templates = templates.clone();
            tasks.spawn(async move {
                for n in 0..per_caller {
                    let case = copy(&templates[(caller + n) % templates.len()]);
                    store.create_case(case).await.unwrap();
                }
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.unwrap();
        }
        let elapsed = started.elapsed();
        let done = per_caller * callers;
        eprintln!(
            "{name}: {callers:>2} callers: {done} cases in {:.2} s = {:.0} cases/s",
            elapsed.as_secs_f64(),
            done as f64 / elapsed.as_secs_f64()
        );
    }
}

// ---------------------------------------------------------------------------------------
// Fixtures.

/// Where a test's store lives; dropping it removes the database.
pub(crate) enum Backend {
    Sqlite {
        _dir: tempfile::TempDir,
        url: String,
    },
    Postgres(TestDatabase),
}

impl Backend {
    pub(crate) fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        // A directory that does not exist yet: opening creates it.
        let url = format!("sqlite://{}/data/kentongan.sqlite3", dir.path().display());
        Backend::Sqlite { _dir: dir, url }
    }

    pub(crate) async fn postgres() -> Self {
        Backend::Postgres(TestDatabase::create().await)
    }

    fn url(&self) -> &str {
        match self {
            Backend::Sqlite { url, .. } => url,
            Backend::Postgres(database) => &database.url,
        }
    }

    /// Opens the store through `store::open`, as the server does.
    pub(crate) async fn open(&self) -> Arc<dyn Store> {
        super::open(self.url())
            .await
            .unwrap_or_else(|error| panic!("opening {}: {error}", self.url()))
    }

    /// Rows in a table, counted behind the store's back.
    pub(crate) async fn count(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        match self {
            Backend::Sqlite { url, .. } => {
                let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
                sqlx::query_scalar(&sql).fetch_one(&mut conn).await.unwrap()
            }
            Backend::Postgres(database) => {
                let mut conn = sqlx::PgConnection::connect(&database.url).await.unwrap();
                sqlx::query_scalar(&sql).fetch_one(&mut conn).await.unwrap()
            }
        }
    }

    /// Runs a statement behind the store's back.
    async fn execute(&self, sql: &str) {
        match self {
            Backend::Sqlite { url, .. } => {
                let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
                sqlx::query(sql).execute(&mut conn).await.unwrap();
            }
            Backend::Postgres(database) => {
                let mut conn = sqlx::PgConnection::connect(&database.url).await.unwrap();
                sqlx::query(sql).execute(&mut conn).await.unwrap();
            }
        }
    }

    /// Every `table.column` of the schema, the migrations' bookkeeping aside.
    async fn columns(&self) -> BTreeSet<String> {
        let names: Vec<String> = match self {
            Backend::Sqlite { url, .. } => {
                let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
                sqlx::query_scalar(
                    "SELECT m.name || '.' || p.name \
                     FROM sqlite_schema m JOIN pragma_table_info(m.name) p \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
                       AND m.name NOT LIKE '\\_sqlx%' ESCAPE '\\'",
                )
                .fetch_all(&mut conn)
                .await
                .unwrap()
            }
            Backend::Postgres(database) => {
                let mut conn = sqlx::PgConnection::connect(&database.url).await.unwrap();
                sqlx::query_scalar(
                    "SELECT (table_name || '.' || column_name)::text \
                     FROM information_schema.columns \
                     WHERE table_schema = 'public' AND table_name NOT LIKE '\\_sqlx%'",
                )
                .fetch_all(&mut conn)
                .await
                .unwrap()
            }
        };
        names.into_iter().collect()
    }

    /// Nothing partial: every case has its credential and report, and exactly `envelopes`.
    async fn assert_rows(&self, cases: i64, items: i64, envelopes: i64) {
        assert_eq!(self.count("cases").await, cases, "cases");
        assert_eq!(
            self.count("reporter_credentials").await,
            cases,
            "credentials"
        );
        assert_eq!(self.count("case_items").await, items, "items");
        assert_eq!(self.count("key_envelopes").await, envelopes, "envelopes");
    }
}

/// A database of its own on the test PostgreSQL server, dropped with this value.
pub(crate) struct TestDatabase {
    server: String,
    name: String,
    url: String,
}

impl TestDatabase {
    async fn create() -> Self {
        let server = std::env::var("KENTONGAN_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| DEFAULT_POSTGRES.to_owned());
        let mut admin = sqlx::PgConnection::connect(&server)
            .await
            .unwrap_or_else(|error| {
                panic!(
                    "PostgreSQL is not reachable at {server}: {error}\n\
                 The store tests run on PostgreSQL too. Start it \
                 (`pg_ctlcluster --skip-systemctl-redirect <version> main start`) or set \
                 KENTONGAN_TEST_POSTGRES_URL to a server where this user may create databases."
                )
            });
        let name = format!("kentongan_test_{:016x}", rand::random::<u64>());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|error| panic!("creating the test database {name}: {error}"));
        admin.close().await.unwrap();
        let url = with_database(&server, &name);
        Self { server, name, url }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop cannot await; a thread with its own runtime can, even inside a test's runtime.
        let (server, name) = (self.server.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(sqlx::Error::Io)?;
            runtime.block_on(async {
                let mut admin = sqlx::PgConnection::connect(&server).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await?;
                admin.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop the test database {}", self.name);
        }
    }
}

/// `server` with its database name replaced by `name`, query string kept.
fn with_database(server: &str, name: &str) -> String {
    let (head, query) = match server.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (server, None),
    };
    let authority = head.find("://").map_or(0, |at| at + 3);
    let head = match head[authority..].find('/') {
        Some(slash) => &head[..authority + slash],
        None => head,
    };
    match query {
        Some(query) => format!("{head}/{name}?{query}"),
        None => format!("{head}/{name}"),
    }
}

#[test]
fn with_database_replaces_only_the_database() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "t"),
        "postgres://postgres@127.0.0.1:5432/t"
    );
    assert_eq!(
        with_database("postgresql://u:p@h/db?sslmode=disable", "t"),
        "postgresql://u:p@h/t?sslmode=disable"
    );
    assert_eq!(with_database("postgres://h", "t"), "postgres://h/t");
}

fn recipient() -> Recipient {
    Identity::generate().to_public()
}

/// An audit event for a store call whose entry the test does not look at.
fn audited() -> AuditEvent {
    AuditEvent::new("operator:test", Action::CaseExport)
}

fn sealed(to: &Recipient, content: &[u8]) -> Ciphertext {
    encrypt(to, content).unwrap()
}

/// A case sealed like a real one: envelopes to `investigators` and to the reporter.
pub(crate) fn new_case(investigators: &[i64]) -> NewCase {
    let case_recipient = recipient();
    let reporter = recipient();
    let mut envelopes: Vec<(Option<i64>, Ciphertext)> = investigators
        .iter()
        .map(|&id| (Some(id), sealed(&recipient(), b"case keys")))
        .collect();
    envelopes.push((None, sealed(&reporter, b"case keys")));
    NewCase {
        created_on: TODAY,
        receipt_lookup: rand::random(),
        credential: ReporterCredential {
            kdf: KdfParams::CURRENT,
            auth_hash: AuthHash::of_token(b"t", CredentialVersion::Committed),
            recipient: reporter,
        },
        report: sealed(&case_recipient, "laporan: dana desa 💸".as_bytes()),
        commitment: Some(Commitment::new(
            &rand::random(),
            &case_recipient,
            &[],
            CaseKeys::generate().team_signer().unwrap().public(),
        )),
        case_recipient,
        notes_recipient: recipient(),
        envelopes,
        attachments: vec![],
    }
}

/// Another case with the same content and a fresh receipt.
fn copy(case: &NewCase) -> NewCase {
    NewCase {
        created_on: case.created_on,
        receipt_lookup: rand::random(),
        credential: case.credential.clone(),
        case_recipient: case.case_recipient.clone(),
        notes_recipient: case.notes_recipient.clone(),
        report: case.report.clone(),
        commitment: case.commitment.clone(),
        envelopes: case.envelopes.clone(),
        attachments: case.attachments.clone(),
    }
}
