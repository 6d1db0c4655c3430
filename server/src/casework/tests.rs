//! The case commands against a real SQLite store, with reply files made by the same crypto
//! code as `kentongan-keytool reply`. (The store itself is tested on both backends in
//! `store::tests`; nothing here depends on the backend.)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::Arc;

use kentongan_crypto::bundle::ItemKind;
use kentongan_crypto::keys::{CaseKeys, Identity};
use kentongan_crypto::reporter::{AuthHash, CredentialVersion, KdfParams, ReporterCredential};
use kentongan_crypto::{Ciphertext, Grant, Message, Note, Reply};
use time::macros::date;

use super::*;
use crate::audit::{Action, AuditEvent};
use crate::store::{NewCase, SqliteStore};
use crate::workflow::Due;

const TODAY: Date = date!(2026 - 12 - 01);
const ACTOR: &str = "operator:test";

struct Office {
    store: Arc<dyn Store>,
    dir: tempfile::TempDir,
}

impl Office {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("k.sqlite3").display());
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&url).await.unwrap());
        Office { store, dir }
    }

    /// A case whose keys are `keys`; returns its id.
    async fn case(&self, keys: &CaseKeys) -> i64 {
        self.case_with(keys, vec![]).await
    }

    /// A case whose keys are `keys`, with these investigators' envelopes.
    async fn case_with(&self, keys: &CaseKeys, envelopes: Vec<(Option<i64>, Ciphertext)>) -> i64 {
        let case = keys.case.to_public();
        self.store
            .create_case(NewCase {
                created_on: date!(2026 - 11 - 28),
                receipt_lookup: rand::random(),
                credential: ReporterCredential {
                    kdf: KdfParams::CURRENT,
                    auth_hash: AuthHash::of_token(b"t", CredentialVersion::Legacy),
                    recipient: Identity::generate().to_public(),
                },
                report: Message::new("laporan").unwrap().seal(&case).unwrap(),
                commitment: None,
                case_recipient: case,
                notes_recipient: keys.notes.as_ref().unwrap().to_public(),
                envelopes,
                attachments: vec![],
            })
            .await
            .unwrap()
    }

    /// Writes a file in the scratch directory; returns its path.
    fn file(&self, name: &str, contents: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    async fn stored(&self, id: i64) -> StoredCase {
        self.store.case(id).await.unwrap()
    }
}

fn reply(case: i64, keys: &CaseKeys, text: &str) -> Reply {
    Reply::seal(case, keys, &Message::new(text).unwrap()).unwrap()
}

#[tokio::test]
async fn a_reply_is_added_as_an_investigator_message_once() {
    let office = Office::new().await;
    let keys = CaseKeys::generate();
    let id = office.case(&keys).await;
    let path = office.file(
        "reply.json",
        reply(id, &keys, "Kapan kejadiannya? \" ' & < >")
            .to_json()
            .as_bytes(),
    );

    let parsed = read_reply(&path).unwrap();
    let item = import_reply(&*office.store, id, &parsed, TODAY, ACTOR)
        .await
        .unwrap();
    let case = office.stored(id).await;
    assert_eq!(case.items.len(), 2);
    let log = office.store.audit_log().await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].actor.as_str(), log[0].action.as_str(), log[0].case),
        (ACTOR, "case-reply", Some(id))
    );
    assert_eq!(log[0].detail, format!(r#"{{"item":{item}}}"#));
    let added = &case.items[1];
    assert_eq!(
        (added.id, added.kind, added.created_on),
        (item, ItemKind::InvestigatorMessage, TODAY)
    );
    assert_eq!(
        Message::open(&added.ciphertext, &keys.case).unwrap().text,
        "Kapan kejadiannya? \" ' & < >"
    );
    assert_eq!(case.stage, "diterima");

    // The same file again: refused, nothing added.
    let again = import_reply(&*office.store, id, &parsed, TODAY, ACTOR).await;
    let error = again.unwrap_err();
    assert!(
        matches!(error, CaseError::AlreadyImported { kind: FileKind::Reply, case, item: i } if case == id && i == item),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "this reply is already in case {id} (item {item}); to say more, write a new reply \
             with kentongan-keytool"
        )
    );
    assert_eq!(office.stored(id).await.items.len(), 2);
}

