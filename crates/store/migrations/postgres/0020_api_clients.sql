-- API clients: partner tools (a territory's dashboards, a structure's own software) calling the JSON
-- API with a bearer credential `client-id:client-secret`. Only the SHA-256 of the secret is stored
-- (a random 256-bit secret: a slow hash adds nothing); scopes are stable codes; a client that writes
-- people or referrals acts for one structure, as one of its professionals (who answers for it in the
-- audit journal); a revoked client is kept for the audit trail. The
-- counter is the rate limit's fixed window, shared by every instance of the server.
CREATE TABLE api_clients (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    scopes TEXT NOT NULL,                 -- '|'-separated: directory:read, indicators:read, …
    structure_id BIGINT REFERENCES structures (id),
    account_id BIGINT REFERENCES accounts (id), -- the professional a writing client acts as
    territory TEXT,                       -- a TerritoryScope ('dep:49', 'epci:…'); NULL: the whole instance
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    last_used_at BIGINT,
    window_started_at BIGINT NOT NULL DEFAULT 0,
    calls_in_window BIGINT NOT NULL DEFAULT 0
);
