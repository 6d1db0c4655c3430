//! The frame every page shares, and the partials more than one page uses.

use maud::{DOCTYPE, Markup, html};

use super::office::Office;
use crate::assets;
use crate::strings::Lang;

/// What differs between pages in the shared frame.
pub(super) struct Frame<'a> {
    pub lang: Lang,
    pub office: &'a Office,
    /// The page's own title; the office name is appended.
    pub title: &'a str,
    /// Path the language switch links to (with `?lang=`), or `None` to leave the switch out:
    /// on a page made by a POST (a receipt) following it would lose what the page shows.
    pub switch_to: Option<&'a str>,
    /// Extra elements for `<head>` (scripts).
    pub head: Markup,
    /// Whether the footer lists the office's other channels (not when the page already does).
    pub footer_channels: bool,
}

/// A link to `path` in the current language.
pub(super) fn href(lang: Lang, path: &str) -> String {
    format!("{path}?lang={}", lang.code())
}

/// The whole document around `main`.
pub(super) fn page(frame: Frame<'_>, main: Markup) -> Markup {
    let Frame {
        lang,
        office,
        title,
        switch_to,
        head,
        footer_channels,
    } = frame;
    let t = lang.texts();
    let other = lang.other();
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) " · " (office.name) }
                link rel="icon" href=(assets::url("favicon.svg")) type="image/svg+xml";
                link rel="stylesheet" href=(assets::url("style.css"));
                (head)
            }
            body {
                a.skip href="#main" { (t.skip_to_content) }
                header.top {
                    div.wrap {
                        a.brand href=(href(lang, "/")) {
                            strong { (office.name) }
                            span { (t.wbs_name) " · " (office.parent) }
                        }
                        @if let Some(path) = switch_to {
                            nav.lang aria-label=(t.language_switch_label) {
                                a href=(href(other, path)) hreflang=(other.code()) lang=(other.code()) {
                                    (t.other_language_name)
                                }
                            }
                        }
                    }
                }
                main #main .wrap { (main) }
                footer.foot {
                    div.wrap {
                        @if footer_channels { (channels(lang, office)) }
                        p.small { (office.name) " · " (office.address) }
                        p.small { (t.footer_privacy) }
                    }
                }
            }
        }
    }
}

/// The office's other ways to report, with a word on how much less they protect.
pub(super) fn channels(lang: Lang, office: &Office) -> Markup {
    let t = lang.texts();
    html! {
        section.channels aria-labelledby="channels-h" {
            h2 #channels-h { (t.channels_heading) }
            ul {
                @for channel in &office.channels { li { (channel) } }
                @if let Some(email) = &office.email {
                    li { (t.email_label) ": " a href={ "mailto:" (email) } { (email) } }
                }
                @if let Some(website) = &office.website {
                    li {
                        (t.website_label) ": "
                        @if let Some(link) = office.website_link() {
                            a href=(link) rel="noreferrer noopener" { (website) }
                        } @else {
                            (website)
                        }
                    }
                }
            }
            p.small { (t.channels_note) }
        }
    }
}
