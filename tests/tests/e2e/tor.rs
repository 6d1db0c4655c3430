//! The Tor onion service (issue 13, part 3), with Debian's real `tor` kept off the network
//! (`DisableNetwork 1`, `SocksPort 0`, a temporary `DataDirectory`): the torrc lines
//! `kentongan config torrc` prints pass `tor --verify-config`; tor makes the service's keys
//! and address; the real server, on a unix socket, takes a no-JS report and a follow-up
//! login addressed to that onion name, with no `Secure` cookie, no HSTS, no absolute URL to
//! itself and no `Onion-Location`, which pages under another name do carry.

use std::collections::BTreeMap;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;

use crate::support::{
    element_text, input_value, kentongan, make_investigator, report_form, stderr, succeeded,
};

/// Debian's tor; `scripts/test` installs it.
fn tor() -> PathBuf {
    ["/usr/bin/tor", "/usr/sbin/tor"]
        .iter()
        .map(PathBuf::from)
        .find(|path| path.exists())
        .expect("tor is not installed: scripts/test installs Debian's tor package")
}

/// What every torrc here adds to the lines under test: tor never touches the network, opens
/// no SOCKS port, and keeps its state in `dir`.
fn offline_lines(dir: &Path) -> String {
    format!(
        "DataDirectory {}\nSocksPort 0\nDisableNetwork 1\nLog notice stdout\n",
        dir.join("tor-data").display()
    )
}

/// `tor --verify-config` on `torrc` (without the system's defaults file): its exit status
/// and output.
fn verify(dir: &Path, torrc: &str) -> (bool, String) {
    let file = dir.join(format!("torrc-{}", torrc.len()));
    std::fs::write(&file, torrc).unwrap();
    let defaults = dir.join("torrc-defaults");
    std::fs::write(&defaults, "").unwrap();
    let out = Command::new(tor())
        .arg("--verify-config")
        .arg("-f")
        .arg(&file)
        .arg("--defaults-torrc")
        .arg(&defaults)
        .output()
        .unwrap();
    (
        out.status.success(),
        format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out)),
    )
}

/// The lines that are not comments.
fn directives(torrc: &str) -> Vec<&str> {
    torrc
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .collect()
}

