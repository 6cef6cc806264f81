-- One indicator for an area and its local authority, split by each of $dimensions (sex,
-- age band, ethnic group) with the other two at 'All': one row per dimension and group. For
-- age bands, $age_band picks the bands inside the group on screen ('All' = every band,
-- '50+' = bands from 50); for the other dimensions it picks the ages summed ('50+' sums the
-- bands from 50). Counts are summed before the value and its 95% interval (by the
-- indicator's unit: _macros.sql unit_value). Asking several dimensions at once reads the
-- area's rows once (a profile asks all three).
-- Parameters: $indicator_id, $on_or_before (DATE), $area_code, $area_type, $la_code,
-- $dimensions (list of 'sex' | 'age_band' | 'ethnic_group'), $age_band.
WITH indicator_unit AS (
    -- the catalog's unit and rate multiplier decide how counts become a value (_macros.sql)
    SELECT any_value(unit) AS unit, coalesce(any_value(multiplier), 100000) AS multiplier
    FROM indicators
    WHERE indicator_id = $indicator_id
),
chosen_period AS (
    SELECT max(period_end) AS period_end
    FROM indicator_values_by_area  -- one area's rows together (db.py)
    WHERE indicator_id = $indicator_id
        AND period_end <= CAST($on_or_before AS DATE)
        AND area_code = $area_code
        AND area_type = $area_type
),
asked AS (
    SELECT unnest(CAST($dimensions AS VARCHAR[])) AS dimension
),
candidate AS (
    SELECT
        v.*,
        d.dimension,
        CASE d.dimension
            WHEN 'sex' THEN v.sex
            WHEN 'age_band' THEN v.age_band
            ELSE v.ethnic_group
        END AS group_value
    FROM indicator_values_by_area AS v
    JOIN chosen_period AS p ON v.period_end = p.period_end
    CROSS JOIN asked AS d
    WHERE v.indicator_id = $indicator_id
        AND v.area_code IN ($area_code, $la_code)  -- DuckDB skips the other areas' row groups
        AND (
            (v.area_code = $area_code AND v.area_type = $area_type)
            OR (v.area_code = $la_code AND v.area_type = 'la')
        )
)
SELECT
    dimension,
    area_code,
    area_type,
    group_value,
    sum(numerator) AS numerator,
    sum(denominator) AS denominator,
    unit_value(u.unit, sum(numerator), sum(denominator), u.multiplier, NULL) AS value,
    unit_lower(u.unit, sum(numerator), sum(denominator), u.multiplier, NULL) AS lower_ci,
    unit_upper(u.unit, sum(numerator), sum(denominator), u.multiplier, NULL) AS upper_ci,
    bool_or(is_synthetic) AS is_synthetic,
    bool_or(is_modelled) AS is_modelled,
    min(age_band_lower(age_band)) AS band_order
FROM candidate
CROSS JOIN indicator_unit AS u
WHERE group_value <> 'All'
    AND (dimension = 'sex' OR sex = 'All')
    AND (dimension = 'ethnic_group' OR ethnic_group = 'All')
    AND CASE
        WHEN dimension = 'age_band'
            THEN $age_band = 'All' OR age_band_matches(age_band, $age_band)
        ELSE age_band_matches(age_band, $age_band)
    END
GROUP BY dimension, area_code, area_type, group_value, u.unit, u.multiplier
ORDER BY dimension, area_type, band_order, group_value
