//! Granting another investigator access to a case, offline: open your own envelope with your
//! key, seal both case keys to their key, and write a grant file the operator imports with
//! `kentongan case grant`.
//!
//! Everything that can be refused without the passphrase is refused before it is asked for.

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use kentongan_crypto::grant::Grant;
use kentongan_crypto::{Holder, Recipient};

/// What was written.
#[derive(Debug)]
pub struct Granted {
    /// The case.
    pub case: i64,
    /// Who can open it now.
    pub to: Recipient,
}

/// Writes a grant of the case in the bundle at `bundle_path` to the key `to` (an `age1…`
/// string), opening the keys with the key file at `key_path`.
pub fn write_grant(
    bundle_path: &Path,
    key_path: &Path,
    passphrase_file: Option<&Path>,
    to: &str,
    out: &Path,
) -> Result<Granted> {
    let bytes = std::fs::read(bundle_path)
        .with_context(|| format!("cannot read the bundle {}", bundle_path.display()))?;
    let bundle = crate::open::parse_bundle(&bytes)?;
    let case = bundle.case.id;
    let to: Recipient = to.parse().map_err(|_| {
        anyhow!(
            "--to is not an age public key (age1…): copy the key the investigator was \
             registered with (kentongan investigator list)"
        )
    })?;
    let holds = bundle.envelopes.iter().any(
        |e| matches!(&e.holder, Holder::Investigator(k) if k.parse().ok().as_ref() == Some(&to)),
    );
    if holds {
        bail!(
            "the key {} already holds an envelope for case {case}: nothing to grant",
            to.fingerprint()
        );
    }
    crate::reply::check_new_file(out)?;

    let keys = crate::open::own_keys(&bundle, key_path, passphrase_file)?;
    let grant =
        Grant::seal(case, &keys, &to).map_err(|_| anyhow!("encrypting the grant failed"))?;
    crate::reply::write_new_file(out, grant.to_json().as_bytes())?;
    Ok(Granted { case, to })
}
