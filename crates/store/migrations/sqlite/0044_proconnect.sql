-- ProConnect sign-in (sqlite): the sign-ins under way (state, nonce and PKCE verifier, bound to the
-- browser that started them, ten minutes at most), the identities an account signs in with
-- (issuer + subject), the access requests of people ProConnect knows but this instance does not, and
-- the ID token of a session opened by ProConnect (for the logout at the provider).
CREATE TABLE oidc_sign_ins (
    state_hash TEXT PRIMARY KEY,   -- SHA-256 of the `state` sent to the provider
    browser_hash TEXT NOT NULL,    -- SHA-256 of the random value in the browser's cookie
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    next_path TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE account_identities (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    linked_at INTEGER NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX account_identities_account ON account_identities (account_id);

CREATE TABLE access_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    email TEXT NOT NULL,
    given_name TEXT NOT NULL,
    usual_name TEXT NOT NULL,
    siret TEXT NOT NULL,
    requested_at INTEGER NOT NULL,
    decided_at INTEGER,
    decided_by INTEGER REFERENCES accounts (id),
    decision TEXT,                 -- approved | refused
    account_id INTEGER REFERENCES accounts (id),
    UNIQUE (issuer, subject)
);
CREATE INDEX access_requests_siret ON access_requests (siret);

ALTER TABLE sessions ADD COLUMN id_token TEXT;
