-- Retention (issue 18): a person's record is anonymised 24 months after the last contact, its
-- referent warned 30 days before and allowed one extension with a reason; an anonymised person
-- leaves statistical facts (domain::retention::AnonymisedPerson, JSON with stable codes, dates at
-- the month) the indicators keep counting; audit entries past their duration are deleted behind a
-- checkpoint sealed under the audit key; one purge runs at a time (a lease); each run is recorded;
-- the instance's settings.
ALTER TABLE people ADD COLUMN retention_warned_at BIGINT;
ALTER TABLE people ADD COLUMN retention_extended_at BIGINT;
ALTER TABLE people ADD COLUMN retention_extended_by BIGINT REFERENCES accounts (id);
ALTER TABLE people ADD COLUMN retention_extension_reason TEXT;
CREATE INDEX people_last_contact ON people (last_contact_at);

CREATE TABLE anonymised_people (
    id BIGSERIAL PRIMARY KEY,
    anonymised_at BIGINT NOT NULL,
    commune_code TEXT NOT NULL,       -- repeated from the facts, for the indicators' commune load
    facts TEXT NOT NULL
);

CREATE TABLE audit_checkpoints (
    id BIGSERIAL PRIMARY KEY,
    made_at BIGINT NOT NULL,
    through_seq BIGINT NOT NULL,     -- the last deleted entry
    through_hash TEXT NOT NULL,       -- its hash: the first kept entry's prev_hash
    deleted_entries BIGINT NOT NULL,
    seal TEXT NOT NULL                -- domain::audit::checkpoint_seal under the audit key
);

CREATE TABLE job_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE purge_runs (
    id BIGSERIAL PRIMARY KEY,
    ran_at BIGINT NOT NULL,
    as_of BIGINT NOT NULL,           -- the moment the rules were applied at (--now)
    counts TEXT NOT NULL              -- JSON: rule code -> count
);

-- The instance's settings an administrator changes (durations, minimum cell size, questions on or
-- off): one JSON value per name, who changed it and when (each change is audited too).
CREATE TABLE instance_settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by BIGINT REFERENCES accounts (id)
);
