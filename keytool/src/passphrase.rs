//! Passphrases for the identity file: generated, asked on the terminal, or read from a file
//! for scripts.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail};
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

/// The shortest passphrase a person may choose for a new identity file, in characters. The
/// key file may be copied off the laptop (backups, a USB stick), so the passphrase is all that
/// stands between a copy and every case the investigator can read, and the attacker holding a
/// copy guesses offline, at their own pace.
///
/// Length is a poor measure of strength, but it is the one rule that can be checked without a
/// dictionary, and 16 moves people off the passwords that fall first: 12 characters still
/// admitted one word dressed up (`Jakarta2024!` is 12), while 16 takes a phrase of three or
/// four words or a long sentence. Even so a chosen phrase may hold only 30–40 bits, which at
/// scrypt 2^18 is a few thousand GPU-years at most and far less for a predictable one; hence
/// the generated passphrase ([`GENERATED_WORDS`] words, 88 bits) is offered first, and is the
/// advice.
pub const MIN_CHARS: usize = 16;

/// Words in a generated passphrase: 8 × 11 bits = 88 bits, out of reach of any offline guessing
/// even without scrypt's cost (the reporter's 7 words, 77 bits, guard a single case; this
/// file opens every case its holder can read). About 55 characters: typed once a day.
pub const GENERATED_WORDS: usize = 8;

/// A passphrase file larger than this is not a passphrase file.
const MAX_FILE_BYTES: u64 = 64 * 1024;

/// Where the passphrase of a new identity file comes from.
#[derive(Debug, Clone, Copy)]
pub enum NewPassphrase<'a> {
    /// The first line of this file (scripts, tests); checked like a typed one.
    File(&'a Path),
    /// Generated and shown once on standard error, without asking anything.
    Generated,
    /// Asked on the terminal, where pressing Enter takes a generated one.
    Ask,
}

/// A passphrase for a new identity file, from `source`.
pub fn new_passphrase(source: NewPassphrase<'_>) -> Result<SecretString> {
    match source {
        NewPassphrase::File(path) => {
            let passphrase = read_file(path)?;
            check_new(passphrase.expose_secret())?;
            Ok(passphrase)
        }
        NewPassphrase::Generated => {
            let passphrase = generate();
            show_generated(&passphrase);
            Ok(passphrase)
        }
        NewPassphrase::Ask => ask_new(),
    }
}

/// A new passphrase of [`GENERATED_WORDS`] words from the reporter's word list.
pub fn generate() -> SecretString {
    kentongan_crypto::reporter::random_words(GENERATED_WORDS)
}

fn ask_new() -> Result<SecretString> {
    let first = ask(&format!(
        "Passphrase for the new key file: press Enter for a generated one (safest), or type \
         your own of at least {MIN_CHARS} characters: "
    ))?;
    if first.expose_secret().is_empty() {
        let generated = generate();
        show_generated(&generated);
        let back = ask("Type it back to confirm you have written it down: ")?;
        if back.expose_secret() != generated.expose_secret() {
            bail!("that is not the passphrase shown; nothing was written, run generate again");
        }
        return Ok(generated);
    }
    check_new(first.expose_secret())?;
    let second = ask("The same passphrase again: ")?;
    if first.expose_secret() != second.expose_secret() {
        bail!("the two passphrases do not match; nothing was written");
    }
    Ok(first)
}

/// Shows a generated passphrase on standard error (the terminal; standard output is what
/// scripts capture, and carries only the public key).
fn show_generated(passphrase: &SecretString) {
    eprintln!(
        "The passphrase for the new key file ({GENERATED_WORDS} words, lower case, one space \
         between):\n\n    {}\n\nWrite it down now and keep it apart from the key file. It is \
         shown only this once, and without it the key file cannot be opened.\n",
        passphrase.expose_secret()
    );
}

/// The passphrase of an existing identity file at `key_path`: from `file`, or asked once.
pub fn existing_passphrase(file: Option<&Path>, key_path: &Path) -> Result<SecretString> {
    let passphrase = match file {
        Some(path) => read_file(path)?,
        None => ask(&format!("Passphrase for {}: ", key_path.display()))?,
    };
    if passphrase.expose_secret().is_empty() {
        bail!("the passphrase is empty");
    }
    Ok(passphrase)
}

