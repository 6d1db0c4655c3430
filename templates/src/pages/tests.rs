//! Rendering tests over every page, in both languages, with hostile input everywhere.

use kentongan_crypto::report::{EncryptedIn, Field, FieldError};

use super::*;
use crate::strings::{Lang, Message, Notice, field_error, message};

const HOSTILE: &str = "test \" ' & < >";
const BREAKOUT: &str = "</textarea><script>alert(1)</script>";
const LANGS: [Lang; 2] = [Lang::Id, Lang::En];

fn team() -> Team {
    Team {
        members: 2,
        fingerprint: Some("ABCD-EF01-2345-6789".into()),
    }
}

fn hostile_draft() -> ReportDraft {
    let h = format!("{HOSTILE} {BREAKOUT}");
    ReportDraft {
        category: h.clone(),
        what: h.clone(),
        who: h.clone(),
        place: h.clone(),
        when: h.clone(),
        how: h.clone(),
        why: h.clone(),
        identify: Some(h.clone()),
        name: h.clone(),
        contact: h,
    }
}

fn hostile_office() -> Office {
    let h = format!("{HOSTILE} {BREAKOUT}");
    Office {
        name: h.clone(),
        parent: h.clone(),
        address: h.clone(),
        regulations: vec![h.clone()],
        channels: vec![h.clone()],
        email: Some(h.clone()),
        website: Some(format!("https://example.org/\"><script>{h}")),
    }
}

/// Every page for one language, office and team, with a name for failure messages.
fn every_page(lang: Lang, office: &Office, team: &Team) -> Vec<(String, String)> {
    let draft = hostile_draft();
    let errors = [
        FieldError::Missing {
            field: Field::Category,
        },
        FieldError::Missing { field: Field::What },
        FieldError::TooLong {
            field: Field::Contact,
            max: 1000,
        },
        FieldError::Missing {
            field: Field::Language,
        },
    ];
    let mut pages = vec![
        (
            "landing".to_owned(),
            landing(lang, office, team).into_string(),
        ),
        (
            "form".to_owned(),
            report_form(
                lang,
                office,
                team,
                &ReportDraft::default(),
                &[],
                "tok",
                None,
            )
            .into_string(),
        ),
        (
            "form with errors".to_owned(),
            report_form(lang, office, team, &draft, &errors, HOSTILE, None).into_string(),
        ),
    ];
    for m in Message::ALL {
        let html = report_form(lang, office, team, &draft, &[], "tok", Some(m)).into_string();
        pages.push((format!("form with notice {m:?}"), html));
    }
    for via in [EncryptedIn::Browser, EncryptedIn::Server] {
        pages.push((
            format!("receipt {via:?}"),
            receipt(lang, office, HOSTILE, BREAKOUT, HOSTILE, via).into_string(),
        ));
    }
    for m in Message::ALL {
        pages.push((
            format!("error {m:?}"),
            error_page(lang, office, m).into_string(),
        ));
    }
    let h = format!("{HOSTILE} {BREAKOUT}");
    pages.push((
        "follow-up login".to_owned(),
        followup_login(lang, office, "tok", &h, &h, None).into_string(),
    ));
    for n in Notice::ALL {
        pages.push((
            format!("follow-up login {n:?}"),
            followup_login(lang, office, "tok", "", "", Some(n)).into_string(),
        ));
        pages.push((
            format!("follow-up case {n:?}"),
            followup_case(lang, office, &open_case(), HOSTILE, &h, Some(n)).into_string(),
        ));
        pages.push((
            format!("follow-up unavailable {n:?}"),
            followup_unavailable(lang, office, "tok", &h, n).into_string(),
        ));
    }
    pages.push((
        "follow-up case, sealed".to_owned(),
        followup_case(lang, office, &sealed_case(), "tok", "", None).into_string(),
    ));
    pages
}

