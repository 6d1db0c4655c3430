//! HTTPS of its own (issue 13, part 2), on the real `kentongan serve`: an operator's own
//! certificate (files or flags), reloaded when the files change; the plain-HTTP redirect;
//! HSTS and `Secure` cookies under a real name; and automatic certificates from Debian's
//! `pebble` ACME test server on loopback: issued, renewed, and kept when the CA goes away.
//!
//! The name is `wbs.test`: the clients connect to 127.0.0.1 but send that name (SNI and
//! `Host`), so the server treats them as it would a browser on the real site.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};

use crate::support::*;

const NAME: &str = "wbs.test";

/// A test certificate authority.
struct Ca {
    params: CertificateParams,
    key: KeyPair,
    pem: String,
}

impl Ca {
    fn new() -> Ca {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Kentongan test CA");
        let pem = params.self_signed(&key).unwrap().pem();
        Ca { params, key, pem }
    }

    /// A certificate for `names` with this serial number and expiry year: (cert, key) PEM.
    fn issue(&self, names: &[&str], serial: u64, until_year: i32) -> (String, String) {
        let key = KeyPair::generate().unwrap();
        let mut params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap();
        params.serial_number = Some(rcgen::SerialNumber::from(serial));
        params.not_after = rcgen::date_time_ymd(until_year, 1, 1);
        let issuer = Issuer::from_params(&self.params, &self.key);
        let cert = params.signed_by(&key, &issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    }

    fn certificate(&self) -> CertificateDer<'static> {
        CertificateDer::from_pem_slice(self.pem.as_bytes()).unwrap()
    }
}

fn port_of(url: &str) -> u16 {
    url.rsplit(':').next().unwrap().parse().unwrap()
}

/// A client that reaches `wbs.test` at 127.0.0.1:`port`, trusting only `root`.
fn client(root: &str, port: u16) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(root.as_bytes()).unwrap())
        .resolve(NAME, SocketAddr::from(([127, 0, 0, 1], port)))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The certificate the server at 127.0.0.1:`port` presents for `wbs.test`, if a handshake
