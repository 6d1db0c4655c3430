//! The follow-up page: the reporter logs in with receipt code and passphrase and sees their
//! case — its stage and history, the report, the conversation — and can write a message.
//!
//! One layout for both paths. Without JavaScript the server decrypts and the page shows the
//! text ([`Shown::Open`]). With JavaScript, `followup.js` logs in from the browser and asks
//! for [`case_section`], whose texts are placeholders ([`Shown::Sealed`], the item's id) that
//! the browser fills after decrypting: the server renders the layout, never the content.

use kentongan_crypto::Report;
use kentongan_crypto::message::MAX_MESSAGE_CHARS;
use kentongan_crypto::report::Category;
use maud::{Markup, html};

use super::layout::{Frame, href, page};
use super::office::Office;
use crate::assets;
use crate::strings::{
    Lang, Notice, ReporterStage, STEPS, category_label, notice, reporter_stage, reporter_stage_name,
};
use crate::strings::{file_refusal, files_hint};

use super::receipt::{FileReport, file_list};
use super::report::FileInput;

/// A case as the reporter sees it.
#[derive(Debug)]
pub struct FollowupCase {
    pub case_id: i64,
    /// The current stage's stable name.
    pub stage: String,
    /// `YYYY-MM-DD`.
    pub created_on: String,
    /// Moves after the report arrived, oldest first.
    pub history: Vec<StageStep>,
    pub report: Shown<Box<Report>>,
    /// Messages of both sides, oldest first.
    pub conversation: Vec<Said>,
    /// When to look again, from the office's deadlines; `None` once closed.
    pub check_back: Option<CheckBack>,
}

/// The office's next deadline for the case, as the reporter is told it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckBack {
    /// The day, as people write it (with its weekday).
    pub day: String,
    /// The feedback deadline (the team says what was done); else the acknowledgement's.
    pub feedback: bool,
    /// The day is past.
    pub passed: bool,
}

/// One move of the case, with the message that came with it.
#[derive(Debug)]
pub struct StageStep {
    pub stage: String,
    pub on: String,
    pub message: Option<Shown<String>>,
}

/// Who wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Reporter,
    Investigators,
}

/// One message of the conversation.
#[derive(Debug)]
pub struct Said {
    pub from: Side,
    pub on: String,
    pub text: Shown<String>,
}

/// An item's content, as far as the server can show it.
#[derive(Debug)]
pub enum Shown<T> {
    /// Decrypted on the server (no-JS path).
    Open(T),
    /// Still encrypted: the browser fills it in (the item's id).
    Sealed(i64),
    /// It did not decrypt.
    Unreadable,
    /// Decrypted, but said to be the team's without the team's signature: shown apart, under
    /// a warning, never as the team's.
    Unverified(T),
}

/// The login form (`/followup`). `receipt` refills what was typed; the passphrase never is.
/// `draft` is a message written on the case page after the session had ended: it goes along
/// with the login, and is sent once the reporter is in.
pub fn followup_login(
    lang: Lang,
    office: &Office,
    csrf: &str,
    receipt: &str,
    draft: &str,
    note: Option<Notice>,
) -> Markup {
    let t = lang.texts();
    let f = &t.followup;
    let js = &f.js;
    let main = html! {
        div #followup-login {
            h1 { (f.title) }
            p { (f.login_intro) }
            p #js-note .box.info hidden { (f.login_js_note) }
            noscript { p.box.info { (f.login_server_note) } }
            (notice_box(lang, note))
            form #followup-form .np method="post" action="/followup" accept-charset="utf-8"
                autocomplete="off" spellcheck="false"
                data-client=(assets::url("client.js"))
                data-worker=(assets::url("worker.js"))
                data-glue=(assets::url("crypto/kentongan_followup.js"))
                data-wasm=(assets::url("crypto/kentongan_followup_bg.wasm"))
                data-msg-not-ready=(js.not_ready)
                data-msg-deriving=(js.deriving)
                data-msg-opening=(js.opening)
                data-msg-encrypting=(js.encrypting)
                data-msg-failed=(js.failed)
                data-msg-network=(js.network)
                data-msg-unreadable=(f.unreadable)
                data-msg-unverified=(f.unverified)
                data-msg-from-unknown=(f.from_unknown)
                data-msg-receipt=(notice(lang, Notice::ReceiptFormat))
                data-msg-changed=(notice(lang, Notice::CaseChanged))
            {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="lang" value=(lang.code());
                div.field {
                    label for="f-receipt" { (t.receipt_code_label) }
                    p.hint #h-receipt { (f.receipt_hint) }
                    input #f-receipt type="text" name="receipt" value=(receipt) required
                        inputmode="numeric" maxlength="64" aria-describedby="h-receipt";
                }
                div.field {
                    label for="f-passphrase" { (t.passphrase_label) }
                    p.hint #h-passphrase { (f.passphrase_hint) }
                    // Not type=password: seven plain words are easier to check when seen, and
                    // a browser must not offer to save them. Nor may a phone's keyboard learn
                    // them and offer them later as suggestions.
                    input #f-passphrase type="text" name="passphrase" required maxlength="512"
                        autocomplete="off" autocapitalize="none" autocorrect="off"
                        spellcheck="false" aria-describedby="h-passphrase";
                }
                @if !draft.trim().is_empty() {
                    div.field {
                        label for="f-draft" { (f.draft_label) }
                        p.hint #h-draft { (f.draft_hint) }
                        textarea #f-draft name="message" rows="4" maxlength=(MAX_MESSAGE_CHARS)
                            aria-describedby="h-draft" { "\n" (draft) }
                    }
                }
                button.btn type="submit" { (f.login_submit) }
                p #followup-status role="status" aria-live="polite" {}
            }
            p.small { (f.no_receipt) " " a href=(href(lang, "/report")) { (t.form_title) } }
        }
        (category_names(lang))
        (super::attachments::file_texts(lang))
    };
    page(
        Frame {
            lang,
            office,
            title: f.title,
            switch_to: Some("/followup"),
            head: html! { script src=(assets::url("guard.js")) {} },
            footer_channels: false,
        },
        html! {
            (main)
            script type="module" src=(assets::url("followup.js")) {}
        },
    )
}

