-- The lifecycle of accounts without sign-in (sqlite): when the inactivity warning was sent, and when
-- the identity of a long-deactivated account was anonymised (domain::account_lifecycle).
ALTER TABLE accounts ADD COLUMN inactivity_warned_at INTEGER;
ALTER TABLE accounts ADD COLUMN anonymised_at INTEGER;
