//! The audit log on both backends: what the store records with each action, what it refuses
//! to record, tampering found by `verify`, and one chain under concurrent appends from two
//! store instances (two server instances on one database).

use kentongan_crypto::bundle::ItemKind;
use sqlx::Connection;
use time::{Duration, OffsetDateTime};
use tokio::task::JoinSet;

use super::{Backend, HOSTILE, TODAY, UNICODE, blob, new_case, recipient};
use crate::audit::{self, Action, AuditEntry, AuditEvent, Breach, Broken, Intact, verify};
use crate::store::StoreError;

on_both_backends!(
    actions_are_recorded_in_one_chain,
    refused_actions_record_nothing,
    tampering_is_found,
    concurrent_appends_keep_one_chain,
);

fn by(name: &str, action: Action) -> AuditEvent {
    AuditEvent::new(audit::operator(name), action)
}

fn json(entry: &AuditEntry) -> serde_json::Value {
    serde_json::from_str(&entry.detail).unwrap()
}

async fn actions_are_recorded_in_one_chain(backend: &Backend) {
    let store = backend.open().await;
    assert_eq!(store.audit_log().await.unwrap(), vec![]);
    let started = OffsetDateTime::now_utc() - Duration::seconds(1);

    let key = recipient();
    let ani = store
        .add_investigator(
            HOSTILE,
            &key,
            true,
            TODAY,
            &by(UNICODE, Action::InvestigatorAdd)
                .detail("name", HOSTILE)
                .detail("recipient", key.to_string()),
        )
        .await
        .unwrap();
    // Reporters' actions are not recorded: a new case, a reporter's message.
    let id = store.create_case(new_case(&[ani.id])).await.unwrap();
    store
        .add_item(id, ItemKind::ReporterMessage, blob("r"), TODAY, None)
        .await
        .unwrap();
    let reply = store
        .add_item(
            id,
            ItemKind::InvestigatorMessage,
            blob("q"),
            TODAY,
            Some(&by("budi", Action::CaseReply).case(id)),
        )
        .await
        .unwrap();
    let move_event = |from: &str, to: &str| {
        by("budi", Action::CaseMove)
            .case(id)
            .detail("from", from)
            .detail("to", to)
    };
    store
        .move_case(
            id,
            "diterima",
            "pemeriksaan",
            "Ani",
            TODAY,
            None,
            &move_event("diterima", "pemeriksaan"),
        )
        .await
        .unwrap();
    store
        .move_case(
            id,
            "pemeriksaan",
            "dialihkan",
            "Ani",
            TODAY,
            Some(blob("to KPK")),
            &move_event("pemeriksaan", "dialihkan"),
        )
        .await
        .unwrap();
    let exported = store
        .append_audit(&by("budi", Action::CaseExport).case(id))
        .await
        .unwrap();
    store
        .disable_investigator(
            ani.id,
            &by("budi", Action::InvestigatorDisable).detail("investigator", ani.id),
        )
        .await
        .unwrap();

    let log = store.audit_log().await.unwrap();
    let actions: Vec<(i64, &str, &str, Option<i64>)> = log
        .iter()
        .map(|e| (e.seq, e.actor.as_str(), e.action.as_str(), e.case))
        .collect();
    let unicode_actor = audit::operator(UNICODE);
    assert_eq!(
        actions,
        [
            (1, unicode_actor.as_str(), "investigator-add", None),
            (2, "operator:budi", "case-reply", Some(id)),
            (3, "operator:budi", "case-move", Some(id)),
            (4, "operator:budi", "case-move", Some(id)),
            (5, "operator:budi", "case-export", Some(id)),
            (6, "operator:budi", "investigator-disable", None),
        ]
    );
    // What only the store knows is added to the detail: the ids it created.
    assert_eq!(
        json(&log[0]),
        serde_json::json!({"name": HOSTILE, "recipient": key.to_string(), "investigator": ani.id})
    );
    assert_eq!(json(&log[1]), serde_json::json!({"item": reply}));
    assert_eq!(
        json(&log[2]),
        serde_json::json!({"from": "diterima", "to": "pemeriksaan"})
    );
    let message = store.case(id).await.unwrap().history[1].message.unwrap();
    assert_eq!(
        json(&log[3]),
        serde_json::json!({"from": "pemeriksaan", "to": "dialihkan", "message": message})
    );
    assert_eq!(log[4], exported);
    assert_eq!(json(&log[5]), serde_json::json!({"investigator": ani.id}));

    let now = OffsetDateTime::now_utc() + Duration::seconds(1);
    for entry in &log {
        assert!(started <= entry.at && entry.at <= now, "{entry:?}");
        assert_eq!(entry.at.nanosecond(), 0);
    }
    assert_eq!(
        verify(&log),
        Ok(Intact {
            count: 6,
            head: log[5].hash
        })
    );

    // The chain goes on where it was after reopening (a restart, another instance).
    drop(store);
    let store = backend.open().await;
    let next = store.append_audit(&by("ani", Action::CaseExportAll)).await;
    let next = next.unwrap();
    assert_eq!((next.seq, next.prev_hash), (7, log[5].hash));
    assert!(verify(&store.audit_log().await.unwrap()).is_ok());
}