/// The case page of the no-JavaScript path, decrypted by the server for this session.
pub fn followup_case(
    lang: Lang,
    office: &Office,
    case: &FollowupCase,
    csrf: &str,
    draft: &str,
    note: Option<Notice>,
) -> Markup {
    followup_case_with_files(
        lang,
        office,
        case,
        csrf,
        draft,
        note,
        &FileInput::default(),
        &[],
    )
}

/// [`followup_case`] with the office's attachment limits and why files were refused, if
/// they were, or what became of the files just sent with a message.
#[allow(clippy::too_many_arguments)] // followup_case's, and the files
pub fn followup_case_with_files(
    lang: Lang,
    office: &Office,
    case: &FollowupCase,
    csrf: &str,
    draft: &str,
    note: Option<Notice>,
    files: &FileInput,
    sent: &[FileReport],
) -> Markup {
    let t = lang.texts();
    let f = &t.followup;
    page(
        Frame {
            lang,
            office,
            title: f.case_title,
            switch_to: Some("/followup"),
            head: html! {},
            footer_channels: false,
        },
        html! {
            (notice_box(lang, note))
            @if let Some(refused) = files.refused {
                p #files-notice .box.err role="alert" {
                    (file_refusal(lang, refused)) " " (t.files.choose_again)
                }
            }
            (file_list(lang, sent))
            (section_with_files(lang, case, csrf, draft, files))
        },
    )
}

/// The case itself: what [`followup_case`] shows, and what the browser asks for after
/// logging in (then with [`Shown::Sealed`] texts to fill). `draft` refills the message box
/// when a message could not be sent; `files` gives the office's limits for attachments.
pub fn case_section(
    lang: Lang,
    case: &FollowupCase,
    csrf: &str,
    draft: &str,
    files: &FileInput,
) -> Markup {
    section_with_files(lang, case, csrf, draft, files)
}

fn section_with_files(
    lang: Lang,
    case: &FollowupCase,
    csrf: &str,
    draft: &str,
    files: &FileInput,
) -> Markup {
    let t = lang.texts();
    let f = &t.followup;
    let stage = reporter_stage_name(lang, &case.stage).unwrap_or(&case.stage);
    html! {
        section #case aria-labelledby="case-h" {
            h1 #case-h tabindex="-1" { (f.case_title) }
            p { (f.case_number) " " strong #case-number { (case.case_id) } ", " (f.received_on) " " (case.created_on) }
            div.box.stage {
                p { (f.current_stage) }
                p #stage .stage-name { (stage) }
            }
            (progress(lang, case))
            section #history aria-labelledby="history-h" {
                h2 #history-h { (f.history_heading) }
                ol.history {
                    li { span.day { (case.created_on) } " " strong { (t.stages[0].0) } }
                    @for step in &case.history {
                        li data-stage=(step.stage) {
                            span.day { (step.on) } " "
                            strong { (reporter_stage_name(lang, &step.stage).unwrap_or(&step.stage)) }
                            @if let Some(message) = &step.message {
                                @let (class, who) = if matches!(message, Shown::Unverified(_)) {
                                    ("said unverified", f.from_unknown)
                                } else {
                                    ("said team", f.stage_message)
                                };
                                div class=(class) {
                                    p.who { (who) }
                                    (text(lang, message))
                                }
                            }
                        }
                    }
                }
            }
            section #conversation aria-labelledby="conversation-h" {
                h2 #conversation-h { (f.conversation_heading) }
                @if case.conversation.is_empty() {
                    p.small { (f.conversation_empty) }
                }
                ol.conversation {
                    @for said in &case.conversation {
                        @let (class, who) = match (said.from, &said.text) {
                            (Side::Reporter, _) => ("said mine", f.from_reporter),
                            (Side::Investigators, Shown::Unverified(_)) => {
                                ("said unverified", f.from_unknown)
                            }
                            (Side::Investigators, _) => ("said team", f.from_team),
                        };
                        li class=(class) {
                            p.who { strong { (who) } " · " span.day { (said.on) } }
                            (text(lang, &said.text))
                        }
                    }
                }
            }
            (message_form(lang, csrf, draft, files))
            section #report aria-labelledby="report-h" {
                h2 #report-h { (f.report_heading) }
                (report(lang, &case.report, f.identity_heading))
            }
            (logout_form(lang, csrf))
        }
    }
}

