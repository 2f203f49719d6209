-- First appointments: the windows a receiving structure opens for them (weekday 0 = Monday, minutes
-- after local midnight), the days it is closed, the appointments booked on referrals, and the secret
-- calendar feeds (iCalendar) professionals subscribe to. Codes: domain::appointment.
CREATE TABLE slot_windows (
    id BIGSERIAL PRIMARY KEY,
    structure_id BIGINT NOT NULL REFERENCES structures (id),
    weekday BIGINT NOT NULL,
    start_minute BIGINT NOT NULL,
    end_minute BIGINT NOT NULL,
    length_minutes BIGINT NOT NULL,
    capacity BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX slot_windows_structure ON slot_windows (structure_id);
CREATE TABLE closed_days (
    structure_id BIGINT NOT NULL REFERENCES structures (id),
    day TEXT NOT NULL,             -- YYYY-MM-DD
    PRIMARY KEY (structure_id, day)
);
CREATE TABLE appointments (
    id BIGSERIAL PRIMARY KEY,
    referral_id BIGINT NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    structure_id BIGINT NOT NULL REFERENCES structures (id),
    starts_at BIGINT NOT NULL,
    length_minutes BIGINT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    booked_by BIGINT REFERENCES accounts (id),
    booked_at BIGINT NOT NULL,
    reminded_at BIGINT
);
CREATE INDEX appointments_referral ON appointments (referral_id);
CREATE INDEX appointments_structure ON appointments (structure_id, starts_at);
CREATE TABLE calendar_feeds (
    token_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    structure_id BIGINT NOT NULL REFERENCES structures (id),
    only_assigned BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
