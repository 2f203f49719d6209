-- The records an entry of the audit journal is about, one row each: a list view writes one entry
-- naming every record it showed, and the journal's search by person finds it through this table.
CREATE TABLE audit_subjects (
    seq BIGINT NOT NULL,
    record_id TEXT NOT NULL,
    PRIMARY KEY (seq, record_id)
);
CREATE INDEX audit_subjects_record ON audit_subjects (record_id);
