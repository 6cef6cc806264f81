-- One count indicator for one area by ethnic group (including the 'All' margin), for one
-- period, sex and age band, with 95% Wilson intervals of each group's percentage.
-- Parameters: $indicator_id, $on_or_before (DATE), $area_code, $area_type, $sex, $age_band.
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
        AND area_type = $area_type
        AND period_end <= CAST($on_or_before AS DATE)
),
grouped AS (
    SELECT
        v.ethnic_group,
        max(v.period_end) AS period_end,
        sum(v.numerator) AS numerator,
        sum(v.denominator) AS denominator,
        bool_or(v.is_synthetic) AS is_synthetic,
        bool_or(v.is_modelled) AS is_modelled
    FROM indicator_values_by_area AS v  -- one area's rows together (db.py)
    JOIN chosen_period AS p ON v.period_end = p.period_end
    WHERE v.indicator_id = $indicator_id
        AND v.area_code = $area_code
        AND v.area_type = $area_type
        AND v.sex = $sex
        AND age_band_matches(v.age_band, $age_band)
    GROUP BY v.ethnic_group
)
SELECT
    ethnic_group,
    period_end,
    numerator,
    denominator,
    unit_value(u.unit, numerator, denominator, u.multiplier, NULL) AS value,
    unit_lower(u.unit, numerator, denominator, u.multiplier, NULL) AS lower_ci,
    unit_upper(u.unit, numerator, denominator, u.multiplier, NULL) AS upper_ci,
    is_synthetic,
    is_modelled
FROM grouped
CROSS JOIN indicator_unit AS u
ORDER BY ethnic_group = 'All' DESC, ethnic_group
