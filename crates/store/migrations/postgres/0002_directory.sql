-- Directory (PostgreSQL): structures become places of the national standard; offers carry what orientation
-- needs. The whole standard row is kept as JSON (`place_json`) so that export gives back exactly what was
-- imported; the columns beside it are what search filters on.

ALTER TABLE structures ADD COLUMN source TEXT;            -- who published the row (import file kind or source)
ALTER TABLE structures ADD COLUMN source_id TEXT;         -- the row's id in that source
ALTER TABLE structures ADD COLUMN pivot TEXT;             -- SIRET or RNA
ALTER TABLE structures ADD COLUMN latitude DOUBLE PRECISION;
ALTER TABLE structures ADD COLUMN longitude DOUBLE PRECISION;
ALTER TABLE structures ADD COLUMN services TEXT NOT NULL DEFAULT '';         -- '|'-joined labels
ALTER TABLE structures ADD COLUMN audiences TEXT NOT NULL DEFAULT '';
ALTER TABLE structures ADD COLUMN specific_support TEXT NOT NULL DEFAULT '';
ALTER TABLE structures ADD COLUMN support_modes TEXT NOT NULL DEFAULT '';
ALTER TABLE structures ADD COLUMN costs TEXT NOT NULL DEFAULT '';
ALTER TABLE structures ADD COLUMN place_json TEXT;        -- domain::directory::Place as JSON
ALTER TABLE structures ADD COLUMN support_model TEXT;     -- domain::directory::SupportModel label
ALTER TABLE structures ADD COLUMN updated_at BIGINT;
ALTER TABLE structures ADD COLUMN updated_by BIGINT REFERENCES accounts (id);
CREATE UNIQUE INDEX structures_source_id ON structures (source, source_id);
CREATE INDEX structures_commune ON structures (commune_code);

-- The offers of a structure. An imported place gets one (position 0) mirroring its lists; managers
-- refine it and add others. The whole offer is kept as JSON; the lists beside it serve search.
CREATE TABLE offers (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    structure_id BIGINT NOT NULL REFERENCES structures (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    services TEXT NOT NULL,
    audiences TEXT NOT NULL,
    specific_support TEXT NOT NULL,
    support_modes TEXT NOT NULL,
    costs TEXT NOT NULL,
    offer_json TEXT NOT NULL,          -- domain::directory::Offer as JSON
    updated_at BIGINT NOT NULL,
    updated_by BIGINT REFERENCES accounts (id),
    UNIQUE (structure_id, position)
);
