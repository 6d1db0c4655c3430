//! The starting corpora, made by the project's own code: real ciphertext, real sealed cases
//! and files, real key files, small JPEG/PNG/WebP/GIF files with EXIF, GPS and XMP, a HEIC
//! and a TIFF (refused), and HTTP requests a browser would send. Run once to (re)write them:
//!
//! ```text
//! cargo test -p kentongan-fuzz --test corpus -- --ignored write_seeds
//! ```
//!
//! Seed files are named `seed-…`; whatever else is in a corpus directory the fuzzer found.
//! The http harness's fixed case (`fuzz/fixtures/`) is made once and kept, so that corpus
//! files that log in to it keep working.

use std::io::{Read, Write};
use std::path::PathBuf;

use age::armor::{ArmoredWriter, Format};
use kentongan_crypto::attachment::{AttachmentHeader, Sealer};
use kentongan_crypto::bundle::{self, AttachmentRef, Bundle, Item, ItemKind, Manifest};
use kentongan_crypto::keys::{CaseKeys, Identity};
use kentongan_crypto::report::{Category, EncryptedIn, Identification, Report};
use kentongan_crypto::submission::seal_report;
use kentongan_crypto::{
    Grant, KdfParams, Message, Note, ReceiptCode, Recipient, Reply, ReporterKey, challenge,
    ciphertext, envelope, padding,
};
use kentongan_fuzz::fixtures::{self, CASE, INVESTIGATOR, PASSPHRASE};
use kentongan_fuzz::http::CSRF;
use secrecy::ExposeSecret;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = dir().join("corpus").join(target);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("seed-{name}")), bytes).unwrap();
}

fn case() -> Identity {
    fixtures::identity(CASE).unwrap()
}

fn case_recipient() -> Recipient {
    fixtures::recipient(CASE).unwrap()
}

fn investigator() -> Recipient {
    fixtures::recipient(INVESTIGATOR).unwrap()
}

/// The harnesses' case keys: the case key is [`CASE`], the notes key the investigator's.
fn keys() -> CaseKeys {
    CaseKeys {
        case: case(),
        notes: fixtures::identity(INVESTIGATOR),
    }
}

fn report() -> Report {
    Report {
        category: Category::Kkn,
        what: "Pungutan liar di loket \" ' & < > </textarea>".to_owned(),
        who: "Petugas loket 3".to_owned(),
        place: "Kantor kecamatan".to_owned(),
        when: "Senin pagi".to_owned(),
        how: "Diminta uang tambahan".to_owned(),
        why: "Tidak ada dasar hukumnya".to_owned(),
        identification: Some(Identification {
            name: "A. Pelapor".to_owned(),
            contact: "0812-0000-0000".to_owned(),
        }),
        language: "id".to_owned(),
        encrypted_in: EncryptedIn::Browser,
    }
}

/// The plaintext inside `sealed`, as the case key opens it: the padded frame, or the
/// attachment stream.
fn frame(sealed: &[u8], identity: &str) -> Vec<u8> {
    let identity: age::x25519::Identity = identity.parse().unwrap();
    let decryptor = age::Decryptor::new_buffered(sealed).unwrap();
    let mut reader = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .unwrap();
    let mut out = Vec::new();
    reader.read_to_end(&mut out).unwrap();
    out
}

fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut s = vec![0xFF, marker];
    s.extend(u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
    s.extend(payload);
    s
}

/// A little-endian TIFF whose first directory points to a GPS directory.
fn tiff_with_gps() -> Vec<u8> {
    let mut tiff = b"II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes());
    tiff.extend(1u16.to_le_bytes());
    tiff.extend(0x8825u16.to_le_bytes());
    tiff.extend(4u16.to_le_bytes());
    tiff.extend(1u32.to_le_bytes());
    tiff.extend(26u32.to_le_bytes());
    tiff.extend(0u32.to_le_bytes());
    tiff.extend(0u16.to_le_bytes());
    tiff
}

