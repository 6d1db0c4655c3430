//! `kentongan-keytool`: an investigator's offline tool. It makes the investigator's key
//! (only its public half goes to the server), opens exported case bundles on the
//! investigator's own machine, without the server and without a browser, and writes replies
//! to the reporter for the server to import.
#![forbid(unsafe_code)]
// Tests may unwrap and index: a panic there is a failed test, which is what it should be.
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

mod attachments;
mod grant;
mod identity_file;
mod open;
mod output;
mod passphrase;
mod render;
mod reply;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use kentongan_crypto::keys::Identity;

use crate::identity_file::KeyFile;

/// Offline key management and case decryption for Kentongan investigators.
#[derive(Debug, Parser)]
#[command(name = "kentongan-keytool", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Make a new investigator key, stored in a passphrase-protected file; print its public key.
    /// On a terminal, pressing Enter at the passphrase prompt takes a generated passphrase.
    Generate {
        /// Where to write the key file (must not exist yet).
        #[arg(long, short)]
        out: PathBuf,
        /// Read the passphrase from the first line of this file instead of the terminal (at
        /// least 16 characters).
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
        /// Use a generated passphrase of 8 words (88 bits), shown once on standard error, and
        /// ask nothing.
        #[arg(long, conflicts_with = "passphrase_file")]
        generate_passphrase: bool,
    },
    /// Write a key file again, under a new passphrase and at the current scrypt work factor:
    /// for a file made before the factor was raised, or to change the passphrase. The old
    /// file is left as it is; delete it once the new one opens.
    Rekey {
        /// The key file to read.
        file: PathBuf,
        /// Read its (current) passphrase from the first line of this file instead of the
        /// terminal.
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
        /// Where to write the new key file (must not exist yet).
        #[arg(long, short)]
        out: PathBuf,
        /// Read the new passphrase from the first line of this file instead of the terminal
        /// (at least 16 characters).
        #[arg(long, value_name = "FILE")]
        new_passphrase_file: Option<PathBuf>,
        /// Use a generated new passphrase of 8 words (88 bits), shown once on standard error.
        #[arg(long, conflicts_with = "new_passphrase_file")]
        generate_passphrase: bool,
    },
    /// Print the public key (age1…) of a key file.
    Recipient {
        /// The key file.
        file: PathBuf,
        /// Read the passphrase from the first line of this file instead of the terminal.
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
    },
    /// Decrypt an exported case bundle into a new directory (report.txt, conversation.txt,
    /// case.json, and each attachment under attachments/ by its original name, made safe)
    /// and show the conversation and stage history.
    Open {
        /// The bundle file exported by `kentongan export`; its attachments are read from the
        /// attachments/ directory beside it.
        bundle: PathBuf,
        /// Your key file.
        #[arg(long, short)]
        identity: PathBuf,
        /// Read the passphrase from the first line of this file instead of the terminal.
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
        /// The directory to create (it must not exist, or be empty).
        #[arg(long, short)]
        out: PathBuf,
        /// Only write the files; do not print the conversation.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Sign a reply to the reporter for the team and encrypt it, into a file for `kentongan
    /// case reply` or `kentongan case move --reply`. Needs the case's bundle and your key.
    Reply {
        /// The case's bundle, exported by `kentongan export`.
        bundle: PathBuf,
        /// Your key file.
        #[arg(long, short)]
        identity: PathBuf,
        /// Read the passphrase from the first line of this file instead of the terminal.
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
        /// The message, as UTF-8 text; `-` reads it from standard input.
        #[arg(long, value_name = "FILE")]
        message_file: PathBuf,
        /// The reply file to write (it must not exist yet).
        #[arg(long, short)]
        out: PathBuf,
    },
    /// Sign an internal note for the team and encrypt it (investigators only, never the
    /// reporter), into a file for `kentongan case note`. Needs the case's bundle and your key.
    Note {
        /// The case's bundle, exported by `kentongan export`.
        bundle: PathBuf,
        /// Your key file.
        #[arg(long, short)]
        identity: PathBuf,
        /// Read the passphrase from the first line of this file instead of the terminal.
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
        /// The note, as UTF-8 text; `-` reads it from standard input.
        #[arg(long, value_name = "FILE")]
        message_file: PathBuf,
        /// The note file to write (it must not exist yet).
        #[arg(long, short)]
        out: PathBuf,
    },
    /// Give another registered investigator access to a case: open your envelope with your
    /// key and seal the case's keys to theirs, into a file for `kentongan case grant`.
    Grant {
        /// The case's bundle, exported by `kentongan export`.
        bundle: PathBuf,
        /// Your key file.
        #[arg(long, short)]
        identity: PathBuf,
        /// Read the passphrase from the first line of this file instead of the terminal.
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
        /// The other investigator's public key (age1…), as registered on the server.
        #[arg(long, value_name = "AGE1_KEY")]
        to: String,
        /// The grant file to write (it must not exist yet).
        #[arg(long, short)]
        out: PathBuf,
    },
}

