-- The audit chain becomes keyed: new entries are hashed with HMAC-SHA256 under the instance's secret
-- audit key, kept outside the database. Entries written before are plain SHA-256 ('sha256'): they stay
-- verifiable, but only as the chain's prefix of `legacy_entries` entries, which the store seals under
-- the key (`legacy_seal`) right after this migration.
ALTER TABLE audit_log ADD COLUMN hash_scheme TEXT NOT NULL DEFAULT 'sha256';
ALTER TABLE audit_head ADD COLUMN legacy_entries BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_head ADD COLUMN legacy_seal TEXT;
UPDATE audit_head SET legacy_entries = seq WHERE id = 1;
