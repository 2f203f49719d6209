-- Teams (sqlite): an account belongs to one or more structures (memberships, each with its role and
-- territory; the account's own row stays its home membership, kept in sync), is invited by e-mail
-- through a single-use link good for 72 hours (only the SHA-256 of its token is stored), and a
-- session names the structure it acts for once its owner has chosen (NULL: the home membership).
CREATE TABLE memberships (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    structure_id INTEGER NOT NULL REFERENCES structures (id),
    role TEXT NOT NULL,             -- domain::role::Role::code
    territory_kind TEXT NOT NULL,   -- epci | departement
    territory_code TEXT NOT NULL,
    granted_by INTEGER,                -- the account that invited or changed it; NULL when created by an administrator or a command
    granted_at INTEGER NOT NULL,
    UNIQUE (account_id, structure_id)
);
CREATE INDEX memberships_structure ON memberships (structure_id);

INSERT INTO memberships (account_id, structure_id, role, territory_kind, territory_code, granted_by, granted_at)
SELECT id, structure_id, role, territory_kind, territory_code, NULL, created_at FROM accounts;

CREATE TABLE invitations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE, -- SHA-256 of the link's token: the token itself is never stored
    email TEXT NOT NULL,
    structure_id INTEGER NOT NULL REFERENCES structures (id),
    role TEXT NOT NULL,
    territory_kind TEXT NOT NULL,
    territory_code TEXT NOT NULL,
    invited_by INTEGER NOT NULL REFERENCES accounts (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    cancelled_at INTEGER,
    accepted_by INTEGER                 -- the account that joined through it
);
CREATE INDEX invitations_structure ON invitations (structure_id);

ALTER TABLE sessions ADD COLUMN acting_structure_id INTEGER;
