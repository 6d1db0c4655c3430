//! Offline parity for notes and grants with the real binaries: investigator A writes an
//! internal note and grants the case to a newly added investigator B; B opens it offline,
//! note included; neither the database nor the log holds the note's text. (That the reporter
//! is never sent a note is tested in-process: `server/src/web/tests/followup.rs`.)

use std::path::PathBuf;
use std::process::Command;

use crate::no_js::file_report;
use crate::support::*;

/// Exports case `id` into a fresh bundle file named after `name`.
fn bundle(server: &Server, id: i64, name: &str) -> PathBuf {
    let path = server.dir.path().join(format!("bundle-{name}.json"));
    let out = server.kentongan(&[
        "export",
        "--case",
        &id.to_string(),
        "--out",
        path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "export: {}", stderr(&out));
    path
}

async fn story(server: Server, ani: InvestigatorKey, dump: impl Fn(&Server) -> Vec<u8>) {
    let what = "Dana desa dipotong oleh bendahara GRN-6402";
    let page = file_report(&server, what).await;
    assert!(element_text(&page, "receipt-code").is_some());
    let dir = server.dir.path().to_owned();

    // A's internal note, written offline and imported.
    let secret = "Saksi kunci GRN-7713 takut dibalas; jangan hubungi lewat kantor.";
    std::fs::write(dir.join("note.txt"), secret).unwrap();
    let note = dir.join("note.json");
    let mut cmd = Command::new(bin("kentongan-keytool"));
    cmd.arg("note")
        .arg(bundle(&server, 1, "for-note"))
        .arg("--identity")
        .arg(&ani.key_file)
        .arg("--passphrase-file")
        .arg(&ani.passphrase_file)
        .arg("--message-file")
        .arg(dir.join("note.txt"))
        .arg("--out")
        .arg(&note);
    let out = run(cmd);
    assert!(out.status.success(), "keytool note: {}", stderr(&out));
    std::fs::remove_file(dir.join("note.txt")).unwrap();
    let out = server.kentongan(&["case", "note", "1", note.to_str().unwrap()]);
    assert!(out.status.success(), "case note: {}", stderr(&out));
    // The same file as a reply: refused, named for what it is.
    let out = server.kentongan(&["case", "reply", "1", note.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("is a note file, not a reply file"),
        "{}",
        stderr(&out)
    );

    // B joins the team after the report arrived: no envelope, so B cannot open it yet.
    let budi = make_investigator(&dir, "budi");
    let out = server.kentongan(&[
        "investigator",
        "add",
        "--name",
        "Budi",
        "--recipient",
        &budi.recipient,
    ]);
    assert!(out.status.success(), "investigator add: {}", stderr(&out));
    let mut cmd = Command::new(bin("kentongan-keytool"));
    cmd.arg("open")
        .arg(bundle(&server, 1, "before-grant"))
        .arg("--identity")
        .arg(&budi.key_file)
        .arg("--passphrase-file")
        .arg(&budi.passphrase_file)
        .arg("--out")
        .arg(dir.join("budi-before"));
    let out = run(cmd);
    assert!(
        stderr(&out).contains("this key cannot open case 1"),
        "{}",
        stderr(&out)
    );

    // A grants the case to B offline; the operator imports the grant.
    let grant = dir.join("grant.json");
    let mut cmd = Command::new(bin("kentongan-keytool"));
    cmd.arg("grant")
        .arg(bundle(&server, 1, "for-grant"))
        .arg("--identity")
        .arg(&ani.key_file)
        .arg("--passphrase-file")
        .arg(&ani.passphrase_file)
        .arg("--to")
        .arg(&budi.recipient)
        .arg("--out")
        .arg(&grant);
    let out = run(cmd);
    assert!(out.status.success(), "keytool grant: {}", stderr(&out));
    let out = server.kentongan(&["case", "grant", "1", grant.to_str().unwrap()]);
    assert!(out.status.success(), "case grant: {}", stderr(&out));
    assert!(
        stdout(&out).contains("can now open case 1"),
        "{}",
        stdout(&out)
    );
    let again = server.kentongan(&["case", "grant", "1", grant.to_str().unwrap()]);
    assert!(
        stderr(&again).contains("can already open case 1; nothing to grant"),
        "{}",
        stderr(&again)
    );

    // B opens the case offline with B's own key: the report and A's note, marked internal.
    let conversation = open_conversation(&server, &budi, 1);
    assert!(conversation.contains(what), "{conversation}");
    assert!(
        conversation.contains(&format!(
            "*** Catatan internal (tidak terlihat oleh pelapor) / internal note (not visible \
             to the reporter) ***, item 2:\n    {secret}\n"
        )),
        "{conversation}"
    );

    let stored = dump(&server);
    for plain in [what, "GRN-7713"] {
        assert!(!contains(&stored, plain), "{plain:?} is in the database");
        assert!(!server.log().contains(plain), "{plain:?} is in the log");
    }
}

#[tokio::test]
async fn a_granted_investigator_opens_the_case_and_its_notes_on_sqlite() {
    let (server, key) = server_with_investigator(None, "Ani");
    story(server, key, Server::data_files).await;
}

#[tokio::test]
async fn a_granted_investigator_opens_the_case_and_its_notes_on_postgres() {
    let pg = Postgres::new();
    let (server, key) = server_with_investigator(Some(&pg.url), "Ani");
    story(server, key, |_| pg.dump().into_bytes()).await;
}
