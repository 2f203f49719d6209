-- The pathway ("parcours") after a referral is accepted (postgres): the sessions the receiving structure records,
-- coded with the activity report (CRA) vocabulary of La Coop de la médiation numérique (its `api` codes, see
-- domain::pathway), the registered people present at a collective workshop, and how each referral ended with
-- what the person gained: coded rights and a monthly bracket, never an amount (DATA-PROTECTION.md).
CREATE TABLE pathway_sessions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- the person's referral for an individual session; NULL for a collective workshop, whose registered
    -- people are in pathway_session_people (an anonymous-only workshop has none)
    referral_id BIGINT REFERENCES referrals (id) ON DELETE CASCADE,
    structure_id BIGINT NOT NULL REFERENCES structures (id),
    account_id BIGINT REFERENCES accounts (id),  -- the mediator who recorded it
    held_on TEXT NOT NULL,                  -- YYYY-MM-DD
    duration_minutes BIGINT NOT NULL CHECK (duration_minutes > 0 AND duration_minutes <= 480),
    kind TEXT NOT NULL CHECK (kind IN ('individuel', 'collectif')),
    place TEXT NOT NULL,                    -- CRA type_lieu code
    commune_code TEXT,                      -- where it took place (CRA lieu_code_insee)
    equipment TEXT NOT NULL,                -- CRA materiel codes joined with |, '' for none said
    themes TEXT NOT NULL,                   -- CRA thematiques and thematiques_demarche codes joined with |
    observed_autonomy TEXT,                 -- CRA autonomie code, individual sessions only
    participants BIGINT,                   -- collective only: everyone present
    anonymous_participants BIGINT,         -- collective only: those not registered
    workshop_level TEXT,                    -- CRA niveau code, collective only
    title TEXT,                             -- collective only
    notes TEXT,                             -- short, never shared with another structure
    created_at BIGINT NOT NULL,
    CHECK ((kind = 'individuel') = (referral_id IS NOT NULL)),
    CHECK ((kind = 'individuel') = (observed_autonomy IS NOT NULL)),
    CHECK ((kind = 'collectif') = (participants IS NOT NULL))
);
CREATE INDEX pathway_sessions_structure ON pathway_sessions (structure_id, held_on);
CREATE INDEX pathway_sessions_held_on ON pathway_sessions (held_on);
CREATE INDEX pathway_sessions_referral ON pathway_sessions (referral_id);

-- The registered people present at a collective workshop, by their referral.
CREATE TABLE pathway_session_people (
    session_id BIGINT NOT NULL REFERENCES pathway_sessions (id) ON DELETE CASCADE,
    referral_id BIGINT NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    PRIMARY KEY (session_id, referral_id)
);
CREATE INDEX pathway_session_people_referral ON pathway_session_people (referral_id);

-- How a referral ended, written in the same transaction as its closing transition.
CREATE TABLE referral_outcomes (
    referral_id BIGINT PRIMARY KEY REFERENCES referrals (id) ON DELETE CASCADE,
    outcome TEXT NOT NULL,                  -- domain::orientation::ClosingOutcome label
    rights TEXT NOT NULL,                   -- domain::pathway::RightKind codes joined with |, '' for none
    money_bracket TEXT,                     -- domain::pathway::MoneyBracket code (monthly)
    job_or_training BIGINT NOT NULL,       -- 1 when the person found a job or entered a training
    sent_elsewhere_kind TEXT,               -- CRA structure_de_redirection code, for « Orientée ailleurs » only
    sent_elsewhere_name TEXT,
    closed_at BIGINT NOT NULL,
    closed_by BIGINT REFERENCES accounts (id)
);
