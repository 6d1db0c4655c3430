//! `kentongan case grant`: adding an investigator's envelope to a case, from a grant file
//! made by someone who can already open it (`kentongan-keytool grant`).
//!
//! The server cannot look inside the envelope. It checks what it can: the file is whole and
//! an envelope's shape, it names this case and this case's public keys, and it is sealed to
//! the key of a registered, active investigator who holds no envelope for the case yet.

use std::path::Path;

use kentongan_crypto::Grant;
use kentongan_crypto::grant::GrantError;

use super::{CaseError, FileKind, Result, format_error, load, read_file};
use crate::audit::{Action, AuditEvent};
use crate::store::{Store, StoreError};

/// Reads and checks a grant file: everything that needs neither the database nor a key
/// (size, format, checksum, the envelope's shape).
pub fn read_grant(path: &Path) -> Result<Grant> {
    let kind = FileKind::Grant;
    let bytes = read_file(kind, path)?;
    Grant::parse(&bytes).map_err(|error| match error {
        GrantError::Format(format) => format_error(kind, path, format),
        GrantError::Checksum => CaseError::Damaged {
            path: path.to_owned(),
            why: "its ciphertext does not match its checksum".into(),
        },
        GrantError::Shape(shape) => CaseError::Damaged {
            path: path.to_owned(),
            why: format!("the envelope is {shape}"),
        },
        // `NotGrant`, and whatever a later version of the crate adds. (`WrongCase` and
        // `WrongKeys` come from `check_for`, not from parsing.)
        _ => CaseError::NotFile {
            kind,
            path: path.to_owned(),
        },
    })
}

/// Adds the grant's envelope to case `id`. Returns the investigator's id.
pub async fn import_grant(store: &dyn Store, id: i64, grant: &Grant, actor: &str) -> Result<i64> {
    let kind = FileKind::Grant;
    let case = load(store, id).await?;
    grant
        .check_for(case.id, &case.case_recipient, &case.notes_recipient)
        .map_err(|error| match error {
            GrantError::WrongCase { made_for, case } => CaseError::WrongCase {
                kind,
                made_for,
                case,
            },
            _ => CaseError::WrongKey { kind, case: id },
        })?;
    let investigators = store.investigators().await.map_err(CaseError::Store)?;
    let investigator = investigators
        .iter()
        .find(|i| i.recipient == grant.investigator)
        .ok_or_else(|| CaseError::NotInvestigator {
            fingerprint: grant.investigator.fingerprint(),
        })?;
    if !investigator.active {
        return Err(CaseError::InvestigatorDisabled {
            id: investigator.id,
        });
    }
    let already = CaseError::AlreadyHolds {
        id: investigator.id,
        case: id,
    };
    if case
        .envelopes
        .iter()
        .any(|(holder, _)| matches!(holder, Some((holder, _)) if *holder == investigator.id))
    {
        return Err(already);
    }
    match store
        .add_envelope(
            id,
            investigator.id,
            grant.ciphertext.clone(),
            &AuditEvent::new(actor, Action::CaseGrant)
                .case(id)
                .detail("investigator", investigator.id),
        )
        .await
    {
        Ok(()) => Ok(investigator.id),
        Err(StoreError::Duplicate) => Err(already),
        Err(StoreError::NotFound) => Err(CaseError::NoCase(id)),
        Err(other) => Err(CaseError::Store(other)),
    }
}
