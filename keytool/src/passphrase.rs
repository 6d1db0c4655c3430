//! Passphrases for the identity file: asked on the terminal, or read from a file for scripts.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail};
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

/// The shortest passphrase accepted for a new identity file, in characters. The key file may
/// be copied off the laptop (backups, a USB stick), so the passphrase is all that stands
/// between a copy and every case the investigator can read.
pub const MIN_CHARS: usize = 12;

/// A passphrase file larger than this is not a passphrase file.
const MAX_FILE_BYTES: u64 = 64 * 1024;

/// A passphrase for a new identity file: from `file`, or asked twice on the terminal.
pub fn new_passphrase(file: Option<&Path>) -> Result<SecretString> {
    let passphrase = match file {
        Some(path) => read_file(path)?,
        None => {
            let first = ask("Passphrase for the new key file (at least 12 characters): ")?;
            check_new(first.expose_secret())?;
            let second = ask("The same passphrase again: ")?;
            if first.expose_secret() != second.expose_secret() {
                bail!("the two passphrases do not match; nothing was written");
            }
            first
        }
    };
    check_new(passphrase.expose_secret())?;
    Ok(passphrase)
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
             for example four or five random words"
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
    fn new_passphrases_need_twelve_characters() {
        assert!(check_new("").unwrap_err().to_string().contains("empty"));
        assert!(
            check_new("elevenchars")
                .unwrap_err()
                .to_string()
                .contains("too short")
        );
        // Characters, not bytes: eleven Javanese letters are 33 bytes but still too short.
        assert!(check_new(&"ꦏ".repeat(11)).is_err());
        assert!(check_new(&"ꦏ".repeat(12)).is_ok());
        assert!(check_new("twelve chars").is_ok());
    }

    #[test]
    fn passphrase_file_is_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pass");
        std::fs::write(&path, "pisang goreng hangat\n").unwrap();
        assert_eq!(
            new_passphrase(Some(&path)).unwrap().expose_secret(),
            "pisang goreng hangat"
        );
        std::fs::write(&path, "pendek\n").unwrap();
        assert!(new_passphrase(Some(&path)).is_err());
        assert_eq!(
            existing_passphrase(Some(&path), &path)
                .unwrap()
                .expose_secret(),
            "pendek"
        );
        std::fs::write(&path, "\n").unwrap();
        assert!(existing_passphrase(Some(&path), &path).is_err());
        std::fs::write(&path, vec![b'a'; 70_000]).unwrap();
        assert!(new_passphrase(Some(&path)).is_err());
        assert!(new_passphrase(Some(&dir.path().join("missing"))).is_err());
    }
}
