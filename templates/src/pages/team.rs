//! The investigators' workspace (`/team`): one page that stays loaded while the investigator
//! works, because their unlocked key lives in that page's crypto worker and would die with a
//! navigation. Its views (the case list, a case) are fragments the page fetches and shows.
//!
//! The workspace needs JavaScript (the key is unlocked in the browser); without it the page
//! says so and offers nothing that would send anything.

use maud::{Markup, html};

use kentongan_crypto::Report;
use kentongan_crypto::message::MAX_MESSAGE_CHARS;

use super::followup::{Shown, category_names, report, text};
use super::layout::{Frame, page};
use super::office::Office;
use crate::assets;
use crate::strings::{Lang, stage_name};

/// Where a case stands against its deadline, as the list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DueView {
    /// The deadline (a date, as text) is ahead.
    OnTime(String),
    /// The deadline is within 2 working days (not today).
    Soon(String),
    Today,
    /// Working days late.
    Overdue(u32),
    /// Closed: no deadline.
    Met,
}

/// One row of the case list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamCaseRow {
    pub id: i64,
    /// The stage's stable name.
    pub stage: String,
    /// The day the report arrived, as text.
    pub received: String,
    pub due: DueView,
    pub assignee: Option<String>,
    /// The category's label.
    pub category: Option<String>,
    pub last_activity: String,
}

/// The filters of the case list, as given (empty: no filter).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TeamFilter {
    pub stage: String,
    /// "", "overdue" or "soon".
    pub due: String,
    /// "", "none" or an investigator id.
    pub assignee: String,
    /// "", "none" or a category slug.
    pub category: String,
}

impl TeamFilter {
    /// The list's URL with these filters, `stage` replaced, on page `page`.
    pub fn url(&self, stage: &str, page: u32) -> String {
        let mut url = format!("/team/view/cases?page={page}");
        for (name, value) in [
            ("stage", stage),
            ("due", self.due.as_str()),
            ("assignee", self.assignee.as_str()),
            ("category", self.category.as_str()),
        ] {
            if !value.is_empty() {
                url.push_str(&format!("&{name}={}", encode(value)));
            }
        }
        url
    }
}

/// Percent-encodes what is not a letter, digit, `-` or `_` (slugs and ids only need this).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A page of the case list, with counts per stage for the tabs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamCaseList {
    pub rows: Vec<TeamCaseRow>,
    /// (stage slug, cases) for every stage, with the other filters applied.
    pub counts: Vec<(String, u64)>,
    /// Cases the filters select.
    pub total: u64,
    pub filter: TeamFilter,
    pub page: u32,
    /// Whether there is a next page.
    pub more: bool,
    /// Active investigators: (id, name).
    pub team: Vec<(i64, String)>,
    /// The office's categories: (slug, label).
    pub categories: Vec<(String, String)>,
}

