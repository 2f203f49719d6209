-- The login throttle becomes one counter per key (a hashed e-mail or a client address), so that an
-- attempt is reserved by one atomic upsert before its password is checked: concurrent guesses can
-- no longer all read "under the limit" and all be checked. The window starts at the first attempt
-- counted and lasts the throttle window.
DROP TABLE login_failures;

CREATE TABLE login_throttle (
    throttle_key TEXT PRIMARY KEY,       -- 'email:' + SHA-256 of the e-mail, or 'ip:' + address
    window_started_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL              -- failed attempts, and attempts being checked right now
);
CREATE INDEX login_throttle_window ON login_throttle (window_started_at);

-- The login form's CSRF nonces: issued by the server with the form, checked and consumed by the
-- login, so that a cookie/token pair not issued here, or already used, is refused (kept in the
-- database, not in a process: several instances share it).
CREATE TABLE login_nonces (
    nonce_hash TEXT PRIMARY KEY,          -- SHA-256 of the nonce: the nonce itself is never stored
    expires_at BIGINT NOT NULL
);
CREATE INDEX login_nonces_expiry ON login_nonces (expires_at);
