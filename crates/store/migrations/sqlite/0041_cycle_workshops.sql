-- The workshops a cycle of the resource bank plans in the pathway (sqlite): one per session of the cycle,
-- on its planned day, for the structure of the mediator who created them. A planned workshop becomes a
-- recorded collective workshop (pathway_sessions, which then names the bank session and the cycle) when
-- the mediator records who came; until then it counts in no indicator.
CREATE TABLE cycle_workshops (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cycle_id INTEGER NOT NULL REFERENCES resource_cycles (id),
    position INTEGER NOT NULL,
    resource_session_id INTEGER NOT NULL REFERENCES resource_sessions (id),
    structure_id INTEGER NOT NULL REFERENCES structures (id),
    planned_on TEXT NOT NULL,               -- YYYY-MM-DD
    title TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL,
    workshop_level TEXT NOT NULL,           -- CRA niveau code
    themes TEXT NOT NULL,                   -- CRA thematiques codes joined with |
    pathway_session_id INTEGER UNIQUE REFERENCES pathway_sessions (id) ON DELETE SET NULL,
    created_by INTEGER NOT NULL REFERENCES accounts (id),
    created_at INTEGER NOT NULL,
    UNIQUE (cycle_id, position)
);
CREATE INDEX cycle_workshops_structure ON cycle_workshops (structure_id, planned_on);
CREATE INDEX resource_cycle_items_session ON resource_cycle_items (session_id);
CREATE INDEX resource_cycles_structure ON resource_cycles (structure_id);
