//! The case workflow of the seed (Kapanewon Jetis WBS): the stages a case goes through, the
//! moves allowed between them, and the deadlines shown to investigators as due or overdue.
//!
//! Pure logic: no I/O, and "today" is always a parameter so tests control the clock. Due and
//! overdue are computed from the dates on each request, never stored.

use std::fmt;
use std::str::FromStr;

use serde::Deserialize;
use time::{Date, Weekday};

/// Where a case stands. The first five stages are the seed's main line, in order; the last
/// two are side exits, open to any case that is not yet closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    /// Received, not yet acknowledged to the reporter.
    Diterima,
    /// Examination: is the report within scope, and what does it allege?
    Pemeriksaan,
    /// Verification of the evidence.
    Verifikasi,
    /// Corrective action is being taken.
    TindakanKorektif,
    /// Closed after notification and follow-up.
    Selesai,
    /// Closed as not actionable; the reporter is told why.
    TidakDapatDitindaklanjuti,
    /// Closed by forwarding to the competent body (Inspektorat, APIP, KPK, Ombudsman); the
    /// reporter is told to whom.
    Dialihkan,
}

impl Stage {
    /// Every stage: the main line in order, then the side exits.
    pub const ALL: [Stage; 7] = [
        Stage::Diterima,
        Stage::Pemeriksaan,
        Stage::Verifikasi,
        Stage::TindakanKorektif,
        Stage::Selesai,
        Stage::TidakDapatDitindaklanjuti,
        Stage::Dialihkan,
    ];

    /// The stable lowercase name used on the command line, in the database and in URLs.
    pub fn slug(self) -> &'static str {
        match self {
            Stage::Diterima => "diterima",
            Stage::Pemeriksaan => "pemeriksaan",
            Stage::Verifikasi => "verifikasi",
            Stage::TindakanKorektif => "tindakan-korektif",
            Stage::Selesai => "selesai",
            Stage::TidakDapatDitindaklanjuti => "tidak-dapat-ditindaklanjuti",
            Stage::Dialihkan => "dialihkan",
        }
    }

    /// Closed stages are final: nothing moves out of them. A matter that comes back is a new
    /// report.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            Stage::Selesai | Stage::TidakDapatDitindaklanjuti | Stage::Dialihkan
        )
    }

    /// The next stage on the main line, if any.
    pub fn next(self) -> Option<Stage> {
        match self {
            Stage::Diterima => Some(Stage::Pemeriksaan),
            Stage::Pemeriksaan => Some(Stage::Verifikasi),
            Stage::Verifikasi => Some(Stage::TindakanKorektif),
            Stage::TindakanKorektif => Some(Stage::Selesai),
            Stage::Selesai | Stage::TidakDapatDitindaklanjuti | Stage::Dialihkan => None,
        }
    }

    /// Whether a case in this stage may move to `to`. See [`Stage::check_move`].
    pub fn can_move_to(self, to: Stage) -> bool {
        self.check_move(to).is_ok()
    }

    /// Allowed moves: one step forward on the main line; from any open stage to
    /// `TidakDapatDitindaklanjuti` or `Dialihkan`; `Verifikasi` back to `Pemeriksaan` when
    /// more evidence is needed. Nothing leaves a closed stage, and a case never "moves" to the
    /// stage it is in.
    pub fn check_move(self, to: Stage) -> Result<(), MoveError> {
        if self.is_closed() {
            return Err(MoveError::Closed { from: self });
        }
        if self == to {
            return Err(MoveError::SameStage { stage: self });
        }
        let allowed = matches!(to, Stage::TidakDapatDitindaklanjuti | Stage::Dialihkan)
            || self.next() == Some(to)
            || (self, to) == (Stage::Verifikasi, Stage::Pemeriksaan);
        if allowed {
            Ok(())
        } else {
            Err(MoveError::NotAllowed { from: self, to })
        }
    }

    /// The stages a case in this stage may move to, in [`Stage::ALL`] order.
    pub fn moves(self) -> impl Iterator<Item = Stage> {
        Stage::ALL
            .into_iter()
            .filter(move |to| self.can_move_to(*to))
    }

    /// [`Stage::moves`] as a form offers them: the next stage on the main line first (the
    /// usual move, chosen unless the investigator picks another), then the rest in
    /// [`Stage::ALL`] order; so Verifikasi offers Tindakan Korektif before the step back.
    pub fn moves_offered(self) -> Vec<Stage> {
        let mut moves: Vec<Stage> = self.moves().collect();
        moves.sort_by_key(|to| Some(*to) != self.next());
        moves
    }

    /// Moving into this stage needs a message to the reporter: why the report cannot be acted
    /// on, or to whom it was forwarded.
    pub fn requires_reason(self) -> bool {
        matches!(self, Stage::TidakDapatDitindaklanjuti | Stage::Dialihkan)
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

impl FromStr for Stage {
    type Err = ParseStageError;

    /// Accepts the slug in any ASCII case, with `-`, `_` or a space between words
    /// (`tindakan-korektif`, `TINDAKAN_KOREKTIF`, `Tindakan Korektif`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let normalized: String = s
            .trim()
            .chars()
            .map(|c| match c {
                '_' | ' ' => '-',
                c => c.to_ascii_lowercase(),
            })
            .collect();
        Stage::ALL
            .into_iter()
            .find(|stage| stage.slug() == normalized)
            .ok_or_else(|| ParseStageError {
                input: s.to_owned(),
            })
    }
}