/// A case decrypted on the server, with hostile text in every place a reporter or an
/// investigator writes.
fn open_case() -> FollowupCase {
    let h = format!("{HOSTILE} {BREAKOUT}");
    let report = kentongan_crypto::Report {
        category: kentongan_crypto::report::Category::Kkn,
        what: h.clone(),
        who: h.clone(),
        place: String::new(),
        when: String::new(),
        how: String::new(),
        why: String::new(),
        identification: Some(kentongan_crypto::report::Identification {
            name: h.clone(),
            contact: h.clone(),
        }),
        language: "id".into(),
        encrypted_in: EncryptedIn::Server,
    };
    FollowupCase {
        case_id: 7,
        stage: "pemeriksaan".into(),
        created_on: "2026-11-02".into(),
        history: vec![StageStep {
            stage: "pemeriksaan".into(),
            on: "2026-11-03".into(),
            message: Some(Shown::Open(h.clone())),
        }],
        report: Shown::Open(Box::new(report)),
        conversation: vec![
            Said {
                from: Side::Investigators,
                on: "2026-11-04".into(),
                text: Shown::Open(h.clone()),
            },
            Said {
                from: Side::Reporter,
                on: "2026-11-05".into(),
                text: Shown::Unreadable,
            },
        ],
        check_back: Some(CheckBack {
            day: "Senin, 14 Desember 2026".into(),
            feedback: true,
            passed: false,
        }),
    }
}

/// The same case for the browser to fill: placeholders only.
fn sealed_case() -> FollowupCase {
    FollowupCase {
        case_id: 7,
        stage: "dialihkan".into(),
        created_on: "2026-11-02".into(),
        history: vec![StageStep {
            stage: "dialihkan".into(),
            on: "2026-11-03".into(),
            message: Some(Shown::Sealed(3)),
        }],
        report: Shown::Sealed(1),
        conversation: vec![Said {
            from: Side::Reporter,
            on: "2026-11-04".into(),
            text: Shown::Sealed(2),
        }],
        check_back: None,
    }
}

/// Whether some tag has an `on…="` attribute.
fn has_event_handler(html: &str) -> bool {
    html.match_indices(" on").any(|(i, _)| {
        let rest = html.get(i + 3..).unwrap_or_default();
        let name_len = rest.bytes().take_while(u8::is_ascii_lowercase).count();
        name_len > 0 && rest.get(name_len..).is_some_and(|r| r.starts_with("=\""))
    })
}

#[test]
fn hostile_strings_are_escaped_everywhere() {
    let office = hostile_office();
    for lang in LANGS {
        for team in [team(), Team::default()] {
            for (name, html) in every_page(lang, &office, &team) {
                assert!(!html.contains(HOSTILE), "{name}: raw hostile string");
                assert!(!html.contains("<script>"), "{name}: injected script");
                assert!(
                    html.contains("&lt;/textarea&gt;&lt;script&gt;"),
                    "{name}: breakout escaped"
                );
                assert!(
                    html.contains("test &quot; ' &amp; &lt; &gt;"),
                    "{name}: escaped form"
                );
            }
        }
    }
}

#[test]
fn both_languages_render_every_page() {
    let office = Office::jetis_example();
    for lang in LANGS {
        let other = if lang == Lang::Id { Lang::En } else { Lang::Id };
        for (name, html) in every_page(lang, &office, &team()) {
            assert!(html.starts_with("<!DOCTYPE html><html lang=\""), "{name}");
            assert!(
                html.contains(&format!("<html lang=\"{}\">", lang.code())),
                "{name}"
            );
            assert!(html.contains("<meta charset=\"utf-8\">"), "{name}");
            assert!(html.contains("name=\"viewport\""), "{name}");
            assert!(
                html.contains("<meta name=\"referrer\" content=\"no-referrer\">"),
                "{name}"
            );
            assert!(
                html.contains("<link rel=\"stylesheet\" href=\"/static/style.css?v="),
                "{name}"
            );
            assert!(html.contains("Kapanewon Jetis"), "{name}");
            // Pages made by a POST, where following a link would lose what they show.
            if !name.starts_with("receipt") && !name.starts_with("follow-up unavailable") {
                assert!(
                    html.contains(&format!("?lang={}\"", other.code())),
                    "{name}: switch"
                );
            }
            assert!(
                html.contains(&format!("href=\"/?lang={}\"", lang.code())),
                "{name}: home"
            );
        }
    }
    let id = landing(Lang::Id, &office, &team()).into_string();
    let en = landing(Lang::En, &office, &team()).into_string();
    assert!(
        id.contains("Tidak Dapat Ditindaklanjuti") || id.contains("tidak dapat ditindaklanjuti")
    );
    assert!(id.contains("dialihkan") && id.contains("Ombudsman"));
    assert!(en.contains("Report wrongdoing safely"));
    assert_ne!(id, en);
}

