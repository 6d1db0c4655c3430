//! The operator's case commands (`kentongan case list | reply | note | grant | move`): every
//! check and the store calls, without printing, so tests drive them in-process. `main.rs`
//! parses arguments and prints.
//!
//! Replies, internal notes and grants reach the server as files made offline by
//! `kentongan-keytool reply | note | grant`. Everything about one (the file, the case it
//! names, the move it comes with) is checked before anything is written, and the write
//! itself is one store call, so a refused command leaves the case as it was.

use std::io::Read;
use std::path::{Path, PathBuf};

use kentongan_crypto::bundle::ItemKind;
use kentongan_crypto::message::ReplyError;
use kentongan_crypto::{Ciphertext, Note, Reply};
use thiserror::Error;
use time::Date;

use crate::audit::{Action, AuditEvent};
use crate::store::{CaseSummary, Store, StoreError, StoredCase};
use crate::workflow::{self, Deadlines, Due, MoveError, ParseStageError, Stage};

mod grant;

pub use grant::{import_grant, read_grant};

/// No reply, note or grant file is anywhere near this large (a message is at most 128 KiB
/// padded, about 175 KiB once base64-encoded); a larger file is refused without reading it
/// all.
pub const MAX_REPLY_FILE: u64 = 1024 * 1024;

/// The files `kentongan-keytool` makes for the server to import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Reply,
    Note,
    Grant,
}

impl FileKind {
    /// The keytool subcommand that makes it, and the word for it.
    fn name(self) -> &'static str {
        match self {
            FileKind::Reply => "reply",
            FileKind::Note => "note",
            FileKind::Grant => "grant",
        }
    }

    fn format(self) -> &'static str {
        match self {
            FileKind::Reply => kentongan_crypto::message::REPLY_FORMAT,
            FileKind::Note => kentongan_crypto::message::NOTE_FORMAT,
            FileKind::Grant => kentongan_crypto::grant::GRANT_FORMAT,
        }
    }

    /// Which kind a file of `format` is, by its name without the version.
    fn of_format(format: &str) -> Option<Self> {
        [FileKind::Reply, FileKind::Note, FileKind::Grant]
            .into_iter()
            .find(|kind| format.starts_with(&format!("kentongan-{}/", kind.name())))
    }

    /// The keytool command that makes one from `bundle`.
    fn make_from(self, bundle: &str) -> String {
        let upper = self.name().to_uppercase();
        match self {
            FileKind::Grant => format!(
                "`kentongan-keytool grant {bundle} --identity KEY --to age1… --out {upper}`"
            ),
            _ => format!(
                "`kentongan-keytool {} {bundle} --message-file FILE --out {upper}`",
                self.name()
            ),
        }
    }

    /// The server command that imports one.
    fn import(self) -> String {
        format!("`kentongan case {} ID FILE`", self.name())
    }
}

