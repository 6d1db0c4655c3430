//! E-mail notifications to the team: "there is something new", and the link to `/team`.
//!
//! Events queue a row in the store's outbox in the same transaction as the event itself (a
//! new report, a reporter's message), and a daily check queues one when a deadline is near.
//! The [`Notifier`] task claims the rows, sends one mail for all of them, and deletes them
//! only once the SMTP server has accepted it; on failure it logs one line and tries again
//! later (30 s, doubling up to 30 min), so an event is never lost, only late.
//!
//! A mail names no case, counts nothing and quotes nothing. The count of new reports was left
//! out on purpose: the team reads the list at `/team` anyway, and mail passes through
//! providers that keep it with a timestamp, so it should say as little as possible.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Deserialize;
use thiserror::Error;
use time::{Date, OffsetDateTime, UtcOffset};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::store::{CaseSummary, Notification, Store, StoreError};
use crate::workflow::{self, Deadlines, Due, Stage};

/// The environment variable that holds the SMTP password, so it need not be in the file.
pub const PASSWORD_ENV: &str = "KENTONGAN_SMTP_PASSWORD";

/// The deadline check runs once a day, from this hour of the office's day on, so that its
/// mail comes in the morning rather than at midnight.
const DEADLINE_CHECK_HOUR: u8 = 7;

/// How long one SMTP command may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// The `[notify]` table of the configuration file. Without it, nothing is sent and nothing
/// is queued.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyFile {
    /// The SMTP server's name.
    pub smtp_host: String,
    /// 587 for `starttls`, 465 for `tls`, 25 for `none` unless set.
    pub smtp_port: Option<u16>,
    /// `starttls` (the default), `tls` (implicit TLS), or `none` (only to this machine).
    #[serde(default)]
    pub tls: Tls,
    /// Log in to the SMTP server with this name ...
    pub username: Option<String>,
    /// ... and this password; better in the environment (`KENTONGAN_SMTP_PASSWORD`).
    pub password: Option<String>,
    /// The sender, e.g. `Kentongan <wbs@example.go.id>`.
    pub from: String,
    /// The team's mailbox(es).
    pub to: Vec<String>,
    /// The link in the mail: the investigators' workspace, e.g. `https://wbs.example/team`.
    pub team_url: String,
    /// Working days before a deadline from which the daily reminder is sent. 2 unless set.
    pub deadline_warning_days: Option<u32>,
}

impl fmt::Debug for NotifyFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotifyFile")
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("from", &self.from)
            .field("to", &self.to)
            .field("team_url", &self.team_url)
            .field("deadline_warning_days", &self.deadline_warning_days)
            .finish()
    }
}

/// How the connection to the SMTP server is protected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tls {
    /// Plain connection upgraded with STARTTLS, which is required: no fallback.
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS).
    Tls,
    /// No encryption: only to an SMTP server on this machine (and in tests).
    None,
}

/// Notification settings in force: checked, with the password resolved.
pub struct NotifySettings {
    pub smtp_host: String,
    pub smtp_port: u16,
    pub tls: Tls,
    credentials: Option<(String, String)>,
    pub from: Mailbox,
    pub to: Vec<Mailbox>,
    pub team_url: String,
    pub deadline_warning_days: u32,
    /// The first wait after a failed send; it doubles up to `retry_max`.
    pub retry_first: Duration,
    pub retry_max: Duration,
    /// How often the outbox is looked at without being woken: for rows queued by other
    /// instances, and for the daily deadline check.
    pub poll: Duration,
    /// Whether the running sender does the daily deadline check (tests that run a sender on
    /// today's real date turn it off).
    pub daily_check: bool,
}

impl fmt::Debug for NotifySettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotifySettings")
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("tls", &self.tls)
            .field("username", &self.credentials.as_ref().map(|(user, _)| user))
            .field("to", &self.to.len())
            .field("team_url", &self.team_url)
            .finish_non_exhaustive()
    }
}

