//! Writing a reply or an internal note offline: a message encrypted to one of a case's keys,
//! in a file the operator imports with `kentongan case reply` (or `case move --reply`) or
//! `kentongan case note`.
//!
//! A reply is encrypted to the case key (the reporter reads it), a note to the notes key
//! (only investigators read it), and both are signed with the case's team key, which the
//! notes key derives: so writing one opens the investigator's envelope in the bundle with
//! their key file, as a grant does. The key file is unlocked before the message is read, so
//! a message typed on standard input is not lost to a wrong passphrase. The file names the
//! case, and the server refuses it for any other.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use kentongan_crypto::Message;
use kentongan_crypto::message::{MAX_MESSAGE_CHARS, MessageError, Note, Reply};
use zeroize::Zeroizing;

/// More than any message could take, however it is spaced: a larger input is refused
/// without reading it all.
const MAX_MESSAGE_FILE: u64 = 1024 * 1024;

/// Which of the two files to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A reply to the reporter, encrypted to the case key.
    Reply,
    /// An internal note, encrypted to the notes key.
    Note,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Reply => "reply",
            Kind::Note => "note",
        }
    }
}

/// What was written.
#[derive(Debug)]
pub struct Written {
    /// The case the file is for.
    pub case: i64,
    /// The message's length in characters.
    pub chars: usize,
}

/// Where a message file comes from and goes to.
#[derive(Debug)]
pub struct Paths<'a> {
    /// The case's bundle.
    pub bundle: &'a Path,
    /// The investigator's key file, and where its passphrase is (else the terminal).
    pub key: &'a Path,
    pub passphrase_file: Option<&'a Path>,
    /// The message (`-`: standard input).
    pub message: &'a Path,
    /// The file to write, which must not exist.
    pub out: &'a Path,
}

/// Unlocks the investigator's keys for the case in the bundle, reads the message, signs it
/// for the team, encrypts it to the right key of the case and writes the file.
pub fn write_message_file(kind: Kind, paths: &Paths<'_>) -> Result<Written> {
    let Paths {
        bundle: bundle_path,
        key,
        passphrase_file,
        message: message_file,
        out,
    } = *paths;
    let bytes = std::fs::read(bundle_path)
        .with_context(|| format!("cannot read the bundle {}", bundle_path.display()))?;
    let bundle = crate::open::parse_bundle(&bytes)?;
    // Before reading the message: someone typing it on standard input should not lose it
    // to a refusal that was known all along.
    check_new_file(out)?;
    let keys = crate::open::own_keys(&bundle, key, passphrase_file)?;

    let text = read_message(kind, message_file)?;
    let name = kind.name();
    let message = Message::new(&text).map_err(|error| match error {
        MessageError::Empty => anyhow!(
            "the message is empty: write the {name} in {} first",
            shown(message_file)
        ),
        MessageError::TooLong => too_long(kind),
        _ => anyhow!("the message cannot be sent: {error}"),
    })?;
    let chars = message.text.chars().count();
    let case = bundle.case.id;
    let json = match kind {
        Kind::Reply => Reply::seal(case, &keys, &message).map(|reply| reply.to_json()),
        Kind::Note => Note::seal(case, &keys, &message).map(|note| note.to_json()),
    }
    .map_err(|_| anyhow!("encrypting the {name} failed"))?;
    write_new_file(out, json.as_bytes())?;
    Ok(Written { case, chars })
}

fn too_long(kind: Kind) -> anyhow::Error {
    anyhow!(
        "the message is longer than {MAX_MESSAGE_CHARS} characters; shorten it or send it as \
         several {}s",
        kind.name()
    )
}

fn shown(message_file: &Path) -> String {
    if message_file == Path::new("-") {
        "standard input".to_owned()
    } else {
        message_file.display().to_string()
    }
}

/// The message as UTF-8 text, from a file or standard input.
fn read_message(kind: Kind, message_file: &Path) -> Result<Zeroizing<String>> {
    // Sized up front so the buffer holding the plaintext is not reallocated (which would
    // leave copies behind); a larger input stops at the limit.
    let mut bytes = Zeroizing::new(Vec::with_capacity(64 * 1024));
    if message_file == Path::new("-") {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            match kind {
                Kind::Reply => eprintln!(
                    "Type the reply to the reporter, then press Ctrl-D on a line of its own:"
                ),
                Kind::Note => eprintln!(
                    "Type the internal note (the reporter never sees it), then press Ctrl-D on a \
                     line of its own:"
                ),
            }
        }
        stdin
            .lock()
            .take(MAX_MESSAGE_FILE + 1)
            .read_to_end(&mut bytes)
            .context("cannot read the message from standard input")?;
    } else {
        std::fs::File::open(message_file)
            .and_then(|file| file.take(MAX_MESSAGE_FILE + 1).read_to_end(&mut bytes))
            .with_context(|| format!("cannot read the message file {}", message_file.display()))?;
    }
    if bytes.len() as u64 > MAX_MESSAGE_FILE {
        return Err(too_long(kind));
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        anyhow!(
            "the message in {} is not UTF-8 text; save it as UTF-8",
            shown(message_file)
        )
    })?;
    Ok(Zeroizing::new(text.to_owned()))
}

pub fn check_new_file(out: &Path) -> Result<()> {
    if std::fs::symlink_metadata(out).is_ok() {
        bail!("{} already exists; refusing to overwrite it", out.display());
    }
    Ok(())
}

/// Writes `contents` to `out` through a temporary file beside it, linked into place only if
/// `out` still does not exist: never a half-written file, never an overwritten one.
pub fn write_new_file(out: &Path, contents: &[u8]) -> Result<()> {
    let dir = match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".kentongan-file-");
    // Nothing secret inside: whoever imports it may be another user of this machine.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut tmp = builder
        .tempfile_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    tmp.write_all(contents)
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", out.display()))?;
    tmp.persist_noclobber(out).map_err(|e| {
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow!("{} already exists; refusing to overwrite it", out.display())
        } else {
            anyhow!("cannot write {}: {}", out.display(), e.error)
        }
    })?;
    Ok(())
}
