-- Kentongan, SQLite: every move of a case from one stage to another.
--
-- A case is created in stage `diterima` without an event; each move adds one row here and
-- sets `cases.stage`, the current stage, in the same transaction. `moved_on` is a day, like
-- every date stored; `moved_by` names who moved the case (for now the operator's name as
-- given on the command line).

CREATE TABLE stage_events (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id  INTEGER NOT NULL REFERENCES cases (id),
    stage    TEXT    NOT NULL,
    moved_on TEXT    NOT NULL
        CHECK (moved_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    moved_by TEXT    NOT NULL
) STRICT;

-- A case's history, in order; also serves the foreign key.
CREATE INDEX stage_events_by_case ON stage_events (case_id, id);
