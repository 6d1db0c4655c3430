//! What the page scripts say about attachments, for pages where files are sent or opened.
//! The words live here, in both languages, and the scripts read them from this hidden
//! element (`data-msg-*`, and one `li` per kind of removed metadata) rather than carrying
//! their own.

use kentongan_crypto::metadata::Removed;
use maud::{Markup, html};

use crate::strings::{Lang, removed_label};

pub(super) fn file_texts(lang: Lang) -> Markup {
    let t = &lang.texts().files;
    html! {
        div #file-texts hidden
            data-msg-sending=(t.sending)
            data-msg-will-be-cleaned=(t.will_be_cleaned)
            data-msg-may-identify=(t.not_cleaned)
            data-msg-damaged-photo=(t.unreadable_image)
            data-msg-refused-heif=(t.heif_photo)
            data-msg-refused-tiff=(t.tiff_photo)
            data-msg-interrupted=(t.interrupted)
            data-msg-removed=(t.removed)
            data-msg-nothing-removed=(t.nothing_found)
            data-msg-heading=(t.receipt_heading)
            data-msg-download=(t.download)
            data-msg-opening=(t.opening)
            data-msg-unreadable=(t.unreadable)
        {
            ul {
                @for slug in Removed::ALL_SLUGS {
                    @if let Some(label) = removed_label(lang, slug) {
                        li data-slug=(slug) { (label) }
                    }
                }
            }
        }
    }
}
