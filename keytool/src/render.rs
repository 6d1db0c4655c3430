//! The two files `open` writes: `report.txt` for people, `case.json` for programs.
//!
//! `report.txt` is meant to be read with `cat`, `less` or printed, so control characters
//! and bidirectional overrides in what the reporter wrote are shown escaped (a report must
//! not be able to drive the investigator's terminal or reorder what they see). `case.json`
//! keeps the exact text.

use std::fmt::Write as _;

use anyhow::{Context, Result};
use kentongan_crypto::Report;
use kentongan_crypto::bundle::{self, ItemKind, Manifest};
use kentongan_crypto::report::{Category, EncryptedIn};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::open::OpenedCase;

/// The `format` of `case.json`.
pub const CASE_JSON_FORMAT: &str = "kentongan-opened-case/1";

/// `report.txt`: every report of the case with Indonesian labels and English in parentheses.
pub fn report_txt(case: &OpenedCase) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(16 * 1024));
    let m = &case.manifest;
    // Writing to a String cannot fail.
    let _ = writeln!(
        out,
        "KENTONGAN — LAPORAN PELANGGARAN (WHISTLEBLOWING REPORT)"
    );
    let _ = writeln!(
        out,
        "RAHASIA (CONFIDENTIAL): simpan dan musnahkan dengan aman (store and destroy securely)."
    );
    let _ = writeln!(out);
    line(&mut out, "Nomor kasus (case number)", &m.id.to_string());
    line(&mut out, "Tanggal diterima (date received)", &m.created_on);
    line(&mut out, "Tahap (stage)", &stage_name(&m.stage));
    if !case.keys_match_manifest {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "PERINGATAN (WARNING): kunci di amplop tidak sama dengan kunci publik kasus di server \
             (the keys in the envelope differ from the case's public keys on the server)."
        );
    }
    for opened in &case.reports {
        let r = &opened.report;
        let _ = writeln!(out);
        let _ = writeln!(out, "--- Laporan (report), item {} ---", opened.item_id);
        line(&mut out, "Ditulis (written on)", &opened.created_on);
        line(&mut out, "Kategori (category)", category_name(r.category));
        block(&mut out, "Apa yang terjadi (what happened)", &r.what);
        block(&mut out, "Siapa yang terlibat (who was involved)", &r.who);
        block(&mut out, "Di mana (where)", &r.place);
        block(&mut out, "Kapan (when)", &r.when);
        block(&mut out, "Bagaimana (how)", &r.how);
        block(&mut out, "Mengapa (why)", &r.why);
        match &r.identification {
            None => line(
                &mut out,
                "Identitas pelapor (reporter)",
                "Anonim (anonymous)",
            ),
            Some(id) => {
                block(&mut out, "Nama pelapor (reporter's name)", &id.name);
                block(&mut out, "Kontak pelapor (reporter's contact)", &id.contact);
            }
        }
        line(&mut out, "Bahasa formulir (form language)", &r.language);
        line(
            &mut out,
            "Dienkripsi di (encrypted in)",
            encrypted_in_name(r.encrypted_in),
        );
    }
    out
}

/// `case.json`: the manifest and every decrypted item, pretty-printed.
pub fn case_json(case: &OpenedCase) -> Result<Zeroizing<Vec<u8>>> {
    #[derive(Serialize)]
    struct CaseJson<'a> {
        format: &'static str,
        bundle_format: &'static str,
        case: &'a Manifest,
        keys_match_manifest: bool,
        items: Vec<ItemJson<'a>>,
    }
    #[derive(Serialize)]
    struct ItemJson<'a> {
        id: i64,
        kind: ItemKind,
        created_on: &'a str,
        report: &'a Report,
    }
    let doc = CaseJson {
        format: CASE_JSON_FORMAT,
        bundle_format: bundle::FORMAT,
        case: &case.manifest,
        keys_match_manifest: case.keys_match_manifest,
        items: case
            .reports
            .iter()
            .map(|r| ItemJson {
                id: r.item_id,
                kind: ItemKind::Report,
                created_on: &r.created_on,
                report: &r.report,
            })
            .collect(),
    };
    // Room for the largest report up front, so the buffer is not reallocated (which would
    // leave unzeroized copies of decrypted text behind in freed memory).
    let capacity = kentongan_crypto::report::MAX_REPORT_FRAME * 2 * case.reports.len().max(1);
    let mut out = Zeroizing::new(Vec::with_capacity(capacity));
    serde_json::to_writer_pretty(&mut *out, &doc).context("cannot write case.json")?;
    out.push(b'\n');
    Ok(out)
}

fn line(out: &mut String, label: &str, value: &str) {
    let _ = writeln!(out, "{label}: {}", printable(value));
}

/// A label, then the text indented on the following lines, so multi-line answers stay
/// visibly inside their field.
fn block(out: &mut String, label: &str, value: &str) {
    let _ = writeln!(out, "{label}:");
    if value.trim().is_empty() {
        let _ = writeln!(out, "    (tidak diisi / not filled in)");
        return;
    }
    for text_line in value.lines() {
        if text_line.trim().is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "    {}", printable(text_line));
        }
    }
}

/// `text` with control characters (other than tab) and bidirectional controls escaped as
/// `\u{…}`: they would otherwise reach the terminal that shows the file.
fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let bidi = matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if (c.is_control() && c != '\t') || bidi {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::open::OpenedReport;
    use crate::open::tests::hostile_report;
    use kentongan_crypto::keys::Identity;

    fn case(report: Report) -> OpenedCase {
        OpenedCase {
            manifest: Manifest {
                id: 7,
                created_on: "2026-11-28".into(),
                stage: "tindakan_korektif".into(),
                case_recipient: Identity::generate().to_public(),
                notes_recipient: Identity::generate().to_public(),
            },
            reports: vec![OpenedReport {
                item_id: 1,
                created_on: "2026-11-28".into(),
                report,
            }],
            keys_match_manifest: true,
        }
    }

    #[test]
    fn report_txt_shows_every_field_and_escapes_terminal_controls() {
        let text = report_txt(&case(hostile_report()));
        for expected in [
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
        ] {
            assert!(
                text.contains(expected),
                "missing {expected:?} in\n{}",
                &*text
            );
        }
        assert!(!text.contains('\u{1b}'));
        assert!(!text.contains("Anonim"));
        assert!(!text.contains("PERINGATAN"));
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
        let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(value["format"], CASE_JSON_FORMAT);
        assert_eq!(value["case"]["id"], 7);
        assert_eq!(value["items"][0]["kind"], "report");
        let report: Report = serde_json::from_value(value["items"][0]["report"].clone()).unwrap();
        assert!(report == hostile_report());
    }
}
