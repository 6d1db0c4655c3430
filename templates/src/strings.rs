//! Every word a reporter reads, in Bahasa Indonesia (the default) and English.
//!
//! The words of one language live in one [`Texts`] value (`strings/id.rs`, `strings/en.rs`),
//! so a sentence missing from one language is a compile error, and a translator reads each
//! language top to bottom in one file.

use kentongan_crypto::report::{Category, Field, FieldError};

mod en;
mod id;

/// The language of a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    /// Bahasa Indonesia, the default.
    #[default]
    Id,
    /// English.
    En,
}

impl Lang {
    /// The language for a `lang` query or form value: `id` or `en`, ignoring case and a region
    /// (`en-US`). `None` for anything else, so the caller decides the fallback.
    pub fn parse(code: &str) -> Option<Lang> {
        let code = code.trim();
        let primary = code.split(['-', '_']).next().unwrap_or(code);
        if primary.eq_ignore_ascii_case("id") || primary.eq_ignore_ascii_case("in") {
            Some(Lang::Id)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The code used in `lang=` attributes, links and reports: `id` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    /// The language the switch in the page header offers.
    pub(crate) fn other(self) -> Lang {
        match self {
            Lang::Id => Lang::En,
            Lang::En => Lang::Id,
        }
    }

    pub(crate) fn texts(self) -> &'static Texts {
        match self {
            Lang::Id => &id::TEXTS,
            Lang::En => &en::TEXTS,
        }
    }
}

/// Something that went wrong, as a reporter is told it. The server picks the status code; the
/// log gets the detail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message {
    /// No investigator is registered: a report could be encrypted to nobody.
    NoInvestigators,
    /// The form has problems (listed next to the fields).
    InvalidForm,
    /// The request body is over the limit.
    TooLarge,
    /// The form's token is missing, expired or already used.
    CsrfFailed,
    /// Too many requests at once; nothing was stored.
    Busy,
    /// The database is unreachable; nothing was stored.
    StoreDown,
    /// A browser-encrypted report was sealed to a team that is no longer current.
    TeamChanged,
    /// A browser-encrypted report is malformed.
    BadCiphertext,
    /// The page that sent it is older than the server's settings.
    Outdated,
    /// No such page.
    NotFound,
    /// A request the server cannot make sense of.
    BadRequest,
    /// Any other server failure; nothing was stored.
    Internal,
}

impl Message {
    /// Every message, for tests and for the JavaScript's table.
    pub const ALL: [Message; 12] = [
        Message::NoInvestigators,
        Message::InvalidForm,
        Message::TooLarge,
        Message::CsrfFailed,
        Message::Busy,
        Message::StoreDown,
        Message::TeamChanged,
        Message::BadCiphertext,
        Message::Outdated,
        Message::NotFound,
        Message::BadRequest,
        Message::Internal,
    ];
}

/// One or two short sentences about `m`, plain text.
pub fn message(lang: Lang, m: Message) -> &'static str {
    let t = &lang.texts().messages;
    match m {
        Message::NoInvestigators => t.no_investigators,
        Message::InvalidForm => t.invalid_form,
        Message::TooLarge => t.too_large,
        Message::CsrfFailed => t.csrf_failed,
        Message::Busy => t.busy,
        Message::StoreDown => t.store_down,
        Message::TeamChanged => t.team_changed,
        Message::Outdated => t.outdated,
        Message::BadCiphertext => t.bad_ciphertext,
        Message::NotFound => t.not_found,
        Message::BadRequest => t.bad_request,
        Message::Internal => t.internal,
    }
}

/// What the follow-up page tells a reporter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// The receipt or the passphrase is wrong; deliberately not which.
    WrongLogin,
    /// Too many wrong logins for this receipt code: wait this many minutes.
    Wait {
        minutes: u64,
    },
    /// The receipt code is not 16 digits.
    ReceiptFormat,
    /// Too many logins at once.
    Busy,
    /// The database is unreachable.
    StoreDown,
    /// The session ended (logout elsewhere, idle, or the server restarted).
    SessionEnded,
    LoggedOut,
    MessageSent,
    MessageEmpty,
    MessageTooLong,
    /// The message could not be stored; it is still in the form.
    MessageNotSaved,
    /// The form's token is missing or stale.
    CsrfFailed,
    /// The day's limit of messages for this case is reached.
    TooManyMessages,
    /// The case's key is not the one the reporter's report was sealed with: someone changed
    /// it on the server. Nothing is shown and nothing is sent.
    CaseChanged,
}

impl Notice {
    /// Every notice, for tests.
    pub const ALL: [Notice; 14] = [
        Notice::WrongLogin,
        Notice::Wait { minutes: 2 },
        Notice::ReceiptFormat,
        Notice::Busy,
        Notice::StoreDown,
        Notice::SessionEnded,
        Notice::LoggedOut,
        Notice::MessageSent,
        Notice::MessageEmpty,
        Notice::MessageTooLong,
        Notice::MessageNotSaved,
        Notice::CsrfFailed,
        Notice::TooManyMessages,
        Notice::CaseChanged,
    ];

    /// Good news, shown as a status rather than an alert.
    pub fn is_good(self) -> bool {
        matches!(self, Notice::LoggedOut | Notice::MessageSent)
    }
}

