-- Foundation schema (SQLite): territory reference data, structures, accounts, sessions, login throttle,
-- audit trail. Times are Unix seconds (UTC) in INTEGER columns; the PostgreSQL twin keeps the same shape.

CREATE TABLE regions (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    zone TEXT NOT NULL           -- metro | drom | com (overseas collectivity)
);

CREATE TABLE departements (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions (code),
    zone TEXT NOT NULL
);

CREATE TABLE epcis (
    code TEXT PRIMARY KEY,       -- SIREN
    name TEXT NOT NULL,
    kind TEXT NOT NULL,          -- CC | CA | CU | METRO | MET69
    population INTEGER
);

CREATE TABLE communes (
    code TEXT PRIMARY KEY,       -- INSEE code (COG 2026)
    name TEXT NOT NULL,
    kind TEXT NOT NULL,          -- commune | arrondissement
    departement_code TEXT NOT NULL REFERENCES departements (code),
    region_code TEXT NOT NULL REFERENCES regions (code),
    epci_code TEXT REFERENCES epcis (code),
    population INTEGER,
    postal_codes TEXT NOT NULL,  -- '|'-separated
    longitude REAL,
    latitude REAL,
    search_name TEXT NOT NULL    -- lower case, no accents nor hyphens: see domain::territory::search_key
);
CREATE INDEX communes_departement ON communes (departement_code);
CREATE INDEX communes_epci ON communes (epci_code);
CREATE INDEX communes_search_name ON communes (search_name);

CREATE TABLE structures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,          -- free label for now (France Services, CCAS, médiathèque…)
    commune_code TEXT NOT NULL REFERENCES communes (code),
    created_at INTEGER NOT NULL
);

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,          -- domain::role::Role::code
    structure_id INTEGER NOT NULL REFERENCES structures (id),
    territory_kind TEXT NOT NULL, -- epci | departement
    territory_code TEXT NOT NULL,
    password_hash TEXT NOT NULL, -- argon2id PHC string
    created_at INTEGER NOT NULL,
    last_login_at INTEGER,
    deactivated_at INTEGER
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY, -- SHA-256 of the cookie value: the token itself is never stored
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    throttle_key TEXT NOT NULL,  -- 'email:…' or 'ip:…'
    failed_at INTEGER NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (throttle_key, failed_at);

CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor_account_id INTEGER,
    action TEXT NOT NULL,        -- read | create | update | delete
    record_kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    reason TEXT NOT NULL,        -- the route or command
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_record ON audit_log (record_kind, record_id);

-- The head of the hash chain: one row, updated first in every append so that appends are serialised.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');
