//! The office's categories for classifying cases (`[cases] categories` in the configuration).
//!
//! A classification is the one plaintext label about a case's content: set by an investigator,
//! never by a reporter, and used for statistics. What is stored is the slug, so a label can be
//! reworded without touching the cases; a slug removed from the configuration stays on the
//! cases that have it and is shown as it is.

use serde::Deserialize;

/// The longest slug, in characters.
pub const MAX_SLUG: usize = 40;
/// The longest label, in characters.
pub const MAX_LABEL: usize = 100;

/// One category: a stable slug (stored, typed on the command line) and the label people read.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub slug: String,
    pub label: String,
}

/// The `[cases]` section of the configuration file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CasesConfig {
    /// The office's categories, in the order they are offered. The default list unless set.
    pub categories: Option<Vec<Category>>,
}

/// The categories in force, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Categories(Vec<Category>);

impl Default for Categories {
    /// The categories a reporter may choose on the form, with the same slugs and the same
    /// (Indonesian) names, so that what reporters chose and how the office classified can be
    /// compared, and a team reads the words the reporter read.
    fn default() -> Self {
        use kentongan_templates::strings::{Lang, category_label};
        Categories(
            kentongan_crypto::report::Category::ALL
                .into_iter()
                .map(|c| Category {
                    slug: c.slug().to_owned(),
                    label: category_label(Lang::Id, c).to_owned(),
                })
                .collect(),
        )
    }
}

/// Why a list of categories was refused. Each message is one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CategoriesError {
    #[error("[cases] categories must name at least one category")]
    Empty,
    #[error(
        "[cases] category slug {0:?} must be 1 to {MAX_SLUG} characters of a-z, 0-9 and -, \
         neither starting nor ending with -, and not \"none\""
    )]
    BadSlug(String),
    #[error("[cases] category slug {0:?} is listed twice")]
    Duplicate(String),
    #[error(
        "[cases] category {0:?} needs a label of 1 to {MAX_LABEL} characters without control \
         characters"
    )]
    BadLabel(String),
}

impl Categories {
    /// Checks a configured list.
    pub fn new(categories: Vec<Category>) -> Result<Self, CategoriesError> {
        if categories.is_empty() {
            return Err(CategoriesError::Empty);
        }
        for (n, category) in categories.iter().enumerate() {
            if !is_slug(&category.slug) {
                return Err(CategoriesError::BadSlug(shown(&category.slug)));
            }
            let label = category.label.trim();
            if label.is_empty()
                || label.chars().count() > MAX_LABEL
                || label.chars().any(char::is_control)
            {
                return Err(CategoriesError::BadLabel(category.slug.clone()));
            }
            if categories
                .iter()
                .take(n)
                .any(|other| other.slug == category.slug)
            {
                return Err(CategoriesError::Duplicate(category.slug.clone()));
            }
        }
        Ok(Categories(categories))
    }

    /// From the `[cases]` section: the default list unless it names one.
    pub fn from_config(cases: Option<CasesConfig>) -> Result<Self, CategoriesError> {
        match cases.and_then(|cases| cases.categories) {
            Some(list) => Categories::new(list),
            None => Ok(Categories::default()),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &Category> {
        self.0.iter()
    }

    /// The category with this slug.
    pub fn get(&self, slug: &str) -> Option<&Category> {
        self.0.iter().find(|category| category.slug == slug)
    }

    /// The label to show for a stored slug: its label, or the slug itself once it is no longer
    /// configured.
    pub fn label<'a>(&'a self, slug: &'a str) -> &'a str {
        self.get(slug)
            .map_or(slug, |category| category.label.as_str())
    }

    /// Every slug, comma-separated, for error messages.
    pub fn slugs(&self) -> String {
        self.0
            .iter()
            .map(|category| category.slug.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn is_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= MAX_SLUG
        && slug != "none"
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Whatever the file said, cut short (shown escaped by the `{:?}` of the message).
fn shown(text: &str) -> String {
    text.chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn category(slug: &str, label: &str) -> Category {
        Category {
            slug: slug.into(),
            label: label.into(),
        }
    }

    #[test]
    fn default_list_is_valid_and_matches_the_report_form() {
        let default = Categories::default();
        assert_eq!(Categories::new(default.0.clone()).unwrap(), default);
        let slugs: Vec<&str> = default.iter().map(|c| c.slug.as_str()).collect();
        let form: Vec<&str> = kentongan_crypto::report::Category::ALL
            .iter()
            .map(|c| c.slug())
            .collect();
        assert_eq!(slugs, form);
        assert_eq!(default.label("kkn"), "KKN (korupsi, kolusi, nepotisme)");
        assert_eq!(default.label("dihapus"), "dihapus");
    }

    #[test]
    fn bad_lists_are_refused() {
        assert_eq!(Categories::new(vec![]), Err(CategoriesError::Empty));
        for slug in [
            "",
            "none",
            "Korupsi",
            "-a",
            "a-",
            "a b",
            "a_b",
            "test \" ' & < >",
            "ǩ",
            &"a".repeat(41),
        ] {
            let refused = Categories::new(vec![category(slug, "Label")]);
            assert!(
                matches!(refused, Err(CategoriesError::BadSlug(_))),
                "{slug:?}"
            );
        }
        for label in ["", "  ", "a\nb", &"x".repeat(101)] {
            let refused = Categories::new(vec![category("a", label)]);
            assert!(
                matches!(refused, Err(CategoriesError::BadLabel(_))),
                "{label:?}"
            );
        }
        assert_eq!(
            Categories::new(vec![category("a", "A"), category("a", "B")]),
            Err(CategoriesError::Duplicate("a".into()))
        );
        let message = CategoriesError::BadSlug("x\n\u{1b}".into()).to_string();
        assert!(!message.contains('\n') && !message.contains('\u{1b}'));
    }

    #[test]
    fn config_section() {
        let cases: CasesConfig = toml::from_str(
            "categories = [{ slug = \"dana-desa\", label = \"Dana desa\" }, \
             { slug = \"lainnya\", label = \"Lainnya\" }]",
        )
        .unwrap();
        let categories = Categories::from_config(Some(cases)).unwrap();
        assert_eq!(categories.slugs(), "dana-desa, lainnya");
        assert_eq!(
            Categories::from_config(Some(CasesConfig::default())).unwrap(),
            Categories::default()
        );
        assert!(toml::from_str::<CasesConfig>("categoris = []").is_err());
        assert!(toml::from_str::<CasesConfig>("categories = [{ slug = \"a\" }]").is_err());
    }
}