/// One or two short sentences about `n`, plain text.
pub fn notice(lang: Lang, n: Notice) -> String {
    let t = &lang.texts().followup.notices;
    match n {
        Notice::WrongLogin => t.wrong_login.to_owned(),
        Notice::Wait { minutes } => (t.wait)(minutes.max(1)),
        Notice::ReceiptFormat => t.receipt_format.to_owned(),
        Notice::Busy => t.busy.to_owned(),
        Notice::StoreDown => t.store_down.to_owned(),
        Notice::SessionEnded => t.session_ended.to_owned(),
        Notice::LoggedOut => t.logged_out.to_owned(),
        Notice::MessageSent => t.message_sent.to_owned(),
        Notice::MessageEmpty => t.message_empty.to_owned(),
        Notice::MessageTooLong => (t.message_too_long)(&group_digits(
            kentongan_crypto::message::MAX_MESSAGE_CHARS,
            lang.texts().thousands,
        )),
        Notice::MessageNotSaved => t.message_not_saved.to_owned(),
        Notice::CsrfFailed => t.csrf_failed.to_owned(),
        Notice::TooManyMessages => t.too_many_messages.to_owned(),
        Notice::CaseChanged => t.case_changed.to_owned(),
    }
}

/// The name of a stage (by its stable name, e.g. `tindakan-korektif`), or `None` for a name
/// this version does not know.
pub fn stage_name(lang: Lang, slug: &str) -> Option<&'static str> {
    let t = &lang.texts().stage_names;
    Some(match slug {
        "diterima" => t.diterima,
        "pemeriksaan" => t.pemeriksaan,
        "verifikasi" => t.verifikasi,
        "tindakan-korektif" => t.tindakan_korektif,
        "selesai" => t.selesai,
        "tidak-dapat-ditindaklanjuti" => t.tidak_dapat_ditindaklanjuti,
        "dialihkan" => t.dialihkan,
        _ => return None,
    })
}

/// Where a case stands among the six stages the landing page promises (the seed's), as
/// the reporter reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReporterStage {
    /// Step `n` of the six (1-based). A case never rests at step 1 (Pelaporan): once it is
    /// stored the report is in, recorded without a name unless one was given (step 2).
    Step(usize),
    /// Closed as not actionable: the reporter is told why.
    NotActionable,
    /// Forwarded to the competent body: the reporter is told to whom.
    Forwarded,
}

/// The six stages, in order.
pub const STEPS: usize = 6;

/// The reporter's view of a workflow stage (by its stable name), or `None` for one this
/// version does not know. `diterima` is step 2, `selesai` step 6 (notification and
/// follow-up: the reporter is told the outcome and the case is closed).
pub fn reporter_stage(slug: &str) -> Option<ReporterStage> {
    Some(match slug {
        "diterima" => ReporterStage::Step(2),
        "pemeriksaan" => ReporterStage::Step(3),
        "verifikasi" => ReporterStage::Step(4),
        "tindakan-korektif" => ReporterStage::Step(5),
        "selesai" => ReporterStage::Step(6),
        "tidak-dapat-ditindaklanjuti" => ReporterStage::NotActionable,
        "dialihkan" => ReporterStage::Forwarded,
        _ => return None,
    })
}

/// The name the reporter reads for a stage: the landing page's name of its step, or the side
/// exit's name; `None` for a stage this version does not know.
pub fn reporter_stage_name(lang: Lang, slug: &str) -> Option<&'static str> {
    let t = lang.texts();
    match reporter_stage(slug)? {
        ReporterStage::Step(n) => t.stages.get(n.checked_sub(1)?).map(|(name, _)| *name),
        ReporterStage::NotActionable => Some(t.stage_names.tidak_dapat_ditindaklanjuti),
        ReporterStage::Forwarded => Some(t.stage_names.dialihkan),
    }
}

/// A day as people write it: `2 Desember 2026`, `2 December 2026`.
pub fn day(lang: Lang, date: time::Date) -> String {
    let t = lang.texts();
    let month = t
        .months
        .get(usize::from(u8::from(date.month())) - 1)
        .unwrap_or(&"");
    format!("{} {month} {}", date.day(), date.year())
}

/// A day in a table, short enough not to wrap: `2 Des 2026`, `2 Dec 2026`.
pub fn short_day(lang: Lang, date: time::Date) -> String {
    let t = lang.texts();
    let month = t
        .months_short
        .get(usize::from(u8::from(date.month())) - 1)
        .unwrap_or(&"");
    format!("{} {month} {}", date.day(), date.year())
}

/// A day with its weekday: `Senin, 14 Desember 2026`, `Monday, 14 December 2026`.
pub fn weekday_day(lang: Lang, date: time::Date) -> String {
    let t = lang.texts();
    let weekday = t
        .weekdays
        .get(usize::from(date.weekday().number_days_from_monday()))
        .unwrap_or(&"");
    format!("{weekday}, {}", day(lang, date))
}

/// What is wrong with one field, as a sentence that names the field.
pub fn field_error(lang: Lang, e: &FieldError) -> String {
    let t = lang.texts();
    match *e {
        FieldError::Missing {
            field: Field::Language,
        } => t.language_unknown.to_owned(),
        FieldError::Missing { field } => (t.missing)(field_name(lang, field)),
        FieldError::TooLong { field, max } => {
            (t.too_long)(field_name(lang, field), &group_digits(max, t.thousands))
        }
    }
}

/// The label of a category, as the regulation names it.
pub fn category_label(lang: Lang, c: Category) -> &'static str {
    let t = &lang.texts().categories;
    match c {
        Category::PenyalahgunaanWewenang => t.penyalahgunaan_wewenang,
        Category::HambatanPelayananPublik => t.hambatan_pelayanan_publik,
        Category::Kkn => t.kkn,
        Category::GratifikasiSuap => t.gratifikasi_suap,
        Category::BenturanKepentingan => t.benturan_kepentingan,
        Category::PelanggaranDisiplin => t.pelanggaran_disiplin,
        Category::Lainnya => t.lainnya,
    }
}