#[tokio::test]
async fn a_reply_for_another_case_is_refused() {
    let office = Office::new().await;
    let (keys, other_keys) = (CaseKeys::generate(), CaseKeys::generate());
    let id = office.case(&keys).await;
    let other = office.case(&other_keys).await;

    let foreign = reply(other, &other_keys, "untuk kasus lain");
    let error = import_reply(&*office.store, id, &foreign, TODAY, ACTOR)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "this reply was made for case {other}, not for case {id}; \
             make the reply from case {id}'s bundle"
        )
    );

    // This case's number, another key (a bundle from another server, or an edited file).
    let relabelled = reply(id, &other_keys, "nomor benar, kunci salah");
    let error = import_reply(&*office.store, id, &relabelled, TODAY, ACTOR)
        .await
        .unwrap_err();
    assert!(
        matches!(error, CaseError::WrongKey { kind: FileKind::Reply, case } if case == id),
        "{error:?}"
    );

    let missing = import_reply(&*office.store, other + 1, &foreign, TODAY, ACTOR)
        .await
        .unwrap_err();
    assert_eq!(
        missing.to_string(),
        format!("there is no case {}", other + 1)
    );

    assert_eq!(office.stored(id).await.items.len(), 1);
    assert_eq!(office.stored(other).await.items.len(), 1);
}

#[tokio::test]
async fn damaged_and_foreign_files_are_named_as_such() {
    let office = Office::new().await;
    let keys = CaseKeys::generate();
    let good = reply(3, &keys, "Terima kasih.");

    let mut tampered: serde_json::Value = serde_json::from_str(&good.to_json()).unwrap();
    let mut bytes = good.ciphertext.as_bytes().to_vec();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    tampered["ciphertext"] = serde_json::to_value(Ciphertext::from_bytes(bytes.clone())).unwrap();

    let mut cut = good.clone();
    bytes.truncate(bytes.len() - 200);
    cut.ciphertext = Ciphertext::from_bytes(bytes.clone());
    // Recomputed, as by someone who edited the file on purpose.
    cut.sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));

    let mut v9: serde_json::Value = serde_json::from_str(&good.to_json()).unwrap();
    v9["format"] = "kentongan-reply/9 \u{1b}[31m".into();

    let huge = vec![b' '; MAX_REPLY_FILE as usize + 1];
    let (v9, tampered, cut) = (v9.to_string(), tampered.to_string(), cut.to_json());
    let cases: [(&str, &[u8], &str); 7] = [
        (
            "other.json",
            b"{\"format\":\"kentongan-opened-case/1\"}",
            "other.json is not a Kentongan reply file",
        ),
        (
            "junk.json",
            b"\" ' & < >\x00\xff",
            "is not a Kentongan reply file; make one with `kentongan-keytool reply",
        ),
        (
            "bundle.json",
            b"{\"format\":\"kentongan-case-bundle/1\",\"case\":{}}",
            "bundle.json is a case bundle, not a reply file; make a reply from it with \
             `kentongan-keytool reply ",
        ),
        (
            "v9.json",
            v9.as_bytes(),
            "\"kentongan-reply/9 \\u{1b}[31m\", which this server does not read",
        ),
        (
            "tampered.json",
            tampered.as_bytes(),
            "is damaged (its ciphertext does not match its checksum); copy it again",
        ),
        ("cut.json", cut.as_bytes(), "is damaged ("),
        ("huge.json", &huge, "is not a Kentongan reply file"),
    ];
    for (name, contents, expected) in cases {
        let path = office.file(name, contents);
        let message = read_reply(&path).unwrap_err().to_string();
        assert!(message.contains(expected), "{name}: {message}");
        assert!(
            message.starts_with(&path.display().to_string()),
            "{message}"
        );
        assert!(
            !message.contains('\n') && !message.contains('\u{1b}'),
            "{message}"
        );
    }
    let missing = read_reply(&office.dir.path().join("missing.json")).unwrap_err();
    assert!(
        missing
            .to_string()
            .starts_with("cannot read the reply file"),
        "{missing}"
    );
    assert!(read_reply(&office.file("good.json", good.to_json().as_bytes())).is_ok());
}

