//! How values are stored, the same for both backends: days as `YYYY-MM-DD` (nothing finer is
//! ever stored), recipients as `age1…`, item kinds by their slug, reporter credentials as
//! their parts, and envelope holders as an optional investigator.

use kentongan_crypto::bundle::ItemKind;
use kentongan_crypto::reporter::{AuthHash, KdfParams, ReporterCredential};
use kentongan_crypto::{Ciphertext, Commitment, Recipient};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};

use super::{Result, StoreError, StoredAttachment, StoredItem, StoredTotp};
use crate::totp::TotpSecret;

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

/// An item's kind from its stored slug. One this version does not know is corrupt data, not
/// something to skip: an export that silently dropped an item would be worse.
pub(super) fn parse_kind(text: &str) -> Result<ItemKind> {
    ItemKind::from_slug(text).ok_or_else(|| {
        // The slug is server metadata, never reporter content; shown escaped and cut short.
        let shown: String = text.chars().take(40).collect();
        StoreError::Corrupt(format!("item of unknown kind {shown:?}"))
    })
}

/// A stored commitment (JSON), if any.
pub(super) fn commitment(text: Option<String>) -> Result<Option<Commitment>> {
    text.map(|text| {
        serde_json::from_str(&text)
            .map_err(|_| StoreError::Corrupt("the reporter's commitment is not readable".into()))
    })
    .transpose()
}

/// A commitment as stored.
pub(super) fn commitment_text(commitment: &Commitment) -> String {
    serde_json::to_string(commitment).unwrap_or_default()
}

/// A reporter credential from its stored parts.
pub(super) fn credential(
    kdf: &str,
    auth_hash: Vec<u8>,
    recipient: &str,
) -> Result<ReporterCredential> {
    let kdf: KdfParams = kdf
        .parse()
        .map_err(|_| StoreError::Corrupt("unknown key derivation parameters".into()))?;
    let auth_hash: [u8; 32] = auth_hash
        .try_into()
        .map_err(|_| StoreError::Corrupt("auth hash is not 32 bytes".into()))?;
    Ok(ReporterCredential {
        kdf,
        auth_hash: AuthHash::from_bytes(auth_hash),
        recipient: parse_recipient(recipient)?,
    })
}

// The audit log: times as `YYYY-MM-DDTHH:MM:SSZ` (UTC, whole seconds), hashes as 32 bytes.

const INSTANT: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

pub(super) fn format_instant(at: OffsetDateTime) -> Result<String> {
    at.to_offset(UtcOffset::UTC)
        .format(INSTANT)
        .map_err(|error| StoreError::Corrupt(format!("time {at}: {error}")))
}

pub(super) fn parse_instant(text: &str) -> Result<OffsetDateTime> {
    PrimitiveDateTime::parse(text, INSTANT)
        .map(PrimitiveDateTime::assume_utc)
        .map_err(|error| StoreError::Corrupt(format!("audit time: {error}")))
}

pub(super) fn hash32(bytes: Vec<u8>) -> Result<[u8; 32]> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("audit hash is not 32 bytes".into()))
}

// Attachments: lengths are BIGINT, pieces are numbered from 0.

/// A stored length, never negative.
pub(super) fn length(stored: i64) -> Result<u64> {
    u64::try_from(stored).map_err(|_| StoreError::Corrupt("negative attachment length".into()))
}

/// A length to store: beyond `i64::MAX` nothing fits anyway.
pub(super) fn to_stored(length: u64) -> Result<i64> {
    i64::try_from(length).map_err(|_| StoreError::UploadTooLarge)
}

/// Whether a list of token hashes names one upload twice (a request that does is refused
/// whole: attaching the same file twice is a mistake, not two files).
pub(super) fn repeats(tokens: &[[u8; 32]]) -> bool {
    let mut seen = std::collections::HashSet::with_capacity(tokens.len());
    !tokens.iter().all(|token| seen.insert(token))
}

/// Puts each `(item id, attachment)` row, in attachment id order, with its item.
pub(super) fn attach_to_items(
    items: &mut [StoredItem],
    rows: impl IntoIterator<Item = (i64, StoredAttachment)>,
) -> Result<()> {
    for (item_id, attachment) in rows {
        items
            .iter_mut()
            .find(|item| item.id == item_id)
            .ok_or_else(|| StoreError::Corrupt("attachment of an item of another case".into()))?
            .attachments
            .push(attachment);
    }
    Ok(())
}

/// An investigator's `totp_secret` and `totp_last_step` as read; `NotFound` without a row.
pub(super) fn stored_totp(
    row: Option<(Option<Vec<u8>>, Option<i64>)>,
) -> Result<Option<StoredTotp>> {
    let (secret, last_step) = row.ok_or(StoreError::NotFound)?;
    let Some(secret) = secret else {
        return Ok(None);
    };
    let secret = zeroize::Zeroizing::new(secret);
    let secret = TotpSecret::from_bytes(&secret)
        .ok_or_else(|| StoreError::Corrupt("a second-factor secret of the wrong size".into()))?;
    Ok(Some(StoredTotp { secret, last_step }))
}
