//! Who runs this WBS, and who can read reports right now.

use serde::{Deserialize, Serialize};

/// The office that runs this WBS, as its operator configures it (the `[office]` table of the
/// server's configuration file). Shown on every page, in the office's own words: it is not
/// translated, so write it in Bahasa Indonesia.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Office {
    /// The office's name, as in the page header: `Kapanewon Jetis`.
    pub name: String,
    /// The government above it: `Kabupaten Bantul, D.I. Yogyakarta`.
    pub parent: String,
    /// Where the office is, as people write it.
    pub address: String,
    /// The rules this WBS runs under, one full title each, listed on the home page.
    #[serde(default)]
    pub regulations: Vec<String>,
    /// Other ways to report (counter, letter box, contact page, …), one plain sentence each.
    /// Shown in every page footer, and instead of the form when no investigator is registered.
    #[serde(default)]
    pub channels: Vec<String>,
    /// The office's e-mail address for complaints, shown as a `mailto:` link. Optional.
    #[serde(default)]
    pub email: Option<String>,
    /// The office's official website (`https://…`), shown as a link. Optional; a value that
    /// does not start with `https://` or `http://` is shown as text only.
    #[serde(default)]
    pub website: Option<String>,
}

impl Office {
    /// Kapanewon Jetis, from the office's published WBS description (`seed/` of the project):
    /// its regulations and its channels. The e-mail address is the one that description
    /// gives; the website address is not in it, so it is left for the operator to set.
    pub fn jetis_example() -> Office {
        Office {
            name: "Kapanewon Jetis".into(),
            parent: "Kabupaten Bantul, D.I. Yogyakarta".into(),
            address: "Jetis, Kabupaten Bantul, Daerah Istimewa Yogyakarta".into(),
            regulations: vec![
                "Peraturan Bupati Bantul Nomor 123 Tahun 2020 tentang Pedoman Umum Sistem \
                 Penanganan Pengaduan (Whistleblowing System) di Lingkungan Pemerintah \
                 Kabupaten Bantul."
                    .into(),
                "Keputusan Panewu Jetis Nomor 29 Tahun 2023 tentang Layanan Whistleblowing \
                 System Kapanewon Jetis."
                    .into(),
            ],
            channels: vec!["Halaman “Kontak Kami” di situs web resmi Kapanewon Jetis.".into()],
            email: Some("kec.jetis@bantulkab.go.id".into()),
            website: None,
        }
    }

    /// The website, if it is one a link may point to.
    pub(crate) fn website_link(&self) -> Option<&str> {
        self.website
            .as_deref()
            .filter(|w| w.starts_with("https://") || w.starts_with("http://"))
    }
}

/// The investigators who can read a report sent now.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Team {
    /// How many investigators are registered. With none, no report can be accepted.
    pub members: usize,
    /// Fingerprint of the current team keys (`ABCD-EF01-2345-6789`); `None` with no
    /// investigator.
    pub fingerprint: Option<String>,
}

impl Team {
    /// Whether a report sent now would reach someone.
    pub(crate) fn can_receive(&self) -> bool {
        self.members > 0
    }
}
