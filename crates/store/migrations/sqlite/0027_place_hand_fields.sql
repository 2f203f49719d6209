-- The fields of a directory place corrected by hand (SQLite), kept at the next imports, and the
-- conflicts an import found between such a correction and its file, for the coordinator to settle.
-- Fields are the standard's names (`telephone`, `horaires`…), values written as the standard writes
-- them (lists joined with `|`).
CREATE TABLE place_hand_fields (
    structure_id INTEGER NOT NULL REFERENCES structures (id) ON DELETE CASCADE,
    field TEXT NOT NULL,
    hand_value TEXT NOT NULL,
    account_id INTEGER REFERENCES accounts (id),
    edited_at INTEGER NOT NULL,
    -- The file's value a coordinator already refused for this field (kept the correction): a file
    -- still offering it opens no new conflict.
    refused_file_value TEXT,
    PRIMARY KEY (structure_id, field)
);

-- At most one open conflict per place and field (resolved_at NULL). resolution is a stable code:
-- 'kept_hand' (the correction kept), 'took_file' (the file's value taken), 'file_agreed' (the file
-- or a new correction came to the same value), 'file_withdrawn' (the file came back to a value
-- already refused).
CREATE TABLE place_import_conflicts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    structure_id INTEGER NOT NULL REFERENCES structures (id) ON DELETE CASCADE,
    field TEXT NOT NULL,
    hand_value TEXT NOT NULL,
    file_value TEXT NOT NULL,
    origin TEXT NOT NULL,            -- the import, as its change records name it
    found_at INTEGER NOT NULL,
    resolved_at INTEGER,
    resolved_by INTEGER REFERENCES accounts (id),
    resolution TEXT
);
CREATE UNIQUE INDEX place_import_conflicts_open ON place_import_conflicts (structure_id, field)
    WHERE resolved_at IS NULL;