impl std::fmt::Display for FileKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The longest `--by` name, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// Why a case command did nothing. Each message is one line meant for the operator; none
/// contains anything decrypted (the server cannot decrypt) or the file's contents.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CaseError {
    #[error("there is no case {0}")]
    NoCase(i64),
    #[error("cannot read the {kind} file {}: {error}", path.display())]
    ReadFile {
        kind: FileKind,
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(
        "{} is not a Kentongan {kind} file; make one with {}",
        path.display(),
        kind.make_from("BUNDLE")
    )]
    NotFile { kind: FileKind, path: PathBuf },
    #[error(
        "{} is a case bundle, not a {kind} file; make a {kind} from it with {}",
        path.display(),
        kind.make_from(&path.display().to_string())
    )]
    BundleNotFile { kind: FileKind, path: PathBuf },
    #[error(
        "{} is a {found} file, not a {kind} file; import it with {}",
        path.display(),
        found.import()
    )]
    OtherFile {
        kind: FileKind,
        found: FileKind,
        path: PathBuf,
    },
    #[error(
        "{} is a {kind} file of format {format:?}, which this server does not read \
         (it reads {:?})",
        path.display(),
        kind.format()
    )]
    FileFormat {
        kind: FileKind,
        path: PathBuf,
        format: String,
    },
    #[error(
        "{} is damaged ({why}); copy it again from the machine it was written on",
        path.display()
    )]
    Damaged { path: PathBuf, why: String },
    #[error(
        "this {kind} was made for case {made_for}, not for case {case}; \
         make the {kind} from case {case}'s bundle"
    )]
    WrongCase {
        kind: FileKind,
        made_for: i64,
        case: i64,
    },
    #[error(
        "this {kind} names case {case} but was made with other keys than case {case}'s: \
         it was made from a bundle of another server or was edited; \
         export the case again and make the {kind} from that bundle"
    )]
    WrongKey { kind: FileKind, case: i64 },
    #[error(
        "this {kind} is already in case {case} (item {item}); \
         to say more, write a new {kind} with kentongan-keytool"
    )]
    AlreadyImported {
        kind: FileKind,
        case: i64,
        item: i64,
    },
    #[error(
        "the grant is for the key {fingerprint}, which is not a registered investigator; \
         register it first (kentongan investigator add --name NAME --recipient age1…)"
    )]
    NotInvestigator { fingerprint: String },
    #[error(
        "investigator {id} is disabled; a disabled investigator is given no access \
         (the grant was not added)"
    )]
    InvestigatorDisabled { id: i64 },
    #[error("investigator {id} can already open case {case}; nothing to grant")]
    AlreadyHolds { id: i64, case: i64 },
    #[error(transparent)]
    UnknownStage(#[from] ParseStageError),
    #[error(transparent)]
    Move(#[from] MoveError),
    #[error(
        "moving to `{to}` needs a message to the reporter ({why}): write it with \
         `kentongan-keytool reply BUNDLE --message-file FILE --out REPLY`, then pass \
         `--reply REPLY`"
    )]
    NeedsReason { to: Stage, why: &'static str },
    #[error(
        "--by must name who moves the case, in 1 to {MAX_NAME_CHARS} characters \
         without control characters"
    )]
    BadName,
    #[error(
        "case {id} changed meanwhile (it is no longer in `{from}`); \
         list the cases and try again"
    )]
    Conflict { id: i64, from: Stage },
    #[error("case {id} has an unknown stage {stage:?} in the database")]
    CorruptStage { id: i64, stage: String },
    #[error(transparent)]
    Store(StoreError),
}

type Result<T, E = CaseError> = std::result::Result<T, E>;

