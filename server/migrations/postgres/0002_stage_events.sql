-- Kentongan, PostgreSQL: every move of a case from one stage to another (the same logical
-- schema as SQLite's).
--
-- A case is created in stage `diterima` without an event; each move adds one row here and
-- sets `cases.stage`, the current stage, in the same transaction. `moved_on` is a DATE, like
-- every date stored; `moved_by` names who moved the case (for now the operator's name as
-- given on the command line).

CREATE TABLE stage_events (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id  BIGINT NOT NULL REFERENCES cases (id),
    stage    TEXT   NOT NULL,
    moved_on DATE   NOT NULL,
    moved_by TEXT   NOT NULL
);

-- A case's history, in order; also serves the foreign key.
CREATE INDEX stage_events_by_case ON stage_events (case_id, id);
