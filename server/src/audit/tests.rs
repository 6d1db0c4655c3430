#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use time::macros::datetime;

use super::*;

const AT: OffsetDateTime = datetime!(2026-11-30 00:53:20.75 UTC);

fn chain(n: usize) -> Vec<AuditEntry> {
    let mut entries: Vec<AuditEntry> = Vec::new();
    for i in 0..n {
        let head = entries.last().map(|e| (e.seq, e.hash));
        let event = AuditEvent::new(operator("budi"), Action::CaseMove)
            .case(i as i64 + 1)
            .detail("to", "pemeriksaan");
        entries.push(AuditEntry::next(head, &event, AT));
    }
    entries
}

/// Computed independently (Python's hashlib over the documented encoding), so a change of
/// the encoding cannot pass unnoticed.
#[test]
fn known_answer() {
    let event = AuditEvent::new(operator("Sri Rahayu — ꦱꦿꦶ"), Action::CaseMove)
        .case(7)
        .detail("from", "diterima")
        .detail("to", "pemeriksaan");
    let entry = AuditEntry::next(None, &event, AT);
    assert_eq!(entry.seq, 1);
    assert_eq!(entry.at, datetime!(2026-11-30 00:53:20 UTC));
    assert_eq!(entry.prev_hash, GENESIS);
    assert_eq!(entry.detail, r#"{"from":"diterima","to":"pemeriksaan"}"#);
    assert_eq!(
        hex::encode(entry.hash),
        "c9310f39c9720a14cea5c2b50df8e15228e77b8cd209151c06fd1df9010211a1"
    );
    let no_case = AuditEntry {
        case: None,
        ..entry
    };
    assert_eq!(
        hex::encode(no_case.computed_hash()),
        "0f5098926f381580a246950a87cf30d22765510bfd06880c8e93f33602f48370"
    );
}

#[test]
fn the_time_is_utc_to_the_second() {
    let jakarta = datetime!(2026-11-30 07:53:20.999 +07:00);
    let entry = AuditEntry::next(None, &AuditEvent::new("x", Action::CaseExport), jakarta);
    assert_eq!(entry.at, datetime!(2026-11-30 00:53:20 UTC));
    assert_eq!(entry.at.offset(), time::UtcOffset::UTC);
}

/// Moving a byte from one field to the next changes the hash: fields are length-prefixed.
#[test]
fn fields_do_not_run_into_each_other() {
    let base = chain(1).remove(0);
    let moved = AuditEntry {
        actor: format!("{}c", base.actor),
        action: base.action.trim_start_matches('c').to_owned(),
        ..base.clone()
    };
    assert_ne!(moved.computed_hash(), base.computed_hash());
    let other_case = AuditEntry {
        case: Some(2),
        ..base.clone()
    };
    assert_ne!(other_case.computed_hash(), base.computed_hash());
}

#[test]
fn a_whole_chain_verifies() {
    assert_eq!(
        verify(&[]),
        Ok(Intact {
            count: 0,
            head: GENESIS
        })
    );
    let entries = chain(5);
    assert_eq!(entries[1].prev_hash, entries[0].hash);
    assert_eq!(
        verify(&entries),
        Ok(Intact {
            count: 5,
            head: entries[4].hash
        })
    );
    assert!(verify_anchored(&entries, Some((3, entries[2].hash))).is_ok());
    assert!(verify_anchored(&entries, Some((5, entries[4].hash))).is_ok());
}

fn broken(seq: i64, why: Breach) -> Result<Intact, Broken> {
    Err(Broken { seq, why })
}

#[test]
fn every_kind_of_tampering_names_the_first_bad_entry() {
    let entries = chain(5);

    for edit in [
        |e: &mut AuditEntry| e.detail = r#"{"to":"selesai"}"#.into(),
        |e: &mut AuditEntry| e.actor = "operator:ani".into(),
        |e: &mut AuditEntry| e.action = "case-export".into(),
        |e: &mut AuditEntry| e.case = None,
        |e: &mut AuditEntry| e.at += time::Duration::seconds(1),
    ] {
        let mut edited = entries.clone();
        edit(&mut edited[2]);
        assert_eq!(verify(&edited), broken(3, Breach::Edited));
    }

    let mut removed = entries.clone();
    removed.remove(2);
    assert_eq!(verify(&removed), broken(3, Breach::Missing));
    assert_eq!(verify(&entries[1..]), broken(1, Breach::Missing));

    // Removed, the rest renumbered.
    for (i, entry) in removed.iter_mut().enumerate() {
        entry.seq = i as i64 + 1;
    }
    assert_eq!(verify(&removed), broken(3, Breach::BadLink));

    // Two entries swap their seq: read in seq order, the later entry comes first.
    let mut swapped = entries.clone();
    swapped.swap(1, 2);
    swapped[1].seq = 2;
    swapped[2].seq = 3;
    assert_eq!(verify(&swapped), broken(2, Breach::Reordered));

    // Edited, and its hash recomputed: the next entry no longer links to it.
    let mut rehashed = entries.clone();
    rehashed[1].detail = "{}".into();
    rehashed[1].hash = rehashed[1].computed_hash();
    assert_eq!(verify(&rehashed), broken(3, Breach::BadLink));

    let mut repeated = entries.clone();
    repeated.insert(2, entries[1].clone());
    assert_eq!(verify(&repeated), broken(2, Breach::OutOfOrder));

    let mut first = entries.clone();
    first[0].prev_hash = [1; 32];
    assert_eq!(verify(&first), broken(1, Breach::BadLink));
}

/// The chain alone cannot see entries cut off its end, nor a chain rebuilt from scratch; a
/// head recorded elsewhere can.
#[test]
fn an_anchor_catches_what_the_chain_cannot() {
    let entries = chain(5);
    let anchor = Some((4, entries[3].hash));
    assert!(verify(&entries[..3]).is_ok());
    assert_eq!(
        verify_anchored(&entries[..3], anchor),
        broken(4, Breach::Truncated)
    );

    let mut rebuilt: Vec<AuditEntry> = Vec::new();
    for entry in &entries {
        let head = rebuilt.last().map(|e| (e.seq, e.hash));
        let event = AuditEvent::new("operator:mallory", Action::CaseExport);
        rebuilt.push(AuditEntry::next(head, &event, entry.at));
    }
    assert!(verify(&rebuilt).is_ok());
    assert_eq!(
        verify_anchored(&rebuilt, anchor),
        broken(4, Breach::NotAnchor)
    );
}

#[test]
fn messages_are_one_line_and_name_the_entry() {
    for why in [
        Breach::Missing,
        Breach::OutOfOrder,
        Breach::Reordered,
        Breach::BadLink,
        Breach::Edited,
        Breach::Truncated,
        Breach::NotAnchor,
    ] {
        let text = Broken { seq: 42, why }.to_string();
        assert!(text.starts_with("entry 42 "), "{text}");
        assert!(!text.contains('\n'), "{text}");
    }
}
