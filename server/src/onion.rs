//! Serving as a Tor onion service: the configured onion address (`[tor] onion_address`), and
//! the `torrc` lines that `kentongan config torrc` prints for it.
//!
//! Tor runs beside Kentongan and forwards each circuit to it, best through a unix socket
//! (`listen = "unix:/run/kentongan/kentongan.sock"`): no TCP port at all, and only the
//! socket's group (which the tor daemon joins) can connect.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha3::{Digest, Sha3_256};

use crate::serve::ListenAddress;

/// Where tor keeps the service's keys (and so its address) on a Debian system: a folder of
/// its own under tor's state directory, which only the tor user may read.
pub const HIDDEN_SERVICE_DIR: &str = "/var/lib/tor/kentongan/";

/// `[tor]` in the configuration.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TorConfig {
    /// The service's address, from `HiddenServiceDir/hostname`. When set, HTML pages reached
    /// under any other name say `Onion-Location: http://ADDRESS/…`, and Tor Browser offers
    /// the onion service instead.
    pub onion_address: Option<String>,
}

/// A v3 onion name, checked: 56 base32 characters holding the service's public key, a
/// checksum and the version (3), then `.onion`. Kept in lower case, as tor writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnionAddress(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "{0:?} is not a v3 onion address (56 letters a-z and digits 2-7, then .onion, as in the \
     file hostname in the onion service's HiddenServiceDir)"
)]
pub struct NotAnOnionAddress(pub String);

