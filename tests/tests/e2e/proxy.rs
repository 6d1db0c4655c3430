//! The nginx site in `docs/nginx-kentongan.conf`, run as it is (only its ports, paths and
//! certificate changed) in front of the real server: reporters get HTTPS with `Secure`
//! cookies and HSTS, file a report and read it back, plain HTTP is sent to HTTPS, and none
//! of nginx's logs holds a client's address, even with nginx's own error log at `info`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{self, free_port, input_value};

const NAME: &str = "wbs.example.go.id";

/// nginx in the foreground as one process, stopped when dropped.
struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `text` with `from` replaced by `to`, which must be there: a snippet that changed shape
/// fails here rather than run unchanged.
fn swap(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "the nginx snippet has no `{from}`");
    text.replace(from, to)
}

fn nginx_binary() -> PathBuf {
    let path = PathBuf::from("/usr/sbin/nginx");
    assert!(
        path.exists(),
        "nginx is missing: scripts/test installs it (Debian's nginx package)"
    );
    path
}

/// A test CA and, signed by it, the site's certificate: `(ca, cert, key)`.
fn certificate(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let path = |name: &str| dir.join(name).to_str().unwrap().to_owned();
    let openssl = |args: &[&str]| {
        let out = support::run({
            let mut openssl = Command::new("openssl");
            openssl.args(args);
            openssl
        });
        assert!(out.status.success(), "openssl: {}", support::stderr(&out));
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    openssl(
        &[
            &["req", "-x509"][..],
            &ec,
            &["-days", "2", "-subj", "/CN=Kentongan test CA"],
        ]
        .concat()
        .into_iter()
        .chain(["-keyout", &path("ca.key"), "-out", &path("ca.pem")])
        .collect::<Vec<_>>(),
    );
    openssl(
        &[&["req"][..], &ec, &["-subj", &format!("/CN={NAME}")]]
            .concat()
            .into_iter()
            .chain(["-keyout", &path("key.pem"), "-out", &path("site.csr")])
            .collect::<Vec<_>>(),
    );
    std::fs::write(
        dir.join("site.ext"),
        format!("subjectAltName=DNS:{NAME}\nbasicConstraints=critical,CA:FALSE\n"),
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-days",
        "2",
        "-in",
        &path("site.csr"),
        "-CA",
        &path("ca.pem"),
        "-CAkey",
        &path("ca.key"),
        "-CAcreateserial",
        "-extfile",
        &path("site.ext"),
        "-out",
        &path("cert.pem"),
    ]);
    (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    )
}

fn start_nginx(dir: &Path, site: &str, port: u16) -> Nginx {
    std::fs::write(dir.join("kentongan.conf"), site).unwrap();
    let d = dir.display();
    // The distribution's nginx.conf logs every request and every error with the client's
    // address; here the main error log is at `info`, more than Debian's default, so the
    // site's own settings are what keeps addresses out.
    let main = format!(
        "daemon off;\nmaster_process off;\nuser root;\npid {d}/nginx.pid;\n\
         error_log {d}/logs/main-error.log info;\nevents {{}}\n\
         http {{\n  access_log {d}/logs/main-access.log;\n\
         client_body_temp_path {d}/tmp/body;\n  proxy_temp_path {d}/tmp/proxy;\n\
         fastcgi_temp_path {d}/tmp/fastcgi;\n  uwsgi_temp_path {d}/tmp/uwsgi;\n\
         scgi_temp_path {d}/tmp/scgi;\n  include {d}/kentongan.conf;\n}}\n"
    );
    std::fs::create_dir_all(dir.join("tmp")).unwrap();
    std::fs::write(dir.join("nginx.conf"), main).unwrap();
    let mut child = Command::new(nginx_binary())
        .arg("-e")
        .arg(dir.join("logs/startup.log"))
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "nginx exited ({status}): {}",
                std::fs::read_to_string(dir.join("logs/startup.log")).unwrap_or_default()
            );
        }
        assert!(Instant::now() < deadline, "nginx did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Nginx(child)
}

