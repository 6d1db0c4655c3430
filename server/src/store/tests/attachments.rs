//! Attachments on both backends (migration 0007): uploads grow by compare-and-set within
//! their limit, a report or message takes complete uploads all or nothing, an attached file
//! reads back piece by piece, and abandoned uploads are swept.

use kentongan_crypto::bundle::ItemKind;
use time::macros::date;
use tokio::task::JoinSet;

use super::{Backend, TODAY, blob, new_case};
use crate::store::{AttachedFile, StoreError, StoredAttachment, Unattached, UploadState};

on_both_backends!(
    uploads_grow_by_compare_and_set,
    a_case_takes_its_attachments_all_or_nothing,
    attachments_read_back_piece_by_piece,
    reporter_messages_take_attachments,
    one_upload_goes_to_one_case,
    stale_uploads_are_swept_or_discarded,
    unattached_uploads_stay_within_their_room,
);

const LIMIT: u64 = 10_000;
/// Room enough that no test here meets it (but the one about it).
const ROOM: Unattached = Unattached {
    uploads: 1_000,
    bytes: 1 << 30,
};

fn token() -> [u8; 32] {
    rand::random()
}

fn piece(seed: u8, len: usize) -> Vec<u8> {
    (0..len).map(|i| seed ^ (i % 251) as u8).collect()
}

/// A complete upload of `pieces`; returns its token hash and id.
async fn uploaded(store: &dyn crate::store::Store, pieces: &[Vec<u8>]) -> ([u8; 32], i64) {
    let token = token();
    let id = store.begin_attachment(&token, TODAY, ROOM).await.unwrap();
    let mut offset = 0;
    for data in pieces {
        offset = store
            .append_attachment(&token, offset, data, LIMIT, ROOM)
            .await
            .unwrap();
    }
    store.complete_attachment(&token).await.unwrap();
    (token, id)
}

async fn uploads_grow_by_compare_and_set(backend: &Backend) {
    let store = backend.open().await;
    let token = token();
    let id = store.begin_attachment(&token, TODAY, ROOM).await.unwrap();
    let again = store.begin_attachment(&token, TODAY, ROOM).await;
    assert!(matches!(again, Err(StoreError::Duplicate)), "{again:?}");
    let state = |received, complete| UploadState {
        id,
        received,
        complete,
        attached: false,
    };
    assert_eq!(
        store.attachment_upload(&token).await.unwrap(),
        Some(state(0, false))
    );
    assert_eq!(store.attachment_upload(&[7; 32]).await.unwrap(), None);

    let first = piece(1, 4000);
    assert_eq!(
        store
            .append_attachment(&token, 0, &first, LIMIT, ROOM)
            .await
            .unwrap(),
        4000
    );
    // A retried piece (its answer was lost) and a piece from the future: both refused, and
    // nothing of them is written.
    for offset in [0, 3999, 4001, 8000] {
        let refused = store
            .append_attachment(&token, offset, &piece(2, 100), LIMIT, ROOM)
            .await;
        assert!(matches!(refused, Err(StoreError::Conflict)), "{refused:?}");
    }
    // Past the limit: refused whole, even the part that would fit.
    let refused = store
        .append_attachment(&token, 4000, &piece(3, 6001), LIMIT, ROOM)
        .await;
    assert!(
        matches!(refused, Err(StoreError::UploadTooLarge)),
        "{refused:?}"
    );
    assert_eq!(
        store.attachment_upload(&token).await.unwrap(),
        Some(state(4000, false))
    );
    assert_eq!(backend.count("attachment_chunks").await, 1);
    // Exactly up to the limit is fine.
    assert_eq!(
        store
            .append_attachment(&token, 4000, &piece(4, 6000), LIMIT, ROOM)
            .await
            .unwrap(),
        LIMIT
    );
    let unknown = store
        .append_attachment(&[7; 32], 0, b"x", LIMIT, ROOM)
        .await;
    assert!(matches!(unknown, Err(StoreError::NotFound)), "{unknown:?}");

    store.complete_attachment(&token).await.unwrap();
    // A retried completion is fine; a piece after it is not.
    store.complete_attachment(&token).await.unwrap();
    let closed = store
        .append_attachment(&token, LIMIT, b"x", 2 * LIMIT, ROOM)
        .await;
    assert!(
        matches!(closed, Err(StoreError::UploadClosed)),
        "{closed:?}"
    );
    assert_eq!(
        store.attachment_upload(&token).await.unwrap(),
        Some(state(LIMIT, true))
    );
    let unknown = store.complete_attachment(&[7; 32]).await;
    assert!(matches!(unknown, Err(StoreError::NotFound)), "{unknown:?}");
    assert_eq!(backend.count("attachment_chunks").await, 2);
}

