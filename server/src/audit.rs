//! The audit log: who did what, for every investigator and operator action, as a hash chain
//! that `kentongan audit verify` checks.
//!
//! Each entry's hash covers its own fields and the previous entry's hash, so editing,
//! removing or reordering an entry breaks the chain at that entry. The chain holds no secret
//! (the server could not keep one from its own operator): someone who can write the database
//! can rebuild the chain from an edited entry on, and cutting entries off the end leaves a
//! shorter chain that is still whole. Both show only against a head (count and hash) that
//! the office recorded somewhere else, which `verify --anchor` checks.
//!
//! Only investigators' and operators' own actions are recorded, never a reporter's (a new
//! report or a reporter's message is not an entry): the time of day in each entry is the
//! time an investigator or operator acted. The detail is small plaintext JSON about the
//! action (stages, ids, an investigator's name and key), never what anyone wrote.
//!
//! An entry is written by the store in the same transaction as the action it records, so an
//! action never lands without its entry; the stores serialise appends so the chain never
//! forks.

use std::fmt;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// The first label hashed into every entry: the chain's format, so a hash of this chain is
/// never the hash of anything else.
pub const DOMAIN: &[u8] = b"kentongan-audit/1";

/// The `prev_hash` of the first entry.
pub const GENESIS: [u8; 32] = [0; 32];

/// What is done, as a stable slug stored in each entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    InvestigatorAdd,
    InvestigatorDisable,
    /// A message from the investigators to the reporter.
    CaseReply,
    CaseMove,
    /// One case written as a bundle.
    CaseExport,
    /// Every case written as bundles (one entry, not one per case).
    CaseExportAll,
    /// An internal note (investigators only).
    CaseNote,
    /// Access to a case for one more investigator (a key envelope added).
    CaseGrant,
    /// The investigator a case is assigned to.
    CaseAssign,
    /// The office's category of a case.
    CaseClassify,
    /// A login to the workspace (by key; `"totp": true` in the detail when a second-factor
    /// code was given too).
    Login,
    /// An attachment's ciphertext downloaded in the workspace.
    AttachmentDownload,
    /// An investigator turned on their second factor (TOTP). Never the secret.
    TotpEnable,
    /// An investigator turned off their own second factor.
    TotpDisable,
    /// An admin or operator removed a colleague's second factor (a lost phone).
    TotpReset,
    /// The second factor made mandatory for the whole team, or optional again.
    TotpRequired,
    /// A colleague given the admin role or relieved of it.
    InvestigatorRole,
}

impl Action {
    pub fn slug(self) -> &'static str {
        match self {
            Action::InvestigatorAdd => "investigator-add",
            Action::InvestigatorDisable => "investigator-disable",
            Action::CaseReply => "case-reply",
            Action::CaseMove => "case-move",
            Action::CaseExport => "case-export",
            Action::CaseExportAll => "case-export-all",
            Action::CaseNote => "case-note",
            Action::CaseGrant => "case-grant",
            Action::CaseAssign => "case-assign",
            Action::CaseClassify => "case-classify",
            Action::Login => "login",
            Action::AttachmentDownload => "attachment-download",
            Action::TotpEnable => "totp-enable",
            Action::TotpDisable => "totp-disable",
            Action::TotpReset => "totp-reset",
            Action::TotpRequired => "totp-required",
            Action::InvestigatorRole => "investigator-role",
        }
    }
}

/// The actor of a command-line action: `operator:NAME`.
pub fn operator(name: &str) -> String {
    format!("operator:{name}")
}

/// The actor of an investigator's action in the browser: `investigator:ID:NAME` (the id, as
/// names need not be unique).
pub fn investigator(id: i64, name: &str) -> String {
    format!("investigator:{id}:{name}")
}

/// An action to record, as the caller knows it. The store adds what only it knows (the
/// sequence number, the time, the hashes, and ids it creates: see each `Store` method).
///
/// `AuditEvent::new(audit::operator("budi"), Action::CaseMove).case(7).detail("to", "selesai")`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEvent {
    pub actor: String,
    pub action: Action,
    pub case: Option<i64>,
    pub detail: Map<String, Value>,
}

impl AuditEvent {
    pub fn new(actor: impl Into<String>, action: Action) -> Self {
        Self {
            actor: actor.into(),
            action,
            case: None,
            detail: Map::new(),
        }
    }

    /// The case the action concerns.
    pub fn case(mut self, id: i64) -> Self {
        self.case = Some(id);
        self
    }

    /// One key of the detail. Never reporter content: stages, ids, names of team members.
    pub fn detail(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.detail.insert(key.to_owned(), value.into());
        self
    }
}

/// One entry as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// 1, 2, 3…: no gaps.
    pub seq: i64,
    /// UTC, whole seconds.
    pub at: OffsetDateTime,
    pub actor: String,
    pub action: String,
    pub case: Option<i64>,
    /// JSON text, hashed byte for byte as stored.
    pub detail: String,
    pub prev_hash: [u8; 32],
    pub hash: [u8; 32],
}