#[tokio::test]
async fn a_move_takes_its_reply_as_the_stage_message() {
    let office = Office::new().await;
    let keys = CaseKeys::generate();
    let id = office.case(&keys).await;
    let store = &*office.store;

    let moved = move_case(store, id, Stage::Pemeriksaan, " Ani ", None, TODAY, ACTOR)
        .await
        .unwrap();
    assert_eq!(
        moved,
        Moved {
            from: Stage::Diterima,
            to: Stage::Pemeriksaan
        }
    );
    let reason = reply(id, &keys, "Diteruskan ke Inspektorat Kabupaten Bantul.");
    let later = date!(2026 - 12 - 08);
    move_case(
        store,
        id,
        Stage::Dialihkan,
        "Budi",
        Some(&reason),
        later,
        ACTOR,
    )
    .await
    .unwrap();

    let case = office.stored(id).await;
    assert_eq!(case.stage, "dialihkan");
    assert_eq!(case.history.len(), 2);
    let log = store.audit_log().await.unwrap();
    let details: Vec<serde_json::Value> = log
        .iter()
        .map(|e| serde_json::from_str(&e.detail).unwrap())
        .collect();
    assert_eq!(
        details,
        [
            serde_json::json!({"from": "diterima", "to": "pemeriksaan", "by": "Ani"}),
            serde_json::json!({
                "from": "pemeriksaan",
                "to": "dialihkan",
                "by": "Budi",
                "message": case.history[1].message.unwrap()
            }),
        ]
    );
    assert!(
        log.iter()
            .all(|e| e.action == "case-move" && e.actor == ACTOR)
    );
    assert_eq!(
        (case.history[0].moved_by.as_str(), case.history[0].message),
        ("Ani", None)
    );
    let message = case.history[1].message.unwrap();
    let item = case.items.iter().find(|i| i.id == message).unwrap();
    assert_eq!(
        (item.kind, item.created_on),
        (ItemKind::StageMessage, later)
    );
    assert_eq!(
        Message::open(&item.ciphertext, &keys.case).unwrap().text,
        "Diteruskan ke Inspektorat Kabupaten Bantul."
    );
}

