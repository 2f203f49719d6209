-- The register of a person's rights requests (access, portability, rectification, erasure, consent
-- withdrawal, objection, limitation: domain::rights::RightsRequestKind codes). It holds no copy of the
-- data and no name: the person is named by the pseudonymous reference the audit trail uses
-- (`personne-12`), with no link to the people table, so an entry stands after the person's erasure.
-- Kept 12 months after the answer (domain::rights::RECORD_LIFETIME_MONTHS), then deleted.
CREATE TABLE rights_requests (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL,
    person_ref TEXT NOT NULL,          -- personne-{id}
    structure_id BIGINT NOT NULL REFERENCES structures (id),
    received_on TEXT NOT NULL,         -- YYYY-MM-DD, the day the request reached the structure
    recorded_at BIGINT NOT NULL,
    handled_by BIGINT REFERENCES accounts (id),
    answered_at BIGINT
);
CREATE INDEX rights_requests_received ON rights_requests (received_on);
CREATE INDEX rights_requests_person ON rights_requests (person_ref);
