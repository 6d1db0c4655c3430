//! The files `open` writes: `report.txt` and `conversation.txt` for people, `case.json` for
//! programs.
//!
//! The text files are meant to be read with `cat`, `less` or printed, and the conversation
//! is also printed to the terminal, so control characters and bidirectional overrides in
//! what anyone wrote (and in the server's metadata) are shown escaped: a message must not
//! be able to drive the investigator's terminal or reorder what they see. `case.json` keeps
//! the exact text.
//!
//! Every buffer that holds decrypted text is sized exactly before it is filled (a first
//! pass counts the bytes), so it is never reallocated, which would leave unzeroized copies
//! behind in freed memory.

use std::fmt;

use anyhow::{Context, Result};
use kentongan_crypto::bundle::{self, ItemKind, Manifest, StageChange};
use kentongan_crypto::item::Signed;
use kentongan_crypto::report::{Category, EncryptedIn};
use kentongan_crypto::{Message, Report};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::attachments::{OpenedAttachment, Problem};
use crate::open::{Content, OpenedCase, OpenedItem, Unreadable};

/// The `format` of `case.json`.
pub const CASE_JSON_FORMAT: &str = "kentongan-opened-case/1";

const CONFIDENTIAL: &str =
    "RAHASIA (CONFIDENTIAL): simpan dan musnahkan dengan aman (store and destroy securely).";

/// How an internal note is marked in the conversation: it must not be mistaken for something
/// the reporter was told.
const NOTE_LABEL: &str = "*** Catatan internal (tidak terlihat oleh pelapor) / \
                          internal note (not visible to the reporter) ***";

/// `report.txt`: every report of the case with Indonesian labels and English in parentheses.
pub fn report_txt(case: &OpenedCase) -> Zeroizing<String> {
    render_exactly(|out| {
        writeln!(
            out,
            "KENTONGAN — LAPORAN PELANGGARAN (WHISTLEBLOWING REPORT)"
        )?;
        writeln!(out, "{CONFIDENTIAL}")?;
        writeln!(out)?;
        case_header(out, case, "Tahap (stage)")?;
        for item in reports(case) {
            writeln!(out)?;
            writeln!(out, "--- Laporan (report), item {} ---", item.id)?;
            report_body(out, item)?;
        }
        Ok(())
    })
}

/// `conversation.txt`: the case number and stage, the stage history with the message that
/// came with each move, the report, then every message and internal note in item order,
/// marked by who wrote it (notes marked as internal). Also what `open` prints.
pub fn conversation_txt(case: &OpenedCase) -> Zeroizing<String> {
    render_exactly(|out| {
        writeln!(
            out,
            "KENTONGAN — PERCAKAPAN DAN RIWAYAT KASUS (CASE CONVERSATION AND HISTORY)"
        )?;
        writeln!(out, "{CONFIDENTIAL}")?;
        writeln!(out)?;
        case_header(out, case, "Tahap sekarang (current stage)")?;
        let unreadable = case.unreadable();
        if !unreadable.is_empty() {
            let ids: Vec<String> = unreadable.iter().map(i64::to_string).collect();
            writeln!(out)?;
            writeln!(
                out,
                "PERHATIAN (ATTENTION): item {} tidak dapat dibuka (could not be opened); \
                 lihat di bawah (see below).",
                ids.join(", ")
            )?;
        }

        writeln!(out)?;
        writeln!(out, "=== Riwayat tahap (stage history) ===")?;
        write!(out, "{}  ", case.manifest.created_on)?;
        put(out, &stage_name("diterima"))?;
        writeln!(out, ": laporan masuk (report received)")?;
        for change in &case.manifest.history {
            stage_change(out, case, change)?;
        }

        for item in reports(case) {
            writeln!(out)?;
            writeln!(
                out,
                "=== Laporan (report), item {}, {} ===",
                item.id,
                printable(&item.created_on)
            )?;
            report_body(out, item)?;
        }

        writeln!(out)?;
        writeln!(out, "=== Percakapan (conversation) ===")?;
        let mut any = false;
        for item in case.items.iter().filter(|i| i.kind != ItemKind::Report) {
            any = true;
            writeln!(out)?;
            conversation_entry(out, case, item)?;
        }
        if !any {
            writeln!(out)?;
            writeln!(out, "(belum ada pesan / no messages yet)")?;
        }
        Ok(())
    })
}

