//! Serving connections: the accept loop and the limits that keep slow or many clients cheap.
//!
//! Kentongan must hold without a reverse proxy in front: an onion service forwards every
//! circuit straight to the process. So the server itself bounds what a connection may cost:
//!
//! - a request's head must arrive whole within `header_timeout`, which is also how long an
//!   idle keep-alive connection stays open (hyper starts that timer whenever it waits for a
//!   head);
//! - a request body may pause at most `body_timeout` between two pieces: a phone uploading
//!   100 MB over a slow link is fine, a client that stops sending is cut off;
//! - a response may wait at most `write_timeout` for the client to take more of it;
//! - over HTTPS, the TLS handshake must be done within `handshake_timeout`, so a client that
//!   opens a connection and never finishes its hello does not hold a slot;
//! - at most `max` connections are open at once; beyond that, new ones wait in the kernel's
//!   queue until one closes, so a flood cannot use up file descriptors (the soft limit is
//!   raised to the hard one at start).
//!
//! On shutdown the listener closes, each connection finishes the request it is in, and the
//! loop waits at most `shutdown_grace` for that.
//!
//! No client address is kept or logged: the accepted address is dropped at once.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::serve::Listener;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use serde::Deserialize;
use tokio::sync::Semaphore;
use tokio_io_timeout::TimeoutStream;
use tokio_rustls::TlsAcceptor;

use crate::tls::ACME_TLS_ALPN;
use tower_http::timeout::RequestBodyTimeoutLayer;

/// `[connections]` in the configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConnectionLimits {
    /// Connections open at once. 512 unless set.
    pub max: usize,
    /// Seconds for a request's head to arrive whole, and for an idle connection to stay
    /// open. 20 unless set.
    pub header_timeout_seconds: u64,
    /// Longest pause, in seconds, while a request body arrives. 30 unless set.
    pub body_timeout_seconds: u64,
    /// Longest wait, in seconds, for a client to take more of a response. 30 unless set.
    pub write_timeout_seconds: u64,
    /// Seconds that requests in progress get to finish when the server stops. 20 unless set.
    pub shutdown_grace_seconds: u64,
    /// Seconds for a TLS handshake to finish (HTTPS only). 10 unless set.
    pub handshake_timeout_seconds: u64,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max: 512,
            header_timeout_seconds: 20,
            body_timeout_seconds: 30,
            write_timeout_seconds: 30,
            shutdown_grace_seconds: 20,
            handshake_timeout_seconds: 10,
        }
    }
}

impl ConnectionLimits {
    fn header_timeout(&self) -> Duration {
        Duration::from_secs(self.header_timeout_seconds.max(1))
    }
    fn body_timeout(&self) -> Duration {
        Duration::from_secs(self.body_timeout_seconds.max(1))
    }
    fn write_timeout(&self) -> Duration {
        Duration::from_secs(self.write_timeout_seconds.max(1))
    }
    fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_seconds)
    }
    fn handshake_timeout(&self) -> Duration {
        Duration::from_secs(self.handshake_timeout_seconds.max(1))
    }
}

