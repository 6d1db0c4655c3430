-- Kentongan, PostgreSQL: the message to the reporter that comes with a stage move (the same
-- logical schema as SQLite's).
--
-- The message itself is an item of the case (`case_items`, kind `stage-message`), encrypted
-- to the case key like every other message; the event only points at it. The store writes
-- the item and the event in one statement, for the same case. NULL: a move without a
-- message.
--
-- "The item belongs to the same case" is kept by the store, not by a composite foreign key,
-- as SQLite's schema cannot add one to an existing table.

ALTER TABLE stage_events ADD COLUMN message_id BIGINT REFERENCES case_items (id);

-- An item is the message of one move at most. (No query looks events up by message: the
-- history is read by case, through `stage_events_by_case`. This index is the constraint.)
CREATE UNIQUE INDEX stage_events_one_per_message
    ON stage_events (message_id) WHERE message_id IS NOT NULL;
