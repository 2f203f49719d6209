-- Second factor and self-service (sqlite): TOTP secrets (sealed under a key derived from the audit
-- key, never shown again after enrolment), single-use recovery codes (hashed), the sign-in stage and
-- device of each session with a random handle to end it from « Mon compte », and password-reset
-- links (hashed, single use, 30 minutes). Sessions opened before this version are ended: each
-- session now has a handle, and administrators and coordinators enrol at their next sign-in.
CREATE TABLE second_factors (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    sealed_secret TEXT NOT NULL,    -- base64 of nonce || ChaCha20-Poly1305 ciphertext
    created_at INTEGER NOT NULL,
    confirmed_at INTEGER,           -- NULL while the enrolment waits for its first code
    last_used_step INTEGER          -- the last 30-second step whose code was accepted: no replay
);

CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,        -- SHA-256 of the normalised code
    used_at INTEGER
);
CREATE INDEX recovery_codes_account ON recovery_codes (account_id);

DELETE FROM sessions;
ALTER TABLE sessions ADD COLUMN handle TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'complete'; -- domain::session::SessionStage::code
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
CREATE INDEX sessions_handle ON sessions (handle);

CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,    -- SHA-256 of the link's token
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX password_resets_account ON password_resets (account_id);