/// An action the store refuses leaves no entry; an entry the store cannot write (here: for a
/// case that does not exist) leaves no action.
async fn refused_actions_record_nothing(backend: &Backend) {
    let store = backend.open().await;
    let key = recipient();
    let ani = store
        .add_investigator("Ani", &key, true, TODAY, &by("x", Action::InvestigatorAdd))
        .await
        .unwrap();
    let id = store.create_case(new_case(&[])).await.unwrap();
    store
        .move_case(
            id,
            "diterima",
            "pemeriksaan",
            "Ani",
            TODAY,
            None,
            &by("x", Action::CaseMove).case(id),
        )
        .await
        .unwrap();
    assert_eq!(store.audit_log().await.unwrap().len(), 2);

    let again = store
        .add_investigator("Ani", &key, true, TODAY, &by("x", Action::InvestigatorAdd))
        .await;
    assert!(matches!(again, Err(StoreError::Duplicate)), "{again:?}");
    let unknown = store
        .disable_investigator(ani.id + 99, &by("x", Action::InvestigatorDisable))
        .await;
    assert!(matches!(unknown, Err(StoreError::NotFound)), "{unknown:?}");
    let stale = store
        .move_case(
            id,
            "diterima",
            "dialihkan",
            "Budi",
            TODAY,
            Some(blob("m")),
            &by("x", Action::CaseMove).case(id),
        )
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict)), "{stale:?}");
    let missing = store
        .move_case(
            id + 1,
            "diterima",
            "pemeriksaan",
            "Budi",
            TODAY,
            None,
            &by("x", Action::CaseMove).case(id + 1),
        )
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
    let lost = store
        .add_item(
            id + 1,
            ItemKind::InvestigatorMessage,
            blob("q"),
            TODAY,
            Some(&by("x", Action::CaseReply).case(id + 1)),
        )
        .await;
    assert!(matches!(lost, Err(StoreError::NotFound)), "{lost:?}");
    assert_eq!(store.audit_log().await.unwrap().len(), 2);

    // The entry names a case that does not exist: the item must not land without it.
    let orphan = store
        .add_item(
            id,
            ItemKind::InvestigatorMessage,
            blob("q"),
            TODAY,
            Some(&by("x", Action::CaseReply).case(id + 1)),
        )
        .await;
    assert!(matches!(orphan, Err(StoreError::Database(_))), "{orphan:?}");
    assert_eq!(store.case(id).await.unwrap().items.len(), 1);
    assert_eq!(backend.count("stage_events").await, 1);
    assert_eq!(backend.count("audit_log").await, 2);
    assert!(verify(&store.audit_log().await.unwrap()).is_ok());
}

/// Runs a statement behind the store's back; the error, if any, as text.
async fn sql(backend: &Backend, sql: &str) -> Result<(), String> {
    let outcome = match backend {
        Backend::Sqlite { url, .. } => {
            let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
            sqlx::raw_sql(sql).execute(&mut conn).await.map(drop)
        }
        Backend::Postgres(database) => {
            let mut conn = sqlx::PgConnection::connect(&database.url).await.unwrap();
            sqlx::raw_sql(sql).execute(&mut conn).await.map(drop)
        }
    };
    outcome.map_err(|error| error.to_string())
}

