-- Which way an uploaded indicator reads: by default a higher value means a more fragile commune;
-- the coordinator says when it is the lower one (a coverage rate, an access rate…).
CREATE TABLE local_indicator_directions (
    territory_kind TEXT NOT NULL,
    territory_code TEXT NOT NULL,
    indicator TEXT NOT NULL,
    lower_is_worse BIGINT NOT NULL,
    PRIMARY KEY (territory_kind, territory_code, indicator)
);
