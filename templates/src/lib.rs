//! Kentongan's pages. Page functions take what they show and return [`Markup`]; every word a
//! reporter reads comes from [`strings`], in Indonesian (default) and English.
//!
//! Pages load no third-party resource and contain no inline script or style: the server's
//! Content-Security-Policy forbids both. Static assets are in [`assets`].
#![forbid(unsafe_code)]
// Tests may fail loudly; the library may not (the workspace lints deny these).
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod assets;
mod pages;
pub mod strings;

pub use maud::Markup;
pub use pages::*;
