-- Kentongan, PostgreSQL: the investigators' second factor (TOTP, RFC 6238), and whether the
-- team must use it (the same logical schema as SQLite's; see its comments).

ALTER TABLE investigators ADD COLUMN totp_secret BYTEA
    CHECK (totp_secret IS NULL OR length(totp_secret) = 20);
ALTER TABLE investigators ADD COLUMN totp_last_step BIGINT
    CHECK (totp_last_step IS NULL OR totp_secret IS NOT NULL);

CREATE TABLE team_settings (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    totp_required BOOLEAN NOT NULL DEFAULT FALSE
);

INSERT INTO team_settings (id) VALUES (1);
