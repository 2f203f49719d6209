-- The resource bank (issue 21): teaching sessions with their materials, reviewed before publication,
-- versioned, rated after use, composed into cycles. Codes: domain::resource (ResourceAudience,
-- Competence, MaterialKind, Licence, AccessibilityFeature, review::ReviewState, review::ChecklistItem),
-- domain::pathway (WorkshopLevel, Theme: CRA codes). Lists of codes are kept as ' code code ' (a space
-- before and after each) so a filter is one LIKE '% code %' on both backends.

-- Files, content-addressed (SHA-256 of the bytes) and so deduplicated; the type is read from the
-- content at upload (domain::resource::upload).
CREATE TABLE resource_files (
    sha256 TEXT PRIMARY KEY,
    media_type TEXT NOT NULL,
    byte_size BIGINT NOT NULL,
    content BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);

-- A session's working copy: the state of its review and its current content (JSON of
-- domain::resource::SessionContent, in codes). Its published versions are in resource_versions.
CREATE TABLE resource_sessions (
    id BIGSERIAL PRIMARY KEY,
    structure_id BIGINT NOT NULL REFERENCES structures (id),
    created_by BIGINT NOT NULL REFERENCES accounts (id),
    state TEXT NOT NULL,
    content TEXT NOT NULL,
    title TEXT NOT NULL,
    source_session_id BIGINT REFERENCES resource_sessions (id),  -- adapted from
    source_version BIGINT,
    reviewer_account_id BIGINT REFERENCES accounts (id),           -- the référent reviewing now
    published_version BIGINT,                                      -- the last published version
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX resource_sessions_state ON resource_sessions (state);

-- Who wrote a session (credited on every version; an adaptation credits its source's authors too).
CREATE TABLE resource_authors (
    session_id BIGINT NOT NULL REFERENCES resource_sessions (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    PRIMARY KEY (session_id, account_id)
);

-- The working copy's materials: a file (by its hash) or a link.
CREATE TABLE resource_materials (
    id BIGSERIAL PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES resource_sessions (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    licence TEXT NOT NULL,
    accessibility TEXT NOT NULL,     -- ' code code '
    sha256 TEXT REFERENCES resource_files (sha256),
    file_name TEXT,
    url TEXT,
    added_by BIGINT NOT NULL REFERENCES accounts (id),
    added_at BIGINT NOT NULL
);
CREATE INDEX resource_materials_session ON resource_materials (session_id);

-- Every publication: the snapshot (JSON of domain::resource::diff::VersionSnapshot) as published.
CREATE TABLE resource_versions (
    session_id BIGINT NOT NULL REFERENCES resource_sessions (id),
    number BIGINT NOT NULL,
    snapshot TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    published_by BIGINT NOT NULL REFERENCES accounts (id),
    PRIMARY KEY (session_id, number)
);

-- The last published version of each session, flattened for the filters and the list.
CREATE TABLE resource_published (
    session_id BIGINT PRIMARY KEY REFERENCES resource_sessions (id),
    version BIGINT NOT NULL,
    title TEXT NOT NULL,
    level TEXT NOT NULL,
    duration_minutes BIGINT NOT NULL,
    licence TEXT NOT NULL,
    open_licence BIGINT NOT NULL,
    audiences TEXT NOT NULL,         -- ' code code '
    competences TEXT NOT NULL,
    themes TEXT NOT NULL,
    search_folded TEXT NOT NULL,     -- lower case, accents folded (domain::resource::search::fold)
    published_at BIGINT NOT NULL
);

-- PostgreSQL's full-text index of the published sessions: the folded text in the french configuration.
CREATE INDEX resource_published_search ON resource_published USING GIN (to_tsvector('french', search_folded));

-- The mediators a coordinator designated as référents, for the coordinator's territory.
CREATE TABLE resource_referents (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id),
    territory_kind TEXT NOT NULL,
    territory_code TEXT NOT NULL,
    designated_by BIGINT NOT NULL REFERENCES accounts (id),
    designated_at BIGINT NOT NULL
);

-- Each review's decision with its checklist (' code code ') and comment.
CREATE TABLE resource_reviews (
    id BIGSERIAL PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES resource_sessions (id),
    reviewer_account_id BIGINT NOT NULL REFERENCES accounts (id),
    published BIGINT NOT NULL,
    checklist TEXT NOT NULL,
    comment TEXT,
    version BIGINT,
    decided_at BIGINT NOT NULL
);
CREATE INDEX resource_reviews_session ON resource_reviews (session_id);

-- A rating after a session was run: 1 to 4, for which audiences it worked.
CREATE TABLE resource_ratings (
    id BIGSERIAL PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES resource_sessions (id),
    version BIGINT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    structure_id BIGINT NOT NULL REFERENCES structures (id),
    rating BIGINT NOT NULL,
    audiences TEXT NOT NULL,         -- ' code code ': for whom it worked
    comment TEXT,
    rated_at BIGINT NOT NULL
);
CREATE INDEX resource_ratings_session ON resource_ratings (session_id);

-- A problem flagged to the référents.
CREATE TABLE resource_reports (
    id BIGSERIAL PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES resource_sessions (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    comment TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    closed_at BIGINT,
    closed_by BIGINT REFERENCES accounts (id)
);

-- A mediator's cycle of sessions for a group, shared with the structure or not.
CREATE TABLE resource_cycles (
    id BIGSERIAL PRIMARY KEY,
    structure_id BIGINT NOT NULL REFERENCES structures (id),
    created_by BIGINT NOT NULL REFERENCES accounts (id),
    title TEXT NOT NULL,
    group_name TEXT NOT NULL,
    aimed_competences TEXT NOT NULL, -- ' code code '
    shared BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE resource_cycle_items (
    cycle_id BIGINT NOT NULL REFERENCES resource_cycles (id),
    position BIGINT NOT NULL,
    session_id BIGINT NOT NULL REFERENCES resource_sessions (id),
    week BIGINT NOT NULL,
    PRIMARY KEY (cycle_id, position)
);

-- Which bank session a collective workshop ran (so the indicators tell which sessions are used).
ALTER TABLE pathway_sessions ADD COLUMN resource_session_id BIGINT REFERENCES resource_sessions (id);
ALTER TABLE pathway_sessions ADD COLUMN resource_cycle_id BIGINT REFERENCES resource_cycles (id);
