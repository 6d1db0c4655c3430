//! Static files the pages load: the stylesheet, the JavaScript that encrypts in the browser,
//! and the WebAssembly build of `kentongan-crypto`. All are compiled into the binary, so the
//! server needs no files beside it and never serves anything but these.
//!
//! Pages refer to them by [`url`], which appends a hash of the content: a browser that cached
//! an old `.wasm` or glue file can never pair it with a new one.

use std::fmt;
use std::sync::LazyLock;

/// One static file.
#[derive(Clone, Copy)]
pub struct Asset {
    /// The file's content.
    pub bytes: &'static [u8],
    /// The `Content-Type` to serve it with.
    pub content_type: &'static str,
}

impl fmt::Debug for Asset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Asset")
            .field("len", &self.bytes.len())
            .field("content_type", &self.content_type)
            .finish()
    }
}

const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// Every asset by the name it is served under (`/static/<name>`).
const ASSETS: [(&str, Asset); 14] = [
    (
        "favicon.svg",
        Asset {
            bytes: include_bytes!("../static/favicon.svg"),
            content_type: "image/svg+xml",
        },
    ),
    (
        "style.css",
        Asset {
            bytes: include_bytes!("../static/style.css"),
            content_type: CSS,
        },
    ),
    (
        "guard.js",
        Asset {
            bytes: include_bytes!("../static/guard.js"),
            content_type: JS,
        },
    ),
    (
        "report.js",
        Asset {
            bytes: include_bytes!("../static/report.js"),
            content_type: JS,
        },
    ),
    (
        "team.js",
        Asset {
            bytes: include_bytes!("../static/team.js"),
            content_type: JS,
        },
    ),
    (
        "client.js",
        Asset {
            bytes: include_bytes!("../static/client.js"),
            content_type: JS,
        },
    ),
    (
        "followup.js",
        Asset {
            bytes: include_bytes!("../static/followup.js"),
            content_type: JS,
        },
    ),
    (
        "worker.js",
        Asset {
            bytes: include_bytes!("../static/worker.js"),
            content_type: JS,
        },
    ),
    (
        "crypto/kentongan_crypto.js",
        Asset {
            bytes: include_bytes!("../static/crypto/kentongan_crypto.js"),
            content_type: JS,
        },
    ),
    (
        "crypto/kentongan_crypto_bg.wasm",
        Asset {
            bytes: include_bytes!("../static/crypto/kentongan_crypto_bg.wasm"),
            content_type: "application/wasm",
        },
    ),
    (
        "crypto/kentongan_followup.js",
        Asset {
            bytes: include_bytes!("../static/crypto/kentongan_followup.js"),
            content_type: JS,
        },
    ),
    (
        "crypto/kentongan_followup_bg.wasm",
        Asset {
            bytes: include_bytes!("../static/crypto/kentongan_followup_bg.wasm"),
            content_type: "application/wasm",
        },
    ),
    (
        "crypto/kentongan_team.js",
        Asset {
            bytes: include_bytes!("../static/crypto/kentongan_team.js"),
            content_type: JS,
        },
    ),
    (
        "crypto/kentongan_team_bg.wasm",
        Asset {
            bytes: include_bytes!("../static/crypto/kentongan_team_bg.wasm"),
            content_type: "application/wasm",
        },
    ),
];

/// The asset served as `/static/<name>`, if there is one.
pub fn get(name: &str) -> Option<Asset> {
    ASSETS.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
}

/// Every asset name, for the server's router and for tests.
pub fn names() -> impl Iterator<Item = &'static str> {
    ASSETS.iter().map(|(n, _)| *n)
}

/// Versioned URLs, computed once: hashing the wasm on every page view would be waste.
static URLS: LazyLock<Vec<(&'static str, String)>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|(name, asset)| {
            (
                *name,
                format!("/static/{name}?v={:08x}", version(asset.bytes)),
            )
        })
        .collect()
});

/// The URL a page uses for an asset: `/static/<name>?v=<8 hex digits>`, the digits a hash of
/// the content. An unknown name gets a URL without version (and a 404 from the server).
pub fn url(name: &str) -> String {
    URLS.iter()
        .find(|(n, _)| *n == name)
        .map_or_else(|| format!("/static/{name}"), |(_, url)| url.clone())
}

/// 64-bit FNV-1a folded to 32 bits. A cache key, not a security property (the content comes
/// from the binary itself), so a tiny hash written here beats a new dependency.
fn version(bytes: &[u8]) -> u32 {
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    (hash ^ (hash >> 32)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_asset_exists_and_has_a_versioned_url() {
        for name in [
            "style.css",
            "guard.js",
            "report.js",
            "worker.js",
            "crypto/kentongan_crypto.js",
            "crypto/kentongan_crypto_bg.wasm",
        ] {
            assert!(get(name).is_some(), "{name}");
            let url = url(name);
            let (path, v) = url.split_once("?v=").unwrap();
            assert_eq!(path, format!("/static/{name}"));
            assert_eq!(v.len(), 8);
            assert!(v.bytes().all(|b| b.is_ascii_hexdigit()));
        }
        assert_eq!(names().count(), ASSETS.len());
        assert!(get("../Cargo.toml").is_none());
        assert!(
            get("style.css")
                .unwrap()
                .content_type
                .starts_with("text/css")
        );
        assert_eq!(
            get("crypto/kentongan_crypto_bg.wasm").unwrap().content_type,
            "application/wasm"
        );
        assert_eq!(url("nope.js"), "/static/nope.js");
    }

    #[test]
    fn version_changes_with_content() {
        // FNV-1a reference value for the empty input, folded.
        let empty = 0xcbf2_9ce4_8422_2325_u64;
        assert_eq!(version(b""), (empty ^ (empty >> 32)) as u32);
        assert_ne!(version(b"a"), version(b"b"));
        assert_ne!(version(b"ab"), version(b"ba"));
    }
}