/// A stage name that is not one of [`Stage::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
// `{input:?}` so control characters in the input are escaped, not sent to the terminal.
#[error(
    "unknown stage {input:?}; valid stages are: diterima, pemeriksaan, verifikasi, \
     tindakan-korektif, selesai, tidak-dapat-ditindaklanjuti, dialihkan"
)]
pub struct ParseStageError {
    /// What was given, as given.
    pub input: String,
}

/// A move the workflow does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MoveError {
    /// The case is closed; closed is final.
    #[error(
        "a case in stage `{from}` is closed and cannot move; a matter that comes back is a new report"
    )]
    Closed { from: Stage },
    /// The case is already in that stage.
    #[error("the case is already in stage `{stage}`")]
    SameStage { stage: Stage },
    /// Neither the next step, a side exit, nor the way back from verification.
    #[error("cannot move from `{from}` to `{to}`: {}", move_hint(*.from))]
    NotAllowed { from: Stage, to: Stage },
}

fn move_hint(from: Stage) -> String {
    match (from, from.next()) {
        (Stage::Verifikasi, Some(next)) => format!(
            "the next stage is `{next}`, or back to `{}` for more evidence",
            Stage::Pemeriksaan
        ),
        (_, Some(next)) => format!("the next stage is `{next}`"),
        (_, None) => format!("`{from}` is closed"),
    }
}

