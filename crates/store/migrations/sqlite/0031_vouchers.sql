-- Digital inclusion vouchers (issue 22). A campaign funded by a sponsor structure over a territory;
-- the places qualified to redeem its vouchers; its books, each allocated to a prescriber structure;
-- the vouchers (random numbers with a check symbol, domain::voucher::number); the append-only
-- ledger chained by keyed hashes (domain::voucher::ledger), which holds no personal data; the
-- monthly statements marked paid. Codes: domain::voucher (TargetAudience, VoucherState,
-- LedgerKind), domain::directory::vocabulary::HelpKind, domain::pathway::AgeBand (CRA codes).
CREATE TABLE voucher_campaigns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sponsor_structure_id INTEGER NOT NULL REFERENCES structures (id),
    territory_kind TEXT NOT NULL,
    territory_code TEXT NOT NULL,
    name TEXT NOT NULL,
    face_value_euros INTEGER NOT NULL,
    payment_kind TEXT NOT NULL,       -- sessions | share
    payment_amount INTEGER NOT NULL,
    audiences TEXT NOT NULL,          -- TargetAudience codes, separated by commas
    help_kinds TEXT NOT NULL,         -- HelpKind codes, separated by commas
    valid_from TEXT NOT NULL,         -- YYYY-MM-DD
    valid_until TEXT NOT NULL,        -- YYYY-MM-DD, the last valid day
    budget_euros INTEGER NOT NULL,
    created_by INTEGER REFERENCES accounts (id),
    created_at INTEGER NOT NULL
);

CREATE TABLE voucher_places (
    campaign_id INTEGER NOT NULL REFERENCES voucher_campaigns (id),
    structure_id INTEGER NOT NULL REFERENCES structures (id),
    qualified_by INTEGER REFERENCES accounts (id),
    qualified_at INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, structure_id)
);

CREATE TABLE voucher_books (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id INTEGER NOT NULL REFERENCES voucher_campaigns (id),
    ordinal INTEGER NOT NULL,         -- the book's number in its campaign
    size INTEGER NOT NULL,
    printed_at INTEGER NOT NULL,
    holder_structure_id INTEGER REFERENCES structures (id),
    allocated_at INTEGER,
    allocated_by INTEGER REFERENCES accounts (id),
    received_at INTEGER,
    received_by INTEGER REFERENCES accounts (id),
    UNIQUE (campaign_id, ordinal)
);

CREATE TABLE vouchers (
    number TEXT PRIMARY KEY,          -- canonical form, 16 symbols
    campaign_id INTEGER NOT NULL REFERENCES voucher_campaigns (id),
    book_id INTEGER NOT NULL REFERENCES voucher_books (id),
    state TEXT NOT NULL,
    issued_at INTEGER NOT NULL,
    allocated_at INTEGER,
    handed_at INTEGER,
    handed_by_structure_id INTEGER REFERENCES structures (id),
    -- The referral it was handed from: the only way to a person, removed by the person's erasure.
    referral_id INTEGER REFERENCES referrals (id) ON DELETE SET NULL,
    audience TEXT,
    age_band TEXT,
    commune_code TEXT,
    help_kind TEXT,
    redeemed_at INTEGER,
    redeemed_by_structure_id INTEGER REFERENCES structures (id),
    expired_at INTEGER,
    cancelled_at INTEGER
);
CREATE INDEX vouchers_by_campaign ON vouchers (campaign_id, state);
CREATE INDEX vouchers_by_book ON vouchers (book_id);
CREATE INDEX vouchers_by_referral ON vouchers (referral_id);
CREATE INDEX vouchers_by_place ON vouchers (redeemed_by_structure_id, redeemed_at);

CREATE TABLE voucher_ledger (
    sequence INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    number TEXT NOT NULL,
    campaign_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    structure_id INTEGER,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX voucher_ledger_by_number ON voucher_ledger (number);
CREATE INDEX voucher_ledger_by_campaign ON voucher_ledger (campaign_id, sequence);

-- The ledger's head: touched first by every append, so that appends queue and never fork.
CREATE TABLE voucher_ledger_head (
    id INTEGER PRIMARY KEY,
    sequence INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO voucher_ledger_head (id, sequence, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE voucher_statements_paid (
    campaign_id INTEGER NOT NULL REFERENCES voucher_campaigns (id),
    structure_id INTEGER NOT NULL REFERENCES structures (id),
    month TEXT NOT NULL,              -- YYYY-MM
    vouchers INTEGER NOT NULL,
    total_euros INTEGER NOT NULL,
    paid_at INTEGER NOT NULL,
    paid_by INTEGER REFERENCES accounts (id),
    PRIMARY KEY (campaign_id, structure_id, month)
);
