//! Automatic certificates from an ACME CA (RFC 8555), Let's Encrypt unless configured.
//!
//! The server answers the CA's check itself with TLS-ALPN-01 (RFC 8737) on its own HTTPS
//! listener, so nothing else must listen on port 80. The account key and the certificate are
//! kept in the cache directory (files mode 0600), so a restart serves the certificate it has
//! instead of asking for a new one. A certificate is renewed `acme_renew_days` before it
//! expires; when the CA fails or cannot be reached, the certificate in force stays and the
//! order is tried again after `acme_retry_seconds`, with a warning.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use instant_acme::{
    Account, AccountCredentials, AuthorizationStatus, ChallengeType, Identifier, NewAccount,
    NewOrder, OrderStatus, RetryPolicy,
};
use rustls::sign::CertifiedKey;
use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use time::OffsetDateTime;

use super::{Certificates, TlsFile, der_expiry, parse_pair, provider};

pub const LETS_ENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";

const ACCOUNT_FILE: &str = "account.json";
const CERT_FILE: &str = "cert.pem";
const KEY_FILE: &str = "key.pem";

/// `[tls] acme_*`, checked.
#[derive(Clone, Debug)]
pub struct Settings {
    pub domains: Vec<String>,
    pub contact: Option<String>,
    pub directory: String,
    pub directory_ca: Option<PathBuf>,
    pub cache: PathBuf,
    pub renew_days: u32,
    pub retry: Duration,
}

impl Settings {
    pub fn from_file(file: &TlsFile, database_url: &str) -> anyhow::Result<Settings> {
        let contact = file.acme_contact.as_deref();
        if contact.is_some_and(|contact| !contact.starts_with("mailto:")) {
            bail!("[tls] acme_contact must be a mailto: address, like mailto:it@example.go.id");
        }
        Ok(Settings {
            domains: file
                .acme_domains
                .iter()
                .map(|d| d.trim().to_ascii_lowercase())
                .collect(),
            contact: file.acme_contact.clone(),
            directory: file
                .acme_directory
                .clone()
                .unwrap_or_else(|| LETS_ENCRYPT.into()),
            directory_ca: file.acme_directory_ca.clone(),
            cache: file
                .acme_cache
                .clone()
                .unwrap_or_else(|| default_cache(database_url)),
            renew_days: file.acme_renew_days.unwrap_or(30),
            retry: Duration::from_secs(file.acme_retry_seconds.unwrap_or(3600).max(1)),
        })
    }
}

/// `acme/` beside the SQLite database; with PostgreSQL, in systemd's state directory if there
/// is one, else in `data/` like the default database.
fn default_cache(database_url: &str) -> PathBuf {
    let sqlite_file = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .map(|rest| Path::new(rest.split('?').next().unwrap_or_default()).to_path_buf());
    let dir = match sqlite_file {
        Some(file) => file.parent().map(Path::to_path_buf).unwrap_or_default(),
        None => std::env::var_os("STATE_DIRECTORY")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("data")),
    };
    dir.join("acme")
}

/// Whether a certificate valid until `not_after` is due for renewal at `now`.
pub fn renewal_due(not_after: OffsetDateTime, now: OffsetDateTime, renew_days: u32) -> bool {
    now >= not_after - time::Duration::days(i64::from(renew_days))
}

/// Serves the cached certificate, if there is one, and starts the task that gets and renews
/// certificates.
pub fn start(
    settings: Settings,
    certificates: &Arc<Certificates>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    create_private_dir(&settings.cache)?;
    let mut expiry = None;
    match cached(&settings) {
        Ok(Some((pair, not_after))) => {
            tracing::info!("ACME: serving the cached certificate, valid until {not_after}");
            certificates.set(pair);
            expiry = Some(not_after);
        }
        Ok(None) => {}
        Err(e) => tracing::warn!("ACME: the cached certificate does not load: {e:#}"),
    }
    Ok(tokio::spawn(renew_forever(
        settings,
        certificates.clone(),
        expiry,
    )))
}

