//! The report form as posted on the no-JavaScript path: plaintext a reporter typed, held only
//! long enough to encrypt it or to show the form again with its errors.

use std::fmt;

use kentongan_crypto::Report;
use kentongan_crypto::report::{Category, EncryptedIn, Field, FieldError, Identification};
use serde::Deserialize;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::strings::Lang;

/// The fields of the report form, named as the form names them. Zeroized on drop; `Debug`
/// shows nothing.
#[derive(Default, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct ReportDraft {
    /// A category slug, as in `<select name="category">`.
    #[serde(default)]
    pub category: String,
    /// What happened.
    #[serde(default)]
    pub what: String,
    /// Who was involved.
    #[serde(default)]
    pub who: String,
    /// Where (`name="where"`).
    #[serde(default, rename = "where")]
    pub place: String,
    /// When.
    #[serde(default)]
    pub when: String,
    /// How.
    #[serde(default)]
    pub how: String,
    /// Why.
    #[serde(default)]
    pub why: String,
    /// The "give my name" checkbox: present (`on`) when ticked.
    #[serde(default)]
    pub identify: Option<String>,
    /// Name, used only when `identify` is ticked.
    #[serde(default)]
    pub name: String,
    /// Contact, used only when `identify` is ticked.
    #[serde(default)]
    pub contact: String,
}

impl fmt::Debug for ReportDraft {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReportDraft([REDACTED])")
    }
}

impl ReportDraft {
    /// The report to encrypt, or every problem with the form (in form order).
    ///
    /// Name and contact are kept only when the checkbox is ticked and one of them is filled
    /// in. Typed without the tick ([`ReportDraft::identity_unticked`]) the form is refused,
    /// with that one problem the list may leave empty: the form page says it.
    /// Browsers send line breaks as CRLF; they become LF, as the JavaScript path sends them,
    /// so both paths produce the same report and count the same length.
    /// A name or contact typed while the "give my name" box is not ticked: unclear, so
    /// [`ReportDraft::to_report`] sends nothing and the form asks (it would otherwise have
    /// to drop them silently).
    pub fn identity_unticked(&self) -> bool {
        self.identify.is_none() && !(self.name.trim().is_empty() && self.contact.trim().is_empty())
    }

    pub fn to_report(
        &self,
        lang: Lang,
        encrypted_in: EncryptedIn,
    ) -> Result<Report, Vec<FieldError>> {
        let mut errors = Vec::new();
        let category = Category::from_slug(self.category.trim());
        if category.is_none() {
            errors.push(FieldError::Missing {
                field: Field::Category,
            });
        }
        let identification = (self.identify.is_some()
            && !(self.name.trim().is_empty() && self.contact.trim().is_empty()))
        .then(|| Identification {
            name: text(&self.name),
            contact: text(&self.contact),
        });
        let report = Report {
            // Stands in only when the category is missing, and then the report is never returned.
            category: category.unwrap_or(Category::Lainnya),
            what: text(&self.what),
            who: text(&self.who),
            place: text(&self.place),
            when: text(&self.when),
            how: text(&self.how),
            why: text(&self.why),
            identification,
            language: lang.code().to_owned(),
            encrypted_in,
        };
        if let Err(mut more) = report.validate() {
            errors.append(&mut more);
        }
        if errors.is_empty() && !self.identity_unticked() {
            Ok(report)
        } else {
            Err(errors)
        }
    }
}

