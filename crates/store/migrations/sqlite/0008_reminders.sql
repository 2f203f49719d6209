-- The version of a referral at its last reminder, so that a late referral is reminded once per state (sqlite).
ALTER TABLE referrals ADD COLUMN reminded_version INTEGER;
