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
use std::fmt;
use std::fs::{self, File};
use std::io;
use std::path::Path;

use anyhow::{Result, anyhow};
use kentongan_crypto::attachment::{
    AttachmentHeader, Opener, numbered_file_name, sanitize_file_name,
};
use kentongan_crypto::bundle::{AttachmentRef, Bundle};
use kentongan_crypto::keys::Identity;
use serde::Serialize;

use crate::{output, render};

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

/// An attachment in `case.json`: the decrypted header and where the file was written, or
/// what went wrong. The original name is kept exactly (JSON escapes it); `saved_as` is the
/// name on disk.
#[derive(Serialize)]
pub struct AttachmentJson<'a> {
    id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    media_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cleaned: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    saved_as: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<&'static str>,
}

impl<'a> From<&'a OpenedAttachment> for AttachmentJson<'a> {
    fn from(a: &'a OpenedAttachment) -> Self {
        let mut json = AttachmentJson {
            id: a.id,
            name: None,
            media_type: None,
            size: None,
            cleaned: None,
            saved_as: None,
            problem: None,
        };
        match &a.outcome {
            Ok(saved) => {
                json.name = Some(&saved.header.name);
                json.media_type = Some(&saved.header.media_type);
                json.size = Some(saved.header.size);
                json.cleaned = Some(&saved.header.cleaned);
                json.saved_as = Some(&saved.path);
            }
            Err(problem) => json.problem = Some(problem.slug()),
        }
        json
    }
}

/// The list of an item's attachments in `report.txt` and `conversation.txt`: name, where it
/// was written, size, type, and what metadata was removed before it was sealed; or what
/// went wrong. Names are shown escaped like all text ([`render::put`]).
pub fn summary(out: &mut dyn fmt::Write, indent: &str, list: &[OpenedAttachment]) -> fmt::Result {
    if list.is_empty() {
        return Ok(());
    }
    writeln!(out, "{indent}Lampiran (attachments):")?;
    for attachment in list {
        write!(out, "{indent}- ")?;
        let saved = match &attachment.outcome {
            Ok(saved) => saved,
            Err(problem) => {
                problem_line(out, attachment.id, *problem)?;
                continue;
            }
        };
        let h = &saved.header;
        render::put(out, &h.name)?;
        out.write_str(" → ")?;
        render::put(out, &saved.path)?;
        write!(out, ", {}", human_size(h.size))?;
        if !h.media_type.is_empty() {
            out.write_str(", ")?;
            render::put(out, &h.media_type)?;
        }
        writeln!(out)?;
        write!(out, "{indent}  metadata dihapus (removed): ")?;
        if h.cleaned.is_empty() {
            out.write_str("tidak ada (none)")?;
        }
        for (i, slug) in h.cleaned.iter().enumerate() {
            if i > 0 {
                out.write_str(", ")?;
            }
            match slug_text(slug) {
                Some(text) => out.write_str(text)?,
                None => render::put(out, slug)?,
            }
        }
        writeln!(out)?;
    }
    Ok(())
}

fn problem_line(out: &mut dyn fmt::Write, id: i64, problem: Problem) -> fmt::Result {
    let text = match problem {
        Problem::Missing => {
            "TIDAK ADA: berkasnya tidak ada di samping bundel \
             (MISSING: its file is not beside the bundle)"
        }
        Problem::BadPath => {
            "DITOLAK: bundel menyebut lokasi yang tidak wajar \
             (REFUSED: the bundle names an unexpected path)"
        }
        Problem::DoesNotDecrypt => {
            "TIDAK DAPAT DIBUKA: rusak atau dienkripsi dengan kunci lain \
             (COULD NOT BE OPENED: damaged, or encrypted to another key)"
        }
    };
    writeln!(out, "lampiran (attachment) {id}: {text}")
}

/// The words for a `cleaned` slug (`metadata::Removed::slugs`).
fn slug_text(slug: &str) -> Option<&'static str> {
    Some(match slug {
        "gps" => "lokasi GPS (GPS position)",
        "camera" => "data kamera (camera details)",
        "time" => "waktu pengambilan (time taken)",
        "xmp" => "data XMP (XMP data)",
        "comment" => "komentar (comment)",
        "iptc" => "data IPTC (IPTC data)",
        "text" => "teks tersemat (embedded text)",
        "appended-data" => "data tambahan (appended data)",
        "other" => "lainnya (other)",
        _ => return None,
    })
}

/// `1234567` → "1.2 MB (1234567 bytes)": the rounded size for people, the exact one for
/// checking.
fn human_size(bytes: u64) -> String {
    if bytes < 1000 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = "KB";
    for next in ["MB", "GB", "TB"] {
        if value < 1000.0 {
            break;
        }
        value /= 1000.0;
        unit = next;
    }
    format!("{value:.1} {unit} ({bytes} bytes)")
}
