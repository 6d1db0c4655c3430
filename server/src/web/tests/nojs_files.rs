//! The no-JS report form with files (multipart), in-process: a photo arrives with its GPS
//! position removed and a document sealed as sent (both opened with the investigator's
//! key), and refusals (too many files, too large, a bad form) keep the text and store nothing.

use std::io::Read;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use kentongan_crypto::attachment::Opener;
use kentongan_crypto::{envelope, metadata};
use sqlx::Connection;

use super::super::nojs_files::PHOTO_SLOTS;
use super::super::router;
use super::team::member;
use super::{App, TOKEN, app, app_with, app_with_files, test_files, text};
use crate::followup::LoginLimits;
use crate::uploads::AttachmentLimits;

const BOUNDARY: &str = "----kentongan-test-7f3a";

/// A multipart body: text fields first, then `files` parts (name, type, bytes).
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

const FIELDS: [(&str, &str); 4] = [
    ("csrf", TOKEN),
    ("lang", "id"),
    ("category", "kkn"),
    ("what", "Pungutan liar di loket <b>"),
];

impl App {
    async fn multipart_post(&self, body: Vec<u8>) -> (StatusCode, String) {
        let resp = self
            .send(
                Request::post("/report")
                    .header(
                        header::CONTENT_TYPE,
                        format!("multipart/form-data; boundary={BOUNDARY}"),
                    )
                    .header(header::COOKIE, format!("kentongan_csrf={TOKEN}"))
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
        (resp.status(), text(resp).await)
    }

    /// Uploads in the database, attached or not, counted behind the store's back.
    async fn uploads(&self) -> i64 {
        let url = format!("sqlite://{}", self._dir.path().join("t.sqlite3").display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query_scalar("SELECT COUNT(*) FROM attachments")
            .fetch_one(&mut conn)
            .await
            .unwrap()
    }
}

fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut s = vec![0xFF, marker];
    s.extend(u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
    s.extend(payload);
    s
}

/// A tiny JPEG with an EXIF block pointing to a GPS directory, and a comment.
fn photo_with_gps() -> Vec<u8> {
    let mut tiff = b"Exif\0\0II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes());
    tiff.extend(1u16.to_le_bytes());
    tiff.extend(0x8825u16.to_le_bytes()); // the GPS directory
    tiff.extend(4u16.to_le_bytes());
    tiff.extend(1u32.to_le_bytes());
    tiff.extend(26u32.to_le_bytes());
    tiff.extend(0u32.to_le_bytes());
    tiff.extend(0u16.to_le_bytes());
    let mut file = vec![0xFF, 0xD8];
    file.extend(segment(0xE0, b"JFIF\0\x01\x02\0\0\x01\0\x01\0\0"));
    file.extend(segment(0xE1, &tiff));
    file.extend(segment(0xFE, b"taken by A. Reporter at -7.9, 110.3"));
    file.extend(segment(0xDB, &[0; 65]));
    file.extend(segment(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]));
    file.extend(segment(
        0xC4,
        &[0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    ));
    file.extend(segment(0xDA, &[1, 1, 0, 0, 63, 0]));
    file.extend([0x12, 0x34, 0xFF, 0xD9]);
    file
}

fn document(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 253) as u8).collect()
}