/// The workspace page: the key login, and the place its views go.
pub fn team_page(lang: Lang, office: &Office, csrf: &str) -> Markup {
    let t = &lang.texts().team;
    let js = &t.js;
    let main = html! {
        h1 { (t.title) }
        noscript { p.box.info { (t.needs_js) } }
        section #team-login hidden {
            p { (t.login_intro) }
            form #team-login-form
                autocomplete="off"
                data-client=(assets::url("client.js"))
                data-worker=(assets::url("worker.js"))
                data-glue=(assets::url("crypto/kentongan_team.js"))
                data-wasm=(assets::url("crypto/kentongan_team_bg.wasm"))
                data-csrf=(csrf)
                data-lang=(lang.code())
                data-msg-not-ready=(js.not_ready)
                data-msg-unlocking=(js.unlocking)
                data-msg-checking=(js.checking)
                data-msg-loading=(js.loading)
                data-msg-failed=(js.failed)
                data-msg-network=(js.network)
                data-msg-no-file=(js.no_file)
                data-msg-passphrase=(js.wrong_passphrase)
                data-msg-not-key-file=(js.not_key_file)
                data-msg-not-passphrase=(js.not_passphrase)
                data-msg-damaged=(js.damaged)
                data-msg-too-large=(js.not_key_file)
                data-msg-work=(js.too_much_work)
                data-msg-session-ended=(js.session_ended)
                data-msg-unreadable=(js.unreadable)
                data-msg-unverified=(js.unverified)
                data-msg-from-unknown=(t.from_unknown)
                data-msg-sending=(js.sending)
                data-msg-saved=(js.saved)
                data-msg-empty=(js.empty)
                data-msg-changed=(js.case_changed)
                data-msg-needs-message=(t.errors.needs_message)
                data-msg-totp-on=(t.totp.turned_on)
                data-msg-totp-off=(t.totp.turned_off)
            {
                div.field {
                    label for="t-key" { (t.key_file_label) }
                    p.hint #h-key { (t.key_file_hint) }
                    input #t-key type="file" aria-describedby="h-key";
                }
                div.field {
                    label for="t-passphrase" { (t.key_passphrase_label) }
                    input #t-passphrase type="password" autocomplete="off";
                }
                button.btn type="submit" { (t.login_submit) }
                p #team-status role="status" aria-live="polite" {}
            }
        }
        // The second step of a login with a second factor: the code from the app.
        section #team-code hidden {
            form #team-code-form autocomplete="off" {
                div.field {
                    label for="t-code" { (t.totp.code_label) }
                    p.hint #h-code { (t.totp.code_hint) }
                    (super::team_access::code_input("t-code"))
                }
                button.btn type="submit" { (t.totp.code_submit) }
                p #team-code-status role="status" aria-live="polite" {}
            }
        }
        section #team-workspace hidden {
            div.team-bar {
                span { (t.signed_in_as) " " strong #team-me {} }
                button #team-logout .btn.secondary type="button" { (t.logout) }
            }
            p #team-view-status role="status" aria-live="polite" {}
            div #team-view {}
        }
        (super::attachments::file_texts(lang))
    };
    page(
        Frame {
            lang,
            office,
            title: t.title,
            switch_to: Some("/team"),
            head: html! { script type="module" src=(assets::url("team.js")) {} },
            footer_channels: false,
        },
        main,
    )
}

