use super::*;
use proptest::prelude::*;

fn header(name: &str, size: u64) -> AttachmentHeader {
    AttachmentHeader {
        name: name.into(),
        media_type: "image/jpeg".into(),
        size,
        cleaned: vec!["gps".into(), "camera".into()],
    }
}

/// Deterministic, non-repeating-ish body bytes.
fn body(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_be_bytes()[0])
        .collect()
}

/// Seals `body` pushing it in pieces of the given sizes (cycled).
fn seal_in(recipient: &Recipient, h: &AttachmentHeader, body: &[u8], pieces: &[usize]) -> Vec<u8> {
    let mut sealer = Sealer::new(recipient, h).unwrap();
    let mut out = Vec::new();
    let mut rest = body;
    let mut i = 0;
    while !rest.is_empty() {
        let n = pieces[i % pieces.len()].min(rest.len());
        let (piece, tail) = rest.split_at(n);
        out.extend(sealer.push(piece).unwrap());
        rest = tail;
        i += 1;
    }
    assert_eq!(sealer.remaining(), 0);
    out.extend(sealer.finish().unwrap());
    out
}

fn seal(recipient: &Recipient, h: &AttachmentHeader, body: &[u8]) -> Vec<u8> {
    seal_in(recipient, h, body, &[body.len().max(1)])
}

fn open_all(
    identity: &Identity,
    file: &[u8],
) -> Result<(AttachmentHeader, Vec<u8>), AttachmentError> {
    let mut opener = Opener::new(identity, file)?;
    let mut out = Vec::new();
    opener
        .read_to_end(&mut out)
        .map_err(|_| AttachmentError::Decrypt)?;
    Ok((opener.header().clone(), out))
}

/// An attachment sealed by hand, with full control over the plaintext (as an attacker
/// holding the case key, e.g. a reporter, could make one).
fn seal_raw(recipient: &Recipient, plaintext: &[u8]) -> Vec<u8> {
    let enc =
        age::Encryptor::with_recipients(std::iter::once(recipient.as_age() as &dyn age::Recipient))
            .unwrap();
    let mut out = vec![];
    let mut w = enc.wrap_output(&mut out).unwrap();
    w.write_all(plaintext).unwrap();
    w.finish().unwrap();
    out
}

fn frame_of(h: &AttachmentHeader, body: &[u8]) -> Vec<u8> {
    let json = h.to_json().unwrap();
    let mut frame = (json.len() as u32).to_be_bytes().to_vec();
    frame.extend_from_slice(&json);
    frame.extend_from_slice(body);
    frame
}

#[test]
fn round_trips_at_edge_sizes() {
    let id = Identity::generate();
    let r = id.to_public();
    for len in [0, 1, 1000, 65_535, 65_536, 65_537, 3 * 65_536] {
        let b = body(len);
        let h = header("foto.jpg", len as u64);
        let file = seal(&r, &h, &b);
        let (opened, out) = open_all(&id, &file).unwrap();
        assert_eq!(opened, h, "len {len}");
        assert!(out == b, "len {len}");
        assert!(file.len() as u64 <= max_sealed_len(len as u64, MAX_HEADER_LEN));
        check_start(&file).unwrap();
        check_length(
            &file[..file.len().min(CHUNK)],
            file.len() as u64,
            len as u64,
        )
        .unwrap();
    }
}