#[tokio::test]
async fn a_photo_arrives_cleaned_and_a_document_as_sent() {
    let app = app(0).await;
    let ani = member(&app, "Ani").await;
    let photo = photo_with_gps();
    let expected_photo = metadata::clean(&photo).unwrap().bytes;
    assert!(metadata::clean(&photo).unwrap().had_gps());
    // Larger than a CHUNK: the two passes of a streamed file take several pieces.
    let pdf = document(1024 * 1024 + 300_000);
    let (status, page) = app
        .multipart_post(multipart(
            &FIELDS,
            &[
                ("foto <saya> & ibu.jpg", "image/jpeg", &photo),
                ("laporan.pdf", "application/pdf", &pdf),
                // A file input left empty: one nameless, empty part.
                ("", "application/octet-stream", b""),
            ],
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("foto &lt;saya&gt; &amp; ibu.jpg"), "{page}");
    assert!(
        page.contains("lokasi GPS") && page.contains("komentar"),
        "{page}"
    );
    assert!(page.contains("laporan.pdf") && page.contains("bisa mengungkap siapa Anda"));

    let case_id = app.store.case_ids().await.unwrap()[0];
    let case = app.store.case(case_id).await.unwrap();
    let attached = &case.items[0].attachments;
    assert_eq!(attached.len(), 2);
    // Only the two sealed files are left: the temporary upload is gone.
    assert_eq!(app.uploads().await, 2);
    let envelope = &case
        .envelopes
        .iter()
        .find(|(holder, _)| holder.as_ref().is_some_and(|(id, _)| *id == ani.id))
        .unwrap()
        .1;
    let keys = envelope::open(envelope, &ani.identity).unwrap();
    let mut opened = Vec::new();
    for file in attached {
        let mut sealed = Vec::new();
        for seq in 0.. {
            match app.store.attachment_chunk(file.id, seq).await.unwrap() {
                Some(piece) => sealed.extend(piece),
                None => break,
            }
        }
        assert_eq!(sealed.len() as u64, file.size);
        let needle = b"taken by";
        assert!(!sealed.windows(needle.len()).any(|w| w == needle));
        let mut opener = Opener::new(&keys.case, &sealed[..]).unwrap();
        let header = opener.header().clone();
        let mut body = Vec::new();
        opener.read_to_end(&mut body).unwrap();
        opened.push((header, body));
    }
    let (photo_header, photo_body) = &opened[0];
    assert_eq!(photo_header.name, "foto <saya> & ibu.jpg");
    assert_eq!(photo_header.media_type, "image/jpeg");
    assert_eq!(photo_header.cleaned, ["gps", "camera", "time", "comment"]);
    assert!(photo_body == &expected_photo);
    assert!(metadata::clean(photo_body).unwrap().removed.is_empty());
    let (pdf_header, pdf_body) = &opened[1];
    assert_eq!(pdf_header.name, "laporan.pdf");
    assert!(pdf_header.cleaned.is_empty());
    assert!(pdf_body == &pdf);
}

#[tokio::test]
async fn too_many_or_too_large_files_keep_the_text_and_store_nothing() {
    // The test app's limits: 3 files, 3 MiB each.
    let app = app(1).await;
    let small = document(1000);
    let too_large = document(3 * 1024 * 1024 + 1);
    let mut too_large_photo = photo_with_gps();
    too_large_photo.resize(3 * 1024 * 1024 + 1, 0);
    type Files<'a> = Vec<(&'a str, &'a str, &'a [u8])>;
    let cases: [(Files, StatusCode, &str); 4] = [
        (
            vec![
                ("a.pdf", "application/pdf", &small),
                ("b.pdf", "application/pdf", &small),
                ("c.pdf", "application/pdf", &small),
                ("d.pdf", "application/pdf", &small),
            ],
            StatusCode::BAD_REQUEST,
            "Terlalu banyak berkas. Paling banyak 3 berkas",
        ),
        (
            vec![
                ("a.pdf", "application/pdf", &small),
                ("besar.mp4", "video/mp4", &too_large),
            ],
            StatusCode::PAYLOAD_TOO_LARGE,
            "Berkas terlalu besar. Batasnya 3 MB per berkas.",
        ),
        (
            vec![("besar.jpg", "image/jpeg", &too_large_photo)],
            StatusCode::PAYLOAD_TOO_LARGE,
            "Berkas terlalu besar. Batasnya 3 MB per berkas.",
        ),
        (
            // JPEG by its magic bytes, but not an image that can be cleaned.
            vec![(
                "rusak.jpg",
                "image/jpeg",
                &[0xFF, 0xD8, 0xFF, 0xE1, 0, 2, 1][..],
            )],
            StatusCode::BAD_REQUEST,
            "data tersembunyinya tidak",
        ),
    ];
    for (files, status, says) in cases {
        let (got, page) = app.multipart_post(multipart(&FIELDS, &files)).await;
        assert_eq!(got, status, "{page}");
        assert!(page.contains(says), "{page}");
        assert!(page.contains("Pilih lagi berkas"), "{page}");
        // The text is kept, escaped.
        assert!(page.contains("Pungutan liar di loket &lt;b&gt;"), "{page}");
        assert!(page.contains("enctype=\"multipart/form-data\""));
        assert_eq!(app.cases().await, 0);
        assert_eq!(app.uploads().await, 0);
    }
}

