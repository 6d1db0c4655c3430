//! Safe local file names for attachments (see [`sanitize_file_name`]).
//!
//! An attachment's name comes from the reporter's device, inside the encryption, so the
//! server never checks it, and anyone holding the case key (the reporter included) can put
//! anything there. Whoever writes an attachment to disk (`kentongan-keytool open`, a
//! browser download) must go through this module.

use super::MAX_NAME_CHARS;

/// The fallback name when nothing usable is left of a file name ("berkas" is Indonesian
/// for "file").
pub const FALLBACK_NAME: &str = "berkas";

/// The longest name [`sanitize_file_name`] returns, in bytes: well within every common file
/// system's 255-byte component limit, leaving room for a " (12)" suffix
/// ([`numbered_file_name`]) and for the directory an investigator saves into.
pub const MAX_FILE_NAME_BYTES: usize = 120;

/// The longest extension kept as one: "jpeg", "docx", "tar.gz"'s "gz"… An "extension" longer
/// than this is more likely part of the name, and is treated as such.
const MAX_EXTENSION_BYTES: usize = 16;

/// Names Windows reserves for devices, whatever the extension ("CON.txt" opens the console).
const RESERVED: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "COM0", "COM1", "COM2", "COM3", "COM4",
    "COM5", "COM6", "COM7", "COM8", "COM9", "COM¹", "COM²", "COM³", "LPT0", "LPT1", "LPT2", "LPT3",
    "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "LPT¹", "LPT²", "LPT³",
];

/// A file name that is safe to create on Windows, Linux and macOS, made from the name a
/// reporter's device gave (which anyone can forge: it may be "../../.bashrc", "CON", or 500
/// characters with a right-to-left override that makes "exe.jpg" read "gpj.exe").
///
/// - path separators and characters Windows refuses (`/ \ : * ? " < > |`), control
///   characters and bidirectional-text controls become `_`; other white space becomes a
///   space, and runs of spaces or dots shrink to one (so no `..` is left);
/// - leading and trailing dots and spaces go (Windows drops trailing ones itself; a
///   leading dot would hide the file on Unix);
/// - a name Windows reserves for a device (`CON`, `NUL`, `COM1`, …, with any extension) gets
///   a `_` in front;
/// - the result is at most [`MAX_FILE_NAME_BYTES`] bytes, cut at a character boundary
///   *before* the extension, which is kept;
/// - an empty result becomes [`FALLBACK_NAME`] (with the extension, if there was one).
///
/// Unicode letters are kept as they are: an Indonesian or Chinese file name stays readable.
pub fn sanitize_file_name(name: &str) -> String {
    let mut cleaned = String::with_capacity(name.len().min(4 * MAX_NAME_CHARS));
    for c in name.chars() {
        let c = if is_forbidden(c) {
            '_'
        } else if c.is_whitespace() {
            ' '
        } else {
            c
        };
        if (c == '.' || c == ' ') && cleaned.ends_with(c) {
            continue;
        }
        cleaned.push(c);
    }
    let trimmed = cleaned.trim_matches(|c: char| c == '.' || c == ' ');
    let (stem, extension) = match trimmed.rsplit_once('.') {
        Some((stem, ext))
            if !ext.is_empty() && ext.len() <= MAX_EXTENSION_BYTES && !ext.contains(' ') =>
        {
            (stem, Some(ext))
        }
        _ => (trimmed, None),
    };
    let mut stem = stem.trim_end_matches(['.', ' ']).to_owned();
    if stem.is_empty() {
        stem = FALLBACK_NAME.to_owned();
    }
    if is_reserved(&stem) {
        stem.insert(0, '_');
    }
    let budget = MAX_FILE_NAME_BYTES - extension.map_or(0, |e| e.len() + 1);
    truncate_at_char_boundary(&mut stem, budget);
    // Cutting may leave a trailing space or dot, which Windows would drop. Runs of either
    // are a single character, so the stem is still far longer than any reserved name.
    let kept = stem.trim_end_matches(['.', ' ']).len();
    stem.truncate(kept);
    match extension {
        Some(ext) => format!("{stem}.{ext}"),
        None => stem,
    }
}

/// `name` with " (n)" before its extension, for the n-th file of the same name in one
/// directory ("foto.jpg" → "foto (2).jpg"). `name` should come from
/// [`sanitize_file_name`]; the result stays safe (it only adds a space, digits and
/// parentheses) and at most [`MAX_FILE_NAME_BYTES`] + 13 bytes.
pub fn numbered_file_name(name: &str, n: u32) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.len() <= MAX_EXTENSION_BYTES => {
            format!("{stem} ({n}).{ext}")
        }
        _ => format!("{name} ({n})"),
    }
}

