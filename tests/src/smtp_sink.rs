//! A small SMTP server for tests, on a loopback port: it speaks just enough SMTP for a client
//! such as `lettre` (greeting, EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), keeps every
//! message it accepts, and can refuse the next messages to test retries: `451` after the
//! data ("try again later") or `421` at the greeting ("service not available").
//!
//! It lives in a library, not in a test file, because the server's in-process tests and the
//! end-to-end tests both send to it.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// A message the sink accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    /// The envelope sender (`MAIL FROM`), without the angle brackets.
    pub from: String,
    /// The envelope recipients (`RCPT TO`), without the angle brackets.
    pub to: Vec<String>,
    /// The message as sent after `DATA`, headers and body, dot-stuffing undone.
    pub data: String,
}

impl Mail {
    /// The header lines: everything before the first empty line.
    pub fn headers(&self) -> &str {
        self.data
            .split_once("\r\n\r\n")
            .map_or(self.data.as_str(), |(headers, _)| headers)
    }

    /// The body: everything after the first empty line.
    pub fn body(&self) -> &str {
        self.data
            .split_once("\r\n\r\n")
            .map_or("", |(_, body)| body)
    }

    /// The value of the first header called `name` (case-insensitive), unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        let unfolded = self.headers().replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.split("\r\n").find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    }
}

/// How the sink refuses a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// `451` after the message's final dot: a transient failure, nothing delivered.
    AfterData,
    /// `421` as the greeting, then the connection is closed.
    AtGreeting,
}

#[derive(Default)]
struct State {
    mails: Vec<Mail>,
    refusals: VecDeque<Refusal>,
    refused: usize,
}

/// A running sink; dropping it stops it.
pub struct SmtpSink {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    arrived: Arc<Notify>,
    task: JoinHandle<()>,
}

impl SmtpSink {
    /// Listens on a free loopback port. Must be called inside a Tokio runtime.
    pub async fn start() -> std::io::Result<SmtpSink> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State::default()));
        let arrived = Arc::new(Notify::new());
        let task = tokio::spawn(accept(listener, state.clone(), arrived.clone()));
        Ok(SmtpSink {
            addr,
            state,
            arrived,
            task,
        })
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Refuses the next messages (or connections), one refusal each, in this order.
    pub fn refuse_next(&self, refusals: &[Refusal]) {
        lock(&self.state).refusals.extend(refusals.iter().copied());
    }

    /// Every message accepted so far, oldest first.
    pub fn mails(&self) -> Vec<Mail> {
        lock(&self.state).mails.clone()
    }

    /// How many messages or connections were refused so far.
    pub fn refused(&self) -> usize {
        lock(&self.state).refused
    }

    /// Waits until at least `count` messages have arrived or `timeout` has passed, and returns
    /// what has arrived.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Mail> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let arrived = self.arrived.notified();
            let mails = self.mails();
            if mails.len() >= count {
                return mails;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return self.mails();
            }
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn accept(listener: TcpListener, state: Arc<Mutex<State>>, arrived: Arc<Notify>) {
    while let Ok((stream, _)) = listener.accept().await {
        tokio::spawn(session(stream, state.clone(), arrived.clone()));
    }
}

/// One SMTP session. Any I/O error ends it, as a real server's would.
async fn session(stream: TcpStream, state: Arc<Mutex<State>>, arrived: Arc<Notify>) {
    let _ = converse(stream, &state, &arrived).await;
}

async fn converse(
    stream: TcpStream,
    state: &Mutex<State>,
    arrived: &Notify,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let refuse_now = {
        let mut state = lock(state);
        let refuse = state.refusals.front() == Some(&Refusal::AtGreeting);
        if refuse {
            state.refusals.pop_front();
            state.refused += 1;
        }
        refuse
    };
    if refuse_now {
        write
            .write_all(b"421 sink.test Service not available, try again later\r\n")
            .await?;
        return write.shutdown().await;
    }
    write
        .write_all(b"220 sink.test ESMTP test sink\r\n")
        .await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    loop {
        let Some(line) = read_line(&mut lines).await? else {
            return Ok(());
        };
        let verb = line
            .split([' ', ':'])
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" | "HELO" => b"250 sink.test\r\n",
            "MAIL" => {
                from = address(&line);
                to.clear();
                b"250 OK\r\n"
            }
            "RCPT" => {
                to.push(address(&line));
                b"250 OK\r\n"
            }
            "DATA" => {
                write
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let Some(data) = read_data(&mut lines).await? else {
                    return Ok(());
                };
                let mut state = lock(state);
                if state.refusals.front() == Some(&Refusal::AfterData) {
                    state.refusals.pop_front();
                    state.refused += 1;
                    b"451 4.3.0 Try again later\r\n"
                } else {
                    state.mails.push(Mail {
                        from: std::mem::take(&mut from),
                        to: std::mem::take(&mut to),
                        data,
                    });
                    arrived.notify_waiters();
                    b"250 OK queued\r\n"
                }
            }
            "RSET" => {
                from.clear();
                to.clear();
                b"250 OK\r\n"
            }
            "NOOP" => b"250 OK\r\n",
            "QUIT" => {
                write.write_all(b"221 Bye\r\n").await?;
                return write.shutdown().await;
            }
            _ => b"502 Command not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
}

/// A line without its line ending; `None` when the client has gone.
async fn read_line(
    lines: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> std::io::Result<Option<String>> {
    let mut bytes = Vec::new();
    if lines.read_until(b'\n', &mut bytes).await? == 0 {
        return Ok(None);
    }
    let line = String::from_utf8_lossy(&bytes);
    Ok(Some(line.trim_end_matches(['\r', '\n']).to_owned()))
}

/// The message after `DATA`, up to the line with a single dot, dot-stuffing undone, each
/// line ending in CRLF but the last.
async fn read_data(
    lines: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> std::io::Result<Option<String>> {
    let mut data = String::new();
    loop {
        let Some(line) = read_line(lines).await? else {
            return Ok(None);
        };
        if line == "." {
            // The line ending before the dot belongs to the end-of-data mark (RFC 5321
            // 4.1.1.4), not to the message.
            data.truncate(data.len().saturating_sub(2));
            return Ok(Some(data));
        }
        data.push_str(line.strip_prefix('.').unwrap_or(&line));
        data.push_str("\r\n");
    }
}

/// The address between angle brackets in `MAIL FROM:<a@b> …` or `RCPT TO:<a@b>`.
fn address(line: &str) -> String {
    line.split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map_or_else(String::new, |(address, _)| address.to_owned())
}
