-- Local indicator values a coordinator uploads for the communes of their territory (postgres), e.g. the share
-- of households a benefits office follows: each upload replaces the indicators it carries; the
-- territorial index page can then weigh them beside the shipped national indicators.
CREATE TABLE local_indicators (
    territory_kind TEXT NOT NULL,     -- epci | departement
    territory_code TEXT NOT NULL,
    indicator TEXT NOT NULL,
    commune_code TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    uploaded_at BIGINT NOT NULL,
    uploaded_by BIGINT,
    PRIMARY KEY (territory_kind, territory_code, indicator, commune_code)
);
