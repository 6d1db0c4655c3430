//! Configuration: an optional TOML file, `KENTONGAN_*` environment variables over it, command
//! line flags over both. `kentongan config example` prints the commented example below.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::Context;
use kentongan_templates::Office;
use serde::Deserialize;

use crate::categories::{CasesConfig, Categories};
use crate::followup::LoginLimits;
use crate::workflow::Deadlines;

/// Where the server listens unless told otherwise: loopback, so a fresh install is not
/// reachable from the network until the operator puts a TLS proxy or onion service in front.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// The embedded database, in `data/` under the working directory (created on first run).
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/kentongan.sqlite3";

/// The file read when `--config` / `KENTONGAN_CONFIG` is not given, if it exists.
pub const DEFAULT_CONFIG_FILE: &str = "kentongan.toml";

/// Read instead when the working directory has no [`DEFAULT_CONFIG_FILE`]: where the Debian
/// package puts the configuration, so that `sudo -u kentongan kentongan investigator add …`
/// works from any directory.
pub const INSTALLED_CONFIG_FILE: &str = "/etc/kentongan/kentongan.toml";

/// The configuration file. Every field is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Address and port to listen on, or `unix:PATH` for a unix socket (`KENTONGAN_LISTEN`).
    pub listen: Option<String>,
    /// `sqlite://path/to/file.sqlite3` or `postgres://user@host/db` (`KENTONGAN_DATABASE_URL`).
    pub database_url: Option<String>,
    /// Cookies are `Secure` (and HSTS is sent) whenever the site is reached by a name other
    /// than a loopback address or an onion name; `true` makes them `Secure` there too.
    pub secure_cookies: Option<bool>,
    /// Hours east of UTC for the office's calendar: reports are dated by day only, in this
    /// time zone. 7 (WIB) unless set.
    pub utc_offset_hours: Option<i8>,
    /// Reporter keys derived on the server at once (no-JS reports and follow-up logins). Each
    /// takes 64 MiB for Argon2id while it runs. The number of CPU cores unless set.
    pub max_concurrent_derivations: Option<usize>,
    /// No-JS requests allowed to wait for a free slot; beyond this the reporter is told to try
    /// again in a minute, and the form keeps what they typed. 64 unless set.
    pub max_waiting_derivations: Option<usize>,
    /// Wrong follow-up logins for one receipt code before each further one must wait. 5
    /// unless set.
    pub login_free_attempts: Option<u32>,
    /// The first wait, in seconds; it doubles with each further wrong login, up to an hour.
    /// 60 unless set.
    pub login_delay_seconds: Option<u64>,
    /// Working-day deadlines shown to investigators as due or overdue.
    pub deadlines: Option<Deadlines>,
    /// The office that runs this WBS, shown on every page.
    pub office: Option<Office>,
    /// Case metadata: the office's categories for classifying cases.
    pub cases: Option<CasesConfig>,
    /// E-mail notifications to the team; none without this table.
    pub notify: Option<crate::notify::NotifyFile>,
    /// Limits on reporters' attachments (`KENTONGAN_MAX_FILE_BYTES`, `KENTONGAN_MAX_FILES`).
    pub attachments: Option<crate::uploads::AttachmentLimits>,
    /// Limits on connections: how many, and how long a client may stall.
    pub connections: Option<crate::serve::ConnectionLimits>,
    /// The Tor onion service this site is also reached as.
    pub tor: Option<crate::onion::TorConfig>,
    /// HTTPS of its own: certificate files or ACME, and an optional plain-HTTP redirect.
    pub tls: Option<crate::tls::TlsFile>,
}

/// The configuration in force.
pub struct Config {
    pub listen: String,
    pub database_url: DatabaseUrl,
    pub secure_cookies: bool,
    pub utc_offset: time::UtcOffset,
    pub max_concurrent_derivations: usize,
    pub max_waiting_derivations: usize,
    pub login_limits: LoginLimits,
    pub deadlines: Deadlines,
    pub office: Office,
    pub categories: Categories,
    /// `None`: notifications are off.
    pub notify: Option<crate::notify::NotifySettings>,
    pub attachments: crate::uploads::AttachmentLimits,
    pub connections: crate::serve::ConnectionLimits,
    /// `None`: no `Onion-Location` header.
    pub onion_address: Option<crate::onion::OnionAddress>,
    /// Empty (`is_on()` false): plain HTTP.
    pub tls: crate::tls::TlsFile,
}

