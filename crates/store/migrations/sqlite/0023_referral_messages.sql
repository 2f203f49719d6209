-- The short thread between the sending and the receiving professionals of a referral: checked free
-- text (no identifier, no bank details, no health detail), kept with the referral and erased with it.
CREATE TABLE referral_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    referral_id BIGINT NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    account_id BIGINT REFERENCES accounts (id),
    structure_id BIGINT NOT NULL REFERENCES structures (id),
    text TEXT NOT NULL
);
CREATE INDEX referral_messages_referral ON referral_messages (referral_id, id);
