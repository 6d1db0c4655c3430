//! Runs the real `kentongan-keytool` binary, as an investigator would.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use kentongan_crypto::bundle::{self, Bundle, Item, ItemKind, Manifest, StageChange};
use kentongan_crypto::keys::{CaseKeys, Identity};
use kentongan_crypto::report::{Category, EncryptedIn, Identification};
use kentongan_crypto::{
    Ciphertext, Grant, Holder, KdfParams, Message, Note, Recipient, Reply, Report, envelope,
    submission,
};

#[path = "cli/attachments.rs"]
mod attachments;

const PASSPHRASE: &str = "pisang goreng \" ' & < > hangat";

fn keytool(args: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kentongan-keytool"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Runs the keytool with `input` on its standard input.
fn keytool_with_input(args: &[&Path], input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_kentongan-keytool"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The keytool may refuse and exit before reading its input (it checks the output file
    // first): a broken pipe here is its answer, not a failure of the test.
    if let Err(e) = child.stdin.take().unwrap().write_all(input) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// Asserts exit code 1 and exactly one error line on stderr, and returns that line. Notes
/// before it (a [`Scratch::generate`] key file's low work factor) are not errors.
fn failure(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(1), "{}", stderr(output));
    assert!(output.stdout.is_empty());
    let err: Vec<String> = stderr(output)
        .lines()
        .filter(|l| !l.starts_with("kentongan-keytool: note: "))
        .map(str::to_owned)
        .collect();
    assert_eq!(err.len(), 1, "{err:?}");
    format!("{}\n", err[0])
}

/// The scrypt work factor of the key files most tests use: the real `generate` writes 18
/// (256 MiB, about a second a file in a debug build), and every test opening a case would pay
/// it again. The keytool opens any factor up to 20, so a low one changes nothing it does
/// except the note that the file is weaker than a new one.
const TEST_WORK_FACTOR: u8 = 10;

/// Writes a passphrase-protected key file as `generate` does (an age identity file, sealed
/// to `passphrase` with age's scrypt, armored), at `work_factor`; returns its recipient.
fn write_key_file(path: &Path, passphrase: &str, work_factor: u8) -> Recipient {
    let identity = Identity::generate();
    write_identity_file(path, &identity, passphrase, work_factor);
    identity.to_public()
}

/// Writes `identity` into a key file as [`write_key_file`] does.
fn write_identity_file(path: &Path, identity: &Identity, passphrase: &str, work_factor: u8) {
    use secrecy::ExposeSecret;
    use std::io::Write;
    let text = format!(
        "# created: 2026-11-28\n# public key: {}\n{}\n",
        identity.to_public(),
        identity.to_secret_string().expose_secret()
    );
    let mut recipient = age::scrypt::Recipient::new(passphrase.to_owned().into());
    recipient.set_work_factor(work_factor);
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            .unwrap();
    let mut out = Vec::new();
    let armor =
        age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor).unwrap();
    let mut writer = encryptor.wrap_output(armor).unwrap();
    writer.write_all(text.as_bytes()).unwrap();
    writer.finish().unwrap().finish().unwrap();
    fs::write(path, out).unwrap();
}

