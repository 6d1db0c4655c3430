//! End-to-end tests live in `tests/e2e/`: one test binary, a module per area. This library
//! holds what other crates' tests share with them: the SMTP sink.

pub mod smtp_sink;