async fn a_case_takes_its_attachments_all_or_nothing(backend: &Backend) {
    let store = backend.open().await;
    let (photo, photo_id) = uploaded(&*store, &[piece(1, 3000), piece(2, 20)]).await;
    let (pdf, pdf_id) = uploaded(&*store, &[piece(3, 700)]).await;
    let unfinished = token();
    store
        .begin_attachment(&unfinished, TODAY, ROOM)
        .await
        .unwrap();
    store
        .append_attachment(&unfinished, 0, &piece(4, 10), LIMIT, ROOM)
        .await
        .unwrap();

    for attachments in [
        vec![photo, unfinished],
        vec![photo, [9; 32]],
        vec![photo, pdf, photo],
        vec![unfinished],
    ] {
        let mut case = new_case(&[]);
        case.attachments = attachments;
        let refused = store.create_case(case).await;
        assert!(
            matches!(refused, Err(StoreError::UploadNotReady)),
            "{refused:?}"
        );
    }
    backend.assert_rows(0, 0, 0).await;
    for token in [photo, pdf] {
        assert!(
            !store
                .attachment_upload(&token)
                .await
                .unwrap()
                .unwrap()
                .attached
        );
    }

    let mut case = new_case(&[]);
    case.attachments = vec![pdf, photo];
    let id = store.create_case(case).await.unwrap();
    let stored = store.case(id).await.unwrap();
    assert_eq!(stored.items.len(), 1);
    assert_eq!(
        stored.items[0].attachments,
        [
            StoredAttachment {
                id: photo_id,
                size: 3020
            },
            StoredAttachment {
                id: pdf_id,
                size: 700
            },
        ]
    );
    for token in [photo, pdf] {
        assert!(
            store
                .attachment_upload(&token)
                .await
                .unwrap()
                .unwrap()
                .attached
        );
        let closed = store.append_attachment(&token, 0, b"x", LIMIT, ROOM).await;
        assert!(
            matches!(closed, Err(StoreError::UploadClosed)),
            "{closed:?}"
        );
    }
    // Attached once: another report cannot take it.
    let mut case = new_case(&[]);
    case.attachments = vec![photo];
    let refused = store.create_case(case).await;
    assert!(
        matches!(refused, Err(StoreError::UploadNotReady)),
        "{refused:?}"
    );
    backend.assert_rows(1, 1, 1).await;
    // A case without attachments lists none.
    let plain = store.create_case(new_case(&[])).await.unwrap();
    assert_eq!(store.case(plain).await.unwrap().items[0].attachments, []);
}

async fn attachments_read_back_piece_by_piece(backend: &Backend) {
    let store = backend.open().await;
    let pieces = vec![piece(5, 4096), piece(6, 4096), piece(7, 17)];
    let (token, id) = uploaded(&*store, &pieces).await;
    // Not attached: nobody's to read.
    let unattached = store.attachment_case(id).await;
    assert!(
        matches!(unattached, Err(StoreError::NotFound)),
        "{unattached:?}"
    );

    let mut case = new_case(&[]);
    case.attachments = vec![token];
    let case_id = store.create_case(case).await.unwrap();
    let report = store.case(case_id).await.unwrap().items[0].id;
    assert_eq!(
        store.attachment_case(id).await.unwrap(),
        AttachedFile {
            case_id,
            item_id: report,
            size: 4096 * 2 + 17
        }
    );
    for (seq, expected) in (0..).zip(&pieces) {
        assert_eq!(
            store.attachment_chunk(id, seq).await.unwrap().as_ref(),
            Some(expected)
        );
    }
    assert_eq!(store.attachment_chunk(id, 3).await.unwrap(), None);
    assert_eq!(store.attachment_chunk(id, u32::MAX).await.unwrap(), None);
    assert_eq!(store.attachment_chunk(id + 1000, 0).await.unwrap(), None);
    for missing in [id + 1000, 0, -1] {
        let refused = store.attachment_case(missing).await;
        assert!(matches!(refused, Err(StoreError::NotFound)), "{refused:?}");
    }
}

