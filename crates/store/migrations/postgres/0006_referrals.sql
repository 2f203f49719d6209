-- Referrals ("orientations") from a prescriber's structure to an offer (postgres): the profile as it was,
-- the person's consent to share (which structure, which data, the text shown), every transition dated
-- and attributed, and a version for optimistic concurrency.
CREATE TABLE referrals (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    sender_structure_id BIGINT NOT NULL REFERENCES structures (id),
    sender_account_id BIGINT REFERENCES accounts (id),
    offer_id BIGINT NOT NULL REFERENCES offers (id),
    receiver_structure_id BIGINT NOT NULL REFERENCES structures (id),
    state TEXT NOT NULL,              -- domain::orientation::ReferralState label
    profile_json TEXT NOT NULL,       -- the profile when the referral was made
    message TEXT NOT NULL,
    urgent BIGINT NOT NULL,             -- 1 when the profile carried an urgency
    created_at BIGINT NOT NULL,
    state_changed_at BIGINT NOT NULL,
    version BIGINT NOT NULL             -- incremented by every transition
);
CREATE INDEX referrals_receiver ON referrals (receiver_structure_id, state);
CREATE INDEX referrals_sender ON referrals (sender_structure_id, state);
CREATE INDEX referrals_person ON referrals (person_id);
CREATE INDEX referrals_offer ON referrals (offer_id, state);

CREATE TABLE referral_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    referral_id BIGINT NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    account_id BIGINT REFERENCES accounts (id),
    side TEXT NOT NULL,               -- sender | receiver | coordinator
    event TEXT NOT NULL,              -- in French, e.g. « Refus : Plus de place disponible »
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    comment TEXT NOT NULL,
    offer_id BIGINT                     -- the new offer of a redirection
);
CREATE INDEX referral_events_referral ON referral_events (referral_id, id);

-- The consent to share with the receiving structure, recorded before the referral is sent.
CREATE TABLE sharing_consents (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    referral_id BIGINT NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    receiver_structure_id BIGINT NOT NULL REFERENCES structures (id),
    data_scope TEXT NOT NULL,         -- what is shared, e.g. identite|contact|profil
    text_version TEXT NOT NULL,
    text TEXT NOT NULL,
    recorded_by BIGINT REFERENCES accounts (id),
    recorded_at BIGINT NOT NULL
);
CREATE INDEX sharing_consents_referral ON sharing_consents (referral_id);
