//! The SQLite migrations, compiled into the binary, and the source that hands them to sqlx's
//! migrator (PostgreSQL's migrations use the same source).

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType};

/// The migrations, embedded at compile time. A new file in `migrations/sqlite` needs a line
/// here; a test checks that the two agree.
pub(in crate::store) const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "initial",
        include_str!("../../../migrations/sqlite/0001_initial.sql"),
    ),
    (
        2,
        "stage_events",
        include_str!("../../../migrations/sqlite/0002_stage_events.sql"),
    ),
    (
        3,
        "stage_messages",
        include_str!("../../../migrations/sqlite/0003_stage_messages.sql"),
    ),
    (
        4,
        "audit",
        include_str!("../../../migrations/sqlite/0004_audit.sql"),
    ),
    (
        5,
        "notifications",
        include_str!("../../../migrations/sqlite/0005_notifications.sql"),
    ),
    (
        6,
        "case_metadata",
        include_str!("../../../migrations/sqlite/0006_case_metadata.sql"),
    ),
    (
        7,
        "attachments",
        include_str!("../../../migrations/sqlite/0007_attachments.sql"),
    ),
    (
        8,
        "totp",
        include_str!("../../../migrations/sqlite/0008_totp.sql"),
    ),
    (
        9,
        "commitments",
        include_str!("../../../migrations/sqlite/0009_commitments.sql"),
    ),
];

/// Migrations compiled into the binary (`sqlx::migrate!` needs sqlx's `macros` feature, which
/// the workspace leaves off); each is checksummed like one read from a directory, so the
/// `sqlx` command-line tool agrees with them.
#[derive(Debug)]
pub(in crate::store) struct EmbeddedMigrations(
    pub(in crate::store) &'static [(i64, &'static str, &'static str)],
);

impl<'s> MigrationSource<'s> for EmbeddedMigrations {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 's>> {
        Box::pin(std::future::ready(Ok(self
            .0
            .iter()
            .map(|&(version, description, sql)| {
                Migration::new(
                    version,
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    Cow::Borrowed(sql),
                    false,
                )
            })
            .collect())))
    }
}