/// Reads a file the keytool made, up to [`MAX_REPLY_FILE`] bytes.
fn read_file(kind: FileKind, path: &Path) -> Result<Vec<u8>> {
    let read_error = |error| CaseError::ReadFile {
        kind,
        path: path.to_owned(),
        error,
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let mut bytes = Vec::new();
    file.take(MAX_REPLY_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_REPLY_FILE {
        return Err(CaseError::NotFile {
            kind,
            path: path.to_owned(),
        });
    }
    Ok(bytes)
}

/// Reads and checks a reply file: everything that needs neither the database nor a key
/// (size, format, checksum, the ciphertext's shape).
pub fn read_reply(path: &Path) -> Result<Reply> {
    let bytes = read_file(FileKind::Reply, path)?;
    Reply::parse(&bytes).map_err(|error| file_error(FileKind::Reply, path, error))
}

/// Reads and checks a note file, as [`read_reply`] does a reply file.
pub fn read_note(path: &Path) -> Result<Note> {
    let bytes = read_file(FileKind::Note, path)?;
    Note::parse(&bytes).map_err(|error| file_error(FileKind::Note, path, error))
}

/// A file of another format than `kind`'s: a bundle, the other kind, or another version.
fn format_error(kind: FileKind, path: &Path, format: String) -> CaseError {
    let path = path.to_owned();
    if format.starts_with("kentongan-case-bundle/") {
        return CaseError::BundleNotFile { kind, path };
    }
    match FileKind::of_format(&format) {
        Some(found) if found == kind => CaseError::FileFormat {
            kind,
            // Whatever the file says, shown escaped and cut short.
            format: format.chars().take(60).collect(),
            path,
        },
        Some(found) => CaseError::OtherFile { kind, found, path },
        None => CaseError::NotFile { kind, path },
    }
}

fn file_error(kind: FileKind, path: &Path, error: ReplyError) -> CaseError {
    match error {
        ReplyError::Format(format) => format_error(kind, path, format),
        ReplyError::Checksum => CaseError::Damaged {
            path: path.to_owned(),
            why: "its ciphertext does not match its checksum".into(),
        },
        ReplyError::Shape(shape) => CaseError::Damaged {
            path: path.to_owned(),
            why: shape.to_string(),
        },
        ReplyError::WrongCase { made_for, case } => CaseError::WrongCase {
            kind,
            made_for,
            case,
        },
        // `NotReply`, and whatever a later version of the crate adds.
        _ => CaseError::NotFile {
            kind,
            path: path.to_owned(),
        },
    }
}

/// Adds a reply to case `id` as a message from the investigators, recorded in the audit log
/// as done by `actor`. Returns the item id.
pub async fn import_reply(
    store: &dyn Store,
    id: i64,
    reply: &Reply,
    today: Date,
    actor: &str,
) -> Result<i64> {
    let case = load(store, id).await?;
    check_reply_for(&case, reply)?;
    let audit = AuditEvent::new(actor, Action::CaseReply).case(id);
    add_item(
        store,
        id,
        ItemKind::InvestigatorMessage,
        &reply.ciphertext,
        today,
        &audit,
    )
    .await
}

/// Adds an internal note to case `id`, after the same checks as a reply, against the case's
/// notes key. Returns the item id. The reporter is never sent it ([`ItemKind::for_reporter`]).
pub async fn import_note(
    store: &dyn Store,
    id: i64,
    note: &Note,
    today: Date,
    actor: &str,
) -> Result<i64> {
    let case = load(store, id).await?;
    note.check_for(case.id, &case.notes_recipient)
        .map_err(|error| wrong_case(FileKind::Note, &case, error))?;
    not_imported(FileKind::Note, &case, &note.ciphertext)?;
    let audit = AuditEvent::new(actor, Action::CaseNote).case(id);
    add_item(store, id, ItemKind::Note, &note.ciphertext, today, &audit).await
}

async fn add_item(
    store: &dyn Store,
    id: i64,
    kind: ItemKind,
    ciphertext: &Ciphertext,
    today: Date,
    audit: &AuditEvent,
) -> Result<i64> {
    store
        .add_item(id, kind, ciphertext.clone(), today, Some(audit))
        .await
        .map_err(|error| match error {
            StoreError::NotFound => CaseError::NoCase(id),
            other => CaseError::Store(other),
        })
}

/// A move that was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moved {
    pub from: Stage,
    pub to: Stage,
}

/// Moves case `id` to `to`, with `reply` (if any) as the message to the reporter, recording
/// `by` as who moved it in the case's history and `actor` in the audit log. Refuses a move the
/// workflow does not allow, a side exit without a message, and a reply made for another case,
/// all before writing.
pub async fn move_case(
    store: &dyn Store,
    id: i64,
    to: Stage,
    by: &str,
    reply: Option<&Reply>,
    today: Date,
    actor: &str,
) -> Result<Moved> {
    let by = check_name(by)?;
    let case = load(store, id).await?;
    let from: Stage = case.stage.parse().map_err(|_| CaseError::CorruptStage {
        id,
        stage: case.stage.clone(),
    })?;
    from.check_move(to)?;
    if reply.is_none() {
        if let Some(why) = reason_needed(to) {
            return Err(CaseError::NeedsReason { to, why });
        }
    }
    if let Some(reply) = reply {
        check_reply_for(&case, reply)?;
    }
    let message = reply.map(|reply| reply.ciphertext.clone());
    let audit = AuditEvent::new(actor, Action::CaseMove)
        .case(id)
        .detail("from", from.slug())
        .detail("to", to.slug())
        .detail("by", by);
    match store
        .move_case(id, from.slug(), to.slug(), by, today, message, &audit)
        .await
    {
        Ok(()) => Ok(Moved { from, to }),
        Err(StoreError::NotFound) => Err(CaseError::NoCase(id)),
        Err(StoreError::Conflict) => Err(CaseError::Conflict { id, from }),
        Err(other) => Err(CaseError::Store(other)),
    }
}

/// What the reporter must be told when a case moves to `to`, if anything.
fn reason_needed(to: Stage) -> Option<&'static str> {
    if !to.requires_reason() {
        return None;
    }
    Some(match to {
        Stage::Dialihkan => "to whom the report was forwarded, and why",
        _ => "why the report cannot be acted on",
    })
}

