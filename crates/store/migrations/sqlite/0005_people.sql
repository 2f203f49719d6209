-- People helped, their consents and diagnostics (sqlite). Only what DATA-PROTECTION.md allows: no national
-- identifier, no medical detail, no income. A person belongs to the structure that enrolled them; only
-- its professionals see them (checked in every query). Erasure deletes the rows and adds to
-- anonymous_counts.
CREATE TABLE people (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    structure_id INTEGER NOT NULL REFERENCES structures (id),
    enrolled_by INTEGER REFERENCES accounts (id),
    enrolled_at INTEGER NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    name_key TEXT NOT NULL,        -- domain::person::name_key, for possible duplicates
    phone TEXT,
    email TEXT,
    no_phone INTEGER NOT NULL,        -- 1 when the person has no phone
    commune_code TEXT NOT NULL REFERENCES communes (code),
    birth_year INTEGER,
    last_contact_at INTEGER NOT NULL  -- retention runs from here (24 months)
);
CREATE INDEX people_structure_name ON people (structure_id, name_key);

CREATE TABLE consents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,         -- enrolment (later: referral sharing)
    text_version TEXT NOT NULL,
    text TEXT NOT NULL,            -- the words shown, as shown
    recorded_by INTEGER REFERENCES accounts (id),
    recorded_at INTEGER NOT NULL
);
CREATE INDEX consents_person ON consents (person_id);

CREATE TABLE diagnostics (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    made_by INTEGER REFERENCES accounts (id),
    made_at INTEGER NOT NULL,
    answers_json TEXT NOT NULL,    -- domain::diagnostic::Answers
    profile_json TEXT NOT NULL,    -- domain::diagnostic::Profile as computed then
    typology TEXT NOT NULL,
    overall TEXT NOT NULL,
    first_help TEXT NOT NULL,
    override_typology TEXT,
    override_help TEXT,
    override_reason TEXT,
    override_by INTEGER REFERENCES accounts (id),
    override_at INTEGER
);
CREATE INDEX diagnostics_person ON diagnostics (person_id, made_at);

-- What remains of erased records: counts only, by month and fact.
CREATE TABLE anonymous_counts (
    period TEXT NOT NULL,          -- YYYY-MM
    fact TEXT NOT NULL,            -- e.g. personne_effacee, diagnostic_efface:Autonome
    count INTEGER NOT NULL,
    PRIMARY KEY (period, fact)
);

-- Requests to be contacted after a self-diagnostic: the territory's queue.
CREATE TABLE contact_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at INTEGER NOT NULL,
    first_name TEXT NOT NULL,
    phone TEXT,
    email TEXT,
    commune_code TEXT NOT NULL REFERENCES communes (code),
    departement_code TEXT NOT NULL,
    epci_code TEXT,
    answers_json TEXT NOT NULL,
    typology TEXT NOT NULL,
    first_help TEXT NOT NULL,
    consent_version TEXT NOT NULL,
    consent_text TEXT NOT NULL,
    taken_by_structure_id INTEGER REFERENCES structures (id),
    taken_by INTEGER REFERENCES accounts (id),
    taken_at INTEGER
);
CREATE INDEX contact_requests_departement ON contact_requests (departement_code, created_at);
CREATE INDEX contact_requests_epci ON contact_requests (epci_code, created_at);