#[tokio::test]
async fn refused_moves_write_nothing() {
    let office = Office::new().await;
    let (keys, other_keys) = (CaseKeys::generate(), CaseKeys::generate());
    let id = office.case(&keys).await;
    let other = office.case(&other_keys).await;
    let store = &*office.store;

    for to in [Stage::TidakDapatDitindaklanjuti, Stage::Dialihkan] {
        let error = move_case(store, id, to, "Ani", None, TODAY, ACTOR)
            .await
            .unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with(&format!(
                "moving to `{to}` needs a message to the reporter ("
            )),
            "{message}"
        );
        assert!(message.contains("--reply REPLY"), "{message}");
    }

    let error = move_case(store, id, Stage::Selesai, "Ani", None, TODAY, ACTOR)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "cannot move from `diterima` to `selesai`: the next stage is `pemeriksaan`"
    );

    // A reply for another case, with a move that would otherwise be fine.
    let foreign = reply(other, &other_keys, "salah kasus");
    let error = move_case(
        store,
        id,
        Stage::Dialihkan,
        "Ani",
        Some(&foreign),
        TODAY,
        ACTOR,
    )
    .await
    .unwrap_err();
    assert!(matches!(error, CaseError::WrongCase { .. }), "{error:?}");

    // An impossible move with a good reply: the move is what is refused.
    let good = reply(id, &keys, "Baik.");
    let error = move_case(
        store,
        id,
        Stage::Verifikasi,
        "Ani",
        Some(&good),
        TODAY,
        ACTOR,
    )
    .await
    .unwrap_err();
    assert!(matches!(error, CaseError::Move(_)), "{error:?}");

    for bad in ["", "   ", "Ani\u{1b}[31m", "Ani\nBudi", &"x".repeat(201)] {
        let error = move_case(store, id, Stage::Pemeriksaan, bad, None, TODAY, ACTOR)
            .await
            .unwrap_err();
        assert!(matches!(error, CaseError::BadName), "{bad:?}: {error:?}");
    }
    let error = move_case(
        store,
        other + 1,
        Stage::Pemeriksaan,
        "Ani",
        None,
        TODAY,
        ACTOR,
    )
    .await
    .unwrap_err();
    assert_eq!(error.to_string(), format!("there is no case {}", other + 1));

    let case = office.stored(id).await;
    assert_eq!(case.stage, "diterima");
    assert_eq!((case.items.len(), case.history.len()), (1, 0));
    assert_eq!(store.audit_log().await.unwrap(), vec![]);

    // A closed case stays closed, reply or not; the reply already used is refused too.
    move_case(
        store,
        id,
        Stage::Dialihkan,
        "Ani",
        Some(&good),
        TODAY,
        ACTOR,
    )
    .await
    .unwrap();
    let error = move_case(store, id, Stage::Pemeriksaan, "Ani", None, TODAY, ACTOR)
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("is closed and cannot move"),
        "{error}"
    );
    let error = import_reply(store, id, &good, TODAY, ACTOR)
        .await
        .unwrap_err();
    assert!(
        matches!(error, CaseError::AlreadyImported { .. }),
        "{error:?}"
    );
    assert_eq!(office.stored(id).await.items.len(), 2);
    assert_eq!(store.audit_log().await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_list_shows_stage_deadline_assignee_and_category() {
    let office = Office::new().await;
    let keys = CaseKeys::generate();
    let first = office.case(&keys).await;
    let second = office.case(&keys).await;
    let store = &*office.store;
    let deadlines = Deadlines::default();
    let categories = Categories::default();
    let ani = store
        .add_investigator(
            "Ani",
            &Identity::generate().to_public(),
            false,
            TODAY,
            &AuditEvent::new(ACTOR, Action::InvestigatorAdd),
        )
        .await
        .unwrap();
    // Received Saturday 2026-11-28: acknowledgement due Friday 2026-12-04.
    let today = date!(2026 - 12 - 07);
    move_case(store, first, Stage::Pemeriksaan, "Ani", None, today, ACTOR)
        .await
        .unwrap();
    assign(store, first, Some(ani.id), ACTOR).await.unwrap();
    let set = classify(store, &categories, first, " KKN ", ACTOR)
        .await
        .unwrap();
    assert_eq!(set.map(|c| c.slug.as_str()), Some("kkn"));

    let all = ListArgs {
        page: 1,
        limit: 200,
        ..ListArgs::default()
    };
    let query = case_query(&all, &categories, today, &deadlines).unwrap();
    let listed = list(store, &query).await.unwrap();
    assert_eq!(listed.total, 2);
    let ids: Vec<i64> = listed.rows.iter().map(|row| row.id).collect();
    assert_eq!(ids, [first, second], "oldest first unless asked");
    let (one, two) = (&listed.rows[0], &listed.rows[1]);
    assert_eq!(one.stage, Stage::Pemeriksaan);
    assert_eq!(one.acknowledged_on, Some(today));
    assert_eq!(one.last_activity_on, today);
    assert_eq!(one.assignee.as_ref().map(|a| a.name.as_str()), Some("Ani"));
    assert_eq!(one.classification.as_deref(), Some("kkn"));
    assert_eq!(
        one.due(today, &deadlines),
        Due::OnTime {
            due: crate::workflow::add_working_days(date!(2026 - 11 - 28), 65)
        }
    );
    assert_eq!(two.stage, Stage::Diterima);
    assert_eq!(
        (two.assignee.clone(), two.classification.clone()),
        (None, None)
    );
    assert_eq!(
        two.due(today, &deadlines),
        Due::Overdue {
            due: date!(2026 - 12 - 04),
            working_days_late: 1
        }
    );

    let filtered = |args: ListArgs| {
        let query = case_query(&args, &categories, today, &deadlines).unwrap();
        async move {
            list(store, &query)
                .await
                .unwrap()
                .rows
                .iter()
                .map(|row| row.id)
                .collect::<Vec<_>>()
        }
    };
    let overdue = ListArgs {
        overdue: true,
        ..all.clone()
    };
    assert_eq!(filtered(overdue).await, [second]);
    let mine = ListArgs {
        assignee: Some(ani.id.to_string()),
        ..all.clone()
    };
    assert_eq!(filtered(mine).await, [first]);
    let nobody = ListArgs {
        assignee: Some("none".into()),
        category: Some("none".into()),
        ..all.clone()
    };
    assert_eq!(filtered(nobody).await, [second]);
    let kkn = ListArgs {
        category: Some("kkn".into()),
        stage: Some("Pemeriksaan".into()),
        sort: Some("newest".into()),
        ..all.clone()
    };
    assert_eq!(filtered(kkn).await, [first]);
    let second_page = ListArgs {
        page: 2,
        limit: 1,
        ..all.clone()
    };
    assert_eq!(filtered(second_page).await, [second]);

    // Clearing.
    assign(store, first, None, ACTOR).await.unwrap();
    assert_eq!(
        classify(store, &categories, first, "none", ACTOR)
            .await
            .unwrap(),
        None
    );
    let listed = list(store, &query).await.unwrap();
    assert_eq!(listed.rows[0].assignee, None);
    assert_eq!(listed.rows[0].classification, None);
}

#[tokio::test]
async fn assign_and_classify_refuse_what_does_not_exist() {
    let office = Office::new().await;
    let keys = CaseKeys::generate();
    let id = office.case(&keys).await;
    let store = &*office.store;
    let categories = Categories::default();
    let budi = store
        .add_investigator(
            "Budi",
            &Identity::generate().to_public(),
            false,
            TODAY,
            &AuditEvent::new(ACTOR, Action::InvestigatorAdd),
        )
        .await
        .unwrap();
    store
        .disable_investigator(
            budi.id,
            &AuditEvent::new(ACTOR, Action::InvestigatorDisable),
        )
        .await
        .unwrap();

    let error = assign(store, id, Some(budi.id), ACTOR).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "there is no active investigator {}; see `kentongan investigator list`",
            budi.id
        )
    );
    let error = assign(store, id, Some(budi.id + 10), ACTOR)
        .await
        .unwrap_err();
    assert!(
        matches!(error, CaseError::NoActiveInvestigator(_)),
        "{error:?}"
    );
    let error = assign(store, id + 1, None, ACTOR).await.unwrap_err();
    assert_eq!(error.to_string(), format!("there is no case {}", id + 1));

    let error = classify(store, &categories, id, "test \" ' & < >\n", ACTOR)
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with("unknown category \"test \\\" ' & < >\\n\"; "),
        "{message}"
    );
    assert!(message.ends_with("lainnya, or none"), "{message}");
    let error = classify(store, &categories, id + 1, "kkn", ACTOR)
        .await
        .unwrap_err();
    assert!(matches!(error, CaseError::NoCase(_)), "{error:?}");

    let stored = store
        .list_cases(&CaseQuery::new(TODAY, Deadlines::default()))
        .await
        .unwrap();
    assert_eq!(stored.rows[0].assignee, None);
    assert_eq!(stored.rows[0].classification, None);
}

