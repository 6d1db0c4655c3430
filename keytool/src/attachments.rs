//! Decrypting a case's attachments into `OUT/attachments/`.
//!
//! Each attachment is an age file beside the bundle (`attachments/ID.age`, as
//! `kentongan export` writes it), streamed through [`Opener`] into a new file, so a large
//! video never sits whole in memory. The file gets the attachment's original name made safe
//! ([`sanitize_file_name`]), numbered when two share a name.
//!
//! An attachment that is missing, refused or does not open is recorded, not fatal: the
//! report and the conversation are still worth reading, and the summary says what happened
//! to each file. Only a failure to write (a full disk) stops everything, as for the other
//! outputs.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io;
use std::path::Path;

use anyhow::{Result, anyhow};
use kentongan_crypto::attachment::{
    AttachmentHeader, Opener, numbered_file_name, sanitize_file_name,
};
use kentongan_crypto::bundle::{AttachmentRef, Bundle};
use kentongan_crypto::keys::Identity;

use crate::output;

/// The directory, inside the output, that attachments are written to.
pub const DIR: &str = "attachments";

/// What became of one attachment of an item.
#[derive(Debug)]
pub struct OpenedAttachment {
    /// The attachment's number on the server.
    pub id: i64,
    /// The decrypted file, or why there is none.
    pub outcome: std::result::Result<Saved, Problem>,
}

/// An attachment written to disk.
#[derive(Debug)]
pub struct Saved {
    /// The decrypted header: original name, type, size, metadata removed.
    pub header: AttachmentHeader,
    /// Where it was written, relative to the output directory (`attachments/…`).
    pub path: String,
}

/// Why an attachment was not written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// Its file is not beside the bundle (copied without the `attachments` directory?).
    Missing,
    /// The bundle names another path than `attachments/ID.age`: not followed.
    BadPath,
    /// It does not open with the case key, or is damaged (including cut short).
    DoesNotDecrypt,
}

impl Problem {
    /// A stable name, for `case.json`.
    pub fn slug(self) -> &'static str {
        match self {
            Problem::Missing => "missing",
            Problem::BadPath => "bad-path",
            Problem::DoesNotDecrypt => "does-not-decrypt",
        }
    }

    /// What happened, in English, for warnings on the terminal.
    pub fn reason(self) -> &'static str {
        match self {
            Problem::Missing => "its file is missing",
            Problem::BadPath => "the bundle names an unexpected path for it, which was not opened",
            Problem::DoesNotDecrypt => "it does not decrypt: damaged, or encrypted to another key",
        }
    }
}

/// Decrypts every attachment of `bundle` (files relative to `bundle_dir`) with the case key
/// into `out_dir/attachments/`, which is created only if there is at least one. Returns, per
/// item id, what became of each of its attachments, in the bundle's order.
pub fn open_all(
    bundle: &Bundle,
    bundle_dir: &Path,
    case_key: &Identity,
    out_dir: &Path,
) -> Result<Vec<(i64, Vec<OpenedAttachment>)>> {
    let mut opened = Vec::new();
    let mut used = HashSet::new();
    let dir = out_dir.join(DIR);
    for item in bundle.items.iter().filter(|i| !i.attachments.is_empty()) {
        if used.is_empty() && !dir.exists() {
            output::create_private_dir(&dir)?;
        }
        let mut of_item = Vec::with_capacity(item.attachments.len());
        for reference in &item.attachments {
            let outcome = open_one(reference, bundle_dir, case_key, &dir, &mut used)?;
            of_item.push(OpenedAttachment {
                id: reference.id,
                outcome,
            });
        }
        opened.push((item.id, of_item));
    }
    Ok(opened)
}

/// One attachment: `Ok(Err(problem))` for what the summary reports, `Err` only when the
/// output cannot be written.
fn open_one(
    reference: &AttachmentRef,
    bundle_dir: &Path,
    case_key: &Identity,
    dir: &Path,
    used: &mut HashSet<String>,
) -> Result<std::result::Result<Saved, Problem>> {
    if !reference.is_safe_path() {
        return Ok(Err(Problem::BadPath));
    }
    let source = bundle_dir.join(&reference.file);
    let file = match File::open(&source) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Err(Problem::Missing)),
        Err(e) => return Err(anyhow!("cannot read {}: {e}", source.display())),
    };
    let Ok(mut opener) = Opener::new(case_key, file) else {
        return Ok(Err(Problem::DoesNotDecrypt));
    };
    let header = opener.header().clone();
    let name = unique_name(&sanitize_file_name(&header.name), used);
    let target = dir.join(&name);
    let mut out = output::create_private(&target)?;
    match io::copy(&mut opener, &mut out) {
        Ok(_) => {
            out.sync_all()
                .map_err(|e| anyhow!("cannot write {}: {e}", target.display()))?;
            Ok(Ok(Saved {
                header,
                path: format!("{DIR}/{name}"),
            }))
        }
        // Decryption errors come as InvalidData from the opener; anything else is the disk.
        Err(e) if e.kind() == io::ErrorKind::InvalidData => {
            drop(out);
            // What was written came from authenticated chunks but is not the whole file:
            // it must not be mistaken for the attachment.
            fs::remove_file(&target)
                .map_err(|e| anyhow!("cannot remove the partial {}: {e}", target.display()))?;
            used.remove(&name.to_lowercase());
            Ok(Err(Problem::DoesNotDecrypt))
        }
        Err(e) => Err(anyhow!("cannot write {}: {e}", target.display())),
    }
}

/// `name`, or "name (2).ext", "name (3).ext", … whichever is not taken yet. Names are compared
/// in lower case, since Windows and macOS file systems usually ignore case.
fn unique_name(name: &str, used: &mut HashSet<String>) -> String {
    let mut candidate = name.to_owned();
    let mut n = 1u32;
    while !used.insert(candidate.to_lowercase()) {
        n += 1;
        candidate = numbered_file_name(name, n);
    }
    candidate
}