/// Where a new key file's passphrase comes from: a file, generated, or else the terminal.
fn new_passphrase_source(file: Option<&Path>, generate: bool) -> passphrase::NewPassphrase<'_> {
    match file {
        Some(path) => passphrase::NewPassphrase::File(path),
        None if generate => passphrase::NewPassphrase::Generated,
        None => passphrase::NewPassphrase::Ask,
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line, whatever the error chain holds.
            let message = format!("{e:#}").replace(['\n', '\r'], " ");
            eprintln!("kentongan-keytool: error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<()> {
    match command {
        Command::Generate {
            out,
            passphrase_file,
            generate_passphrase,
        } => generate(
            &out,
            new_passphrase_source(passphrase_file.as_deref(), generate_passphrase),
        ),
        Command::Rekey {
            file,
            passphrase_file,
            out,
            new_passphrase_file,
            generate_passphrase,
        } => rekey(
            &file,
            passphrase_file.as_deref(),
            &out,
            new_passphrase_source(new_passphrase_file.as_deref(), generate_passphrase),
        ),
        Command::Recipient {
            file,
            passphrase_file,
        } => {
            let identity = unlock(&file, passphrase_file.as_deref())?;
            let recipient = identity.to_public();
            // What a colleague granting this key a case sees in their workspace, to compare.
            eprintln!("fingerprint: {}", recipient.fingerprint());
            print_line(&recipient.to_string())
        }
        Command::Open {
            bundle,
            identity,
            passphrase_file,
            out,
            quiet,
        } => open(&bundle, &identity, passphrase_file.as_deref(), &out, quiet),
        Command::Reply {
            bundle,
            identity,
            passphrase_file,
            message_file,
            out,
        } => reply(&reply::Paths {
            bundle: &bundle,
            key: &identity,
            passphrase_file: passphrase_file.as_deref(),
            message: &message_file,
            out: &out,
        }),
        Command::Note {
            bundle,
            identity,
            passphrase_file,
            message_file,
            out,
        } => note(&reply::Paths {
            bundle: &bundle,
            key: &identity,
            passphrase_file: passphrase_file.as_deref(),
            message: &message_file,
            out: &out,
        }),
        Command::Grant {
            bundle,
            identity,
            passphrase_file,
            to,
            out,
        } => grant(&bundle, &identity, passphrase_file.as_deref(), &to, &out),
    }
}

fn generate(out: &Path, source: passphrase::NewPassphrase<'_>) -> Result<()> {
    // Fail before asking for a passphrase twice.
    refuse_existing(out)?;
    let passphrase = passphrase::new_passphrase(source)?;
    let identity = Identity::generate();
    let today = time::OffsetDateTime::now_utc().date();
    let text = identity_file::identity_text(&identity, today);
    let sealed = identity_file::seal(&text, passphrase)?;
    identity_file::write_new_private_file(out, sealed.as_bytes())?;
    let recipient = identity.to_public();
    eprintln!(
        "Wrote {}. Keep it and its passphrase safe: without both, cases sealed to this key \
         cannot be opened.\nGive this public key to your operator: \
         kentongan investigator add --name … --recipient {recipient}",
        out.display()
    );
    print_line(&recipient.to_string())
}

fn rekey(
    path: &Path,
    passphrase_file: Option<&Path>,
    out: &Path,
    source: passphrase::NewPassphrase<'_>,
) -> Result<()> {
    refuse_existing(out)?;
    let identity = unlock(path, passphrase_file)?;
    let passphrase = passphrase::new_passphrase(source)?;
    // A new "created" line: the date this file was written, as age-keygen would put it.
    let today = time::OffsetDateTime::now_utc().date();
    let text = identity_file::identity_text(&identity, today);
    let sealed = identity_file::seal(&text, passphrase)?;
    identity_file::write_new_private_file(out, sealed.as_bytes())?;
    eprintln!(
        "Wrote {} (scrypt work factor {}): the same key under the new passphrase. Check that \
         it opens (kentongan-keytool recipient {}), then delete {} and any copies of it.",
        out.display(),
        identity_file::WORK_FACTOR,
        shell_word(&out.display().to_string()),
        path.display()
    );
    print_line(&identity.to_public().to_string())
}

fn refuse_existing(out: &Path) -> Result<()> {
    if out.exists() {
        anyhow::bail!("{} already exists; refusing to overwrite it", out.display());
    }
    Ok(())
}

fn unlock(path: &Path, passphrase_file: Option<&Path>) -> Result<Identity> {
    read_key_file(path)?.unlock(|| passphrase::existing_passphrase(passphrase_file, path))
}

fn read_key_file(path: &Path) -> Result<KeyFile> {
    let key_file = KeyFile::read(path)?;
    if !key_file.is_encrypted() {
        eprintln!(
            "kentongan-keytool: note: {} is not passphrase-protected",
            path.display()
        );
    }
    if let Some(old) = key_file
        .work_factor()
        .filter(|&n| n < identity_file::WORK_FACTOR)
    {
        // It opens; the note says how to make it as strong as a new one.
        let file = shell_word(&path.display().to_string());
        eprintln!(
            "kentongan-keytool: note: {} is protected with scrypt work factor {old}, below the \
             {} of new key files; to strengthen it: kentongan-keytool rekey {file} --out NEW.age",
            path.display(),
            identity_file::WORK_FACTOR,
        );
    }
    Ok(key_file)
}

fn open(
    bundle_path: &Path,
    key_path: &Path,
    passphrase_file: Option<&Path>,
    out: &Path,
    quiet: bool,
) -> Result<()> {
    // Everything that can be checked without the passphrase comes first.
    let bytes = std::fs::read(bundle_path)
        .with_context(|| format!("cannot read the bundle {}", bundle_path.display()))?;
    let bundle = open::parse_bundle(&bytes)?;
    output::check_target(out)?;
    let key_file = read_key_file(key_path)?;

    let identity =
        key_file.unlock(|| passphrase::existing_passphrase(passphrase_file, key_path))?;
    let mut case = open::open_case(&bundle, &identity)?;

    // Attachments are streamed into the staging directory first (they may be large); the
    // summaries that list them are written after.
    let staging = output::Staging::new(out)?;
    let bundle_dir = match bundle_path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let keys = open::open_keys(&bundle, &identity)?;
    for (item_id, opened) in
        attachments::open_all(&bundle, &bundle_dir, &keys.case, staging.path())?
    {
        if let Some(item) = case.items.iter_mut().find(|item| item.id == item_id) {
            item.attachments = opened;
        }
    }
    drop(keys);
    let report = render::report_txt(&case);
    let conversation = render::conversation_txt(&case);
    let json = render::case_json(&case)?;
    staging.write("report.txt", report.as_bytes())?;
    staging.write("conversation.txt", conversation.as_bytes())?;
    staging.write("case.json", &json)?;
    staging.commit()?;
    if !quiet {
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(conversation.as_bytes())
            .and_then(|()| stdout.flush())
            .context("cannot write to standard output")?;
    }
    if !case.keys_match_manifest {
        eprintln!(
            "kentongan-keytool: warning: the keys in this case's envelope differ from the case's \
             public keys on the server; what the server encrypts to this case later may not open"
        );
    }
    let mut saved = 0;
    let mut damaged = Vec::new();
    for item in &case.items {
        for attachment in &item.attachments {
            match attachment.outcome {
                Ok(_) => saved += 1,
                Err(problem) => {
                    eprintln!(
                        "kentongan-keytool: warning: attachment {} of item {} was not written: {}",
                        attachment.id,
                        item.id,
                        problem.reason()
                    );
                    if problem != attachments::Problem::Missing {
                        damaged.push(attachment.id.to_string());
                    }
                }
            }
        }
    }
    let unreadable = case.unreadable();
    if !unreadable.is_empty() || !damaged.is_empty() {
        let mut what = Vec::new();
        if !unreadable.is_empty() {
            let ids: Vec<String> = unreadable.iter().map(i64::to_string).collect();
            what.push(format!(
                "{} of its items could not be read (item {})",
                unreadable.len(),
                ids.join(", ")
            ));
        }
        if !damaged.is_empty() {
            what.push(format!(
                "{} of its attachments could not be opened (attachment {})",
                damaged.len(),
                damaged.join(", ")
            ));
        }
        anyhow::bail!(
            "case {} was opened into {}, but {}: they are damaged or were encrypted to another \
             key; conversation.txt marks them",
            case.manifest.id,
            out.display(),
            what.join(", and ")
        );
    }
    let written = if saved > 0 {
        format!(", and {saved} attachment(s) in {}/", attachments::DIR)
    } else {
        String::new()
    };
    eprintln!(
        "Opened case {} into {} (conversation.txt, report.txt, case.json{written}). These files \
         are not encrypted: delete them when you are done.",
        case.manifest.id,
        out.display()
    );
    Ok(())
}

fn reply(paths: &reply::Paths<'_>) -> Result<()> {
    let written = reply::write_message_file(reply::Kind::Reply, paths)?;
    let out = paths.out;
    let case = written.case;
    let file = shell_word(&out.display().to_string());
    print_line(&format!(
        "Wrote {}: a reply to case {case} ({} characters), encrypted to the case's key.\n\
         It is signed for the team, so the reporter sees it as the team's.\n\
         On the server, add it to the conversation, or send it with a stage move:\n  \
         kentongan case reply {case} {file}\n  \
         kentongan case move {case} --to STAGE --reply {file}",
        out.display(),
        written.chars,
    ))
}

fn note(paths: &reply::Paths<'_>) -> Result<()> {
    let written = reply::write_message_file(reply::Kind::Note, paths)?;
    let out = paths.out;
    let case = written.case;
    let file = shell_word(&out.display().to_string());
    print_line(&format!(
        "Wrote {}: an internal note for case {case} ({} characters), encrypted to the case's \
         notes key (investigators only; the reporter never sees it).\n\
         On the server, add it to the case:\n  \
         kentongan case note {case} {file}",
        out.display(),
        written.chars,
    ))
}

fn grant(
    bundle: &Path,
    key: &Path,
    passphrase_file: Option<&Path>,
    to: &str,
    out: &Path,
) -> Result<()> {
    let granted = grant::write_grant(bundle, key, passphrase_file, to, out)?;
    let case = granted.case;
    let file = shell_word(&out.display().to_string());
    print_line(&format!(
        "Wrote {}: access to case {case} for the key {} (fingerprint {}).\n\
         On the server, add it to the case:\n  \
         kentongan case grant {case} {file}",
        out.display(),
        granted.to,
        granted.to.fingerprint(),
    ))
}

/// `word` quoted for a POSIX shell if it needs to be, so the printed command can be pasted.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_' | '-' | '+' | ':'));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// Prints one line on stdout (what scripts capture); a closed pipe is an error, not a panic.
fn print_line(line: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .context("cannot write to standard output")
}
