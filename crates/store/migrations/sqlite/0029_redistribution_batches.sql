-- Each confirmed redistribution, kept so that its coordinator can undo it while nobody acted on it:
-- the batch (territory, author, when, undone when) and each move (the referral, the offer and the
-- state it left, the offer it went to, its version right after the move). State codes:
-- domain::orientation::ReferralState.
CREATE TABLE redistribution_batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    territory_kind TEXT NOT NULL,
    territory_code TEXT NOT NULL,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    applied_at INTEGER NOT NULL,
    undone_at INTEGER,
    undone_by INTEGER REFERENCES accounts (id)
);
CREATE INDEX redistribution_batches_territory ON redistribution_batches (territory_kind, territory_code, applied_at);
CREATE TABLE redistribution_moves (
    batch_id INTEGER NOT NULL REFERENCES redistribution_batches (id),
    referral_id INTEGER NOT NULL,
    from_offer_id INTEGER NOT NULL,
    from_state TEXT NOT NULL,
    to_offer_id INTEGER NOT NULL,
    version_after INTEGER NOT NULL,
    undone INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (batch_id, referral_id)
);
