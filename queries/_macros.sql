-- Macros loaded into every connection. Wilson score interval (no continuity correction),
-- as PHEindicatormethods' phe_proportion, on the 0-100 scale. NIMS denominators are of a
-- later vintage than some numerators, so a numerator can exceed its denominator; the CI is
-- computed on the numerator capped at the denominator and the value is left as published.
CREATE OR REPLACE MACRO wilson_lower(n, d, z) AS
    CASE WHEN d > 0 AND n IS NOT NULL THEN
        100 * (2 * least(n, d) + z * z
               - z * sqrt(z * z + 4 * least(n, d) * (1 - least(n, d) / d)))
            / (2 * (d + z * z))
    END;
CREATE OR REPLACE MACRO wilson_upper(n, d, z) AS
    CASE WHEN d > 0 AND n IS NOT NULL THEN
        100 * (2 * least(n, d) + z * z
               + z * sqrt(z * z + 4 * least(n, d) * (1 - least(n, d) / d)))
            / (2 * (d + z * z))
    END;
CREATE OR REPLACE MACRO percent_of(n, d) AS CASE WHEN d > 0 THEN 100.0 * n / d END;
-- Lower bound of an age band label: 'All' -> NULL, '50-54' -> 50, '80+' -> 80.
CREATE OR REPLACE MACRO age_band_lower(band) AS
    CASE WHEN band = 'All' THEN NULL
         ELSE TRY_CAST(regexp_extract(band, '^([0-9]+)', 1) AS INTEGER) END;
-- Does a stored band answer a requested band? 'N+' requests sum the bands from N up.
CREATE OR REPLACE MACRO age_band_matches(band, requested) AS
    CASE WHEN requested = 'All' THEN band = 'All'
         WHEN requested LIKE '%+' AND band <> requested
              AND band <> 'All'
              THEN age_band_lower(band) >= TRY_CAST(rtrim(requested, '+') AS INTEGER)
         ELSE band = requested END;
