-- Kentongan, SQLite: what investigators set on a case, and the days the case list filters on.
--
-- `assignee_id`: the investigator in charge, or NULL. `classification`: the office's category
-- (a slug from `[cases] categories` in the configuration), set by an investigator for
-- statistics; the only plaintext label about a case's content, and never written by a
-- reporter. NULL: not classified.
--
-- `acknowledged_on` (the day of the first move out of `diterima`) and `last_activity_on` (the
-- day of the latest item or move) can be derived from `stage_events` and `case_items`; they
-- are kept here, by the store, in the transaction that changes them, so that the list's
-- filters and sorts run on one table and its indexes.
--
-- SQLite adds a NOT NULL column only with a constant default: `last_activity_on` gets one for
-- the ALTER, is set below for every existing case, and every new case sets its own.

ALTER TABLE cases ADD COLUMN assignee_id INTEGER REFERENCES investigators (id);
ALTER TABLE cases ADD COLUMN classification TEXT
    CHECK (length(classification) BETWEEN 1 AND 100);
ALTER TABLE cases ADD COLUMN acknowledged_on TEXT
    CHECK (acknowledged_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]');
ALTER TABLE cases ADD COLUMN last_activity_on TEXT NOT NULL DEFAULT '1970-01-01'
    CHECK (last_activity_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]');

UPDATE cases SET
    acknowledged_on = (
        SELECT e.moved_on FROM stage_events e
        WHERE e.case_id = cases.id AND e.stage <> 'diterima' ORDER BY e.id LIMIT 1),
    last_activity_on = max(
        created_on,
        coalesce((SELECT max(i.created_on) FROM case_items i WHERE i.case_id = cases.id),
                 created_on),
        coalesce((SELECT max(e.moved_on) FROM stage_events e WHERE e.case_id = cases.id),
                 created_on));

-- The list's filters and sorts. An index of a table with a rowid ends with the rowid, the
-- case number, so `(stage)` keeps each stage's cases in number order: a page of one stage, of
-- one assignee or of one classification comes out of its index in order, and the counts per
-- stage read `cases_by_stage` alone. The due filters name open stages and bound the day of
-- receipt: `cases_by_stage_received`.
CREATE INDEX cases_by_stage ON cases (stage);
CREATE INDEX cases_by_stage_received ON cases (stage, created_on);
CREATE INDEX cases_by_assignee ON cases (assignee_id);
CREATE INDEX cases_by_classification ON cases (classification);
CREATE INDEX cases_by_last_activity ON cases (last_activity_on);