/// The case list: a fragment of the workspace page. Links and the filter form carry
/// `data-view`: the page fetches them in place (the key must not die with a navigation).
pub fn team_cases(lang: Lang, me: &str, admin: bool, list: &TeamCaseList) -> Markup {
    let t = &lang.texts().team;
    let f = &list.filter;
    let all: u64 = list.counts.iter().map(|(_, n)| n).sum();
    html! {
        div.team-cases data-me=(me) {
            p {
                @if admin {
                    a href="/team/view/admin" data-view="" { (t.admin_link) } " · "
                }
                a href="/team/view/security" data-view="" { (t.totp.security_link) }
            }
            h2 { (t.cases_heading) }
            nav.stages aria-label=(t.col_stage) {
                a href=(f.url("", 1)) data-view="" aria-current=[f.stage.is_empty().then_some("page")] {
                    (t.all_stages) " (" (all) ")"
                }
                @for (stage, n) in &list.counts {
                    " · "
                    a href=(f.url(stage, 1)) data-view="" aria-current=[(f.stage == *stage).then_some("page")] {
                        (stage_name(lang, stage).unwrap_or(stage)) " (" (n) ")"
                    }
                }
            }
            form #team-filter action="/team/view/cases" method="get" data-view="" aria-label=(t.filter_heading) {
                input type="hidden" name="stage" value=(f.stage);
                label { (t.filter_due) " "
                    select name="due" {
                        option value="" selected[f.due.is_empty()] { (t.due_any) }
                        option value="overdue" selected[f.due == "overdue"] { (t.due_overdue) }
                        option value="soon" selected[f.due == "soon"] { (t.due_soon) }
                    }
                }
                " "
                label { (t.filter_assignee) " "
                    select name="assignee" {
                        option value="" selected[f.assignee.is_empty()] { (t.anyone) }
                        option value="none" selected[f.assignee == "none"] { (t.nobody) }
                        @for (id, name) in &list.team {
                            option value=(id) selected[f.assignee == id.to_string()] { (name) }
                        }
                    }
                }
                " "
                label { (t.filter_category) " "
                    select name="category" {
                        option value="" selected[f.category.is_empty()] { (t.any_category) }
                        option value="none" selected[f.category == "none"] { (t.unclassified) }
                        @for (slug, label) in &list.categories {
                            option value=(slug) selected[f.category == *slug] { (label) }
                        }
                    }
                }
                " "
                button.btn.secondary type="submit" { (t.filter_submit) }
            }
            @if list.rows.is_empty() {
                p { (t.no_cases) }
            } @else {
                p.small { ((t.page_of)(u64::try_from(list.rows.len()).unwrap_or(u64::MAX), list.total)) }
                table.cases {
                    thead {
                        tr {
                            th scope="col" { (t.col_case) }
                            th scope="col" { (t.col_stage) }
                            th scope="col" { (t.col_received) }
                            th scope="col" { (t.col_due) }
                            th scope="col" { (t.col_assignee) }
                            th scope="col" { (t.col_category) }
                            th scope="col" { (t.col_activity) }
                        }
                    }
                    tbody {
                        @for row in &list.rows {
                            tr {
                                td { a href={ "/team/cases/" (row.id) } data-case=(row.id) { (row.id) } }
                                td { (stage_name(lang, &row.stage).unwrap_or(&row.stage)) }
                                td { (row.received) }
                                td {
                                    @match &row.due {
                                        DueView::OnTime(date) => (date),
                                        DueView::Soon(date) => { (date) " " strong.soon { (t.due_soon_badge) } }
                                        DueView::Today => strong { (t.due_today) }
                                        DueView::Overdue(days) => strong.overdue { ((t.overdue)(*days)) }
                                        DueView::Met => "—",
                                    }
                                }
                                td { (row.assignee.as_deref().unwrap_or("—")) }
                                td { (row.category.as_deref().unwrap_or("—")) }
                                td { (row.last_activity) }
                            }
                        }
                    }
                }
                @if list.more {
                    p { a href=(f.url(&f.stage, list.page.saturating_add(1))) data-view="" { (t.next_page) } }
                }
            }
        }
    }
}

/// A case as the workspace shows it. The server renders the layout; every text that was
/// written in the case is [`Shown::Sealed`], for the browser to decrypt and fill in.
#[derive(Debug)]
pub struct TeamCase {
    pub case_id: i64,
    /// The current stage's stable name.
    pub stage: String,
    pub created_on: String,
    pub history: Vec<TeamStep>,
    pub report: Shown<Box<Report>>,
    /// Messages with the reporter, oldest first: (from the reporter?, day, text).
    pub conversation: Vec<(bool, String, Shown<String>)>,
    /// Internal notes, oldest first: (day, text).
    pub notes: Vec<(String, Shown<String>)>,
    /// The stages the case may move to now (stable names); empty when closed.
    pub moves: Vec<String>,
    /// Those of `moves` that need a message to the reporter.
    pub moves_needing_message: Vec<String>,
    /// Who the case is assigned to (an investigator id), if anyone.
    pub assignee: Option<i64>,
    /// Active investigators: (id, name).
    pub team: Vec<(i64, String)>,
    /// The office's category slug set, if any.
    pub classification: Option<String>,
    /// The office's categories: (slug, label).
    pub categories: Vec<(String, String)>,
    /// Active investigators who hold no key to this case yet: (id, name, `age1…`).
    pub grantable: Vec<(i64, String, String)>,
}

/// One move of the case.
#[derive(Debug)]
pub struct TeamStep {
    pub stage: String,
    pub on: String,
    pub by: String,
    pub message: Option<Shown<String>>,
}