#[test]
fn list_arguments_are_checked() {
    let categories = Categories::default();
    let deadlines = Deadlines::default();
    let query = |args: ListArgs| case_query(&args, &categories, TODAY, &deadlines);
    let base = ListArgs {
        page: 1,
        limit: 50,
        ..ListArgs::default()
    };
    let q = query(ListArgs {
        due_within: Some(3),
        sort: Some("due".into()),
        page: 3,
        limit: 1000,
        ..base.clone()
    })
    .unwrap();
    assert_eq!(q.due, Some(DueFilter::DueSoon { working_days: 3 }));
    assert_eq!(q.sort, CaseSort::Due);
    assert_eq!((q.limit, q.offset), (200, 400));
    assert_eq!(q.today, TODAY);

    for (args, expected) in [
        (
            ListArgs {
                stage: Some("nowhere".into()),
                ..base.clone()
            },
            "unknown stage",
        ),
        (
            ListArgs {
                assignee: Some("Ani".into()),
                ..base.clone()
            },
            "--assignee takes an investigator id",
        ),
        (
            ListArgs {
                assignee: Some("-1".into()),
                ..base.clone()
            },
            "--assignee takes an investigator id",
        ),
        (
            ListArgs {
                category: Some("korupsi".into()),
                ..base.clone()
            },
            "unknown category \"korupsi\"",
        ),
        (
            ListArgs {
                sort: Some("\u{1b}[31m".into()),
                ..base.clone()
            },
            "unknown order",
        ),
        (
            ListArgs {
                page: 0,
                ..base.clone()
            },
            "--page counts from 1",
        ),
    ] {
        let message = query(args).unwrap_err().to_string();
        assert!(message.starts_with(expected), "{message}");
        assert!(
            !message.contains('\u{1b}') && !message.contains('\n'),
            "{message}"
        );
    }
    assert_eq!(investigator_or_none("--to", " NONE ").unwrap(), None);
    assert_eq!(investigator_or_none("--to", "7").unwrap(), Some(7));
}