fn is_forbidden(c: char) -> bool {
    matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
        || c.is_control()
        // Bidirectional controls can make "exe.jpg" display as "gpj.exe".
        || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        // Zero-width characters and the byte-order mark hide in names invisibly.
        || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// Whether Windows would take `stem` (the name before its *first* dot, trailing spaces
/// ignored, any case) for a device.
fn is_reserved(stem: &str) -> bool {
    let base = stem.split('.').next().unwrap_or_default().trim_end();
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(base))
}

fn truncate_at_char_boundary(s: &mut String, max_bytes: usize) {
    if s.len() <= max_bytes {
        return;
    }
    let mut end = max_bytes;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sanitize_hostile_names() {
        let cases: &[(&str, &str)] = &[
            ("foto.jpg", "foto.jpg"),
            ("../../etc/passwd", "_._etc_passwd"),
            ("..\\..\\Windows\\win.ini", "_._Windows_win.ini"),
            ("/etc/shadow", "_etc_shadow"),
            ("CON.txt", "_CON.txt"),
            ("con", "_con"),
            ("Nul .tar.gz", "_Nul .tar.gz"),
            ("lpt9", "_lpt9"),
            ("COM¹.jpg", "_COM¹.jpg"),
            ("CONSOLE.txt", "CONSOLE.txt"),
            ("a\u{0}b\nc\rd\te\u{7f}f\u{85}.pdf", "a_b_c_d_e_f_.pdf"),
            ("exe.\u{202E}gpj.exe", "exe._gpj.exe"),
            ("a:b*c?d\"e<f>g|h.doc", "a_b_c_d_e_f_g_h.doc"),
            ("", FALLBACK_NAME),
            (".", FALLBACK_NAME),
            ("..", FALLBACK_NAME),
            ("....", FALLBACK_NAME),
            (" . . ", FALLBACK_NAME),
            (".bashrc", "bashrc"),
            ("foto..jpg", "foto.jpg"),
            ("foto.jpg.", "foto.jpg"),
            ("  foto   lama.jpg  ", "foto lama.jpg"),
            (
                "Laporan keuangan 2024 — salinan.xlsx",
                "Laporan keuangan 2024 — salinan.xlsx",
            ),
            ("照片.png", "照片.png"),
            ("\u{200B}", "_"),
        ];
        for (input, expected) in cases {
            assert_eq!(sanitize_file_name(input), *expected, "{input:?}");
        }
    }

    #[test]
    fn sanitize_keeps_the_extension_of_long_names() {
        let long = format!("{}.jpeg", "a".repeat(500));
        let safe = sanitize_file_name(&long);
        assert_eq!(safe.len(), MAX_FILE_NAME_BYTES);
        assert!(safe.ends_with("a.jpeg"));
        // Multi-byte characters are cut at a boundary.
        let long = format!("{}.pdf", "é".repeat(300));
        let safe = sanitize_file_name(&long);
        assert!(
            safe.len() <= MAX_FILE_NAME_BYTES && safe.ends_with("é.pdf"),
            "{safe}"
        );
        // An "extension" too long to be one is part of the name, cut like the rest.
        let long = format!("x.{}", "b".repeat(300));
        assert_eq!(sanitize_file_name(&long).len(), MAX_FILE_NAME_BYTES);
        // A reserved name followed by spaces, cut down to it, is still caught.
        let sneaky = format!("CON{}x", " ".repeat(200));
        assert_eq!(sanitize_file_name(&sneaky), "CON x");
    }

    #[test]
    fn numbered_names() {
        assert_eq!(numbered_file_name("foto.jpg", 2), "foto (2).jpg");
        assert_eq!(numbered_file_name("berkas", 3), "berkas (3)");
        assert_eq!(numbered_file_name("arsip.tar.gz", 2), "arsip.tar (2).gz");
    }

    fn is_safe(name: &str) -> bool {
        !name.is_empty()
            && name.len() <= MAX_FILE_NAME_BYTES
            && !name.contains("..")
            && !name.chars().any(is_forbidden)
            && !name.starts_with(['.', ' '])
            && !name.ends_with(['.', ' '])
            && !is_reserved(name)
    }

    proptest! {
    #[test]
    fn sanitized_names_are_always_safe(name in any::<String>()) {
        let safe = sanitize_file_name(&name);
        prop_assert!(is_safe(&safe), "{:?} -> {:?}", name, safe);
        prop_assert_eq!(sanitize_file_name(&safe), safe.clone());
    }

    #[test]
    fn sanitized_names_from_nasty_alphabets_are_safe(
        name in proptest::collection::vec(
            prop_oneof![
                Just('.'), Just(' '), Just('/'), Just('\\'), Just('\u{202E}'),
                Just('C'), Just('O'), Just('N'), Just('é'), Just('\0'), Just('a'),
            ],
            0..300,
        )
    ) {
        let name: String = name.into_iter().collect();
        let safe = sanitize_file_name(&name);
        prop_assert!(is_safe(&safe), "{:?} -> {:?}", name, safe);
    }
    }
}