/// that trusts only `roots` succeeds.
async fn served_certificate(
    port: u16,
    roots: &[CertificateDer<'static>],
) -> Result<CertificateDer<'static>, String> {
    let mut store = rustls::RootCertStore::empty();
    for root in roots {
        store.add(root.clone()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(store)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .map_err(|e| e.to_string())?;
    let stream = connector
        .connect(ServerName::try_from(NAME).unwrap(), tcp)
        .await
        .map_err(|e| e.to_string())?;
    let certificates = stream.get_ref().1.peer_certificates().unwrap_or_default();
    certificates
        .first()
        .map(|c| c.clone().into_owned())
        .ok_or_else(|| "no certificate".into())
}

/// The first certificate served (trusting `roots`) other than `unlike`, waiting at most
/// `within` for one.
async fn wait_for_certificate(
    port: u16,
    roots: &[CertificateDer<'static>],
    unlike: Option<&CertificateDer<'static>>,
    within: Duration,
) -> Option<CertificateDer<'static>> {
    let deadline = Instant::now() + within;
    loop {
        if let Ok(served) = served_certificate(port, roots).await {
            if Some(&served) != unlike {
                return Some(served);
            }
        }
        if Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits at most `within` for `check` to hold, looking every 200 ms.
async fn eventually<F, Fut>(within: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    loop {
        if check().await {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A server directory with one investigator registered and `toml` as its kentongan.toml.
fn server_dir(toml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let key = make_investigator(dir.path(), "sari");
    let out = kentongan(
        dir.path(),
        None,
        &[
            "investigator",
            "add",
            "--name",
            "Sari",
            "--recipient",
            &key.recipient,
        ],
    );
    assert!(out.status.success(), "investigator add: {}", stderr(&out));
    std::fs::write(dir.path().join("kentongan.toml"), toml).unwrap();
    dir
}

/// `kentongan serve --tls-cert --tls-key` with a certificate from a test CA: a no-JS report
/// filed over HTTPS logs in; HSTS and `Secure` cookies are sent under a real name; the
/// plain-HTTP port redirects to the same host and path over HTTPS, and does nothing else.
#[tokio::test]
async fn own_certificate_serves_reports_over_https() {
    let ca = Ca::new();
    let (cert, key) = ca.issue(&[NAME], 1, 2035);
    let redirect_port = free_port();
    let dir = server_dir(&format!(
        "[tls]\nredirect_http = \"127.0.0.1:{redirect_port}\"\n"
    ));
    let tls = dir.path().join("tls");
    std::fs::create_dir(&tls).unwrap();
    std::fs::write(tls.join("cert.pem"), &cert).unwrap();
    std::fs::write(tls.join("key.pem"), &key).unwrap();
    let cert_path = tls.join("cert.pem").display().to_string();
    let key_path = tls.join("key.pem").display().to_string();
    let server = Server::start_with(
        dir,
        None,
        &["--tls-cert", &cert_path, "--tls-key", &key_path],
    );
    let port = port_of(&server.url);
    let base = format!("https://{NAME}:{port}");
    let client = client(&ca.pem, port);

    let form = client.get(format!("{base}/report")).send().await.unwrap();
    assert_eq!(form.status(), 200);
    let hsts = form
        .headers()
        .get("strict-transport-security")
        .map(|v| v.to_str().unwrap().to_owned());
    assert!(
        hsts.as_deref().is_some_and(|v| v.contains("max-age=")),
        "no HSTS over HTTPS: {hsts:?}"
    );
    let cookies: Vec<String> = form
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(!cookies.is_empty(), "the form sets its CSRF cookie");
    for cookie in &cookies {
        assert!(cookie.contains("; Secure"), "not Secure: {cookie}");
    }
    let csrf = input_value(&form.text().await.unwrap(), "csrf").unwrap();
    let what = "Pengadaan fiktif lewat HTTPS";
    let answer = client
        .post(format!("{base}/report"))
        .form(&report_form(&csrf, what))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let page = answer.text().await.unwrap();
    let receipt = element_text(&page, "receipt-code").expect("a receipt code");
    let passphrase = element_text(&page, "passphrase").expect("a passphrase");

    let followup = client.get(format!("{base}/followup")).send().await.unwrap();
    let csrf = input_value(&followup.text().await.unwrap(), "csrf").unwrap();
    let case = client
        .post(format!("{base}/followup"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("lang", "id"),
            ("receipt", receipt.as_str()),
            ("passphrase", passphrase.as_str()),
        ])
        .send()
        .await
        .unwrap();
    // Logged in: on to the case page, over HTTPS.
    assert_eq!(case.status(), 303);
    let case_page = case.headers()["location"].to_str().unwrap().to_owned();
    let case_url = if case_page.starts_with('/') {
        format!("{base}{case_page}")
    } else {
        case_page
    };
    let case = client.get(case_url).send().await.unwrap();
    assert_eq!(case.status(), 200);
    assert!(case.text().await.unwrap().contains(what));

    // A client that does not trust the test CA gets no page.
    let stranger = reqwest::Client::builder()
        .resolve(NAME, SocketAddr::from(([127, 0, 0, 1], port)))
        .tls_built_in_root_certs(false)
        .build()
        .unwrap();
    assert!(stranger.get(format!("{base}/report")).send().await.is_err());

    // The plain-HTTP port: a redirect to the same name and path over HTTPS, nothing else.
    let plain = format!("http://{NAME}:{redirect_port}");
    let redirect_client = reqwest::Client::builder()
        .resolve(NAME, SocketAddr::from(([127, 0, 0, 1], redirect_port)))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let moved = redirect_client
        .get(format!("{plain}/report?lang=en"))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), 301);
    assert_eq!(
        moved.headers()["location"],
        format!("https://{NAME}:{port}/report?lang=en").as_str()
    );
    assert!(moved.headers().get("set-cookie").is_none());
    assert!(moved.text().await.unwrap().is_empty());
    let posted = redirect_client
        .post(format!("{plain}/report"))
        .form(&[("what", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 308);
    assert_eq!(
        posted.headers()["location"],
        format!("https://{NAME}:{port}/report").as_str()
    );
    // And the redirect leads somewhere that answers.
    let followed = client
        .get(moved_location(&redirect_client, &plain).await)
        .send()
        .await
        .unwrap();
    assert_eq!(followed.status(), 200);
}

async fn moved_location(client: &reqwest::Client, plain: &str) -> String {
    let moved = client.get(format!("{plain}/")).send().await.unwrap();
    moved.headers()["location"].to_str().unwrap().to_owned()
}

/// Replacing the certificate files while the server runs: the next connections get the new
/// certificate; a file that does not load leaves the current one in force, with a warning.
#[tokio::test]
async fn certificate_files_are_reloaded_when_they_change() {
    let ca = Ca::new();
    let (first_cert, first_key) = ca.issue(&[NAME], 1, 2030);
    let dir = server_dir("");
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, &first_cert).unwrap();
    std::fs::write(&key_path, &first_key).unwrap();
    // This time in the configuration file, with the flags absent.
    std::fs::write(
        dir.path().join("kentongan.toml"),
        format!(
            "[tls]\ncert = \"{}\"\nkey = \"{}\"\n",
            cert_path.display(),
            key_path.display()
        ),
    )
    .unwrap();
    let server = Server::start(dir, None);
    let port = port_of(&server.url);
    let roots = [ca.certificate()];
    let first = CertificateDer::from_pem_slice(first_cert.as_bytes()).unwrap();
    assert_eq!(served_certificate(port, &roots).await.unwrap(), first);

    std::fs::write(&cert_path, "-----BEGIN CERTIFICATE-----\n\"'&<> broken\n").unwrap();
    assert!(
        eventually(Duration::from_secs(30), || async {
            server.log().contains("do not load")
        })
        .await,
        "no warning about the broken file: {}",
        server.log()
    );
    assert_eq!(
        served_certificate(port, &roots).await.unwrap(),
        first,
        "a broken file replaced the certificate in force"
    );

    let (second_cert, second_key) = ca.issue(&[NAME], 2, 2031);
    let second = CertificateDer::from_pem_slice(second_cert.as_bytes()).unwrap();
    std::fs::write(&key_path, &second_key).unwrap();
    std::fs::write(&cert_path, &second_cert).unwrap();
    assert!(
        eventually(Duration::from_secs(30), || async {
            served_certificate(port, &roots).await.as_ref() == Ok(&second)
        })
        .await,
        "the new certificate is not served: {}",
        server.log()
    );
    assert!(server.log().contains("TLS certificate reloaded"));
    assert!(
        !server.log().contains("-----BEGIN"),
        "key or certificate text in the log"
    );
}

/// Where Debian's pebble is, if installed (scripts/test installs it).
fn pebble_bin(name: &str) -> Option<PathBuf> {
    let path = PathBuf::from("/usr/bin").join(name);
    path.exists().then_some(path)
}

/// A child process killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_logged(mut command: Command, log: &Path) -> Running {
    let log = std::fs::File::create(log).unwrap();
    command
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log));
    Running(command.spawn().unwrap())
}

/// ACME end to end against Debian's pebble on loopback, with pebble-challtestsrv as the DNS
/// server that says `wbs.test` is 127.0.0.1: the server gets a certificate by answering
/// TLS-ALPN-01 itself; it chains to pebble's root; with a renewal threshold longer than the
/// certificate's life it renews, and the new certificate is served; with pebble stopped, it
/// warns and keeps serving the certificate it has.
#[tokio::test]
async fn acme_certificates_from_pebble() {
    let (Some(pebble), Some(challtestsrv)) =
        (pebble_bin("pebble"), pebble_bin("pebble-challtestsrv"))
    else {
        eprintln!(
            "\n\n!!!!! SKIPPED acme_certificates_from_pebble: Debian's pebble is not installed \
             (apt-get install pebble; scripts/test does) !!!!!\n\n"
        );
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let ca = Ca::new();
    let (pebble_cert, pebble_key) = ca.issue(&["127.0.0.1", "localhost"], 7, 2040);
    std::fs::write(work.path().join("pebble.pem"), &pebble_cert).unwrap();
    std::fs::write(work.path().join("pebble.key"), &pebble_key).unwrap();
    std::fs::write(work.path().join("ca.pem"), &ca.pem).unwrap();

    let (dns_port, directory_port, management_port) = (free_port(), free_port(), free_port());
    // The server first: pebble must know the port where it checks the name. Until pebble is
    // up, the server's orders fail and are retried.
    let cache = work.path().join("acme-cache");
    let dir = server_dir(&format!(
        "[tls]\n\
         acme_domains = [\"{NAME}\"]\n\
         acme_contact = \"mailto:it@wbs.test\"\n\
         acme_directory = \"https://127.0.0.1:{directory_port}/dir\"\n\
         acme_directory_ca = \"{}\"\n\
         acme_cache = \"{}\"\n\
         acme_renew_days = 100000\n\
         acme_retry_seconds = 2\n",
        work.path().join("ca.pem").display(),
        cache.display()
    ));
    let server = Server::start(dir, None);
    let server_port = port_of(&server.url);
    let config = serde_json::json!({
        "pebble": {
            "listenAddress": format!("127.0.0.1:{directory_port}"),
            "managementListenAddress": format!("127.0.0.1:{management_port}"),
            "certificate": work.path().join("pebble.pem"),
            "privateKey": work.path().join("pebble.key"),
            "httpPort": free_port(),
            "tlsPort": server_port,
            "ocspResponderURL": "",
            "externalAccountBindingRequired": false
        }
    });
    std::fs::write(work.path().join("pebble.json"), config.to_string()).unwrap();
    let mut dns = Command::new(challtestsrv);
    dns.args(["-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""])
        .args(["-dns01", &format!("127.0.0.1:{dns_port}")])
        .args(["-http01", "", "-https01", "", "-tlsalpn01", ""])
        .args(["-management", &format!("127.0.0.1:{}", free_port())]);
    let _dns = spawn_logged(dns, &work.path().join("challtestsrv.log"));
    let mut ca_server = Command::new(pebble);
    ca_server
        .arg("-config")
        .arg(work.path().join("pebble.json"))
        .args(["-dnsserver", &format!("127.0.0.1:{dns_port}")])
        .env("PEBBLE_VA_NOSLEEP", "1")
        .env("PEBBLE_WFE_NONCEREJECT", "0");
    let pebble_log = work.path().join("pebble.log");
    let mut pebble = spawn_logged(ca_server, &pebble_log);
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", management_port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "pebble did not start: {}",
            std::fs::read_to_string(&pebble_log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let pebble_root_pem = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(ca.pem.as_bytes()).unwrap())
        .build()
        .unwrap()
        .get(format!("https://127.0.0.1:{management_port}/roots/0"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let pebble_root = CertificateDer::from_pem_slice(pebble_root_pem.as_bytes()).unwrap();
    // Only pebble's root: the test CA that signed pebble's own HTTPS certificate is no help.
    let roots = [pebble_root];

    let first = wait_for_certificate(server_port, &roots, None, Duration::from_secs(90))
        .await
        .unwrap_or_else(|| {
            panic!(
                "no certificate from pebble: {}\n{}",
                server.log(),
                std::fs::read_to_string(&pebble_log).unwrap_or_default()
            )
        });
    for file in ["account.json", "cert.pem", "key.pem"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(cache.join(file))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{file}");
    }

    // Renewed (the threshold is longer than any certificate's life): a new one is served.
    let renewed =
        wait_for_certificate(server_port, &roots, Some(&first), Duration::from_secs(90)).await;
    assert!(renewed.is_some(), "no renewal: {}", server.log());

    // The CA goes away: after a failed renewal, the certificate in force is still served.
    let _ = pebble.0.kill();
    let _ = pebble.0.wait();
    let failures = |log: &str| log.matches("ACME: no certificate").count();
    let before = failures(&server.log());
    assert!(
        eventually(Duration::from_secs(60), || async {
            failures(&server.log()) > before
        })
        .await,
        "no warning when the CA is unreachable: {}",
        server.log()
    );
    let kept = served_certificate(server_port, &roots)
        .await
        .expect("still serving a certificate that chains to pebble's root");
    let now = failures(&server.log());
    assert!(
        eventually(Duration::from_secs(60), || async {
            failures(&server.log()) > now
        })
        .await,
        "not retried: {}",
        server.log()
    );
    assert_eq!(served_certificate(server_port, &roots).await.unwrap(), kept);
    assert!(
        server
            .log()
            .contains("still serving the current certificate")
    );
}
