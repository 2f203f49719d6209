-- When the referral had entered the state a redistribution moved it from: undoing the move gives it
-- back its clock too, so its delays run from where they were (NULL for moves kept before).
ALTER TABLE redistribution_moves ADD COLUMN from_state_changed_at BIGINT;
