-- Published digital fragility indexes (postgres): one edition (2019 per IRIS, 2023 per commune or EPCI) at a
-- time, replaced whole by each import; values as JSON (indicator or axis → score), total apart.
CREATE TABLE published_fragility (
    edition TEXT NOT NULL,            -- 2019 | 2023
    level TEXT NOT NULL,              -- iris | commune | epci
    code TEXT NOT NULL,               -- IRIS code, commune code or EPCI SIREN
    commune_code TEXT,                -- the commune of an IRIS or of a commune row
    name TEXT NOT NULL,
    values_json TEXT NOT NULL,
    total DOUBLE PRECISION,
    imported_at BIGINT NOT NULL,
    PRIMARY KEY (edition, level, code)
);
CREATE INDEX published_fragility_commune ON published_fragility (edition, commune_code);
