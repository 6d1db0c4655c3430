//! The home page: what the WBS is, what happens to a report, how the reporter is protected.

use kentongan_crypto::report::Category;
use maud::{Markup, html};

use super::layout::{Frame, channels, href, page};
use super::office::{Office, Team};
use crate::strings::{Lang, Message, category_label, message};

/// The home page (`/`).
pub fn landing(lang: Lang, office: &Office, team: &Team) -> Markup {
    let t = lang.texts();
    let can_report = team.can_receive();
    let main = html! {
        section.intro {
            h1 { (t.landing_title) }
            p.lead { (t.landing_intro) " " (office.name) "." }
            p { (t.landing_who) }
            @if can_report {
                (start_button(lang))
            } @else {
                p.box.warn role="note" { (message(lang, Message::NoInvestigators)) }
                (channels(lang, office))
            }
            p { a href=(href(lang, "/followup")) { (t.followup.landing_link) } }
        }
        section aria-labelledby="categories-h" {
            h2 #categories-h { (t.categories_heading) }
            ul.cats { @for c in Category::ALL { li { (category_label(lang, c)) } } }
        }
        section aria-labelledby="stages-h" {
            h2 #stages-h { (t.stages_heading) }
            ol.stages {
                @for (name, explanation) in t.stages {
                    li { strong { (name) } " " (explanation) }
                }
            }
            p { (t.stages_exits) }
        }
        section aria-labelledby="protection-h" {
            h2 #protection-h { (t.protection_heading) }
            ul { @for line in t.protection { li { (line) } } }
            h3 { (t.tips_heading) }
            ul { @for tip in t.tips { li { (tip) } } }
        }
        @if !office.regulations.is_empty() {
            section aria-labelledby="regulations-h" {
                h2 #regulations-h { (t.regulations_heading) }
                ol { @for regulation in &office.regulations { li { (regulation) } } }
            }
        }
        section aria-labelledby="team-h" {
            h2 #team-h { (t.team_heading) }
            @match (can_report, &team.fingerprint) {
                (true, Some(fingerprint)) => {
                    p { (t.team_members) " " (team.members) }
                    p { (t.team_fingerprint) " " code.fp { (fingerprint) } }
                    p.small { (t.team_fingerprint_note) }
                }
                _ => p { (t.team_none) },
            }
        }
        @if can_report { (start_button(lang)) }
    };
    page(
        Frame {
            lang,
            office,
            title: t.wbs_name,
            switch_to: Some("/"),
            head: html! {},
            footer_channels: can_report,
        },
        main,
    )
}

fn start_button(lang: Lang) -> Markup {
    let t = lang.texts();
    html! {
        p.start {
            a.btn href=(href(lang, "/report")) { (t.start_report) }
            span.small { (t.start_report_note) }
        }
    }
}
