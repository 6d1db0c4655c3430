//! The workspace's second factor (TOTP): the investigator's own view, turning it on with a
//! QR code, and the code asked for at login. Fragments of the workspace page, like its other
//! views; the forms have no action (team.js posts them).

use maud::{Markup, html};
use qrcode::{Color, EcLevel, QrCode};

use crate::strings::Lang;

/// What the investigator's own second-factor view shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TeamSecurity {
    /// They have one.
    pub enabled: bool,
    /// The team requires one.
    pub required: bool,
}

/// The investigator's own second factor: on or off, with the button or form to change it.
pub fn team_security(lang: Lang, view: &TeamSecurity) -> Markup {
    let t = &lang.texts().team;
    let z = &t.totp;
    html! {
        section #team-security aria-labelledby="team-security-h" {
            @if view.enabled || !view.required {
                p { a href="/team/view/cases" data-view="" { (t.back_to_list) } }
            }
            h2 #team-security-h tabindex="-1" { (z.heading) }
            p { (z.intro) }
            @if view.enabled {
                p #team-totp-state .box.info { (z.is_on) }
                @if view.required {
                    p.small { (z.required_cannot_off) }
                } @else {
                    form #team-totp-off data-action="totp-off" autocomplete="off" {
                        div.field {
                            label for="team-totp-off-code" { (z.off_label) }
                            (code_input("team-totp-off-code"))
                        }
                        button.btn.secondary type="submit" { (z.turn_off) }
                        p.status role="status" aria-live="polite" {}
                    }
                }
            } @else {
                @if view.required {
                    p #team-totp-state .box.err role="alert" { (z.required_note) }
                } @else {
                    p #team-totp-state { (z.is_off) }
                }
                form #team-totp-start data-action="totp-start" {
                    button.btn type="submit" { (z.turn_on) }
                    p.status role="status" aria-live="polite" {}
                }
            }
        }
    }
}

/// Turning the second factor on: the QR code of `uri` (an `otpauth://` URI), the secret as
/// text for typing by hand, and the form for the first code.
pub fn team_enrol(lang: Lang, secret_base32: &str, uri: &str) -> Markup {
    let z = &lang.texts().team.totp;
    html! {
        section #team-security aria-labelledby="team-security-h" {
            h2 #team-security-h tabindex="-1" { (z.heading) }
            p { (z.scan) }
            (qr_svg(uri, z.qr_label))
            p { (z.or_type) }
            p { code #team-totp-secret .secret { (grouped(secret_base32)) } }
            p.small { (z.keep_secret) }
            form #team-totp-confirm data-action="totp-confirm" autocomplete="off" {
                div.field {
                    label for="team-totp-code" { (z.confirm_label) }
                    (code_input("team-totp-code"))
                }
                button.btn type="submit" { (z.confirm_submit) }
                p.status role="status" aria-live="polite" {}
            }
        }
    }
}

/// A field for a 6-digit code: the phone's keypad, and the code the browser or phone offers.
pub(crate) fn code_input(id: &str) -> Markup {
    html! {
        input id=(id) type="text" inputmode="numeric" autocomplete="one-time-code"
            maxlength="9" pattern="[0-9 ]*" required spellcheck="false";
    }
}

/// The secret in groups of four, as apps that take it typed show it.
fn grouped(secret: &str) -> String {
    let mut out = String::with_capacity(secret.len() + secret.len() / 4);
    for (i, c) in secret.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// A QR code as inline SVG: one path of unit squares, a four-module quiet zone, drawn
/// crisp. Inline, so the page loads no image (the CSP's `img-src 'self'` would refuse a
/// `data:` URI anyway) and nothing of the secret becomes a URL. Presentation attributes
/// only, no `style`. Nothing at all if the text is too long for a QR code.
pub(crate) fn qr_svg(text: &str, label: &str) -> Markup {
    const QUIET: usize = 4;
    let Ok(code) = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M) else {
        return html! {};
    };
    let width = code.width();
    let size = width + 2 * QUIET;
    let mut path = String::new();
    for (i, color) in code.to_colors().iter().enumerate() {
        if *color == Color::Dark {
            let (x, y) = (i % width + QUIET, i / width + QUIET);
            path.push_str(&format!("M{x} {y}h1v1h-1z"));
        }
    }
    let view_box = format!("0 0 {size} {size}");
    html! {
        svg.qr xmlns="http://www.w3.org/2000/svg" viewBox=(view_box) width="264" height="264"
            shape-rendering="crispEdges" role="img" aria-label=(label) {
            rect width=(size) height=(size) fill="#fff" {}
            path d=(path) fill="#000" {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_code_is_inline_svg_without_style_or_links() {
        let svg = qr_svg("otpauth://totp/A:B?secret=ABC\"<script>", "QR").into_string();
        assert!(svg.starts_with("<svg class=\"qr\""), "{svg}");
        assert!(svg.contains("<path d=\"M4 4h1v1h-1z"), "{svg}");
        for forbidden in ["style", "href", "<script", "xml version"] {
            assert!(!svg.contains(forbidden), "{forbidden} in {svg}");
        }
        assert_eq!(qr_svg(&"x".repeat(8000), "QR").into_string(), "");
    }

    #[test]
    fn enrolment_shows_the_secret_grouped_and_escapes_everything() {
        for lang in [Lang::Id, Lang::En] {
            let page = team_enrol(lang, "ABCDEFGHIJ", "otpauth://x?<&>").into_string();
            assert!(page.contains(">ABCD EFGH IJ<"), "{page}");
            assert!(page.contains("autocomplete=\"one-time-code\""), "{page}");
            assert!(!page.contains("<&>"), "{page}");
        }
    }

    #[test]
    fn the_security_view_offers_what_fits() {
        let show = |enabled, required| {
            team_security(Lang::En, &TeamSecurity { enabled, required }).into_string()
        };
        assert!(show(false, false).contains("team-totp-start"));
        assert!(show(false, true).contains("requires a second factor"));
        assert!(
            !show(false, true).contains("/team/view/cases"),
            "no way round"
        );
        assert!(show(true, false).contains("team-totp-off"));
        assert!(!show(true, true).contains("team-totp-off"));
    }
}
