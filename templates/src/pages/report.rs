//! The report form. It works without JavaScript (the server encrypts); with JavaScript,
//! `report.js` encrypts in the browser and fills the hidden receipt panel instead.

use kentongan_crypto::report::{
    Category, EncryptedIn, Field, FieldError, MAX_LONG_FIELD, MAX_SHORT_FIELD,
};
use maud::{Markup, html};

use super::draft::ReportDraft;
use super::layout::{Frame, channels, page};
use super::office::{Office, Team};
use super::receipt::{Heading, receipt_panel};
use crate::assets;
use crate::strings::{
    FieldText, FileRefusal, Lang, Message, category_label, field_error, file_refusal, files_hint,
    message,
};

/// The form's file input: the office's limits, and why the files of the last post were
/// refused, if they were (the text is kept; files must be chosen again).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileInput {
    pub max_files: usize,
    pub max_file_bytes: u64,
    pub refused: Option<FileRefusal>,
}

impl Default for FileInput {
    fn default() -> Self {
        FileInput {
            max_files: 10,
            max_file_bytes: 100 * 1024 * 1024,
            refused: None,
        }
    }
}

/// The form (`/report`). When a post comes back it is refilled with `draft`, marked with
/// `errors` beside their fields, and `notice` says why nothing was sent (busy, expired form,
/// …), so a reporter never has to type the report again.
pub fn report_form(
    lang: Lang,
    office: &Office,
    team: &Team,
    draft: &ReportDraft,
    errors: &[FieldError],
    csrf: &str,
    notice: Option<Message>,
) -> Markup {
    report_form_with_files(
        lang,
        office,
        team,
        draft,
        errors,
        csrf,
        notice,
        &FileInput::default(),
    )
}

/// [`report_form`] with the office's attachment limits and a refusal of files, if any.
#[allow(clippy::too_many_arguments)] // report_form's, and the file input
pub fn report_form_with_files(
    lang: Lang,
    office: &Office,
    team: &Team,
    draft: &ReportDraft,
    errors: &[FieldError],
    csrf: &str,
    notice: Option<Message>,
    files: &FileInput,
) -> Markup {
    let t = lang.texts();
    let can_report = team.can_receive();
    let main = html! {
        h1 { (t.form_title) }
        @if can_report {
            (form(lang, draft, errors, csrf, notice, files))
            section #receipt .receipt data-msg-browser=(t.encrypted_in_browser) hidden {
                (receipt_panel(lang, "", "", "", EncryptedIn::Browser, Heading::Section))
            }
            (super::attachments::file_texts(lang))
        } @else {
            p.box.warn role="alert" { (message(lang, Message::NoInvestigators)) }
            (channels(lang, office))
        }
    };
    let head = if can_report {
        html! { script src=(assets::url("guard.js")) {} }
    } else {
        html! {}
    };
    let body = html! {
        (main)
        @if can_report { script type="module" src=(assets::url("report.js")) {} }
    };
    page(
        Frame {
            lang,
            office,
            title: t.form_title,
            switch_to: Some("/report"),
            head,
            footer_channels: can_report,
        },
        body,
    )
}

/// How a field is entered.
#[derive(Clone, Copy)]
enum Input {
    Line,
    Area(u8),
}

/// One text field of the form.
struct Spec {
    field: Field,
    /// The form name, also the end of the element id (`f-what`).
    name: &'static str,
    text: &'static FieldText,
    input: Input,
    max: usize,
    required: bool,
}