/// Whether `date` is a working day of the office: Monday to Friday.
///
/// Public holidays (national holidays and cuti bersama) are not counted yet: a deadline that
/// falls on one is shown a day or more early, never late. This is the one place to add them.
pub fn is_working_day(date: Date) -> bool {
    !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// The `days`-th working day after `start`. Counting starts on the first working day after
/// `start`, so Friday + 1 is Monday and a report received on Saturday or Sunday also has
/// Monday as day 1: five working days from any day is never more than seven calendar days.
///
/// `days == 0` gives `start` if it is a working day, else the next working day, so the
/// result is always a working day. Saturates at [`Date::MAX`] instead of overflowing.
pub fn add_working_days(start: Date, days: u32) -> Date {
    let mut date = start;
    let mut left = days;
    while left > 0 || !is_working_day(date) {
        match date.next_day() {
            Some(next) => date = next,
            None => return date,
        }
        if is_working_day(date) {
            left = left.saturating_sub(1);
        }
    }
    date
}

/// The latest day of receipt whose deadline, `days` working days on, is `day` or earlier;
/// `None` if even [`Date::MIN`]'s is later.
///
/// [`add_working_days`] never decreases as its start moves later, so "the deadline is `day`
/// or earlier" is the same as "received on the returned day or earlier". This turns due and
/// overdue into a bound on the day of receipt that a database index can serve, and the bound
/// moves with `[deadlines]` and with today, where a stored due date would not.
pub fn latest_received_due_by(day: Date, days: u32) -> Option<Date> {
    let due_by = |received: Date| add_working_days(received, days) <= day;
    // A deadline is never before its start, nor more than 2 × days + 7 calendar days after
    // it: the answer lies in [day − (2 × days + 7), day].
    let span = time::Duration::days(2 * i64::from(days) + 7);
    let mut low = day.checked_sub(span).unwrap_or(Date::MIN);
    if !due_by(low) {
        return None;
    }
    let mut high = day;
    if due_by(high) {
        return Some(high);
    }
    // Invariant: due_by(low) and !due_by(high).
    while (high - low).whole_days() > 1 {
        let middle = low + time::Duration::days((high - low).whole_days() / 2);
        if due_by(middle) {
            low = middle;
        } else {
            high = middle;
        }
    }
    Some(low)
}

/// Deadlines, in working days from the date the report was received (the `[deadlines]`
/// section of the configuration file). The office may set its own from its Keputusan Panewu.
///
/// The defaults follow EU directive 2019/1937 art. 9(1)(b) and (f), and ISO 37002:
/// acknowledge within 7 days, give feedback within 3 months. Any 7 consecutive calendar
/// days hold exactly 5 working days, and 3 months are about 13 weeks, 65 working days.
/// The directive counts the 3 months from the acknowledgement; counting from receipt, as
/// here, is earlier whenever the acknowledgement is sent 2 or more days after receipt. With
/// an acknowledgement on the day of receipt, 65 working days (91 calendar days) can pass 3
/// calendar months by up to 2 days; an office that needs the strict bound sets 63.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Deadlines {
    /// Working days from receipt to tell the reporter the report arrived. 5 (one calendar
    /// week) unless set.
    pub acknowledge_days: u32,
    /// Working days from receipt to tell the reporter what is being done. 65 (about three
    /// months) unless set.
    pub feedback_days: u32,
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines {
            acknowledge_days: 5,
            feedback_days: 65,
        }
    }
}

/// Where a case stands against its deadline today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// The deadline is still ahead.
    OnTime { due: Date },
    /// The deadline is today.
    DueToday { due: Date },
    /// The deadline has passed. `working_days_late` is at least 1: on the weekend after a
    /// Friday deadline the case is already one working day late, as it will be on Monday.
    Overdue { due: Date, working_days_late: u32 },
    /// No deadline applies: the case is closed.
    Met,
}

impl Due {
    /// Short English text for `kentongan case list`.
    pub fn label(&self) -> String {
        match self {
            Due::OnTime { due } => format!("due {due}"),
            Due::DueToday { .. } => "due today".to_owned(),
            Due::Overdue {
                working_days_late: 1,
                ..
            } => "overdue by 1 working day".to_owned(),
            Due::Overdue {
                working_days_late, ..
            } => format!("overdue by {working_days_late} working days"),
            Due::Met => "—".to_owned(),
        }
    }
}

/// The deadline that applies to a case today.
///
/// In `Diterima` and not yet acknowledged, the acknowledgement deadline (received +
/// `acknowledge_days`); once acknowledged (`acknowledged` is the date the case left
/// `Diterima`) and until closed, the feedback deadline (received + `feedback_days`); closed
/// cases have met theirs.
pub fn due(
    stage: Stage,
    received: Date,
    acknowledged: Option<Date>,
    today: Date,
    d: &Deadlines,
) -> Due {
    if stage.is_closed() {
        return Due::Met;
    }
    let days = if stage == Stage::Diterima && acknowledged.is_none() {
        d.acknowledge_days
    } else {
        d.feedback_days
    };
    let due = add_working_days(received, days);
    if today < due {
        Due::OnTime { due }
    } else if today == due {
        Due::DueToday { due }
    } else {
        Due::Overdue {
            due,
            working_days_late: working_days_after(due, today),
        }
    }
}