/// Serves `app` on `listener` (over TLS with `tls`) until `shutdown` completes, then lets the
/// requests in progress finish (for at most `shutdown_grace`).
pub async fn serve<L>(
    mut listener: L,
    app: Router,
    limits: ConnectionLimits,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()>,
) where
    L: Listener,
{
    raise_file_limit();
    let service = tower::ServiceBuilder::new()
        .layer(RequestBodyTimeoutLayer::new(limits.body_timeout()))
        .service(app);
    let service = TowerToHyperService::new(service);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout());
    let open = Arc::new(Semaphore::new(limits.max.max(1)));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = open.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let io = tokio::select! {
            (io, _address) = listener.accept() => io,
            () = &mut shutdown => break,
        };
        let mut io = TimeoutStream::new(io);
        io.set_write_timeout(Some(limits.write_timeout()));
        let io = Box::pin(io);
        // A client that went away or timed out: nothing worth a log line.
        let Some(tls) = &tls else {
            let connection = http.serve_connection(TokioIo::new(io), service.clone());
            let connection = graceful.watch(connection);
            tokio::spawn(async move {
                let _ = connection.await;
                drop(permit);
            });
            continue;
        };
        let (tls, http, service) = (tls.clone(), http.clone(), service.clone());
        let watcher = graceful.watcher();
        let handshake_timeout = limits.handshake_timeout();
        tokio::spawn(async move {
            // The permit is held during the handshake too, which is why it is bounded.
            if let Ok(Ok(stream)) = tokio::time::timeout(handshake_timeout, tls.accept(io)).await {
                // An ACME CA's TLS-ALPN-01 check ends with the handshake.
                if stream.get_ref().1.alpn_protocol() != Some(ACME_TLS_ALPN) {
                    let connection = http.serve_connection(TokioIo::new(stream), service);
                    let _ = watcher.watch(connection).await;
                }
            }
            drop(permit);
        });
    }
    drop(listener);
    let open_now = graceful.count();
    if open_now > 0 {
        tracing::info!("stopping: waiting for {open_now} connection(s) to finish");
    }
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.shutdown_grace()) => {
            tracing::warn!("stopping: requests still running after the grace period were cut off");
        }
    }
}

/// Where the server listens: `HOST:PORT`, or `unix:PATH` for a unix socket (what a Tor onion
/// service on the same machine forwards to best: no TCP port at all).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListenAddress {
    Tcp(String),
    Unix(PathBuf),
}

impl ListenAddress {
    pub fn parse(text: &str) -> Result<ListenAddress, String> {
        match text.strip_prefix("unix:") {
            Some("") => {
                Err("listen = \"unix:\" needs a path: unix:/run/kentongan/kentongan.sock".into())
            }
            Some(path) => Ok(ListenAddress::Unix(PathBuf::from(path))),
            None => Ok(ListenAddress::Tcp(text.to_owned())),
        }
    }
}

/// The socket file of a unix listener; removed when this is dropped (the server stopped).
pub struct SocketFile(PathBuf);

impl Drop for SocketFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Listens on a unix socket at `path`, with mode 0660: the server's user and group may
/// connect (the tor daemon, once in that group), nobody else. A socket left there by a
/// server that did not stop cleanly is replaced; a live one, or a file that is not a socket,
/// is left alone and refused.
pub fn bind_unix(path: &Path) -> std::io::Result<(tokio::net::UnixListener, SocketFile)> {
    use std::io::{Error, ErrorKind};
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    match std::fs::symlink_metadata(path) {
        Ok(found) if !found.file_type().is_socket() => {
            return Err(Error::new(
                ErrorKind::AlreadyExists,
                "something that is not a socket is already there",
            ));
        }
        Ok(_) => {
            if std::os::unix::net::UnixStream::connect(path).is_ok() {
                return Err(Error::new(
                    ErrorKind::AddrInUse,
                    "another server is listening on it",
                ));
            }
            std::fs::remove_file(path)?;
        }
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let listener = tokio::net::UnixListener::bind(path)?;
    let socket_file = SocketFile(path.to_owned());
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))?;
    Ok((listener, socket_file))
}

/// Completes on Ctrl-C or SIGTERM (what systemd and `kill` send).
pub async fn stop_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}

