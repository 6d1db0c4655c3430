-- Kentongan, PostgreSQL: attachments, uploaded as ciphertext in pieces (the same logical
-- schema as SQLite's; see its comments).

CREATE TABLE attachments (
    id         BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash BYTEA   NOT NULL CONSTRAINT attachments_token_hash_unique UNIQUE
        CHECK (octet_length(token_hash) = 32),
    created_on DATE    NOT NULL,
    received   BIGINT  NOT NULL DEFAULT 0 CHECK (received >= 0),
    complete   BOOLEAN NOT NULL DEFAULT FALSE,
    item_id    BIGINT  REFERENCES case_items (id),
    CHECK (item_id IS NULL OR complete)
);

CREATE INDEX attachments_by_item ON attachments (item_id) WHERE item_id IS NOT NULL;
CREATE INDEX attachments_unattached ON attachments (created_on) WHERE item_id IS NULL;

CREATE TABLE attachment_chunks (
    attachment_id BIGINT  NOT NULL REFERENCES attachments (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL CHECK (seq >= 0),
    data          BYTEA   NOT NULL,
    PRIMARY KEY (attachment_id, seq)
);

-- Ciphertext does not compress: store it out of line without trying.
ALTER TABLE attachment_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