/// The case view: a fragment of the workspace page, with the forms for replying, writing a
/// note and moving the case. The forms have no action: team.js encrypts what is written and
/// sends only ciphertext.
pub fn team_case(lang: Lang, case: &TeamCase) -> Markup {
    let t = &lang.texts().team;
    let stage = stage_name(lang, &case.stage).unwrap_or(&case.stage);
    html! {
        section #team-case data-case=(case.case_id) data-stage=(case.stage) aria-labelledby="team-case-h" {
            p { a href="/team/view/cases" data-view="" { (t.back_to_list) } }
            h2 #team-case-h tabindex="-1" { (t.case_heading) " " (case.case_id) }
            p { (t.received_on) " " (case.created_on) " · " (t.current_stage) ": " strong #team-stage { (stage) } }
            // On a laptop: what was written on the left, where the case stands and what to do
            // with it on the right (style.css); one column on a phone.
            div.case-columns {
            div.case-main {
            section aria-labelledby="team-report-h" {
                h3 #team-report-h { (t.report_heading) }
                (report(lang, &case.report, t.reporter_identity))
            }
            section aria-labelledby="team-conv-h" {
                h3 #team-conv-h { (t.conversation_heading) }
                @if case.conversation.is_empty() { p.small { (t.conversation_empty) } }
                ol.conversation {
                    @for (from_reporter, on, said) in &case.conversation {
                        @let (class, who) = if *from_reporter { ("said mine", t.from_reporter) } else { ("said team", t.from_team) };
                        li class=(class) {
                            p.who { strong { (who) } " · " span.day { (on) } }
                            (text(lang, said))
                        }
                    }
                }
                (sealing_form("team-reply-form", "reply", t.reply_label, t.reply_submit, None))
            }
            section.notes aria-labelledby="team-notes-h" {
                h3 #team-notes-h { (t.notes_heading) }
                p.small { (t.notes_hint) }
                @if case.notes.is_empty() { p.small { (t.notes_empty) } }
                ol.conversation {
                    @for (on, note) in &case.notes {
                        li.said.note { p.who { span.day { (on) } } (text(lang, note)) }
                    }
                }
                (sealing_form("team-note-form", "note", t.note_label, t.note_submit, None))
            }
            }
            div.case-side {
            section aria-labelledby="team-history-h" {
                h3 #team-history-h { (t.history_heading) }
                ol.history {
                    li { span.day { (case.created_on) } " " strong { (lang.texts().stage_names.diterima) } }
                    @for step in &case.history {
                        li data-stage=(step.stage) {
                            span.day { (step.on) } " "
                            strong { (stage_name(lang, &step.stage).unwrap_or(&step.stage)) }
                            " " (t.moved_by) " " (step.by)
                            @if let Some(message) = &step.message {
                                div.said.team { p.who { (t.stage_message) } (text(lang, message)) }
                            }
                        }
                    }
                }
                @if case.moves.is_empty() {
                    p.small { (t.closed) }
                } @else {
                    form #team-move-form data-action="move" autocomplete="off" {
                        div.field {
                            label for="team-move-to" { (t.move_label) }
                            select #team-move-to name="to" {
                                @for to in &case.moves {
                                    option value=(to) data-needs-message=[case.moves_needing_message.contains(to).then_some("true")] {
                                        (stage_name(lang, to).unwrap_or(to))
                                    }
                                }
                            }
                        }
                        div.field {
                            label for="team-move-message" { (t.move_message_label) }
                            p.hint #h-move-message { (t.move_message_hint) }
                            textarea #team-move-message rows="3"
                                maxlength=(MAX_MESSAGE_CHARS) aria-describedby="h-move-message" {}
                        }
                        button.btn type="submit" { (t.move_submit) }
                        p.status role="status" aria-live="polite" {}
                    }
                }
            }
            section.team-meta aria-labelledby="team-meta-h" {
                h3 #team-meta-h { (t.handling_heading) }
                form #team-assign-form data-action="assign" {
                    label for="team-assignee" { (t.assign_label) }
                    select #team-assignee {
                        option value="" selected[case.assignee.is_none()] { (t.nobody) }
                        @for (id, name) in &case.team {
                            option value=(id) selected[case.assignee == Some(*id)] { (name) }
                        }
                    }
                    button.btn.secondary type="submit" { (t.save) }
                    p.status role="status" aria-live="polite" {}
                }
                form #team-classify-form data-action="classify" {
                    label for="team-category" { (t.classify_label) }
                    select #team-category {
                        option value="" selected[case.classification.is_none()] { (t.unclassified) }
                        @for (slug, label) in &case.categories {
                            option value=(slug) selected[case.classification.as_deref() == Some(slug.as_str())] { (label) }
                        }
                    }
                    button.btn.secondary type="submit" { (t.save) }
                    p.status role="status" aria-live="polite" {}
                }
                @if !case.grantable.is_empty() {
                    form #team-grant-form data-action="grant" {
                        label for="team-grantee" { (t.grant_label) }
                        p.hint { (t.grant_hint) }
                        select #team-grantee {
                            @for (id, name, recipient) in &case.grantable {
                                option value=(id) data-recipient=(recipient) { (name) }
                            }
                        }
                        // Filled by the worker from the key the grant will be sealed to.
                        p.hint { (t.grant_fingerprint) " " code #team-grantee-fp .fp {} }
                        button.btn.secondary type="submit" { (t.grant_submit) }
                        p.status role="status" aria-live="polite" {}
                    }
                }
            }
            p { a #team-export href={ "/team/api/cases/" (case.case_id) "/export" } download={ "kasus-" (case.case_id) ".json" } { (t.export_link) } }
            }
            }
            (category_names(lang))
        }
    }
}