/// A database URL, with any password masked in `Debug` and `Display`.
#[derive(Clone)]
pub struct DatabaseUrl(pub String);

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // scheme://user:password@host → scheme://user:***@host
        match (self.0.find("://"), self.0.rfind('@')) {
            (Some(scheme), Some(at)) if at > scheme => {
                let userinfo = self.0.get(scheme + 3..at).unwrap_or_default();
                let user = userinfo.split(':').next().unwrap_or_default();
                let masked = if userinfo.contains(':') { ":***" } else { "" };
                write!(
                    f,
                    "{}{user}{masked}{}",
                    self.0.get(..scheme + 3).unwrap_or_default(),
                    self.0.get(at..).unwrap_or_default()
                )
            }
            _ => f.write_str(&self.0),
        }
    }
}

/// The configuration file to read: `explicit` (`--config`, `KENTONGAN_CONFIG`), else
/// [`DEFAULT_CONFIG_FILE`] or [`INSTALLED_CONFIG_FILE`], the first that exists; else none.
pub fn file_to_read(explicit: Option<&Path>) -> Option<PathBuf> {
    match explicit {
        Some(path) => Some(path.to_owned()),
        None => [DEFAULT_CONFIG_FILE, INSTALLED_CONFIG_FILE]
            .into_iter()
            .map(PathBuf::from)
            .find(|path| path.exists()),
    }
}

impl DatabaseUrl {
    /// Refuses root the use of an SQLite database in a folder another user owns, as the
    /// packaged server's `/var/lib/kentongan` is owned by `kentongan`: a database or journal
    /// file that root creates there would lock that server out of its own data.
    pub fn refuse_root_in_others_folder(&self) -> anyhow::Result<()> {
        use std::os::unix::fs::MetadataExt;
        if self.0.starts_with("postgres") || !rustix::process::geteuid().is_root() {
            return Ok(());
        }
        let file = sqlx::sqlite::SqliteConnectOptions::from_str(&self.0)
            .with_context(|| format!("database_url {self}"))?
            .get_filename()
            .to_owned();
        let folder = match file.parent() {
            Some(folder) if !folder.as_os_str().is_empty() => folder,
            _ => Path::new("."),
        };
        match std::fs::metadata(folder) {
            Ok(meta) if meta.uid() != 0 => anyhow::bail!(
                "{} belongs to another user (uid {}), who runs the server: run this command \
                 as that user (e.g. sudo -u kentongan kentongan …), not as root",
                folder.display(),
                meta.uid()
            ),
            _ => Ok(()),
        }
    }
}

impl Config {
    /// Reads the file [`file_to_read`] names, if any, and applies the overrides, which clap
    /// has already merged from flags and environment.
    pub fn load(
        path: Option<&Path>,
        listen: Option<String>,
        database_url: Option<String>,
    ) -> anyhow::Result<Config> {
        let file = match file_to_read(path) {
            Some(path) => read(&path)?,
            None => FileConfig::default(),
        };
        let utc_offset = time::UtcOffset::from_hms(file.utc_offset_hours.unwrap_or(7), 0, 0)
            .context("utc_offset_hours must be between -25 and 25")?;
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        let notify = file
            .notify
            .map(|notify| notify.settings(std::env::var(crate::notify::PASSWORD_ENV).ok()))
            .transpose()
            .context("[notify]")?;
        Ok(Config {
            listen: listen
                .or(file.listen)
                .unwrap_or_else(|| DEFAULT_LISTEN.into()),
            database_url: DatabaseUrl(
                database_url
                    .or(file.database_url)
                    .unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
            ),
            secure_cookies: file.secure_cookies.unwrap_or(false),
            utc_offset,
            max_concurrent_derivations: file.max_concurrent_derivations.unwrap_or(cores).max(1),
            max_waiting_derivations: file.max_waiting_derivations.unwrap_or(64),
            login_limits: LoginLimits {
                free_attempts: file.login_free_attempts.unwrap_or(5),
                first_delay: std::time::Duration::from_secs(
                    file.login_delay_seconds.unwrap_or(60).max(1),
                ),
            },
            deadlines: file.deadlines.unwrap_or_default(),
            office: file.office.unwrap_or_else(Office::jetis_example),
            categories: Categories::from_config(file.cases)?,
            notify,
            attachments: file
                .attachments
                .unwrap_or_default()
                .with_env()
                .context("[attachments]")?,
            connections: file.connections.unwrap_or_default(),
            onion_address: file
                .tor
                .and_then(|tor| tor.onion_address)
                .map(|address| crate::onion::OnionAddress::parse(&address))
                .transpose()
                .context("[tor] onion_address")?,
            tls: file.tls.unwrap_or_default(),
        })
    }
}