#[test]
fn pages_have_no_inline_code_and_no_outside_urls() {
    let office = Office::jetis_example();
    for lang in LANGS {
        for team in [team(), Team::default()] {
            for (name, html) in every_page(lang, &office, &team) {
                assert!(!html.contains("style="), "{name}: inline style");
                assert!(!html.contains("<style"), "{name}: style element");
                assert!(!html.contains("http"), "{name}: outside URL");
                assert!(!html.contains("javascript:"), "{name}");
                assert!(!has_event_handler(&html), "{name}: event handler attribute");
                for (i, _) in html.match_indices("<script") {
                    let rest = html.get(i..).unwrap_or_default();
                    let tag_end = rest.find('>').unwrap();
                    assert!(
                        rest[..tag_end].contains(" src=\"/static/"),
                        "{name}: script without src"
                    );
                    assert!(
                        rest[tag_end..].starts_with("></script>"),
                        "{name}: script with content"
                    );
                }
            }
        }
    }
    // An operator's website is the one outside link, and only as a link.
    let mut office = Office::jetis_example();
    office.website = Some("https://bantulkab.go.id/".into());
    let html = landing(Lang::Id, &office, &team()).into_string();
    assert!(html.contains("href=\"https://bantulkab.go.id/\" rel=\"noreferrer noopener\""));
    office.website = Some("javascript:alert(1)".into());
    let html = landing(Lang::Id, &office, &team()).into_string();
    assert!(!html.contains("href=\"javascript:"));
}

#[test]
fn report_form_has_what_the_script_and_server_need() {
    let office = Office::jetis_example();
    for lang in LANGS {
        let html = report_form(
            lang,
            &office,
            &team(),
            &ReportDraft::default(),
            &[],
            "tok-123",
            None,
        )
        .into_string();
        for needle in [
            "<form class=\"np\" id=\"report-form\" method=\"post\" action=\"/report\" accept-charset=\"utf-8\"",
            "<input type=\"hidden\" name=\"csrf\" value=\"tok-123\">",
            &format!(
                "<input type=\"hidden\" name=\"lang\" value=\"{}\">",
                lang.code()
            ),
            "<select id=\"f-category\" name=\"category\" required",
            "<option value=\"\">",
            "<option value=\"kkn\">",
            "name=\"what\" rows=\"6\" maxlength=\"10000\" required",
            "name=\"who\"",
            "name=\"where\" value=\"\" maxlength=\"1000\"",
            "name=\"when\" value=\"\" maxlength=\"1000\"",
            "name=\"how\" rows=\"5\" maxlength=\"10000\"",
            "name=\"why\" rows=\"3\" maxlength=\"1000\"",
            "<fieldset",
            "type=\"checkbox\" name=\"identify\">",
            "name=\"name\"",
            "name=\"contact\"",
            "<button class=\"btn\" type=\"submit\">",
            "<p id=\"report-status\" role=\"status\" aria-live=\"polite\"></p>",
            "<noscript>",
            "<p class=\"box info\" id=\"js-note\" hidden>",
            "<section class=\"receipt\" id=\"receipt\" data-msg-browser=\"",
            "<code class=\"code\" id=\"receipt-code\"></code>",
            "<code class=\"code\" id=\"passphrase\"></code>",
            "id=\"encrypted-in\"",
            "<script src=\"/static/guard.js?v=",
            "<script type=\"module\" src=\"/static/report.js?v=",
            "data-worker=\"/static/worker.js?v=",
            "data-glue=\"/static/crypto/kentongan_crypto.js?v=",
            "data-wasm=\"/static/crypto/kentongan_crypto_bg.wasm?v=",
            "data-msg-encrypting=\"",
            "data-msg-sending=\"",
            "data-msg-failed=\"",
            "data-msg-timeout=\"",
            "data-msg-not-ready=\"",
            "data-msg-network=\"",
        ] {
            assert!(html.contains(needle), "{lang:?}: missing {needle}");
        }
        // guard.js is in the head, report.js at the end.
        let head_end = html.find("</head>").unwrap();
        assert!(html.find("/static/guard.js").unwrap() < head_end);
        assert!(html.find("/static/report.js").unwrap() > html.find("</form>").unwrap());
        assert!(!html.contains("role=\"alert\""), "no errors, no alert");
        assert!(!html.contains(" checked"), "anonymous by default");
    }
}

