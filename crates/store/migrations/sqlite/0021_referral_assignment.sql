-- The mediator of the receiving structure a referral is given to: its structure manager assigns
-- each received referral to one of the structure's mediators (or takes the assignment back). NULL:
-- the whole structure's, as before.
ALTER TABLE referrals ADD COLUMN assigned_account_id BIGINT REFERENCES accounts (id);
