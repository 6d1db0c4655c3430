//! HTTPS of its own: `[tls]` in the configuration, or `serve --tls-cert FILE --tls-key FILE`.
//!
//! The certificate comes from files the operator renews (re-read when they change, so a
//! renewal needs no restart) or from an ACME CA such as Let's Encrypt ([`acme`]). Either way
//! one [`Certificates`] holds the certificate in force and hands it to rustls for each
//! handshake; a file that does not load leaves the one in force as it is.
//!
//! rustls runs on `ring` (the provider lettre already brings), not aws-lc-rs, which would add
//! a C and cmake build. HTTP/1.1 only, as on plain HTTP.

pub mod acme;
pub mod redirect;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use anyhow::{Context, bail};
use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde::Deserialize;
use tokio_rustls::TlsAcceptor;

/// The ALPN protocol of ACME's TLS-ALPN-01 challenge (RFC 8737): a handshake that offers it
/// is the CA checking that we hold the name, never a browser.
pub const ACME_TLS_ALPN: &[u8] = b"acme-tls/1";

/// How often the certificate files are looked at for a change.
const FILE_CHECK_INTERVAL: Duration = Duration::from_secs(2);

/// `[tls]` in the configuration. With it, the server speaks HTTPS on `listen`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsFile {
    /// The certificate chain (PEM), first the server's own certificate (`--tls-cert`).
    pub cert: Option<PathBuf>,
    /// Its private key (PEM: PKCS#8, PKCS#1 or SEC1) (`--tls-key`).
    pub key: Option<PathBuf>,
    /// An address for plain HTTP that redirects every request to HTTPS, e.g. "0.0.0.0:80".
    pub redirect_http: Option<String>,
    /// Names to get a certificate for from an ACME CA, instead of `cert` and `key`.
    #[serde(default)]
    pub acme_domains: Vec<String>,
    /// Who the CA writes to about the certificates: "mailto:it@example.go.id".
    pub acme_contact: Option<String>,
    /// The CA's ACME directory. Let's Encrypt unless set.
    pub acme_directory: Option<String>,
    /// A root certificate (PEM) to trust for the directory's own HTTPS: only for a test CA.
    pub acme_directory_ca: Option<PathBuf>,
    /// Where the account key and the certificates are kept. `acme` beside the SQLite
    /// database (or in systemd's state directory) unless set.
    pub acme_cache: Option<PathBuf>,
    /// Renew a certificate this many days before it expires. 30 unless set.
    pub acme_renew_days: Option<u32>,
    /// Seconds to wait before trying again after the CA failed or could not be reached (and
    /// at least between two renewals). 3600 unless set.
    pub acme_retry_seconds: Option<u64>,
}

/// The TLS side of a running server.
pub struct Https {
    pub acceptor: TlsAcceptor,
    /// Keeps the task that reloads files or renews certificates alive.
    _renewer: tokio::task::JoinHandle<()>,
}

impl TlsFile {
    /// Whether HTTPS is asked for at all.
    pub fn is_on(&self) -> bool {
        self.cert.is_some() || self.key.is_some() || !self.acme_domains.is_empty()
    }

    /// Loads the certificate (or starts getting one) and the task that keeps it current.
    /// Call once the HTTPS listener is bound: an ACME CA connects to it to check the name.
    pub fn start(&self, database_url: &str) -> anyhow::Result<Https> {
        let certificates = Arc::new(Certificates::default());
        let renewer = match (&self.cert, &self.key, self.acme_domains.is_empty()) {
            (Some(cert), Some(key), true) => {
                let pair = load_pair(cert, key).with_context(|| {
                    format!(
                        "cannot load the TLS certificate {} and key {}",
                        cert.display(),
                        key.display()
                    )
                })?;
                certificates.set(pair);
                tokio::spawn(watch_files(certificates.clone(), cert.clone(), key.clone()))
            }
            (None, None, false) => acme::start(
                acme::Settings::from_file(self, database_url)?,
                &certificates,
            )?,
            (_, _, false) => bail!("[tls]: either cert and key, or acme_domains, not both"),
            _ => bail!("[tls]: cert and key go together"),
        };
        Ok(Https {
            acceptor: TlsAcceptor::from(server_config(certificates)?),
            _renewer: renewer,
        })
    }
}

/// The process's cryptography for TLS.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

pub(crate) fn server_config(
    certificates: Arc<Certificates>,
) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_cert_resolver(certificates);
    // The server's preference comes first: browsers get HTTP/1.1, an ACME CA's validation
    // (which offers only acme-tls/1) gets its challenge certificate.
    config.alpn_protocols = vec![b"http/1.1".to_vec(), ACME_TLS_ALPN.to_vec()];
    Ok(Arc::new(config))
}

/// The certificate in force, and the ACME challenge certificates while an order is checked.
#[derive(Debug, Default)]
pub struct Certificates {
    current: RwLock<Option<Arc<CertifiedKey>>>,
    /// TLS-ALPN-01 challenge certificates by (lower-case) name.
    challenges: RwLock<HashMap<String, Arc<CertifiedKey>>>,
}

