-- Macros loaded into every connection. Wilson score interval (no continuity correction),
-- as PHEindicatormethods' phe_proportion, on the 0-100 scale. NIMS denominators are of a
-- later vintage than some numerators, so a numerator can exceed its denominator; the CI is
-- computed on the numerator capped at the denominator and the value is left as published.
-- These macros are what the pages show; equity/stats.py's wilson_interval is the Python
-- reference they are tested against (PHEindicatormethods' own test data).
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
-- Crude-rate limits as PHEindicatormethods' phe_rate (equity.stats.rate_interval): exact
-- Poisson below 10 events, Byar's approximation from 10 up; counts summed in SQL first.
-- DuckDB has no chi-square quantile, so the exact limits for counts 0..9 are a lookup,
-- defined for z = 1.959963984540054 (95%) and z = 3.090232306167813 (99.8%) only. A
-- non-integer count below 10 (e.g. modelled) or another z gives NULL rather than a guess.
-- One of two lists of exact limits for counts 0..9, chosen by z; NULL otherwise.
CREATE OR REPLACE MACRO rate_exact_lookup(x, z, at_95, at_998) AS
    CASE WHEN x <> floor(x) THEN NULL
         WHEN abs(z - 1.959963984540054) < 1e-9 THEN at_95[CAST(x AS INTEGER) + 1]
         WHEN abs(z - 3.090232306167813) < 1e-9 THEN at_998[CAST(x AS INTEGER) + 1]
    END;
CREATE OR REPLACE MACRO rate_count_lower(x, z) AS
    CASE WHEN x IS NULL OR x < 0 THEN NULL
         WHEN x >= 10 THEN x * pow(1 - 1 / (9 * x) - z / (3 * sqrt(x)), 3)
         ELSE rate_exact_lookup(x, z,
             [0.0, 0.025317807984289897, 0.24220927854396507, 0.6186721228956015,
              1.089865373626325, 1.623486390118421, 2.201894253490851, 2.814363051519867,
              3.4538321767485023, 4.115373097378334],
             [0.0, 0.0010005003335835346, 0.045402017769489565, 0.19053337756840327,
              0.42855241362842295, 0.7393717319178327, 1.1071046602556396,
              1.5203362603988093, 1.9708139217403662, 2.452424404363775])
    END;
CREATE OR REPLACE MACRO rate_count_upper(x, z) AS
    CASE WHEN x IS NULL OR x < 0 THEN NULL
         WHEN x >= 10 THEN (x + 1) * pow(1 - 1 / (9 * (x + 1)) + z / (3 * sqrt(x + 1)), 3)
         ELSE rate_exact_lookup(x, z,
             [3.6888794541139354, 5.571643390938898, 7.22468766772396, 8.767273069742323,
              10.241588675403694, 11.66833207932267, 13.059474022518685, 14.422675361702376,
              15.763189220193313, 17.084803451419166],
             [6.907755278982137, 9.233413476451585, 11.228872242412661, 13.06224077918807,
              14.79414922253721, 16.454745203680105, 18.061636840199064, 19.626177395384232,
              21.15619816583998, 22.65737330906293])
    END;
CREATE OR REPLACE MACRO rate_per(x, d, multiplier) AS
    CASE WHEN d > 0 AND x >= 0 THEN multiplier * x / d END;
CREATE OR REPLACE MACRO rate_lower(x, d, multiplier, z) AS
    CASE WHEN d > 0 THEN multiplier * rate_count_lower(x, z) / d END;
CREATE OR REPLACE MACRO rate_upper(x, d, multiplier, z) AS
    CASE WHEN d > 0 THEN multiplier * rate_count_upper(x, z) / d END;
-- An indicator's value and 95% limits from summed counts, by its catalog unit: 'rate' ->
-- crude rate per `multiplier` with PHE's limits; value-type units ('years', 'ratio') ->
-- the published figures (never recomputed from counts); anything else (percent) -> Wilson.
-- `published*` is the stored figure, used where counts are missing (NULL when rows were summed).
CREATE OR REPLACE MACRO unit_value(unit, n, d, multiplier, published) AS
    CASE WHEN unit IN ('years', 'ratio') THEN published
         WHEN unit = 'rate' THEN coalesce(rate_per(n, d, multiplier), published)
         ELSE coalesce(percent_of(n, d), published) END;
CREATE OR REPLACE MACRO unit_lower(unit, n, d, multiplier, published) AS
    CASE WHEN unit IN ('years', 'ratio') THEN published
         WHEN unit = 'rate' THEN coalesce(
             rate_lower(n, d, multiplier, 1.959963984540054), published)
         ELSE coalesce(wilson_lower(n, d, 1.959963984540054), published) END;
CREATE OR REPLACE MACRO unit_upper(unit, n, d, multiplier, published) AS
    CASE WHEN unit IN ('years', 'ratio') THEN published
         WHEN unit = 'rate' THEN coalesce(
             rate_upper(n, d, multiplier, 1.959963984540054), published)
         ELSE coalesce(wilson_upper(n, d, 1.959963984540054), published) END;
