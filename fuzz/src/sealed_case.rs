//! The JSON case the browser's own encryption posts to `/api/reports`, as the server reads
//! and checks it before storing anything.

use kentongan_crypto::submission::SealedCase;

use crate::fixtures::{self, INVESTIGATOR};

/// `data` as the body of `POST /api/reports`.
pub fn sealed_case(data: &[u8]) {
    let Ok(case) = serde_json::from_slice::<SealedCase>(data) else {
        return;
    };
    let team: Vec<_> = fixtures::recipient(INVESTIGATOR).into_iter().collect();
    let checked = case.check(&team);
    let _ = case.check(&[]);
    // What the server stores is this value written out again: it must read back the same.
    if let Ok(json) = serde_json::to_vec(&case) {
        let again = serde_json::from_slice::<SealedCase>(&json);
        assert!(
            again.as_ref().is_ok_and(|again| *again == case),
            "a sealed case does not survive being written and read again"
        );
        if let Ok(again) = again {
            assert_eq!(
                again.check(&team),
                checked,
                "the same case checked two ways"
            );
        }
    }
}
