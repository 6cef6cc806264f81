-- One count indicator summed by IMD 2025 deprivation decile or quintile of the areas of a
-- level (the lowest level the indicator has: LSOA, MSOA or practice), for one period and
-- group, with the 95% Wilson interval of each quantile's pooled percentage.
-- Parameters: $indicator_id, $on_or_before (DATE: latest period ending on or before it),
-- $level, $la_code (NULL for all), $sex, $age_band, $ethnic_group,
-- $quantile_type ('decile' or 'quintile').
-- mean_imd_score (weighted by denominator) lets callers check which end is most deprived.
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
area_counts AS (
    SELECT
        v.area_code,
        max(v.period_end) AS period_end,
        sum(v.numerator) AS numerator,
        sum(v.denominator) AS denominator,
        bool_or(v.is_synthetic) AS is_synthetic,
        bool_or(v.is_modelled) AS is_modelled
    FROM indicator_values AS v
    JOIN chosen_period AS p ON v.period_end = p.period_end
    WHERE v.indicator_id = $indicator_id
        AND v.area_type = $level
        AND v.sex = $sex
        AND v.ethnic_group = $ethnic_group
        AND age_band_matches(v.age_band, $age_band)
    GROUP BY v.area_code
),
by_quantile AS (
    SELECT
        CASE WHEN $quantile_type = 'decile' THEN a.imd_decile ELSE a.imd_quintile END
            AS quantile,
        count(*) AS areas,
        max(c.period_end) AS period_end,
        sum(c.numerator) AS numerator,
        sum(c.denominator) AS denominator,
        sum(a.imd_score * c.denominator) / nullif(sum(c.denominator), 0) AS mean_imd_score,
        bool_or(c.is_synthetic) AS is_synthetic,
        bool_or(c.is_modelled) AS is_modelled
    FROM area_counts AS c
    JOIN areas AS a ON a.area_code = c.area_code AND a.area_type = $level
    WHERE (CAST($la_code AS VARCHAR) IS NULL OR a.la_code = $la_code)
    GROUP BY ALL
)
SELECT
    quantile,
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
FROM by_quantile
CROSS JOIN indicator_unit AS u
WHERE quantile IS NOT NULL
ORDER BY quantile