fn read(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("{} is not valid configuration", path.display()))
}

/// The commented example `kentongan config example` prints.
pub const EXAMPLE: &str = include_str!("../kentongan.example.toml");

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn example_parses_and_matches_defaults() {
        let file: FileConfig = toml::from_str(EXAMPLE).unwrap();
        assert_eq!(file.listen.as_deref(), Some(DEFAULT_LISTEN));
        assert_eq!(file.database_url.as_deref(), Some(DEFAULT_DATABASE_URL));
        assert_eq!(file.office.unwrap().name, Office::jetis_example().name);
        assert_eq!(file.deadlines, Some(Deadlines::default()));
        assert_eq!(file.login_free_attempts, Some(5));
        assert_eq!(file.login_delay_seconds, Some(60));
        assert_eq!(
            Categories::from_config(file.cases).unwrap(),
            Categories::default()
        );
        assert_eq!(
            file.attachments,
            Some(crate::uploads::AttachmentLimits::default())
        );
        assert!(
            file.notify.is_none(),
            "notifications are off unless configured"
        );
        assert!(file.tor.is_none(), "no onion address unless configured");
    }

    /// The example's commented `[tor]` table, uncommented, parses; a wrong address does not
    /// load.
    #[test]
    fn example_tor_table_parses() {
        let (_, table) = EXAMPLE.split_once("# [tor]").unwrap();
        let line = table
            .lines()
            .find_map(|line| line.strip_prefix("# onion_address = "))
            .unwrap();
        let file: FileConfig = toml::from_str(&format!("[tor]\nonion_address = {line}")).unwrap();
        let address = file.tor.unwrap().onion_address.unwrap();
        assert!(crate::onion::OnionAddress::parse(&address).is_ok());

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kentongan.toml");
        std::fs::write(&path, "[tor]\nonion_address = \"example.onion\"\n").unwrap();
        let error = Config::load(Some(&path), None, None).err().unwrap();
        assert!(format!("{error:#}").contains("onion_address"), "{error:#}");
    }

    /// The example's commented `[notify]` table, uncommented, is valid and means what it says.
    #[test]
    fn example_notify_table_parses() {
        let (_, table) = EXAMPLE.split_once("# [notify]").unwrap();
        let uncommented: String = std::iter::once("[notify]")
            .chain(
                table
                    .lines()
                    .filter_map(|line| line.strip_prefix("# "))
                    .filter(|line| line.contains(" = ")),
            )
            .map(|line| format!("{line}\n"))
            .collect();
        let file: FileConfig = toml::from_str(&uncommented).unwrap();
        let settings = file
            .notify
            .unwrap()
            .settings(Some("s3cret".into()))
            .unwrap();
        assert_eq!(settings.smtp_port, 587);
        assert_eq!(settings.tls, crate::notify::Tls::Starttls);
        assert_eq!(settings.deadline_warning_days, 2);
        assert_eq!(settings.team_url, "https://wbs.example.go.id/team");
        assert!(!format!("{settings:?}").contains("s3cret"));
    }

    /// The example's commented `[tls]` table, uncommented, is valid.
    #[test]
    fn example_tls_table_parses() {
        let (_, table) = EXAMPLE.split_once("# [tls]").unwrap();
        let uncommented: String = std::iter::once("[tls]")
            .chain(
                table
                    .lines()
                    .skip(1)
                    .take_while(|line| line.starts_with('#'))
                    .filter_map(|line| line.strip_prefix("# "))
                    .filter(|line| line.contains(" = ")),
            )
            .map(|line| format!("{line}\n"))
            .collect();
        let file: FileConfig = toml::from_str(&uncommented).unwrap();
        let tls = file.tls.unwrap();
        assert!(tls.cert.is_some() && tls.key.is_some());
        assert_eq!(tls.redirect_http.as_deref(), Some("0.0.0.0:80"));
        assert_eq!(tls.acme_renew_days, Some(30));
        assert!(toml::from_str::<FileConfig>("[tls]\ncertificate = \"x\"").is_err());
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<FileConfig>("lisen = \"x\"").is_err());
    }

    #[test]
    fn passwords_are_masked() {
        let url = DatabaseUrl("postgres://kentongan:s3cret@db.local/wbs".into());
        assert_eq!(url.to_string(), "postgres://kentongan:***@db.local/wbs");
        assert_eq!(format!("{url:?}"), "postgres://kentongan:***@db.local/wbs");
        let plain = DatabaseUrl("postgres://postgres@127.0.0.1/test".into());
        assert_eq!(plain.to_string(), "postgres://postgres@127.0.0.1/test");
    }
}