fn reports(case: &OpenedCase) -> impl Iterator<Item = &OpenedItem> {
    case.items.iter().filter(|i| i.kind == ItemKind::Report)
}

fn case_header(out: &mut dyn fmt::Write, case: &OpenedCase, stage_label: &str) -> fmt::Result {
    let m = &case.manifest;
    line(out, "Nomor kasus (case number)", &m.id.to_string())?;
    line(out, "Tanggal diterima (date received)", &m.created_on)?;
    line(out, stage_label, &stage_name(&m.stage))?;
    if !case.keys_match_manifest {
        writeln!(out)?;
        writeln!(
            out,
            "PERINGATAN (WARNING): kunci di amplop tidak sama dengan kunci publik kasus di server \
             (the keys in the envelope differ from the case's public keys on the server)."
        )?;
    }
    Ok(())
}

/// One move: day, stage, who, and the message to the reporter that came with it.
fn stage_change(out: &mut dyn fmt::Write, case: &OpenedCase, change: &StageChange) -> fmt::Result {
    put(out, &change.moved_on)?;
    out.write_str("  ")?;
    put(out, &stage_name(&change.stage))?;
    out.write_str(", oleh (by) ")?;
    put(out, &change.moved_by)?;
    writeln!(out)?;
    let Some(id) = change.message else {
        return writeln!(
            out,
            "    (tanpa pesan untuk pelapor / no message to the reporter)"
        );
    };
    match case.item(id).map(|item| &item.content) {
        Some(Content::Message(message, signed)) => {
            writeln!(
                out,
                "    Pesan untuk pelapor (message to the reporter), item {id}:"
            )?;
            unverified(out, "        ", *signed)?;
            text(out, "        ", &message.text)
        }
        Some(Content::Unreadable(why)) => {
            writeln!(
                out,
                "    Pesan untuk pelapor, item {id}: {}",
                unreadable_text(*why)
            )
        }
        Some(Content::Report(_)) => writeln!(
            out,
            "    Pesan untuk pelapor: item {id} bukan pesan (is not a message)"
        ),
        None => writeln!(
            out,
            "    Pesan untuk pelapor: item {id} tidak ada dalam bundel (is not in the bundle)"
        ),
    }
}

/// One message of the conversation: day, who wrote it, and what it says.
fn conversation_entry(
    out: &mut dyn fmt::Write,
    case: &OpenedCase,
    item: &OpenedItem,
) -> fmt::Result {
    out.write_char('[')?;
    put(out, &item.created_on)?;
    out.write_str("] ")?;
    match item.kind {
        ItemKind::ReporterMessage => out.write_str("Pelapor (Reporter)")?,
        ItemKind::InvestigatorMessage => out.write_str("Tim (Investigators)")?,
        ItemKind::StageMessage => {
            out.write_str("Tim (Investigators), pesan perpindahan tahap (stage move message)")?;
            let moved_to = case
                .manifest
                .history
                .iter()
                .find(|change| change.message == Some(item.id));
            if let Some(change) = moved_to {
                out.write_str(" ke (to) ")?;
                put(out, &stage_name(&change.stage))?;
            }
        }
        ItemKind::Note => out.write_str(NOTE_LABEL)?,
        ItemKind::Report => out.write_str("Laporan (report)")?,
    }
    writeln!(out, ", item {}:", item.id)?;
    match &item.content {
        Content::Message(message, signed) => {
            unverified(out, "    ", *signed)?;
            text(out, "    ", &message.text)?;
        }
        Content::Unreadable(why) => writeln!(out, "    {}", unreadable_text(*why))?,
        Content::Report(_) => writeln!(out, "    (laporan; lihat di atas / a report, see above)")?,
    }
    attachment_list(out, "    ", &item.attachments)
}

