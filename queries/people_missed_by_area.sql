-- People in a target group missed by an indicator (eligible minus reached), per area of one
-- level within an area of interest: the demand for the pop-up clinic planner.
-- Counts are summed from numerators and denominators (e.g. the bands of "50+") before the
-- difference is taken; a negative difference (more reached than the population estimate)
-- counts as nobody missed. Areas without rows for the group have nobody known to be missed
-- and are left out.
-- Parameters: $indicator_id, $on_or_before (DATE: latest period ending on or before it),
-- $level, $la_code (NULL for all of LLR), $ward_code (NULL for no ward filter; only areas
-- carrying a ward_code, i.e. LSOAs, can match one), $sex, $age_band, $ethnic_group.
WITH chosen_period AS (
    SELECT max(period_end) AS period_end
    FROM value_breakdowns  -- the values files' index, in memory: no scan
    WHERE indicator_id = $indicator_id AND period_end <= CAST($on_or_before AS DATE)
),
summed AS (
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
)
SELECT
    a.area_code,
    a.area_name,
    a.area_type,
    a.la_code,
    a.ward_code,
    a.lon,
    a.lat,
    a.imd_quintile,
    a.is_core20,
    s.period_end,
    s.numerator,
    s.denominator,
    greatest(coalesce(s.denominator, 0) - coalesce(s.numerator, 0), 0) AS people_missed,
    s.is_synthetic,
    s.is_modelled
FROM areas AS a
JOIN summed AS s ON s.area_code = a.area_code
WHERE a.area_type = $level
    AND (CAST($la_code AS VARCHAR) IS NULL OR a.la_code = $la_code)
    AND (CAST($ward_code AS VARCHAR) IS NULL OR a.ward_code = $ward_code)
ORDER BY a.area_code
