-- Who changed a directory place, when, and what (PostgreSQL). Imports are recorded by their upsert date;
-- manual edits from the web are recorded here, one row per saved form.
CREATE TABLE structure_changes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    structure_id BIGINT NOT NULL REFERENCES structures (id) ON DELETE CASCADE,
    account_id BIGINT REFERENCES accounts (id),
    changed_at BIGINT NOT NULL,
    summary TEXT NOT NULL           -- the fields changed, in French
);
CREATE INDEX structure_changes_structure ON structure_changes (structure_id, changed_at);
