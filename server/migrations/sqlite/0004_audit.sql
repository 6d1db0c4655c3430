-- Kentongan, SQLite: the audit log — every investigator and operator action, hash-chained.
--
-- Entry `seq` (1, 2, 3… with no gap) records who (`actor`), what (`action`, a stable slug),
-- on which case if any, and a small plaintext JSON `detail` (stages, ids, a team member's
-- name and key; never what anyone wrote). `hash` is SHA-256 over the entry and `prev_hash`,
-- the hash of entry `seq - 1` (32 zero bytes for the first); the server computes and checks
-- it (`kentongan audit verify`). The store appends in the same transaction as the action.
--
-- `at` is the one time of day in the schema, to the second, in UTC. The promise is that no
-- time tied to a reporter is kept; these are the team's own actions, and a reporter's
-- (a new report, a message) are never entries. An audit that stands up needs the time.
--
-- `detail` is TEXT, hashed byte for byte as stored. The triggers make the table
-- append-only for everyone using the database normally; they stop mistakes, not an
-- attacker with the file, which is what the chain is for.

CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY CHECK (seq > 0),
    at        TEXT    NOT NULL
        CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
    actor     TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    case_id   INTEGER REFERENCES cases (id),
    detail    TEXT    NOT NULL,
    prev_hash BLOB    NOT NULL CHECK (length(prev_hash) = 32),
    hash      BLOB    NOT NULL CHECK (length(hash) = 32)
) STRICT;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
