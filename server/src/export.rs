//! Export: a case as a bundle file an investigator opens offline with `kentongan-keytool`.
//! Bundles hold ciphertext and public metadata only; exporting needs no key.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use kentongan_crypto::bundle::{self, Bundle, Item, ItemKind, Manifest};
use kentongan_crypto::{Envelope, Holder};

use crate::store::{Store, StoredCase};

pub fn bundle_of(case: StoredCase) -> anyhow::Result<Bundle> {
    let envelopes = case
        .envelopes
        .into_iter()
        .map(|(holder, ciphertext)| Envelope {
            holder: match holder {
                Some((_, recipient)) => Holder::Investigator(recipient.to_string()),
                None => Holder::Reporter,
            },
            ciphertext,
        })
        .collect();
    let items = case
        .items
        .into_iter()
        .map(|item| {
            let kind = match item.kind.as_str() {
                "report" => ItemKind::Report,
                other => anyhow::bail!("case {} has an item of unknown kind {other:?}", case.id),
            };
            Ok(Item {
                id: item.id,
                kind,
                created_on: item.created_on.to_string(),
                ciphertext: item.ciphertext,
            })
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(Bundle {
        format: bundle::FORMAT.into(),
        case: Manifest {
            id: case.id,
            created_on: case.created_on.to_string(),
            stage: case.stage,
            case_recipient: case.case_recipient,
            notes_recipient: case.notes_recipient,
            // Filled from the store's stage history with the offline reply path.
            history: Vec::new(),
        },
        envelopes,
        items,
    })
}

/// Writes one case's bundle to `out`, via a temporary file renamed into place, so a reader
/// never sees half a bundle.
pub async fn export_case(store: &dyn Store, id: i64, out: &Path) -> anyhow::Result<()> {
    let case = store.case(id).await.with_context(|| format!("case {id}"))?;
    let json = serde_json::to_vec_pretty(&bundle_of(case)?)?;
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    tmp.write_all(&json)?;
    tmp.as_file().sync_all()?;
    tmp.persist(out)
        .with_context(|| format!("cannot write {}", out.display()))?;
    Ok(())
}

/// Writes every case to `dir/case-<id>.json`. Returns how many.
pub async fn export_all(store: &dyn Store, dir: &Path) -> anyhow::Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let ids = store.case_ids().await?;
    for id in &ids {
        export_case(store, *id, &dir.join(format!("case-{id}.json"))).await?;
    }
    Ok(ids.len())
}
