//! The Kentongan server: the web application, its store and the operator's commands.
//!
//! Data flows one way: browser (or no-JS form) → [`web`] handler → `kentongan_crypto` (only on
//! the no-JS path, in memory) → [`store`]. The server holds investigators' public keys only,
//! so it can seal but never open a case.
#![forbid(unsafe_code)]

pub mod audit;
pub mod backup;
pub mod casework;
pub mod categories;
pub mod clock;
pub mod config;
pub mod doctor;
pub mod export;
pub mod followup;
pub mod kdf_pool;
pub mod notify;
pub mod onion;
pub mod serve;
pub mod store;
pub mod team;
pub mod team_sessions;
pub mod tls;
pub mod totp;
pub mod uploads;
pub mod web;
pub mod workflow;
