-- Who changed a directory place, when, and what (SQLite). Imports are recorded by their upsert date;
-- manual edits from the web are recorded here, one row per saved form.
CREATE TABLE structure_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    structure_id INTEGER NOT NULL REFERENCES structures (id) ON DELETE CASCADE,
    account_id INTEGER REFERENCES accounts (id),
    changed_at INTEGER NOT NULL,
    summary TEXT NOT NULL           -- the fields changed, in French
);
CREATE INDEX structure_changes_structure ON structure_changes (structure_id, changed_at);