/// The six stages of the landing page as a line: those passed, the one the case is at (with
/// "step N of 6"), those ahead, each with what it means; when to look again; and, for a case
/// that left the line, what that means and the team's message.
fn progress(lang: Lang, case: &FollowupCase) -> Markup {
    let t = lang.texts();
    let f = &t.followup;
    let at = reporter_stage(&case.stage);
    // The furthest step reached: where the case is, or (after a side exit) where it was.
    let reached = match at {
        Some(ReporterStage::Step(n)) => n,
        _ => case
            .history
            .iter()
            .filter_map(|step| match reporter_stage(&step.stage) {
                Some(ReporterStage::Step(n)) => Some(n),
                _ => None,
            })
            .max()
            .unwrap_or(2),
    };
    let current = match at {
        Some(ReporterStage::Step(n)) if n < STEPS => Some(n),
        _ => None,
    };
    let exit_message = case
        .history
        .iter()
        .rev()
        .find(|step| step.stage == case.stage)
        .and_then(|step| step.message.as_ref());
    html! {
        section #progress aria-labelledby="progress-h" {
            h2 #progress-h { (f.progress_heading) }
            @if let Some(ReporterStage::Step(n)) = at {
                @let name = t.stages.get(n - 1).map_or("", |(name, _)| *name);
                p #step-of .step-of { ((f.step_of)(n, STEPS, name)) }
            }
            ol.steps {
                @for (i, (name, meaning)) in t.stages.iter().enumerate() {
                    @let n = i + 1;
                    @let state = if current == Some(n) { "now" } else if n <= reached { "done" } else { "later" };
                    li class=(state) aria-current=[(state == "now").then_some("step")] {
                        span.mark aria-hidden="true" { (n) }
                        div {
                            strong { (name) }
                            " "
                            span.sr { "(" (match state { "now" => f.step_now, "done" => f.step_done, _ => f.step_later }) ")" }
                            p.small { (meaning) }
                        }
                    }
                }
            }
            @match at {
                Some(ReporterStage::Step(STEPS)) => p.box #closed-note { (f.closed_done) },
                Some(exit @ (ReporterStage::NotActionable | ReporterStage::Forwarded)) => {
                    @let (title, text_) = if exit == ReporterStage::NotActionable {
                        (f.not_actionable_title, f.not_actionable_text)
                    } else {
                        (f.forwarded_title, f.forwarded_text)
                    };
                    div.box.warn #exit-note {
                        p { strong { (title) } }
                        p { (text_) }
                        @if let Some(message) = exit_message {
                            p.who { (f.exit_message) }
                            (text(lang, message))
                        }
                    }
                }
                _ => {}
            }
            @if let Some(back) = &case.check_back {
                div.box #check-back {
                    @if back.passed {
                        p { ((f.check_back_passed)(&back.day)) }
                    } @else {
                        p { strong { ((f.check_back)(&back.day)) } }
                        p.small { (if back.feedback { f.check_back_feedback } else { f.check_back_acknowledge }) }
                    }
                }
            }
        }
    }
}

/// The page when the case cannot be read (the database is down) after the reporter wrote a
/// message: the notice, and the message kept in its box to send again.
pub fn followup_unavailable(
    lang: Lang,
    office: &Office,
    csrf: &str,
    draft: &str,
    note: Notice,
) -> Markup {
    let f = &lang.texts().followup;
    page(
        Frame {
            lang,
            office,
            title: f.case_title,
            switch_to: None,
            head: html! {},
            footer_channels: false,
        },
        html! {
            h1 { (f.case_title) }
            (notice_box(lang, Some(note)))
            (message_form(lang, csrf, draft, &FileInput::default()))
            (logout_form(lang, csrf))
        },
    )
}