/// A warning line above a message said to be the team's without the team's signature.
fn unverified(out: &mut dyn fmt::Write, indent: &str, signed: Signed) -> fmt::Result {
    if signed != Signed::Unverified {
        return Ok(());
    }
    writeln!(
        out,
        "{indent}PERINGATAN: tidak bertanda tangan tim; mungkin ditulis orang lain di server \
         (WARNING: not signed by the team; someone else may have written it on the server)"
    )
}

fn unreadable_text(why: Unreadable) -> &'static str {
    match why {
        Unreadable::DoesNotDecrypt => {
            "TIDAK DAPAT DIBUKA: rusak atau dienkripsi dengan kunci lain \
             (COULD NOT BE OPENED: damaged, or encrypted to another key)"
        }
        Unreadable::NotReport => {
            "TIDAK DAPAT DIBACA: bukan laporan yang dapat dibaca (UNREADABLE: not a readable report)"
        }
        Unreadable::NotMessage => {
            "TIDAK DAPAT DIBACA: bukan pesan yang dapat dibaca (UNREADABLE: not a readable message)"
        }
    }
}

fn report_body(out: &mut dyn fmt::Write, item: &OpenedItem) -> fmt::Result {
    line(out, "Ditulis (written on)", &item.created_on)?;
    let r = match &item.content {
        Content::Report(report) => report,
        Content::Unreadable(why) => return writeln!(out, "{}", unreadable_text(*why)),
        Content::Message(..) => {
            return writeln!(out, "(pesan, bukan laporan / a message, not a report)");
        }
    };
    line(out, "Kategori (category)", category_name(r.category))?;
    block(out, "Apa yang terjadi (what happened)", &r.what)?;
    block(out, "Siapa yang terlibat (who was involved)", &r.who)?;
    block(out, "Di mana (where)", &r.place)?;
    block(out, "Kapan (when)", &r.when)?;
    block(out, "Bagaimana (how)", &r.how)?;
    block(out, "Mengapa (why)", &r.why)?;
    match &r.identification {
        None => line(out, "Identitas pelapor (reporter)", "Anonim (anonymous)")?,
        Some(id) => {
            block(out, "Nama pelapor (reporter's name)", &id.name)?;
            block(out, "Kontak pelapor (reporter's contact)", &id.contact)?;
        }
    }
    line(out, "Bahasa formulir (form language)", &r.language)?;
    line(
        out,
        "Dienkripsi di (encrypted in)",
        encrypted_in_name(r.encrypted_in),
    )?;
    attachment_list(out, "", &item.attachments)
}

/// `case.json`: the manifest (with the stage history) and every item, decrypted:
/// `report` for reports, `message` for messages, `unreadable` for what did not open.
pub fn case_json(case: &OpenedCase) -> Result<Zeroizing<Vec<u8>>> {
    #[derive(Serialize)]
    struct CaseJson<'a> {
        format: &'static str,
        bundle_format: &'static str,
        case: &'a Manifest,
        keys_match_manifest: bool,
        unreadable_items: Vec<i64>,
        items: Vec<ItemJson<'a>>,
    }
    #[derive(Serialize)]
    struct ItemJson<'a> {
        id: i64,
        kind: ItemKind,
        created_on: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        report: Option<&'a Report>,
        #[serde(skip_serializing_if = "Option::is_none")]
        message: Option<&'a Message>,
        #[serde(skip_serializing_if = "Option::is_none")]
        unreadable: Option<&'static str>,
        /// Said to be the team's, without the team's signature.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        unverified: bool,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<AttachmentJson<'a>>,
    }
    let doc = CaseJson {
        format: CASE_JSON_FORMAT,
        bundle_format: bundle::FORMAT,
        case: &case.manifest,
        keys_match_manifest: case.keys_match_manifest,
        unreadable_items: case.unreadable(),
        items: case
            .items
            .iter()
            .map(|item| {
                let (report, message, unreadable) = match &item.content {
                    Content::Report(report) => (Some(&**report), None, None),
                    Content::Message(message, _) => (None, Some(message), None),
                    Content::Unreadable(why) => (None, None, Some(why.slug())),
                };
                let unverified = matches!(item.content, Content::Message(_, Signed::Unverified));
                ItemJson {
                    id: item.id,
                    kind: item.kind,
                    created_on: &item.created_on,
                    report,
                    message,
                    unreadable,
                    unverified,
                    attachments: item.attachments.iter().map(AttachmentJson::from).collect(),
                }
            })
            .collect(),
    };
    let mut size = ByteCount(0);
    serde_json::to_writer_pretty(&mut size, &doc).context("cannot write case.json")?;
    let mut out = Zeroizing::new(Vec::with_capacity(size.0 + 1));
    serde_json::to_writer_pretty(&mut *out, &doc).context("cannot write case.json")?;
    out.push(b'\n');
    Ok(out)
}