/// `by`, trimmed, if it is a name that can be recorded.
pub fn check_name(by: &str) -> Result<&str> {
    let by = by.trim();
    let chars = by.chars().count();
    if chars == 0 || chars > MAX_NAME_CHARS || by.chars().any(char::is_control) {
        return Err(CaseError::BadName);
    }
    Ok(by)
}

/// One line of `kentongan case list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedCase {
    pub id: i64,
    pub created_on: Date,
    pub stage: Stage,
    /// Whole days since the report arrived.
    pub age_days: i64,
    pub due: Due,
}

/// Every case with its stage, age and deadline as of `today`, by id.
pub async fn list(
    store: &dyn Store,
    today: Date,
    deadlines: &Deadlines,
) -> Result<Vec<ListedCase>> {
    store
        .case_summaries()
        .await
        .map_err(CaseError::Store)?
        .into_iter()
        .map(|case| listed(case, today, deadlines))
        .collect()
}

fn listed(case: CaseSummary, today: Date, deadlines: &Deadlines) -> Result<ListedCase> {
    let stage: Stage = case.stage.parse().map_err(|_| CaseError::CorruptStage {
        id: case.id,
        stage: case.stage.clone(),
    })?;
    Ok(ListedCase {
        id: case.id,
        created_on: case.created_on,
        stage,
        age_days: (today - case.created_on).whole_days(),
        due: workflow::due(
            stage,
            case.created_on,
            case.acknowledged_on,
            today,
            deadlines,
        ),
    })
}

pub(crate) async fn load(store: &dyn Store, id: i64) -> Result<StoredCase> {
    store.case(id).await.map_err(|error| match error {
        StoreError::NotFound => CaseError::NoCase(id),
        other => CaseError::Store(other),
    })
}

/// The reply was made for this case, with this case's key, and is not in it already.
fn check_reply_for(case: &StoredCase, reply: &Reply) -> Result<()> {
    reply
        .check_for(case.id, &case.case_recipient)
        .map_err(|error| wrong_case(FileKind::Reply, case, error))?;
    not_imported(FileKind::Reply, case, &reply.ciphertext)
}

/// A file's check against the case failed: another case's number, or this number with
/// another key.
fn wrong_case(kind: FileKind, case: &StoredCase, error: ReplyError) -> CaseError {
    match error {
        ReplyError::WrongCase { made_for, .. } if made_for != case.id => CaseError::WrongCase {
            kind,
            made_for,
            case: case.id,
        },
        // The right number with another key.
        _ => CaseError::WrongKey {
            kind,
            case: case.id,
        },
    }
}

/// The same file imported twice (age ciphertext is randomised, so equal bytes are one file).
fn not_imported(kind: FileKind, case: &StoredCase, ciphertext: &Ciphertext) -> Result<()> {
    match case
        .items
        .iter()
        .find(|item| item.ciphertext.as_bytes() == ciphertext.as_bytes())
    {
        Some(item) => Err(CaseError::AlreadyImported {
            kind,
            case: case.id,
            item: item.id,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests;
