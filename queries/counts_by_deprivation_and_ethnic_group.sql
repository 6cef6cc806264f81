-- The equity audit: one count indicator summed by IMD 2025 deprivation quintile (or decile)
-- of the areas of a level and by ethnic group (including the 'All' margin), for one period,
-- sex and age band, with 95% Wilson intervals of each cell's pooled percentage.
-- Parameters: $indicator_id, $on_or_before (DATE), $level, $la_code (NULL for all), $sex,
-- $age_band, $quantile_type ('decile' or 'quintile').
WITH chosen_period AS (
    SELECT max(period_end) AS period_end
    FROM indicator_values
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
    percent_of(numerator, denominator) AS value,
    wilson_lower(numerator, denominator, 1.959963984540054) AS lower_ci,
    wilson_upper(numerator, denominator, 1.959963984540054) AS upper_ci,
    mean_imd_score,
    is_synthetic,
    is_modelled
FROM cells
WHERE quantile IS NOT NULL
ORDER BY quantile, ethnic_group
