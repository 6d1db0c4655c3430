//! The investigator's identity file: a standard age identity file (the shape `age-keygen`
//! writes), encrypted with a passphrase (age's scrypt recipient) and ASCII-armored.
//!
//! Standard formats on both layers, so `age -d key.age > key.txt` recovers the identity with
//! the reference tools, and `age -d -i key.txt …` then opens envelopes.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::Path;

use age::armor::{ArmoredReader, ArmoredWriter, Format};
use anyhow::{Context, Result, anyhow, bail};
use kentongan_crypto::keys::Identity;
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

/// scrypt work factor (log2 N) of new key files: N = 2^18, 256 MiB of memory, age's own
/// default (age picks the factor that takes about a second on the machine that encrypts,
/// and 18 is what it assumes where it cannot measure).
///
/// This file opens every case its holder can read, and a copy of it (a backup, a USB stick)
/// can be attacked offline; each step of the factor doubles the time and memory of every
/// guess. The cost falls on the investigator once per login: on the busy 2-core machine in
/// BENCHMARKS.md ("Investigator key files") unlocking at 18 took about 1.5 s natively and
/// 3.7 s in the workspace's WebAssembly worker in Chromium (16: 0.35 s and 0.9 s), and the
/// worker's memory grew to the 256 MiB without trouble. Files written earlier at 16 (64 MiB,
/// the first choice here, made with phones in mind) still open everywhere, up to
/// [`MAX_WORK_FACTOR`]; the keytool notes them and `kentongan-keytool rekey` rewrites one
/// at this factor.
pub const WORK_FACTOR: u8 = 18;

/// The largest work factor accepted when unlocking: 2^20 is 1 GiB of memory. Higher than
/// [`WORK_FACTOR`] so that a file re-encrypted with `age -p` on a fast machine still opens,
/// bounded so a hostile file cannot make us allocate tens of GiB. The browser's bound
/// (`kentongan_crypto::key_file::MAX_WORK_FACTOR`) is the same.
const MAX_WORK_FACTOR: u8 = 20;

/// A key file larger than this is not a key file (ours is under 1 KiB).
const MAX_FILE_BYTES: u64 = 64 * 1024;

/// The plaintext identity file, as `age-keygen` writes it: created date, public key, secret
/// key. Day resolution only: the exact time says nothing useful.
pub fn identity_text(identity: &Identity, created: time::Date) -> SecretString {
    SecretString::from(format!(
        "# created: {created}\n# public key: {}\n{}\n",
        identity.to_public(),
        identity.to_secret_string().expose_secret()
    ))
}

/// Encrypts `text` to `passphrase` at [`WORK_FACTOR`], armored.
pub fn seal(text: &SecretString, passphrase: SecretString) -> Result<String> {
    seal_at(text, passphrase, WORK_FACTOR)
}

/// [`seal`] at `work_factor`; anything but [`WORK_FACTOR`] is for tests (old files, speed).
fn seal_at(text: &SecretString, passphrase: SecretString, work_factor: u8) -> Result<String> {
    let mut recipient = age::scrypt::Recipient::new(passphrase);
    recipient.set_work_factor(work_factor);
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            .map_err(|_| anyhow!("could not encrypt the key file"))?;
    let mut armored = Vec::with_capacity(1024);
    let armor = ArmoredWriter::wrap_output(&mut armored, Format::AsciiArmor)?;
    let mut writer = encryptor.wrap_output(armor)?;
    writer.write_all(text.expose_secret().as_bytes())?;
    writer.finish()?.finish()?;
    String::from_utf8(armored).context("armored output is not ASCII")
}

/// A key file as read from disk, before any passphrase is asked for.
pub enum KeyFile {
    /// Passphrase-encrypted (what `generate` writes): the age file, armored or binary.
    Encrypted(Vec<u8>),
    /// An unencrypted age identity file, as `age-keygen` writes it.
    Plain(Identity),
}

impl std::fmt::Debug for KeyFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyFile::Encrypted(bytes) => write!(f, "KeyFile::Encrypted({} bytes)", bytes.len()),
            KeyFile::Plain(_) => f.write_str("KeyFile::Plain([REDACTED])"),
        }
    }
}

impl KeyFile {
    /// Reads `path` and tells which kind of key file it is.
    pub fn read(path: &Path) -> Result<Self> {
        let file = File::open(path)
            .with_context(|| format!("cannot read the identity file {}", path.display()))?;
        let mut bytes = Zeroizing::new(Vec::new());
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .with_context(|| format!("cannot read the identity file {}", path.display()))?;
        if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_FILE_BYTES {
            bail!("{} is too large to be an identity file", path.display());
        }
        Self::parse(&bytes)
    }