#[test]
fn a_returned_form_keeps_the_text_and_marks_errors() {
    let office = Office::jetis_example();
    let mut draft = ReportDraft::default();
    draft.category = "kkn".into();
    draft.what = "\nbaris pertama".into();
    draft.who = "Pak Lurah".into();
    draft.identify = Some("on".into());
    draft.name = "Sri".into();
    let errors = [FieldError::TooLong {
        field: Field::Who,
        max: 1000,
    }];
    let html = report_form(Lang::Id, &office, &team(), &draft, &errors, "t", None).into_string();
    assert!(html.contains("<option value=\"kkn\" selected>"));
    assert!(
        html.contains(">\n\nbaris pertama</textarea>"),
        "leading newline kept"
    );
    assert!(html.contains(">\nPak Lurah</textarea>"));
    assert!(html.contains("name=\"identify\" checked>"));
    assert!(html.contains("name=\"name\" value=\"Sri\""));
    assert!(html.contains("role=\"alert\""));
    let text = field_error(Lang::Id, &errors[0]);
    assert!(
        html.contains(&format!("<a href=\"#f-who\">{text}</a>")),
        "summary links the field"
    );
    assert!(
        html.contains(&format!("<p class=\"error\" id=\"e-who\">{text}</p>")),
        "beside field"
    );
    assert!(html.contains("aria-describedby=\"h-who e-who\" aria-invalid=\"true\""));
}

#[test]
fn no_investigator_means_no_form() {
    let office = Office::jetis_example();
    let nobody = Team::default();
    for lang in LANGS {
        let html = report_form(
            lang,
            &office,
            &nobody,
            &ReportDraft::default(),
            &[],
            "t",
            None,
        )
        .into_string();
        assert!(!html.contains("<form"));
        assert!(!html.contains("<script"));
        assert!(html.contains(message(lang, Message::NoInvestigators)));
        assert!(html.contains("kec.jetis@bantulkab.go.id"));
        assert!(html.contains("Kontak Kami"));
        assert_eq!(
            html.matches("id=\"channels-h\"").count(),
            1,
            "channels once"
        );
        let home = landing(lang, &office, &nobody).into_string();
        assert!(!home.contains("href=\"/report"));
        assert!(home.contains(lang.texts().team_none));
    }
}

#[test]
fn receipt_shows_the_codes_and_the_path() {
    let office = Office::jetis_example();
    let code = "1234 5678 9012 3456";
    let words = "kursi jambu lampu";
    let server = receipt(Lang::Id, &office, code, words, "fp", EncryptedIn::Server).into_string();
    assert!(server.contains("<h1 id=\"receipt-h\">Laporan Anda sudah diterima</h1>"));
    assert!(server.contains(&format!(
        "<code class=\"code\" id=\"receipt-code\">{code}</code>"
    )));
    assert!(server.contains(&format!(
        "<code class=\"code\" id=\"passphrase\">{words}</code>"
    )));
    assert!(server.contains("<p id=\"encrypted-in\">JavaScript mati"));
    assert!(
        !server.contains("hreflang"),
        "no language switch that would lose the codes"
    );
    let browser = receipt(Lang::En, &office, code, words, "fp", EncryptedIn::Browser).into_string();
    assert!(browser.contains("encrypted on your device"));
    // The way back is a link, in the receipt's language; so is the way home.
    assert!(browser.contains("<a href=\"/followup?lang=en\">follow-up page</a>"));
    assert!(server.contains("href=\"/?lang=id\""));
    // The receipt the script fills on the report page has them too.
    let form = report_form(
        Lang::Id,
        &office,
        &team(),
        &ReportDraft::default(),
        &[],
        "tok",
        None,
    )
    .into_string();
    let panel = &form[form.find("id=\"receipt\"").unwrap()..];
    assert!(panel.contains("href=\"/followup?lang=id\"") && panel.contains("href=\"/?lang=id\""));
}