async fn tampering_is_found(backend: &Backend) {
    let store = backend.open().await;
    let id = store.create_case(new_case(&[])).await.unwrap();
    for n in 0..5 {
        store
            .append_audit(&by("budi", Action::CaseExport).case(id).detail("n", n))
            .await
            .unwrap();
    }
    let intact = verify(&store.audit_log().await.unwrap()).unwrap();
    assert_eq!(intact.count, 5);
    let check = |seq, why| {
        let store = store.clone();
        async move {
            let log = store.audit_log().await.unwrap();
            assert_eq!(verify(&log), Err(Broken { seq, why }));
        }
    };

    // Using the database normally, the log cannot be changed.
    for refused in [
        "UPDATE audit_log SET detail = '{}' WHERE seq = 3",
        "DELETE FROM audit_log WHERE seq = 5",
    ] {
        let error = sql(backend, refused).await.unwrap_err();
        assert!(error.contains("append-only"), "{error}");
    }
    // Someone with the database can drop the guard; the chain still tells.
    let unguard = match backend {
        Backend::Sqlite { .. } => {
            "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete"
        }
        Backend::Postgres(_) => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
    };
    sql(backend, unguard).await.unwrap();

    for (edit, undo) in [
        (
            "UPDATE audit_log SET detail = detail || ' ' WHERE seq = 3",
            "UPDATE audit_log SET detail = substr(detail, 1, length(detail) - 1) WHERE seq = 3",
        ),
        (
            "UPDATE audit_log SET actor = actor || 'x' WHERE seq = 3",
            "UPDATE audit_log SET actor = substr(actor, 1, length(actor) - 1) WHERE seq = 3",
        ),
        (
            "UPDATE audit_log SET action = action || 'x' WHERE seq = 3",
            "UPDATE audit_log SET action = substr(action, 1, length(action) - 1) WHERE seq = 3",
        ),
        (
            "UPDATE audit_log SET case_id = NULL WHERE seq = 3",
            &format!("UPDATE audit_log SET case_id = {id} WHERE seq = 3"),
        ),
    ] {
        sql(backend, edit).await.unwrap();
        check(3, Breach::Edited).await;
        sql(backend, undo).await.unwrap();
        assert_eq!(verify(&store.audit_log().await.unwrap()), Ok(intact));
    }

    // Two entries swap places (their seq): the later one now comes first.
    let swap = "UPDATE audit_log SET seq = 1000 WHERE seq = 2; \
                UPDATE audit_log SET seq = 2 WHERE seq = 3; \
                UPDATE audit_log SET seq = 3 WHERE seq = 1000";
    sql(backend, swap).await.unwrap();
    check(2, Breach::Reordered).await;
    sql(backend, swap).await.unwrap();
    assert_eq!(verify(&store.audit_log().await.unwrap()), Ok(intact));

    sql(backend, "DELETE FROM audit_log WHERE seq = 3")
        .await
        .unwrap();
    check(3, Breach::Missing).await;
    // The rest renumbered to hide the gap.
    sql(
        backend,
        "UPDATE audit_log SET seq = seq - 1 WHERE seq = 4; \
                  UPDATE audit_log SET seq = seq - 1 WHERE seq = 5",
    )
    .await
    .unwrap();
    check(3, Breach::BadLink).await;
}

/// Two stores on one database (two server instances), 24 actions at once: one chain, every
/// action recorded once. Each case has a mover on each store; one of them wins.
async fn concurrent_appends_keep_one_chain(backend: &Backend) {
    let stores = [backend.open().await, backend.open().await];
    let mut cases = Vec::new();
    for _ in 0..6 {
        cases.push(stores[0].create_case(new_case(&[])).await.unwrap());
    }
    let mut tasks = JoinSet::new();
    for n in 0..24usize {
        let store = stores[(n / 6) % 2].clone();
        let case = cases[n % 6];
        tasks.spawn(async move {
            if n < 12 {
                let event = by(&format!("op{n}"), Action::CaseMove).case(case);
                match store
                    .move_case(case, "diterima", "pemeriksaan", "x", TODAY, None, &event)
                    .await
                {
                    Ok(()) => 1,
                    Err(StoreError::Conflict) => 0,
                    Err(other) => panic!("{other:?}"),
                }
            } else {
                let add = by(&format!("op{n}"), Action::InvestigatorAdd);
                store
                    .add_investigator("x", &recipient(), false, TODAY, &add)
                    .await
                    .unwrap();
                1
            }
        });
    }
    let mut recorded = 0;
    while let Some(done) = tasks.join_next().await {
        recorded += done.unwrap();
    }
    // 6 cases moved once each, 12 investigators added.
    assert_eq!(recorded, 18);
    let log = stores[1].audit_log().await.unwrap();
    assert_eq!(verify(&log).map(|intact| intact.count), Ok(18));
    let moves = log.iter().filter(|e| e.action == "case-move").count();
    assert_eq!(moves, 6);
}