/// A form whose text is sealed in the browser: no action, no name on the text.
fn sealing_form(id: &str, action: &str, label: &str, submit: &str, hint: Option<&str>) -> Markup {
    let field = format!("{id}-text");
    html! {
        form id=(id) data-action=(action) autocomplete="off" {
            div.field {
                label for=(field) { (label) }
                @if let Some(hint) = hint { p.hint { (hint) } }
                textarea id=(field) rows="4" required maxlength=(MAX_MESSAGE_CHARS) {}
            }
            button.btn type="submit" { (submit) }
            p.status role="status" aria-live="polite" {}
        }
    }
}

/// What the workspace shows instead of a case the investigator holds no key for.
pub fn team_no_key(lang: Lang, case_id: i64) -> Markup {
    let t = &lang.texts().team;
    html! {
        section #team-case data-case=(case_id) {
            p { a href="/team/view/cases" data-view="" { (t.back_to_list) } }
            h2 { (t.case_heading) " " (case_id) }
            p.box.info { (t.no_key) }
        }
    }
}

/// One investigator, as the admin view lists them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamMember {
    pub id: i64,
    pub name: String,
    pub admin: bool,
    pub active: bool,
    /// The key's short fingerprint.
    pub fingerprint: String,
    pub added_on: String,
    /// They log in with a second factor.
    pub totp: bool,
}

/// One audit entry, as the admin view shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditLine {
    pub seq: i64,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub case: Option<i64>,
    pub detail: String,
}

/// The admin view: the team, adding and disabling members, and the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamAdmin {
    pub me: i64,
    pub members: Vec<TeamMember>,
    /// The fingerprint of the active team's keys, as the public pages show it.
    pub team_fingerprint: Option<String>,
    /// `Ok((entries, head hex))` when the chain verifies, else why not.
    pub audit_state: Result<(i64, String), String>,
    /// The newest entries first.
    pub audit: Vec<AuditLine>,
    /// Every investigator must log in with a second factor.
    pub totp_required: bool,
}