impl OnionAddress {
    /// Checks the name, its version and its checksum, so that a mistyped address is refused
    /// here rather than sent to every reporter.
    pub fn parse(text: &str) -> Result<OnionAddress, NotAnOnionAddress> {
        let refused = || NotAnOnionAddress(text.to_owned());
        let name = text.trim().to_ascii_lowercase();
        let label = name.strip_suffix(".onion").ok_or_else(refused)?;
        if label.len() != 56 {
            return Err(refused());
        }
        // PUBKEY (32 bytes) | CHECKSUM (2) | VERSION (1), in base32 (rend-spec-v3, 6.).
        let bytes = data_encoding::BASE32_NOPAD
            .decode(label.to_ascii_uppercase().as_bytes())
            .map_err(|_| refused())?;
        let (public_key, rest) = bytes.split_at_checked(32).ok_or_else(refused)?;
        let [checksum @ .., version] = rest else {
            return Err(refused());
        };
        let mut hash = Sha3_256::new();
        hash.update(b".onion checksum");
        hash.update(public_key);
        hash.update([*version]);
        let expected = hash.finalize();
        if *version != 3 || expected.get(..2) != Some(checksum) {
            return Err(refused());
        }
        Ok(OnionAddress(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OnionAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where tor sends the onion service's port 80.
#[derive(Debug, PartialEq, Eq)]
pub enum ServiceTarget {
    Socket(PathBuf),
    Tcp(SocketAddr),
}

impl ServiceTarget {
    /// The server's own listen address, as tor on the same machine reaches it: a server
    /// listening on every interface is reached on loopback.
    pub fn from_listen(listen: &ListenAddress) -> anyhow::Result<ServiceTarget> {
        match listen {
            ListenAddress::Unix(path) => Ok(ServiceTarget::Socket(path.clone())),
            ListenAddress::Tcp(address) => {
                let mut address: SocketAddr = address.parse().map_err(|_| {
                    anyhow::anyhow!(
                        "listen = {address:?} is not an IP address and port: give --socket or --port"
                    )
                })?;
                if address.ip().is_unspecified() {
                    address.set_ip(match address.ip() {
                        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
                        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
                    });
                }
                Ok(ServiceTarget::Tcp(address))
            }
        }
    }

    /// Loopback port `port`.
    pub fn port(port: u16) -> ServiceTarget {
        ServiceTarget::Tcp(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
    }
}

/// The `torrc` lines for the onion service, with comments.
pub fn torrc(target: &ServiceTarget) -> anyhow::Result<String> {
    let (target_text, to_what) = match target {
        ServiceTarget::Socket(path) => (
            format!("unix:{}", torrc_path(path)?),
            "Kentongan's unix socket. tor must be able to open\n\
             # it: add tor's user (debian-tor) to the server's group, as the socket is mode 0660.",
        ),
        ServiceTarget::Tcp(address) => (address.to_string(), "Kentongan's port on this machine."),
    };
    Ok(format!(
        "# Kentongan as an onion service (from `kentongan config torrc`). Add these lines to\n\
         # /etc/tor/torrc and reload tor; then put the address tor writes to\n\
         # {HIDDEN_SERVICE_DIR}hostname in kentongan.toml as [tor] onion_address.\n\
         #\n\
         # The service's keys are in this folder: whoever has them can be the service. Back it\n\
         # up, and keep the copy as safe as the investigators' keys.\n\
         HiddenServiceDir {HIDDEN_SERVICE_DIR}\n\
         # Port 80 of the onion address (plain HTTP: Tor encrypts and authenticates the\n\
         # connection end to end) goes to {to_what}\n\
         HiddenServicePort 80 {target_text}\n"
    ))
}

/// A path as torrc takes it: tor splits its lines at white space and reads quotes and
/// backslashes itself, so a path with any of those is refused rather than mangled.
fn torrc_path(path: &Path) -> anyhow::Result<String> {
    let text = path
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("the socket path {} is not UTF-8", path.display()))?;
    if !path.is_absolute()
        || text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\\' | '#'))
    {
        anyhow::bail!(
            "tor needs the socket as an absolute path without spaces, quotes, # or \\: {text:?}"
        );
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Real v3 addresses: one tor made here, and two public services'.
    const REAL: [&str; 3] = [
        "twkn2o6waowaafqp2j726lc6xknr7xtffxuuu4khalwjh6j7yorqzjqd.onion",
        "2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid.onion",
        "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion",
    ];

    #[test]
    fn real_addresses_parse() {
        for address in REAL {
            assert_eq!(OnionAddress::parse(address).unwrap().as_str(), address);
        }
        // As an operator might paste it.
        let pasted = format!(" {} \n", REAL[1].to_ascii_uppercase());
        assert_eq!(OnionAddress::parse(&pasted).unwrap().as_str(), REAL[1]);
    }

    #[test]
    fn wrong_addresses_are_refused() {
        let typo = REAL[0].replacen('w', "v", 1);
        let v2 = "expyuzz4wqqyqhjn.onion";
        let too_long = format!("a{}", REAL[0]);
        let no_suffix = REAL[0].trim_end_matches(".onion");
        let with_scheme = format!("http://{}", REAL[0]);
        let bad_chars = REAL[0].replacen('2', "1", 1);
        let version_2 = REAL[0].replacen("qd.onion", "qc.onion", 1);
        let hostile = "\" ' & < >\r\nX-Injected: 1.onion";
        for bad in [
            typo.as_str(),
            v2,
            &too_long,
            no_suffix,
            &with_scheme,
            &bad_chars,
            &version_2,
            hostile,
            "",
            ".onion",
        ] {
            assert!(OnionAddress::parse(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn torrc_for_a_socket() {
        let text = torrc(&ServiceTarget::Socket(
            "/run/kentongan/kentongan.sock".into(),
        ))
        .unwrap();
        let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(
            lines,
            [
                "HiddenServiceDir /var/lib/tor/kentongan/",
                "HiddenServicePort 80 unix:/run/kentongan/kentongan.sock"
            ]
        );
        assert!(!text.contains("NonAnonymous"));
    }

    #[test]
    fn torrc_for_a_port() {
        let any = ServiceTarget::from_listen(&ListenAddress::Tcp("0.0.0.0:8080".into())).unwrap();
        assert_eq!(any, ServiceTarget::port(8080));
        assert!(
            torrc(&any)
                .unwrap()
                .contains("\nHiddenServicePort 80 127.0.0.1:8080\n")
        );
        let v6 = ServiceTarget::from_listen(&ListenAddress::Tcp("[::]:80".into())).unwrap();
        assert!(
            torrc(&v6)
                .unwrap()
                .contains("HiddenServicePort 80 [::1]:80\n")
        );
        assert!(ServiceTarget::from_listen(&ListenAddress::Tcp("localhost:8080".into())).is_err());
    }

    #[test]
    fn socket_paths_tor_would_misread_are_refused() {
        for bad in [
            "/run/a b.sock",
            "/run/a\"b",
            "/run/a#b",
            "relative.sock",
            "/a\\b",
        ] {
            assert!(
                torrc(&ServiceTarget::Socket(bad.into())).is_err(),
                "accepted {bad:?}"
            );
        }
    }
}