    /// Tells an encrypted key file from a plain one.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        match age::Decryptor::new_buffered(ArmoredReader::new(bytes)) {
            Ok(decryptor) if decryptor.is_scrypt() => Ok(KeyFile::Encrypted(bytes.to_vec())),
            Ok(_) => bail!(
                "the identity file is encrypted to another key, not to a passphrase; \
                 decrypt it with age first"
            ),
            Err(_) => {
                let start = bytes.trim_ascii_start();
                if start.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----")
                    || start.starts_with(b"age-encryption.org/")
                {
                    bail!("the identity file is damaged");
                }
                let text = std::str::from_utf8(bytes).map_err(|_| not_a_key_file())?;
                if !text.contains("AGE-SECRET-KEY-1") {
                    return Err(not_a_key_file());
                }
                parse_identity_text(text).map(KeyFile::Plain)
            }
        }
    }

    /// The identity, decrypting with `passphrase` if the file is encrypted. `passphrase` is
    /// called only then.
    pub fn unlock(self, passphrase: impl FnOnce() -> Result<SecretString>) -> Result<Identity> {
        match self {
            KeyFile::Plain(identity) => Ok(identity),
            KeyFile::Encrypted(bytes) => {
                let text = decrypt(&bytes, passphrase()?)?;
                parse_identity_text(text.expose_secret())
            }
        }
    }

    /// Whether unlocking will ask for a passphrase.
    pub fn is_encrypted(&self) -> bool {
        matches!(self, KeyFile::Encrypted(_))
    }

    /// The scrypt work factor an encrypted file asks for, read from its header (the
    /// `-> scrypt SALT LOG_N` stanza) without any passphrase; `None` for a plain file or a
    /// header that does not say.
    pub fn work_factor(&self) -> Option<u8> {
        let KeyFile::Encrypted(bytes) = self else {
            return None;
        };
        let mut binary = Vec::new();
        ArmoredReader::new(bytes.as_slice())
            .read_to_end(&mut binary)
            .ok()?;
        binary
            .split(|&b| b == b'\n')
            .take_while(|line| !line.starts_with(b"---"))
            .find_map(|line| line.strip_prefix(b"-> scrypt "))
            .and_then(|args| std::str::from_utf8(args).ok())
            .and_then(|args| args.split(' ').nth(1))
            .and_then(|n| n.parse().ok())
    }
}

fn not_a_key_file() -> anyhow::Error {
    anyhow!("the identity file is not an age identity file, encrypted or plain")
}

fn decrypt(bytes: &[u8], passphrase: SecretString) -> Result<SecretString> {
    let damaged = || anyhow!("the identity file is damaged");
    let decryptor =
        age::Decryptor::new_buffered(ArmoredReader::new(bytes)).map_err(|_| damaged())?;
    let mut identity = age::scrypt::Identity::new(passphrase);
    identity.set_max_work_factor(MAX_WORK_FACTOR);
    let mut reader = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(|e| match e {
            // The scrypt stanza's AEAD did not open: with an intact file, the passphrase.
            age::DecryptError::DecryptionFailed => {
                anyhow!("wrong passphrase for the identity file")
            }
            age::DecryptError::ExcessiveWork { required, .. } => anyhow!(
                "the identity file asks for scrypt work factor {required}; \
                 at most {MAX_WORK_FACTOR} is accepted"
            ),
            _ => damaged(),
        })?;
    let mut plain = Zeroizing::new(Vec::new());
    reader.read_to_end(&mut plain).map_err(|_| damaged())?;
    let text = String::from_utf8(plain.to_vec()).map_err(|_| damaged())?;
    Ok(SecretString::from(text))
}

/// The one `AGE-SECRET-KEY-1…` line of an age identity file; `#` comments and blank lines
/// are skipped, as age does.
pub fn parse_identity_text(text: &str) -> Result<Identity> {
    let mut keys = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let key = keys
        .next()
        .ok_or_else(|| anyhow!("the identity file holds no key"))?;
    if keys.next().is_some() {
        bail!("the identity file holds more than one key; keep one key per file");
    }
    // Neither the line nor the parser's reason goes into the message: it is the secret key.
    Identity::parse(key)
        .map_err(|_| anyhow!("the identity file holds something that is not an age X25519 key"))
}