fn note(case: i64, keys: &CaseKeys, text: &str) -> Note {
    Note::seal(case, keys, &Message::new(text).unwrap()).unwrap()
}

#[tokio::test]
async fn a_note_is_added_as_a_note_once() {
    let office = Office::new().await;
    let keys = CaseKeys::generate();
    let id = office.case(&keys).await;
    let path = office.file(
        "note.json",
        note(id, &keys, "Saksi: Pak B \" ' & < >")
            .to_json()
            .as_bytes(),
    );

    let parsed = read_note(&path).unwrap();
    let item = import_note(&*office.store, id, &parsed, TODAY, ACTOR)
        .await
        .unwrap();
    let case = office.stored(id).await;
    assert_eq!(case.items.len(), 2);
    let added = &case.items[1];
    assert_eq!(
        (added.id, added.kind, added.created_on),
        (item, ItemKind::Note, TODAY)
    );
    assert!(!added.kind.for_reporter());
    assert_eq!(
        Message::open(&added.ciphertext, keys.notes.as_ref().unwrap())
            .unwrap()
            .text,
        "Saksi: Pak B \" ' & < >"
    );
    assert!(Message::open(&added.ciphertext, &keys.case).is_err());

    let error = import_note(&*office.store, id, &parsed, TODAY, ACTOR)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "this note is already in case {id} (item {item}); to say more, write a new note \
             with kentongan-keytool"
        )
    );
    assert_eq!(office.stored(id).await.items.len(), 2);
}

#[tokio::test]
async fn refused_notes_write_nothing() {
    let office = Office::new().await;
    let (keys, other_keys) = (CaseKeys::generate(), CaseKeys::generate());
    let id = office.case(&keys).await;
    let other = office.case(&other_keys).await;
    let store = &*office.store;

    let foreign = note(other, &other_keys, "untuk kasus lain");
    let error = import_note(store, id, &foreign, TODAY, ACTOR)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "this note was made for case {other}, not for case {id}; \
             make the note from case {id}'s bundle"
        )
    );
    // Sealed to the case key, which the reporter holds: not this case's notes key.
    let case_key = || {
        let secret = keys.case.to_secret_string();
        Identity::parse(secrecy::ExposeSecret::expose_secret(&secret)).unwrap()
    };
    let as_notes_key = CaseKeys {
        case: case_key(),
        notes: Some(case_key()),
    };
    let to_case_key = Note::seal(id, &as_notes_key, &Message::new("salah kunci").unwrap()).unwrap();
    let error = import_note(store, id, &to_case_key, TODAY, ACTOR)
        .await
        .unwrap_err();
    assert!(
        matches!(error, CaseError::WrongKey { kind: FileKind::Note, case } if case == id),
        "{error:?}"
    );
    let error = import_note(store, other + 1, &foreign, TODAY, ACTOR)
        .await
        .unwrap_err();
    assert_eq!(error.to_string(), format!("there is no case {}", other + 1));

    // A note passed as a reply and a reply passed as a note: named for what they are.
    let note_path = office.file("n.json", note(id, &keys, "catatan").to_json().as_bytes());
    let reply_path = office.file("r.json", reply(id, &keys, "balasan").to_json().as_bytes());
    let message = read_reply(&note_path).unwrap_err().to_string();
    assert_eq!(
        message,
        format!(
            "{} is a note file, not a reply file; import it with `kentongan case note ID FILE`",
            note_path.display()
        )
    );
    let message = read_note(&reply_path).unwrap_err().to_string();
    assert!(
        message.ends_with(
            "is a reply file, not a note file; import it with `kentongan case reply ID FILE`"
        ),
        "{message}"
    );
    let mut tampered: serde_json::Value =
        serde_json::from_str(&note(id, &keys, "x").to_json()).unwrap();
    tampered["sha256"] = "00".repeat(32).into();
    let path = office.file("t.json", tampered.to_string().as_bytes());
    assert!(
        read_note(&path)
            .unwrap_err()
            .to_string()
            .contains("is damaged (its ciphertext does not match its checksum)")
    );
    let path = office.file("junk.json", b"\" ' & < >");
    assert!(read_note(&path).unwrap_err().to_string().contains(
        "is not a Kentongan note file; make one with \
             `kentongan-keytool note BUNDLE --message-file FILE --out NOTE`"
    ));

    assert_eq!(office.stored(id).await.items.len(), 1);
    assert_eq!(office.stored(other).await.items.len(), 1);
}