async fn reporter_messages_take_attachments(backend: &Backend) {
    let store = backend.open().await;
    let case_id = store.create_case(new_case(&[])).await.unwrap();
    let (video, video_id) = uploaded(&*store, &[piece(8, 999)]).await;
    let unfinished = token();
    store
        .begin_attachment(&unfinished, TODAY, ROOM)
        .await
        .unwrap();

    for (case, attachments) in [
        (case_id, vec![video, unfinished]),
        (case_id, vec![video, video]),
        (case_id, vec![[9; 32]]),
    ] {
        let refused = store
            .add_reporter_message(case, blob("m"), TODAY, &attachments)
            .await;
        assert!(
            matches!(refused, Err(StoreError::UploadNotReady)),
            "{refused:?}"
        );
    }
    let refused = store
        .add_reporter_message(case_id + 1, blob("m"), TODAY, &[video])
        .await;
    assert!(matches!(refused, Err(StoreError::NotFound)), "{refused:?}");
    assert_eq!(backend.count("case_items").await, 1);
    assert!(
        !store
            .attachment_upload(&video)
            .await
            .unwrap()
            .unwrap()
            .attached
    );

    let message = store
        .add_reporter_message(case_id, blob("m"), TODAY, &[video])
        .await
        .unwrap();
    let plain = store
        .add_reporter_message(case_id, blob("n"), TODAY, &[])
        .await
        .unwrap();
    let case = store.case(case_id).await.unwrap();
    let listed: Vec<(i64, ItemKind, Vec<StoredAttachment>)> = case
        .items
        .iter()
        .map(|item| (item.id, item.kind, item.attachments.clone()))
        .collect();
    assert_eq!(
        listed[1..],
        [
            (
                message,
                ItemKind::ReporterMessage,
                vec![StoredAttachment {
                    id: video_id,
                    size: 999
                }]
            ),
            (plain, ItemKind::ReporterMessage, vec![]),
        ]
    );
    assert_eq!(
        store.attachment_case(video_id).await.unwrap().item_id,
        message
    );
}