/// Renders twice: once to count the bytes, once into a buffer of exactly that size.
fn render_exactly(render: impl Fn(&mut dyn fmt::Write) -> fmt::Result) -> Zeroizing<String> {
    let mut size = ByteCount(0);
    // Neither writer fails: counting cannot, and the buffer is a String.
    let _ = render(&mut size);
    let mut out = Zeroizing::new(String::with_capacity(size.0));
    let _ = render(&mut *out);
    out
}

/// Counts what is written, keeps nothing.
struct ByteCount(usize);

impl fmt::Write for ByteCount {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 = self.0.saturating_add(s.len());
        Ok(())
    }
}

impl std::io::Write for ByteCount {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 = self.0.saturating_add(buf.len());
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn line(out: &mut dyn fmt::Write, label: &str, value: &str) -> fmt::Result {
    write!(out, "{label}: ")?;
    put(out, value)?;
    writeln!(out)
}

/// A label, then the text indented on the following lines, so multi-line answers stay
/// visibly inside their field.
fn block(out: &mut dyn fmt::Write, label: &str, value: &str) -> fmt::Result {
    writeln!(out, "{label}:")?;
    if value.trim().is_empty() {
        return writeln!(out, "    (tidak diisi / not filled in)");
    }
    text(out, "    ", value)
}

/// `value`'s lines, each indented (blank lines stay blank).
fn text(out: &mut dyn fmt::Write, indent: &str, value: &str) -> fmt::Result {
    for text_line in value.lines() {
        if !text_line.trim().is_empty() {
            out.write_str(indent)?;
            put(out, text_line)?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// Writes `text` with control characters (other than tab) and bidirectional controls
/// escaped as `\u{…}`: they would otherwise reach the terminal that shows the file.
pub(crate) fn put(out: &mut dyn fmt::Write, text: &str) -> fmt::Result {
    for c in text.chars() {
        let bidi = matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if (c.is_control() && c != '\t') || bidi {
            write!(out, "\\u{{{:x}}}", u32::from(c))?;
        } else {
            out.write_char(c)?;
        }
    }
    Ok(())
}

/// [`put`] into a new string, for metadata (never decrypted text, which would be left in a
/// buffer that is not zeroized).
fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let _ = put(&mut out, text);
    out
}

fn stage_name(stage: &str) -> String {
    let known = match stage.replace('_', "-").as_str() {
        "diterima" => "Diterima (received)",
        "pemeriksaan" => "Pemeriksaan (examination)",
        "verifikasi" => "Verifikasi (verification)",
        "tindakan-korektif" => "Tindakan Korektif (corrective action)",
        "selesai" => "Selesai (closed)",
        "tidak-dapat-ditindaklanjuti" => "Tidak Dapat Ditindaklanjuti (not actionable)",
        "dialihkan" => "Dialihkan (forwarded)",
        _ => return stage.to_owned(),
    };
    known.to_owned()
}

fn category_name(category: Category) -> &'static str {
    match category {
        Category::PenyalahgunaanWewenang => "Penyalahgunaan wewenang (abuse of authority)",
        Category::HambatanPelayananPublik => {
            "Hambatan pelayanan publik (obstruction of public services)"
        }
        Category::Kkn => "KKN: korupsi, kolusi, nepotisme (corruption, collusion or nepotism)",
        Category::GratifikasiSuap => "Gratifikasi atau suap (gratuities or bribery)",
        Category::BenturanKepentingan => "Benturan kepentingan (conflict of interest)",
        Category::PelanggaranDisiplin => {
            "Pelanggaran disiplin pegawai (breach of staff discipline)"
        }
        Category::Lainnya => "Lainnya (other)",
    }
}

fn encrypted_in_name(place: EncryptedIn) -> &'static str {
    match place {
        EncryptedIn::Browser => "peramban pelapor (the reporter's browser)",
        EncryptedIn::Server => {
            "memori server, formulir tanpa JavaScript (the server's memory, no-JavaScript form)"
        }
    }
}

// --- Attachments ---

/// An attachment in `case.json`: the decrypted header and where the file was written, or
/// what went wrong. The original name is kept exactly (JSON escapes it); `saved_as` is the
/// name on disk.
#[derive(Serialize)]
struct AttachmentJson<'a> {
    id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    media_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cleaned: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    saved_as: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<&'static str>,
}