impl AuditEntry {
    /// The entry that follows `head` (the last entry's seq and hash; `None` for an empty log),
    /// recording `event` at `at` (cut to the second).
    pub fn next(head: Option<(i64, [u8; 32])>, event: &AuditEvent, at: OffsetDateTime) -> Self {
        let (seq, prev_hash) = match head {
            Some((seq, hash)) => (seq.saturating_add(1), hash),
            None => (1, GENESIS),
        };
        let at = at.to_offset(time::UtcOffset::UTC);
        let at = at.replace_nanosecond(0).unwrap_or(at);
        let mut entry = Self {
            seq,
            at,
            actor: event.actor.clone(),
            action: event.action.slug().to_owned(),
            case: event.case,
            detail: Value::Object(event.detail.clone()).to_string(),
            prev_hash,
            hash: [0; 32],
        };
        entry.hash = entry.computed_hash();
        entry
    }

    /// SHA-256 over the domain label and every field but `hash`, each length-prefixed (u64,
    /// big-endian) so that no two different entries encode alike: `seq` and `at` (Unix
    /// seconds) as 8 bytes big-endian, the case as a presence byte and 8 bytes, text as its
    /// UTF-8 bytes.
    pub fn computed_hash(&self) -> [u8; 32] {
        let case = match self.case {
            Some(id) => [&[1u8][..], &id.to_be_bytes()].concat(),
            None => vec![0u8],
        };
        let fields: [&[u8]; 8] = [
            DOMAIN,
            &self.seq.to_be_bytes(),
            &self.at.unix_timestamp().to_be_bytes(),
            self.actor.as_bytes(),
            self.action.as_bytes(),
            &case,
            self.detail.as_bytes(),
            &self.prev_hash,
        ];
        let mut hasher = Sha256::new();
        for field in fields {
            hasher.update((field.len() as u64).to_be_bytes());
            hasher.update(field);
        }
        hasher.finalize().into()
    }
}

/// A whole chain: how many entries, and the last one's hash ([`GENESIS`] when empty).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Intact {
    pub count: i64,
    pub head: [u8; 32],
}

/// The first entry that breaks the chain, and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Broken {
    pub seq: i64,
    pub why: Breach,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Breach {
    /// No entry has this seq, but later ones exist: removed.
    Missing,
    /// Seqs are out of order or repeated.
    OutOfOrder,
    /// The entry links to another entry of the log than the one before it: entries were
    /// moved.
    Reordered,
    /// The entry links to no entry of the log: the one before it was replaced or removed
    /// (and the rest renumbered).
    BadLink,
    /// The entry's hash does not match its fields: it was edited.
    Edited,
    /// Checked against `--anchor`: the log has fewer entries than the anchor names.
    Truncated,
    /// Checked against `--anchor`: the entry there has another hash.
    NotAnchor,
}

impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seq = self.seq;
        match self.why {
            Breach::Missing => write!(f, "entry {seq} is missing (removed)"),
            Breach::OutOfOrder => write!(f, "entry {seq} is out of order or repeated"),
            Breach::Reordered => write!(f, "entry {seq} was moved: it follows another entry"),
            Breach::BadLink => write!(
                f,
                "entry {seq} does not follow the entry before it (that one was replaced, or \
                 entries were removed and renumbered)"
            ),
            Breach::Edited => write!(f, "entry {seq} was edited: its hash does not match it"),
            Breach::Truncated => write!(
                f,
                "entry {seq} is missing: the log ends before the recorded head (entries were \
                 cut off its end)"
            ),
            Breach::NotAnchor => write!(
                f,
                "entry {seq} is not the one recorded: the log was rewritten up to there"
            ),
        }
    }
}

/// Checks a whole log, read in seq order: every seq from 1 with no gap, each entry linked to
/// the one before, each hash matching its entry. Cannot see entries cut off the end.
pub fn verify(entries: &[AuditEntry]) -> Result<Intact, Broken> {
    let known: std::collections::HashSet<[u8; 32]> = entries.iter().map(|e| e.hash).collect();
    let mut prev = GENESIS;
    let mut expected: i64 = 1;
    for entry in entries {
        let broken = |why| Err(Broken { seq: expected, why });
        if entry.seq > expected {
            return broken(Breach::Missing);
        }
        if entry.seq < expected {
            return Err(Broken {
                seq: entry.seq,
                why: Breach::OutOfOrder,
            });
        }
        if entry.prev_hash != prev {
            return broken(if known.contains(&entry.prev_hash) {
                Breach::Reordered
            } else {
                Breach::BadLink
            });
        }
        if entry.computed_hash() != entry.hash {
            return broken(Breach::Edited);
        }
        prev = entry.hash;
        expected = expected.saturating_add(1);
    }
    Ok(Intact {
        count: expected.saturating_sub(1),
        head: prev,
    })
}

/// [`verify`], then that entry `seq` has `hash`: a head recorded earlier, which catches
/// entries cut off the end and a chain rebuilt up to it.
pub fn verify_anchored(
    entries: &[AuditEntry],
    anchor: Option<(i64, [u8; 32])>,
) -> Result<Intact, Broken> {
    let intact = verify(entries)?;
    if let Some((seq, hash)) = anchor {
        // `verify` passed, so entry n is at index n - 1.
        let at = usize::try_from(seq.saturating_sub(1)).ok();
        match at.and_then(|i| entries.get(i)) {
            _ if seq < 1 => {
                return Err(Broken {
                    seq,
                    why: Breach::NotAnchor,
                });
            }
            None => {
                return Err(Broken {
                    seq: intact.count.saturating_add(1),
                    why: Breach::Truncated,
                });
            }
            Some(entry) if entry.hash != hash => {
                return Err(Broken {
                    seq,
                    why: Breach::NotAnchor,
                });
            }
            Some(_) => {}
        }
    }
    Ok(intact)
}

#[cfg(test)]
mod tests;
