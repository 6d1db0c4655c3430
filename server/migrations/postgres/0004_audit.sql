-- Kentongan, PostgreSQL: the audit log — every investigator and operator action,
-- hash-chained (the same logical schema as SQLite's).
--
-- Entry `seq` (1, 2, 3… with no gap) records who (`actor`), what (`action`, a stable slug),
-- on which case if any, and a small plaintext JSON `detail` (stages, ids, a team member's
-- name and key; never what anyone wrote). `hash` is SHA-256 over the entry and `prev_hash`,
-- the hash of entry `seq - 1` (32 zero bytes for the first); the server computes and checks
-- it (`kentongan audit verify`). The store appends in the same transaction as the action,
-- holding `LOCK TABLE audit_log IN EXCLUSIVE MODE`, so instances sharing the database
-- append one at a time; the primary key on `seq` would refuse a fork anyway.
--
-- `at` is the one time of day in the schema, to the second. The promise is that no time
-- tied to a reporter is kept; these are the team's own actions, and a reporter's (a new
-- report, a message) are never entries. An audit that stands up needs the time.
--
-- `detail` is TEXT, not JSONB: it is hashed byte for byte as stored, and JSONB would
-- rewrite it. The trigger makes the table append-only for everyone using the database
-- normally; it stops mistakes, not an attacker with the database, which is what the chain
-- is for.

CREATE TABLE audit_log (
    seq       BIGINT         PRIMARY KEY CHECK (seq > 0),
    at        TIMESTAMPTZ(0) NOT NULL,
    actor     TEXT           NOT NULL,
    action    TEXT           NOT NULL,
    case_id   BIGINT         REFERENCES cases (id),
    detail    TEXT           NOT NULL,
    prev_hash BYTEA          NOT NULL CHECK (octet_length(prev_hash) = 32),
    hash      BYTEA          NOT NULL CHECK (octet_length(hash) = 32)
);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END
$$;

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