impl<'a> From<&'a OpenedAttachment> for AttachmentJson<'a> {
    fn from(a: &'a OpenedAttachment) -> Self {
        let mut json = AttachmentJson {
            id: a.id,
            name: None,
            media_type: None,
            size: None,
            cleaned: None,
            saved_as: None,
            problem: None,
        };
        match &a.outcome {
            Ok(saved) => {
                json.name = Some(&saved.header.name);
                json.media_type = Some(&saved.header.media_type);
                json.size = Some(saved.header.size);
                json.cleaned = Some(&saved.header.cleaned);
                json.saved_as = Some(&saved.path);
            }
            Err(problem) => json.problem = Some(problem.slug()),
        }
        json
    }
}

/// The list of an item's attachments in `report.txt` and `conversation.txt`: name, where it
/// was written, size, type, and what metadata was removed before it was sealed; or what
/// went wrong. Names are shown escaped like all text ([`put`]).
fn attachment_list(
    out: &mut dyn fmt::Write,
    indent: &str,
    list: &[OpenedAttachment],
) -> fmt::Result {
    if list.is_empty() {
        return Ok(());
    }
    writeln!(out, "{indent}Lampiran (attachments):")?;
    for attachment in list {
        write!(out, "{indent}- ")?;
        let saved = match &attachment.outcome {
            Ok(saved) => saved,
            Err(problem) => {
                problem_line(out, attachment.id, *problem)?;
                continue;
            }
        };
        let h = &saved.header;
        put(out, &h.name)?;
        out.write_str(" → ")?;
        put(out, &saved.path)?;
        write!(out, ", {}", human_size(h.size))?;
        if !h.media_type.is_empty() {
            out.write_str(", ")?;
            put(out, &h.media_type)?;
        }
        writeln!(out)?;
        write!(out, "{indent}  metadata dihapus (removed): ")?;
        if h.cleaned.is_empty() {
            out.write_str("tidak ada (none)")?;
        }
        for (i, slug) in h.cleaned.iter().enumerate() {
            if i > 0 {
                out.write_str(", ")?;
            }
            match slug_text(slug) {
                Some(text) => out.write_str(text)?,
                None => put(out, slug)?,
            }
        }
        writeln!(out)?;
    }
    Ok(())
}

fn problem_line(out: &mut dyn fmt::Write, id: i64, problem: Problem) -> fmt::Result {
    let text = match problem {
        Problem::Missing => {
            "TIDAK ADA: berkasnya tidak ada di samping bundel \
             (MISSING: its file is not beside the bundle)"
        }
        Problem::BadPath => {
            "DITOLAK: bundel menyebut lokasi yang tidak wajar \
             (REFUSED: the bundle names an unexpected path)"
        }
        Problem::DoesNotDecrypt => {
            "TIDAK DAPAT DIBUKA: rusak atau dienkripsi dengan kunci lain \
             (COULD NOT BE OPENED: damaged, or encrypted to another key)"
        }
    };
    writeln!(out, "lampiran (attachment) {id}: {text}")
}