impl Certificates {
    pub fn set(&self, pair: CertifiedKey) {
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(pair));
    }

    fn set_challenge(&self, name: &str, pair: CertifiedKey) {
        self.challenges
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(name.to_ascii_lowercase(), Arc::new(pair));
    }

    fn clear_challenges(&self) {
        self.challenges
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

impl ResolvesServerCert for Certificates {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let acme_check = hello
            .alpn()
            .is_some_and(|mut offered| offered.any(|protocol| protocol == ACME_TLS_ALPN));
        if acme_check {
            let name = hello.server_name()?.to_ascii_lowercase();
            return self
                .challenges
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .get(&name)
                .cloned();
        }
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// A certificate chain and its key from PEM files, checked to belong together.
pub fn load_pair(cert: &Path, key: &Path) -> anyhow::Result<CertifiedKey> {
    let cert_pem =
        std::fs::read(cert).with_context(|| format!("cannot read {}", cert.display()))?;
    let key_pem = zeroize::Zeroizing::new(
        std::fs::read(key).with_context(|| format!("cannot read {}", key.display()))?,
    );
    parse_pair(&cert_pem, &key_pem)
}

/// A certificate chain and its key from PEM text, checked to belong together.
pub fn parse_pair(cert_pem: &[u8], key_pem: &[u8]) -> anyhow::Result<CertifiedKey> {
    let chain = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .context("the certificate file is not PEM")?;
    if chain.is_empty() {
        bail!("the certificate file holds no certificate");
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).context("the key file holds no key")?;
    CertifiedKey::from_der(chain, key, &provider())
        .context("the key does not fit the certificate, or is of an unsupported kind")
}

/// The not-after date of the first certificate in a PEM file.
pub fn certificate_expiry(pem: &Path) -> anyhow::Result<time::OffsetDateTime> {
    let text = std::fs::read(pem).with_context(|| format!("cannot read {}", pem.display()))?;
    let first = CertificateDer::pem_slice_iter(&text)
        .next()
        .with_context(|| format!("{} holds no certificate", pem.display()))?
        .with_context(|| format!("{} is not PEM", pem.display()))?;
    der_expiry(&first)
}

/// The not-after date of a DER certificate.
pub fn der_expiry(der: &[u8]) -> anyhow::Result<time::OffsetDateTime> {
    let (_, certificate) =
        x509_parser::parse_x509_certificate(der).context("not an X.509 certificate")?;
    let timestamp = certificate.validity().not_after.timestamp();
    Ok(time::OffsetDateTime::from_unix_timestamp(timestamp)?)
}

/// What a file looks like from outside: a change of either means it was replaced.
fn stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let metadata = std::fs::metadata(path).ok()?;
    Some((metadata.modified().ok()?, metadata.len()))
}

/// Reloads the certificate and key when either file changes. A pair that does not load is
/// reported once and the certificate in force stays; a later change is tried again.
async fn watch_files(certificates: Arc<Certificates>, cert: PathBuf, key: PathBuf) {
    let mut seen = (stamp(&cert), stamp(&key));
    loop {
        tokio::time::sleep(FILE_CHECK_INTERVAL).await;
        let now = (stamp(&cert), stamp(&key));
        if now == seen {
            continue;
        }
        seen = now;
        match load_pair(&cert, &key) {
            Ok(pair) => {
                let until = pair
                    .end_entity_cert()
                    .ok()
                    .and_then(|der| der_expiry(der).ok());
                certificates.set(pair);
                match until {
                    Some(until) => tracing::info!(
                        "TLS certificate reloaded from {} (valid until {until})",
                        cert.display()
                    ),
                    None => tracing::info!("TLS certificate reloaded from {}", cert.display()),
                }
            }
            Err(e) => tracing::warn!(
                "the TLS certificate files changed but do not load, still serving the previous \
                 certificate: {e:#}"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn self_signed(name: &str) -> (String, String) {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec![name.into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        (cert.pem(), key.serialize_pem())
    }

    #[test]
    fn a_pair_loads_and_a_mismatch_or_garbage_does_not() {
        let (cert, key) = self_signed("wbs.test");
        let (_, other_key) = self_signed("wbs.test");
        assert!(parse_pair(cert.as_bytes(), key.as_bytes()).is_ok());
        assert!(parse_pair(cert.as_bytes(), other_key.as_bytes()).is_err());
        assert!(parse_pair(b"garbage", key.as_bytes()).is_err());
        assert!(parse_pair(cert.as_bytes(), b"-----BEGIN PRIVATE KEY-----\n\"'&<>\n").is_err());
        assert!(parse_pair(b"", b"").is_err());
    }

    #[test]
    fn expiry_is_the_first_certificates_not_after() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["wbs.test".into()]).unwrap();
        params.not_after = rcgen::date_time_ymd(2031, 5, 17);
        let first = params.self_signed(&key).unwrap().pem();
        let (second, _) = self_signed("other.test");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chain.pem");
        std::fs::write(&path, format!("{first}{second}")).unwrap();
        let expiry = certificate_expiry(&path).unwrap();
        assert_eq!(expiry.date(), time::macros::date!(2031 - 05 - 17));
        std::fs::write(&path, "not a certificate").unwrap();
        assert!(certificate_expiry(&path).is_err());
        assert!(certificate_expiry(&dir.path().join("missing.pem")).is_err());
    }

    #[test]
    fn file_settings_must_be_whole() {
        let both = TlsFile {
            cert: Some("c.pem".into()),
            key: Some("k.pem".into()),
            acme_domains: vec!["wbs.test".into()],
            ..TlsFile::default()
        };
        let half = TlsFile {
            cert: Some("c.pem".into()),
            ..TlsFile::default()
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            assert!(both.start("sqlite::memory:").is_err());
            assert!(half.start("sqlite::memory:").is_err());
        });
        assert!(!TlsFile::default().is_on());
    }
}
