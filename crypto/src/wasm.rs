//! The browser's entry points (wasm-bindgen). Strings in, strings out: JSON keeps the glue
//! thin and the wire format in one place ([`crate::submission::SealedCase`]'s serde).

use wasm_bindgen::prelude::*;

use crate::keys::Recipient;
use crate::report::{EncryptedIn, Report};
use crate::reporter::{KdfParams, Passphrase, ReceiptCode, ReporterKey};
use crate::submission::{SealError, seal_report};

/// Seals a report. `report_json` is a [`Report`] (its `encrypted_in` is overwritten with
/// "browser"), `team_json` a JSON array of `age1…` strings. Returns
/// `{"receipt": "1234 5678 …", "passphrase": "…", "sealed": SealedCase}`.
#[wasm_bindgen(js_name = sealReport)]
pub fn seal_report_js(report_json: &str, team_json: &str) -> Result<String, JsError> {
    let mut report: Report =
        serde_json::from_str(report_json).map_err(|_| JsError::new("report"))?;
    report.encrypted_in = EncryptedIn::Browser;
    let team: Vec<Recipient> = serde_json::from_str(team_json).map_err(|_| JsError::new("team"))?;
    let submission = seal_report(&report, &team, KdfParams::CURRENT).map_err(|e| match e {
        SealError::Invalid(_) => JsError::new("invalid"),
        SealError::NoInvestigators => JsError::new("no-investigators"),
        _ => JsError::new("crypto"),
    })?;
    let out = serde_json::json!({
        "receipt": submission.sealed.receipt.to_string(),
        "passphrase": submission.passphrase.expose_secret(),
        "sealed": submission.sealed,
    });
    Ok(out.to_string())
}

/// Derives a reporter's auth token (hex) from receipt and passphrase: the login step of the
/// follow-up page, and what the benchmark times as "Argon2id in the browser".
#[wasm_bindgen(js_name = deriveAuthToken)]
pub fn derive_auth_token(receipt: &str, passphrase: &str) -> Result<String, JsError> {
    let receipt = ReceiptCode::parse(receipt).map_err(|_| JsError::new("receipt"))?;
    let key = ReporterKey::derive(&receipt, &Passphrase::parse(passphrase), KdfParams::CURRENT)
        .map_err(|_| JsError::new("crypto"))?;
    Ok(key
        .auth_token()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}
