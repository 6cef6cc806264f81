-- One indicator over time for an area, its local authority and LLR (the profile's trends).
-- Bands of an 'N+' age band are summed before the percentage and its 95% Wilson interval;
-- value-type rows (life expectancy) pass through.
-- Parameters: $indicator_id, $area_code, $area_type, $la_code (NULL for none), $sex,
-- $age_band, $ethnic_group.
WITH selected AS (
    SELECT
        v.area_code,
        v.area_type,
        v.period_end,
        sum(v.numerator) AS numerator,
        sum(v.denominator) AS denominator,
        CASE WHEN count(*) = 1 THEN any_value(v.value) END AS published_value,
        CASE WHEN count(*) = 1 THEN any_value(v.lower_ci) END AS published_lower_ci,
        CASE WHEN count(*) = 1 THEN any_value(v.upper_ci) END AS published_upper_ci,
        bool_or(v.is_synthetic) AS is_synthetic,
        bool_or(v.is_modelled) AS is_modelled
    FROM indicator_values AS v
    WHERE v.indicator_id = $indicator_id
        AND v.sex = $sex
        AND v.ethnic_group = $ethnic_group
        AND age_band_matches(v.age_band, $age_band)
        AND (
            (v.area_code = $area_code AND v.area_type = $area_type)
            OR (v.area_code = $la_code AND v.area_type = 'la')
            OR (v.area_code = 'LLR' AND v.area_type = 'region')
        )
    GROUP BY v.area_code, v.area_type, v.period_end
)
SELECT
    s.area_code,
    s.area_type,
    a.area_name,
    s.period_end,
    s.numerator,
    s.denominator,
    coalesce(percent_of(s.numerator, s.denominator), s.published_value) AS value,
    coalesce(wilson_lower(s.numerator, s.denominator, 1.959963984540054), s.published_lower_ci)
        AS lower_ci,
    coalesce(wilson_upper(s.numerator, s.denominator, 1.959963984540054), s.published_upper_ci)
        AS upper_ci,
    s.is_synthetic,
    s.is_modelled
FROM selected AS s
JOIN areas AS a ON a.area_code = s.area_code AND a.area_type = s.area_type
ORDER BY s.area_type, s.period_end