/// An office with three investigators: Ani (who holds the case's envelope), Budi (active,
/// no access yet) and Citra (disabled).
struct Team {
    ani: Identity,
    budi: Identity,
    budi_id: i64,
    citra: Identity,
}

async fn team(office: &Office) -> (Team, i64) {
    let (ani, budi, citra) = (
        Identity::generate(),
        Identity::generate(),
        Identity::generate(),
    );
    let store = &*office.store;
    let ani_id = store
        .add_investigator(
            "Ani",
            &ani.to_public(),
            true,
            TODAY,
            &AuditEvent::new(ACTOR, Action::InvestigatorAdd),
        )
        .await
        .unwrap()
        .id;
    let budi_id = store
        .add_investigator(
            "Budi",
            &budi.to_public(),
            false,
            TODAY,
            &AuditEvent::new(ACTOR, Action::InvestigatorAdd),
        )
        .await
        .unwrap()
        .id;
    let citra_id = store
        .add_investigator(
            "Citra",
            &citra.to_public(),
            false,
            TODAY,
            &AuditEvent::new(ACTOR, Action::InvestigatorAdd),
        )
        .await
        .unwrap()
        .id;
    store
        .disable_investigator(
            citra_id,
            &AuditEvent::new(ACTOR, Action::InvestigatorDisable),
        )
        .await
        .unwrap();
    (
        Team {
            ani,
            budi,
            budi_id,
            citra,
        },
        ani_id,
    )
}

#[tokio::test]
async fn a_grant_adds_the_new_holders_envelope_once() {
    let office = Office::new().await;
    let (team, ani_id) = team(&office).await;
    let keys = CaseKeys::generate();
    let ani_envelope = kentongan_crypto::envelope::grant(&keys, &team.ani.to_public())
        .unwrap()
        .ciphertext;
    let id = office
        .case_with(&keys, vec![(Some(ani_id), ani_envelope)])
        .await;

    let grant = Grant::seal(id, &keys, &team.budi.to_public()).unwrap();
    let path = office.file("grant.json", grant.to_json().as_bytes());
    let parsed = read_grant(&path).unwrap();
    assert_eq!(
        import_grant(&*office.store, id, &parsed, ACTOR)
            .await
            .unwrap(),
        team.budi_id
    );
    let case = office.stored(id).await;
    assert_eq!(case.envelopes.len(), 2);
    let (holder, envelope) = &case.envelopes[1];
    assert_eq!(
        holder.as_ref().map(|(id, key)| (*id, key.clone())),
        Some((team.budi_id, team.budi.to_public()))
    );
    let opened = kentongan_crypto::envelope::open(envelope, &team.budi).unwrap();
    assert_eq!(opened.case.to_public(), keys.case.to_public());
    assert_eq!(
        opened.notes.unwrap().to_public(),
        keys.notes.as_ref().unwrap().to_public()
    );
    // Granting is not an item, not a move.
    assert_eq!((case.items.len(), case.history.len()), (1, 0));

    let error = import_grant(&*office.store, id, &parsed, ACTOR)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "investigator {} can already open case {id}; nothing to grant",
            team.budi_id
        )
    );
    assert_eq!(office.stored(id).await.envelopes.len(), 2);
}

