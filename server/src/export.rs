//! Export: a case as a bundle file an investigator opens offline with `kentongan-keytool`.
//! Bundles hold ciphertext and public metadata only; exporting needs no key. Every item
//! (internal notes too) and every envelope (granted ones too) goes in: a bundle is for
//! investigators, and each opens only what their envelope's keys open.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use kentongan_crypto::bundle::{self, AttachmentRef, Bundle, Item, Manifest, StageChange};
use kentongan_crypto::{Envelope, Holder};

use crate::audit::{Action, AuditEvent};
use crate::store::{Store, StoredAttachment, StoredCase};

/// A stored case as a bundle: items with their kinds, the stage history with the items its
/// messages are in, days as `YYYY-MM-DD`.
pub fn bundle_of(case: StoredCase) -> Bundle {
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
        .map(|item| Item {
            id: item.id,
            kind: item.kind,
            created_on: item.created_on.to_string(),
            ciphertext: item.ciphertext,
            attachments: item
                .attachments
                .iter()
                .map(|attachment| AttachmentRef {
                    id: attachment.id,
                    size: attachment.size,
                    file: AttachmentRef::file_for(attachment.id),
                })
                .collect(),
        })
        .collect();
    let history = case
        .history
        .into_iter()
        .map(|event| StageChange {
            stage: event.stage,
            moved_on: event.moved_on.to_string(),
            moved_by: event.moved_by,
            message: event.message,
        })
        .collect();
    Bundle {
        format: bundle::FORMAT.into(),
        case: Manifest {
            id: case.id,
            created_on: case.created_on.to_string(),
            stage: case.stage,
            case_recipient: case.case_recipient,
            notes_recipient: case.notes_recipient,
            history,
        },
        envelopes,
        items,
    }
}

/// Writes one case's bundle to `out`, via a temporary file renamed into place, so a reader
/// never sees half a bundle. Recorded in the audit log as done by `actor` before the file is
/// written: an export that then fails is still on record, one that is not on record never
/// happened.
pub async fn export_case(
    store: &dyn Store,
    id: i64,
    out: &Path,
    actor: &str,
) -> anyhow::Result<()> {
    let case = store.case(id).await.with_context(|| format!("case {id}"))?;
    store
        .append_audit(&AuditEvent::new(actor, Action::CaseExport).case(id))
        .await
        .context("cannot record the export in the audit log")?;
    write_bundle(store, case, out).await
}

/// Writes the case's attachments beside `out` ([`AttachmentRef::file_for`]: the directory
/// `attachments/` next to it), then the bundle, so a bundle never names a missing file.
async fn write_bundle(store: &dyn Store, case: StoredCase, out: &Path) -> anyhow::Result<()> {
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    for attachment in case.items.iter().flat_map(|item| &item.attachments) {
        write_attachment(store, attachment, dir).await?;
    }
    write_json(case, out)
}

