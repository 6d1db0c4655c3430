-- Kentongan, PostgreSQL: what investigators set on a case, and the days the case list filters
-- on (the same logical schema as SQLite's; see its comments).

ALTER TABLE cases ADD COLUMN assignee_id BIGINT REFERENCES investigators (id);
ALTER TABLE cases ADD COLUMN classification TEXT
    CHECK (length(classification) BETWEEN 1 AND 100);
ALTER TABLE cases ADD COLUMN acknowledged_on DATE;
ALTER TABLE cases ADD COLUMN last_activity_on DATE;

UPDATE cases SET
    acknowledged_on = (
        SELECT e.moved_on FROM stage_events e
        WHERE e.case_id = cases.id AND e.stage <> 'diterima' ORDER BY e.id LIMIT 1),
    last_activity_on = greatest(
        created_on,
        (SELECT max(i.created_on) FROM case_items i WHERE i.case_id = cases.id),
        (SELECT max(e.moved_on) FROM stage_events e WHERE e.case_id = cases.id));

ALTER TABLE cases ALTER COLUMN last_activity_on SET NOT NULL;

-- The list's filters and sorts: each index ends with the case number, so a page of one
-- stage, assignee or classification comes out of it in order; the due filters name open
-- stages and bound the day of receipt.
CREATE INDEX cases_by_stage ON cases (stage, id);
CREATE INDEX cases_by_stage_received ON cases (stage, created_on);
CREATE INDEX cases_by_assignee ON cases (assignee_id, id);
CREATE INDEX cases_by_classification ON cases (classification, id);
CREATE INDEX cases_by_last_activity ON cases (last_activity_on, id);
