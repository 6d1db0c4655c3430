//! `open` with attachments: bundles laid out as `kentongan export` writes them, with each
//! attachment's age file in `attachments/ID.age` beside the bundle.

use std::fs;

use kentongan_crypto::Recipient;
use kentongan_crypto::attachment::{AttachmentHeader, Sealer};
use kentongan_crypto::bundle::{AttachmentRef, Bundle};
use kentongan_crypto::keys::Identity;

use super::{Scratch, bundle_with_conversation, hostile_report, stderr, stdout, write_bundle};

/// Some bytes that do not repeat, so a misplaced chunk would show.
fn body(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_be_bytes()[0] ^ seed)
        .collect()
}

fn seal(
    recipient: &Recipient,
    name: &str,
    media_type: &str,
    cleaned: &[&str],
    body: &[u8],
) -> Vec<u8> {
    let header = AttachmentHeader {
        name: name.into(),
        media_type: media_type.into(),
        size: body.len() as u64,
        cleaned: cleaned.iter().map(|s| s.to_string()).collect(),
    };
    let mut sealer = Sealer::new(recipient, &header).unwrap();
    let mut out = Vec::new();
    for piece in body.chunks(100_003) {
        out.extend(sealer.push(piece).unwrap());
    }
    out.extend(sealer.finish().unwrap());
    out
}

/// Adds attachment `id` to item `item` of the bundle and writes its file as the export does.
fn attach(s: &Scratch, bundle: &mut Bundle, item: i64, id: i64, sealed: &[u8]) {
    let dir = s.path("attachments");
    if !dir.exists() {
        fs::create_dir(&dir).unwrap();
    }
    fs::write(s.path(&AttachmentRef::file_for(id)), sealed).unwrap();
    bundle
        .items
        .iter_mut()
        .find(|i| i.id == item)
        .unwrap()
        .attachments
        .push(AttachmentRef {
            id,
            size: sealed.len() as u64,
            file: AttachmentRef::file_for(id),
        });
}

fn names_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn open_writes_each_attachment_under_its_safe_name_and_lists_it() {
    let s = Scratch::new();
    let alice = s.generate("alice.age");
    let mut bundle = bundle_with_conversation(&hostile_report(), &[alice]);
    let case = bundle.case.case_recipient.clone();
    let photo = body(200_000, 1);
    let other_photo = body(70_000, 2);
    let passwd = body(10, 3);
    let empty = Vec::new();
    attach(
        &s,
        &mut bundle,
        1,
        11,
        &seal(
            &case,
            "foto.jpg",
            "image/jpeg",
            &["gps", "camera", "time"],
            &photo,
        ),
    );
    attach(
        &s,
        &mut bundle,
        1,
        12,
        &seal(&case, "FOTO.jpg", "image/jpeg", &[], &other_photo),
    );
    attach(
        &s,
        &mut bundle,
        1,
        13,
        &seal(&case, "../../etc/passwd", "", &[], &passwd),
    );
    attach(
        &s,
        &mut bundle,
        4,
        14,
        &seal(&case, "CON.txt\u{202e}", "text/plain", &[], &empty),
    );
    // Listed in the bundle, but the file was not copied along.
    bundle.items[0].attachments.push(AttachmentRef {
        id: 99,
        size: 2048,
        file: AttachmentRef::file_for(99),
    });
    write_bundle(&s, "c.json", &bundle);

    let out = s.open("c.json", "alice.age", "case-7");
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("warning: attachment 99 of item 1 was not written: its file is missing"),
        "{err}"
    );
    assert!(err.contains("and 4 attachment(s) in attachments/"), "{err}");

    let dir = s.path("case-7");
    assert_eq!(
        names_in(&dir),
        ["attachments", "case.json", "conversation.txt", "report.txt"]
    );
    // Numbered on collision, whatever the case of the name; never outside the directory.
    assert_eq!(
        names_in(&dir.join("attachments")),
        ["FOTO (2).jpg", "_._etc_passwd", "_CON.txt_", "foto.jpg"]
    );
    assert!(fs::read(dir.join("attachments/foto.jpg")).unwrap() == photo);
    assert!(fs::read(dir.join("attachments/FOTO (2).jpg")).unwrap() == other_photo);
    assert_eq!(
        fs::read(dir.join("attachments/_._etc_passwd")).unwrap(),
        passwd
    );
    assert!(
        fs::read(dir.join("attachments/_CON.txt_"))
            .unwrap()
            .is_empty()
    );
    #[cfg(unix)]
    {
        assert_eq!(super::mode(&dir.join("attachments")), 0o700);
        assert_eq!(super::mode(&dir.join("attachments/foto.jpg")), 0o600);
    }

    let conversation = fs::read_to_string(dir.join("conversation.txt")).unwrap();
    assert_eq!(stdout(&out), conversation);
    for expected in [
        "Lampiran (attachments):\n- foto.jpg → attachments/foto.jpg, 200.0 KB (200000 bytes), image/jpeg\n  \
         metadata dihapus (removed): lokasi GPS (GPS position), data kamera (camera details), \
         waktu pengambilan (time taken)\n",
        "- FOTO.jpg → attachments/FOTO (2).jpg, 70.0 KB (70000 bytes), image/jpeg\n  \
         metadata dihapus (removed): tidak ada (none)\n",
        "- ../../etc/passwd → attachments/_._etc_passwd, 10 bytes\n",
        "- lampiran (attachment) 99: TIDAK ADA",
        // A message's attachments follow its text; the name's bidi control is escaped.
        "    Lampiran (attachments):\n    - CON.txt\\u{202e} → attachments/_CON.txt_, 0 bytes, text/plain\n",
    ] {
        assert!(
            conversation.contains(expected),
            "missing {expected:?} in\n{conversation}"
        );
    }
    assert!(!conversation.contains('\u{202e}'));
    let report = fs::read_to_string(dir.join("report.txt")).unwrap();
    assert!(
        report.contains("- foto.jpg → attachments/foto.jpg"),
        "{report}"
    );

    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("case.json")).unwrap()).unwrap();
    let listed = &json["items"][0]["attachments"];
    assert_eq!(listed[0]["name"], "foto.jpg");
    assert_eq!(listed[0]["saved_as"], "attachments/foto.jpg");
    assert_eq!(listed[0]["size"], 200_000);
    assert_eq!(
        listed[0]["cleaned"],
        serde_json::json!(["gps", "camera", "time"])
    );
    assert_eq!(listed[2]["name"], "../../etc/passwd");
    assert_eq!(
        listed[3],
        serde_json::json!({"id": 99, "problem": "missing"})
    );
    assert_eq!(
        json["items"][3]["attachments"][0]["name"],
        "CON.txt\u{202e}"
    );
}