/// An iPhone's HEIC: its `ftyp` box, then the start of a `meta` box with an EXIF item.
fn heic_photo() -> Vec<u8> {
    let mut file = 28u32.to_be_bytes().to_vec();
    file.extend(b"ftypheic\0\0\0\0mif1MiHBheic");
    file.extend(b"\0\0\x01\0meta\0\0\0\0Exif\0\0II*\0");
    file.resize(100_000, 0x5A);
    file
}

#[tokio::test]
async fn heic_and_tiff_photos_are_refused_with_a_way_out_and_the_text_kept() {
    let app = app(1).await;
    let heic = heic_photo();
    let files = [
        // Stored first, then discarded with the refusal.
        ("a.pdf", "application/pdf", &document(1000)[..]),
        ("IMG_0001.HEIC", "image/heic", &heic),
    ];
    let (status, page) = app.multipart_post(multipart(&FIELDS, &files)).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{page}");
    assert!(
        page.contains(
            "Foto HEIC atau HEIF (misalnya dari iPhone) tidak bisa dibersihkan dari data \
             lokasi dan perangkat. Foto itu TIDAK dikirim."
        ),
        "{page}"
    );
    assert!(page.contains("Pengaturan › Kamera › Format"), "{page}");
    assert!(page.contains("Pilih lagi berkas"), "{page}");
    assert!(page.contains("Pungutan liar di loket &lt;b&gt;"), "{page}");
    assert_eq!((app.cases().await, app.uploads().await), (0, 0));

    // A camera's TIFF (or RAW), in English: refused the same way.
    let mut fields = FIELDS;
    fields[1] = ("lang", "en");
    let tiff = [b"MM\0*\0\0\0\x08".as_slice(), &[0; 64]].concat();
    let files = [("DSC_0001.NEF", "image/x-nikon-nef", &tiff[..])];
    let (status, page) = app.multipart_post(multipart(&fields, &files)).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{page}");
    assert!(
        page.contains("TIFF or RAW images (from a camera or a scanner) cannot be cleaned"),
        "{page}"
    );
    assert_eq!((app.cases().await, app.uploads().await), (0, 0));

    // An MP4 video shares HEIC's container but is no photo: sent as it is, with the warning.
    let mut video = 28u32.to_be_bytes().to_vec();
    video.extend(b"ftypisom\0\0\x02\0isomiso2mp41");
    video.resize(1000, 0);
    let files = [("video.mp4", "video/mp4", &video[..])];
    let (status, page) = app.multipart_post(multipart(&FIELDS, &files)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!((app.cases().await, app.uploads().await), (1, 1));
}

#[tokio::test]
async fn a_gif_arrives_without_its_comment() {
    let app = app(1).await;
    let mut gif = b"GIF89a\x01\0\x01\0\x80\0\0\0\0\0\xFF\xFF\xFF".to_vec();
    let image = b"\x2C\0\0\0\0\x01\0\x01\0\0\x02\x02\x44\x01\0\x3B";
    gif.extend(b"\x21\xFE\x0Bby A. Pelap\0");
    gif.extend(image);
    let files = [("animasi.gif", "image/gif", &gif[..])];
    let (status, page) = app.multipart_post(multipart(&FIELDS, &files)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("animasi.gif") && page.contains("komentar"),
        "{page}"
    );
    assert_eq!((app.cases().await, app.uploads().await), (1, 1));
    let cleaned = metadata::clean(&gif).unwrap();
    assert_eq!(cleaned.removed, [metadata::Removed::Comment]);
    assert_eq!(cleaned.bytes, [&gif[..13 + 6], image].concat());
}

/// A post that sends the form and the start of a photo, then waits, as a slow phone or a
/// hostile client does; the post ends (a broken connection) when the sender is dropped.
fn stalled_photo_post(
    app: &App,
    photo: &[u8],
) -> (
    tokio::sync::mpsc::Sender<Result<Vec<u8>, std::io::Error>>,
    tokio::task::JoinHandle<StatusCode>,
) {
    let mut start = multipart(&FIELDS, &[("a.jpg", "image/jpeg", photo)]);
    // Without "\r\n--BOUNDARY--\r\n" the photo goes on.
    start.truncate(start.len() - BOUNDARY.len() - 8);
    let (sender, receiver) = tokio::sync::mpsc::channel(4);
    sender.try_send(Ok(start)).unwrap();
    let body = Body::from_stream(futures_util::stream::unfold(
        receiver,
        |mut receiver| async move { receiver.recv().await.map(|item| (item, receiver)) },
    ));
    let request = Request::post("/report")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header(header::COOKIE, format!("kentongan_csrf={TOKEN}"))
        .body(body)
        .unwrap();
    let router = router(app.state.clone());
    let post = tokio::spawn(async move {
        use tower::ServiceExt;
        router.oneshot(request).await.unwrap().status()
    });
    (sender, post)
}

#[tokio::test]
async fn stalled_photo_posts_do_not_hold_up_other_reporters() {
    // Enough key derivations that every post gets as far as its photo.
    let app = app_with(1, LoginLimits::default(), PHOTO_SLOTS + 2).await;
    let photo = photo_with_gps();
    // More stalled posts than there are slots for cleaning photos.
    let stalled: Vec<_> = (0..PHOTO_SLOTS + 2)
        .map(|_| stalled_photo_post(&app, &photo))
        .collect();
    // Until each has started its upload (and holds whatever it would hold while it waits).
    for _ in 0..200 {
        if app.uploads().await == (PHOTO_SLOTS + 2) as i64 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // Another reporter's photo goes through at once. (A bound, not a timing: before the
    // fix, this post waited for a slot for as long as the stalled clients chose.)
    let post = app.multipart_post(multipart(&FIELDS, &[("b.jpg", "image/jpeg", &photo)]));
    let (status, page) = tokio::time::timeout(std::time::Duration::from_secs(60), post)
        .await
        .expect("a photo report waited behind stalled clients");
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("b.jpg") && page.contains("lokasi GPS"),
        "{page}"
    );
    // The stalled posts break off: refused, and nothing of theirs is left.
    for (sender, post) in stalled {
        sender
            .send(Err(std::io::Error::other("connection lost")))
            .await
            .unwrap();
        drop(sender);
        assert_eq!(post.await.unwrap(), StatusCode::BAD_REQUEST);
    }
    assert_eq!((app.cases().await, app.uploads().await), (1, 1));
}

#[tokio::test]
async fn a_photo_that_finds_no_cleaning_slot_in_time_is_refused_with_the_text_kept() {
    let files = AttachmentLimits {
        photo_wait_seconds: 0,
        ..test_files()
    };
    let app = app_with_files(1, files).await;
    let photo = photo_with_gps();
    let slots = u32::try_from(PHOTO_SLOTS).unwrap();
    let taken = app.state.0.photo_slots.acquire_many(slots).await.unwrap();
    let files = [
        ("a.pdf", "application/pdf", &document(1000)[..]),
        ("b.jpg", "image/jpeg", &photo),
    ];
    let (status, page) = app.multipart_post(multipart(&FIELDS, &files)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{page}");
    assert!(
        page.contains("Server sedang membersihkan banyak foto"),
        "{page}"
    );
    assert!(page.contains("Pungutan liar di loket &lt;b&gt;"), "{page}");
    assert_eq!((app.cases().await, app.uploads().await), (0, 0));
    drop(taken);
    let (status, page) = app.multipart_post(multipart(&FIELDS, &files)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!((app.cases().await, app.uploads().await), (1, 2));
}

#[tokio::test]
async fn unattached_uploads_cannot_fill_the_disk() {
    use axum::http::Method;
    let files = AttachmentLimits {
        max_pending_uploads: 3,
        ..test_files()
    };
    let app = app_with_files(1, files).await;
    // Uploads begun by anyone and never attached, up to the office's limit.
    for _ in 0..3 {
        let (status, body) = app
            .upload_api(Method::POST, "/api/attachments", Body::empty())
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, body) = app
        .upload_api(Method::POST, "/api/attachments", Body::empty())
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"], "no-room");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Tempat untuk lampiran sedang penuh"),
        "{body}"
    );
    assert_eq!(app.uploads().await, 3);
    // Without JavaScript: the same words, the text kept, nothing stored.
    let files = [("a.pdf", "application/pdf", &document(1000)[..])];
    let (status, page) = app.multipart_post(multipart(&FIELDS, &files)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{page}");
    assert!(
        page.contains("Tempat untuk lampiran sedang penuh"),
        "{page}"
    );
    assert!(page.contains("Pungutan liar di loket &lt;b&gt;"), "{page}");
    assert_eq!((app.cases().await, app.uploads().await), (0, 3));
    // A report without files still goes through.
    let (status, page) = app.multipart_post(multipart(&FIELDS, &[])).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(app.cases().await, 1);
}

#[tokio::test]
async fn a_multipart_form_without_files_or_with_a_bad_token() {
    let app = app(1).await;
    // A wrong CSRF token: refused before any file is read.
    let mut fields = FIELDS;
    fields[0] = ("csrf", "nope");
    let (status, page) = app
        .multipart_post(multipart(&fields, &[("a.pdf", "application/pdf", b"x")]))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("Pungutan liar"));
    assert_eq!(app.uploads().await, 0);
    // A report with a field error: shown beside the field, nothing stored.
    let mut fields = FIELDS;
    fields[3] = ("what", "");
    let (status, page) = app
        .multipart_post(multipart(&fields, &[("a.pdf", "application/pdf", b"x")]))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("id=\"e-what\""), "{page}");
    assert_eq!((app.cases().await, app.uploads().await), (0, 0));
    // Not multipart at all, though it says so.
    let (status, _) = app.multipart_post(b"garbage".to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Without files: a receipt without a file list.
    let (status, page) = app.multipart_post(multipart(&FIELDS, &[])).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(!page.contains("id=\"files\""));
    assert_eq!((app.cases().await, app.uploads().await), (1, 0));
}

impl App {
    async fn message_post(&self, session: &str, body: Vec<u8>) -> (StatusCode, String) {
        let resp = self
            .send(
                Request::post("/followup/message")
                    .header(
                        header::CONTENT_TYPE,
                        format!("multipart/form-data; boundary={BOUNDARY}"),
                    )
                    .header(
                        header::COOKIE,
                        format!("kentongan_csrf={TOKEN}; kentongan_session={session}"),
                    )
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
        (resp.status(), text(resp).await)
    }
}

#[tokio::test]
async fn a_no_js_message_takes_files_all_or_nothing() {
    use kentongan_crypto::bundle::ItemKind;
    use kentongan_crypto::reporter::{KdfParams, Passphrase, ReporterKey};

    let app = app(1).await;
    let (session, filed) = super::followup::logged_in(&app).await;
    let case_id = app.store.case_ids().await.unwrap()[0];
    let fields = [
        ("csrf", TOKEN),
        ("lang", "en"),
        ("message", "Ini fotonya <i>"),
    ];
    let small = document(100);

    // Too many files: the message stays in its box, nothing is stored.
    let four: Vec<(&str, &str, &[u8])> = (0..4)
        .map(|_| ("a.pdf", "application/pdf", &small[..]))
        .collect();
    let (status, page) = app.message_post(&session, multipart(&fields, &four)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("Too many files") && page.contains("Ini fotonya &lt;i&gt;"));
    assert_eq!(app.store.case(case_id).await.unwrap().items.len(), 1);
    assert_eq!(app.uploads().await, 0);

    let photo = photo_with_gps();
    let (status, page) = app
        .message_post(
            &session,
            multipart(
                &fields,
                &[
                    ("foto.jpg", "image/jpeg", &photo),
                    ("catatan.docx", "application/msword", &small),
                ],
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("GPS position") && page.contains("may reveal who you are"));
    let case = app.store.case(case_id).await.unwrap();
    let message = case.items.last().unwrap();
    assert_eq!(message.kind, ItemKind::ReporterMessage);
    assert_eq!(message.attachments.len(), 2);

    let key = ReporterKey::derive(
        &filed.sealed.receipt,
        &Passphrase::parse(filed.passphrase.expose_secret()),
        KdfParams::CURRENT,
    )
    .unwrap();
    let reporter_envelope = &case
        .envelopes
        .iter()
        .find(|(holder, _)| holder.is_none())
        .unwrap()
        .1;
    let keys = envelope::open(reporter_envelope, key.identity()).unwrap();
    let mut sealed = Vec::new();
    for seq in 0.. {
        match app
            .store
            .attachment_chunk(message.attachments[0].id, seq)
            .await
            .unwrap()
        {
            Some(piece) => sealed.extend(piece),
            None => break,
        }
    }
    let mut opener = Opener::new(&keys.case, &sealed[..]).unwrap();
    assert!(opener.header().cleaned.contains(&"gps".to_owned()));
    let mut body = Vec::new();
    opener.read_to_end(&mut body).unwrap();
    assert!(body == metadata::clean(&photo).unwrap().bytes);
}
