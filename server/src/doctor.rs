//! `kentongan doctor`: what an operator must fix before (or while) the server takes reports,
//! one plain line a check: `ok   …`, `FIX  …` (exit 1) or `warn …`, each saying what to do.
//!
//! It changes nothing: the database is read (and opened as the server would only when it is
//! already at this binary's version, so no migration runs), the SMTP server is greeted and
//! left.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::config::Config;
use crate::store::schema::{self, Verdict};
use crate::store::{self, StoreError};

/// How long a network check (the database, the SMTP server) may take before it counts as
/// unreachable.
const NETWORK_TIMEOUT: Duration = Duration::from_secs(10);
/// Below this much free disk space, a warning: a few busy days of attachments.
const LOW_DISK: u64 = 1 << 30;
/// A clock before this year is wrong for certain: this code did not exist yet. (Raise it with
/// a release; it only has to be no later than the build.)
const BUILT_NOT_BEFORE_YEAR: i32 = 2026;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Ok,
    /// Worth a look; the server works.
    Warn,
    /// The operator must fix this: the server does not work, or not as it should.
    Fix,
}

/// One line of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub level: Level,
    pub text: String,
}

impl Check {
    fn ok(text: impl Into<String>) -> Check {
        Check {
            level: Level::Ok,
            text: text.into(),
        }
    }
    fn warn(text: impl Into<String>) -> Check {
        Check {
            level: Level::Warn,
            text: text.into(),
        }
    }
    fn fix(text: impl Into<String>) -> Check {
        Check {
            level: Level::Fix,
            text: text.into(),
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.level {
            Level::Ok => "ok  ",
            Level::Warn => "warn",
            Level::Fix => "FIX ",
        };
        // One check, one line, whatever an error message held.
        let text = self.text.replace(['\n', '\r'], " ");
        write!(f, "{label} {text}")
    }
}

/// Runs every check, in the order an operator would fix them. `config_file`: the file the
/// configuration was read from, if any.
pub async fn checks(config: &Config, config_file: Option<&Path>) -> Vec<Check> {
    let mut checks = vec![configuration(config_file)];
    let url = &config.database_url;
    let status = match tokio::time::timeout(NETWORK_TIMEOUT, schema::status(&url.0)).await {
        Ok(Ok(status)) => Some(status),
        Ok(Err(error)) => {
            checks.push(Check::fix(format!(
                "database: cannot read {url}: {}: check database_url (or \
                 KENTONGAN_DATABASE_URL) and that the database server runs",
                plain(&error)
            )));
            None
        }
        Err(_) => {
            checks.push(Check::fix(format!(
                "database: {url} did not answer within {} seconds: check database_url (or \
                 KENTONGAN_DATABASE_URL) and that the database server runs",
                NETWORK_TIMEOUT.as_secs()
            )));
            None
        }
    };
    let mut current = false;
    if let Some(status) = &status {
        if status.exists {
            checks.push(Check::ok(format!("database: {url} can be read")));
            let verdict = status.verdict();
            current = matches!(verdict, Verdict::UpToDate { .. });
            checks.push(match verdict {
                Verdict::UpToDate { .. } => Check::ok(format!("migrations: {verdict}")),
                Verdict::Pending { .. } => Check::fix(format!(
                    "migrations: {verdict} (after `kentongan backup --out FILE`)"
                )),
                Verdict::Failed { .. } | Verdict::Newer { .. } => {
                    Check::fix(format!("migrations: {verdict}"))
                }
            });
        } else {
            checks.push(Check::fix(format!(
                "database: {url} does not exist yet: run `kentongan migrate` to create it"
            )));
        }
    }
    if current {
        checks.push(investigators(&url.0).await);
    } else if status.is_some() {
        checks.push(Check::warn(
            "investigators: not checked until the database is at this version",
        ));
    }
    checks.extend(tls(config));
    checks.push(smtp(config).await);
    checks.push(disk(config));
    checks.push(clock(&url.0, status.as_ref().is_some_and(|s| s.exists)).await);
    checks
}

fn configuration(file: Option<&Path>) -> Check {
    match file {
        Some(file) => Check::ok(format!(
            "configuration: {} parses",
            std::path::absolute(file)
                .unwrap_or_else(|_| file.to_owned())
                .display()
        )),
        None => Check::ok(format!(
            "configuration: no file (no --config, KENTONGAN_CONFIG or {} here): built-in \
             defaults and KENTONGAN_* variables",
            crate::config::DEFAULT_CONFIG_FILE
        )),
    }
}

/// At least one investigator the form can seal reports to, and one admin to manage the team.
async fn investigators(url: &str) -> Check {
    let listed = match store::open(url).await {
        Ok(store) => store.investigators().await,
        Err(error) => Err(error),
    };
    let investigators = match listed {
        Ok(investigators) => investigators,
        Err(error) => {
            return Check::fix(format!("investigators: cannot be read: {}", plain(&error)));
        }
    };
    let active = investigators.iter().filter(|i| i.active).count();
    let admins = investigators.iter().filter(|i| i.active && i.admin).count();
    if active == 0 {
        Check::fix(
            "investigators: none is registered, so the report form refuses reports: make a key \
             with `kentongan-keytool generate --out KEY_FILE`, then `kentongan investigator \
             add --name NAME --recipient age1… --admin`",
        )
    } else if admins == 0 {
        Check::fix(format!(
            "investigators: {active} active but no admin to manage the team: `kentongan \
             investigator role ID --admin` (ids: `kentongan investigator list`)"
        ))
    } else {
        Check::ok(format!(
            "investigators: {active} active, {admins} of them admin"
        ))
    }
}

/// The HTTPS certificate, when the server serves HTTPS itself: FIX when the file cannot be
/// read or has expired, warn when it expires within two weeks (nobody renews a file but the
/// operator). ACME renews its own; there, the settings are named.
fn tls(config: &Config) -> Vec<Check> {
    let tls = &config.tls;
    if !tls.is_on() {
        return vec![Check::ok(
            "HTTPS: not served by Kentongan itself (a reverse proxy or an onion service in front)",
        )];
    }
    if !tls.acme_domains.is_empty() {
        return vec![Check::ok(format!(
            "HTTPS: certificates by ACME for {}, renewed before they expire",
            tls.acme_domains.join(", ")
        ))];
    }
    let Some(cert) = &tls.cert else {
        return vec![Check::fix("HTTPS: [tls] names no certificate file (cert)")];
    };
    let now = time::OffsetDateTime::now_utc();
    match crate::tls::certificate_expiry(cert) {
        Err(error) => vec![Check::fix(format!(
            "HTTPS: cannot read the certificate {}: {error:#}",
            cert.display()
        ))],
        Ok(expiry) if expiry <= now => vec![Check::fix(format!(
            "HTTPS: the certificate {} expired on {}: renew it (the server picks the new file up \
             by itself)",
            cert.display(),
            expiry.date()
        ))],
        Ok(expiry) if expiry - now < time::Duration::days(14) => vec![Check::warn(format!(
            "HTTPS: the certificate {} expires on {}: renew it soon",
            cert.display(),
            expiry.date()
        ))],
        Ok(expiry) => vec![Check::ok(format!(
            "HTTPS: the certificate {} is valid until {}",
            cert.display(),
            expiry.date()
        ))],
    }
}

/// When notifications are on, the SMTP server answers (connect, greeting, EHLO).
async fn smtp(config: &Config) -> Check {
    let Some(settings) = &config.notify else {
        return Check::ok("e-mail notifications: off (no [notify] in the configuration)");
    };
    let server = format!("{}:{}", settings.smtp_host, settings.smtp_port);
    let tested = match crate::notify::smtp_transport(settings, NETWORK_TIMEOUT) {
        Ok(transport) => {
            match tokio::time::timeout(NETWORK_TIMEOUT, transport.test_connection()).await {
                Ok(Ok(true)) => Ok(()),
                Ok(Ok(false)) => Err("it did not answer as an SMTP server".to_owned()),
                Ok(Err(error)) => Err(error.to_string()),
                Err(_) => Err(format!(
                    "no answer within {} seconds",
                    NETWORK_TIMEOUT.as_secs()
                )),
            }
        }
        Err(error) => Err(format!("{error:#}")),
    };
    match tested {
        Ok(()) => Check::ok(format!(
            "e-mail notifications: the SMTP server {server} answers"
        )),
        Err(error) => Check::fix(format!(
            "e-mail notifications: cannot reach the SMTP server {server} ({error}): check \
             smtp_host, smtp_port and tls in [notify], and that the server lets this machine \
             connect; until then the team gets no e-mail"
        )),
    }
}

/// Attachments are stored in the database: an SQLite database's disk must hold at least one
/// report with as many and as large files as `[attachments]` allows.
fn disk(config: &Config) -> Check {
    let limits = &config.attachments;
    let largest_report = limits
        .max_file_bytes
        .saturating_mul(limits.max_files as u64);
    let url = &config.database_url.0;
    if store::is_postgres(url) {
        return Check::ok(
            "disk: attachments are stored in PostgreSQL; watch free space on its server (not \
             visible from here)",
        );
    }
    let Some(dir) = sqlite_directory(url) else {
        return Check::warn(format!(
            "disk: cannot tell where {} lives",
            config.database_url
        ));
    };
    let free = match rustix::fs::statvfs(&dir) {
        Ok(stats) => stats.f_bavail.saturating_mul(stats.f_frsize),
        Err(error) => {
            return Check::warn(format!(
                "disk: cannot read the free space of {}: {error}",
                dir.display()
            ));
        }
    };
    let text = format!(
        "disk: {} free in {}, where the database and its attachments live; the largest report \
         [attachments] allows takes {}",
        size(free),
        dir.display(),
        size(largest_report)
    );
    if free < largest_report {
        Check::fix(format!(
            "{text}: free space, or lower max_files or max_file_bytes"
        ))
    } else if free < LOW_DISK {
        Check::warn(format!("{text}: less than {} left", size(LOW_DISK)))
    } else {
        Check::ok(text)
    }
}

/// The directory an SQLite URL's file is in, or its nearest existing ancestor.
fn sqlite_directory(url: &str) -> Option<PathBuf> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let path = path.split('?').next().unwrap_or(path);
    let mut dir = std::path::absolute(Path::new(path)).ok()?;
    dir.pop();
    while !dir.is_dir() {
        if !dir.pop() {
            return None;
        }
    }
    Some(dir)
}

