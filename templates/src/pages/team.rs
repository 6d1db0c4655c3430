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
                data-msg-sending=(js.sending)
                data-msg-saved=(js.saved)
                data-msg-empty=(js.empty)
                data-msg-needs-message=(t.errors.needs_message)
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
        section #team-workspace hidden {
            div.team-bar {
                span { (t.signed_in_as) " " strong #team-me {} }
                button #team-logout .btn.secondary type="button" { (t.logout) }
            }
            div #team-view {}
        }
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

/// The case list: a fragment of the workspace page.
pub fn team_cases(lang: Lang, me: &str, rows: &[TeamCaseRow]) -> Markup {
    let t = &lang.texts().team;
    html! {
        div.team-cases data-me=(me) {
            h2 { (t.cases_heading) }
            @if rows.is_empty() {
                p { (t.no_cases) }
            } @else {
                table.cases {
                    thead {
                        tr {
                            th scope="col" { (t.col_case) }
                            th scope="col" { (t.col_stage) }
                            th scope="col" { (t.col_received) }
                            th scope="col" { (t.col_due) }
                        }
                    }
                    tbody {
                        @for row in rows {
                            tr {
                                td { a href={ "/team/cases/" (row.id) } data-case=(row.id) { (row.id) } }
                                td { (stage_name(lang, &row.stage).unwrap_or(&row.stage)) }
                                td { (row.received) }
                                td {
                                    @match &row.due {
                                        DueView::OnTime(date) => { (t.due_on) " " (date) }
                                        DueView::Today => strong { (t.due_today) }
                                        DueView::Overdue(days) => strong.overdue { ((t.overdue)(*days)) }
                                        DueView::Met => "—",
                                    }
                                }
                            }
                        }
                    }
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
            section aria-labelledby="team-report-h" {
                h3 #team-report-h { (t.report_heading) }
                (report(lang, &case.report))
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
                            textarea #team-move-message name="message" rows="3"
                                maxlength=(MAX_MESSAGE_CHARS) aria-describedby="h-move-message" {}
                        }
                        button.btn type="submit" { (t.move_submit) }
                        p.status role="status" aria-live="polite" {}
                    }
                }
            }
            p { a #team-export href={ "/team/api/cases/" (case.case_id) "/export" } download={ "kasus-" (case.case_id) ".json" } { (t.export_link) } }
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
