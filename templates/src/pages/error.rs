//! A page that says what went wrong and what to do now.

use maud::{Markup, html};

use super::layout::{Frame, channels, href, page};
use super::office::Office;
use crate::strings::{Lang, Message, message};

/// The page for `message`. The server picks the status code.
pub fn error_page(lang: Lang, office: &Office, message_kind: Message) -> Markup {
    let t = lang.texts();
    let no_investigators = message_kind == Message::NoInvestigators;
    let main = html! {
        h1 { (t.error_title) }
        p.box.err role="alert" { (message(lang, message_kind)) }
        @if no_investigators { (channels(lang, office)) }
        p { (t.back_hint) }
        p { a href=(href(lang, "/")) { (t.home_link) } }
    };
    page(
        Frame {
            lang,
            office,
            title: t.error_title,
            switch_to: Some("/"),
            head: html! {},
            footer_channels: !no_investigators,
        },
        main,
    )
}