/// A scratch directory with a passphrase file in it.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("pass"), format!("{PASSPHRASE}\n")).unwrap();
        Scratch { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn pass(&self) -> PathBuf {
        self.path("pass")
    }

    /// A key file as `generate` writes it, but at [`TEST_WORK_FACTOR`]; returns its
    /// recipient. The tests of `generate` itself run the real thing.
    fn generate(&self, name: &str) -> Recipient {
        write_key_file(&self.path(name), PASSPHRASE, TEST_WORK_FACTOR)
    }

    /// [`Scratch::generate`], but returns the identity itself, for a test that reads what the
    /// keytool sealed with it or seals something as its holder would.
    fn investigator(&self, name: &str) -> Identity {
        let identity = Identity::generate();
        write_identity_file(&self.path(name), &identity, PASSPHRASE, TEST_WORK_FACTOR);
        identity
    }

    /// The paths of `reply` or `note` ([`reply_args`], [`note_args`]): the bundle, the key
    /// file, its passphrase (`pass`), the message (`-`: standard input) and the output.
    fn writing(&self, bundle: &str, key: &str, message: &str, out: &str) -> [PathBuf; 5] {
        let message = if message == "-" {
            PathBuf::from("-")
        } else {
            self.path(message)
        };
        [
            self.path(bundle),
            self.path(key),
            self.pass(),
            message,
            self.path(out),
        ]
    }

    fn open(&self, bundle: &str, key: &str, out: &str) -> Output {
        keytool(&[
            "open".as_ref(),
            &self.path(bundle),
            "--identity".as_ref(),
            &self.path(key),
            "--passphrase-file".as_ref(),
            &self.pass(),
            "--out".as_ref(),
            &self.path(out),
        ])
    }

    fn entries(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

fn hostile_report() -> Report {
    Report {
        category: Category::BenturanKepentingan,
        what: "Kepala seksi menerima uang test \" ' & < >\nbaris kedua".into(),
        who: "test \" ' & < >".into(),
        place: "Kantor Kapanewon Jetis".into(),
        when: "Senin, 3 Maret".into(),
        how: "Lewat perantara\n\nbaris ketiga".into(),
        why: String::new(),
        identification: Some(Identification {
            name: "Siti \" ' & < >".into(),
            contact: "0812-3456".into(),
        }),
        language: "id".into(),
        encrypted_in: EncryptedIn::Server,
    }
}

/// What the server's export writes for a freshly sealed case.
fn bundle_for(report: &Report, team: &[Recipient]) -> Bundle {
    let sealed = submission::seal_report(report, team, KdfParams::CURRENT)
        .unwrap()
        .sealed;
    Bundle {
        format: bundle::FORMAT.into(),
        case: Manifest {
            id: 7,
            created_on: "2026-11-28".into(),
            stage: "pemeriksaan".into(),
            case_recipient: sealed.case_recipient,
            notes_recipient: sealed.notes_recipient,
            history: vec![],
        },
        envelopes: sealed.envelopes,
        items: vec![Item {
            id: 1,
            kind: ItemKind::Report,
            created_on: "2026-11-28".into(),
            ciphertext: sealed.report,
            attachments: vec![],
        }],
    }
}

fn write_bundle(scratch: &Scratch, name: &str, bundle: &Bundle) {
    fs::write(
        scratch.path(name),
        serde_json::to_vec_pretty(bundle).unwrap(),
    )
    .unwrap();
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn generate_writes_a_private_key_file_and_prints_only_the_recipient() {
    let s = Scratch::new();
    let out = keytool(&[
        "generate".as_ref(),
        "--out".as_ref(),
        &s.path("key.age"),
        "--passphrase-file".as_ref(),
        &s.pass(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = stdout(&out);
    assert_eq!(printed.lines().count(), 1);
    let recipient: Recipient = printed.trim_end().parse().unwrap();
    assert!(stderr(&out).contains(&format!(
        "kentongan investigator add --name … --recipient {recipient}"
    )));

    let key = fs::read_to_string(s.path("key.age")).unwrap();
    assert!(key.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"));
    assert!(!key.contains("AGE-SECRET-KEY"));
    #[cfg(unix)]
    assert_eq!(mode(&s.path("key.age")), 0o600);

    let shown = keytool(&[
        "recipient".as_ref(),
        &s.path("key.age"),
        "--passphrase-file".as_ref(),
        &s.pass(),
    ]);
    assert!(shown.status.success(), "{}", stderr(&shown));
    assert_eq!(stdout(&shown), printed);
    let public: kentongan_crypto::Recipient = printed.trim().parse().unwrap();
    assert!(
        stderr(&shown).contains(&format!("fingerprint: {}", public.fingerprint())),
        "{}",
        stderr(&shown)
    );

    // Never overwritten.
    let again = keytool(&[
        "generate".as_ref(),
        "--out".as_ref(),
        &s.path("key.age"),
        "--passphrase-file".as_ref(),
        &s.pass(),
    ]);
    assert!(failure(&again).contains("already exists"));
    assert_eq!(fs::read_to_string(s.path("key.age")).unwrap(), key);
}

#[test]
fn generate_refuses_weak_passphrases() {
    let s = Scratch::new();
    for weak in ["", "\n", "pendek\n", "elevenchars", "fifteen chars!!\n"] {
        fs::write(s.path("weak"), weak).unwrap();
        let out = keytool(&[
            "generate".as_ref(),
            "--out".as_ref(),
            &s.path("key.age"),
            "--passphrase-file".as_ref(),
            &s.path("weak"),
        ]);
        let err = failure(&out);
        assert!(err.contains("passphrase is"), "{err}");
        assert!(!s.path("key.age").exists());
    }
}

/// The scrypt work factor in a key file's header (`-> scrypt SALT LOG_N`).
fn work_factor(path: &Path) -> u8 {
    use std::io::Read;
    let armored = fs::read(path).unwrap();
    let mut binary = Vec::new();
    age::armor::ArmoredReader::new(&armored[..])
        .read_to_end(&mut binary)
        .unwrap();
    let header = String::from_utf8_lossy(&binary);
    let stanza = header
        .lines()
        .find(|l| l.starts_with("-> scrypt "))
        .unwrap();
    stanza.rsplit(' ').next().unwrap().parse().unwrap()
}

#[test]
fn generate_can_make_the_passphrase_and_shows_it_once_on_stderr() {
    let s = Scratch::new();
    let out = keytool(&[
        "generate".as_ref(),
        "--generate-passphrase".as_ref(),
        "--out".as_ref(),
        &s.path("key.age"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let recipient = stdout(&out);
    assert_eq!(recipient.lines().count(), 1, "only the recipient on stdout");
    // The one indented line of the message is the passphrase: eight lower-case words.
    let err = stderr(&out);
    let shown = err
        .lines()
        .find_map(|l| l.strip_prefix("    "))
        .unwrap()
        .to_owned();
    let words: Vec<&str> = shown.split(' ').collect();
    assert_eq!(words.len(), 8, "{shown}");
    assert!(
        words
            .iter()
            .all(|w| (4..=8).contains(&w.len()) && w.chars().all(|c| c.is_ascii_lowercase()))
    );
    assert!(err.contains("Write it down"), "{err}");
    assert_eq!(work_factor(&s.path("key.age")), 18);

    fs::write(s.path("generated"), format!("{shown}\n")).unwrap();
    let opened = keytool(&[
        "recipient".as_ref(),
        &s.path("key.age"),
        "--passphrase-file".as_ref(),
        &s.path("generated"),
    ]);
    assert!(opened.status.success(), "{}", stderr(&opened));
    assert_eq!(stdout(&opened), recipient);
    // A current file gets no note, only its fingerprint.
    assert!(!stderr(&opened).contains("note:"), "{}", stderr(&opened));

    let both = keytool(&[
        "generate".as_ref(),
        "--generate-passphrase".as_ref(),
        "--passphrase-file".as_ref(),
        &s.pass(),
        "--out".as_ref(),
        &s.path("other.age"),
    ]);
    assert_eq!(both.status.code(), Some(2), "clap refuses both");
    assert!(!s.path("other.age").exists());
}

#[test]
fn an_old_file_opens_with_a_note_and_rekey_writes_it_at_the_current_factor() {
    let s = Scratch::new();
    let recipient = write_key_file(&s.path("old.age"), PASSPHRASE, 16);
    let before = fs::read(s.path("old.age")).unwrap();
    let shown = keytool(&[
        "recipient".as_ref(),
        &s.path("old.age"),
        "--passphrase-file".as_ref(),
        &s.pass(),
    ]);
    assert!(shown.status.success(), "{}", stderr(&shown));
    assert_eq!(stdout(&shown).trim_end(), recipient.to_string());
    let note = stderr(&shown);
    assert!(
        note.contains("scrypt work factor 16, below the 18")
            && note.contains("kentongan-keytool rekey"),
        "{note}"
    );

    fs::write(s.path("new-pass"), "kata sandi baru yang panjang\n").unwrap();
    let rekey = |out: &str, new_pass: &Path| {
        keytool(&[
            "rekey".as_ref(),
            &s.path("old.age"),
            "--passphrase-file".as_ref(),
            &s.pass(),
            "--new-passphrase-file".as_ref(),
            new_pass,
            "--out".as_ref(),
            &s.path(out),
        ])
    };
    fs::write(s.path("short"), "pendek sekali\n").unwrap();
    assert!(failure(&rekey("new.age", &s.path("short"))).contains("too short"));
    assert!(!s.path("new.age").exists());

    let out = rekey("new.age", &s.path("new-pass"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim_end(), recipient.to_string());
    assert_eq!(work_factor(&s.path("new.age")), 18);
    assert_eq!(
        fs::read(s.path("old.age")).unwrap(),
        before,
        "left as it is"
    );
    #[cfg(unix)]
    assert_eq!(mode(&s.path("new.age")), 0o600);
    let opened = keytool(&[
        "recipient".as_ref(),
        &s.path("new.age"),
        "--passphrase-file".as_ref(),
        &s.path("new-pass"),
    ]);
    assert!(opened.status.success(), "{}", stderr(&opened));
    assert_eq!(stdout(&opened).trim_end(), recipient.to_string());
    assert!(!stderr(&opened).contains("note:"), "{}", stderr(&opened));

    // Never over an existing file, and the old passphrase is still checked.
    assert!(failure(&rekey("new.age", &s.path("new-pass"))).contains("already exists"));
    let wrong = keytool(&[
        "rekey".as_ref(),
        &s.path("new.age"),
        "--passphrase-file".as_ref(),
        &s.pass(),
        "--new-passphrase-file".as_ref(),
        &s.path("new-pass"),
        "--out".as_ref(),
        &s.path("third.age"),
    ]);
    assert!(failure(&wrong).contains("wrong passphrase"));
    assert!(!s.path("third.age").exists());
}

#[test]
fn a_wrong_passphrase_is_named_as_such() {
    let s = Scratch::new();
    s.generate("key.age");
    fs::write(s.path("wrong"), "pisang goreng dingin sekali\n").unwrap();
    let out = keytool(&[
        "recipient".as_ref(),
        &s.path("key.age"),
        "--passphrase-file".as_ref(),
        &s.path("wrong"),
    ]);
    assert!(failure(&out).contains("wrong passphrase for the identity file"));
}

#[test]
fn open_writes_the_report_and_case_json() {
    let s = Scratch::new();
    let alice = s.generate("alice.age");
    let bob = kentongan_crypto::keys::Identity::generate().to_public();
    write_bundle(
        &s,
        "case.json",
        &bundle_for(&hostile_report(), &[bob, alice]),
    );

    let out = s.open("case.json", "alice.age", "case-7");
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = s.path("case-7");
    // What is printed is the conversation, as written.
    assert_eq!(
        stdout(&out),
        fs::read_to_string(dir.join("conversation.txt")).unwrap()
    );
    assert!(stdout(&out).contains("(belum ada pesan / no messages yet)"));
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["case.json", "conversation.txt", "report.txt"]);
    // No staging directory left next to it.
    assert_eq!(s.entries(), ["alice.age", "case-7", "case.json", "pass"]);

    let text = fs::read_to_string(dir.join("report.txt")).unwrap();
    for expected in [
        "Nomor kasus (case number): 7",
        "Tahap (stage): Pemeriksaan (examination)",
        "Benturan kepentingan (conflict of interest)",
        "    Kepala seksi menerima uang test \" ' & < >\n    baris kedua\n",
        "    Siti \" ' & < >\n",
        "Mengapa (why):\n    (tidak diisi / not filled in)",
        "memori server",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }

    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("case.json")).unwrap()).unwrap();
    assert_eq!(json["case"]["id"], 7);
    assert_eq!(json["case"]["stage"], "pemeriksaan");
    let report: Report = serde_json::from_value(json["items"][0]["report"].clone()).unwrap();
    assert!(report == hostile_report());

    #[cfg(unix)]
    {
        assert_eq!(mode(&dir.join("report.txt")), 0o600);
        assert_eq!(mode(&dir.join("conversation.txt")), 0o600);
        assert_eq!(mode(&dir.join("case.json")), 0o600);
        assert_eq!(mode(&dir), 0o700);
    }

    // The directory now exists and is not empty: a second open is refused, untouched.
    let again = s.open("case.json", "alice.age", "case-7");
    assert!(failure(&again).contains("not empty"));
    assert_eq!(fs::read_to_string(dir.join("report.txt")).unwrap(), text);
}

#[test]
fn open_into_an_existing_empty_directory() {
    let s = Scratch::new();
    let alice = s.generate("alice.age");
    write_bundle(&s, "b.json", &bundle_for(&hostile_report(), &[alice]));
    fs::create_dir(s.path("out")).unwrap();
    let out = s.open("b.json", "alice.age", "out");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(s.path("out/report.txt").exists());
}

#[test]
fn a_key_that_is_not_a_holder_gets_a_clear_error_and_no_output() {
    let s = Scratch::new();
    let alice = s.generate("alice.age");
    s.generate("mallory.age");
    write_bundle(&s, "b.json", &bundle_for(&hostile_report(), &[alice]));
    let before = s.entries();
    let out = s.open("b.json", "mallory.age", "case-7");
    let err = failure(&out);
    assert!(
        err.contains("this key cannot open case 7: it is not one of the case's holders"),
        "{err}"
    );
    assert_eq!(s.entries(), before);
}

#[test]
fn a_wrong_passphrase_on_open_writes_nothing() {
    let s = Scratch::new();
    let alice = s.generate("alice.age");
    write_bundle(&s, "b.json", &bundle_for(&hostile_report(), &[alice]));
    fs::write(s.path("pass"), "not the passphrase at all\n").unwrap();
    let before = s.entries();
    let err = failure(&s.open("b.json", "alice.age", "case-7"));
    assert!(
        err.contains("wrong passphrase for the identity file"),
        "{err}"
    );
    assert_eq!(s.entries(), before);
}

#[test]
fn a_tampered_report_writes_nothing_and_reveals_nothing() {
    let s = Scratch::new();
    let alice = s.generate("alice.age");
    let mut bundle = bundle_for(&hostile_report(), &[alice]);
    let mut bytes = bundle.items[0].ciphertext.as_bytes().to_vec();
    let middle = bytes.len() - 100;
    bytes[middle] ^= 0x01;
    bundle.items[0].ciphertext = Ciphertext::from_bytes(bytes);
    write_bundle(&s, "b.json", &bundle);
    let before = s.entries();
    let err = failure(&s.open("b.json", "alice.age", "case-7"));
    assert!(err.contains("the bundle is damaged"), "{err}");
    assert!(!err.contains("Kepala seksi"));
    assert_eq!(s.entries(), before);
}

#[test]
fn garbage_truncated_and_foreign_bundles_are_refused() {
    let s = Scratch::new();
    let alice = s.generate("alice.age");
    let bundle = bundle_for(&hostile_report(), &[alice]);
    let json = serde_json::to_vec(&bundle).unwrap();

    fs::write(s.path("cut.json"), &json[..json.len() - 40]).unwrap();
    fs::write(s.path("junk.json"), b"\" ' & < >\x00\xff").unwrap();
    let mut other = serde_json::to_value(&bundle).unwrap();
    other["format"] = "kentongan-case-bundle/9".into();
    fs::write(s.path("v9.json"), serde_json::to_vec(&other).unwrap()).unwrap();
    let before = s.entries();

    for (file, expected) in [
        (
            "cut.json",
            "the bundle is damaged or not a Kentongan case bundle",
        ),
        (
            "junk.json",
            "the bundle is damaged or not a Kentongan case bundle",
        ),
        (
            "v9.json",
            "\"kentongan-case-bundle/9\" is not one this keytool reads",
        ),
        ("missing.json", "cannot read the bundle"),
    ] {
        let err = failure(&s.open(file, "alice.age", "case-7"));
        assert!(err.contains(expected), "{file}: {err}");
    }
    assert_eq!(s.entries(), before);
}

/// [`bundle_for`] weeks later, as the server exports it: the team asked a question, moved the
/// case to `pemeriksaan` with a message, and the reporter answered. Items 2 to 4. The team's
/// two messages are not signed, as those written before the team signed its messages (or
/// forged on the server): `open` shows them with a warning.
fn bundle_with_conversation(report: &Report, team: &[Recipient]) -> Bundle {
    let mut bundle = bundle_for(report, team);
    let case = bundle.case.case_recipient.clone();
    let message = |id: i64, kind: ItemKind, day: &str, text: &str| Item {
        id,
        kind,
        created_on: day.into(),
        ciphertext: Message::new(text).unwrap().seal(&case).unwrap(),
        attachments: vec![],
    };
    bundle.items.extend([
        message(
            2,
            ItemKind::InvestigatorMessage,
            "2026-11-30",
            "Kapan kejadiannya? test \" ' & < >",
        ),
        message(
            3,
            ItemKind::StageMessage,
            "2026-12-01",
            "Laporan Anda sedang kami periksa.",
        ),
        message(
            4,
            ItemKind::ReporterMessage,
            "2026-12-02",
            "Senin pagi, jam 9.\n\u{1b}[2Jbaris kedua",
        ),
    ]);
    bundle.case.stage = "pemeriksaan".into();
    bundle.case.history = vec![StageChange {
        stage: "pemeriksaan".into(),
        moved_on: "2026-12-01".into(),
        moved_by: "Ani Lestari".into(),
        message: Some(3),
    }];
    bundle
}

#[test]
fn open_shows_the_stage_history_and_the_conversation() {
    let s = Scratch::new();
    let alice = s.generate("alice.age");
    write_bundle(
        &s,
        "b.json",
        &bundle_with_conversation(&hostile_report(), &[alice]),
    );
    let out = s.open("b.json", "alice.age", "case-7");
    assert!(out.status.success(), "{}", stderr(&out));
    let shown = stdout(&out);
    let written = fs::read_to_string(s.path("case-7/conversation.txt")).unwrap();
    assert_eq!(shown, written);
    let in_order = [
        "Nomor kasus (case number): 7\n",
        "Tahap sekarang (current stage): Pemeriksaan (examination)\n",
        "=== Riwayat tahap (stage history) ===\n",
        "2026-11-28  Diterima (received): laporan masuk (report received)\n",
        "2026-12-01  Pemeriksaan (examination), oleh (by) Ani Lestari\n",
        "    Pesan untuk pelapor (message to the reporter), item 3:\n",
        "        Laporan Anda sedang kami periksa.\n",
        "=== Laporan (report), item 1, 2026-11-28 ===\n",
        "    Kepala seksi menerima uang test \" ' & < >\n",
        "=== Percakapan (conversation) ===\n",
        "[2026-11-30] Tim (Investigators), item 2:\n",
        "    Kapan kejadiannya? test \" ' & < >\n",
        "[2026-12-01] Tim (Investigators), pesan perpindahan tahap (stage move message) ke (to) \
         Pemeriksaan (examination), item 3:\n",
        "[2026-12-02] Pelapor (Reporter), item 4:\n",
        "    Senin pagi, jam 9.\n    \\u{1b}[2Jbaris kedua\n",
    ];
    let mut at = 0;
    for expected in in_order {
        let found = shown[at..]
            .find(expected)
            .unwrap_or_else(|| panic!("missing {expected:?} after byte {at} in\n{shown}"));
        at += found + expected.len();
    }
    assert!(!shown.contains('\u{1b}'));
    // The team's messages are not signed: a warning right above each, as indented as its
    // text, in the history and in the conversation; none above the reporter's.
    assert_eq!(shown.matches(UNSIGNED).count(), 3, "{shown}");
    for expected in [
        format!("item 3:\n        {UNSIGNED}\n        Laporan Anda sedang kami periksa.\n"),
        format!("item 2:\n    {UNSIGNED}\n    Kapan kejadiannya?"),
        format!("(examination), item 3:\n    {UNSIGNED}\n    Laporan Anda sedang kami periksa."),
        "item 4:\n    Senin pagi".to_owned(),
    ] {
        assert!(
            shown.contains(&expected),
            "missing {expected:?} in\n{shown}"
        );
    }

    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(s.path("case-7/case.json")).unwrap()).unwrap();
    assert_eq!(json["case"]["history"][0]["message"], 3);
    assert_eq!(json["unreadable_items"], serde_json::json!([]));
    let items = json["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    let unverified_ids: Vec<&serde_json::Value> = items
        .iter()
        .filter(|item| item.get("unverified").is_some())
        .map(|item| &item["id"])
        .collect();
    assert_eq!(unverified_ids, [2, 3]);
    assert_eq!(items[3]["kind"], "reporter-message");
    // The exact text, escape character included, for programs.
    assert_eq!(
        items[3]["message"]["text"],
        "Senin pagi, jam 9.\n\u{1b}[2Jbaris kedua"
    );

    // --quiet: the same files, nothing printed.
    let quiet = keytool(&[
        "open".as_ref(),
        &s.path("b.json"),
        "--identity".as_ref(),
        &s.path("alice.age"),
        "--passphrase-file".as_ref(),
        &s.pass(),
        "--out".as_ref(),
        &s.path("quiet"),
        "--quiet".as_ref(),
    ]);
    assert!(quiet.status.success(), "{}", stderr(&quiet));
    assert!(quiet.stdout.is_empty());
    assert_eq!(
        fs::read_to_string(s.path("quiet/conversation.txt")).unwrap(),
        written
    );
}

#[test]
fn a_damaged_message_is_named_and_the_rest_is_written() {
    let s = Scratch::new();
    let alice = s.generate("alice.age");
    let mut bundle = bundle_with_conversation(&hostile_report(), &[alice]);
    let mut bytes = bundle.items[3].ciphertext.as_bytes().to_vec();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    bundle.items[3].ciphertext = Ciphertext::from_bytes(bytes);
    write_bundle(&s, "b.json", &bundle);

    let out = s.open("b.json", "alice.age", "case-7");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    let not_notes = err.lines().filter(|l| !l.contains(": note: ")).count();
    assert_eq!(not_notes, 1, "{err}");
    assert!(
        err.contains("but 1 of its items could not be read (item 4)"),
        "{err}"
    );
    let written = fs::read_to_string(s.path("case-7/conversation.txt")).unwrap();
    assert_eq!(stdout(&out), written);
    assert!(written.contains("PERHATIAN (ATTENTION): item 4 tidak dapat dibuka"));
    assert!(written.contains("[2026-12-02] Pelapor (Reporter), item 4:\n    TIDAK DAPAT DIBUKA"));
    assert!(written.contains("    Kapan kejadiannya? test \" ' & < >\n"));
    assert!(!written.contains("Senin pagi"));
    assert!(s.path("case-7/report.txt").exists());
}

/// The case keys, as the holder of `identity` opens them from the bundle.
fn case_keys(bundle: &Bundle, identity: &Identity) -> CaseKeys {
    bundle
        .envelopes
        .iter()
        .filter(|e| matches!(e.holder, Holder::Investigator(_)))
        .find_map(|e| envelope::open(&e.ciphertext, identity).ok())
        .unwrap()
}

/// `COMMAND BUNDLE --identity KEY --passphrase-file PASS --message-file MESSAGE --out OUT`,
/// with the paths of [`Scratch::writing`].
fn message_args<'a>(command: &'a str, paths: &'a [PathBuf; 5]) -> Vec<&'a Path> {
    vec![
        command.as_ref(),
        &paths[0],
        "--identity".as_ref(),
        &paths[1],
        "--passphrase-file".as_ref(),
        &paths[2],
        "--message-file".as_ref(),
        &paths[3],
        "--out".as_ref(),
        &paths[4],
    ]
}

fn reply_args(paths: &[PathBuf; 5]) -> Vec<&Path> {
    message_args("reply", paths)
}

#[test]
fn reply_is_signed_for_the_team_and_encrypted_to_the_case_key() {
    let s = Scratch::new();
    let alice = s.investigator("alice.age");
    let bob = Identity::generate();
    let bundle = bundle_for(&hostile_report(), &[alice.to_public(), bob.to_public()]);
    write_bundle(&s, "b.json", &bundle);
    let text = "Terima kasih.\r\nKapan kejadiannya? test \" ' & < > ꦏ\n\n";
    fs::write(s.path("msg.txt"), text).unwrap();

    let out = keytool(&reply_args(&s.writing(
        "b.json",
        "alice.age",
        "msg.txt",
        "reply.json",
    )));
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = stdout(&out);
    let file = s.path("reply.json").display().to_string();
    assert!(
        printed.contains(&format!("Wrote {file}: a reply to case 7 (")),
        "{printed}"
    );
    assert!(printed.contains("It is signed for the team"), "{printed}");
    assert!(
        printed.contains(&format!("\n  kentongan case reply 7 {file}\n")),
        "{printed}"
    );
    assert!(
        printed.contains(&format!(
            "\n  kentongan case move 7 --to STAGE --reply {file}\n"
        )),
        "{printed}"
    );
    assert!(!printed.contains("Kapan"));
    assert!(!printed.contains(PASSPHRASE) && !stderr(&out).contains(PASSPHRASE));

    let reply = Reply::parse(&fs::read(s.path("reply.json")).unwrap()).unwrap();
    let case = &bundle.case.case_recipient;
    assert!(reply.check_for(7, case).is_ok());
    let keys = case_keys(&bundle, &alice);
    let message = Message::open(&reply.ciphertext, &keys.case).unwrap();
    assert_eq!(
        message.text,
        "Terima kasih.\nKapan kejadiannya? test \" ' & < > ꦏ"
    );
    // Signed with the case's team key for the case key: any other holder (Bob) checks it
    // with the team key from their own envelope. Not valid as if sealed to the notes key.
    let team = keys.team_signer().unwrap().public();
    assert!(message.is_signed_by(&team, case));
    let bobs = case_keys(&bundle, &bob).team_signer().unwrap().public();
    assert!(message.is_signed_by(&bobs, case));
    assert!(!message.is_signed_by(&team, &bundle.case.notes_recipient));
    #[cfg(unix)]
    assert_eq!(mode(&s.path("reply.json")), 0o644);
    // No temporary file left beside it.
    assert_eq!(
        s.entries(),
        ["alice.age", "b.json", "msg.txt", "pass", "reply.json"]
    );
}

#[test]
fn reply_reads_standard_input() {
    let s = Scratch::new();
    let alice = s.investigator("alice.age");
    let bundle = bundle_for(&hostile_report(), &[alice.to_public()]);
    write_bundle(&s, "b.json", &bundle);
    let out = keytool_with_input(
        &reply_args(&s.writing("b.json", "alice.age", "-", "r.json")),
        "Mohon kirim bukti.\n".as_bytes(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let reply = Reply::parse(&fs::read(s.path("r.json")).unwrap()).unwrap();
    let keys = case_keys(&bundle, &alice);
    let message = Message::open(&reply.ciphertext, &keys.case).unwrap();
    assert_eq!(message.text, "Mohon kirim bukti.");
    assert!(message.is_signed_by(
        &keys.team_signer().unwrap().public(),
        &bundle.case.case_recipient
    ));
}

#[test]
fn reply_refuses_to_overwrite() {
    let s = Scratch::new();
    let alice = s.generate("alice.age");
    let bundle = bundle_for(&hostile_report(), &[alice]);
    write_bundle(&s, "b.json", &bundle);
    fs::write(s.path("msg.txt"), "Baik.").unwrap();
    fs::write(s.path("reply.json"), "already here").unwrap();
    let before = s.entries();
    // From standard input too: refused before anything is read.
    for message in ["msg.txt", "-"] {
        let out = keytool_with_input(
            &reply_args(&s.writing("b.json", "alice.age", message, "reply.json")),
            b"Baik.",
        );
        let err = failure(&out);
        assert!(
            err.contains("reply.json already exists; refusing to overwrite it"),
            "{err}"
        );
    }
    assert_eq!(
        fs::read_to_string(s.path("reply.json")).unwrap(),
        "already here"
    );
    assert_eq!(s.entries(), before);
}

#[test]
fn reply_refuses_empty_overlong_and_unreadable_messages() {
    let s = Scratch::new();
    let alice = s.generate("alice.age");
    let bundle = bundle_for(&hostile_report(), &[alice]);
    write_bundle(&s, "b.json", &bundle);
    fs::write(
        s.path("cut.json"),
        &serde_json::to_vec(&bundle).unwrap()[..200],
    )
    .unwrap();
    let long = "a".repeat(kentongan_crypto::message::MAX_MESSAGE_CHARS + 1);
    let cases: [(&str, &[u8], &str); 5] = [
        ("empty.txt", b"", "the message is empty: write the reply in"),
        ("blank.txt", b" \r\n\t\n", "the message is empty"),
        (
            "long.txt",
            long.as_bytes(),
            "the message is longer than 10000 characters",
        ),
        ("latin1.txt", b"Terima kasih \xe9\xff", "is not UTF-8 text"),
        (
            "huge.txt",
            &vec![b'a'; 2 * 1024 * 1024],
            "the message is longer than 10000 characters",
        ),
    ];
    for (name, contents, expected) in cases {
        fs::write(s.path(name), contents).unwrap();
        let err = failure(&keytool(&reply_args(&s.writing(
            "b.json",
            "alice.age",
            name,
            "reply.json",
        ))));
        assert!(err.contains(expected), "{name}: {err}");
        assert!(!s.path("reply.json").exists(), "{name}");
    }
    let err = failure(&keytool(&reply_args(&s.writing(
        "cut.json",
        "alice.age",
        "long.txt",
        "reply.json",
    ))));
    assert!(err.contains("the bundle is damaged"), "{err}");
    let err = failure(&keytool(&reply_args(&s.writing(
        "b.json",
        "alice.age",
        "missing.txt",
        "reply.json",
    ))));
    assert!(err.contains("cannot read the message file"), "{err}");
    assert!(!s.path("reply.json").exists());
}

#[test]
fn a_key_that_cannot_sign_for_the_case_writes_nothing_and_needs_no_message() {
    let s = Scratch::new();
    let alice = s.generate("alice.age");
    s.generate("stranger.age");
    let mut bundle = bundle_for(&hostile_report(), &[alice]);
    write_bundle(&s, "b.json", &bundle);
    fs::write(s.path("wrong-pass"), "salah sekali\n").unwrap();
    let before = s.entries();
    // Each refusal comes before the message is read: nothing on standard input (which would
    // be refused as an empty message) and no message file (which could not be read).
    let refused = |command: &str, key: &str, pass: &str, message: &str| {
        let mut paths = s.writing("b.json", key, message, "out.json");
        paths[2] = s.path(pass);
        failure(&keytool_with_input(&message_args(command, &paths), b""))
    };
    for command in ["reply", "note"] {
        for message in ["-", "missing.txt"] {
            let err = refused(command, "stranger.age", "pass", message);
            assert!(
                err.contains("this key cannot open case 7: it is not one of the case's holders"),
                "{command} {message}: {err}"
            );
            let err = refused(command, "alice.age", "wrong-pass", message);
            assert!(
                err.contains("wrong passphrase for the identity file"),
                "{command} {message}: {err}"
            );
        }
    }
    assert_eq!(s.entries(), before);

    // Alice's keys, but the server names other public keys for the case: whatever she
    // signed and sealed, it would refuse.
    bundle.case.notes_recipient = Identity::generate().to_public();
    write_bundle(&s, "b.json", &bundle);
    for command in ["reply", "note"] {
        let err = refused(command, "alice.age", "pass", "-");
        assert!(
            err.contains("the keys in your envelope for case 7 differ from the case's public keys"),
            "{command}: {err}"
        );
    }
    assert_eq!(s.entries(), before);
}

/// What `open` prints above a message said to be the team's that the team did not sign.
const UNSIGNED: &str = "PERINGATAN: tidak bertanda tangan tim; mungkin ditulis orang lain di \
                        server (WARNING: not signed by the team; someone else may have written \
                        it on the server)";

#[test]
fn open_warns_above_a_team_message_the_team_did_not_sign() {
    let s = Scratch::new();
    let alice = s.investigator("alice.age");
    let mut bundle = bundle_for(&hostile_report(), &[alice.to_public()]);
    write_bundle(&s, "b.json", &bundle);
    // A reply Alice made with the keytool, as the server stores it after `case reply`...
    fs::write(
        s.path("msg.txt"),
        "Terima kasih, laporan Anda kami periksa.\n",
    )
    .unwrap();
    let out = keytool(&reply_args(&s.writing(
        "b.json",
        "alice.age",
        "msg.txt",
        "reply.json",
    )));
    assert!(out.status.success(), "{}", stderr(&out));
    let reply = Reply::parse(&fs::read(s.path("reply.json")).unwrap()).unwrap();
    // ...one written on the server by someone who knows only the case's public key, and the
    // reporter's answer, which is never signed.
    let case = bundle.case.case_recipient.clone();
    let sealed = |text: &str| Message::new(text).unwrap().seal(&case).unwrap();
    let item = |id: i64, kind: ItemKind, day: &str, ciphertext: Ciphertext| Item {
        id,
        kind,
        created_on: day.into(),
        ciphertext,
        attachments: vec![],
    };
    bundle.items.extend([
        item(
            2,
            ItemKind::InvestigatorMessage,
            "2026-11-30",
            reply.ciphertext,
        ),
        item(
            3,
            ItemKind::InvestigatorMessage,
            "2026-12-01",
            sealed("Kirim nama dan NIP Anda ke 0812-0000."),
        ),
        item(
            4,
            ItemKind::ReporterMessage,
            "2026-12-02",
            sealed("Siapa ini?"),
        ),
    ]);
    write_bundle(&s, "b.json", &bundle);

    let out = s.open("b.json", "alice.age", "case-7");
    assert!(out.status.success(), "{}", stderr(&out));
    let shown = stdout(&out);
    assert_eq!(shown.matches(UNSIGNED).count(), 1, "{shown}");
    for expected in [
        "[2026-11-30] Tim (Investigators), item 2:\n    Terima kasih, laporan Anda kami periksa.\n"
            .to_owned(),
        format!(
            "[2026-12-01] Tim (Investigators), item 3:\n    {UNSIGNED}\n    Kirim nama dan NIP \
             Anda ke 0812-0000.\n"
        ),
        "[2026-12-02] Pelapor (Reporter), item 4:\n    Siapa ini?\n".to_owned(),
    ] {
        assert!(
            shown.contains(&expected),
            "missing {expected:?} in\n{shown}"
        );
    }
    assert_eq!(
        fs::read_to_string(s.path("case-7/conversation.txt")).unwrap(),
        shown
    );

    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(s.path("case-7/case.json")).unwrap()).unwrap();
    let items = json["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    let unverified: Vec<&serde_json::Value> = items
        .iter()
        .filter(|item| item.get("unverified").is_some())
        .collect();
    assert_eq!(unverified.len(), 1, "{items:?}");
    assert_eq!(unverified[0]["id"], 3);
    assert_eq!(unverified[0]["unverified"], true);
    // Flagged, not hidden.
    assert_eq!(
        unverified[0]["message"]["text"],
        "Kirim nama dan NIP Anda ke 0812-0000."
    );
}

fn note_args(paths: &[PathBuf; 5]) -> Vec<&Path> {
    message_args("note", paths)
}

const NOTE_MARK: &str = "*** Catatan internal (tidak terlihat oleh pelapor) / internal note \
                         (not visible to the reporter) ***";

#[test]
fn a_note_is_sealed_to_the_notes_key_and_open_shows_it_as_internal() {
    let s = Scratch::new();
    let alice = s.investigator("alice.age");
    let mut bundle = bundle_with_conversation(&hostile_report(), &[alice.to_public()]);
    write_bundle(&s, "b.json", &bundle);
    fs::write(s.path("note.txt"), "Saksi kunci: Pak B \" ' & < >\n").unwrap();

    let out = keytool(&note_args(&s.writing(
        "b.json",
        "alice.age",
        "note.txt",
        "note.json",
    )));
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = stdout(&out);
    let file = s.path("note.json").display().to_string();
    assert!(
        printed.contains(&format!("Wrote {file}: an internal note for case 7 (")),
        "{printed}"
    );
    assert!(
        printed.contains(&format!("\n  kentongan case note 7 {file}\n")),
        "{printed}"
    );
    assert!(!printed.contains("Saksi"));
    let note = Note::parse(&fs::read(s.path("note.json")).unwrap()).unwrap();
    let notes = &bundle.case.notes_recipient;
    assert!(note.check_for(7, notes).is_ok());
    // Not a reply file, and not encrypted to the case key.
    assert!(Reply::parse(&fs::read(s.path("note.json")).unwrap()).is_err());
    let keys = case_keys(&bundle, &alice);
    assert!(Message::open(&note.ciphertext, &keys.case).is_err());
    let message = Message::open(&note.ciphertext, keys.notes.as_ref().unwrap()).unwrap();
    assert_eq!(message.text, "Saksi kunci: Pak B \" ' & < >");
    // Signed for the team, for the notes key it is sealed to.
    let team = keys.team_signer().unwrap().public();
    assert!(message.is_signed_by(&team, notes));
    assert!(!message.is_signed_by(&team, &bundle.case.case_recipient));

    // As the server exports it after `kentongan case note`.
    bundle.items.push(Item {
        id: 5,
        kind: ItemKind::Note,
        created_on: "2026-12-03".into(),
        ciphertext: note.ciphertext,
        attachments: vec![],
    });
    write_bundle(&s, "b.json", &bundle);
    let out = s.open("b.json", "alice.age", "case-7");
    assert!(out.status.success(), "{}", stderr(&out));
    let shown = stdout(&out);
    // Signed: no warning between the heading and the text.
    let expected =
        format!("[2026-12-03] {NOTE_MARK}, item 5:\n    Saksi kunci: Pak B \" ' & < >\n");
    assert!(shown.contains(&expected), "{shown}");
    let written = fs::read_to_string(s.path("case-7/conversation.txt")).unwrap();
    assert_eq!(shown, written);
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(s.path("case-7/case.json")).unwrap()).unwrap();
    assert_eq!(json["items"][4]["kind"], "note");
    assert_eq!(
        json["items"][4]["message"]["text"],
        "Saksi kunci: Pak B \" ' & < >"
    );
    assert!(json["items"][4].get("unverified").is_none());
}

#[test]
fn a_note_is_not_written_over_an_existing_file_or_from_an_empty_message() {
    let s = Scratch::new();
    let alice = s.generate("alice.age");
    let bundle = bundle_for(&hostile_report(), &[alice]);
    write_bundle(&s, "b.json", &bundle);
    fs::write(s.path("empty.txt"), " \n\t").unwrap();
    let out = keytool(&note_args(&s.writing(
        "b.json",
        "alice.age",
        "empty.txt",
        "n.json",
    )));
    let err = failure(&out);
    assert!(
        err.contains("the message is empty: write the note in"),
        "{err}"
    );
    assert!(!s.path("n.json").exists());
    fs::write(s.path("n.json"), "mine").unwrap();
    let out = keytool_with_input(
        &note_args(&s.writing("b.json", "alice.age", "-", "n.json")),
        b"catatan",
    );
    assert!(failure(&out).contains("already exists; refusing to overwrite it"));
    assert_eq!(fs::read_to_string(s.path("n.json")).unwrap(), "mine");
}

/// `grant BUNDLE --identity KEY --passphrase-file PASS --to TO --out OUT`.
fn grant_args<'a>(paths: &'a [PathBuf; 4], to: &'a str) -> Vec<&'a Path> {
    vec![
        "grant".as_ref(),
        &paths[0],
        "--identity".as_ref(),
        &paths[1],
        "--passphrase-file".as_ref(),
        &paths[2],
        "--to".as_ref(),
        to.as_ref(),
        "--out".as_ref(),
        &paths[3],
    ]
}

#[test]
fn a_grant_lets_the_new_holder_open_the_case_and_its_notes() {
    let s = Scratch::new();
    let alice = s.investigator("alice.age");
    let bob = s.generate("bob.age");
    let mut bundle = bundle_with_conversation(&hostile_report(), &[alice.to_public()]);
    // A note Alice signed for the team, as `kentongan-keytool note` makes it.
    let alices = case_keys(&bundle, &alice);
    let note = Note::seal(
        7,
        &alices,
        &Message::new("Catatan Ani: periksa kuitansi.").unwrap(),
    )
    .unwrap();
    bundle.items.push(Item {
        id: 5,
        kind: ItemKind::Note,
        created_on: "2026-12-03".into(),
        ciphertext: note.ciphertext,
        attachments: vec![],
    });
    write_bundle(&s, "b.json", &bundle);

    // Bob is no holder yet.
    let out = s.open("b.json", "bob.age", "bob-before");
    assert!(failure(&out).contains("it is not one of the case's holders"));

    let paths = [
        s.path("b.json"),
        s.path("alice.age"),
        s.pass(),
        s.path("grant.json"),
    ];
    let bob_key = bob.to_string();
    let out = keytool(&grant_args(&paths, &bob_key));
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = stdout(&out);
    let file = s.path("grant.json").display().to_string();
    assert!(
        printed.contains(&format!(
            "Wrote {file}: access to case 7 for the key {bob} (fingerprint {})",
            bob.fingerprint()
        )),
        "{printed}"
    );
    assert!(
        printed.contains(&format!("\n  kentongan case grant 7 {file}\n")),
        "{printed}"
    );
    #[cfg(unix)]
    assert_eq!(mode(&s.path("grant.json")), 0o644);
    let grant = Grant::parse(&fs::read(s.path("grant.json")).unwrap()).unwrap();
    assert_eq!(grant.investigator, bob);
    assert!(
        grant
            .check_for(7, &bundle.case.case_recipient, &bundle.case.notes_recipient)
            .is_ok()
    );

    // As the server exports the case after `kentongan case grant`: Bob reads all of it.
    bundle.envelopes.push(kentongan_crypto::Envelope {
        holder: Holder::Investigator(bob.to_string()),
        ciphertext: grant.ciphertext,
    });
    write_bundle(&s, "b.json", &bundle);
    let out = s.open("b.json", "bob.age", "bob-after");
    assert!(out.status.success(), "{}", stderr(&out));
    let shown = stdout(&out);
    // Alice's note, signed for the team: Bob's keys check it, so no warning above it.
    assert!(
        shown.contains(&format!(
            "[2026-12-03] {NOTE_MARK}, item 5:\n    Catatan Ani: periksa kuitansi.\n"
        )),
        "{shown}"
    );
    assert!(shown.contains("Kapan kejadiannya?"), "{shown}");
    let report = fs::read_to_string(s.path("bob-after/report.txt")).unwrap();
    assert!(report.contains("Kepala seksi menerima uang"), "{report}");

    // And Bob now signs for the same team: his reply checks with Alice's team key.
    fs::write(s.path("msg.txt"), "Kami sudah menerima bukti Anda.").unwrap();
    let out = keytool(&reply_args(&s.writing(
        "b.json",
        "bob.age",
        "msg.txt",
        "bob-reply.json",
    )));
    assert!(out.status.success(), "{}", stderr(&out));
    let reply = Reply::parse(&fs::read(s.path("bob-reply.json")).unwrap()).unwrap();
    let message = Message::open(&reply.ciphertext, &alices.case).unwrap();
    assert!(message.is_signed_by(
        &alices.team_signer().unwrap().public(),
        &bundle.case.case_recipient
    ));

    // Granting Bob again is refused before the passphrase is asked for.
    fs::remove_file(s.path("grant.json")).unwrap();
    let out = keytool(&grant_args(&paths, &bob_key));
    assert!(
        failure(&out).contains(&format!(
            "the key {} already holds an envelope for case 7: nothing to grant",
            bob.fingerprint()
        )),
        "{}",
        stderr(&out)
    );
    assert!(!s.path("grant.json").exists());
}

#[test]
fn refused_grants_write_nothing() {
    let s = Scratch::new();
    let alice = s.generate("alice.age");
    s.generate("stranger.age");
    let bundle = bundle_for(&hostile_report(), &[alice]);
    write_bundle(&s, "b.json", &bundle);
    let carol = Identity::generate().to_public().to_string();
    fs::write(s.path("wrong-pass"), "salah sekali\n").unwrap();
    let with =
        |key: &str, pass: PathBuf, out: &str| [s.path("b.json"), s.path(key), pass, s.path(out)];

    // A bad key is refused before the passphrase is read (the wrong one would be noticed).
    let paths = with("alice.age", s.path("wrong-pass"), "g.json");
    for bad in ["age1qqqq", "AGE-SECRET-KEY-1QQ", "\" ' & < >", ""] {
        let out = keytool(&grant_args(&paths, bad));
        assert!(
            failure(&out).contains("--to is not an age public key (age1…)"),
            "{bad:?}: {}",
            stderr(&out)
        );
    }
    // The wrong passphrase.
    let out = keytool(&grant_args(&paths, &carol));
    assert!(failure(&out).contains("passphrase"), "{}", stderr(&out));
    // A key that holds no envelope cannot grant one.
    let paths = with("stranger.age", s.pass(), "g.json");
    let out = keytool(&grant_args(&paths, &carol));
    assert!(
        failure(&out).contains("this key cannot open case 7"),
        "{}",
        stderr(&out)
    );
    // An existing output file is kept.
    fs::write(s.path("g.json"), "mine").unwrap();
    let paths = with("alice.age", s.pass(), "g.json");
    let out = keytool(&grant_args(&paths, &carol));
    assert!(failure(&out).contains("already exists; refusing to overwrite it"));
    assert_eq!(fs::read_to_string(s.path("g.json")).unwrap(), "mine");
    fs::remove_file(s.path("g.json")).unwrap();
    assert_eq!(
        s.entries(),
        ["alice.age", "b.json", "pass", "stranger.age", "wrong-pass"]
    );
}