fn message_form(lang: Lang, csrf: &str, draft: &str, files: &FileInput) -> Markup {
    let t = lang.texts();
    let f = &t.followup;
    html! {
        // Multipart: files stream to the server, which encrypts them as they arrive.
        form #message-form method="post" action="/followup/message" accept-charset="utf-8"
            enctype="multipart/form-data" autocomplete="off" spellcheck="false"
        {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="lang" value=(lang.code());
            div.field {
                label for="f-message" { (f.message_label) }
                p.hint #h-message { (f.message_hint) }
                // The newline keeps a leading line break of `draft`: HTML drops the first
                // one after `<textarea>`.
                textarea #f-message name="message" rows="5" required
                    maxlength=(MAX_MESSAGE_CHARS) aria-describedby="h-message" { "\n" (draft) }
            }
            // After the text: the server reads (and checks) it before any file.
            div.field {
                label for="f-files" { (t.files.label) }
                p.hint #h-files { (files_hint(lang, files.max_files, files.max_file_bytes)) }
                input #f-files type="file" name="files" multiple aria-describedby="h-files";
            }
            button.btn type="submit" { (f.message_submit) }
            p #message-status role="status" aria-live="polite" {}
        }
    }
}

fn logout_form(lang: Lang, csrf: &str) -> Markup {
    let f = &lang.texts().followup;
    html! {
        form #logout-form .np method="post" action="/followup/logout" {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="lang" value=(lang.code());
            p.small { (f.logout_hint) }
            button.btn.quiet type="submit" { (f.logout) }
        }
    }
}

/// A message's text, or its placeholder.
pub(super) fn text(lang: Lang, shown: &Shown<String>) -> Markup {
    let f = &lang.texts().followup;
    html! {
        @match shown {
            Shown::Open(text) => p.text { (text) },
            Shown::Sealed(id) => p.text.sealed data-item=(id) { (f.opening) },
            Shown::Unreadable => p.text.unreadable { (f.unreadable) },
            Shown::Unverified(text) => {
                p.warning { (f.unverified) }
                p.text.unverified { (text) }
            }
        }
    }
}

/// The report's fields, those filled in; sealed, every row is there for the browser to fill
/// and show.
pub(super) fn report(lang: Lang, shown: &Shown<Box<Report>>, identity_heading: &str) -> Markup {
    let fu = &lang.texts().followup;
    html! {
        @match shown {
            Shown::Open(r) => dl.report {
                @for (name, label, value) in rows(lang, Some(r)) {
                    @if !value.trim().is_empty() {
                        div data-field=(name) { dt { (label) } dd.text { (value) } }
                    }
                }
                div data-field="identification" {
                    dt { (identity_heading) }
                    @match &r.identification {
                        Some(id) => dd.text { (id.name) "\n" (id.contact) },
                        None => dd { (fu.anonymous) },
                    }
                }
            },
            Shown::Sealed(id) => dl.report.sealed data-item=(id) data-anonymous=(fu.anonymous) {
                @for (name, label, _) in rows(lang, None) {
                    div data-field=(name) hidden { dt { (label) } dd.text {} }
                }
                div data-field="identification" hidden { dt { (identity_heading) } dd.text {} }
                p.text { (fu.opening) }
            },
            Shown::Unreadable | Shown::Unverified(_) => p.text.unreadable { (fu.unreadable) },
        }
    }
}

/// A report's fields in form order: name (as in the report's JSON), label, and value in `r`
/// (empty without one).
fn rows(lang: Lang, r: Option<&Report>) -> [(&'static str, &'static str, &str); 7] {
    let f = &lang.texts().fields;
    let value = |pick: fn(&Report) -> &str| r.map_or("", pick);
    [
        (
            "category",
            f.category.label,
            r.map_or("", |r| category_label(lang, r.category)),
        ),
        ("what", f.what.label, value(|r| &r.what)),
        ("who", f.who.label, value(|r| &r.who)),
        ("where", f.place.label, value(|r| &r.place)),
        ("when", f.when.label, value(|r| &r.when)),
        ("how", f.how.label, value(|r| &r.how)),
        ("why", f.why.label, value(|r| &r.why)),
    ]
}

/// The categories' labels, for the browser to show a decrypted report's category.
pub(super) fn category_names(lang: Lang) -> Markup {
    html! {
        ul #category-names hidden {
            @for c in Category::ALL { li data-slug=(c.slug()) { (category_label(lang, c)) } }
        }
    }
}

fn notice_box(lang: Lang, note: Option<Notice>) -> Markup {
    html! {
        @if let Some(n) = note {
            @if n.is_good() {
                p #notice .box role="status" { (notice(lang, n)) }
            } @else {
                p #notice .box.err role="alert" { (notice(lang, n)) }
            }
        }
    }
}
