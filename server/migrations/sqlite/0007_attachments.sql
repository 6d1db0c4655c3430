-- Kentongan, SQLite: attachments, uploaded as ciphertext in pieces.
--
-- An attachment is one age file, encrypted to the case key where the report is written (the
-- browser, or server memory on the no-JS path). The server never sees its name, type or
-- content: only its length and its bytes. An upload is found by the SHA-256 of the token
-- the uploader holds (`token_hash`); the token itself is never stored.
--
-- `created_on` is a day and nothing finer, like every date tied to a reporter; it serves only
-- to delete uploads that were never attached to a case (`delete_stale_uploads`).
-- `received` is the number of bytes stored so far: the next piece must start there
-- (compare-and-set), so a retried upload resends nothing that arrived. `complete`: the
-- uploader said it is whole and the server checked its start. `item_id`: the report or
-- message it belongs to, set once, in the transaction that stores that item; NULL while the
-- upload is not attached.

CREATE TABLE attachments (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash BLOB    NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_on TEXT    NOT NULL
        CHECK (created_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    received   INTEGER NOT NULL DEFAULT 0 CHECK (received >= 0),
    complete   INTEGER NOT NULL DEFAULT 0 CHECK (complete IN (0, 1)),
    item_id    INTEGER REFERENCES case_items (id),
    -- Only a whole upload is attached.
    CHECK (item_id IS NULL OR complete = 1)
) STRICT;

-- `case(id)` reads an item's attachments; the stale-upload sweep reads unattached ones by day.
CREATE INDEX attachments_by_item ON attachments (item_id) WHERE item_id IS NOT NULL;
CREATE INDEX attachments_unattached ON attachments (created_on) WHERE item_id IS NULL;

-- One row per piece as it arrived (`seq` from 0), so that no write and no read ever holds a
-- whole file. A piece is written in its own short transaction.
CREATE TABLE attachment_chunks (
    attachment_id INTEGER NOT NULL REFERENCES attachments (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL CHECK (seq >= 0),
    data          BLOB    NOT NULL,
    PRIMARY KEY (attachment_id, seq)
) STRICT;
