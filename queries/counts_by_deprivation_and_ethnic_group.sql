-- The equity audit: one count indicator summed by IMD 2025 deprivation quintile (or decile)
-- of the areas of a level and by ethnic group (including the 'All' margin), for one period,
-- sex and age band, with 95% Wilson intervals of each cell's pooled percentage.
-- Parameters: $indicator_id, $on_or_before (DATE), $level, $la_code (NULL for all), $sex,
-- $age_band, $quantile_type ('decile' or 'quintile').
WITH indicator_unit AS (
    -- the catalog's unit and rate multiplier decide how counts become a value (_macros.sql)
    SELECT any_value(unit) AS unit, coalesce(any_value(multiplier), 100000) AS multiplier
    FROM indicators
    WHERE indicator_id = $indicator_id
),
chosen_period AS (
    SELECT max(period_end) AS period_end
    FROM value_breakdowns  -- the values files' index, in memory: no scan
    WHERE indicator_id = $indicator_id
        AND area_type = $level
        AND period_end <= CAST($on_or_before AS DATE)
),
cells AS (
    SELECT
        CASE WHEN $quantile_type = 'decile' THEN a.imd_decile ELSE a.imd_quintile END
            AS quantile,
        v.ethnic_group,
        count(DISTINCT v.area_code) AS areas,
        max(v.period_end) AS period_end,
        sum(v.numerator) AS numerator,
        sum(v.denominator) AS denominator,
        sum(a.imd_score * v.denominator) / nullif(sum(v.denominator), 0) AS mean_imd_score,
        bool_or(v.is_synthetic) AS is_synthetic,
        bool_or(v.is_modelled) AS is_modelled
    FROM indicator_values AS v
    JOIN chosen_period AS p ON v.period_end = p.period_end
    JOIN areas AS a ON a.area_code = v.area_code AND a.area_type = v.area_type
    WHERE v.indicator_id = $indicator_id
        AND v.area_type = $level
        AND v.sex = $sex
        AND age_band_matches(v.age_band, $age_band)
        AND (CAST($la_code AS VARCHAR) IS NULL OR a.la_code = $la_code)
    GROUP BY ALL
)
SELECT
    quantile,
    ethnic_group,
    areas,
    period_end,
    numerator,
    denominator,
    unit_value(u.unit, numerator, denominator, u.multiplier, NULL) AS value,
    unit_lower(u.unit, numerator, denominator, u.multiplier, NULL) AS lower_ci,
    unit_upper(u.unit, numerator, denominator, u.multiplier, NULL) AS upper_ci,
    mean_imd_score,
    is_synthetic,
    is_modelled
FROM cells
CROSS JOIN indicator_unit AS u
WHERE quantile IS NOT NULL
ORDER BY quantile, ethnic_group