/// Raises the soft limit on open files to the hard one, so that the connection cap, not
/// the default soft limit (often 1024), is what bounds connections.
fn raise_file_limit() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        let raised = rustix::process::Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        if let Err(e) = setrlimit(Resource::Nofile, raised) {
            tracing::warn!("cannot raise the limit on open files: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use std::time::Duration;

    use axum::routing::{get, post};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};
    use tokio::sync::oneshot;

    use super::*;

    const LIMITS: ConnectionLimits = ConnectionLimits {
        max: 512,
        header_timeout_seconds: 1,
        body_timeout_seconds: 1,
        write_timeout_seconds: 1,
        shutdown_grace_seconds: 5,
        handshake_timeout_seconds: 1,
    };

    fn app() -> Router {
        Router::new()
            .route("/", get(|| async { "ok" }))
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    "done"
                }),
            )
            .route(
                "/echo",
                post(|body: axum::body::Bytes| async move { body.len().to_string() }),
            )
    }

    /// A server on a free port; dropping the sender stops it.
    async fn start(
        limits: ConnectionLimits,
    ) -> (String, oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, app(), limits, None, async {
            let _ = stopped.await;
        }));
        (address, stop, server)
    }

    /// Whether the server closes the connection (or answers) within `within`.
    async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
        let mut buf = [0u8; 1024];
        loop {
            match tokio::time::timeout(within, stream.read(&mut buf)).await {
                Err(_) => return false,
                Ok(Ok(0)) | Ok(Err(_)) => return true,
                Ok(Ok(_)) => continue,
            }
        }
    }

    async fn get_path(address: &str, path: &str) -> String {
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream
            .write_all(
                format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
            )
            .await
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        answer
    }

    /// A unix socket: mode 0660, a stale socket replaced, a live one and a plain file left
    /// alone, the file removed once the server is done.
    #[tokio::test]
    async fn a_unix_socket_is_served_and_cleaned_up() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kentongan.sock");
        // What a killed server leaves: the file, with nobody listening.
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        assert!(path.exists());

        let (listener, socket_file) = bind_unix(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o660, "{mode:o}");
        let live = bind_unix(&path).err().unwrap();
        assert_eq!(live.kind(), std::io::ErrorKind::AddrInUse, "{live}");

        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, app(), LIMITS, None, async {
            let _ = stopped.await;
        }));
        let mut stream = tokio::net::UnixStream::connect(&path).await.unwrap();
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 200") && answer.ends_with("ok"),
            "{answer}"
        );

        stop.send(()).unwrap();
        server.await.unwrap();
        drop(socket_file);
        assert!(!path.exists(), "the socket file is left behind");

        std::fs::write(&path, "not a socket").unwrap();
        assert!(bind_unix(&path).is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "not a socket");
    }

    #[tokio::test]
    async fn half_sent_heads_are_cut_off() {
        let (address, _stop, _server) = start(LIMITS).await;
        let mut held = Vec::new();
        for _ in 0..50 {
            let mut stream = TcpStream::connect(&address).await.unwrap();
            stream
                .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
                .await
                .unwrap();
            held.push(stream);
        }
        for stream in &mut held {
            assert!(
                closed_within(stream, Duration::from_secs(10)).await,
                "a connection that never finished its head is still open"
            );
        }
        assert!(get_path(&address, "/").await.ends_with("ok"));
    }

    #[tokio::test]
    async fn an_idle_connection_is_closed() {
        let (address, _stop, _server) = start(LIMITS).await;
        let mut stream = TcpStream::connect(&address).await.unwrap();
        assert!(closed_within(&mut stream, Duration::from_secs(10)).await);
    }

    #[tokio::test]
    async fn a_stalled_body_is_cut_off() {
        let (address, _stop, _server) = start(LIMITS).await;
        let mut stream = TcpStream::connect(&address).await.unwrap();
        stream
            .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789")
            .await
            .unwrap();
        assert!(closed_within(&mut stream, Duration::from_secs(10)).await);

        // A slow but steady body is fine.
        let mut stream = TcpStream::connect(&address).await.unwrap();
        stream
            .write_all(
                b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nConnection: close\r\n\r\n",
            )
            .await
            .unwrap();
        for piece in [b"ab", b"cd", b"ef"] {
            tokio::time::sleep(Duration::from_millis(400)).await;
            stream.write_all(piece).await.unwrap();
        }
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 200") && answer.ends_with("\r\n\r\n6"),
            "{answer}"
        );
    }

    #[tokio::test]
    async fn connections_beyond_the_cap_wait_their_turn() {
        let limits = ConnectionLimits {
            max: 2,
            header_timeout_seconds: 30,
            ..LIMITS
        };
        let (address, _stop, _server) = start(limits).await;
        let held = [
            TcpStream::connect(&address).await.unwrap(),
            TcpStream::connect(&address).await.unwrap(),
        ];
        // Accepted by the kernel, but not served while two are open.
        let third = tokio::spawn({
            let address = address.clone();
            async move { get_path(&address, "/").await }
        });
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(!third.is_finished(), "served a connection beyond the cap");
        drop(held);
        let answer = tokio::time::timeout(Duration::from_secs(10), third)
            .await
            .expect("served once a connection closed")
            .unwrap();
        assert!(answer.ends_with("ok"), "{answer}");
    }

    /// A TLS acceptor with a fresh self-signed certificate for `wbs.test`, and that certificate.
    fn tls_acceptor() -> (TlsAcceptor, rustls_pki_types::CertificateDer<'static>) {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["wbs.test".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let certificates = Arc::new(crate::tls::Certificates::default());
        certificates.set(
            crate::tls::parse_pair(cert.pem().as_bytes(), key.serialize_pem().as_bytes()).unwrap(),
        );
        let config = crate::tls::server_config(certificates).unwrap();
        (TlsAcceptor::from(config), cert.der().clone())
    }

    async fn tls_get(address: &str, root: rustls_pki_types::CertificateDer<'static>) -> String {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(root).unwrap();
        let config = rustls::ClientConfig::builder_with_provider(crate::tls::provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let tcp = TcpStream::connect(address).await.unwrap();
        let name = rustls_pki_types::ServerName::try_from("wbs.test").unwrap();
        let mut stream = connector.connect(name, tcp).await.unwrap();
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: wbs.test\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut answer = Vec::new();
        // Whatever the end of the stream looks like, the answer is what was read.
        let _ = stream.read_to_end(&mut answer).await;
        String::from_utf8_lossy(&answer).into_owned()
    }

    /// Over TLS every limit still holds: a client that opens a connection and never sends its
    /// hello is cut off after the handshake timeout, and gives its slot to the next one.
    #[tokio::test]
    async fn a_stalled_tls_handshake_gives_up_its_slot() {
        let limits = ConnectionLimits {
            max: 1,
            header_timeout_seconds: 30,
            ..LIMITS
        };
        let (acceptor, root) = tls_acceptor();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let _server = tokio::spawn(serve(
            listener,
            app(),
            limits,
            Some(acceptor),
            std::future::pending(),
        ));
        let mut silent = TcpStream::connect(&address).await.unwrap();
        let served = tokio::spawn({
            let address = address.clone();
            async move { tls_get(&address, root).await }
        });
        assert!(
            closed_within(&mut silent, Duration::from_secs(10)).await,
            "a connection that never said hello is still open"
        );
        let answer = tokio::time::timeout(Duration::from_secs(10), served)
            .await
            .expect("served once the silent connection was cut off")
            .unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 200") && answer.ends_with("ok"),
            "{answer}"
        );
    }

    #[tokio::test]
    async fn stopping_lets_requests_in_progress_finish() {
        let (address, stop, server) = start(LIMITS).await;
        let slow = tokio::spawn({
            let address = address.clone();
            async move { get_path(&address, "/slow").await }
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        stop.send(()).unwrap();
        let answer = slow.await.unwrap();
        assert!(answer.ends_with("done"), "{answer}");
        tokio::time::timeout(Duration::from_secs(10), server)
            .await
            .expect("the server stops")
            .unwrap();
        assert!(
            TcpStream::connect(&address).await.is_err(),
            "still listening"
        );
    }
}