fn cached(settings: &Settings) -> anyhow::Result<Option<(CertifiedKey, OffsetDateTime)>> {
    let (cert, key) = (
        settings.cache.join(CERT_FILE),
        settings.cache.join(KEY_FILE),
    );
    if !cert.exists() {
        return Ok(None);
    }
    let pair = super::load_pair(&cert, &key)?;
    let not_after = der_expiry(pair.end_entity_cert()?)?;
    Ok(Some((pair, not_after)))
}

async fn renew_forever(
    settings: Settings,
    certificates: Arc<Certificates>,
    mut expiry: Option<OffsetDateTime>,
) {
    let mut account = None;
    loop {
        let now = OffsetDateTime::now_utc();
        let wait = match expiry {
            Some(not_after) if !renewal_due(not_after, now, settings.renew_days) => {
                let due = not_after - time::Duration::days(i64::from(settings.renew_days));
                // Looked at again at least daily, in case the clock jumped.
                Duration::try_from(due - now)
                    .unwrap_or(Duration::ZERO)
                    .min(Duration::from_secs(24 * 3600))
            }
            _ => {
                match issue(&settings, &certificates, &mut account).await {
                    Ok(not_after) => {
                        tracing::info!(
                            "ACME: new certificate for {} from {}, valid until {not_after}",
                            settings.domains.join(", "),
                            settings.directory
                        );
                        expiry = Some(not_after);
                    }
                    Err(e) => tracing::warn!(
                        "ACME: no certificate from {} ({e:#}); {}, trying again in {} s",
                        settings.directory,
                        if expiry.is_some() {
                            "still serving the current certificate"
                        } else {
                            "HTTPS has no certificate until then"
                        },
                        settings.retry.as_secs()
                    ),
                }
                certificates.clear_challenges();
                settings.retry
            }
        };
        tokio::time::sleep(wait).await;
    }
}

/// Orders a certificate, answers the CA's checks, and serves and caches what it issues.
async fn issue(
    settings: &Settings,
    certificates: &Certificates,
    account: &mut Option<Account>,
) -> anyhow::Result<OffsetDateTime> {
    let account = match account {
        Some(account) => account,
        None => account.insert(open_account(settings).await?),
    };
    let identifiers: Vec<Identifier> = settings
        .domains
        .iter()
        .map(|d| Identifier::Dns(d.clone()))
        .collect();
    let mut order = account.new_order(&NewOrder::new(&identifiers)).await?;
    let mut authorizations = order.authorizations();
    while let Some(authorization) = authorizations.next().await {
        let mut authorization = authorization?;
        match authorization.status {
            AuthorizationStatus::Pending => {}
            AuthorizationStatus::Valid => continue,
            other => bail!("an authorization is {other:?}"),
        }
        let mut challenge = authorization
            .challenge(ChallengeType::TlsAlpn01)
            .context("the CA offers no TLS-ALPN-01 challenge")?;
        let name = challenge.identifier().to_string();
        let digest = challenge.key_authorization().digest();
        certificates.set_challenge(&name, challenge_certificate(&name, digest.as_ref())?);
        challenge.set_ready().await?;
    }
    let patient = RetryPolicy::new().timeout(Duration::from_secs(120));
    let status = order.poll_ready(&patient).await?;
    if status != OrderStatus::Ready {
        bail!("the order is {status:?}");
    }
    let key_pem = zeroize::Zeroizing::new(order.finalize().await?);
    let chain_pem = order.poll_certificate(&patient).await?;
    let pair = parse_pair(chain_pem.as_bytes(), key_pem.as_bytes())?;
    let not_after = der_expiry(pair.end_entity_cert()?)?;
    write_private(&settings.cache.join(KEY_FILE), key_pem.as_bytes())?;
    write_private(&settings.cache.join(CERT_FILE), chain_pem.as_bytes())?;
    certificates.set(pair);
    Ok(not_after)
}