#[tokio::test]
async fn refused_grants_write_nothing() {
    let office = Office::new().await;
    let (team, ani_id) = team(&office).await;
    let (keys, other_keys) = (CaseKeys::generate(), CaseKeys::generate());
    let ani_envelope = kentongan_crypto::envelope::grant(&keys, &team.ani.to_public())
        .unwrap()
        .ciphertext;
    let id = office
        .case_with(&keys, vec![(Some(ani_id), ani_envelope)])
        .await;
    let other = office.case(&other_keys).await;
    let store = &*office.store;
    let budi = team.budi.to_public();

    let stranger = Identity::generate().to_public();
    let error = import_grant(
        store,
        id,
        &Grant::seal(id, &keys, &stranger).unwrap(),
        ACTOR,
    )
    .await
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "the grant is for the key {}, which is not a registered investigator; register it \
             first (kentongan investigator add --name NAME --recipient age1…)",
            stranger.fingerprint()
        )
    );
    let error = import_grant(
        store,
        id,
        &Grant::seal(id, &keys, &team.citra.to_public()).unwrap(),
        ACTOR,
    )
    .await
    .unwrap_err();
    assert!(
        error.to_string().starts_with("investigator 3 is disabled;"),
        "{error}"
    );
    let error = import_grant(
        store,
        id,
        &Grant::seal(id, &keys, &team.ani.to_public()).unwrap(),
        ACTOR,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(error, CaseError::AlreadyHolds { id: holder, case } if holder == ani_id && case == id),
        "{error:?}"
    );
    let error = import_grant(
        store,
        id,
        &Grant::seal(other, &other_keys, &budi).unwrap(),
        ACTOR,
    )
    .await
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "this grant was made for case {other}, not for case {id}; \
             make the grant from case {id}'s bundle"
        )
    );
    // This case's number, another case's keys (a bundle of another server).
    let error = import_grant(
        store,
        id,
        &Grant::seal(id, &other_keys, &budi).unwrap(),
        ACTOR,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(error, CaseError::WrongKey { kind: FileKind::Grant, case } if case == id),
        "{error:?}"
    );
    let error = import_grant(
        store,
        other + 1,
        &Grant::seal(other + 1, &keys, &budi).unwrap(),
        ACTOR,
    )
    .await
    .unwrap_err();
    assert_eq!(error.to_string(), format!("there is no case {}", other + 1));

    // Files: damaged, not an envelope, another kind, extra fields.
    let good = Grant::seal(id, &keys, &budi).unwrap();
    let mut tampered = good.clone();
    let mut bytes = good.ciphertext.as_bytes().to_vec();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    tampered.ciphertext = Ciphertext::from_bytes(bytes);
    let mut message = good.clone();
    message.ciphertext = Message::new(&"x".repeat(2000))
        .unwrap()
        .seal(&budi)
        .unwrap();
    message.sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
        message.ciphertext.as_bytes(),
    ));
    let mut extra: serde_json::Value = serde_json::from_str(&good.to_json()).unwrap();
    extra["admin"] = true.into();
    let (tampered, message, extra) = (tampered.to_json(), message.to_json(), extra.to_string());
    let reply = reply(id, &keys, "balasan").to_json();
    let cases: [(&str, &[u8], &str); 5] = [
        (
            "tampered.json",
            tampered.as_bytes(),
            "is damaged (its ciphertext does not match its checksum)",
        ),
        (
            "message.json",
            message.as_bytes(),
            "is damaged (the envelope is too large)",
        ),
        (
            "reply.json",
            reply.as_bytes(),
            "is a reply file, not a grant file; import it with `kentongan case reply ID FILE`",
        ),
        (
            "extra.json",
            extra.as_bytes(),
            "is not a Kentongan grant file; make one with `kentongan-keytool grant BUNDLE \
             --identity KEY --to age1… --out GRANT`",
        ),
        (
            "bundle.json",
            b"{\"format\":\"kentongan-case-bundle/1\"}",
            "bundle.json is a case bundle, not a grant file; make a grant from it with \
             `kentongan-keytool grant ",
        ),
    ];
    for (name, contents, expected) in cases {
        let path = office.file(name, contents);
        let error = read_grant(&path).unwrap_err().to_string();
        assert!(error.contains(expected), "{name}: {error}");
        assert!(!error.contains('\n'), "{error}");
    }

    assert_eq!(office.stored(id).await.envelopes.len(), 1);
    assert_eq!(office.stored(other).await.envelopes.len(), 0);
}
