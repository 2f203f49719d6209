-- The latest typology override, read by the steering indicators' watermark (a typology
-- override changes the person's typology in the indicators).
CREATE INDEX diagnostics_override_at ON diagnostics (override_at);