/// The short name of a field in error messages.
pub(crate) fn field_name(lang: Lang, field: Field) -> &'static str {
    let t = &lang.texts().fields;
    match field {
        Field::Category => t.category.name,
        Field::What => t.what.name,
        Field::Who => t.who.name,
        Field::Where => t.place.name,
        Field::When => t.when.name,
        Field::How => t.how.name,
        Field::Why => t.why.name,
        Field::Name => t.name.name,
        Field::Contact => t.contact.name,
        Field::Language => lang.texts().language_name,
    }
}

/// `10000` as `10.000` (Indonesian) or `10,000` (English).
fn group_digits(n: usize, separator: char) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

/// The words of one language. Plain text throughout: pages escape it like any other text.
#[derive(Debug)]
pub(crate) struct Texts {
    // Layout.
    pub wbs_name: &'static str,
    pub skip_to_content: &'static str,
    pub language_switch_label: &'static str,
    /// The other language's name, written in that language.
    pub other_language_name: &'static str,
    pub channels_heading: &'static str,
    pub channels_note: &'static str,
    pub email_label: &'static str,
    pub website_label: &'static str,
    pub footer_privacy: &'static str,
    pub home_link: &'static str,

    // Landing page.
    pub landing_title: &'static str,
    /// Followed by the office name and a full stop.
    pub landing_intro: &'static str,
    pub landing_who: &'static str,
    pub start_report: &'static str,
    pub start_report_note: &'static str,
    pub categories_heading: &'static str,
    pub stages_heading: &'static str,
    /// Name and plain explanation of each of the six stages of the seed.
    pub stages: [(&'static str, &'static str); 6],
    pub stages_exits: &'static str,
    pub protection_heading: &'static str,
    pub protection: [&'static str; 5],
    pub tips_heading: &'static str,
    pub tips: [&'static str; 4],
    pub regulations_heading: &'static str,
    pub team_heading: &'static str,
    pub team_members: &'static str,
    pub team_fingerprint: &'static str,
    pub team_fingerprint_note: &'static str,
    pub team_none: &'static str,

    // Report form.
    pub form_title: &'static str,
    pub form_intro: &'static str,
    pub required: &'static str,
    pub encrypted_in_browser_note: &'static str,
    pub encrypted_on_server_note: &'static str,
    pub errors_heading: &'static str,
    pub choose: &'static str,
    pub fields: FieldTexts,
    pub identity_legend: &'static str,
    pub identity_intro: &'static str,
    pub identify_label: &'static str,
    pub identity_hint: &'static str,
    /// A name or contact typed without ticking the box: nothing is sent until it is clear.
    pub identity_unticked: &'static str,
    pub before_submit: &'static str,
    pub submit: &'static str,
    pub js: JsTexts,
    pub files: FileTexts,

    // Receipt.
    pub receipt_title: &'static str,
    pub receipt_code_label: &'static str,
    pub passphrase_label: &'static str,
    pub receipt_warning_title: &'static str,
    pub receipt_warning: [&'static str; 4],
    pub print_hint: &'static str,
    pub encrypted_in_browser: &'static str,
    pub sealed_to: &'static str,
    pub sealed_to_note: &'static str,
    pub encrypted_in_server: &'static str,
    pub followup_heading: &'static str,
    /// Around the link to the follow-up page: before, link text, after.
    pub followup_before: &'static str,
    pub followup_link: &'static str,
    pub followup_after: &'static str,

    // Follow-up.
    pub followup: FollowupTexts,
    pub stage_names: StageNames,

    // The investigators' workspace.
    pub team: TeamTexts,

    // Error page.
    pub error_title: &'static str,
    pub back_hint: &'static str,

    // Messages and validation.
    pub messages: MessageTexts,
    pub categories: CategoryTexts,
    pub language_name: &'static str,
    pub language_unknown: &'static str,
    pub missing: fn(&str) -> String,
    pub too_long: fn(&str, &str) -> String,
    pub thousands: char,
    /// January to December.
    pub months: [&'static str; 12],
    /// Three or four letters each, for tables.
    pub months_short: [&'static str; 12],
    /// Monday to Sunday.
    pub weekdays: [&'static str; 7],
}

/// Label, one-line hint, and the short name used in error messages.
#[derive(Debug)]
pub(crate) struct FieldText {
    pub label: &'static str,
    pub hint: &'static str,
    pub name: &'static str,
}

#[derive(Debug)]
pub(crate) struct FieldTexts {
    pub category: FieldText,
    pub what: FieldText,
    pub who: FieldText,
    pub place: FieldText,
    pub when: FieldText,
    pub how: FieldText,
    pub why: FieldText,
    pub name: FieldText,
    pub contact: FieldText,
}

/// Progress and failure words the browser script shows, handed over in `data-msg-*`.
#[derive(Debug)]
pub(crate) struct JsTexts {
    pub not_ready: &'static str,
    pub encrypting: &'static str,
    pub sending: &'static str,
    pub failed: &'static str,
    pub timeout: &'static str,
    pub network: &'static str,
}

#[derive(Debug)]
pub(crate) struct MessageTexts {
    pub no_investigators: &'static str,
    pub invalid_form: &'static str,
    pub too_large: &'static str,
    pub csrf_failed: &'static str,
    pub busy: &'static str,
    pub store_down: &'static str,
    pub team_changed: &'static str,
    pub outdated: &'static str,
    pub bad_ciphertext: &'static str,
    pub not_found: &'static str,
    pub bad_request: &'static str,
    pub internal: &'static str,
}

/// The investigators' workspace (`/team`).
#[derive(Debug)]
pub(crate) struct TeamTexts {
    pub title: &'static str,
    pub needs_js: &'static str,
    pub login_intro: &'static str,
    pub key_file_label: &'static str,
    pub key_file_hint: &'static str,
    pub key_passphrase_label: &'static str,
    pub login_submit: &'static str,
    pub logout: &'static str,
    pub signed_in_as: &'static str,
    pub cases_heading: &'static str,
    pub no_cases: &'static str,
    pub col_case: &'static str,
    pub col_stage: &'static str,
    pub col_received: &'static str,
    pub col_due: &'static str,
    pub due_today: &'static str,
    /// "N working days late", given N.
    pub overdue: fn(u32) -> String,
    pub back_to_list: &'static str,
    pub case_heading: &'static str,
    pub received_on: &'static str,
    pub current_stage: &'static str,
    pub history_heading: &'static str,
    pub moved_by: &'static str,
    pub report_heading: &'static str,
    pub conversation_heading: &'static str,
    pub conversation_empty: &'static str,
    pub from_reporter: &'static str,
    pub from_team: &'static str,
    /// Who an unsigned "team" message is from: not the team, as far as anyone can tell.
    pub from_unknown: &'static str,
    pub stage_message: &'static str,
    pub notes_heading: &'static str,
    pub notes_hint: &'static str,
    pub notes_empty: &'static str,
    pub reply_label: &'static str,
    pub reply_submit: &'static str,
    pub note_label: &'static str,
    pub note_submit: &'static str,
    pub move_label: &'static str,
    pub move_message_label: &'static str,
    pub move_message_hint: &'static str,
    pub move_submit: &'static str,
    pub closed: &'static str,
    pub no_key: &'static str,
    pub export_link: &'static str,
    pub handling_heading: &'static str,
    pub assign_label: &'static str,
    pub nobody: &'static str,
    pub classify_label: &'static str,
    pub unclassified: &'static str,
    pub save: &'static str,
    pub grant_label: &'static str,
    pub grant_hint: &'static str,
    pub grant_fingerprint: &'static str,
    pub grant_submit: &'static str,
    pub filter_heading: &'static str,
    pub all_stages: &'static str,
    pub filter_due: &'static str,
    pub due_any: &'static str,
    pub due_overdue: &'static str,
    pub due_soon: &'static str,
    pub filter_assignee: &'static str,
    pub anyone: &'static str,
    pub filter_category: &'static str,
    pub any_category: &'static str,
    pub filter_submit: &'static str,
    pub col_assignee: &'static str,
    pub col_category: &'static str,
    pub col_activity: &'static str,
    pub page_of: fn(u64, u64) -> String,
    pub next_page: &'static str,
    pub admin_link: &'static str,
    pub admin_heading: &'static str,
    pub team_key: &'static str,
    pub col_name: &'static str,
    pub col_role: &'static str,
    pub col_status: &'static str,
    pub col_key: &'static str,
    pub col_added: &'static str,
    pub role_admin: &'static str,
    pub role_investigator: &'static str,
    pub active: &'static str,
    pub disabled: &'static str,
    pub disable: &'static str,
    pub add_heading: &'static str,
    pub recipient_label: &'static str,
    pub recipient_hint: &'static str,
    pub admin_label: &'static str,
    pub add_submit: &'static str,
    pub audit_heading: &'static str,
    /// "Intact: N entries, head H".
    pub audit_intact: fn(i64, &str) -> String,
    pub audit_broken: &'static str,
    pub col_when: &'static str,
    pub col_who: &'static str,
    pub col_what: &'static str,
    pub col_audit_case: &'static str,
    pub col_detail: &'static str,
    pub reporter_identity: &'static str,
    /// The badge of a deadline within 2 working days.
    pub due_soon_badge: &'static str,
    pub js: TeamJsTexts,
    pub errors: TeamErrorTexts,
    pub totp: TeamTotpTexts,
}

/// The second factor (TOTP) and roles in the workspace.
#[derive(Debug)]
pub(crate) struct TeamTotpTexts {
    pub security_link: &'static str,
    pub heading: &'static str,
    pub intro: &'static str,
    pub is_on: &'static str,
    pub is_off: &'static str,
    pub required_note: &'static str,
    pub required_cannot_off: &'static str,
    pub turn_on: &'static str,
    pub turn_off: &'static str,
    pub off_label: &'static str,
    pub scan: &'static str,
    pub qr_label: &'static str,
    pub or_type: &'static str,
    pub keep_secret: &'static str,
    pub confirm_label: &'static str,
    pub confirm_submit: &'static str,
    pub code_label: &'static str,
    pub code_hint: &'static str,
    pub code_submit: &'static str,
    pub turned_on: &'static str,
    pub turned_off: &'static str,
    pub col_second_factor: &'static str,
    pub on: &'static str,
    pub off: &'static str,
    pub reset: &'static str,
    pub make_admin: &'static str,
    pub remove_admin: &'static str,
    pub required_heading: &'static str,
    pub required_label: &'static str,
    pub required_hint: &'static str,
    pub required_submit: &'static str,
}

/// Why the workspace refused a request; see [`TeamError`].
#[derive(Debug)]
pub(crate) struct TeamErrorTexts {
    pub unknown_key: &'static str,
    pub wrong_answer: &'static str,
    pub session_ended: &'static str,
    pub csrf_failed: &'static str,
    pub bad_request: &'static str,
    pub busy: &'static str,
    pub store_down: &'static str,
    pub internal: &'static str,
    pub no_case: &'static str,
    pub case_changed: &'static str,
    pub bad_move: &'static str,
    pub needs_message: &'static str,
    pub bad_ciphertext: &'static str,
    pub colleague: &'static str,
    pub not_admin: &'static str,
    pub bad_key: &'static str,
    pub duplicate_key: &'static str,
    pub bad_name: &'static str,
    pub no_key: &'static str,
    pub needs_second_factor: &'static str,
    pub wrong_code: &'static str,
    pub code_expired: &'static str,
    pub too_many_codes: &'static str,
    pub second_factor_mandatory: &'static str,
    pub second_factor_on: &'static str,
    pub last_admin: &'static str,
    pub own_account: &'static str,
    pub enrol_first: &'static str,
}

/// Why the investigators' workspace refused a request, as the investigator is told it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TeamError {
    /// The key is not registered, or its investigator is disabled.
    UnknownKey,
    /// The challenge was not answered right, or too late.
    WrongAnswer,
    /// No session, an expired one, or the investigator was disabled meanwhile.
    SessionEnded,
    CsrfFailed,
    BadRequest,
    Busy,
    StoreDown,
    Internal,
    /// No such case.
    NoCase,
    /// Someone else moved the case meanwhile.
    CaseChanged,
    /// The workflow does not allow that move.
    BadMove,
    /// That move needs a message to the reporter.
    NeedsMessage,
    /// Browser-sealed content that is not a well-formed message for this case.
    BadCiphertext,
    /// The colleague is not an active investigator, or already holds the case's key.
    Colleague,
    /// Only an admin may do this.
    NotAdmin,
    /// A pasted public key that is not an `age1…` recipient.
    BadKey,
    /// That key is registered already.
    DuplicateKey,
    /// A name that is empty, too long or has control characters.
    BadName,
    /// The investigator holds no key to this case.
    NoKey,
    /// The team requires a second factor and this investigator has none yet.
    NeedsSecondFactor,
    /// A second-factor code that is wrong, or was used already.
    WrongCode,
    /// The login waiting for a code is gone (too late, or too many tries): start over.
    CodeExpired,
    /// Too many wrong codes lately.
    TooManyCodes,
    /// The second factor cannot be turned off: the team requires it.
    SecondFactorMandatory,
    /// The second factor is on already.
    SecondFactorOn,
    /// That would leave the team without an active admin.
    LastAdmin,
    /// Not on one's own account (role, reset, disable).
    OwnAccount,
    /// An admin must have a second factor before requiring one of everyone.
    EnrolFirst,
}

/// One short sentence about `e`, plain text.
pub fn team_error(lang: Lang, e: TeamError) -> &'static str {
    let t = &lang.texts().team.errors;
    match e {
        TeamError::UnknownKey => t.unknown_key,
        TeamError::WrongAnswer => t.wrong_answer,
        TeamError::SessionEnded => t.session_ended,
        TeamError::CsrfFailed => t.csrf_failed,
        TeamError::BadRequest => t.bad_request,
        TeamError::Busy => t.busy,
        TeamError::StoreDown => t.store_down,
        TeamError::Internal => t.internal,
        TeamError::NoCase => t.no_case,
        TeamError::CaseChanged => t.case_changed,
        TeamError::BadMove => t.bad_move,
        TeamError::NeedsMessage => t.needs_message,
        TeamError::BadCiphertext => t.bad_ciphertext,
        TeamError::Colleague => t.colleague,
        TeamError::NotAdmin => t.not_admin,
        TeamError::BadKey => t.bad_key,
        TeamError::DuplicateKey => t.duplicate_key,
        TeamError::BadName => t.bad_name,
        TeamError::NoKey => t.no_key,
        TeamError::NeedsSecondFactor => t.needs_second_factor,
        TeamError::WrongCode => t.wrong_code,
        TeamError::CodeExpired => t.code_expired,
        TeamError::TooManyCodes => t.too_many_codes,
        TeamError::SecondFactorMandatory => t.second_factor_mandatory,
        TeamError::SecondFactorOn => t.second_factor_on,
        TeamError::LastAdmin => t.last_admin,
        TeamError::OwnAccount => t.own_account,
        TeamError::EnrolFirst => t.enrol_first,
    }
}

/// What team.js says while logging in; carried in `data-msg-*` attributes.
#[derive(Debug)]
pub(crate) struct TeamJsTexts {
    pub not_ready: &'static str,
    pub unlocking: &'static str,
    pub checking: &'static str,
    pub loading: &'static str,
    pub failed: &'static str,
    pub network: &'static str,
    pub no_file: &'static str,
    pub wrong_passphrase: &'static str,
    pub not_key_file: &'static str,
    pub not_passphrase: &'static str,
    pub damaged: &'static str,
    pub too_much_work: &'static str,
    pub session_ended: &'static str,
    pub unreadable: &'static str,
    /// Above a message of the team's kinds whose team signature does not verify.
    pub unverified: &'static str,
    pub sending: &'static str,
    pub saved: &'static str,
    pub empty: &'static str,
    pub case_changed: &'static str,
}

/// The follow-up page: login, the case as the reporter sees it, and its notices.
#[derive(Debug)]
pub(crate) struct FollowupTexts {
    pub landing_link: &'static str,
    pub draft_label: &'static str,
    pub draft_hint: &'static str,
    pub title: &'static str,
    pub login_intro: &'static str,
    pub receipt_hint: &'static str,
    pub passphrase_hint: &'static str,
    pub login_submit: &'static str,
    pub login_js_note: &'static str,
    pub login_server_note: &'static str,
    pub no_receipt: &'static str,
    pub case_title: &'static str,
    pub case_number: &'static str,
    pub received_on: &'static str,
    pub current_stage: &'static str,
    pub history_heading: &'static str,
    pub report_heading: &'static str,
    pub identity_heading: &'static str,
    pub anonymous: &'static str,
    pub conversation_heading: &'static str,
    pub conversation_empty: &'static str,
    pub from_reporter: &'static str,
    pub from_team: &'static str,
    /// Who an unsigned "team" message is from: not the team, as far as anyone can tell.
    pub from_unknown: &'static str,
    pub stage_message: &'static str,
    pub message_label: &'static str,
    pub message_hint: &'static str,
    pub message_submit: &'static str,
    pub logout: &'static str,
    pub logout_hint: &'static str,
    pub opening: &'static str,
    pub unreadable: &'static str,
    /// Above a message said to be the team's that does not carry the team's signature.
    pub unverified: &'static str,
    /// The progress line: the six stages of the landing page.
    pub progress_heading: &'static str,
    /// "Step N of 6: NAME".
    pub step_of: fn(usize, usize, &str) -> String,
    /// For screen readers, after each step's name.
    pub step_done: &'static str,
    pub step_now: &'static str,
    pub step_later: &'static str,
    /// Given the day (with its weekday).
    pub check_back: fn(&str) -> String,
    pub check_back_acknowledge: &'static str,
    pub check_back_feedback: &'static str,
    /// Given the day that passed.
    pub check_back_passed: fn(&str) -> String,
    pub closed_done: &'static str,
    pub not_actionable_title: &'static str,
    pub not_actionable_text: &'static str,
    pub forwarded_title: &'static str,
    pub forwarded_text: &'static str,
    /// Over the exit's message.
    pub exit_message: &'static str,
    pub js: FollowupJsTexts,
    pub notices: NoticeTexts,
}

/// Progress and failure words of the follow-up script, handed over in `data-msg-*`.
#[derive(Debug)]
pub(crate) struct FollowupJsTexts {
    pub not_ready: &'static str,
    pub deriving: &'static str,
    pub opening: &'static str,
    pub encrypting: &'static str,
    pub failed: &'static str,
    pub network: &'static str,
}

#[derive(Debug)]
pub(crate) struct NoticeTexts {
    pub wrong_login: &'static str,
    pub wait: fn(u64) -> String,
    pub receipt_format: &'static str,
    pub busy: &'static str,
    pub store_down: &'static str,
    pub session_ended: &'static str,
    pub logged_out: &'static str,
    pub message_sent: &'static str,
    pub message_empty: &'static str,
    pub message_too_long: fn(&str) -> String,
    pub message_not_saved: &'static str,
    pub too_many_messages: &'static str,
    pub case_changed: &'static str,
    pub csrf_failed: &'static str,
}

/// The stages of the workflow, as the reporter reads them.
#[derive(Debug)]
pub(crate) struct StageNames {
    pub diterima: &'static str,
    pub pemeriksaan: &'static str,
    pub verifikasi: &'static str,
    pub tindakan_korektif: &'static str,
    pub selesai: &'static str,
    pub tidak_dapat_ditindaklanjuti: &'static str,
    pub dialihkan: &'static str,
}

/// Attachments: the file input, why a file was refused, and what the receipt says of each.
#[derive(Debug)]
pub(crate) struct FileTexts {
    pub label: &'static str,
    /// Given the most files and the largest size (e.g. "100 MB").
    pub hint: fn(usize, &str) -> String,
    /// Given the largest size.
    pub too_large: fn(&str) -> String,
    /// Given the most files.
    pub too_many: fn(usize) -> String,
    /// Given the largest photo the server cleans.
    pub photo_too_large: fn(&str) -> String,
    pub not_ready: &'static str,
    pub interrupted: &'static str,
    pub bad_file: &'static str,
    pub unreadable_image: &'static str,
    /// A HEIC/HEIF photo, refused: why, and how to send it instead.
    pub heif_photo: &'static str,
    /// A TIFF or RAW image, refused: why, and how to send it instead.
    pub tiff_photo: &'static str,
    pub no_room: &'static str,
    pub photos_busy: &'static str,
    /// After a refusal on the no-JS form: the text is kept, files must be chosen again.
    pub choose_again: &'static str,
    pub receipt_heading: &'static str,
    pub removed: &'static str,
    pub nothing_found: &'static str,
    pub not_cleaned: &'static str,
    /// One per slug of `kentongan_crypto::metadata::Removed::ALL_SLUGS`, in that order.
    pub removed_labels: [&'static str; 9],
    // With JavaScript ({name}, {n}, {total} and {size} are filled in by the page script).
    /// While a file is encrypted and sent.
    pub sending: &'static str,
    /// Under the file input, for a photo that will be cleaned.
    pub will_be_cleaned: &'static str,
    /// The workspace's button for one attachment.
    pub download: &'static str,
    pub opening: &'static str,
    pub unreadable: &'static str,
}

#[derive(Debug)]
pub(crate) struct CategoryTexts {
    pub penyalahgunaan_wewenang: &'static str,
    pub hambatan_pelayanan_publik: &'static str,
    pub kkn: &'static str,
    pub gratifikasi_suap: &'static str,
    pub benturan_kepentingan: &'static str,
    pub pelanggaran_disiplin: &'static str,
    pub lainnya: &'static str,
}

/// Why an attachment was refused, as a reporter is told it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileRefusal {
    /// Larger than the office's limit.
    TooLarge { max_bytes: u64 },
    /// More files than the office allows with one report or message.
    TooMany { max: usize },
    /// A report or message named an upload that did not finish (or is not there).
    NotReady,
    /// An upload broke off or went out of step; the browser starts that file again.
    Interrupted,
    /// The upload is not an attachment encrypted the way this site does it.
    BadFile,
    /// A photo whose metadata could not be removed (damaged or unusual), so it was not sent.
    UnreadableImage,
    /// A photo in a format whose metadata cannot be removed (HEIF, TIFF), so it was not sent.
    PhotoFormat(kentongan_crypto::metadata::Refusal),
    /// A photo larger than the server cleans in memory (no-JS path).
    PhotoTooLarge { max_bytes: u64 },
    /// The server holds as many unfinished uploads as it allows: try again later.
    NoRoom,
    /// Every slot for cleaning photos stayed taken while this one waited (no-JS path).
    PhotosBusy,
}

/// One or two short sentences about `r`, plain text.
pub fn file_refusal(lang: Lang, r: FileRefusal) -> String {
    let t = &lang.texts().files;
    match r {
        FileRefusal::TooLarge { max_bytes } => (t.too_large)(&file_size(lang, max_bytes)),
        FileRefusal::TooMany { max } => (t.too_many)(max),
        FileRefusal::NotReady => t.not_ready.to_owned(),
        FileRefusal::Interrupted => t.interrupted.to_owned(),
        FileRefusal::BadFile => t.bad_file.to_owned(),
        FileRefusal::UnreadableImage => t.unreadable_image.to_owned(),
        FileRefusal::PhotoFormat(format) => photo_format(lang, format).to_owned(),
        FileRefusal::PhotoTooLarge { max_bytes } => {
            (t.photo_too_large)(&file_size(lang, max_bytes))
        }
        FileRefusal::NoRoom => t.no_room.to_owned(),
        FileRefusal::PhotosBusy => t.photos_busy.to_owned(),
    }
}

/// Why a photo in `format` was refused, and how to send it instead.
pub fn photo_format(lang: Lang, format: kentongan_crypto::metadata::Refusal) -> &'static str {
    use kentongan_crypto::metadata::Refusal;
    let t = &lang.texts().files;
    match format {
        Refusal::Heif => t.heif_photo,
        Refusal::Tiff => t.tiff_photo,
        // A format a newer crypto crate refuses: what is said of photos it cannot clean.
        _ => t.unreadable_image,
    }
}

/// What the report form says under the file input: how many files, how large.
pub fn files_hint(lang: Lang, max_files: usize, max_bytes: u64) -> String {
    (lang.texts().files.hint)(max_files, &file_size(lang, max_bytes))
}

/// The plain words for one kind of removed metadata (a slug of
/// `kentongan_crypto::metadata::Removed::slugs`), or `None` for one this version does not
/// know.
pub fn removed_label(lang: Lang, slug: &str) -> Option<&'static str> {
    let t = &lang.texts().files;
    kentongan_crypto::metadata::Removed::ALL_SLUGS
        .iter()
        .zip(t.removed_labels)
        .find(|(known, _)| **known == slug)
        .map(|(_, label)| label)
}

/// A size in whole MB (2²⁰ bytes) from 1 MB on, in KB below: `100 MB`, `512 KB`.
pub fn file_size(lang: Lang, bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    let separator = lang.texts().thousands;
    let grouped = |n: u64| group_digits(usize::try_from(n).unwrap_or(usize::MAX), separator);
    if bytes >= MB {
        format!("{} MB", grouped(bytes / MB))
    } else {
        format!("{} KB", grouped(bytes.div_ceil(1024)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kentongan_crypto::metadata::Refusal;

    const LANGS: [Lang; 2] = [Lang::Id, Lang::En];

    #[test]
    fn language_codes() {
        assert_eq!(Lang::default(), Lang::Id);
        for lang in LANGS {
            assert_eq!(Lang::parse(lang.code()), Some(lang));
        }
        assert_eq!(Lang::parse(" EN-us "), Some(Lang::En));
        assert_eq!(Lang::parse("id_ID"), Some(Lang::Id));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::parse(""), None);
        assert_eq!(Lang::parse("<script>"), None);
    }

    #[test]
    fn every_message_and_category_is_translated() {
        for m in Message::ALL {
            let (id, en) = (message(Lang::Id, m), message(Lang::En, m));
            assert!(!id.trim().is_empty() && !en.trim().is_empty(), "{m:?}");
            assert_ne!(id, en, "{m:?}");
        }
        for c in Category::ALL {
            let (id, en) = (category_label(Lang::Id, c), category_label(Lang::En, c));
            assert!(!id.trim().is_empty() && !en.trim().is_empty(), "{c:?}");
            assert_ne!(id, en, "{c:?}");
        }
    }

    #[test]
    fn every_notice_and_stage_is_translated() {
        for n in Notice::ALL {
            let (id, en) = (notice(Lang::Id, n), notice(Lang::En, n));
            assert!(!id.trim().is_empty() && !en.trim().is_empty(), "{n:?}");
            assert_ne!(id, en, "{n:?}");
        }
        assert_eq!(
            notice(Lang::Id, Notice::WrongLogin),
            "Kode tanda terima atau kata sandi salah."
        );
        assert!(notice(Lang::Id, Notice::Wait { minutes: 4 }).contains('4'));
        assert!(notice(Lang::Id, Notice::MessageTooLong).contains("10.000"));
        for slug in [
            "diterima",
            "pemeriksaan",
            "verifikasi",
            "tindakan-korektif",
            "selesai",
            "tidak-dapat-ditindaklanjuti",
            "dialihkan",
        ] {
            assert!(stage_name(Lang::Id, slug).is_some() && stage_name(Lang::En, slug).is_some());
        }
        assert_eq!(
            stage_name(Lang::Id, "tindakan-korektif"),
            Some("Tindakan Korektif")
        );
        assert_eq!(stage_name(Lang::Id, "<b>"), None);
    }

    #[test]
    fn failures_that_lose_nothing_say_so() {
        for m in [Message::StoreDown, Message::Internal] {
            assert!(message(Lang::Id, m).contains("TIDAK tersimpan"), "{m:?}");
            assert!(message(Lang::En, m).contains("NOT saved"), "{m:?}");
        }
    }

    #[test]
    fn field_errors_name_the_field() {
        let missing = FieldError::Missing { field: Field::What };
        let long = FieldError::TooLong {
            field: Field::Who,
            max: 10_000,
        };
        assert_eq!(
            field_error(Lang::Id, &missing),
            "Kolom “Apa yang terjadi” wajib diisi."
        );
        assert_eq!(
            field_error(Lang::En, &missing),
            "“What happened” is required."
        );
        assert!(field_error(Lang::Id, &long).contains("10.000"));
        assert!(field_error(Lang::En, &long).contains("10,000"));
        let lang = FieldError::Missing {
            field: Field::Language,
        };
        assert_ne!(field_error(Lang::Id, &lang), field_error(Lang::En, &lang));
    }

    #[test]
    fn every_file_text_is_translated() {
        let refusals = [
            FileRefusal::TooLarge {
                max_bytes: 100 * 1024 * 1024,
            },
            FileRefusal::TooMany { max: 10 },
            FileRefusal::NotReady,
            FileRefusal::Interrupted,
            FileRefusal::BadFile,
            FileRefusal::UnreadableImage,
            FileRefusal::PhotoFormat(Refusal::Heif),
            FileRefusal::PhotoFormat(Refusal::Tiff),
            FileRefusal::PhotoTooLarge {
                max_bytes: 32 * 1024 * 1024,
            },
            FileRefusal::NoRoom,
            FileRefusal::PhotosBusy,
        ];
        for r in refusals {
            let (id, en) = (file_refusal(Lang::Id, r), file_refusal(Lang::En, r));
            assert!(!id.trim().is_empty() && !en.trim().is_empty(), "{r:?}");
            assert_ne!(id, en, "{r:?}");
        }
        assert!(file_refusal(Lang::Id, refusals[0]).contains("100 MB"));
        assert!(file_refusal(Lang::En, refusals[1]).contains("10"));
        for slug in kentongan_crypto::metadata::Removed::ALL_SLUGS {
            let (id, en) = (removed_label(Lang::Id, slug), removed_label(Lang::En, slug));
            assert!(id.is_some() && en.is_some() && id != en, "{slug}");
        }
        assert_eq!(removed_label(Lang::Id, "<b>"), None);
        assert_eq!(file_size(Lang::Id, 1536 * 1024 * 1024), "1.536 MB");
        assert_eq!(file_size(Lang::En, 1000), "1 KB");
        assert!(files_hint(Lang::Id, 10, 100 * 1024 * 1024).contains("100 MB"));
    }

    #[test]
    fn days_read_as_people_write_them() {
        let day_ = time::macros::date!(2026 - 12 - 14);
        assert_eq!(day(Lang::Id, day_), "14 Desember 2026");
        assert_eq!(day(Lang::En, day_), "14 December 2026");
        assert_eq!(short_day(Lang::Id, day_), "14 Des 2026");
        assert_eq!(weekday_day(Lang::Id, day_), "Senin, 14 Desember 2026");
        assert_eq!(weekday_day(Lang::En, day_), "Monday, 14 December 2026");
    }

    #[test]
    fn the_reporter_reads_the_landing_pages_six_stages() {
        for lang in LANGS {
            let t = lang.texts();
            assert_eq!(reporter_stage_name(lang, "diterima"), Some(t.stages[1].0));
            assert_eq!(
                reporter_stage_name(lang, "pemeriksaan"),
                Some(t.stages[2].0)
            );
            assert_eq!(reporter_stage_name(lang, "selesai"), Some(t.stages[5].0));
            assert_eq!(
                reporter_stage_name(lang, "dialihkan"),
                Some(t.stage_names.dialihkan)
            );
            assert_eq!(reporter_stage_name(lang, "<b>"), None);
        }
        assert_eq!(reporter_stage("pemeriksaan"), Some(ReporterStage::Step(3)));
    }

    #[test]
    fn digits_are_grouped() {
        assert_eq!(group_digits(0, '.'), "0");
        assert_eq!(group_digits(999, '.'), "999");
        assert_eq!(group_digits(1000, '.'), "1.000");
        assert_eq!(group_digits(1_234_567, ','), "1,234,567");
    }
}
