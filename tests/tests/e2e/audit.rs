//! The audit log with the real binary: operator commands are recorded, `kentongan audit
//! verify` passes, and after an entry is edited in the SQLite file it fails with status 1.

use sqlx::Connection;

use crate::no_js::file_report;
use crate::support::*;

#[tokio::test]
async fn operator_actions_are_recorded_and_tampering_fails_verify() {
    let (server, _key) = server_with_investigator(None, "Ani");
    file_report(&server, "Pungutan liar di loket KTP").await;
    for args in [
        &["case", "move", "1", "--to", "pemeriksaan", "--by", "Ani"][..],
        &[
            "export",
            "--case",
            "1",
            "--out",
            "case-1.json",
            "--by",
            "budi",
        ],
        &["investigator", "disable", "1", "--by", "budi"],
    ] {
        let out = server.kentongan(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }

    let out = server.kentongan(&["audit", "list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let list: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let recorded: Vec<(&str, &str)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["actor"].as_str().unwrap(), e["action"].as_str().unwrap()))
        .collect();
    // The investigator was added with no --by: the login name, whatever it is here.
    assert_eq!(recorded[0].1, "investigator-add");
    assert!(recorded[0].0.starts_with("operator:"), "{recorded:?}");
    assert_eq!(
        recorded[1..],
        [
            ("operator:Ani", "case-move"),
            ("operator:budi", "case-export"),
            ("operator:budi", "investigator-disable"),
        ]
    );
    // Nothing a reporter did: the report is not an entry.
    assert_eq!(list[1]["detail"]["to"], "pemeriksaan");

    let out = server.kentongan(&["audit", "verify"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let head = list[3]["hash"].as_str().unwrap();
    assert_eq!(
        stdout(&out).trim(),
        format!("audit log intact: 4 entries, head {head}")
    );
    let out = server.kentongan(&["audit", "verify", "--anchor", &format!("4:{head}")]);
    assert!(out.status.success(), "{}", stderr(&out));

    // Someone with the database file drops the guard and rewrites where the case went.
    let file = server.dir.path().join("data").join("kentongan.sqlite3");
    let mut db = sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    sqlx::raw_sql(
        "DROP TRIGGER audit_log_no_update; \
         UPDATE audit_log SET detail = replace(detail, 'pemeriksaan', 'selesai') WHERE seq = 2",
    )
    .execute(&mut db)
    .await
    .unwrap();
    db.close().await.unwrap();

    let out = server.kentongan(&["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(
        stderr(&out).trim().lines().last(),
        Some("Error: audit log broken: entry 2 was edited: its hash does not match it")
    );
}
