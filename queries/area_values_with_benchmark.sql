-- One indicator for every area of a level (optionally within one local authority), for one
-- period and group, with the benchmark area's figure alongside.
-- Counts are summed from numerators and denominators (e.g. the bands of "50+") before the
-- value and its 95% interval are computed by the indicator's unit (percent: Wilson; rate:
-- Byar/exact Poisson per the catalog multiplier); value-type units pass through.
-- Parameters: $indicator_id, $on_or_before (DATE: latest period ending on or before it),
-- $level, $la_code (NULL for all), $sex, $age_band, $ethnic_group, $benchmark_code,
-- $benchmark_type (MSOA 2011 and 2021 share most codes, so areas are keyed by code and type).
WITH chosen_period AS (
    SELECT max(period_end) AS period_end
    FROM value_breakdowns  -- the values files' index, in memory: no scan
    WHERE indicator_id = $indicator_id AND period_end <= CAST($on_or_before AS DATE)
),
indicator_unit AS (
    -- the catalog's unit and rate multiplier decide how counts become a value (_macros.sql)
    SELECT any_value(unit) AS unit, coalesce(any_value(multiplier), 100000) AS multiplier
    FROM indicators
    WHERE indicator_id = $indicator_id
),
selected AS (
    SELECT
        v.area_code,
        v.area_type,
        min(v.period_start) AS period_start,
        max(v.period_end) AS period_end,
        sum(v.numerator) AS numerator,
        sum(v.denominator) AS denominator,
        -- value-type rows (life expectancy) are never summed: one row per area and group
        CASE WHEN count(*) = 1 THEN any_value(v.value) END AS published_value,
        CASE WHEN count(*) = 1 THEN any_value(v.lower_ci) END AS published_lower_ci,
        CASE WHEN count(*) = 1 THEN any_value(v.upper_ci) END AS published_upper_ci,
        bool_or(v.is_synthetic) AS is_synthetic,
        bool_or(v.is_modelled) AS is_modelled,
        count(*) AS rows_summed
    FROM indicator_values AS v
    JOIN chosen_period AS p ON v.period_end = p.period_end
    WHERE v.indicator_id = $indicator_id
        AND v.sex = $sex
        AND v.ethnic_group = $ethnic_group
        AND age_band_matches(v.age_band, $age_band)
        AND v.area_type IN ($level, $benchmark_type)
    GROUP BY v.area_code, v.area_type
),
measured AS (
    SELECT
        area_code,
        area_type,
        period_start,
        period_end,
        numerator,
        denominator,
        unit_value(u.unit, numerator, denominator, u.multiplier, published_value) AS value,
        unit_lower(u.unit, numerator, denominator, u.multiplier, published_lower_ci)
            AS lower_ci,
        unit_upper(u.unit, numerator, denominator, u.multiplier, published_upper_ci)
            AS upper_ci,
        is_synthetic,
        is_modelled
    FROM selected, indicator_unit AS u
)
SELECT
    a.area_code,
    a.area_name,
    a.area_type,
    a.la_code,
    a.population,
    a.imd_score,
    a.imd_decile,
    a.imd_quintile,
    a.is_core20,
    a.lon,
    a.lat,
    m.period_start,
    m.period_end,
    m.numerator,
    m.denominator,
    m.value,
    m.lower_ci,
    m.upper_ci,
    m.is_synthetic,
    m.is_modelled,
    b.area_code AS benchmark_code,
    b.value AS benchmark_value,
    b.lower_ci AS benchmark_lower_ci,
    b.upper_ci AS benchmark_upper_ci,
    b.numerator AS benchmark_numerator,
    b.denominator AS benchmark_denominator
FROM areas AS a
JOIN measured AS m ON m.area_code = a.area_code AND m.area_type = a.area_type
LEFT JOIN measured AS b ON b.area_code = $benchmark_code AND b.area_type = $benchmark_type
WHERE a.area_type = $level
    AND (CAST($la_code AS VARCHAR) IS NULL OR a.la_code = $la_code)
ORDER BY a.area_code
