//! The fuzz corpora, replayed: every file of `fuzz/corpus/<target>/` through its harness, so
//! `cargo test` (and `./scripts/test`) checks that nothing the fuzzer ever found or kept
//! panics again. `seeds` makes the starting corpora with the project's own code.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod replay;
mod seeds;