#[test]
fn a_name_without_the_tick_is_asked_about() {
    let mut draft = ReportDraft::default();
    draft.what = "x".into();
    draft.name = "Sri".into();
    for lang in LANGS {
        let t = lang.texts();
        let html = report_form(
            lang,
            &Office::jetis_example(),
            &team(),
            &draft,
            &[],
            "tok",
            Some(Message::InvalidForm),
        )
        .into_string();
        assert!(html.contains("id=\"errors\""), "{html}");
        assert!(html.contains("id=\"e-identify\""));
        assert!(html.contains(t.identity_unticked));
        assert!(html.contains("value=\"Sri\""), "the name is kept");
        assert!(html.contains(&format!("data-msg-identity=\"{}\"", t.identity_unticked)));
    }
    // A fresh form asks nothing.
    let fresh = report_form(
        Lang::Id,
        &Office::jetis_example(),
        &team(),
        &ReportDraft::default(),
        &[],
        "tok",
        None,
    )
    .into_string();
    assert!(!fresh.contains("id=\"e-identify\""));
}

#[test]
fn every_page_has_an_icon() {
    let home = landing(Lang::Id, &Office::jetis_example(), &team()).into_string();
    assert!(home.contains("rel=\"icon\" href=\"/static/favicon.svg?v="));
}

/// Writes every page to `$KENTONGAN_RENDER_DIR` for looking at in a browser:
/// `KENTONGAN_RENDER_DIR=/tmp/pages cargo test -p kentongan-templates -- --ignored render`.
#[test]
#[ignore = "writes files; run by hand"]
fn render_samples() {
    let Some(dir) = std::env::var_os("KENTONGAN_RENDER_DIR") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let office = Office::jetis_example();
    let mut draft = ReportDraft::default();
    draft.category = "kkn".into();
    draft.who = "x".repeat(1001);
    let errors = [
        FieldError::Missing { field: Field::What },
        FieldError::TooLong {
            field: Field::Who,
            max: 1000,
        },
    ];
    for lang in LANGS {
        let code = lang.code();
        let pages = [
            ("landing", landing(lang, &office, &team())),
            ("landing-noteam", landing(lang, &office, &Team::default())),
            (
                "report",
                report_form(
                    lang,
                    &office,
                    &team(),
                    &ReportDraft::default(),
                    &[],
                    "t",
                    None,
                ),
            ),
            (
                "report-errors",
                report_form(lang, &office, &team(), &draft, &errors, "t", None),
            ),
            (
                "report-notice",
                report_form(
                    lang,
                    &office,
                    &team(),
                    &draft,
                    &[],
                    "t",
                    Some(Message::StoreDown),
                ),
            ),
            (
                "report-noteam",
                report_form(lang, &office, &Team::default(), &draft, &[], "t", None),
            ),
            (
                "receipt",
                receipt(
                    lang,
                    &office,
                    "4821 0937 5512 7706",
                    "lampu sawah gelas jambu kursi pintu garam",
                    "perangai prisma kasmaran rumit keju panutan keliling cegah terjal sulit reaktif dusun",
                    EncryptedIn::Server,
                ),
            ),
            ("error", error_page(lang, &office, Message::StoreDown)),
        ];
        for (name, markup) in pages {
            std::fs::write(
                dir.join(format!("{name}.{code}.html")),
                markup.into_string(),
            )
            .unwrap();
        }
    }
}

#[test]
fn a_notice_says_why_nothing_was_sent() {
    let office = Office::jetis_example();
    let mut draft = ReportDraft::default();
    draft.what = "tetap ada".into();
    for lang in LANGS {
        let html = report_form(
            lang,
            &office,
            &team(),
            &draft,
            &[],
            "t",
            Some(Message::Busy),
        )
        .into_string();
        let busy = message(lang, Message::Busy);
        assert!(html.contains(&format!(
            "<p class=\"box err\" id=\"notice\" role=\"alert\">{busy}</p>"
        )));
        assert!(
            html.contains(">\ntetap ada</textarea>"),
            "the text survives"
        );
        // The error summary already says "not sent": no second alert for InvalidForm.
        let errors = [FieldError::Missing {
            field: Field::Category,
        }];
        let html = report_form(
            lang,
            &office,
            &team(),
            &draft,
            &errors,
            "t",
            Some(Message::InvalidForm),
        )
        .into_string();
        assert!(!html.contains("id=\"notice\""));
        assert_eq!(html.matches("role=\"alert\"").count(), 1);
    }
}

