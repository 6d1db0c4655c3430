//! The receipt: the two codes a reporter needs to come back, shown once.

use kentongan_crypto::report::EncryptedIn;
use maud::{Markup, html};

use super::layout::{Frame, href, page};
use super::office::Office;
use crate::strings::{Lang, removed_label};

/// What became of one attached file on the way in, for the receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileReport {
    /// The name the reporter's device gave (shown escaped, never used as a path).
    pub name: String,
    pub outcome: FileOutcome,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileOutcome {
    /// An image, cleaned: the slugs of what was removed (none: nothing was found).
    Cleaned(Vec<String>),
    /// A file that cannot be cleaned (PDF, Office, video, …): it may identify its author.
    NotCleaned,
}

/// The page after a report sent without JavaScript. `receipt` and `passphrase` are shown as
/// given (`1234 5678 9012 3456`, words separated by spaces).
pub fn receipt(
    lang: Lang,
    office: &Office,
    receipt: &str,
    passphrase: &str,
    fingerprint: &str,
    encrypted_in: EncryptedIn,
) -> Markup {
    receipt_with_files(
        lang,
        office,
        receipt,
        passphrase,
        fingerprint,
        encrypted_in,
        &[],
    )
}

/// [`receipt`], saying for each attached file what metadata was removed, or warning that
/// it could not be cleaned.
pub fn receipt_with_files(
    lang: Lang,
    office: &Office,
    receipt: &str,
    passphrase: &str,
    fingerprint: &str,
    encrypted_in: EncryptedIn,
    files: &[FileReport],
) -> Markup {
    let t = lang.texts();
    let main = html! {
        section #receipt .receipt {
            (receipt_panel(lang, receipt, passphrase, fingerprint, encrypted_in, Heading::Page))
        }
        (file_list(lang, files))
        p.np { a href=(href(lang, "/")) { (t.home_link) } }
    };
    page(
        Frame {
            lang,
            office,
            title: t.receipt_title,
            // Switching language would reload without the codes.
            switch_to: None,
            head: html! {},
            footer_channels: true,
        },
        main,
    )
}

/// Per file: what was removed, or the warning. Nothing without files.
pub(super) fn file_list(lang: Lang, files: &[FileReport]) -> Markup {
    let t = &lang.texts().files;
    html! {
        @if !files.is_empty() {
            section #files {
                h2 { (t.receipt_heading) }
                ul.files {
                    @for file in files {
                        li {
                            strong { (file.name) }
                            @match &file.outcome {
                                FileOutcome::Cleaned(removed) if removed.is_empty() => {
                                    p { (t.nothing_found) }
                                }
                                FileOutcome::Cleaned(removed) => {
                                    p {
                                        (t.removed) " "
                                        (removed
                                            .iter()
                                            .map(|slug| removed_label(lang, slug).unwrap_or(slug))
                                            .collect::<Vec<_>>()
                                            .join(", "))
                                    }
                                }
                                FileOutcome::NotCleaned => p.box.warn { (t.not_cleaned) },
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Whether the panel is the page's main heading or a part of a bigger page.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Heading {
    Page,
    Section,
}

/// The codes and what to do with them, and the fingerprint of the team keys the report was
/// sealed to. The report form renders it empty and hidden for the browser script to fill:
/// `#receipt-code`, `#passphrase`, `#sealed-fingerprint` (computed in the browser).
pub(super) fn receipt_panel(
    lang: Lang,
    receipt: &str,
    passphrase: &str,
    fingerprint: &str,
    encrypted_in: EncryptedIn,
    heading: Heading,
) -> Markup {
    let t = lang.texts();
    let encrypted_text = match encrypted_in {
        EncryptedIn::Browser => t.encrypted_in_browser,
        EncryptedIn::Server => t.encrypted_in_server,
    };
    html! {
        @if heading == Heading::Page {
            h1 #receipt-h { (t.receipt_title) }
        } @else {
            h2 #receipt-h tabindex="-1" { (t.receipt_title) }
        }
        p #encrypted-in { (encrypted_text) }
        dl.codes {
            dt { (t.receipt_code_label) }
            dd { code #receipt-code .code { (receipt) } }
            dt { (t.passphrase_label) }
            dd { code #passphrase .code { (passphrase) } }
        }
        p { (t.sealed_to) " " code #sealed-fingerprint .fp { (fingerprint) } }
        p.small { (t.sealed_to_note) }
        div.box.warn {
            p { strong { (t.receipt_warning_title) } }
            ul { @for line in t.receipt_warning { li { (line) } } }
        }
        p.np.small { (t.print_hint) }
        h3 { (t.followup_heading) }
        p { (t.followup_before) a href=(href(lang, "/followup")) { (t.followup_link) } (t.followup_after) }
        @if heading == Heading::Section {
            // The page-wide receipt has its own link home, after the list of files.
            p.np { a href=(href(lang, "/")) { (t.home_link) } }
        }
    }
}
