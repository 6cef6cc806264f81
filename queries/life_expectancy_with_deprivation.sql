-- Life expectancy of every area of a level (every sex and period) with the area's
-- deprivation and population, for the gap between most and least deprived.
-- Parameters: $indicator_id, $level, $la_code (NULL for all).
SELECT
    v.area_code,
    a.area_name,
    v.period_end,
    v.sex,
    v.value,
    v.lower_ci,
    v.upper_ci,
    a.population,
    a.imd_score,
    a.imd_decile,
    a.imd_quintile,
    v.is_synthetic,
    v.is_modelled
FROM indicator_values AS v
JOIN areas AS a ON a.area_code = v.area_code AND a.area_type = v.area_type
WHERE v.indicator_id = $indicator_id
    AND v.area_type = $level
    AND v.age_band = 'All'
    AND v.ethnic_group = 'All'
    AND v.value IS NOT NULL
    AND (CAST($la_code AS VARCHAR) IS NULL OR a.la_code = $la_code)
ORDER BY v.period_end, v.sex, v.area_code
