//! An attachment as uploaded (ciphertext, in pieces): the checks the server runs when an
//! upload completes, then the streaming opener an investigator's keytool, their browser and
//! the no-JS follow-up page read it with.

use std::io::{self, Read};

use kentongan_crypto::attachment::{self, Opener, check_length, check_start};

use crate::fixtures::{self, CASE};

/// More body than any fuzz input holds: reading stops here whatever the header claims.
const LIMIT: u64 = 1 << 24;

/// `data` as a whole uploaded attachment file.
pub fn attachment(data: &[u8]) {
    let _ = check_start(data);
    let len = u64::try_from(data.len()).unwrap_or(u64::MAX);
    for total in [len, len.saturating_add(1), len.saturating_mul(64), u64::MAX] {
        for max_size in [0, 1 << 20, attachment::MAX_SIZE, u64::MAX] {
            if check_length(data, total, max_size).is_ok() {
                assert!(
                    check_start(data).is_ok(),
                    "check_length passed what check_start refuses"
                );
            }
        }
    }
    let Some(case) = fixtures::identity(CASE) else {
        return;
    };
    if let Ok(mut opener) = Opener::new(&case, data) {
        let size = opener.header().size;
        let mut body = Vec::new();
        // Bounded: the header's size is the reporter's claim, not what is there.
        let read = opener.by_ref().take(LIMIT).read_to_end(&mut body);
        if read.is_ok() && size < LIMIT {
            assert_eq!(
                u64::try_from(body.len()).ok(),
                Some(size),
                "an attachment opened to another size than its header says"
            );
        }
        let _ = io::copy(&mut opener, &mut io::sink());
    }
}
