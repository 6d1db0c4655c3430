//! End-to-end tests: the real `kentongan` and `kentongan-keytool` binaries, SQLite and
//! PostgreSQL, and real headless Chromium. `scripts/test` builds the binaries first.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout
)]

mod attachments;
mod audit;
mod backup;
mod browser;
mod crash;
mod doctor;
mod grant;
mod intruder;
mod no_js;
mod notify;
mod proxy;
mod support;
mod team;
mod tls;
mod tor;
mod upgrade;