const XMP: &[u8] = b"<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF/></x:xmpmeta>";

fn jpeg() -> Vec<u8> {
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend(tiff_with_gps());
    let mut xmp = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
    xmp.extend(XMP);
    let mut file = vec![0xFF, 0xD8];
    file.extend(segment(0xE0, b"JFIF\0\x01\x02\0\0\x01\0\x01\0\0"));
    file.extend(segment(0xE1, &exif));
    file.extend(segment(0xE1, &xmp));
    file.extend(segment(0xE2, b"ICC_PROFILE\0\x01\x01profile"));
    file.extend(segment(0xED, b"Photoshop 3.0\0"));
    file.extend(segment(0xFE, b"taken by A. Reporter at -7.9, 110.3"));
    file.extend(segment(0xDB, &[0; 65]));
    file.extend(segment(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]));
    file.extend(segment(0xC4, &[0; 18]));
    file.extend([0xFF, 0xFF]); // fill bytes before a marker
    file.extend(segment(0xDA, &[1, 1, 0, 0, 63, 0]));
    file.extend([0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xD9]);
    file.extend(b"appended");
    file
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
    c.extend(kind);
    c.extend(data);
    c.extend([0xDE, 0xAD, 0xBE, 0xEF]);
    c
}

fn png() -> Vec<u8> {
    let mut itxt = b"XML:com.adobe.xmp\0\0\0\0\0".to_vec();
    itxt.extend(XMP);
    let mut p = b"\x89PNG\r\n\x1a\n".to_vec();
    p.extend(png_chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
    p.extend(png_chunk(b"gAMA", &[0, 0, 0xB1, 0x8F]));
    p.extend(png_chunk(b"eXIf", &tiff_with_gps()));
    p.extend(png_chunk(b"iTXt", &itxt));
    p.extend(png_chunk(b"tEXt", b"Author\0A. Reporter"));
    p.extend(png_chunk(b"tIME", &[7, 234, 1, 2, 3, 4, 5]));
    p.extend(png_chunk(
        b"IDAT",
        &[0x78, 0x9C, 0x63, 0x60, 0, 0, 0, 2, 0, 1],
    ));
    p.extend(png_chunk(b"IEND", &[]));
    p.extend(b"appended");
    p
}

fn riff_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = kind.to_vec();
    c.extend(u32::try_from(data.len()).unwrap().to_le_bytes());
    c.extend(data);
    if data.len() % 2 == 1 {
        c.push(0);
    }
    c
}

