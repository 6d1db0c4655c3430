-- Kentongan: the reporter's commitment (crypto/src/commitment.rs), stored beside the
-- credential as JSON: {"case_recipient": "age1…", "team": ["age1…", …], "tag": base64}.
--
-- Public values and a tag only the reporter can make: it holds nothing a reader could use,
-- and a writer who changes it only makes the reporter's client refuse the case. NULL for
-- cases filed before commitments (their credential's auth hash says so: reporter.rs).

ALTER TABLE reporter_credentials ADD COLUMN commitment TEXT;