#[test]
fn generated_torrc_passes_tor_verify_config() {
    let dir = tempfile::tempdir().unwrap();
    let torrc = |args: &[&str]| {
        let mut all = vec!["config", "torrc"];
        all.extend_from_slice(args);
        succeeded(&kentongan(dir.path(), None, &all), "config torrc")
    };

    // From the configured listen address: the default port, then a unix socket.
    let default = torrc(&[]);
    assert_eq!(
        directives(&default),
        [
            "HiddenServiceDir /var/lib/tor/kentongan/",
            "HiddenServicePort 80 127.0.0.1:8080"
        ]
    );
    std::fs::write(
        dir.path().join("kentongan.toml"),
        "listen = \"unix:/run/kentongan/kentongan.sock\"\n",
    )
    .unwrap();
    let socket = torrc(&[]);
    assert_eq!(
        directives(&socket),
        [
            "HiddenServiceDir /var/lib/tor/kentongan/",
            "HiddenServicePort 80 unix:/run/kentongan/kentongan.sock"
        ]
    );
    assert!(
        !socket.contains("NonAnonymous") && !socket.contains("SingleHop"),
        "{socket}"
    );
    let port = torrc(&["--port", "8081"]);
    assert!(
        port.contains("\nHiddenServicePort 80 127.0.0.1:8081\n"),
        "{port}"
    );
    let other = torrc(&["--socket", "/srv/wbs/k.sock"]);
    assert!(
        other.contains("\nHiddenServicePort 80 unix:/srv/wbs/k.sock\n"),
        "{other}"
    );

    for lines in [&default, &socket, &port, &other] {
        let (valid, output) = verify(dir.path(), &format!("{lines}{}", offline_lines(dir.path())));
        assert!(valid, "tor refuses:\n{lines}\n{output}");
    }

    // The same check refuses a broken service: a port without its directory.
    let broken: String = socket
        .lines()
        .filter(|line| !line.starts_with("HiddenServiceDir"))
        .map(|line| format!("{line}\n"))
        .collect();
    let (valid, output) = verify(
        dir.path(),
        &format!("{broken}{}", offline_lines(dir.path())),
    );
    assert!(
        !valid,
        "tor accepts a HiddenServicePort without a HiddenServiceDir"
    );
    assert!(output.contains("HiddenServicePort"), "{output}");

    // A socket path that tor would split at its space is refused, not printed.
    let out = kentongan(
        dir.path(),
        None,
        &["config", "torrc", "--socket", "/run/my wbs/k.sock"],
    );
    assert!(!out.status.success());
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// A child process killed (and reaped) when this is dropped, so nothing outlives the test.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs tor, offline, with the service `kentongan config torrc --socket SOCKET` prints (in a
/// directory of the test's own); returns the onion address tor wrote, after stopping tor.
fn onion_address_from_tor(dir: &Path, socket: &Path) -> String {
    let printed = succeeded(
        &kentongan(
            dir,
            None,
            &["config", "torrc", "--socket", socket.to_str().unwrap()],
        ),
        "config torrc",
    );
    let service_dir = dir.join("hidden-service");
    std::fs::create_dir(&service_dir).unwrap();
    std::fs::set_permissions(&service_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let torrc: String = printed
        .lines()
        .map(|line| match line.strip_prefix("HiddenServiceDir ") {
            Some(_) => format!("HiddenServiceDir {}/\n", service_dir.display()),
            None => format!("{line}\n"),
        })
        .collect::<String>()
        + &offline_lines(dir);
    let file = dir.join("torrc");
    std::fs::write(&file, &torrc).unwrap();
    std::fs::write(dir.join("torrc-defaults"), "").unwrap();
    let log = dir.join("tor.log");
    let tor = Running(
        Command::new(tor())
            .arg("-f")
            .arg(&file)
            .arg("--defaults-torrc")
            .arg(dir.join("torrc-defaults"))
            .stdout(Stdio::from(std::fs::File::create(&log).unwrap()))
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let hostname = service_dir.join("hostname");
    let deadline = Instant::now() + Duration::from_secs(60);
    let address = loop {
        let text = std::fs::read_to_string(&hostname).unwrap_or_default();
        if text.ends_with('\n') {
            break text.trim().to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "tor wrote no hostname: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    drop(tor);
    assert!(
        address.len() == 62 && address.ends_with(".onion"),
        "{address}"
    );
    address
}

/// `kentongan serve --listen unix:SOCKET` in `dir`, once the socket answers.
fn serve_on_socket(dir: &Path, socket: &Path) -> Running {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("server.log"))
        .unwrap();
    let mut child = Command::new(crate::support::bin("kentongan"))
        .current_dir(dir)
        .env_remove("KENTONGAN_DATABASE_URL")
        .env_remove("KENTONGAN_LISTEN")
        .env("KENTONGAN_LOG", "debug")
        .args(["serve", "--listen"])
        .arg(format!("unix:{}", socket.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::os::unix::net::UnixStream::connect(socket).is_err() {
        if Instant::now() > deadline || child.try_wait().unwrap().is_some() {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the server did not start on {}: {}",
                socket.display(),
                std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Running(child)
}

/// An answer read whole.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A browser of sorts, over the unix socket, sending `Host: host`: keeps cookies, and
/// records every answer it got.
struct Client {
    socket: PathBuf,
    host: String,
    cookies: BTreeMap<String, String>,
    seen: Vec<(String, Answer)>,
}

impl Client {
    fn new(socket: &Path, host: &str) -> Client {
        Client {
            socket: socket.to_owned(),
            host: host.to_owned(),
            cookies: BTreeMap::new(),
            seen: Vec::new(),
        }
    }

    async fn get(&mut self, path: &str) -> &Answer {
        self.send("GET", path, None).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> &Answer {
        self.send("POST", path, Some(form_encode(form))).await
    }

    async fn send(&mut self, method: &str, path: &str, form: Option<String>) -> &Answer {
        let stream = tokio::net::UnixStream::connect(&self.socket).await.unwrap();
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        tokio::spawn(connection);
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", &self.host)
            .header("cookie", cookie.join("; "));
        if form.is_some() {
            request = request.header("content-type", "application/x-www-form-urlencoded");
        }
        let request = request
            .body(Full::new(Bytes::from(form.unwrap_or_default())))
            .unwrap();
        let response = sender.send_request(request).await.unwrap();
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("?").to_owned()))
            .collect();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        for (_, set) in headers.iter().filter(|(n, _)| n == "set-cookie") {
            let pair = set.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        self.seen.push((
            format!("{method} {path}"),
            Answer {
                status,
                headers,
                body: String::from_utf8_lossy(&body).into_owned(),
            },
        ));
        &self.seen.last().unwrap().1
    }

    /// Follows a 303 as a browser would, after checking its `Location` is a path on this
    /// site rather than an absolute URL (which would leave the onion name).
    async fn follow(&mut self) -> &Answer {
        let (request, last) = self.seen.last().unwrap();
        assert_eq!(last.status, 303, "{request}: {}", last.body);
        let location = last.header("location").unwrap().to_owned();
        assert!(
            location.starts_with('/') && !location.starts_with("//"),
            "{request} redirects to {location}"
        );
        self.get(&location).await
    }
}

fn form_encode(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(name, value)| format!("{}={}", percent(name), percent(value)))
        .collect::<Vec<_>>()
        .join("&")
}

fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Every `href`, `src` and `action` in a page.
fn links(page: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["href=\"", "src=\"", "action=\""] {
        for (at, _) in page.match_indices(attribute) {
            let rest = &page[at + attribute.len()..];
            found.push(rest[..rest.find('"').unwrap()].to_owned());
        }
    }
    found
}

#[tokio::test]
async fn serves_an_onion_service_through_a_unix_socket() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let socket = dir.join("run").join("kentongan.sock");
    std::fs::create_dir(dir.join("run")).unwrap();
    let onion = onion_address_from_tor(dir, &socket);

    let key = make_investigator(dir, "ani");
    succeeded(
        &kentongan(
            dir,
            None,
            &[
                "investigator",
                "add",
                "--name",
                "Ani",
                "--recipient",
                &key.recipient,
            ],
        ),
        "investigator add",
    );
    std::fs::write(
        dir.join("kentongan.toml"),
        format!("[tor]\nonion_address = \"{onion}\"\n"),
    )
    .unwrap();
    let mut server = serve_on_socket(dir, &socket);
    let mode = std::fs::metadata(&socket).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o660, "socket mode {mode:o}");

    // A reporter in Tor Browser: files a report without JavaScript, then logs in to follow
    // it up and logs out again.
    let what = "Dana desa dipakai untuk keperluan pribadi (lewat onion)";
    let mut reporter = Client::new(&socket, &onion);
    let form = reporter.get("/report").await;
    assert_eq!(form.status, 200, "{}", form.body);
    let csrf = input_value(&form.body, "csrf").unwrap();
    let filed = reporter.post("/report", &report_form(&csrf, what)).await;
    assert_eq!(filed.status, 200, "{}", filed.body);
    let receipt = element_text(&filed.body, "receipt-code").unwrap();
    let passphrase = element_text(&filed.body, "passphrase").unwrap();

    let login = reporter.get("/followup").await;
    let csrf = input_value(&login.body, "csrf").unwrap();
    reporter
        .post(
            "/followup",
            &[
                ("csrf", csrf.as_str()),
                ("lang", "id"),
                ("receipt", receipt.as_str()),
                ("passphrase", passphrase.as_str()),
            ],
        )
        .await;
    let case = reporter.follow().await;
    assert_eq!(case.status, 200, "{}", case.body);
    assert!(case.body.contains(what), "the case page lacks the report");
    let csrf = input_value(&case.body, "csrf").unwrap();
    reporter
        .post(
            "/followup/logout",
            &[("csrf", csrf.as_str()), ("lang", "id")],
        )
        .await;
    let out = reporter.follow().await;
    assert_eq!(out.status, 200);
    reporter.get("/?lang=en").await;
    reporter.get("/no-such-page").await;

    assert!(reporter.seen.len() >= 9, "{}", reporter.seen.len());
    let mut cookies_set = 0;
    for (request, answer) in &reporter.seen {
        for (name, value) in &answer.headers {
            if name == "set-cookie" {
                cookies_set += 1;
                assert!(
                    !value.to_ascii_lowercase().contains("secure"),
                    "{request}: a Secure cookie on the onion: {value}"
                );
            }
            // No header names a URL at all: not Location, not Onion-Location, not the CSP.
            assert!(!value.contains("://"), "{request}: {name}: {value}");
        }
        assert!(
            answer.header("strict-transport-security").is_none(),
            "{request}: HSTS on the onion"
        );
        assert!(
            answer.header("onion-location").is_none(),
            "{request}: Onion-Location on the onion itself"
        );
        assert!(
            !answer.body.contains(&format!("://{onion}")),
            "{request}: an absolute URL to the site"
        );
        // Links, form actions, scripts and styles: all relative, so all stay on the onion.
        for link in links(&answer.body) {
            assert!(
                !link.contains("://") && !link.starts_with("//"),
                "{request}: an absolute link: {link}"
            );
        }
    }
    assert!(cookies_set >= 3, "the pages set {cookies_set} cookie(s)");

    // The same pages under another name point to the onion, path and query included; what
    // is not a page (a script) does not.
    let mut elsewhere = Client::new(&socket, "wbs.example.go.id");
    let page = elsewhere.get("/followup?lang=en").await;
    assert_eq!(page.status, 200);
    let expected = format!("http://{onion}/followup?lang=en");
    assert_eq!(page.header("onion-location"), Some(expected.as_str()));
    assert!(page.header("strict-transport-security").is_some());
    let script = links(&page.body)
        .into_iter()
        .find(|link| link.starts_with("/static/") && link.contains(".js"))
        .unwrap();
    let page = elsewhere.get("/").await;
    assert_eq!(
        page.header("onion-location"),
        Some(format!("http://{onion}/").as_str())
    );
    let script = elsewhere.get(&script).await;
    assert_eq!(script.status, 200);
    assert!(script.header("onion-location").is_none());
    // With a port in the Host, the onion name is still the onion name.
    let mut with_port = Client::new(&socket, &format!("{onion}:80"));
    assert!(with_port.get("/").await.header("onion-location").is_none());

    // A crash leaves the socket file behind; the next start replaces it.
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    let left = std::fs::symlink_metadata(&socket).unwrap();
    assert!(left.file_type().is_socket(), "kill -9 removed the socket");
    server = serve_on_socket(dir, &socket);
    let mut again = Client::new(&socket, &onion);
    assert_eq!(again.get("/").await.status, 200);

    // A clean stop removes it.
    let child = &mut server.0;
    let pid = rustix::process::Pid::from_child(child);
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
    assert!(!socket.exists(), "a clean stop left the socket file");

    // Something else at the path is neither removed nor listened on.
    std::fs::write(&socket, "not a socket").unwrap();
    let out = Command::new(crate::support::bin("kentongan"))
        .current_dir(dir)
        .env_remove("KENTONGAN_DATABASE_URL")
        .env_remove("KENTONGAN_LISTEN")
        .args(["serve", "--listen"])
        .arg(format!("unix:{}", socket.display()))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("not a socket"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&socket).unwrap(), "not a socket");

    let log = std::fs::read_to_string(dir.join("server.log")).unwrap();
    assert!(!log.contains(what) && !log.contains(&passphrase));
}
