-- Every period of one count indicator for one area and group (a weekly series for the
-- synthetic demo), with the 95% Wilson interval of each period's percentage.
-- Parameters: $indicator_id, $area_code, $area_type, $sex, $age_band, $ethnic_group.
WITH indicator_unit AS (
    -- the catalog's unit and rate multiplier decide how counts become a value (_macros.sql)
    SELECT any_value(unit) AS unit, coalesce(any_value(multiplier), 100000) AS multiplier
    FROM indicators
    WHERE indicator_id = $indicator_id
),
summed AS (
    SELECT
        period_end,
        sum(numerator) AS numerator,
        sum(denominator) AS denominator,
        bool_or(is_synthetic) AS is_synthetic,
        bool_or(is_modelled) AS is_modelled
    FROM indicator_values_by_area  -- one area's rows together (db.py)
    WHERE indicator_id = $indicator_id
        AND area_code = $area_code
        AND area_type = $area_type
        AND sex = $sex
        AND ethnic_group = $ethnic_group
        AND age_band_matches(age_band, $age_band)
    GROUP BY period_end
)
SELECT
    period_end,
    numerator,
    denominator,
    unit_value(u.unit, numerator, denominator, u.multiplier, NULL) AS value,
    unit_lower(u.unit, numerator, denominator, u.multiplier, NULL) AS lower_ci,
    unit_upper(u.unit, numerator, denominator, u.multiplier, NULL) AS upper_ci,
    is_synthetic,
    is_modelled
FROM summed
CROSS JOIN indicator_unit AS u
ORDER BY period_end
