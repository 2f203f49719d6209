-- The lifecycle of accounts without sign-in (postgres): when the inactivity warning was sent, and when
-- the identity of a long-deactivated account was anonymised (domain::account_lifecycle).
ALTER TABLE accounts ADD COLUMN inactivity_warned_at BIGINT;
ALTER TABLE accounts ADD COLUMN anonymised_at BIGINT;