fn webp() -> Vec<u8> {
    let body = [
        riff_chunk(b"VP8X", &[0x3C, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        riff_chunk(b"ICCP", b"profile"),
        riff_chunk(b"ALPH", &[0, 0xFF]),
        riff_chunk(
            b"VP8L",
            &[0x2F, 0, 0, 0, 0, 0x07, 0x10, 0x91, 0xFE, 0xFB, 0x0F],
        ),
        riff_chunk(b"EXIF", &tiff_with_gps()),
        riff_chunk(b"XMP ", XMP),
    ]
    .concat();
    let mut f = b"RIFF".to_vec();
    f.extend(u32::try_from(body.len() + 4).unwrap().to_le_bytes());
    f.extend(b"WEBP");
    f.extend(body);
    f.extend(b"appended");
    f
}

/// `data` as GIF sub-blocks, with the terminator.
fn gif_sub_blocks(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for piece in data.chunks(255) {
        out.push(u8::try_from(piece.len()).unwrap());
        out.extend(piece);
    }
    out.push(0);
    out
}

/// An animated GIF with everything the cleaner keeps and something of each kind it removes.
fn gif() -> Vec<u8> {
    let application = |id: &[u8; 11], data: &[u8]| {
        let mut a = vec![0x21, 0xFF, 11];
        a.extend(id);
        a.extend(gif_sub_blocks(data));
        a
    };
    let extension = |label: u8, data: &[u8]| {
        let mut e = vec![0x21, label];
        e.extend(gif_sub_blocks(data));
        e
    };
    let image = |packed: u8, colours: &[u8]| {
        let mut i = vec![0x2C, 0, 0, 0, 0, 1, 0, 1, 0, packed];
        i.extend(colours);
        i.push(2);
        i.extend(gif_sub_blocks(&[0x02, 0x44, 0x01]));
        i
    };
    let mut g = b"GIF89a\x01\0\x01\0\x80\0\0".to_vec();
    g.extend([0, 0, 0, 0xFF, 0xFF, 0xFF]);
    g.extend(application(b"NETSCAPE2.0", &[1, 0, 0]));
    g.extend(application(b"XMP DataXMP", XMP));
    g.extend(application(b"ICCRGBG1012", b"profile"));
    g.extend(extension(0xFE, b"taken by A. Reporter"));
    g.extend(extension(0xF9, &[4, 10, 0, 0]));
    g.extend(image(0, &[]));
    g.extend(extension(0xF9, &[4, 10, 0, 0]));
    g.extend(extension(0x01, &[0; 13]));
    g.extend(application(b"MGLB0000001", b"serial"));
    g.extend(image(0x80, &[0xFF, 0, 0, 0, 0, 0xFF]));
    g.push(0x3B);
    g.extend(b"appended");
    g
}

/// An iPhone's HEIC, as far as the cleaner looks: `ftyp`, then the start of `meta`.
fn heic() -> Vec<u8> {
    let mut h = 28u32.to_be_bytes().to_vec();
    h.extend(b"ftypheic\0\0\0\0mif1MiHBheic");
    h.extend(b"\0\0\x01\0meta\0\0\0\0\0\0\0\x21hdlr\0\0\0\0\0\0\0\0pict");
    h
}

fn attachment_file(name: &str, body: &[u8]) -> Vec<u8> {
    let header = AttachmentHeader {
        name: name.to_owned(),
        media_type: "image/jpeg".to_owned(),
        size: body.len() as u64,
        cleaned: vec!["gps".to_owned(), "camera".to_owned()],
    };
    let mut sealer = Sealer::new(&case_recipient(), &header).unwrap();
    let mut file = sealer.push(body).unwrap();
    file.extend(sealer.finish().unwrap());
    file
}

fn scrypt_key_file(armored: bool) -> Vec<u8> {
    let text = format!(
        "# created: 2026-01-01\n# public key: {}\n{}\n",
        investigator(),
        INVESTIGATOR
    );
    let mut recipient = age::scrypt::Recipient::new(PASSPHRASE.to_owned().into());
    // The harness skips unlocking above 2^12; real key files use 2^16.
    recipient.set_work_factor(10);
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            .unwrap();
    let mut out = Vec::new();
    let format = if armored {
        Format::AsciiArmor
    } else {
        Format::Binary
    };
    let mut writer = encryptor
        .wrap_output(ArmoredWriter::wrap_output(&mut out, format).unwrap())
        .unwrap();
    writer.write_all(text.as_bytes()).unwrap();
    writer.finish().unwrap().finish().unwrap();
    out
}

/// The http harness's case: made once, then kept (see the module docs).
fn http_fixture() -> (String, String, String) {
    let credentials = dir().join("fixtures/credentials.txt");
    let kept = std::fs::read_to_string(&credentials).unwrap_or_default();
    let mut lines = kept.lines().map(str::to_owned);
    if let (Some(receipt), Some(token), Some(passphrase)) =
        (lines.next(), lines.next(), lines.next())
    {
        return (receipt, token, passphrase);
    }
    let submission = seal_report(&report(), &[investigator()], KdfParams::CURRENT).unwrap();
    let receipt = submission.sealed.receipt.digits().to_owned();
    let passphrase = submission.passphrase.expose_secret().to_owned();
    let key = ReporterKey::derive(
        &submission.sealed.receipt,
        &submission.passphrase,
        KdfParams::CURRENT,
    )
    .unwrap();
    let token: String = key
        .auth_token()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    std::fs::write(
        dir().join("fixtures/case.json"),
        serde_json::to_vec(&submission.sealed).unwrap(),
    )
    .unwrap();
    std::fs::write(&credentials, format!("{receipt}\n{token}\n{passphrase}\n")).unwrap();
    (receipt, token, passphrase)
}

const BOUNDARY: &str = "----kentongan-fuzz";

fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, media_type, bytes) in files {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; \
                 filename=\"{name}\"\r\nContent-Type: {media_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend(*bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// One request in the http harness's format.
fn request(method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{method} {path}\n").into_bytes();
    for (name, value) in headers {
        out.extend(format!("{name}: {value}\n").as_bytes());
    }
    out.push(b'\n');
    out.extend(body);
    out
}

fn requests(list: &[Vec<u8>]) -> Vec<u8> {
    list.join(kentongan_fuzz::http::SEPARATOR)
}

fn cookie() -> String {
    format!("kentongan_csrf={CSRF}")
}

fn json_headers(cookie: &str) -> Vec<(&'static str, String)> {
    vec![
        ("Content-Type", "application/json".to_owned()),
        ("Cookie", cookie.to_owned()),
        ("X-Csrf-Token", CSRF.to_owned()),
    ]
}

fn borrowed<'a>(headers: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    headers.iter().map(|(n, v)| (*n, v.as_str())).collect()
}

fn form_headers() -> Vec<(&'static str, String)> {
    vec![
        (
            "Content-Type",
            "application/x-www-form-urlencoded".to_owned(),
        ),
        ("Cookie", cookie()),
    ]
}

fn multipart_headers() -> Vec<(&'static str, String)> {
    vec![
        (
            "Content-Type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        ),
        ("Cookie", cookie()),
    ]
}

fn http_seeds() {
    let (receipt, token, passphrase) = http_fixture();
    let json = json_headers(&cookie());
    let json = &borrowed(&json);
    let form = form_headers();
    let form = &borrowed(&form);
    let multi = multipart_headers();
    let multi = &borrowed(&multi);

    write("http", "landing", &request("GET", "/?lang=en", &[], b""));
    write(
        "http",
        "pages",
        &requests(&[
            request("GET", "/report", &[], b""),
            request("GET", "/followup?lang=en&done=sent", &[], b""),
            request("GET", "/api/team", &[], b""),
            request("GET", "/team", &[], b""),
        ]),
    );
    write(
        "http",
        "static",
        &request("GET", "/static/report.js?v=1", &[], b""),
    );

    let form_body = format!(
        "csrf={CSRF}&lang=en&category=kkn&what=Pungutan+liar+%3Cb%3E&who=&where=Loket&when=&how=&why=&name=&contact="
    );
    write(
        "http",
        "report-form",
        &request("POST", "/report", form, form_body.as_bytes()),
    );
    let fields = [
        ("csrf", CSRF),
        ("lang", "id"),
        ("category", "kkn"),
        ("what", "Pungutan liar di loket <b>"),
    ];
    write(
        "http",
        "report-multipart",
        &request(
            "POST",
            "/report",
            multi,
            &multipart(
                &fields,
                &[
                    ("foto.jpg", "image/jpeg", &jpeg()),
                    ("../../etc/passwd", "text/plain", b"not a photo"),
                ],
            ),
        ),
    );

    let fresh = seal_report(&report(), &[investigator()], KdfParams::CURRENT).unwrap();
    write(
        "http",
        "api-report",
        &request(
            "POST",
            "/api/reports",
            json,
            &serde_json::to_vec(&fresh.sealed).unwrap(),
        ),
    );

    let credentials = serde_json::json!({ "receipt": receipt, "token": token });
    write(
        "http",
        "api-case",
        &request(
            "POST",
            "/api/followup/case?lang=en",
            json,
            credentials.to_string().as_bytes(),
        ),
    );
    let case_recipient: Recipient = serde_json::from_slice::<serde_json::Value>(
        &std::fs::read(dir().join("fixtures/case.json")).unwrap(),
    )
    .unwrap()["case_recipient"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let sealed_message = Message::new("Ada bukti baru <script>")
        .unwrap()
        .seal(&case_recipient)
        .unwrap();
    let attachment = attachment_file("foto.jpg", &jpeg());
    write(
        "http",
        "api-message-with-upload",
        &requests(&[
            request("POST", "/api/attachments", json, b""),
            request(
                "PUT",
                "/api/attachments/$UPLOAD?offset=0",
                json,
                &attachment,
            ),
            request("POST", "/api/attachments/$UPLOAD/complete", json, b""),
            request(
                "POST",
                "/api/followup/messages",
                json,
                serde_json::json!({
                    "receipt": receipt,
                    "token": token,
                    "ciphertext": sealed_message,
                    "attachments": ["$UPLOAD"],
                })
                .to_string()
                .as_bytes(),
            ),
        ]),
    );

    let login = format!(
        "csrf={CSRF}&lang=id&receipt={receipt}&passphrase={}",
        passphrase.replace(' ', "+")
    );
    write(
        "http",
        "followup-nojs",
        &requests(&[
            request("POST", "/followup", form, login.as_bytes()),
            request(
                "POST",
                "/followup/message",
                multi,
                &multipart(
                    &[("csrf", CSRF), ("lang", "id"), ("message", "Ini fotonya")],
                    &[
                        ("foto.png", "image/png", &png()),
                        ("foto.webp", "image/webp", &webp()),
                    ],
                ),
            ),
            request(
                "POST",
                "/followup/message",
                form,
                format!("csrf={CSRF}&lang=id&message=Terima+kasih").as_bytes(),
            ),
            request("POST", "/followup/logout", form, b"lang=id"),
        ]),
    );
    write(
        "http",
        "team-login",
        &request(
            "POST",
            "/team/api/challenge",
            json,
            serde_json::json!({ "recipient": investigator().to_string() })
                .to_string()
                .as_bytes(),
        ),
    );
}

#[test]
#[ignore = "writes the seed corpora; run by hand"]
fn write_seeds() {
    let case_r = case_recipient();
    let inv = investigator();

    // ciphertext: every kind of item, sealed to the harness's case key.
    let report_ct = ciphertext::encrypt(&case_r, &report().to_plaintext()).unwrap();
    let message_ct = Message::new("Ada bukti baru")
        .unwrap()
        .seal(&case_r)
        .unwrap();
    let envelope_ct = envelope::grant(&keys(), &case_r).unwrap().ciphertext;
    let (_, challenge_ct) = challenge::issue(&case_r).unwrap();
    for (name, ct) in [
        ("report", &report_ct),
        ("message", &message_ct),
        ("envelope", &envelope_ct),
        ("challenge", &challenge_ct),
    ] {
        write("ciphertext", name, ct.as_bytes());
        write("plaintext", name, &frame(ct.as_bytes(), CASE));
    }
    write("plaintext", "report-json", &report().to_plaintext());
    write(
        "plaintext",
        "file-name",
        "..\u{202E}gpj.exe/CON.txt".as_bytes(),
    );

    // attachment: a sealed photo, and its stream as the case key opens it.
    let photo = attachment_file("foto \u{202E}gpj.exe", &jpeg());
    write("attachment", "photo", &photo);
    write("plaintext", "attachment", &frame(&photo, CASE));
    write("attachment", "empty", &attachment_file("kosong.txt", b""));

    // sealed_case: what the browser posts.
    let submission =
        seal_report(&report(), std::slice::from_ref(&inv), KdfParams::CURRENT).unwrap();
    write(
        "sealed_case",
        "case",
        &serde_json::to_vec_pretty(&submission.sealed).unwrap(),
    );

    // offline_files: a bundle, and grant, reply and note files.
    let keys = keys();
    let notes_r = keys.notes.as_ref().unwrap().to_public();
    let bundle = Bundle {
        format: bundle::FORMAT.to_owned(),
        case: Manifest {
            id: 7,
            created_on: "2026-01-02".to_owned(),
            stage: "pemeriksaan".to_owned(),
            case_recipient: case_r.clone(),
            notes_recipient: notes_r.clone(),
            history: vec![bundle::StageChange {
                stage: "pemeriksaan".to_owned(),
                moved_on: "2026-01-03".to_owned(),
                moved_by: "Fuzz".to_owned(),
                message: Some(2),
            }],
        },
        envelopes: envelope::seal(&keys, std::slice::from_ref(&inv), &case_r).unwrap(),
        items: vec![
            Item {
                id: 1,
                kind: ItemKind::Report,
                created_on: "2026-01-02".to_owned(),
                ciphertext: report_ct.clone(),
                attachments: vec![AttachmentRef {
                    id: 3,
                    size: photo.len() as u64,
                    file: AttachmentRef::file_for(3),
                }],
            },
            Item {
                id: 2,
                kind: ItemKind::StageMessage,
                created_on: "2026-01-03".to_owned(),
                ciphertext: message_ct.clone(),
                attachments: Vec::new(),
            },
            Item {
                id: 4,
                kind: ItemKind::Note,
                created_on: "2026-01-03".to_owned(),
                ciphertext: Message::new("catatan").unwrap().seal(&notes_r).unwrap(),
                attachments: vec![AttachmentRef {
                    id: 5,
                    size: 1,
                    file: "../../../etc/passwd".to_owned(),
                }],
            },
        ],
    };
    write(
        "offline_files",
        "bundle",
        &serde_json::to_vec_pretty(&bundle).unwrap(),
    );
    let grant = Grant::seal(7, &keys, &inv).unwrap();
    write("offline_files", "grant", grant.to_json().as_bytes());
    let message = Message::new("Terima kasih").unwrap();
    let reply = Reply::seal(7, &keys, &message).unwrap();
    write("offline_files", "reply", reply.to_json().as_bytes());
    let note = Note::seal(7, &keys, &message).unwrap();
    write("offline_files", "note", note.to_json().as_bytes());
    write(
        "offline_files",
        "keys",
        keys.to_identity_file(true).expose_secret().as_bytes(),
    );

    // key_file: encrypted (armored and binary) and plain key files, and key strings.
    write("key_file", "armored", &scrypt_key_file(true));
    write("key_file", "binary", &scrypt_key_file(false));
    write(
        "key_file",
        "plain",
        format!("# created: 2026-01-01\n# public key: {inv}\n{INVESTIGATOR}\n").as_bytes(),
    );
    write("key_file", "recipient", inv.to_string().as_bytes());
    write("key_file", "kdf", KdfParams::CURRENT.to_string().as_bytes());
    write(
        "key_file",
        "receipt",
        ReceiptCode::generate().to_string().as_bytes(),
    );
    write("key_file", "answer", "ab".repeat(32).as_bytes());

    // images
    write("images", "jpeg", &jpeg());
    write("images", "png", &png());
    write("images", "webp", &webp());
    write("images", "gif", &gif());
    write("images", "heic", &heic());
    write("images", "tiff", &tiff_with_gps());
    let real = dir().join("../tests/fixtures/gps-photo.jpg");
    write("images", "gps-photo", &std::fs::read(real).unwrap());

    http_seeds();

    // The padded frame of a report at a bucket boundary.
    let frame = padding::pad(b"{}").unwrap();
    write("plaintext", "padded-empty-object", &frame);
}