impl NotifyFile {
    /// Checks the table; `password_env` (from [`PASSWORD_ENV`]) wins over the file's password.
    pub fn settings(self, password_env: Option<String>) -> anyhow::Result<NotifySettings> {
        let host = self.smtp_host.trim().to_owned();
        if host.is_empty() {
            bail!("smtp_host is empty");
        }
        if self.tls == Tls::None && !is_this_machine(&host) {
            bail!(
                "tls = \"none\" is allowed only for an SMTP server on this machine \
                 (localhost, 127.0.0.1, ::1), not {host}: use \"starttls\" or \"tls\""
            );
        }
        let password = password_env.filter(|p| !p.is_empty()).or(self.password);
        let credentials = match (self.username, password) {
            (Some(user), Some(password)) => Some((user, password)),
            (None, None) => None,
            (Some(_), None) => {
                bail!("username is set but no password: set password or {PASSWORD_ENV}")
            }
            (None, Some(_)) => bail!("a password is set but no username"),
        };
        let from: Mailbox = self
            .from
            .parse()
            .with_context(|| format!("from is not an e-mail address: {:?}", self.from))?;
        if self.to.is_empty() {
            bail!("to lists no address: name the team's mailbox");
        }
        let to = self
            .to
            .iter()
            .map(|to| {
                to.parse::<Mailbox>()
                    .with_context(|| format!("to: not an e-mail address: {to:?}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let team_url = self.team_url.trim().to_owned();
        if !(team_url.starts_with("https://") || team_url.starts_with("http://"))
            || team_url
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            bail!("team_url must be a link such as https://wbs.example/team");
        }
        Ok(NotifySettings {
            smtp_port: self.smtp_port.unwrap_or(match self.tls {
                Tls::Starttls => 587,
                Tls::Tls => 465,
                Tls::None => 25,
            }),
            smtp_host: host,
            tls: self.tls,
            credentials,
            from,
            to,
            team_url,
            deadline_warning_days: self.deadline_warning_days.unwrap_or(2),
            retry_first: Duration::from_secs(30),
            retry_max: Duration::from_secs(30 * 60),
            poll: Duration::from_secs(60),
            daily_check: true,
        })
    }
}

fn is_this_machine(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Why a round of sending did not finish. One line, for the log: never a mail's body.
#[derive(Debug, Error)]
pub enum NotifyError {
    #[error("the outbox cannot be read or cleared: {0}")]
    Store(#[from] StoreError),
    #[error("the mail cannot be built: {0}")]
    Message(#[from] lettre::error::Error),
    #[error("the SMTP server did not take the mail: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
}

/// The SMTP client `[notify]` describes, each command given `timeout` (`kentongan doctor`
/// tests it with a short one).
pub fn smtp_transport(
    settings: &NotifySettings,
    timeout: Duration,
) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
    let builder = match settings.tls {
        Tls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.smtp_host)
            .context("cannot set up STARTTLS for the SMTP server")?,
        Tls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.smtp_host)
            .context("cannot set up TLS for the SMTP server")?,
        Tls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.smtp_host),
    };
    let mut builder = builder.port(settings.smtp_port).timeout(Some(timeout));
    if let Some((user, password)) = &settings.credentials {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(builder.build())
}

/// Sends what the outbox holds. Making one makes the store queue notifications from then on;
/// [`Notifier::spawn`] starts sending.
pub struct Notifier {
    store: Arc<dyn Store>,
    mailer: AsyncSmtpTransport<Tokio1Executor>,
    settings: NotifySettings,
    deadlines: Deadlines,
    utc_offset: UtcOffset,
    wake: Arc<Notify>,
}

impl Notifier {
    pub fn new(
        store: Arc<dyn Store>,
        settings: NotifySettings,
        deadlines: Deadlines,
        utc_offset: UtcOffset,
    ) -> anyhow::Result<Notifier> {
        let mailer = smtp_transport(&settings, SMTP_TIMEOUT)?;
        let wake = Arc::new(Notify::new());
        store.queue_notifications(wake.clone());
        Ok(Notifier {
            store,
            mailer,
            settings,
            deadlines,
            utc_offset,
            wake,
        })
    }

    /// Starts sending in a task of its own.
    pub fn spawn(self) -> JoinHandle<()> {
        tokio::spawn(self.run())
    }

    async fn run(self) {
        let mut delay = self.settings.retry_first;
        let mut checked_on: Option<Date> = None;
        loop {
            let now = OffsetDateTime::now_utc().to_offset(self.utc_offset);
            if self.settings.daily_check
                && checked_on != Some(now.date())
                && now.hour() >= DEADLINE_CHECK_HOUR
            {
                match self.check_deadlines(now.date()).await {
                    Ok(_) => checked_on = Some(now.date()),
                    Err(error) => tracing::warn!("the deadline check failed: {error}"),
                }
            }
            match self.deliver().await {
                // Sent: there may be more.
                Ok(true) => delay = self.settings.retry_first,
                Ok(false) => {
                    delay = self.settings.retry_first;
                    let _ = tokio::time::timeout(self.settings.poll, self.wake.notified()).await;
                }
                Err(error) => {
                    tracing::warn!(
                        "notification not sent, next try in {} s: {error}",
                        delay.as_secs()
                    );
                    // New events do not cut the wait short: they would only hammer a server
                    // that is down. They are in the outbox, and go with the next try.
                    tokio::time::sleep(delay).await;
                    delay = delay.saturating_mul(2).min(self.settings.retry_max);
                }
            }
        }
    }

    /// One round: claims what the outbox holds, sends one mail for it, and clears it once
    /// the SMTP server has taken the mail. `Ok(false)` if there was nothing to send.
    pub async fn deliver(&self) -> Result<bool, NotifyError> {
        let Some(claim) = self.store.claim_notifications().await? else {
            return Ok(false);
        };
        let mail = match self.message(&claim.kinds()) {
            Ok(mail) => mail,
            Err(e) => {
                let _ = claim.release().await;
                return Err(e.into());
            }
        };
        // A failed send gives the rows back, at once, for the next try.
        if let Err(e) = self.mailer.send(mail).await {
            let _ = claim.release().await;
            return Err(e.into());
        }
        claim.sent().await?;
        tracing::info!("notification e-mail sent to the team");
        Ok(true)
    }

    /// The day's deadline check: queues a deadline-near notification if an open case is due
    /// within `deadline_warning_days` working days, unless this or another instance already
    /// checked `today`. Tells whether this call did the check.
    pub async fn check_deadlines(&self, today: Date) -> Result<bool, StoreError> {
        let cases = self.store.case_summaries().await?;
        let near = deadline_near(
            &cases,
            today,
            &self.deadlines,
            self.settings.deadline_warning_days,
        );
        self.store.record_deadline_check(today, near).await
    }

    fn message(&self, kinds: &[Notification]) -> Result<Message, lettre::error::Error> {
        let mut message = Message::builder()
            .from(self.settings.from.clone())
            .subject(SUBJECT)
            .header(ContentType::TEXT_PLAIN);
        for to in &self.settings.to {
            message = message.to(to.clone());
        }
        message.body(body(kinds, &self.settings.team_url))
    }
}

const SUBJECT: &str = "Kentongan: ada yang baru / something new";

/// The mail's text: Indonesian, then English; what kind of thing is new, and the link.
pub fn body(kinds: &[Notification], team_url: &str) -> String {
    let mut text = String::from("Ada yang baru di Kentongan:\r\n");
    for kind in kinds {
        text.push_str(match kind {
            Notification::NewReport => "- ada laporan baru\r\n",
            Notification::ReporterMessage => "- pelapor mengirim pesan\r\n",
            Notification::DeadlineNear => "- tenggat waktu sebuah laporan sudah dekat\r\n",
        });
    }
    text.push_str(&format!("\r\nSilakan buka: {team_url}\r\n\r\n"));
    text.push_str("There is something new in Kentongan:\r\n");
    for kind in kinds {
        text.push_str(match kind {
            Notification::NewReport => "- a new report\r\n",
            Notification::ReporterMessage => "- a reporter sent a message\r\n",
            Notification::DeadlineNear => "- a report's deadline is near\r\n",
        });
    }
    text.push_str(&format!("\r\nPlease open: {team_url}\r\n\r\n"));
    text.push_str(
        "Surel ini sengaja tidak memuat isi maupun nomor laporan.\r\n\
         This e-mail deliberately holds no report content and no case number.\r\n",
    );
    text
}

/// Whether an open case is due within `warning_days` working days of `today` (or today).
/// Overdue cases are not "near": they are shown as overdue at `/team`.
pub fn deadline_near(
    cases: &[CaseSummary],
    today: Date,
    deadlines: &Deadlines,
    warning_days: u32,
) -> bool {
    let horizon = workflow::add_working_days(today, warning_days);
    cases.iter().any(|case| {
        let Ok(stage) = case.stage.parse::<Stage>() else {
            return false;
        };
        match workflow::due(
            stage,
            case.created_on,
            case.acknowledged_on,
            today,
            deadlines,
        ) {
            Due::OnTime { due } => due <= horizon,
            Due::DueToday { .. } => true,
            Due::Overdue { .. } | Due::Met => false,
        }
    })
}

#[cfg(test)]
pub(crate) mod tests;