#[test]
fn the_case_page_shows_stage_history_and_who_wrote_what() {
    for lang in LANGS {
        let t = lang.texts();
        let html = followup_case(
            lang,
            &Office::jetis_example(),
            &open_case(),
            "tok",
            "",
            None,
        )
        .into_string();
        // The landing page's name, step 3 of its six, what each step means, and the day
        // to look again.
        assert!(
            html.contains(&format!("id=\"stage\">{}<", t.stages[2].0)),
            "{html}"
        );
        assert!(
            html.contains(&(t.followup.step_of)(3, 6, t.stages[2].0)),
            "{html}"
        );
        for (name, meaning) in t.stages {
            assert!(html.contains(name) && html.contains(meaning), "{name}");
        }
        assert_eq!(html.matches("aria-current=\"step\"").count(), 1);
        assert!(html.contains(&(t.followup.check_back)("Senin, 14 Desember 2026")));
        assert!(html.contains("2026-11-03"));
        assert!(html.contains(t.followup.from_team) && html.contains(t.followup.stage_message));
        assert!(html.contains(t.followup.unreadable));
        assert!(html.contains("action=\"/followup/message\"") && html.contains("name=\"message\""));
        assert!(html.contains("action=\"/followup/logout\""));
        assert!(
            !html.contains("followup.js"),
            "the no-JS case page runs no script"
        );

        let sealed = case_section(
            lang,
            &sealed_case(),
            "tok",
            "",
            &crate::FileInput::default(),
        )
        .into_string();
        for id in ["data-item=\"1\"", "data-item=\"2\"", "data-item=\"3\""] {
            assert!(sealed.contains(id), "{id} placeholder");
        }
        assert!(sealed.contains(t.stage_names.dialihkan));
        // A side exit is explained, with its message (a placeholder, filled like the rest).
        assert!(sealed.contains(t.followup.forwarded_text));
        let exit = &sealed[sealed.find("id=\"exit-note\"").unwrap()..];
        assert!(exit.contains("data-item=\"3\""));
        assert!(
            !sealed.contains("aria-current=\"step\""),
            "no step is current"
        );
        assert!(!sealed.contains("id=\"check-back\""), "closed: no deadline");
        let mut passed = open_case();
        passed.check_back = Some(CheckBack {
            day: "1 Januari 2026".into(),
            feedback: false,
            passed: true,
        });
        let html =
            followup_case(lang, &Office::jetis_example(), &passed, "t", "", None).into_string();
        assert!(html.contains(&(t.followup.check_back_passed)("1 Januari 2026")));
    }
}

#[test]
fn the_login_form_is_guarded_and_never_refills_the_passphrase() {
    let html = followup_login(
        Lang::Id,
        &Office::jetis_example(),
        "tok",
        "1234 5678",
        "",
        Some(Notice::WrongLogin),
    )
    .into_string();
    assert!(
        !html.contains("name=\"message\""),
        "no draft box without a draft"
    );
    assert!(html.contains("id=\"followup-form\"") && html.contains("action=\"/followup\""));
    assert!(html.contains("name=\"receipt\"") && html.contains("value=\"1234 5678\""));
    assert!(
        html.contains("name=\"passphrase\" required"),
        "no value attribute: {html}"
    );
    // A phone's keyboard must not learn the words.
    let field = &html[html.find("id=\"f-passphrase\"").unwrap()..];
    let field = &field[..field.find('>').unwrap()];
    for attribute in [
        "autocomplete=\"off\"",
        "autocapitalize=\"none\"",
        "autocorrect=\"off\"",
        "spellcheck=\"false\"",
    ] {
        assert!(field.contains(attribute), "{attribute}: {field}");
    }
    assert!(html.contains("guard.js") && html.contains("followup.js"));
    // The follow-up page's own crypto module; the report form keeps the smaller one.
    assert!(html.contains("data-glue=\"/static/crypto/kentongan_followup.js?v="));
    assert!(html.contains("data-wasm=\"/static/crypto/kentongan_followup_bg.wasm?v="));
    assert!(html.contains("Kode tanda terima atau kata sandi salah."));
    assert!(html.contains("id=\"category-names\""));
    let home = landing(Lang::Id, &Office::jetis_example(), &Team::default()).into_string();
    assert!(
        home.contains("href=\"/followup?lang=id\""),
        "the landing page leads back in"
    );
}
