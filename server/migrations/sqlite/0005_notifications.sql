-- Kentongan, SQLite: the outbox of e-mail notifications to the team.
--
-- A row says only that something of one kind happened: `new-report`, `reporter-message` or
-- `deadline-near`. No case id, no date, no time of day: the mail says "there is something
-- new" and links to /team, so nothing more is needed, and a time tied to a report is what
-- the product promises never to keep. The row is written in the same transaction as its
-- event, so an event is never lost; the sender deletes it once the SMTP server accepted
-- the mail. The server writes rows only while notifications are configured.

CREATE TABLE notifications (
    id   INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT    NOT NULL CHECK (kind IN ('new-report', 'reporter-message', 'deadline-near'))
) STRICT;

-- One row: the office day of the last deadline check, so that several instances sharing the
-- database queue the day's deadline-near notification once (compare-and-set on this day).
CREATE TABLE notification_state (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    deadline_checked_on TEXT
        CHECK (deadline_checked_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]')
) STRICT;

INSERT INTO notification_state (id, deadline_checked_on) VALUES (1, NULL);
