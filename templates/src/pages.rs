//! The pages a reporter sees. Each page function takes what it shows and returns [`Markup`];
//! the small partials they share are in `layout`.
//!
//! No page has inline script or style, and nothing is loaded from another site.
//! `PreEscaped` is not used: every text, including the office's configuration and what a
//! reporter typed, is escaped by maud.

mod attachments;
mod draft;
mod error;
mod followup;
mod landing;
mod layout;
mod office;
mod receipt;
mod report;
mod team;
mod team_access;
#[cfg(test)]
mod tests;

pub use draft::ReportDraft;
pub use error::error_page;
pub use followup::followup_case_with_files;
pub use followup::{
    CheckBack, FollowupCase, Said, Shown, Side, StageStep, case_section, followup_case,
    followup_login, followup_unavailable,
};
pub use landing::landing;
pub use office::{Office, Team};
pub use receipt::{FileOutcome, FileReport, receipt, receipt_with_files};
pub use report::{FileInput, report_form, report_form_with_files};
pub use team::{
    AuditLine, DueView, TeamAdmin, TeamCase, TeamCaseList, TeamCaseRow, TeamFilter, TeamMember,
    TeamStep, team_admin, team_case, team_cases, team_no_key, team_page,
};
pub use team_access::{TeamSecurity, team_enrol, team_security};