/// Writes `contents` to a new file at `path`, readable by the owner only. Refuses to
/// overwrite; removes the file again if writing fails half-way.
pub fn write_new_private_file(path: &Path, contents: &[u8]) -> Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow!(
                "{} already exists; refusing to overwrite it",
                path.display()
            )
        } else {
            anyhow!("cannot create {}: {e}", path.display())
        }
    })?;
    let written = file.write_all(contents).and_then(|()| file.sync_all());
    if let Err(e) = written {
        drop(file);
        let _ = fs::remove_file(path);
        bail!("cannot write {}: {e}", path.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> time::Date {
        time::macros::date!(2026 - 11 - 28)
    }

    #[test]
    fn identity_text_has_the_age_keygen_shape() {
        let identity = Identity::generate();
        let text = identity_text(&identity, day());
        let lines: Vec<&str> = text.expose_secret().lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0], "# created: 2026-11-28");
        assert_eq!(lines[1], format!("# public key: {}", identity.to_public()));
        assert!(lines[2].starts_with("AGE-SECRET-KEY-1"));
        let parsed = parse_identity_text(text.expose_secret()).unwrap();
        assert_eq!(parsed.to_public(), identity.to_public());
    }

    #[test]
    fn sealed_file_is_armored_scrypt_at_the_chosen_work_factor() {
        let identity = Identity::generate();
        let armored = seal(
            &identity_text(&identity, day()),
            SecretString::from("pisang goreng hangat".to_owned()),
        )
        .unwrap();
        assert!(armored.starts_with("-----BEGIN AGE ENCRYPTED FILE-----\n"));
        assert!(armored.is_ascii());
        assert!(!armored.contains("AGE-SECRET-KEY"));

        // The scrypt stanza is "-> scrypt SALT LOG_N" inside the base64 armor.
        let binary = {
            let mut out = vec![];
            ArmoredReader::new(armored.as_bytes())
                .read_to_end(&mut out)
                .unwrap();
            out
        };
        let header = String::from_utf8_lossy(&binary);
        let stanza = header
            .lines()
            .find(|l| l.starts_with("-> scrypt "))
            .unwrap();
        assert!(stanza.ends_with(&format!(" {WORK_FACTOR}")), "{stanza}");

        let key_file = KeyFile::parse(armored.as_bytes()).unwrap();
        assert!(key_file.is_encrypted());
        assert_eq!(key_file.work_factor(), Some(WORK_FACTOR));
        let opened = key_file
            .unlock(|| Ok(SecretString::from("pisang goreng hangat".to_owned())))
            .unwrap();
        assert_eq!(opened.to_public(), identity.to_public());

        let wrong = KeyFile::parse(armored.as_bytes())
            .unwrap()
            .unlock(|| Ok(SecretString::from("pisang goreng dingin".to_owned())))
            .unwrap_err();
        assert_eq!(wrong.to_string(), "wrong passphrase for the identity file");
    }

    #[test]
    fn old_files_at_work_factor_16_still_open() {
        let identity = Identity::generate();
        let pass = || Ok(SecretString::from("pisang goreng hangat".to_owned()));
        let armored = seal_at(&identity_text(&identity, day()), pass().unwrap(), 16).unwrap();
        let key_file = KeyFile::parse(armored.as_bytes()).unwrap();
        assert_eq!(key_file.work_factor(), Some(16));
        assert_eq!(
            key_file.unlock(pass).unwrap().to_public(),
            identity.to_public()
        );
    }

    #[test]
    fn damaged_key_files_are_refused() {
        let identity = Identity::generate();
        let armored = seal_at(
            &identity_text(&identity, day()),
            SecretString::from("pisang goreng hangat".to_owned()),
            10,
        )
        .unwrap();
        let mut binary = vec![];
        ArmoredReader::new(armored.as_bytes())
            .read_to_end(&mut binary)
            .unwrap();
        let last = binary.len() - 1;
        binary[last] ^= 1;
        let err = KeyFile::parse(&binary)
            .unwrap()
            .unlock(|| Ok(SecretString::from("pisang goreng hangat".to_owned())))
            .unwrap_err();
        assert_eq!(err.to_string(), "the identity file is damaged");

        for junk in [
            &b""[..],
            b"\" ' & < >",
            b"-----BEGIN AGE ENCRYPTED FILE-----\n",
            &[0xff; 100],
        ] {
            assert!(KeyFile::parse(junk).is_err());
        }
    }

    #[test]
    fn plain_age_keygen_files_are_accepted() {
        let identity = Identity::generate();
        let text = identity_text(&identity, day());
        let key_file = KeyFile::parse(text.expose_secret().as_bytes()).unwrap();
        assert!(!key_file.is_encrypted());
        assert_eq!(key_file.work_factor(), None);
        let opened = key_file
            .unlock(|| panic!("no passphrase for a plain file"))
            .unwrap();
        assert_eq!(opened.to_public(), identity.to_public());
    }

    #[test]
    fn identity_text_errors_do_not_echo_the_key() {
        let two = format!(
            "{}\n{}\n",
            Identity::generate().to_secret_string().expose_secret(),
            Identity::generate().to_secret_string().expose_secret()
        );
        assert!(
            parse_identity_text(&two)
                .unwrap_err()
                .to_string()
                .contains("more than one")
        );
        assert!(parse_identity_text("# only a comment\n").is_err());
        let err = parse_identity_text("AGE-SECRET-KEY-1DEADBEEF \" ' & < >").unwrap_err();
        assert!(!err.to_string().contains("DEADBEEF"));
    }

    #[cfg(unix)]
    #[test]
    fn private_files_are_0600_and_never_overwritten() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.age");
        write_new_private_file(&path, b"one").unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let err = write_new_private_file(&path, b"two").unwrap_err();
        assert!(err.to_string().contains("already exists"));
        assert_eq!(fs::read(&path).unwrap(), b"one");
    }
}