fn form(
    lang: Lang,
    draft: &ReportDraft,
    errors: &[FieldError],
    csrf: &str,
    notice: Option<Message>,
    files: &FileInput,
) -> Markup {
    let t = lang.texts();
    let f = &t.fields;
    let text = |field, name, text, input, max| Spec {
        field,
        name,
        text,
        input,
        max,
        required: false,
    };
    let what = Spec {
        required: true,
        ..text(Field::What, "what", &f.what, Input::Area(6), MAX_LONG_FIELD)
    };
    let details = [
        text(Field::Who, "who", &f.who, Input::Area(2), MAX_SHORT_FIELD),
        text(
            Field::Where,
            "where",
            &f.place,
            Input::Line,
            MAX_SHORT_FIELD,
        ),
        text(Field::When, "when", &f.when, Input::Line, MAX_SHORT_FIELD),
        text(Field::How, "how", &f.how, Input::Area(5), MAX_LONG_FIELD),
        text(Field::Why, "why", &f.why, Input::Area(3), MAX_SHORT_FIELD),
    ];
    let value = |field| match field {
        Field::What => draft.what.as_str(),
        Field::Who => draft.who.as_str(),
        Field::Where => draft.place.as_str(),
        Field::When => draft.when.as_str(),
        Field::How => draft.how.as_str(),
        Field::Why => draft.why.as_str(),
        Field::Name => draft.name.as_str(),
        Field::Contact => draft.contact.as_str(),
        Field::Category | Field::Language => "",
    };
    let name = text(Field::Name, "name", &f.name, Input::Line, MAX_SHORT_FIELD);
    let contact = text(
        Field::Contact,
        "contact",
        &f.contact,
        Input::Line,
        MAX_SHORT_FIELD,
    );
    let js = &t.js;
    html! {
        p { (t.form_intro) }
        p #js-note .box.info hidden { (t.encrypted_in_browser_note) }
        noscript { p.box.info { (t.encrypted_on_server_note) } }
        // With field errors, their summary already says the report was not sent.
        @let unticked = draft.identity_unticked() && (notice.is_some() || !errors.is_empty());
        @if let Some(m) = notice.filter(|m| *m != Message::InvalidForm || (errors.is_empty() && !unticked)) {
            p #notice .box.err role="alert" { (message(lang, m)) }
        }
        @if let Some(refused) = files.refused {
            p #files-notice .box.err role="alert" {
                (file_refusal(lang, refused)) " " (t.files.choose_again)
            }
        }
        @if !errors.is_empty() || unticked {
            div #errors .box.err role="alert" tabindex="-1" {
                p { strong { (t.errors_heading) } }
                ul {
                    @if unticked { li { a href="#f-identify" { (t.identity_unticked) } } }
                    @for e in errors {
                        li {
                            @match field_id(field_of(e)) {
                                Some(id) => a href={ "#" (id) } { (field_error(lang, e)) },
                                None => (field_error(lang, e)),
                            }
                        }
                    }
                }
            }
        }
        // Autocomplete off: a shared computer must not remember what was typed. Spellcheck
        // off: some browsers send the text to an online spelling service.
        // Multipart: the files stream to the server, which encrypts them as they arrive.
        form #report-form .np method="post" action="/report" accept-charset="utf-8"
            enctype="multipart/form-data"
            autocomplete="off" spellcheck="false"
            data-client=(assets::url("client.js"))
            data-worker=(assets::url("worker.js"))
            data-glue=(assets::url("crypto/kentongan_crypto.js"))
            data-wasm=(assets::url("crypto/kentongan_crypto_bg.wasm"))
            data-msg-not-ready=(js.not_ready)
            data-msg-encrypting=(js.encrypting)
            data-msg-sending=(js.sending)
            data-msg-failed=(js.failed)
            data-msg-timeout=(js.timeout)
            data-msg-network=(js.network)
            data-msg-identity=(t.identity_unticked)
        {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="lang" value=(lang.code());
            (category_field(lang, &draft.category, errors))
            (text_field(lang, &what, value(what.field), errors))
            @for spec in &details { (text_field(lang, spec, value(spec.field), errors)) }
            fieldset.identity {
                legend { (t.identity_legend) }
                p.hint { (t.identity_intro) }
                @if unticked { p.error #e-identify { (t.identity_unticked) } }
                label.check for="f-identify" {
                    input #f-identify type="checkbox" name="identify" checked[draft.identify.is_some()];
                    span { (t.identify_label) }
                }
                (text_field(lang, &name, value(name.field), errors))
                (text_field(lang, &contact, value(contact.field), errors))
                p.hint { (t.identity_hint) }
            }
            // After the text fields: the server reads (and checks) them before any file.
            div.field {
                label for="f-files" { (t.files.label) }
                p.hint #h-files { (files_hint(lang, files.max_files, files.max_file_bytes)) }
                input #f-files type="file" name="files" multiple aria-describedby="h-files";
            }
            p.hint { (t.before_submit) }
            button.btn type="submit" { (t.submit) }
            p #report-status role="status" aria-live="polite" {}
        }
    }
}

