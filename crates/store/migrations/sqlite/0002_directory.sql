-- Directory (SQLite): structures become places of the national standard; their offers carry what
-- orientation needs. The whole standard row is kept as JSON (`place_json`) so that export gives back exactly what was
-- imported; the columns beside it are what search filters on.

ALTER TABLE structures ADD COLUMN source TEXT;            -- who published the row (import file kind or source)
ALTER TABLE structures ADD COLUMN source_id TEXT;         -- the row's id in that source
ALTER TABLE structures ADD COLUMN pivot TEXT;             -- SIRET or RNA
ALTER TABLE structures ADD COLUMN latitude REAL;
ALTER TABLE structures ADD COLUMN longitude REAL;
ALTER TABLE structures ADD COLUMN services TEXT NOT NULL DEFAULT '';         -- '|'-joined labels
ALTER TABLE structures ADD COLUMN audiences TEXT NOT NULL DEFAULT '';
ALTER TABLE structures ADD COLUMN specific_support TEXT NOT NULL DEFAULT '';
ALTER TABLE structures ADD COLUMN support_modes TEXT NOT NULL DEFAULT '';
ALTER TABLE structures ADD COLUMN costs TEXT NOT NULL DEFAULT '';
ALTER TABLE structures ADD COLUMN place_json TEXT;        -- domain::directory::Place as JSON
ALTER TABLE structures ADD COLUMN support_model TEXT;     -- domain::directory::SupportModel label
ALTER TABLE structures ADD COLUMN updated_at INTEGER;
ALTER TABLE structures ADD COLUMN updated_by INTEGER REFERENCES accounts (id);
CREATE UNIQUE INDEX structures_source_id ON structures (source, source_id);
CREATE INDEX structures_commune ON structures (commune_code);

-- The offers of a structure. An imported place gets one (position 0) mirroring its lists; managers
-- refine it and add others. The whole offer is kept as JSON; the lists beside it serve search.
CREATE TABLE offers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    structure_id INTEGER NOT NULL REFERENCES structures (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    services TEXT NOT NULL,
    audiences TEXT NOT NULL,
    specific_support TEXT NOT NULL,
    support_modes TEXT NOT NULL,
    costs TEXT NOT NULL,
    offer_json TEXT NOT NULL,          -- domain::directory::Offer as JSON
    updated_at INTEGER NOT NULL,
    updated_by INTEGER REFERENCES accounts (id),
    UNIQUE (structure_id, position)
);
