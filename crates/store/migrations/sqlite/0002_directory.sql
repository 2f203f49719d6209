-- Directory (SQLite): structures become places of the national standard; offers carry what orientation
-- needs. The whole standard row is kept as JSON (`place_json`) so that export gives back exactly what was
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
ALTER TABLE structures ADD COLUMN orientation_json TEXT;  -- domain::directory::OrientationFacts as JSON
ALTER TABLE structures ADD COLUMN updated_at INTEGER;
ALTER TABLE structures ADD COLUMN updated_by INTEGER REFERENCES accounts (id);
CREATE UNIQUE INDEX structures_source_id ON structures (source, source_id);
CREATE INDEX structures_commune ON structures (commune_code);
