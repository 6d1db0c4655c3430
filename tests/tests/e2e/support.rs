//! Starting the real binaries, and the databases they use.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// A binary built by `cargo build` in the same target directory as this test.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/e2e-<hash> → target/<profile>/<name>
    let path = exe.parent().unwrap().parent().unwrap().join(name);
    assert!(
        path.exists(),
        "{} is missing: build the binaries first (scripts/test does)",
        path.display()
    );
    path
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn run(mut command: Command) -> Output {
    command.output().unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// An investigator's key made with the real `kentongan-keytool generate`.
pub struct InvestigatorKey {
    pub key_file: PathBuf,
    pub passphrase_file: PathBuf,
    pub recipient: String,
}

pub fn make_investigator(dir: &Path, name: &str) -> InvestigatorKey {
    let passphrase_file = dir.join(format!("{name}.pass"));
    std::fs::write(
        &passphrase_file,
        format!("kata sandi panjang {name} 2026\n"),
    )
    .unwrap();
    let key_file = dir.join(format!("{name}.age"));
    let mut cmd = Command::new(bin("kentongan-keytool"));
    cmd.args(["generate", "--out"])
        .arg(&key_file)
        .arg("--passphrase-file")
        .arg(&passphrase_file);
    let out = run(cmd);
    assert!(out.status.success(), "keytool generate: {}", stderr(&out));
    let recipient = stdout(&out).trim().to_owned();
    assert!(recipient.starts_with("age1"), "{recipient}");
    InvestigatorKey {
        key_file,
        passphrase_file,
        recipient,
    }
}

/// A server whose team is one investigator, `name`, with a key made by the real keytool and
/// registered with the real `kentongan investigator add` before the server starts.
pub fn server_with_investigator(
    database_url: Option<&str>,
    name: &str,
) -> (Server, InvestigatorKey) {
    let dir = tempfile::tempdir().unwrap();
    let key = make_investigator(dir.path(), &name.to_lowercase());
    let out = kentongan(
        dir.path(),
        database_url,
        &[
            "investigator",
            "add",
            "--name",
            name,
            "--recipient",
            &key.recipient,
        ],
    );
    assert!(out.status.success(), "investigator add: {}", stderr(&out));
    (Server::start(dir, database_url), key)
}

/// A fresh PostgreSQL database, dropped when this is dropped.
pub struct Postgres {
    pub url: String,
    name: String,
}

const PG_ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres";

fn psql(sql: &str) -> Output {
    let admin = std::env::var("KENTONGAN_TEST_POSTGRES_URL").unwrap_or_else(|_| PG_ADMIN.into());
    let mut cmd = Command::new("psql");
    cmd.args([admin.as_str(), "-v", "ON_ERROR_STOP=1", "-qc", sql]);
    run(cmd)
}

impl Postgres {
    pub fn new() -> Postgres {
        let name = format!(
            "kentongan_e2e_{}",
            std::process::id() as u64 * 1000 + free_port() as u64
        );
        let out = psql(&format!("CREATE DATABASE {name}"));
        assert!(
            out.status.success(),
            "PostgreSQL must run on 127.0.0.1:5432 for these tests: {}",
            stderr(&out)
        );
        let base = std::env::var("KENTONGAN_TEST_POSTGRES_URL").unwrap_or_else(|_| PG_ADMIN.into());
        let url = format!("{}/{name}", base.rsplit_once('/').unwrap().0);
        Postgres { url, name }
    }

    /// Everything stored, as text: `pg_dump` of the data (bytea appears as hex).
    pub fn dump(&self) -> String {
        let mut cmd = Command::new("pg_dump");
        cmd.args(["--data-only", self.url.as_str()]);
        let out = run(cmd);
        assert!(out.status.success(), "pg_dump: {}", stderr(&out));
        stdout(&out)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = psql(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}

/// The real server, started in its own working directory (so the default SQLite database is
/// created in `data/` there), with its log captured to a file.
pub struct Server {
    child: Child,
    pub dir: TempDir,
    pub url: String,
    pub database_url: Option<String>,
    log: PathBuf,
    /// Arguments after `serve`.
    serve_args: Vec<String>,
}

impl Server {
    /// `database_url: None` uses the built-in default (SQLite under `data/`).
    pub fn start(dir: TempDir, database_url: Option<&str>) -> Server {
        Server::start_with(dir, database_url, &[])
    }

    /// [`Server::start`] with `kentongan serve SERVE_ARGS`.
    pub fn start_with(dir: TempDir, database_url: Option<&str>, serve_args: &[&str]) -> Server {
        let log = dir.path().join("server.log");
        let serve_args: Vec<String> = serve_args.iter().map(|a| a.to_string()).collect();
        let (child, url) = spawn_server(dir.path(), database_url, &log, &serve_args);
        Server {
            child,
            dir,
            url,
            database_url: database_url.map(str::to_owned),
            log,
            serve_args,
        }
    }

    /// Sends SIGTERM (what systemd and `kill` send) and returns at once.
    pub fn terminate(&self) {
        let pid = rustix::process::Pid::from_child(&self.child);
        rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    }

    /// Kills the server with SIGKILL, as a crash or a power cut would: no request in
    /// progress finishes, nothing is flushed.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        let _ = self.child.wait();
    }

    /// Starts the server again on the same directory and database (on a new port), after
    /// [`Server::stop`] or [`Server::kill`]; its log goes on in the same file.
    pub fn restart(&mut self) {
        assert!(
            self.child.try_wait().unwrap().is_some(),
            "restart: the server is still running"
        );
        let (child, url) = spawn_server(
            self.dir.path(),
            self.database_url.as_deref(),
            &self.log,
            &self.serve_args,
        );
        self.child = child;
        self.url = url;
    }

    /// Waits at most `within` for the server to exit; its status if it did.
    pub fn wait_exit(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the server as an operator would (SIGTERM, a graceful stop), keeping its
    /// directory and database.
    pub fn stop(&mut self) {
        let pid = rustix::process::Pid::from_child(&self.child);
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = self.child.kill();
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.wait();
    }

    /// Runs `kentongan ARGS` against the same database, in the same working directory.
    pub fn kentongan(&self, args: &[&str]) -> Output {
        kentongan(self.dir.path(), self.database_url.as_deref(), args)
    }

    pub fn log(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.log) {
            let _ = f.read_to_string(&mut text);
        }
        text
    }

    /// Every byte of every file under `data/` (the SQLite database and its WAL).
    pub fn data_files(&self) -> Vec<u8> {
        let mut all = Vec::new();
        let data = self.dir.path().join("data");
        for entry in std::fs::read_dir(&data).into_iter().flatten().flatten() {
            all.extend(std::fs::read(entry.path()).unwrap_or_default());
        }
        all
    }
}

/// Starts `kentongan serve` in `dir` on a free port, its log appended to `log`; waits until it
/// listens.
fn spawn_server(
    dir: &Path,
    database_url: Option<&str>,
    log: &Path,
    serve_args: &[String],
) -> (Child, String) {
    let port = free_port();
    let log_file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    let mut cmd = Command::new(bin("kentongan"));
    cmd.current_dir(dir)
        .env("KENTONGAN_LISTEN", format!("127.0.0.1:{port}"))
        .env("KENTONGAN_LOG", "debug")
        .env_remove("KENTONGAN_DATABASE_URL")
        .stdout(Stdio::from(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(dir.join("server.out"))
                .unwrap(),
        ))
        .stderr(Stdio::from(log_file));
    if let Some(url) = database_url {
        cmd.env("KENTONGAN_DATABASE_URL", url);
    }
    cmd.arg("serve").args(serve_args);
    let mut child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() >= deadline || child.try_wait().unwrap().is_some() {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "server did not start: {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, format!("http://127.0.0.1:{port}"))
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn kentongan(dir: &Path, database_url: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(bin("kentongan"));
    cmd.current_dir(dir)
        .env_remove("KENTONGAN_DATABASE_URL")
        .args(args);
    if let Some(url) = database_url {
        cmd.env("KENTONGAN_DATABASE_URL", url);
    }
    run(cmd)
}

/// Exports every case and opens case `id` with the real keytool; returns report.txt and
/// case.json.
pub fn export_and_open(
    server: &Server,
    key: &InvestigatorKey,
    id: i64,
) -> (String, serde_json::Value) {
    let bundles = server.dir.path().join("export");
    let out = server.kentongan(&["export", "--all", "--out", bundles.to_str().unwrap()]);
    assert!(out.status.success(), "export: {}", stderr(&out));
    let opened = server.dir.path().join(format!("opened-{id}"));
    // Opened again after the case changed: the keytool refuses to overwrite.
    let _ = std::fs::remove_dir_all(&opened);
    let mut cmd = Command::new(bin("kentongan-keytool"));
    cmd.arg("open")
        .arg(bundles.join(format!("case-{id}.json")))
        .arg("--identity")
        .arg(&key.key_file)
        .arg("--passphrase-file")
        .arg(&key.passphrase_file)
        .arg("--out")
        .arg(&opened);
    let out = run(cmd);
    assert!(out.status.success(), "keytool open: {}", stderr(&out));
    let text = std::fs::read_to_string(opened.join("report.txt")).unwrap();
    let json =
        serde_json::from_str(&std::fs::read_to_string(opened.join("case.json")).unwrap()).unwrap();
    (text, json)
}

/// The text of the element with `id` in an HTML page (first match; enough for our pages).
pub fn element_text(html: &str, id: &str) -> Option<String> {
    let start = html.find(&format!("id=\"{id}\""))?;
    let open_end = start + html[start..].find('>')? + 1;
    let close = open_end + html[open_end..].find('<')?;
    Some(html[open_end..close].to_owned())
}

/// The `value` of the input named `name`.
pub fn input_value(html: &str, name: &str) -> Option<String> {
    let start = html.find(&format!("name=\"{name}\""))?;
    let tag_start = html[..start].rfind('<')?;
    let tag_end = start + html[start..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let v = tag.find("value=\"")? + 7;
    let end = v + tag[v..].find('"')?;
    Some(tag[v..end].to_owned())
}

/// Asserts the command succeeded (naming `what`, with its output, if not); returns its
/// standard output.
pub fn succeeded(out: &std::process::Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what}: {}{}",
        stdout(out),
        stderr(out)
    );
    stdout(out)
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// The investigator's offline round: exports case `id`, writes `message` into a reply file
/// with the real keytool (signed with `key`'s envelope), and returns the file's path.
pub fn offline_reply(
    server: &Server,
    key: &InvestigatorKey,
    id: i64,
    message: &str,
    name: &str,
) -> PathBuf {
    let dir = server.dir.path();
    let bundle = dir.join(format!("bundle-{id}-{name}.json"));
    let out = server.kentongan(&[
        "export",
        "--case",
        &id.to_string(),
        "--out",
        bundle.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "export: {}", stderr(&out));
    let message_file = dir.join(format!("{name}.txt"));
    std::fs::write(&message_file, message).unwrap();
    let reply = dir.join(format!("{name}.reply.json"));
    let mut cmd = Command::new(bin("kentongan-keytool"));
    cmd.arg("reply")
        .arg(&bundle)
        .arg("--identity")
        .arg(&key.key_file)
        .arg("--passphrase-file")
        .arg(&key.passphrase_file)
        .arg("--message-file")
        .arg(&message_file)
        .arg("--out")
        .arg(&reply);
    let out = run(cmd);
    assert!(out.status.success(), "keytool reply: {}", stderr(&out));
    std::fs::remove_file(&message_file).unwrap();
    reply
}

/// An investigator asks a question and moves the case to `pemeriksaan` with a message, both
/// offline, both imported with the real binary.
pub fn investigator_answers(
    server: &Server,
    key: &InvestigatorKey,
    id: i64,
    question: &str,
    stage_message: &str,
) {
    let reply = offline_reply(server, key, id, question, "question");
    let out = server.kentongan(&["case", "reply", &id.to_string(), reply.to_str().unwrap()]);
    assert!(out.status.success(), "case reply: {}", stderr(&out));
    let moved = offline_reply(server, key, id, stage_message, "stage");
    let out = server.kentongan(&[
        "case",
        "move",
        &id.to_string(),
        "--to",
        "pemeriksaan",
        "--reply",
        moved.to_str().unwrap(),
        "--by",
        "Ani",
    ]);
    assert!(out.status.success(), "case move: {}", stderr(&out));
}

/// Opens case `id` with the real keytool and returns its conversation transcript.
pub fn open_conversation(server: &Server, key: &InvestigatorKey, id: i64) -> String {
    let _ = export_and_open(server, key, id);
    std::fs::read_to_string(
        server
            .dir
            .path()
            .join(format!("opened-{id}"))
            .join("conversation.txt"),
    )
    .unwrap()
}

/// Files a report without JavaScript (the form, then its post, as one reporter's client) and
/// returns the receipt code and passphrase from the confirmation page. Panics unless the
/// server acknowledges it.
pub async fn file(url: &str, what: &str) -> (String, String) {
    match try_file(url, what).await {
        Ok(filed) => filed,
        Err(error) => panic!("{error}"),
    }
}

/// [`file`], but a failure (no connection, an error page, a cut-off answer) is returned
/// instead: the receipt code and passphrase only if the confirmation page arrived whole.
pub async fn try_file(url: &str, what: &str) -> Result<(String, String), String> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let form = client
        .get(format!("{url}/report"))
        .send()
        .await
        .map_err(|e| format!("the form: {e}"))?;
    if form.status() != 200 {
        return Err(format!("the form: {}", form.status()));
    }
    let form = form.text().await.map_err(|e| format!("the form: {e}"))?;
    let csrf = input_value(&form, "csrf").ok_or("the form has no csrf field")?;
    let response = client
        .post(format!("{url}/report"))
        .form(&report_form(&csrf, what))
        .send()
        .await
        .map_err(|e| format!("the report: {e}"))?;
    let status = response.status();
    let page = response
        .text()
        .await
        .map_err(|e| format!("the report's answer: {e}"))?;
    if status != 200 {
        return Err(format!("the report: {status}: {page}"));
    }
    Ok((
        element_text(&page, "receipt-code").ok_or("no receipt code on the page")?,
        element_text(&page, "passphrase").ok_or("no passphrase on the page")?,
    ))
}

/// The fields of a no-JS report whose first question is answered with `what`.
pub fn report_form<'a>(csrf: &'a str, what: &'a str) -> [(&'static str, &'a str); 9] {
    [
        ("csrf", csrf),
        ("lang", "id"),
        ("category", "gratifikasi-suap"),
        ("what", what),
        ("who", "Petugas gudang"),
        ("where", "Gudang logistik"),
        ("when", "Kemarin"),
        ("how", "Barang dijual keluar"),
        ("why", "Melanggar aturan"),
    ]
}

/// Logs in without JavaScript and returns the case page.
pub async fn login(url: &str, receipt: &str, passphrase: &str) -> String {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let page = client.get(format!("{url}/followup")).send().await.unwrap();
    let csrf = input_value(&page.text().await.unwrap(), "csrf").expect("csrf field");
    let case = client
        .post(format!("{url}/followup"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("lang", "id"),
            ("receipt", receipt),
            ("passphrase", passphrase),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(case.status(), 200, "{receipt} logs in");
    case.text().await.unwrap()
}
