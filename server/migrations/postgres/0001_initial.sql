-- Kentongan, PostgreSQL: the initial schema (the same logical schema as SQLite's).
--
-- What is stored is ciphertext, public keys, hashes, and dates at day resolution. No column
-- holds plaintext, an IP address, a user agent, or a time of day: a timestamp tied to a
-- reporter is something the product promises never to keep. DATE has no time of day, and the
-- CHECKs keep hashes at exactly 32 bytes.

CREATE TABLE investigators (
    id        BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name      TEXT    NOT NULL,
    -- The `age1…` recipient in its canonical lower-case form: one key, one spelling.
    recipient TEXT    NOT NULL CONSTRAINT investigators_recipient_unique UNIQUE,
    admin     BOOLEAN NOT NULL DEFAULT FALSE,
    active    BOOLEAN NOT NULL DEFAULT TRUE,
    added_on  DATE    NOT NULL
);

-- An identity never hands out a number twice: a case number, once written in a paper record,
-- never names another case.
CREATE TABLE cases (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_on      DATE   NOT NULL,
    stage           TEXT   NOT NULL DEFAULT 'diterima',
    case_recipient  TEXT   NOT NULL,
    notes_recipient TEXT   NOT NULL
);

-- How the reporter comes back: found by the receipt's lookup key, checked by the hash of the
-- auth token, answered with envelopes sealed to their recipient.
CREATE TABLE reporter_credentials (
    case_id        BIGINT PRIMARY KEY REFERENCES cases (id),
    receipt_lookup BYTEA  NOT NULL
        CONSTRAINT reporter_credentials_receipt_lookup_unique UNIQUE
        CHECK (octet_length(receipt_lookup) = 32),
    auth_hash      BYTEA  NOT NULL CHECK (octet_length(auth_hash) = 32),
    recipient      TEXT   NOT NULL,
    -- e.g. `argon2id/v1/m=65536,t=3,p=1`: the parameters the reporter's key was derived with.
    kdf            TEXT   NOT NULL
);

CREATE TABLE case_items (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id    BIGINT NOT NULL REFERENCES cases (id),
    kind       TEXT   NOT NULL,
    created_on DATE   NOT NULL,
    ciphertext BYTEA  NOT NULL
);

-- Ciphertext does not compress: store it out of line without trying (large values only).
ALTER TABLE case_items ALTER COLUMN ciphertext SET STORAGE EXTERNAL;

-- `case(id)` and export read a case's items in id order.
CREATE INDEX case_items_by_case ON case_items (case_id, id);

-- The case keys sealed to one holder: an investigator, or the reporter (investigator_id NULL).
CREATE TABLE key_envelopes (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id         BIGINT NOT NULL REFERENCES cases (id),
    investigator_id BIGINT REFERENCES investigators (id),
    ciphertext      BYTEA  NOT NULL
);

ALTER TABLE key_envelopes ALTER COLUMN ciphertext SET STORAGE EXTERNAL;

-- One envelope per holder and case. The first index also serves `case(id)` (by case); the
-- last serves revocation and the foreign key (by investigator).
CREATE UNIQUE INDEX key_envelopes_by_case ON key_envelopes (case_id, investigator_id);
CREATE UNIQUE INDEX key_envelopes_one_for_reporter
    ON key_envelopes (case_id) WHERE investigator_id IS NULL;
CREATE INDEX key_envelopes_by_investigator
    ON key_envelopes (investigator_id) WHERE investigator_id IS NOT NULL;