#[test]
fn a_damaged_attachment_is_named_removed_and_the_rest_is_written() {
    let s = Scratch::new();
    let alice = s.generate("alice.age");
    let mut bundle = bundle_with_conversation(&hostile_report(), &[alice]);
    let case = bundle.case.case_recipient.clone();
    let good = body(1000, 4);
    attach(
        &s,
        &mut bundle,
        1,
        21,
        &seal(&case, "bukti.pdf", "application/pdf", &[], &good),
    );
    // Damaged in its last chunk: the first 64 KiB decrypt and are written before the
    // damage shows, and must not be left behind.
    let mut damaged = seal(&case, "rekaman.mp4", "video/mp4", &[], &body(150_000, 5));
    let last = damaged.len() - 10;
    damaged[last] ^= 1;
    attach(&s, &mut bundle, 1, 22, &damaged);
    // Sealed to some other key.
    let stranger = Identity::generate().to_public();
    attach(
        &s,
        &mut bundle,
        4,
        23,
        &seal(&stranger, "x.txt", "", &[], b"x"),
    );
    // A path outside the attachments directory is not followed.
    bundle.items[3].attachments.push(AttachmentRef {
        id: 24,
        size: 10,
        file: "../alice.age".into(),
    });
    write_bundle(&s, "c.json", &bundle);

    let out = s.open("c.json", "alice.age", "case-7");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    for expected in [
        "warning: attachment 22 of item 1 was not written: it does not decrypt",
        "warning: attachment 23 of item 4 was not written: it does not decrypt",
        "warning: attachment 24 of item 4 was not written: the bundle names an unexpected path",
        "error: case 7 was opened into",
        "but 3 of its attachments could not be opened (attachment 22, 23, 24)",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in\n{err}");
    }
    let dir = s.path("case-7");
    assert_eq!(names_in(&dir.join("attachments")), ["bukti.pdf"]);
    assert_eq!(fs::read(dir.join("attachments/bukti.pdf")).unwrap(), good);
    let conversation = fs::read_to_string(dir.join("conversation.txt")).unwrap();
    assert!(conversation.contains("- lampiran (attachment) 22: TIDAK DAPAT DIBUKA"));
    assert!(conversation.contains("- lampiran (attachment) 24: DITOLAK"));
    assert!(!conversation.contains("rekaman"));
}

#[test]
fn a_bundle_without_attachments_makes_no_attachments_directory() {
    let s = Scratch::new();
    let alice = s.generate("alice.age");
    write_bundle(
        &s,
        "c.json",
        &bundle_with_conversation(&hostile_report(), &[alice]),
    );
    let out = s.open("c.json", "alice.age", "case-7");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!s.path("case-7/attachments").exists());
    assert!(
        !fs::read_to_string(s.path("case-7/case.json"))
            .unwrap()
            .contains("attachments")
    );
}
