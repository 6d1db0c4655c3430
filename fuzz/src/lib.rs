//! Fuzz harnesses: one function per parser that takes bytes from outside the program. Each
//! must return normally for every input; a panic (an index out of range, an overflow, a
//! failed invariant checked here) is the bug the fuzzer is looking for.
//!
//! `fuzz/targets` wraps each function in a libFuzzer target (`scripts/fuzz` runs them);
//! `tests/replay.rs` runs every file of `fuzz/corpus/<target>/` through its function, so
//! `cargo test` replays what the fuzzer found in seconds.
//!
//! The keys the harnesses decrypt with are fixed and public ([`fixtures`]): seeds made with
//! them reach past decryption, and the fuzzer can keep them working while it mutates.
#![forbid(unsafe_code)]

pub mod fixtures;

mod attachment;
mod ciphertext;
pub mod http;
mod images;
mod key_file;
mod offline_files;
mod plaintext;
mod sealed_case;

pub use attachment::attachment;
pub use ciphertext::ciphertext;
pub use http::{http, http_server_starts};
pub use images::images;
pub use key_file::key_file;
pub use offline_files::offline_files;
pub use plaintext::plaintext;
pub use sealed_case::sealed_case;

/// A harness: returns for every input, panics on a bug.
pub type Harness = fn(&[u8]);

/// Every target, by the name of its corpus directory and libFuzzer binary.
pub const TARGETS: &[(&str, Harness)] = &[
    ("attachment", attachment),
    ("ciphertext", ciphertext),
    ("http", http),
    ("images", images),
    ("key_file", key_file),
    ("offline_files", offline_files),
    ("plaintext", plaintext),
    ("sealed_case", sealed_case),
];
