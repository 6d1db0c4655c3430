-- Kentongan, SQLite: the investigators' second factor (TOTP, RFC 6238), and whether the team
-- must use it.
--
-- `totp_secret`: the 20-byte shared secret, NULL while the investigator has no second factor.
-- It is a server-side secret, not reporter content: it proves who is logging in and opens
-- nothing that is sealed (THREAT_MODEL.md). `totp_last_step`: the time step of the last code
-- accepted, so that no code is accepted twice; NULL with the secret.
--
-- `team_settings` has exactly one row.

ALTER TABLE investigators ADD COLUMN totp_secret BLOB
    CHECK (totp_secret IS NULL OR length(totp_secret) = 20);
ALTER TABLE investigators ADD COLUMN totp_last_step INTEGER
    CHECK (totp_last_step IS NULL OR totp_secret IS NOT NULL);

CREATE TABLE team_settings (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    totp_required INTEGER NOT NULL DEFAULT 0 CHECK (totp_required IN (0, 1))
) STRICT;

INSERT INTO team_settings (id) VALUES (1);