#[tokio::test]
async fn the_documented_nginx_site_serves_https_and_logs_no_client_address() {
    let (server, _key) = support::server_with_investigator(None, "Ani");
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let (ca, cert, key) = certificate(dir.path());
    let (https, http) = (free_port(), free_port());

    let snippet = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/nginx-kentongan.conf"),
    )
    .unwrap();
    let site = swap(
        &snippet,
        "listen 443 ssl;",
        &format!("listen 127.0.0.1:{https} ssl;"),
    );
    let site = swap(&site, "    listen [::]:443 ssl;\n", "");
    let site = swap(&site, "listen 80;", &format!("listen 127.0.0.1:{http};"));
    let site = swap(&site, "    listen [::]:80;\n", "");
    let site = swap(
        &site,
        "/etc/letsencrypt/live/wbs.example.go.id/fullchain.pem",
        cert.to_str().unwrap(),
    );
    let site = swap(
        &site,
        "/etc/letsencrypt/live/wbs.example.go.id/privkey.pem",
        key.to_str().unwrap(),
    );
    let site = swap(&site, "/var/log/nginx/", &format!("{}/", logs.display()));
    let site = swap(&site, "http://127.0.0.1:8080", &server.url);
    let _nginx = start_nginx(dir.path(), &site, https);

    let client = reqwest::Client::builder()
        .cookie_store(true)
        .add_root_certificate(reqwest::Certificate::from_pem(&std::fs::read(&ca).unwrap()).unwrap())
        .resolve(NAME, ([127, 0, 0, 1], https).into())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let site_url = format!("https://{NAME}:{https}");

    // The form, over HTTPS under the office's name: cookies Secure, HSTS sent.
    let form = client
        .get(format!("{site_url}/report"))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    assert!(
        form.headers().contains_key("strict-transport-security"),
        "HSTS behind nginx"
    );
    let cookies: Vec<_> = form
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().to_owned())
        .collect();
    assert!(
        !cookies.is_empty() && cookies.iter().all(|c| c.contains("Secure")),
        "{cookies:?}"
    );
    let csrf = input_value(&form.text().await.unwrap(), "csrf").unwrap();
    let what = "Lewat nginx: pungutan liar di loket";
    let receipt_page = client
        .post(format!("{site_url}/report"))
        .form(&support::report_form(&csrf, what))
        .send()
        .await
        .unwrap();
    assert_eq!(receipt_page.status(), 200);
    let receipt_page = receipt_page.text().await.unwrap();
    let receipt = support::element_text(&receipt_page, "receipt-code").unwrap();
    let passphrase = support::element_text(&receipt_page, "passphrase").unwrap();

    let login = client
        .get(format!("{site_url}/followup"))
        .send()
        .await
        .unwrap();
    let csrf = input_value(&login.text().await.unwrap(), "csrf").unwrap();
    let case = client
        .post(format!("{site_url}/followup"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("lang", "id"),
            ("receipt", receipt.as_str()),
            ("passphrase", passphrase.as_str()),
        ])
        .send()
        .await
        .unwrap();
    // The login answers with a redirect to the case page, relative to the site.
    assert_eq!(case.status(), 303);
    let location = case.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with('/'), "{location}");
    let case = client
        .get(format!("{site_url}{location}"))
        .send()
        .await
        .unwrap();
    assert_eq!(case.status(), 200);
    assert!(case.text().await.unwrap().contains(what));

    // Plain HTTP is sent to HTTPS, nothing else.
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("http://127.0.0.1:{http}/report?x=1"))
        .header("host", NAME)
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 301);
    assert_eq!(
        plain.headers()["location"],
        format!("https://{NAME}/report?x=1").as_str()
    );

    // Requests nginx logs as errors, with the client's address, at `info` and above: plain
    // HTTP to the HTTPS port, and a connection closed in the middle of its request.
    let mut raw = tokio::net::TcpStream::connect(("127.0.0.1", https))
        .await
        .unwrap();
    raw.write_all(b"GET /report HTTP/1.1\r\nHost: wbs.example.go.id\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = raw.read_to_end(&mut answer).await;
    assert!(
        String::from_utf8_lossy(&answer).contains("400"),
        "nginx refuses plain HTTP on its HTTPS port"
    );
    let mut cut = tokio::net::TcpStream::connect(("127.0.0.1", http))
        .await
        .unwrap();
    cut.write_all(b"GET /report HTTP/1.1\r\nHo").await.unwrap();
    drop(cut);
    tokio::time::sleep(Duration::from_millis(300)).await;

    drop(_nginx);
    let mut logged = String::new();
    for entry in std::fs::read_dir(&logs).unwrap() {
        let path = entry.unwrap().path();
        logged += &format!("--- {}\n", path.display());
        logged += &std::fs::read_to_string(&path).unwrap();
    }
    assert!(
        logged.contains("--- ") && !logged.contains("127.0.0.1") && !logged.contains("client:"),
        "nginx's logs name a client:\n{logged}"
    );
}