/// One attachment's ciphertext, read from the store piece by piece (never whole), via a
/// temporary file renamed into place.
async fn write_attachment(
    store: &dyn Store,
    attachment: &StoredAttachment,
    dir: &Path,
) -> anyhow::Result<()> {
    let out = dir.join(AttachmentRef::file_for(attachment.id));
    let parent = out.parent().unwrap_or(dir);
    std::fs::create_dir_all(parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let mut tmp = tempfile::NamedTempFile::new_in(parent)
        .with_context(|| format!("cannot write in {}", parent.display()))?;
    let mut written: u64 = 0;
    for seq in 0.. {
        let Some(piece) = store.attachment_chunk(attachment.id, seq).await? else {
            break;
        };
        tmp.write_all(&piece)?;
        written += piece.len() as u64;
    }
    anyhow::ensure!(
        written == attachment.size,
        "attachment {} is {written} bytes in the store, not {}",
        attachment.id,
        attachment.size
    );
    tmp.as_file().sync_all()?;
    tmp.persist(&out)
        .with_context(|| format!("cannot write {}", out.display()))?;
    Ok(())
}

fn write_json(case: StoredCase, out: &Path) -> anyhow::Result<()> {
    let json = serde_json::to_vec_pretty(&bundle_of(case))?;
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

/// Writes every case to `dir/case-<id>.json`, recorded as one entry in the audit log (with
/// the number of cases and the highest case number). Returns how many.
pub async fn export_all(store: &dyn Store, dir: &Path, actor: &str) -> anyhow::Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let ids = store.case_ids().await?;
    let audit = AuditEvent::new(actor, Action::CaseExportAll)
        .detail("cases", ids.len())
        .detail("last", ids.last().copied());
    store
        .append_audit(&audit)
        .await
        .context("cannot record the export in the audit log")?;
    for id in &ids {
        let case = store
            .case(*id)
            .await
            .with_context(|| format!("case {id}"))?;
        write_bundle(store, case, &dir.join(format!("case-{id}.json"))).await?;
    }
    Ok(ids.len())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use kentongan_crypto::bundle::ItemKind;
    use kentongan_crypto::keys::Identity;
    use kentongan_crypto::{Ciphertext, Recipient};
    use time::macros::date;

    use super::*;
    use crate::store::{StageEvent, StoredItem};

    fn recipient() -> Recipient {
        Identity::generate().to_public()
    }

    #[test]
    fn the_bundle_carries_item_kinds_notes_included_and_the_history() {
        let investigator = recipient();
        let items: Vec<StoredItem> = ItemKind::ALL
            .into_iter()
            .zip(1..)
            .map(|(kind, id)| StoredItem {
                id,
                kind,
                created_on: date!(2026 - 12 - 01),
                ciphertext: Ciphertext::from_bytes(vec![id as u8]),
                attachments: vec![],
            })
            .collect();
        let case = StoredCase {
            id: 7,
            created_on: date!(2026 - 11 - 28),
            stage: "verifikasi".into(),
            case_recipient: recipient(),
            notes_recipient: recipient(),
            assignee: None,
            classification: None,
            envelopes: vec![
                (
                    Some((3, investigator.clone())),
                    Ciphertext::from_bytes(vec![9]),
                ),
                (None, Ciphertext::from_bytes(vec![8])),
            ],
            items,
            history: vec![
                StageEvent {
                    stage: "pemeriksaan".into(),
                    moved_on: date!(2026 - 11 - 30),
                    moved_by: "Ani \" ' & < >".into(),
                    message: None,
                },
                StageEvent {
                    stage: "verifikasi".into(),
                    moved_on: date!(2027 - 01 - 05),
                    moved_by: "Budi".into(),
                    message: Some(4),
                },
            ],
        };
        let bundle = bundle_of(case);
        assert_eq!(bundle.format, bundle::FORMAT);
        assert_eq!(bundle.case.created_on, "2026-11-28");
        assert_eq!(
            bundle.case.history,
            vec![
                StageChange {
                    stage: "pemeriksaan".into(),
                    moved_on: "2026-11-30".into(),
                    moved_by: "Ani \" ' & < >".into(),
                    message: None,
                },
                StageChange {
                    stage: "verifikasi".into(),
                    moved_on: "2027-01-05".into(),
                    moved_by: "Budi".into(),
                    message: Some(4),
                },
            ]
        );
        let kinds: Vec<(i64, ItemKind)> = bundle.items.iter().map(|i| (i.id, i.kind)).collect();
        assert_eq!(
            kinds,
            vec![
                (1, ItemKind::Report),
                (2, ItemKind::ReporterMessage),
                (3, ItemKind::InvestigatorMessage),
                (4, ItemKind::StageMessage),
                (5, ItemKind::Note),
            ]
        );
        assert_eq!(bundle.items[3].created_on, "2026-12-01");
        assert_eq!(
            bundle.envelopes[0].holder,
            Holder::Investigator(investigator.to_string())
        );
        assert_eq!(bundle.envelopes[1].holder, Holder::Reporter);
    }

    /// Attachments are written beside the bundle as `attachments/ID.age`, byte for byte, and
    /// the bundle names them there.
    #[tokio::test]
    async fn attachments_go_beside_the_bundle() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.sqlite3").display());
        let store = crate::store::SqliteStore::open(&url).await.unwrap();
        let mut files = Vec::new();
        for len in [3000, 10] {
            let token: [u8; 32] = rand::random();
            let id = store
                .begin_attachment(
                    &token,
                    date!(2026 - 11 - 28),
                    crate::uploads::AttachmentLimits::default().unattached(),
                )
                .await
                .unwrap();
            let bytes: Vec<u8> = (0..len).map(|i| (i % 256) as u8).collect();
            for (n, piece) in bytes.chunks(1024).enumerate() {
                store
                    .append_attachment(
                        &token,
                        n as u64 * 1024,
                        piece,
                        1 << 20,
                        crate::uploads::AttachmentLimits::default().unattached(),
                    )
                    .await
                    .unwrap();
            }
            store.complete_attachment(&token).await.unwrap();
            files.push((token, id, bytes));
        }
        let mut case = crate::store::tests::new_case(&[]);
        case.attachments = files.iter().map(|(token, _, _)| *token).collect();
        let id = store.create_case(case).await.unwrap();

        let out = dir.path().join("out").join("kasus.json");
        std::fs::create_dir_all(out.parent().unwrap()).unwrap();
        export_case(&store, id, &out, "operator:test")
            .await
            .unwrap();
        let bundle: Bundle = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        let refs = &bundle.items[0].attachments;
        assert_eq!(refs.len(), 2);
        for ((_, id, bytes), reference) in files.iter().zip(refs) {
            assert_eq!(reference.id, *id);
            assert_eq!(reference.size, bytes.len() as u64);
            assert!(reference.is_safe_path());
            let written = std::fs::read(out.parent().unwrap().join(&reference.file)).unwrap();
            assert!(&written == bytes);
        }
    }
}