/// The words for a `cleaned` slug (`metadata::Removed::slugs`).
fn slug_text(slug: &str) -> Option<&'static str> {
    Some(match slug {
        "gps" => "lokasi GPS (GPS position)",
        "camera" => "data kamera (camera details)",
        "time" => "waktu pengambilan (time taken)",
        "xmp" => "data XMP (XMP data)",
        "comment" => "komentar (comment)",
        "iptc" => "data IPTC (IPTC data)",
        "text" => "teks tersemat (embedded text)",
        "appended-data" => "data tambahan (appended data)",
        "other" => "lainnya (other)",
        _ => return None,
    })
}

/// `1234567` → "1.2 MB (1234567 bytes)": the rounded size for people, the exact one for
/// checking.
fn human_size(bytes: u64) -> String {
    if bytes < 1000 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = "KB";
    for next in ["MB", "GB", "TB"] {
        if value < 1000.0 {
            break;
        }
        value /= 1000.0;
        unit = next;
    }
    format!("{value:.1} {unit} ({bytes} bytes)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::open::tests::{bundle_with_conversation, hostile_report};
    use crate::open::{OpenedItem, open_case};
    use kentongan_crypto::keys::Identity;

    fn case(report: Report) -> OpenedCase {
        OpenedCase {
            manifest: Manifest {
                id: 7,
                created_on: "2026-11-28".into(),
                stage: "tindakan_korektif".into(),
                case_recipient: Identity::generate().to_public(),
                notes_recipient: Identity::generate().to_public(),
                history: vec![],
            },
            items: vec![OpenedItem {
                id: 1,
                kind: ItemKind::Report,
                created_on: "2026-11-28".into(),
                content: Content::Report(Box::new(report)),
                attachments: vec![],
            }],
            keys_match_manifest: true,
        }
    }

    /// The test bundle's conversation, its team messages unsigned as the bundle seals them.
    fn unsigned_conversation() -> OpenedCase {
        let alice = Identity::generate();
        let bundle = bundle_with_conversation(&hostile_report(), &[alice.to_public()]);
        open_case(&bundle, &alice).unwrap()
    }

    /// The same, as if the team had signed its messages: signatures are checked in open.rs
    /// (and tests/cli.rs); here only what is printed for each.
    fn conversation() -> OpenedCase {
        signed(unsigned_conversation())
    }

    fn signed(mut case: OpenedCase) -> OpenedCase {
        for item in &mut case.items {
            if let Content::Message(_, signed) = &mut item.content {
                if *signed == Signed::Unverified {
                    *signed = Signed::Team;
                }
            }
        }
        case
    }

    fn assert_contains_all(text: &str, expected: &[&str]) {
        for expected in expected {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
    }

    #[test]
    fn report_txt_shows_every_field_and_escapes_terminal_controls() {
        let text = report_txt(&case(hostile_report()));
        assert_contains_all(
            &text,
            &[
                "Nomor kasus (case number): 7",
                "Tanggal diterima (date received): 2026-11-28",
                "Tahap (stage): Tindakan Korektif (corrective action)",
                "Kategori (category): Gratifikasi atau suap (gratuities or bribery)",
                "    Pungutan liar \" ' & < > di loket\n    baris kedua\n",
                "    test \" ' & < >\n",
                "Bagaimana (how):\n    (tidak diisi / not filled in)\n",
                "    Tidak ada dasar hukum\\u{1b}[31m merah\n",
                "    Siti \" ' & < >\n",
                "    0812\n    3456\n",
                "Dienkripsi di (encrypted in): peramban pelapor (the reporter's browser)",
            ],
        );
        assert!(!text.contains('\u{1b}'));
        assert!(!text.contains("Anonim"));
        assert!(!text.contains("PERINGATAN"));
        // Sized exactly: the buffer was never reallocated.
        assert_eq!(text.capacity(), text.len());
    }

    #[test]
    fn anonymous_reports_say_so() {
        let mut report = hostile_report();
        report.identification = None;
        let mut opened = case(report);
        opened.keys_match_manifest = false;
        let text = report_txt(&opened);
        assert!(text.contains("Identitas pelapor (reporter): Anonim (anonymous)"));
        assert!(text.contains("PERINGATAN (WARNING)"));
    }

    #[test]
    fn the_conversation_shows_history_report_and_messages_in_order() {
        let text = conversation_txt(&conversation());
        assert_contains_all(
            &text,
            &[
                "Nomor kasus (case number): 7\n",
                "Tahap sekarang (current stage): Pemeriksaan (examination)\n",
                "=== Riwayat tahap (stage history) ===\n\
                 2026-11-28  Diterima (received): laporan masuk (report received)\n\
                 2026-11-30  Pemeriksaan (examination), oleh (by) Ani \\u{1b}[2J\n\
                 \x20   Pesan untuk pelapor (message to the reporter), item 3:\n\
                 \x20       Laporan Anda sedang kami periksa.\n",
                "=== Laporan (report), item 1, 2026-11-28 ===\n",
                "    Pungutan liar \" ' & < > di loket\n",
                "=== Percakapan (conversation) ===\n\n\
                 [2026-11-30] Tim (Investigators), item 2:\n\
                 \x20   Kapan kejadiannya? \" ' & < >\n\n\
                 [2026-11-30] Tim (Investigators), pesan perpindahan tahap (stage move message) \
                 ke (to) Pemeriksaan (examination), item 3:\n\
                 \x20   Laporan Anda sedang kami periksa.\n\n\
                 [2026-12-01] Pelapor (Reporter), item 4:\n\
                 \x20   Senin pagi,\n\
                 \x20   jam 9.\\u{202e}kiri\n",
            ],
        );
        assert!(!text.contains('\u{1b}') && !text.contains('\u{202e}'));
        assert!(!text.contains("PERHATIAN"));
        assert_eq!(text.capacity(), text.len());
    }

    #[test]
    fn unsigned_team_messages_are_printed_under_a_warning() {
        let opened = unsigned_conversation();
        let text = conversation_txt(&opened);
        let warning = "PERINGATAN: tidak bertanda tangan tim; mungkin ditulis orang lain di \
                       server (WARNING: not signed by the team; someone else may have written it \
                       on the server)";
        assert_contains_all(
            &text,
            &[
                &format!("item 3:\n        {warning}\n        Laporan Anda sedang kami periksa.\n"),
                &format!("item 2:\n    {warning}\n    Kapan kejadiannya?"),
                &format!("item 3:\n    {warning}\n    Laporan Anda sedang kami periksa.\n"),
                "[2026-12-01] Pelapor (Reporter), item 4:\n    Senin pagi,",
            ],
        );
        // Items 2 and 3, and 3 again in the stage history; never the reporter's.
        assert_eq!(text.matches("PERINGATAN: tidak bertanda tangan").count(), 3);
        let json = case_json(&opened).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
        let unverified: Vec<_> = value["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["unverified"] == true)
            .collect();
        assert_eq!(unverified, [false, true, true, false]);
        // Nothing is said of signed ones.
        let text = conversation_txt(&conversation());
        assert!(!text.contains("PERINGATAN"), "{}", &*text);
    }

    #[test]
    fn the_conversation_names_what_did_not_open() {
        let mut opened = conversation();
        for item in &mut opened.items {
            if item.id == 3 || item.id == 4 {
                item.content = Content::Unreadable(Unreadable::DoesNotDecrypt);
            }
        }
        opened.manifest.history.push(StageChange {
            stage: "verifikasi".into(),
            moved_on: "2026-12-02".into(),
            moved_by: "Budi".into(),
            message: Some(99),
        });
        opened.manifest.history.push(StageChange {
            stage: "tindakan-korektif".into(),
            moved_on: "2026-12-03".into(),
            moved_by: "Budi".into(),
            message: None,
        });
        let text = conversation_txt(&opened);
        assert_contains_all(
            &text,
            &[
                "PERHATIAN (ATTENTION): item 3, 4 tidak dapat dibuka (could not be opened)",
                "    Pesan untuk pelapor, item 3: TIDAK DAPAT DIBUKA",
                "item 99 tidak ada dalam bundel (is not in the bundle)",
                "2026-12-03  Tindakan Korektif (corrective action), oleh (by) Budi\n    \
                 (tanpa pesan untuk pelapor / no message to the reporter)\n",
                "[2026-12-01] Pelapor (Reporter), item 4:\n    TIDAK DAPAT DIBUKA",
            ],
        );
        assert!(!text.contains("jam 9"));
    }

    #[test]
    fn notes_are_marked_as_internal_in_the_conversation_and_case_json() {
        let alice = Identity::generate();
        let bundle = crate::open::tests::bundle_with_note(
            &hostile_report(),
            &[alice.to_public()],
            "Saksi: Pak B \u{1b}[31m",
        );
        let opened = signed(open_case(&bundle, &alice).unwrap());
        let text = conversation_txt(&opened);
        assert_contains_all(
            &text,
            &[
                "\n\n[2026-12-02] *** Catatan internal (tidak terlihat oleh pelapor) / internal \
                 note (not visible to the reporter) ***, item 5:\n    Saksi: Pak B \\u{1b}[31m\n",
            ],
        );
        // Only the note is marked so.
        assert_eq!(text.matches("Catatan internal").count(), 1);
        let json = case_json(&opened).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(value["items"][4]["kind"], "note");
        assert_eq!(
            value["items"][4]["message"]["text"],
            "Saksi: Pak B \u{1b}[31m"
        );
    }

    #[test]
    fn a_case_without_messages_says_so() {
        let text = conversation_txt(&case(hostile_report()));
        assert!(
            text.ends_with(
                "=== Percakapan (conversation) ===\n\n(belum ada pesan / no messages yet)\n"
            ),
            "{}",
            &*text
        );
    }

    #[test]
    fn printable_escapes_controls_and_bidi_only() {
        assert_eq!(printable("a\tb ꦏ é"), "a\tb ꦏ é");
        assert_eq!(
            printable("x\u{7}\u{9b}\u{202e}y"),
            "x\\u{7}\\u{9b}\\u{202e}y"
        );
        assert_eq!(stage_name("\" ' & < >"), "\" ' & < >");
    }

    #[test]
    fn case_json_keeps_exact_text() {
        let json = case_json(&case(hostile_report())).unwrap();
        assert_eq!(json.capacity(), json.len());
        let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(value["format"], CASE_JSON_FORMAT);
        assert_eq!(value["case"]["id"], 7);
        assert_eq!(value["items"][0]["kind"], "report");
        let report: Report = serde_json::from_value(value["items"][0]["report"].clone()).unwrap();
        assert!(report == hostile_report());
    }

    #[test]
    fn case_json_holds_messages_and_history() {
        let mut opened = conversation();
        opened.items[3].content = Content::Unreadable(Unreadable::NotMessage);
        let json = case_json(&opened).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(value["unreadable_items"], serde_json::json!([4]));
        assert_eq!(value["case"]["history"][0]["message"], 3);
        assert_eq!(value["case"]["history"][0]["moved_by"], "Ani \u{1b}[2J");
        let items = value["items"].as_array().unwrap();
        assert_eq!(items.len(), 4);
        assert_eq!(items[1]["kind"], "investigator-message");
        assert_eq!(items[1]["message"]["text"], "Kapan kejadiannya? \" ' & < >");
        assert!(items[1].get("report").is_none());
        assert_eq!(items[2]["kind"], "stage-message");
        assert_eq!(items[3]["kind"], "reporter-message");
        assert_eq!(items[3]["unreadable"], "not-a-message");
        assert!(items[3].get("message").is_none());
    }
}
