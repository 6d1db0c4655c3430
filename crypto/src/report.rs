//! What a reporter writes: the plaintext format of a report, before padding and encryption.
//!
//! It is JSON, so that investigators' tools can read it without Kentongan, and so that the
//! browser and the server produce the same bytes for the same report.

use std::fmt;

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// The kinds of wrongdoing a report can be about: those of Peraturan Bupati Bantul
/// No. 123/2020, plus "other". The stable names are the serialised form; the words people
/// read are in the templates crate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Zeroize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Penyalahgunaan wewenang.
    PenyalahgunaanWewenang,
    /// Hambatan pelayanan publik.
    HambatanPelayananPublik,
    /// Korupsi, kolusi, nepotisme.
    Kkn,
    /// Gratifikasi atau suap.
    GratifikasiSuap,
    /// Benturan kepentingan.
    BenturanKepentingan,
    /// Pelanggaran disiplin pegawai.
    PelanggaranDisiplin,
    /// Lainnya.
    Lainnya,
}

impl Category {
    /// Every category, in the order forms list them.
    pub const ALL: [Category; 7] = [
        Category::PenyalahgunaanWewenang,
        Category::HambatanPelayananPublik,
        Category::Kkn,
        Category::GratifikasiSuap,
        Category::BenturanKepentingan,
        Category::PelanggaranDisiplin,
        Category::Lainnya,
    ];

    /// The stable name used in forms and JSON.
    pub fn slug(self) -> &'static str {
        match self {
            Category::PenyalahgunaanWewenang => "penyalahgunaan-wewenang",
            Category::HambatanPelayananPublik => "hambatan-pelayanan-publik",
            Category::Kkn => "kkn",
            Category::GratifikasiSuap => "gratifikasi-suap",
            Category::BenturanKepentingan => "benturan-kepentingan",
            Category::PelanggaranDisiplin => "pelanggaran-disiplin",
            Category::Lainnya => "lainnya",
        }
    }

    /// The category for a stable name.
    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.slug() == slug)
    }
}

/// Where the plaintext was encrypted: told to the reporter on the receipt page, and kept
/// inside the encrypted report so investigators know too (it is not stored in the clear, as
/// it would narrow down who the reporter is).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Zeroize)]
#[serde(rename_all = "kebab-case")]
pub enum EncryptedIn {
    /// In the reporter's browser, by the WebAssembly build of this crate.
    Browser,
    /// In the server's memory, on the no-JavaScript path.
    Server,
}

/// A reporter who chose to give their name. Anonymous is the default.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop, Default)]
pub struct Identification {
    /// Name as the reporter wrote it.
    pub name: String,
    /// How to reach them: phone, e-mail, address, as they wrote it.
    pub contact: String,
}

impl fmt::Debug for Identification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Identification([REDACTED])")
    }
}

/// A report: the category and the "what, who, where, when, how, why" of the event.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct Report {
    /// Kind of wrongdoing.
    #[zeroize(skip)]
    pub category: Category,
    /// What happened. The only required field.
    pub what: String,
    /// Who was involved.
    #[serde(default)]
    pub who: String,
    /// Where it happened.
    #[serde(default, rename = "where")]
    pub place: String,
    /// When it happened, in the reporter's words.
    #[serde(default)]
    pub when: String,
    /// How it happened.
    #[serde(default)]
    pub how: String,
    /// Why the reporter thinks it is wrong, or why it happened.
    #[serde(default)]
    pub why: String,
    /// `None` for an anonymous report.
    #[serde(default)]
    pub identification: Option<Identification>,
    /// The language of the form the reporter used (`id` or `en`).
    #[zeroize(skip)]
    pub language: String,
    /// Browser or server.
    #[zeroize(skip)]
    pub encrypted_in: EncryptedIn,
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Report([REDACTED])")
    }
}

/// A form field, for validation messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[allow(missing_docs)]
pub enum Field {
    Category,
    What,
    Who,
    Where,
    When,
    How,
    Why,
    Name,
    Contact,
    Language,
}

/// What is wrong with one field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "kebab-case")]
pub enum FieldError {
    /// Required and empty.
    Missing {
        /// Which field.
        field: Field,
    },
    /// Longer than `max` characters.
    TooLong {
        /// Which field.
        field: Field,
        /// The limit.
        max: usize,
    },
}

