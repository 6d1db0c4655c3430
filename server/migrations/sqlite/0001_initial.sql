-- Kentongan, SQLite: the initial schema.
--
-- What is stored is ciphertext, public keys, hashes, and dates at day resolution. No column
-- holds plaintext, an IP address, a user agent, or a time of day: a timestamp tied to a
-- reporter is something the product promises never to keep. The CHECKs make that
-- structural: dates are `YYYY-MM-DD` and nothing finer, hashes are exactly 32 bytes.
--
-- STRICT tables refuse a value of the wrong type instead of converting it.

CREATE TABLE investigators (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    name      TEXT    NOT NULL,
    -- The `age1…` recipient in its canonical lower-case form: one key, one spelling.
    recipient TEXT    NOT NULL UNIQUE,
    admin     INTEGER NOT NULL DEFAULT 0 CHECK (admin IN (0, 1)),
    active    INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    added_on  TEXT    NOT NULL
        CHECK (added_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]')
) STRICT;

-- AUTOINCREMENT: a case number, once written in a paper record, never names another case.
CREATE TABLE cases (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    created_on      TEXT NOT NULL
        CHECK (created_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    stage           TEXT NOT NULL DEFAULT 'diterima',
    case_recipient  TEXT NOT NULL,
    notes_recipient TEXT NOT NULL
) STRICT;

-- How the reporter comes back: found by the receipt's lookup key, checked by the hash of the
-- auth token, answered with envelopes sealed to their recipient.
CREATE TABLE reporter_credentials (
    case_id        INTEGER PRIMARY KEY REFERENCES cases (id),
    receipt_lookup BLOB NOT NULL UNIQUE CHECK (length(receipt_lookup) = 32),
    auth_hash      BLOB NOT NULL CHECK (length(auth_hash) = 32),
    recipient      TEXT NOT NULL,
    -- e.g. `argon2id/v1/m=65536,t=3,p=1`: the parameters the reporter's key was derived with.
    kdf            TEXT NOT NULL
) STRICT;

CREATE TABLE case_items (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    kind       TEXT    NOT NULL,
    created_on TEXT    NOT NULL
        CHECK (created_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    ciphertext BLOB    NOT NULL
) STRICT;

-- `case(id)` and export read a case's items in id order.
CREATE INDEX case_items_by_case ON case_items (case_id, id);

-- The case keys sealed to one holder: an investigator, or the reporter (investigator_id NULL).
CREATE TABLE key_envelopes (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id         INTEGER NOT NULL REFERENCES cases (id),
    investigator_id INTEGER REFERENCES investigators (id),
    ciphertext      BLOB    NOT NULL
) STRICT;

-- One envelope per holder and case. The first index also serves `case(id)` (by case); the
-- last serves revocation and the foreign key (by investigator).
CREATE UNIQUE INDEX key_envelopes_by_case ON key_envelopes (case_id, investigator_id);
CREATE UNIQUE INDEX key_envelopes_one_for_reporter
    ON key_envelopes (case_id) WHERE investigator_id IS NULL;
CREATE INDEX key_envelopes_by_investigator
    ON key_envelopes (investigator_id) WHERE investigator_id IS NOT NULL;