/// The admin view: a fragment of the workspace page.
pub fn team_admin(lang: Lang, view: &TeamAdmin) -> Markup {
    let t = &lang.texts().team;
    html! {
        section #team-admin aria-labelledby="team-admin-h" {
            p { a href="/team/view/cases" data-view="" { (t.back_to_list) } }
            h2 #team-admin-h { (t.admin_heading) }
            @if let Some(fingerprint) = &view.team_fingerprint {
                p { (t.team_key) ": " code #team-fingerprint { (fingerprint) } }
            }
            table.cases {
                thead {
                    tr {
                        th scope="col" { (t.col_name) }
                        th scope="col" { (t.col_role) }
                        th scope="col" { (t.col_status) }
                        th scope="col" { (t.col_key) }
                        th scope="col" { (t.col_added) }
                        th scope="col" { (t.totp.col_second_factor) }
                        th scope="col" {}
                    }
                }
                tbody {
                    @for m in &view.members {
                        tr data-member=(m.id) {
                            td { (m.name) }
                            td { @if m.admin { (t.role_admin) } @else { (t.role_investigator) } }
                            td { @if m.active { (t.active) } @else { (t.disabled) } }
                            td { code { (m.fingerprint) } }
                            td { (m.added_on) }
                            td {
                                @if m.totp { (t.totp.on) } @else { (t.totp.off) }
                                @if m.totp && m.id != view.me {
                                    form data-action="totp-reset" data-member=(m.id) {
                                        button.btn.quiet type="submit" { (t.totp.reset) }
                                        span.status role="status" aria-live="polite" {}
                                    }
                                }
                            }
                            td {
                                @if m.active && m.id != view.me {
                                    form data-action="role" data-member=(m.id) data-admin=(if m.admin { "false" } else { "true" }) {
                                        button.btn.quiet type="submit" {
                                            @if m.admin { (t.totp.remove_admin) } @else { (t.totp.make_admin) }
                                        }
                                        span.status role="status" aria-live="polite" {}
                                    }
                                    form data-action="disable" data-member=(m.id) {
                                        button.btn.quiet type="submit" { (t.disable) }
                                        span.status role="status" aria-live="polite" {}
                                    }
                                }
                            }
                        }
                    }
                }
            }
            form #team-totp-required data-action="totp-required" {
                h3 { (t.totp.required_heading) }
                div.field {
                    label { input #team-totp-required-box type="checkbox" checked[view.totp_required]; " " (t.totp.required_label) }
                    p.hint { (t.totp.required_hint) }
                }
                button.btn.secondary type="submit" { (t.totp.required_submit) }
                p.status role="status" aria-live="polite" {}
            }
            form #team-add-form data-action="add" autocomplete="off" {
                h3 { (t.add_heading) }
                div.field {
                    label for="team-add-name" { (t.col_name) }
                    input #team-add-name type="text" maxlength="200" required;
                }
                div.field {
                    label for="team-add-recipient" { (t.recipient_label) }
                    p.hint { (t.recipient_hint) }
                    input #team-add-recipient type="text" maxlength="100" required spellcheck="false"
                        autocapitalize="none";
                }
                div.field {
                    label { input #team-add-admin type="checkbox"; " " (t.admin_label) }
                }
                button.btn type="submit" { (t.add_submit) }
                p.status role="status" aria-live="polite" {}
            }
            section aria-labelledby="team-audit-h" {
                h3 #team-audit-h { (t.audit_heading) }
                @match &view.audit_state {
                    Ok((count, head)) => p #team-audit-state .box.info { ((t.audit_intact)(*count, head)) },
                    Err(why) => p #team-audit-state .box.err role="alert" { (t.audit_broken) " " (why) },
                }
                table.audit {
                    thead {
                        tr {
                            th scope="col" { "#" }
                            th scope="col" { (t.col_when) }
                            th scope="col" { (t.col_who) }
                            th scope="col" { (t.col_what) }
                            th scope="col" { (t.col_audit_case) }
                            th scope="col" { (t.col_detail) }
                        }
                    }
                    tbody {
                        @for line in &view.audit {
                            tr {
                                td { (line.seq) }
                                td { (line.at) }
                                td { (line.actor) }
                                td { (line.action) }
                                td { @if let Some(case) = line.case { (case) } }
                                td { code { (line.detail) } }
                            }
                        }
                    }
                }
            }
        }
    }
}