fn category_field(lang: Lang, chosen: &str, errors: &[FieldError]) -> Markup {
    let t = lang.texts();
    let text = &t.fields.category;
    let mine: Vec<&FieldError> = errors
        .iter()
        .filter(|e| field_of(e) == Field::Category)
        .collect();
    html! {
        div.field.invalid[!mine.is_empty()] {
            label for="f-category" { (text.label) " " span.req { "(" (t.required) ")" } }
            p.hint #h-category { (text.hint) }
            (error_line(lang, "category", &mine))
            select #f-category name="category" required
                aria-describedby=[described_by("category", true, !mine.is_empty())]
                aria-invalid=[(!mine.is_empty()).then_some("true")]
            {
                option value="" { (t.choose) }
                @for c in Category::ALL {
                    option value=(c.slug()) selected[chosen.trim() == c.slug()] { (category_label(lang, c)) }
                }
            }
        }
    }
}

fn text_field(lang: Lang, spec: &Spec, value: &str, errors: &[FieldError]) -> Markup {
    let t = lang.texts();
    let id = format!("f-{}", spec.name);
    let mine: Vec<&FieldError> = errors
        .iter()
        .filter(|e| field_of(e) == spec.field)
        .collect();
    let has_hint = !spec.text.hint.is_empty();
    let described = described_by(spec.name, has_hint, !mine.is_empty());
    let invalid = (!mine.is_empty()).then_some("true");
    html! {
        div.field.invalid[!mine.is_empty()] {
            label for=(id) {
                (spec.text.label)
                @if spec.required { " " span.req { "(" (t.required) ")" } }
            }
            @if has_hint { p.hint id={ "h-" (spec.name) } { (spec.text.hint) } }
            (error_line(lang, spec.name, &mine))
            @match spec.input {
                Input::Line => {
                    input id=(id) type="text" name=(spec.name) value=(value) maxlength=(spec.max)
                        required[spec.required] aria-describedby=[described] aria-invalid=[invalid];
                }
                Input::Area(rows) => {
                    // The newline keeps a leading line break of `value`: HTML drops the first
                    // one after `<textarea>`.
                    textarea id=(id) name=(spec.name) rows=(rows) maxlength=(spec.max)
                        required[spec.required] aria-describedby=[described] aria-invalid=[invalid]
                    { "\n" (value) }
                }
            }
        }
    }
}

fn error_line(lang: Lang, name: &str, mine: &[&FieldError]) -> Markup {
    html! {
        @if !mine.is_empty() {
            p.error id={ "e-" (name) } {
                @for (i, e) in mine.iter().enumerate() {
                    @if i > 0 { " " }
                    (field_error(lang, e))
                }
            }
        }
    }
}

/// The ids of a field's hint (`h-<name>`) and error (`e-<name>`), those that exist.
fn described_by(name: &str, hint: bool, error: bool) -> Option<String> {
    match (hint, error) {
        (true, true) => Some(format!("h-{name} e-{name}")),
        (true, false) => Some(format!("h-{name}")),
        (false, true) => Some(format!("e-{name}")),
        (false, false) => None,
    }
}

fn field_of(e: &FieldError) -> Field {
    match *e {
        FieldError::Missing { field } | FieldError::TooLong { field, .. } => field,
    }
}

/// The id of a field's input, for links from the error summary.
fn field_id(field: Field) -> Option<&'static str> {
    Some(match field {
        Field::Category => "f-category",
        Field::What => "f-what",
        Field::Who => "f-who",
        Field::Where => "f-where",
        Field::When => "f-when",
        Field::How => "f-how",
        Field::Why => "f-why",
        Field::Name => "f-name",
        Field::Contact => "f-contact",
        Field::Language => return None,
    })
}
