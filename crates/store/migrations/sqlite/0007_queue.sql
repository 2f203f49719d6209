-- The territory's steering settings, the instance's keys, and in-app notifications (sqlite).
CREATE TABLE territory_settings (
    scope_kind TEXT NOT NULL,         -- epci | departement
    scope_code TEXT NOT NULL,
    answer_days INTEGER NOT NULL,        -- target delay to accept or refuse a referral
    first_contact_days INTEGER NOT NULL, -- target delay from acceptance to the first contact
    weights_json TEXT NOT NULL,       -- domain::orientation::Weights
    updated_at INTEGER NOT NULL,
    updated_by INTEGER REFERENCES accounts (id),
    PRIMARY KEY (scope_kind, scope_code)
);

-- Secrets generated once per instance (e.g. the key of the coordinator's pseudonyms).
CREATE TABLE instance_keys (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- In-app notifications, to one account or to every professional of a structure.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER REFERENCES accounts (id),
    structure_id INTEGER REFERENCES structures (id),
    created_at INTEGER NOT NULL,
    text TEXT NOT NULL,               -- no name of the person: « Nouvelle orientation reçue »
    link TEXT NOT NULL,
    read_at INTEGER
);
CREATE INDEX notifications_account ON notifications (account_id, created_at);
CREATE INDEX notifications_structure ON notifications (structure_id, created_at);