#[test]
fn round_trips_megabytes_in_odd_pushes() {
    let id = Identity::generate();
    let b = body(3 * 1024 * 1024 + 12_345);
    let h = header("rekaman suara.m4a", b.len() as u64);
    let file = seal_in(
        &id.to_public(),
        &h,
        &b,
        &[1, 7, 65_535, 65_537, 100_003, 1 << 20],
    );
    // Read back in odd sizes too.
    let mut opener = Opener::new(&id, &file[..]).unwrap();
    assert_eq!(opener.header(), &h);
    let mut out = Vec::new();
    let mut buf = vec![0u8; 12_347];
    loop {
        let n = opener.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    assert!(out == b);
    assert_eq!(opener.remaining(), 0);
    // The ciphertext's length is that of a padded frame, and within the bound.
    let frame = frame_len(h.to_json().unwrap().len(), h.size);
    assert!(padding::padded_len_u64(frame) == frame);
    assert!(file.len() as u64 <= max_sealed_len(h.size, MAX_HEADER_LEN));
    check_length(&file[..CHUNK], file.len() as u64, h.size).unwrap();
    assert_eq!(
        check_length(&file[..CHUNK], file.len() as u64, h.size / 2),
        Err(ShapeError::TooLarge)
    );
}

#[test]
fn sealer_output_comes_out_as_it_is_made() {
    let id = Identity::generate();
    let h = header("a.bin", 200_000);
    let mut sealer = Sealer::new(&id.to_public(), &h).unwrap();
    // The first output is the age header alone: no chunk is sealed before 64 KiB are in.
    let first = sealer.push(&body(100)).unwrap();
    assert!(!first.is_empty() && first.len() < MAX_AGE_HEADER);
    assert!(sealer.push(&body(100)).unwrap().is_empty());
    let second = sealer.push(&body(150_000)).unwrap();
    assert!(second.len() > 2 * 65_536, "two chunks and the age header");
    // Pushing past the announced size writes nothing and fails.
    assert_eq!(
        sealer.push(&body(50_000)),
        Err(AttachmentError::SizeMismatch)
    );
    assert_eq!(sealer.remaining(), 49_800);
    // Finishing short fails too.
    assert_eq!(sealer.finish(), Err(AttachmentError::SizeMismatch));
}

#[test]
fn sealer_and_opener_are_send() {
    fn send<T: Send>() {}
    send::<Sealer>();
    send::<Opener<std::fs::File>>();
}

#[test]
fn wrong_key_is_the_one_vague_error() {
    let id = Identity::generate();
    let file = seal(&id.to_public(), &header("x.pdf", 10), &body(10));
    assert_eq!(
        open_all(&Identity::generate(), &file).unwrap_err(),
        AttachmentError::Decrypt
    );
    assert_eq!(
        AttachmentError::Decrypt.to_string(),
        "could not decrypt: wrong key, or the data is damaged"
    );
}

#[test]
fn truncation_anywhere_is_an_error() {
    let id = Identity::generate();
    let b = body(200_000);
    let file = seal(&id.to_public(), &header("x.mp4", b.len() as u64), &b);
    // Cut inside the age header, inside a chunk, and exactly at a chunk boundary (the
    // stream then lacks its final chunk).
    let header_end = ciphertext::header_len(&file).unwrap();
    let boundary = header_end + 16 + 65_536 + 16;
    for cut in [
        10,
        header_end,
        header_end + 40,
        boundary,
        boundary + 1,
        file.len() - 1,
    ] {
        assert_eq!(
            open_all(&id, &file[..cut]).unwrap_err(),
            AttachmentError::Decrypt,
            "cut at {cut}"
        );
    }
}

#[test]
fn forged_trailing_bytes_and_flipped_bits_are_errors() {
    let id = Identity::generate();
    let b = body(70_000);
    let file = seal(&id.to_public(), &header("x.jpg", b.len() as u64), &b);
    for tail in [&[0u8][..], &[0; 16], &[0; 65_536 + 16]] {
        let mut forged = file.clone();
        forged.extend_from_slice(tail);
        assert_eq!(
            open_all(&id, &forged).unwrap_err(),
            AttachmentError::Decrypt
        );
    }
    let mut flipped = file.clone();
    let at = file.len() - 100;
    flipped[at] ^= 1;
    assert_eq!(
        open_all(&id, &flipped).unwrap_err(),
        AttachmentError::Decrypt
    );
}

#[test]
fn forged_padding_is_an_error() {
    // Whoever holds the case key can seal anything; the opener must still refuse a file
    // that hides bytes in its padding or that is padded to the wrong length.
    let id = Identity::generate();
    let r = id.to_public();
    let h = header("x.txt", 5);
    let frame = frame_of(&h, b"halo!");
    let padded = padding::padded_len(frame.len());

    let mut good = frame.clone();
    good.resize(padded, 0);
    assert_eq!(open_all(&id, &seal_raw(&r, &good)).unwrap().1, b"halo!");

    let mut nonzero = good.clone();
    *nonzero.last_mut().unwrap() = 1;
    assert_eq!(
        open_all(&id, &seal_raw(&r, &nonzero)).unwrap_err(),
        AttachmentError::Decrypt
    );

    let mut short = frame.clone();
    short.resize(padded - 1, 0);
    assert_eq!(
        open_all(&id, &seal_raw(&r, &short)).unwrap_err(),
        AttachmentError::Decrypt
    );

    let mut long = frame.clone();
    long.resize(padded + 1, 0);
    assert_eq!(
        open_all(&id, &seal_raw(&r, &long)).unwrap_err(),
        AttachmentError::Decrypt
    );

    // A body shorter than the header says (the stream ends inside the body).
    assert_eq!(
        open_all(&id, &seal_raw(&r, &frame[..frame.len() - 1])).unwrap_err(),
        AttachmentError::Decrypt
    );
}

#[test]
fn hostile_headers_are_refused() {
    let id = Identity::generate();
    let r = id.to_public();
    let with_json = |json: &[u8]| {
        let mut frame = (json.len() as u32).to_be_bytes().to_vec();
        frame.extend_from_slice(json);
        frame.resize(padding::padded_len(frame.len()), 0);
        seal_raw(&r, &frame)
    };
    let ok = br#"{"format":"kentongan-attachment/1","name":"a","type":"","size":0,"cleaned":[]}"#;
    assert_eq!(open_all(&id, &with_json(ok)).unwrap().0.name, "a");
    let long_name = format!(
        r#"{{"format":"kentongan-attachment/1","name":"{}","type":"","size":0,"cleaned":[]}}"#,
        "a".repeat(256)
    );
    for bad in [
        &br#"{"format":"kentongan-attachment/2","name":"a","type":"","size":0,"cleaned":[]}"#[..],
        br#"{"format":"kentongan-attachment/1","name":"a","type":"","size":0,"cleaned":[],"x":1}"#,
        br#"{"format":"kentongan-attachment/1","name":"a","type":"","size":0}"#,
        br#"{"format":"kentongan-attachment/1","name":"a","type":"","size":-1,"cleaned":[]}"#,
        br#"{"format":"kentongan-attachment/1","name":"a","type":"","size":0,"cleaned":["GPS"]}"#,
        br#"{"format":"kentongan-attachment/1","name":"a","type":"","size":1099511627777,"cleaned":[]}"#,
        br#"not json"#,
        b"",
        long_name.as_bytes(),
    ] {
        assert_eq!(
            open_all(&id, &with_json(bad)).unwrap_err(),
            AttachmentError::Decrypt,
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
    // A length prefix beyond MAX_HEADER_LEN is refused before anything is allocated.
    let mut frame = (u32::MAX).to_be_bytes().to_vec();
    frame.resize(2048, 0);
    assert_eq!(
        open_all(&id, &seal_raw(&r, &frame)).unwrap_err(),
        AttachmentError::Decrypt
    );
    // An age header line that never ends is refused after MAX_AGE_HEADER bytes.
    let mut endless = b"age-encryption.org/v1\n-> X25519 ".to_vec();
    endless.resize(1 << 20, b'A');
    assert_eq!(
        open_all(&id, &endless).unwrap_err(),
        AttachmentError::Decrypt
    );
}

#[test]
fn sealing_checks_the_header_limits() {
    let r = Identity::generate().to_public();
    let mut h = header(&"é".repeat(MAX_NAME_CHARS), 0);
    // 255 two-byte characters are fine: the limit is in characters.
    assert!(Sealer::new(&r, &h).is_ok());
    h.name.push('x');
    assert_eq!(
        Sealer::new(&r, &h).unwrap_err(),
        AttachmentError::NameTooLong
    );
    let mut h = header("a", 0);
    h.media_type = "t".repeat(MAX_TYPE_CHARS + 1);
    assert_eq!(
        Sealer::new(&r, &h).unwrap_err(),
        AttachmentError::TypeTooLong
    );
    let mut h = header("a", MAX_SIZE + 1);
    assert_eq!(Sealer::new(&r, &h).unwrap_err(), AttachmentError::TooLarge);
    h.size = 0;
    for cleaned in [
        vec!["".to_owned()],
        vec!["Gps".into()],
        vec!["a b".into()],
        vec!["x".repeat(33)],
        vec!["gps".into(); 17],
    ] {
        h.cleaned = cleaned;
        assert_eq!(Sealer::new(&r, &h).unwrap_err(), AttachmentError::Cleaned);
    }
    // The worst header within the limits still fits MAX_HEADER_LEN.
    let worst = AttachmentHeader {
        name: "\u{1}".repeat(MAX_NAME_CHARS),
        media_type: "\u{1}".repeat(MAX_TYPE_CHARS),
        size: MAX_SIZE,
        cleaned: vec!["x".repeat(MAX_SLUG_BYTES); MAX_CLEANED],
    };
    assert!(worst.to_json().unwrap().len() <= MAX_HEADER_LEN);
}

#[test]
fn header_debug_hides_the_name() {
    let h = header("laporan-rahasia.pdf", 3);
    let debug = format!("{h:?}");
    assert!(!debug.contains("rahasia"));
    assert!(debug.contains("size: 3"));
}

#[test]
fn check_start_mirrors_inspect() {
    let id = Identity::generate();
    let file = seal(&id.to_public(), &header("a", 3), b"abc");
    check_start(&file).unwrap();
    // Two recipients.
    let two = {
        let enc = age::Encryptor::with_recipients(
            [
                id.to_public().as_age() as &dyn age::Recipient,
                Identity::generate().to_public().as_age() as _,
            ]
            .into_iter(),
        )
        .unwrap();
        let mut out = vec![];
        let mut w = enc.wrap_output(&mut out).unwrap();
        w.write_all(&[0; 2000]).unwrap();
        w.finish().unwrap();
        out
    };
    assert_eq!(check_start(&two), Err(ShapeError::Recipients));
    let passphrase = age::encrypt(
        &age::scrypt::Recipient::new("kata sandi".to_owned().into()),
        &[0; 2000],
    )
    .unwrap();
    assert!(check_start(&passphrase).is_err());
    for junk in [
        &b""[..],
        b"age-encryption.org/v1\n",
        b"\" ' & < >",
        &[0xff; 300],
    ] {
        assert_eq!(check_start(junk), Err(ShapeError::NotAge));
    }
    // The header alone, without the payload nonce, is not enough.
    let header_end = ciphertext::header_len(&file).unwrap();
    assert_eq!(check_start(&file[..header_end]), Err(ShapeError::NotAge));
}

#[test]
fn check_length_refuses_unpadded_and_cut_uploads() {
    let id = Identity::generate();
    let r = id.to_public();
    let b = body(100_000);
    let file = seal(&r, &header("a", b.len() as u64), &b);
    let len = file.len() as u64;
    check_length(&file, len, 1 << 20).unwrap();
    // Cut short: the length no longer matches a padded frame.
    let header_end = ciphertext::header_len(&file).unwrap() as u64;
    assert_eq!(
        check_length(&file, header_end + 16 + 65_536 + 16 + 1000 + 16, 1 << 20),
        Err(ShapeError::NotPadded)
    );
    assert_eq!(check_length(&file, 10, 1 << 20), Err(ShapeError::NotAge));
    let unpadded = seal_raw(&r, &body(5000));
    assert_eq!(
        check_length(&unpadded, unpadded.len() as u64, 1 << 20),
        Err(ShapeError::NotPadded)
    );
}

#[test]
fn max_sealed_len_is_monotonic_and_close() {
    let mut last = 0;
    for size in [0, 1, 1000, 65_536, 1 << 20, 100 << 20, MAX_SIZE, u64::MAX] {
        let bound = max_sealed_len(size, MAX_HEADER_LEN);
        assert!(bound >= last);
        last = bound;
    }
    // At 100 MB the bound is within a few percent of the body.
    let bound = max_sealed_len(100 << 20, MAX_HEADER_LEN);
    assert!(bound < (100 << 20) + (4 << 20), "{bound}");
}

proptest! {
    #[test]
    fn any_body_round_trips(len in 0usize..140_000, piece in 1usize..70_000) {
        let id = Identity::generate();
        let b = body(len);
        let h = header("p.bin", len as u64);
        let file = seal_in(&id.to_public(), &h, &b, &[piece]);
        let (opened, out) = open_all(&id, &file).unwrap();
        prop_assert_eq!(opened, h);
        prop_assert!(out == b);
    }

    #[test]
    fn check_start_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = check_start(&bytes);
        let _ = check_length(&bytes, bytes.len() as u64, 1 << 20);
    }
}