/// A form value as the report stores it: CRLF and lone CR become LF.
fn text(value: &str) -> String {
    if value.contains('\r') {
        value.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        value.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kentongan_crypto::report::MAX_SHORT_FIELD;

    fn filled() -> ReportDraft {
        ReportDraft {
            category: "gratifikasi-suap".into(),
            what: "Pungutan di loket\r\nsetiap Senin".into(),
            who: "Petugas loket".into(),
            place: "Kantor".into(),
            when: "Maret".into(),
            how: "Diminta uang".into(),
            why: "Tidak ada dasar".into(),
            identify: None,
            name: String::new(),
            contact: String::new(),
        }
    }

    #[test]
    fn fields_map_onto_the_report() {
        let report = filled().to_report(Lang::En, EncryptedIn::Server).unwrap();
        assert_eq!(report.category, Category::GratifikasiSuap);
        assert_eq!(report.what, "Pungutan di loket\nsetiap Senin");
        assert_eq!(report.who, "Petugas loket");
        assert_eq!(report.place, "Kantor");
        assert_eq!(report.when, "Maret");
        assert_eq!(report.how, "Diminta uang");
        assert_eq!(report.why, "Tidak ada dasar");
        assert_eq!(report.language, "en");
        assert_eq!(report.encrypted_in, EncryptedIn::Server);
        assert!(report.identification.is_none());
    }

    #[test]
    fn a_name_without_the_tick_is_asked_about_not_dropped() {
        let mut draft = filled();
        draft.name = "Sri".into();
        draft.contact = "0812".into();
        assert!(draft.identity_unticked());
        assert_eq!(
            draft.to_report(Lang::Id, EncryptedIn::Server).unwrap_err(),
            vec![]
        );
        draft.name = " ".into();
        assert!(draft.identity_unticked(), "the contact alone is enough");
        draft.contact = String::new();
        assert!(!draft.identity_unticked());
        assert!(
            draft
                .to_report(Lang::Id, EncryptedIn::Server)
                .unwrap()
                .identification
                .is_none()
        );
    }

    #[test]
    fn identification_needs_the_box_and_a_value() {
        let mut draft = filled();
        draft.identify = Some("on".into());
        draft.name = "Sri".into();
        draft.contact = "0812".into();
        let id = draft
            .to_report(Lang::Id, EncryptedIn::Browser)
            .unwrap()
            .identification
            .clone();
        assert_eq!(
            id,
            Some(Identification {
                name: "Sri".into(),
                contact: "0812".into()
            })
        );

        draft.name = "  ".into();
        let id = draft
            .to_report(Lang::Id, EncryptedIn::Browser)
            .unwrap()
            .identification
            .clone();
        assert_eq!(
            id,
            Some(Identification {
                name: "  ".into(),
                contact: "0812".into()
            })
        );

        draft.contact = String::new();
        let report = draft.to_report(Lang::Id, EncryptedIn::Browser).unwrap();
        assert!(report.identification.is_none());
    }

    #[test]
    fn every_problem_is_reported_in_form_order() {
        let mut draft = filled();
        draft.category = "<script>".into();
        draft.what = " \r\n ".into();
        draft.why = "x".repeat(MAX_SHORT_FIELD + 1);
        draft.identify = Some("on".into());
        draft.contact = "y".repeat(MAX_SHORT_FIELD + 1);
        let errors = draft.to_report(Lang::Id, EncryptedIn::Server).unwrap_err();
        assert_eq!(
            errors,
            vec![
                FieldError::Missing {
                    field: Field::Category
                },
                FieldError::Missing { field: Field::What },
                FieldError::TooLong {
                    field: Field::Why,
                    max: MAX_SHORT_FIELD
                },
                FieldError::TooLong {
                    field: Field::Contact,
                    max: MAX_SHORT_FIELD
                },
            ]
        );
        let empty = ReportDraft::default()
            .to_report(Lang::Id, EncryptedIn::Server)
            .unwrap_err();
        assert_eq!(
            empty,
            vec![
                FieldError::Missing {
                    field: Field::Category
                },
                FieldError::Missing { field: Field::What },
            ]
        );
    }

    #[test]
    fn crlf_counts_once() {
        let mut draft = filled();
        // 600 line breaks: 1,200 characters as sent, 600 as stored.
        draft.who = "\r\n".repeat(600);
        assert!(draft.to_report(Lang::Id, EncryptedIn::Server).is_ok());
    }

    #[test]
    fn debug_shows_nothing() {
        assert_eq!(format!("{:?}", filled()), "ReportDraft([REDACTED])");
    }

    #[test]
    fn deserializes_form_names() {
        use serde::de::IntoDeserializer;
        use serde::de::value::{Error, MapDeserializer};
        let pairs = [("category", "kkn"), ("where", "Balai"), ("what", "x")];
        let draft = ReportDraft::deserialize(MapDeserializer::<_, Error>::new(
            pairs.into_iter().map(|(k, v)| (k, v.into_deserializer())),
        ))
        .unwrap();
        assert_eq!(draft.place, "Balai");
        assert_eq!(draft.category, "kkn");
        assert!(draft.identify.is_none());
    }
}