/// Refuses passphrases too weak for a key file.
pub fn check_new(passphrase: &str) -> Result<()> {
    if passphrase.is_empty() {
        bail!(
            "the passphrase is empty; a key file needs a passphrase of at least {MIN_CHARS} characters"
        );
    }
    let chars = passphrase.chars().count();
    if chars < MIN_CHARS {
        bail!(
            "the passphrase is too short ({chars} characters): use at least {MIN_CHARS}, \
             or leave it to kentongan-keytool: `generate --generate-passphrase`"
        );
    }
    Ok(())
}

fn ask(prompt: &str) -> Result<SecretString> {
    let answer = rpassword::prompt_password(prompt)
        .context("cannot ask for the passphrase on a terminal (use --passphrase-file)")?;
    Ok(SecretString::from(answer))
}

/// The first line of `path`, without its line ending.
fn read_file(path: &Path) -> Result<SecretString> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("cannot read the passphrase file {}", path.display()))?;
    let mut bytes = Zeroizing::new(Vec::new());
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read the passphrase file {}", path.display()))?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_FILE_BYTES {
        bail!("the passphrase file {} is too large", path.display());
    }
    first_line(&bytes)
        .with_context(|| format!("the passphrase file {} is not UTF-8 text", path.display()))
}

fn first_line(bytes: &[u8]) -> Result<SecretString> {
    let text = std::str::from_utf8(bytes)?;
    let line = text.split('\n').next().unwrap_or_default();
    let line = line.strip_suffix('\r').unwrap_or(line);
    Ok(SecretString::from(line.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_line_strips_only_the_line_ending() {
        for (input, expected) in [
            (&b"kata sandi panjang\n"[..], "kata sandi panjang"),
            (b"kata sandi panjang\r\nsecond line\n", "kata sandi panjang"),
            (b"  spaces kept  ", "  spaces kept  "),
            (b"\" ' & < > \\ ", "\" ' & < > \\ "),
            (b"", ""),
            (b"\n", ""),
        ] {
            assert_eq!(first_line(input).unwrap().expose_secret(), expected);
        }
        assert!(first_line(&[0xff, 0xfe]).is_err());
    }

    #[test]
    fn new_passphrases_need_sixteen_characters() {
        assert!(check_new("").unwrap_err().to_string().contains("empty"));
        for short in ["elevenchars", "Jakarta2024!", "fifteen chars!!"] {
            assert!(
                check_new(short)
                    .unwrap_err()
                    .to_string()
                    .contains("too short"),
                "{short}"
            );
        }
        // Characters, not bytes: fifteen Javanese letters are 45 bytes but still too short.
        assert!(check_new(&"ꦏ".repeat(15)).is_err());
        assert!(check_new(&"ꦏ".repeat(16)).is_ok());
        assert!(check_new("sixteen chars ok").is_ok());
    }

    #[test]
    fn generated_passphrases_are_eight_words_and_pass_the_check() {
        let passphrase = generate();
        assert_eq!(
            passphrase.expose_secret().split(' ').count(),
            GENERATED_WORDS
        );
        assert!(check_new(passphrase.expose_secret()).is_ok());
        assert!(GENERATED_WORDS as f64 * kentongan_crypto::reporter::bits_per_word() >= 88.0);
    }

    #[test]
    fn passphrase_file_is_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pass");
        std::fs::write(&path, "pisang goreng hangat\n").unwrap();
        assert_eq!(
            new_passphrase(NewPassphrase::File(&path))
                .unwrap()
                .expose_secret(),
            "pisang goreng hangat"
        );
        std::fs::write(&path, "pendek\n").unwrap();
        assert!(new_passphrase(NewPassphrase::File(&path)).is_err());
        assert_eq!(
            existing_passphrase(Some(&path), &path)
                .unwrap()
                .expose_secret(),
            "pendek"
        );
        std::fs::write(&path, "\n").unwrap();
        assert!(existing_passphrase(Some(&path), &path).is_err());
        std::fs::write(&path, vec![b'a'; 70_000]).unwrap();
        assert!(new_passphrase(NewPassphrase::File(&path)).is_err());
        assert!(new_passphrase(NewPassphrase::File(&dir.path().join("missing"))).is_err());
    }
}
