//! The operator's case commands (`kentongan case list | reply | note | grant | move | assign |
//! classify`): every check and the store calls, without printing, so tests drive them
//! in-process. `main.rs` parses arguments and prints.
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
use crate::categories::{Categories, Category};
use crate::store::{
    AssigneeFilter, CaseList, CaseQuery, CaseSort, ClassificationFilter, DueFilter, Store,
    StoreError, StoredCase,
};
use crate::workflow::{Deadlines, MoveError, ParseStageError, Stage};

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
         `kentongan-keytool reply BUNDLE -i KEY --message-file FILE --out REPLY`, then pass \
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
    #[error("unknown category {given:?}; the office's categories are: {valid}, or none")]
    UnknownCategory { given: String, valid: String },
    #[error(
        "{what} takes an investigator id (see `kentongan investigator list`) or `none`, not {given:?}"
    )]
    BadInvestigator { what: &'static str, given: String },
    #[error("there is no active investigator {0}; see `kentongan investigator list`")]
    NoActiveInvestigator(i64),
    #[error("unknown order {0:?}; the orders are: newest, oldest, activity, due")]
    UnknownSort(String),
    #[error("--page counts from 1")]
    BadPage,
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

/// What `kentongan case list` was asked for, as typed.
#[derive(Debug, Clone, Default)]
pub struct ListArgs {
    pub stage: Option<String>,
    /// An investigator id, or `none`.
    pub assignee: Option<String>,
    /// A category slug, or `none`.
    pub category: Option<String>,
    pub overdue: bool,
    /// Due today or within this many working days (and not overdue).
    pub due_within: Option<u32>,
    /// newest, oldest, activity or due; oldest unless given (the order the list always had).
    pub sort: Option<String>,
    /// From 1.
    pub page: u32,
    /// Rows per page; cut to [`crate::store::list::MAX_PAGE`].
    pub limit: u32,
}

/// The store query for `kentongan case list`: every argument checked before the database is
/// asked.
pub fn case_query(
    args: &ListArgs,
    categories: &Categories,
    today: Date,
    deadlines: &Deadlines,
) -> Result<CaseQuery> {
    let mut query = CaseQuery::new(today, *deadlines);
    query.stage = args.stage.as_deref().map(str::parse).transpose()?;
    query.assignee = args
        .assignee
        .as_deref()
        .map(|given| {
            Ok::<_, CaseError>(match investigator_or_none("--assignee", given)? {
                Some(id) => AssigneeFilter::To(id),
                None => AssigneeFilter::Nobody,
            })
        })
        .transpose()?;
    query.classification = args
        .category
        .as_deref()
        .map(|given| {
            Ok::<_, CaseError>(match category_or_none(categories, given)? {
                Some(category) => ClassificationFilter::As(category.slug.clone()),
                None => ClassificationFilter::Unclassified,
            })
        })
        .transpose()?;
    query.due = match (args.overdue, args.due_within) {
        (true, _) => Some(DueFilter::Overdue),
        (false, Some(working_days)) => Some(DueFilter::DueSoon { working_days }),
        (false, None) => None,
    };
    query.sort = match args.sort.as_deref().map(str::trim) {
        None | Some("oldest") => CaseSort::Oldest,
        Some("newest") => CaseSort::Newest,
        Some("activity") => CaseSort::LastActivity,
        Some("due") => CaseSort::Due,
        Some(other) => return Err(CaseError::UnknownSort(other.chars().take(40).collect())),
    };
    query.limit = args.limit.clamp(1, crate::store::list::MAX_PAGE);
    let page = args.page.checked_sub(1).ok_or(CaseError::BadPage)?;
    query.offset = page.saturating_mul(query.limit);
    Ok(query)
}

/// A page of the case list.
pub async fn list(store: &dyn Store, query: &CaseQuery) -> Result<CaseList> {
    store.list_cases(query).await.map_err(CaseError::Store)
}

/// An investigator id, or `None` for `none`.
pub fn investigator_or_none(what: &'static str, given: &str) -> Result<Option<i64>> {
    let trimmed = given.trim();
    if trimmed.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    trimmed
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(Some)
        .ok_or_else(|| CaseError::BadInvestigator {
            what,
            given: given.chars().take(40).collect(),
        })
}

/// One of the office's categories by slug (any ASCII case), or `None` for `none`.
pub fn category_or_none<'c>(
    categories: &'c Categories,
    given: &str,
) -> Result<Option<&'c Category>> {
    let slug = given.trim().to_ascii_lowercase();
    if slug == "none" {
        return Ok(None);
    }
    categories
        .get(&slug)
        .map(Some)
        .ok_or_else(|| CaseError::UnknownCategory {
            given: given.chars().take(40).collect(),
            valid: categories.slugs(),
        })
}

/// Assigns case `id` to an investigator, or to nobody.
pub async fn assign(store: &dyn Store, id: i64, to: Option<i64>, actor: &str) -> Result<()> {
    let audit = AuditEvent::new(actor, Action::CaseAssign)
        .case(id)
        .detail("investigator", to);
    store
        .assign(id, to, &audit)
        .await
        .map_err(|error| match error {
            StoreError::NotFound => CaseError::NoCase(id),
            StoreError::NoActiveInvestigator => {
                CaseError::NoActiveInvestigator(to.unwrap_or_default())
            }
            other => CaseError::Store(other),
        })
}

/// Classifies case `id` with one of the office's categories (by slug, or `none` to clear).
/// Returns the category set.
pub async fn classify<'c>(
    store: &dyn Store,
    categories: &'c Categories,
    id: i64,
    given: &str,
    actor: &str,
) -> Result<Option<&'c Category>> {
    let category = category_or_none(categories, given)?;
    let slug = category.map(|category| category.slug.as_str());
    let audit = AuditEvent::new(actor, Action::CaseClassify)
        .case(id)
        .detail("category", slug);
    store
        .classify(id, slug, &audit)
        .await
        .map_err(|error| match error {
            StoreError::NotFound => CaseError::NoCase(id),
            other => CaseError::Store(other),
        })?;
    Ok(category)
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
