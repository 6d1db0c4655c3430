//! Ciphertext as the server receives it from a browser (reports, envelopes, messages) and as
//! every reader meets it: the key-less structure checks, then decryption and parsing with
//! the case key.

use kentongan_crypto::Ciphertext;
use kentongan_crypto::attachment::{MAX_HEADER_LEN, check_start};
use kentongan_crypto::bundle::ItemKind;
use kentongan_crypto::ciphertext::decrypt;
use kentongan_crypto::envelope::{self, MAX_ENVELOPE_FRAME};
use kentongan_crypto::keys::CaseKeys;
use kentongan_crypto::message::Message;
use kentongan_crypto::report::MAX_REPORT_FRAME;
use kentongan_crypto::{challenge, item, padding};

use crate::fixtures::{self, CASE};

/// `data` as one item's ciphertext.
pub fn ciphertext(data: &[u8]) {
    let sealed = Ciphertext::from_bytes(data.to_vec());
    for max in [
        0,
        MAX_ENVELOPE_FRAME,
        MAX_HEADER_LEN,
        MAX_REPORT_FRAME,
        usize::MAX,
    ] {
        if let Ok(frame) = sealed.inspect(max) {
            assert!(frame <= max, "inspect let a {frame}-byte frame past {max}");
            assert!(
                padding::is_padded_len(frame),
                "inspect let an unpadded frame by"
            );
        }
    }
    let _ = Message::check_sealed(&sealed);
    let _ = check_start(data);
    let Some(case) = fixtures::identity(CASE) else {
        return;
    };
    if let Ok(plain) = decrypt(&sealed, [&case]) {
        let _ = plain.expose_secret().len();
    }
    for kind in ItemKind::ALL {
        let _ = item::open(kind, &sealed, &case, None);
    }
    let _ = envelope::open(&sealed, &case);
    let _ = challenge::answer(&case, &sealed);
    let keys = CaseKeys {
        case,
        notes: fixtures::identity(CASE),
    };
    for kind in ItemKind::ALL {
        let _ = item::open_with_keys(kind, &sealed, &keys);
    }
}
