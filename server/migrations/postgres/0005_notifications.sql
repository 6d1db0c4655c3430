-- Kentongan, PostgreSQL: the outbox of e-mail notifications to the team (the same logical
-- schema as SQLite's).
--
-- A row says only that something of one kind happened: `new-report`, `reporter-message` or
-- `deadline-near`. No case id, no date, no time of day: the mail says "there is something
-- new" and links to /team, so nothing more is needed, and a time tied to a report is what
-- the product promises never to keep. The row is written in the same statement as its
-- event, so an event is never lost; a sender claims rows with FOR UPDATE SKIP LOCKED (so
-- instances do not send the same row twice) and deletes them once the SMTP server accepted
-- the mail. The server writes rows only while notifications are configured.

CREATE TABLE notifications (
    id   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT   NOT NULL CHECK (kind IN ('new-report', 'reporter-message', 'deadline-near'))
);

-- One row: the office day of the last deadline check, so that several instances sharing the
-- database queue the day's deadline-near notification once (compare-and-set on this day).
CREATE TABLE notification_state (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    deadline_checked_on DATE
);

INSERT INTO notification_state (id, deadline_checked_on) VALUES (1, NULL);