async fn one_upload_goes_to_one_case(backend: &Backend) {
    let store = backend.open().await;
    let (shared, _) = uploaded(&*store, &[piece(9, 100)]).await;
    let mut tasks = JoinSet::new();
    for _ in 0..8 {
        let store = store.clone();
        tasks.spawn(async move {
            let mut case = new_case(&[]);
            case.attachments = vec![shared];
            store.create_case(case).await
        });
    }
    let mut won = 0;
    while let Some(outcome) = tasks.join_next().await {
        match outcome.unwrap() {
            Ok(_) => won += 1,
            Err(StoreError::UploadNotReady) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(won, 1);
    backend.assert_rows(1, 1, 1).await;
}

async fn stale_uploads_are_swept_or_discarded(backend: &Backend) {
    let store = backend.open().await;
    let (old, new) = (date!(2026 - 11 - 26), date!(2026 - 11 - 27));
    let mut tokens = Vec::new();
    for day in [old, old, new] {
        let token = token();
        store.begin_attachment(&token, day, ROOM).await.unwrap();
        store
            .append_attachment(&token, 0, &piece(1, 50), LIMIT, ROOM)
            .await
            .unwrap();
        tokens.push(token);
    }
    store.complete_attachment(&tokens[1]).await.unwrap();
    // An old upload that was attached stays with its case.
    let kept = token();
    store.begin_attachment(&kept, old, ROOM).await.unwrap();
    store
        .append_attachment(&kept, 0, &piece(2, 50), LIMIT, ROOM)
        .await
        .unwrap();
    store.complete_attachment(&kept).await.unwrap();
    let mut case = new_case(&[]);
    case.attachments = vec![kept];
    store.create_case(case).await.unwrap();

    assert_eq!(store.delete_stale_uploads(old).await.unwrap(), 0);
    assert_eq!(store.delete_stale_uploads(new).await.unwrap(), 2);
    assert_eq!(store.attachment_upload(&tokens[0]).await.unwrap(), None);
    assert_eq!(store.attachment_upload(&tokens[1]).await.unwrap(), None);
    assert!(store.attachment_upload(&tokens[2]).await.unwrap().is_some());
    assert!(store.attachment_upload(&kept).await.unwrap().is_some());
    assert_eq!(backend.count("attachments").await, 2);
    assert_eq!(backend.count("attachment_chunks").await, 2);
    assert_eq!(store.delete_stale_uploads(TODAY).await.unwrap(), 1);
    assert_eq!(backend.count("attachment_chunks").await, 1);

    // One upload given up on goes at once; an attached one stays.
    let dropped = token();
    store.begin_attachment(&dropped, TODAY, ROOM).await.unwrap();
    store
        .append_attachment(&dropped, 0, &piece(3, 50), LIMIT, ROOM)
        .await
        .unwrap();
    store.discard_upload(&dropped).await.unwrap();
    assert_eq!(store.attachment_upload(&dropped).await.unwrap(), None);
    for refused in [dropped, kept] {
        let refused = store.discard_upload(&refused).await;
        assert!(matches!(refused, Err(StoreError::NotFound)), "{refused:?}");
    }
    assert_eq!(backend.count("attachment_chunks").await, 1);
}

/// Anyone may start an upload: together, the unattached ones stay within a number of uploads
/// and of bytes, whatever is sent; a refused piece writes nothing; attaching or discarding
/// makes room again.
async fn unattached_uploads_stay_within_their_room(backend: &Backend) {
    let store = backend.open().await;
    let room = Unattached {
        uploads: 2,
        bytes: 100,
    };
    let (first, second, third) = (token(), token(), token());
    store.begin_attachment(&first, TODAY, room).await.unwrap();
    store
        .append_attachment(&first, 0, &piece(1, 60), LIMIT, room)
        .await
        .unwrap();
    store.begin_attachment(&second, TODAY, room).await.unwrap();
    let full = store.begin_attachment(&third, TODAY, room).await;
    assert!(matches!(full, Err(StoreError::UploadsFull)), "{full:?}");

    let over = store
        .append_attachment(&second, 0, &piece(2, 41), LIMIT, room)
        .await;
    assert!(matches!(over, Err(StoreError::UploadsFull)), "{over:?}");
    let upload = store.attachment_upload(&second).await.unwrap().unwrap();
    assert_eq!(upload.received, 0);
    store
        .append_attachment(&second, 0, &piece(2, 40), LIMIT, room)
        .await
        .unwrap();
    assert_eq!(backend.count("attachment_chunks").await, 2);

    // Attached: it no longer counts.
    store.complete_attachment(&first).await.unwrap();
    let mut case = new_case(&[]);
    case.attachments = vec![first];
    store.create_case(case).await.unwrap();
    store.begin_attachment(&third, TODAY, room).await.unwrap();
    store
        .append_attachment(&third, 0, &piece(3, 60), LIMIT, room)
        .await
        .unwrap();
    // Discarded: room again.
    let fourth = token();
    let full = store.begin_attachment(&fourth, TODAY, room).await;
    assert!(matches!(full, Err(StoreError::UploadsFull)), "{full:?}");
    store.discard_upload(&second).await.unwrap();
    store.begin_attachment(&fourth, TODAY, room).await.unwrap();
}