/// Longest "what" and "how", in characters: a long, detailed account fits.
pub const MAX_LONG_FIELD: usize = 10_000;
/// Longest of the short fields.
pub const MAX_SHORT_FIELD: usize = 1_000;

/// The largest padded report: every field at its limit, even in characters JSON escapes to
/// six bytes, plus the JSON around them.
pub const MAX_REPORT_FRAME: usize = 256 * 1024;

impl Report {
    /// Checks required fields and lengths. Returns every problem, so a form can mark them all.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.what.trim().is_empty() {
            errors.push(FieldError::Missing { field: Field::What });
        }
        let mut limit = |field, text: &str, max| {
            if text.chars().count() > max {
                errors.push(FieldError::TooLong { field, max });
            }
        };
        limit(Field::What, &self.what, MAX_LONG_FIELD);
        limit(Field::How, &self.how, MAX_LONG_FIELD);
        limit(Field::Who, &self.who, MAX_SHORT_FIELD);
        limit(Field::Where, &self.place, MAX_SHORT_FIELD);
        limit(Field::When, &self.when, MAX_SHORT_FIELD);
        limit(Field::Why, &self.why, MAX_SHORT_FIELD);
        if let Some(id) = &self.identification {
            limit(Field::Name, &id.name, MAX_SHORT_FIELD);
            limit(Field::Contact, &id.contact, MAX_SHORT_FIELD);
        }
        if !matches!(self.language.as_str(), "id" | "en") {
            errors.push(FieldError::Missing {
                field: Field::Language,
            });
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The JSON bytes that get padded and encrypted.
    pub fn to_plaintext(&self) -> zeroize::Zeroizing<Vec<u8>> {
        // Serialising plain strings and enums to JSON cannot fail.
        zeroize::Zeroizing::new(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Parses decrypted JSON.
    pub fn from_plaintext(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample() -> Report {
        Report {
            category: Category::GratifikasiSuap,
            what: "Pungutan liar \" ' & < > di loket KTP".into(),
            who: "Petugas loket".into(),
            place: "Kantor Kapanewon".into(),
            when: "Senin pagi".into(),
            how: "Diminta uang tambahan".into(),
            why: "Tidak ada dasar hukum".into(),
            identification: None,
            language: "id".into(),
            encrypted_in: EncryptedIn::Server,
        }
    }

    #[test]
    fn json_roundtrip_uses_stable_names() {
        let r = sample();
        let bytes = r.to_plaintext();
        let text = std::str::from_utf8(&bytes).unwrap();
        assert!(text.contains("\"category\":\"gratifikasi-suap\""));
        assert!(text.contains("\"where\":\"Kantor Kapanewon\""));
        assert!(text.contains("\"encrypted_in\":\"server\""));
        assert!(Report::from_plaintext(&bytes).unwrap() == r);
        assert_eq!(format!("{r:?}"), "Report([REDACTED])");
    }

    #[test]
    fn validation_lists_every_problem() {
        let mut r = sample();
        r.what = "  ".into();
        r.who = "x".repeat(MAX_SHORT_FIELD + 1);
        r.language = "fr".into();
        let errors = r.validate().unwrap_err();
        assert_eq!(errors.len(), 3);
        assert!(sample().validate().is_ok());
    }

    #[test]
    fn a_full_report_fits_the_largest_frame() {
        let long = "ꦏ".repeat(MAX_LONG_FIELD);
        let short = "ꦏ".repeat(MAX_SHORT_FIELD);
        let mut r = sample();
        r.what = long.clone();
        r.how = long;
        r.who = short.clone();
        r.place = short.clone();
        r.when = short.clone();
        r.why = short.clone();
        r.identification = Some(Identification {
            name: short.clone(),
            contact: short,
        });
        assert!(r.validate().is_ok());
        assert!(crate::padding::padded_len(r.to_plaintext().len() + 4) <= MAX_REPORT_FRAME);
    }

    #[test]
    fn slugs_roundtrip() {
        for c in Category::ALL {
            assert_eq!(Category::from_slug(c.slug()), Some(c));
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.slug()));
        }
        assert_eq!(Category::from_slug("<script>"), None);
    }
}