/// The account from the cache, or a new one (whose key is then cached). Setting
/// `acme_domains` is the operator's agreement to the CA's terms of service.
async fn open_account(settings: &Settings) -> anyhow::Result<Account> {
    let builder = match &settings.directory_ca {
        Some(ca) => Account::builder_with_root(ca)?,
        None => Account::builder()?,
    };
    let path = settings.cache.join(ACCOUNT_FILE);
    if path.exists() {
        let text = zeroize::Zeroizing::new(std::fs::read(&path)?);
        let credentials: AccountCredentials = serde_json::from_slice(&text)
            .with_context(|| format!("{} is not an ACME account", path.display()))?;
        return Ok(builder.from_credentials(credentials).await?);
    }
    let contact: Vec<&str> = settings.contact.iter().map(String::as_str).collect();
    let (account, credentials) = builder
        .create(
            &NewAccount {
                contact: &contact,
                terms_of_service_agreed: true,
                only_return_existing: false,
            },
            settings.directory.clone(),
            None,
        )
        .await?;
    let text = zeroize::Zeroizing::new(serde_json::to_vec(&credentials)?);
    write_private(&path, &text)?;
    Ok(account)
}

/// The self-signed certificate that answers a TLS-ALPN-01 challenge: the name, and the
/// digest of the key authorization in the acmeIdentifier extension.
fn challenge_certificate(name: &str, digest: &[u8]) -> anyhow::Result<CertifiedKey> {
    let mut params = rcgen::CertificateParams::new(vec![name.to_owned()])?;
    params
        .custom_extensions
        .push(rcgen::CustomExtension::new_acme_identifier(digest));
    let key = rcgen::KeyPair::generate()?;
    let cert = params.self_signed(&key)?;
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    // Not `CertifiedKey::from_der`: its check that key and certificate fit parses the
    // certificate with webpki, which refuses the critical acmeIdentifier extension.
    let signing_key = provider().key_provider.load_private_key(key_der)?;
    Ok(CertifiedKey::new(vec![cert.der().clone()], signing_key))
}

fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("cannot create the ACME cache {}", dir.display()))
}

/// Writes a file readable by the owner only, whole or not at all (a new file renamed over
/// the old one).
fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let partial = path.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&partial)
        .with_context(|| format!("cannot write {}", partial.display()))?;
    file.write_all(contents)?;
    file.sync_all()?;
    std::fs::rename(&partial, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use time::macros::datetime;

    use super::*;

    #[test]
    fn renewal_is_due_renew_days_before_expiry() {
        let not_after = datetime!(2027-03-01 00:00 UTC);
        assert!(!renewal_due(not_after, datetime!(2027-01-01 00:00 UTC), 30));
        assert!(renewal_due(not_after, datetime!(2027-01-30 00:00 UTC), 30));
        assert!(renewal_due(not_after, datetime!(2027-04-01 00:00 UTC), 0));
        assert!(renewal_due(
            not_after,
            datetime!(2026-01-01 00:00 UTC),
            100_000
        ));
    }

    #[test]
    fn the_cache_is_beside_the_sqlite_database() {
        assert_eq!(
            default_cache("sqlite:///var/lib/kentongan/kentongan.sqlite3?mode=rwc"),
            PathBuf::from("/var/lib/kentongan/acme")
        );
        assert_eq!(
            default_cache("sqlite://data/kentongan.sqlite3"),
            PathBuf::from("data/acme")
        );
    }

    #[test]
    fn a_contact_must_be_mailto() {
        let file = TlsFile {
            acme_domains: vec!["wbs.test".into()],
            acme_contact: Some("it@example.go.id".into()),
            ..TlsFile::default()
        };
        assert!(Settings::from_file(&file, "sqlite://x.sqlite3").is_err());
        let file = TlsFile {
            acme_contact: Some("mailto:it@example.go.id".into()),
            ..file
        };
        let settings = Settings::from_file(&file, "sqlite://x.sqlite3").unwrap();
        assert_eq!(settings.directory, LETS_ENCRYPT);
        assert_eq!(settings.renew_days, 30);
    }

    #[test]
    fn private_files_are_mode_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.pem");
        write_private(&path, b"one").unwrap();
        write_private(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_challenge_certificate_loads() {
        let pair = challenge_certificate("wbs.test", &[7u8; 32]).unwrap();
        assert!(der_expiry(pair.end_entity_cert().unwrap()).is_ok());
    }
}