/// The clock is not before the build, nor before what the database already recorded (time
/// went backwards: deadlines and the audit log's order would be wrong).
async fn clock(url: &str, database_exists: bool) -> Check {
    let now = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| OffsetDateTime::now_utc());
    let shown = |at: OffsetDateTime| at.format(&Rfc3339).unwrap_or_else(|_| at.to_string());
    if now.year() < BUILT_NOT_BEFORE_YEAR {
        return Check::fix(format!(
            "clock: the system clock says {}, before this Kentongan was built: set it (NTP, \
             `timedatectl set-ntp true`)",
            shown(now)
        ));
    }
    if database_exists {
        match tokio::time::timeout(NETWORK_TIMEOUT, schema::newest_timestamp(url)).await {
            Ok(Ok(Some(newest))) if newest > now => {
                return Check::fix(format!(
                    "clock: the system clock says {} but the database recorded {}: the clock \
                     went backwards; set it right (NTP, `timedatectl set-ntp true`) before \
                     taking reports",
                    shown(now),
                    shown(newest)
                ));
            }
            Ok(Ok(_)) => {}
            Ok(Err(error)) => {
                return Check::warn(format!(
                    "clock: {} (not compared with the database: {})",
                    shown(now),
                    plain(&error)
                ));
            }
            Err(_) => {
                return Check::warn(format!(
                    "clock: {} (not compared with the database: no answer)",
                    shown(now)
                ));
            }
        }
    }
    Check::ok(format!("clock: {} is plausible", shown(now)))
}

/// A store error as one plain sentence (sqlx's connection errors are already plain).
fn plain(error: &StoreError) -> String {
    error.to_string()
}

fn size(bytes: u64) -> String {
    const MIB: u64 = 1 << 20;
    if bytes >= LOW_DISK {
        format!("{:.1} GiB", bytes as f64 / LOW_DISK as f64)
    } else {
        format!("{} MiB", bytes / MIB)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn lines_are_labelled_and_single() {
        assert_eq!(Check::ok("a").to_string(), "ok   a");
        assert_eq!(Check::warn("b").to_string(), "warn b");
        assert_eq!(Check::fix("c\nd").to_string(), "FIX  c d");
    }

    #[test]
    fn sqlite_directory_finds_an_existing_ancestor() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}/not/yet/kentongan.sqlite3",
            dir.path().display()
        );
        assert_eq!(sqlite_directory(&url).unwrap(), dir.path());
        let url = format!("sqlite:{}/k.sqlite3?mode=rwc", dir.path().display());
        assert_eq!(sqlite_directory(&url).unwrap(), dir.path());
    }

    #[test]
    fn sizes() {
        assert_eq!(size(1000 << 20), "1000 MiB");
        assert_eq!(size(3 << 29), "1.5 GiB");
    }
}
