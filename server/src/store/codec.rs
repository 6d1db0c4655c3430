//! How values are stored, the same for both backends: days as `YYYY-MM-DD` (nothing finer is
//! ever stored), recipients as `age1…`, and envelope holders as an optional investigator.

use kentongan_crypto::{Ciphertext, Recipient};
use time::Date;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

use super::{Result, StoreError};

const DAY: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");

pub(super) fn format_day(day: Date) -> Result<String> {
    day.format(DAY)
        .map_err(|error| StoreError::Corrupt(format!("date {day}: {error}")))
}

pub(super) fn parse_day(text: &str) -> Result<Date> {
    Date::parse(text, DAY).map_err(|error| StoreError::Corrupt(format!("date: {error}")))
}

pub(super) fn parse_optional_day(text: Option<&str>) -> Result<Option<Date>> {
    text.map(parse_day).transpose()
}

pub(super) fn parse_recipient(text: &str) -> Result<Recipient> {
    text.parse()
        .map_err(|_| StoreError::Corrupt("recipient is not an age X25519 public key".into()))
}

/// An envelope as read back: its holder (investigator id and key, or `None` for the reporter).
pub(super) type StoredEnvelope = (Option<(i64, Recipient)>, Ciphertext);

/// The holder of an envelope row joined with its investigator's key.
pub(super) fn envelope_holder(
    investigator: Option<i64>,
    recipient: Option<&str>,
) -> Result<Option<(i64, Recipient)>> {
    match (investigator, recipient) {
        (None, _) => Ok(None),
        (Some(id), Some(recipient)) => Ok(Some((id, parse_recipient(recipient)?))),
        (Some(_), None) => Err(StoreError::Corrupt(
            "envelope for an unknown investigator".into(),
        )),
    }
}
