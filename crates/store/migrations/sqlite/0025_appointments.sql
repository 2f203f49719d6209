-- First appointments: the windows a receiving structure opens for them (weekday 0 = Monday, minutes
-- after local midnight), the days it is closed, the appointments booked on referrals, and the secret
-- calendar feeds (iCalendar) professionals subscribe to. Codes: domain::appointment.
CREATE TABLE slot_windows (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    structure_id INTEGER NOT NULL REFERENCES structures (id),
    weekday INTEGER NOT NULL,
    start_minute INTEGER NOT NULL,
    end_minute INTEGER NOT NULL,
    length_minutes INTEGER NOT NULL,
    capacity INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX slot_windows_structure ON slot_windows (structure_id);
CREATE TABLE closed_days (
    structure_id INTEGER NOT NULL REFERENCES structures (id),
    day TEXT NOT NULL,             -- YYYY-MM-DD
    PRIMARY KEY (structure_id, day)
);
CREATE TABLE appointments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    referral_id INTEGER NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    structure_id INTEGER NOT NULL REFERENCES structures (id),
    starts_at INTEGER NOT NULL,
    length_minutes INTEGER NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    booked_by INTEGER REFERENCES accounts (id),
    booked_at INTEGER NOT NULL,
    reminded_at INTEGER
);
CREATE INDEX appointments_referral ON appointments (referral_id);
CREATE INDEX appointments_structure ON appointments (structure_id, starts_at);
CREATE TABLE calendar_feeds (
    token_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    structure_id INTEGER NOT NULL REFERENCES structures (id),
    only_assigned INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