/// The fewest working days `n` such that `add_working_days(from, n) >= until`.
fn working_days_after(from: Date, until: Date) -> u32 {
    let mut date = from;
    let mut count: u32 = 0;
    while date < until {
        match date.next_day() {
            Some(next) => date = next,
            None => break,
        }
        if is_working_day(date) {
            count = count.saturating_add(1);
        }
    }
    // `until` on a weekend: the working day it rolls to is the one that counts.
    if !is_working_day(until) {
        count = count.saturating_add(1);
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    use Stage::*;

    const ALL: [Stage; 7] = Stage::ALL;

    #[test]
    fn all_lists_every_stage_once_in_order() {
        assert_eq!(
            ALL.map(Stage::slug),
            [
                "diterima",
                "pemeriksaan",
                "verifikasi",
                "tindakan-korektif",
                "selesai",
                "tidak-dapat-ditindaklanjuti",
                "dialihkan",
            ]
        );
        let mut sorted = ALL;
        sorted.sort();
        assert_eq!(sorted, ALL);
    }

    #[test]
    fn closed_and_requires_reason() {
        for stage in ALL {
            let closed = matches!(stage, Selesai | TidakDapatDitindaklanjuti | Dialihkan);
            assert_eq!(stage.is_closed(), closed, "{stage}");
            let reason = matches!(stage, TidakDapatDitindaklanjuti | Dialihkan);
            assert_eq!(stage.requires_reason(), reason, "{stage}");
        }
    }

    /// Rows: from; columns: to, in `ALL` order
    /// (Dit, Pem, Ver, Tin, Sel, Tdd, Dia).
    const MOVES: [(Stage, [bool; 7]); 7] = [
        (Diterima, [false, true, false, false, false, true, true]),
        (Pemeriksaan, [false, false, true, false, false, true, true]),
        (Verifikasi, [false, true, false, true, false, true, true]),
        (
            TindakanKorektif,
            [false, false, false, false, true, true, true],
        ),
        (Selesai, [false; 7]),
        (TidakDapatDitindaklanjuti, [false; 7]),
        (Dialihkan, [false; 7]),
    ];

    #[test]
    fn the_next_stage_is_offered_first() {
        assert_eq!(
            Verifikasi.moves_offered(),
            [
                TindakanKorektif,
                Pemeriksaan,
                TidakDapatDitindaklanjuti,
                Dialihkan
            ]
        );
        assert_eq!(
            Diterima.moves_offered(),
            [Pemeriksaan, TidakDapatDitindaklanjuti, Dialihkan]
        );
        assert!(Selesai.moves_offered().is_empty());
    }

    #[test]
    fn move_matrix() {
        for (row, (from, allowed)) in MOVES.iter().enumerate() {
            assert_eq!(*from, ALL[row]);
            for (to, expected) in ALL.iter().zip(allowed) {
                assert_eq!(from.can_move_to(*to), *expected, "{from} -> {to}");
                assert_eq!(from.check_move(*to).is_ok(), *expected, "{from} -> {to}");
            }
            let moves: Vec<Stage> = from.moves().collect();
            let expected: Vec<Stage> = ALL
                .iter()
                .zip(allowed)
                .filter(|(_, ok)| **ok)
                .map(|(s, _)| *s)
                .collect();
            assert_eq!(moves, expected, "{from}");
        }
    }

    #[test]
    fn move_errors_say_why() {
        for from in ALL {
            for to in ALL {
                match from.check_move(to) {
                    Ok(()) => {}
                    Err(MoveError::Closed { from: f }) => {
                        assert!(from.is_closed());
                        assert_eq!(f, from);
                    }
                    Err(MoveError::SameStage { stage }) => {
                        assert!(!from.is_closed());
                        assert_eq!((stage, to), (from, from));
                    }
                    Err(MoveError::NotAllowed { from: f, to: t }) => {
                        assert!(!from.is_closed());
                        assert_eq!((f, t), (from, to));
                    }
                }
            }
        }
        assert_eq!(
            Selesai.check_move(Pemeriksaan).unwrap_err().to_string(),
            "a case in stage `selesai` is closed and cannot move; a matter that comes back is a new report"
        );
        assert_eq!(
            Diterima.check_move(Verifikasi).unwrap_err().to_string(),
            "cannot move from `diterima` to `verifikasi`: the next stage is `pemeriksaan`"
        );
        assert_eq!(
            Verifikasi.check_move(Diterima).unwrap_err().to_string(),
            "cannot move from `verifikasi` to `diterima`: the next stage is `tindakan-korektif`, \
             or back to `pemeriksaan` for more evidence"
        );
        assert_eq!(
            Pemeriksaan.check_move(Pemeriksaan).unwrap_err().to_string(),
            "the case is already in stage `pemeriksaan`"
        );
    }

    #[test]
    fn display_is_slug_and_round_trips() {
        for stage in ALL {
            assert_eq!(stage.to_string(), stage.slug());
            assert_eq!(stage.slug().parse::<Stage>(), Ok(stage));
        }
    }

    #[test]
    fn parse_accepts_case_and_separators() {
        for input in [
            "tindakan-korektif",
            "tindakan_korektif",
            "tindakan korektif",
            "Tindakan Korektif",
            "TINDAKAN_KOREKTIF",
            "  tindakan-korektif\n",
        ] {
            assert_eq!(input.parse::<Stage>(), Ok(TindakanKorektif), "{input:?}");
        }
        assert_eq!(
            "Tidak Dapat_Ditindaklanjuti".parse::<Stage>(),
            Ok(TidakDapatDitindaklanjuti)
        );
        assert_eq!("DITERIMA".parse::<Stage>(), Ok(Diterima));
        assert_eq!("Dialihkan".parse::<Stage>(), Ok(Dialihkan));
    }

    #[test]
    fn parse_rejects_others() {
        for input in [
            "",
            " ",
            "-",
            "\" ' & < >",
            "test \" ' & < >",
            "tindakankorektif",
            "TindakanKorektif",
            "tindakan--korektif",
            "tindakan.korektif",
            "diterima\0",
            "diterima; drop table cases",
            "dİterima",
            "\u{1b}[31mselesai",
            "closed",
            "received",
        ] {
            let err = input.parse::<Stage>().unwrap_err();
            assert_eq!(err.input, input);
            let message = err.to_string();
            assert!(message.contains("valid stages are: diterima,"), "{message}");
            assert!(
                !message.contains('\u{1b}') && !message.contains('\0'),
                "{message}"
            );
        }
        assert_eq!(
            "\" ' & < >".parse::<Stage>().unwrap_err().to_string(),
            "unknown stage \"\\\" ' & < >\"; valid stages are: diterima, pemeriksaan, \
             verifikasi, tindakan-korektif, selesai, tidak-dapat-ditindaklanjuti, dialihkan"
        );
    }

    #[test]
    fn parse_error_lists_every_slug() {
        let message = "x".parse::<Stage>().unwrap_err().to_string();
        for stage in ALL {
            assert!(message.contains(stage.slug()), "{message}");
        }
    }

    #[test]
    fn working_days() {
        // 2026-03-06 is a Friday.
        assert!(is_working_day(date!(2026 - 03 - 02)));
        assert!(is_working_day(date!(2026 - 03 - 06)));
        assert!(!is_working_day(date!(2026 - 03 - 07)));
        assert!(!is_working_day(date!(2026 - 03 - 08)));
    }

    #[test]
    fn add_working_days_across_weekends() {
        let friday = date!(2026 - 03 - 06);
        let saturday = date!(2026 - 03 - 07);
        let sunday = date!(2026 - 03 - 08);
        let monday = date!(2026 - 03 - 09);
        assert_eq!(add_working_days(friday, 0), friday);
        assert_eq!(add_working_days(friday, 1), monday);
        assert_eq!(add_working_days(friday, 5), date!(2026 - 03 - 13));
        assert_eq!(add_working_days(saturday, 0), monday);
        assert_eq!(add_working_days(saturday, 1), monday);
        assert_eq!(add_working_days(sunday, 1), monday);
        assert_eq!(add_working_days(saturday, 5), date!(2026 - 03 - 13));
        assert_eq!(add_working_days(monday, 4), date!(2026 - 03 - 13));
        assert_eq!(add_working_days(monday, 5), date!(2026 - 03 - 16));
        assert_eq!(add_working_days(monday, 10), date!(2026 - 03 - 23));
    }

    #[test]
    fn add_working_days_across_month_and_year_ends() {
        // Thu 2026-01-29 + 2 → Mon 2026-02-02.
        assert_eq!(
            add_working_days(date!(2026 - 01 - 29), 2),
            date!(2026 - 02 - 02)
        );
        // Leap year: Fri 2028-02-25 + 2 → Tue 2028-02-29.
        assert_eq!(
            add_working_days(date!(2028 - 02 - 25), 2),
            date!(2028 - 02 - 29)
        );
        // Wed 2025-12-31 + 3 → Mon 2026-01-05.
        assert_eq!(
            add_working_days(date!(2025 - 12 - 31), 3),
            date!(2026 - 01 - 05)
        );
        // Sat 2022-12-31 + 1 → Mon 2023-01-02.
        assert_eq!(
            add_working_days(date!(2022 - 12 - 31), 1),
            date!(2023 - 01 - 02)
        );
        // 65 working days are 13 weeks.
        assert_eq!(
            add_working_days(date!(2026 - 01 - 05), 65),
            date!(2026 - 04 - 06)
        );
    }

    #[test]
    fn add_working_days_saturates() {
        assert_eq!(add_working_days(Date::MAX, 1), Date::MAX);
        assert_eq!(add_working_days(Date::MIN, u32::MAX), Date::MAX);
    }

    #[test]
    fn five_working_days_are_at_most_seven_calendar_days() {
        let mut start = date!(2026 - 03 - 02);
        for _ in 0..14 {
            let end = add_working_days(start, 5);
            assert!((end - start).whole_days() <= 7, "{start}");
            start = start.next_day().unwrap();
        }
    }

    #[test]
    fn deadlines_default_and_config() {
        let d = Deadlines::default();
        assert_eq!((d.acknowledge_days, d.feedback_days), (5, 65));
        let parsed: Deadlines = toml::from_str("").unwrap();
        assert_eq!(parsed, d);
        let parsed: Deadlines = toml::from_str("acknowledge_days = 3").unwrap();
        assert_eq!((parsed.acknowledge_days, parsed.feedback_days), (3, 65));
        let parsed: Deadlines = toml::from_str("acknowledge_days = 7\nfeedback_days = 60").unwrap();
        assert_eq!((parsed.acknowledge_days, parsed.feedback_days), (7, 60));
        assert!(toml::from_str::<Deadlines>("acknowledge = 7").is_err());
        assert!(toml::from_str::<Deadlines>("feedback_days = -1").is_err());
        assert!(toml::from_str::<Deadlines>("feedback_days = \"65\"").is_err());
    }

    const D: Deadlines = Deadlines {
        acknowledge_days: 5,
        feedback_days: 65,
    };

    #[test]
    fn acknowledge_deadline_in_diterima() {
        let received = date!(2026 - 03 - 02); // Monday
        let due_date = date!(2026 - 03 - 09);
        let at = |today| due(Diterima, received, None, today, &D);
        assert_eq!(at(received), Due::OnTime { due: due_date });
        assert_eq!(at(date!(2026 - 03 - 08)), Due::OnTime { due: due_date });
        assert_eq!(at(due_date), Due::DueToday { due: due_date });
        assert_eq!(
            at(date!(2026 - 03 - 10)),
            Due::Overdue {
                due: due_date,
                working_days_late: 1
            }
        );
        assert_eq!(
            at(date!(2026 - 03 - 12)),
            Due::Overdue {
                due: due_date,
                working_days_late: 3
            }
        );
        // Over the next weekend: Friday is 4 late, Saturday and Sunday roll to Monday, 5.
        for (today, late) in [
            (date!(2026 - 03 - 13), 4),
            (date!(2026 - 03 - 14), 5),
            (date!(2026 - 03 - 15), 5),
            (date!(2026 - 03 - 16), 5),
            (date!(2026 - 03 - 17), 6),
        ] {
            assert_eq!(
                at(today),
                Due::Overdue {
                    due: due_date,
                    working_days_late: late
                },
                "{today}"
            );
        }
    }

    #[test]
    fn overdue_on_the_weekend_after_a_friday_deadline() {
        let received = date!(2026 - 03 - 06); // Friday; due the next Friday
        let due_date = date!(2026 - 03 - 13);
        assert_eq!(
            due(Diterima, received, None, date!(2026 - 03 - 14), &D),
            Due::Overdue {
                due: due_date,
                working_days_late: 1
            }
        );
    }

    #[test]
    fn feedback_deadline_after_diterima() {
        let received = date!(2026 - 01 - 05); // Monday
        let feedback = date!(2026 - 04 - 06);
        let acknowledged = Some(date!(2026 - 01 - 07));
        for stage in [Pemeriksaan, Verifikasi, TindakanKorektif] {
            // Long past the acknowledgement deadline, which no longer applies.
            assert_eq!(
                due(stage, received, acknowledged, date!(2026 - 03 - 01), &D),
                Due::OnTime { due: feedback },
                "{stage}"
            );
            // Missing acknowledgement date: still the feedback deadline.
            assert_eq!(
                due(stage, received, None, date!(2026 - 03 - 01), &D),
                Due::OnTime { due: feedback },
                "{stage}"
            );
            assert_eq!(
                due(stage, received, acknowledged, feedback, &D),
                Due::DueToday { due: feedback }
            );
            assert_eq!(
                due(stage, received, acknowledged, date!(2026 - 04 - 07), &D),
                Due::Overdue {
                    due: feedback,
                    working_days_late: 1
                }
            );
        }
        // Diterima with an acknowledgement date: acknowledgement met, feedback applies.
        assert_eq!(
            due(Diterima, received, acknowledged, date!(2026 - 03 - 01), &D),
            Due::OnTime { due: feedback }
        );
    }

    #[test]
    fn closed_cases_are_met() {
        let received = date!(2020 - 01 - 01);
        for stage in [Selesai, TidakDapatDitindaklanjuti, Dialihkan] {
            for acknowledged in [None, Some(received)] {
                assert_eq!(
                    due(stage, received, acknowledged, date!(2030 - 01 - 01), &D),
                    Due::Met
                );
            }
        }
    }

    #[test]
    fn zero_day_deadline_is_the_day_of_receipt_or_the_next_working_day() {
        let d = Deadlines {
            acknowledge_days: 0,
            feedback_days: 0,
        };
        let monday = date!(2026 - 03 - 09);
        assert_eq!(
            due(Diterima, monday, None, monday, &d),
            Due::DueToday { due: monday }
        );
        assert_eq!(
            due(
                Diterima,
                date!(2026 - 03 - 07),
                None,
                date!(2026 - 03 - 07),
                &d
            ),
            Due::OnTime { due: monday }
        );
    }

    #[test]
    fn labels() {
        assert_eq!(
            Due::OnTime {
                due: date!(2026 - 12 - 05)
            }
            .label(),
            "due 2026-12-05"
        );
        assert_eq!(
            Due::DueToday {
                due: date!(2026 - 12 - 05)
            }
            .label(),
            "due today"
        );
        assert_eq!(
            Due::Overdue {
                due: date!(2026 - 12 - 05),
                working_days_late: 1
            }
            .label(),
            "overdue by 1 working day"
        );
        assert_eq!(
            Due::Overdue {
                due: date!(2026 - 12 - 05),
                working_days_late: 3
            }
            .label(),
            "overdue by 3 working days"
        );
        assert_eq!(Due::Met.label(), "—");
    }

    fn any_date() -> impl Strategy<Value = Date> {
        // 1900-01-01 ..= 2199-12-31, as Julian day numbers.
        (2_415_021..=2_524_593i32).prop_map(|jd| Date::from_julian_day(jd).unwrap())
    }

    #[test]
    fn latest_received_due_by_examples() {
        // Received Mon 2026-03-02: acknowledgement due Mon 2026-03-09.
        let monday = date!(2026 - 03 - 09);
        // Due by Monday: received by Mon 2026-03-02 (Tue the 3rd is due Tue the 10th).
        assert_eq!(
            latest_received_due_by(monday, 5),
            Some(date!(2026 - 03 - 02))
        );
        // Due by Sunday: a report of the weekend before is due Friday, Monday's the next
        // Monday.
        assert_eq!(
            latest_received_due_by(date!(2026 - 03 - 08), 5),
            Some(date!(2026 - 03 - 01))
        );
        // Zero days: anything received up to the day itself, if it is a working day.
        assert_eq!(latest_received_due_by(monday, 0), Some(monday));
        // Saturday with zero days: a Saturday report is due Monday, so Friday.
        assert_eq!(
            latest_received_due_by(date!(2026 - 03 - 07), 0),
            Some(date!(2026 - 03 - 06))
        );
        assert_eq!(latest_received_due_by(Date::MIN, 5), None);
    }

    proptest! {
        #[test]
        fn add_working_days_lands_on_a_working_day(start in any_date(), days in 0u32..2_000) {
            let end = add_working_days(start, days);
            prop_assert!(is_working_day(end));
            prop_assert!(end >= start);
            // Exactly `days` working days after the start, not counting the start itself,
            // unless the count is 0.
            let counted = (1..=(end - start).whole_days())
                .filter(|n| is_working_day(start + time::Duration::days(*n)))
                .count();
            prop_assert_eq!(counted as u32, days.max(u32::from(!is_working_day(start))));
        }

        #[test]
        fn add_working_days_is_monotonic(
            start in any_date(),
            later_by in 0i64..30,
            days in 0u32..500,
            more in 1u32..50,
        ) {
            let later = start + time::Duration::days(later_by);
            prop_assert!(add_working_days(start, days) <= add_working_days(later, days));
            if days > 0 {
                prop_assert!(add_working_days(start, days) < add_working_days(start, days + more));
            } else {
                prop_assert!(add_working_days(start, 0) <= add_working_days(start, more));
            }
        }

        #[test]
        fn latest_received_due_by_is_the_exact_bound(
            day in any_date(),
            days in 0u32..300,
            back in -10i64..700,
        ) {
            let bound = latest_received_due_by(day, days).unwrap();
            let received = day - time::Duration::days(back);
            prop_assert_eq!(
                add_working_days(received, days) <= day,
                received <= bound,
                "received {} bound {}", received, bound
            );
            prop_assert!(add_working_days(bound, days) <= day);
            prop_assert!(add_working_days(bound.next_day().unwrap(), days) > day);
        }

        #[test]
        fn overdue_count_matches_add_working_days(start in any_date(), after in 1i64..200) {
            let deadline = add_working_days(start, 5);
            let today = deadline + time::Duration::days(after);
            let late = working_days_after(deadline, today);
            prop_assert!(late >= 1);
            prop_assert!(add_working_days(deadline, late) >= today);
            prop_assert!(add_working_days(deadline, late - 1) < today);
        }
    }
}
