-- One indicator over time for an area, its local authority, LLR and any named comparator
-- (the profile's trends).
-- Bands of an 'N+' age band are summed before the value and its 95% interval (by unit:
-- _macros.sql unit_value); value-type rows (life expectancy, ratios) pass through.
-- Parameters: $indicator_id, $area_code, $area_type, $la_code (NULL for none), $sex,
-- $age_band, $ethnic_group.
WITH indicator_unit AS (
    -- the catalog's unit and rate multiplier decide how counts become a value (_macros.sql)
    SELECT any_value(unit) AS unit, coalesce(any_value(multiplier), 100000) AS multiplier
    FROM indicators
    WHERE indicator_id = $indicator_id
),
selected AS (
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
    FROM (
        -- The area, its LA and LLR from the area-major copy (db.py): the IN list lets DuckDB
        -- skip every other area's row groups. Comparators apart, so that no OR across
        -- columns stops it.
        SELECT *
        FROM indicator_values_by_area
        WHERE indicator_id = $indicator_id
            AND area_code IN ($area_code, $la_code, 'LLR')
            AND (
                (area_code = $area_code AND area_type = $area_type)
                OR (area_code = $la_code AND area_type = 'la')
                OR (area_code = 'LLR' AND area_type = 'region')
            )
        UNION ALL
        -- a named comparator published with the indicator (e.g. LEICS_RUTLAND)
        SELECT *
        FROM indicator_values_by_area
        WHERE indicator_id = $indicator_id AND area_type = 'comparator'
    ) AS v
    WHERE v.sex = $sex
        AND v.ethnic_group = $ethnic_group
        AND age_band_matches(v.age_band, $age_band)
    GROUP BY v.area_code, v.area_type, v.period_end
)
SELECT
    s.area_code,
    s.area_type,
    a.area_name,
    s.period_end,
    s.numerator,
    s.denominator,
    unit_value(u.unit, s.numerator, s.denominator, u.multiplier, s.published_value) AS value,
    unit_lower(u.unit, s.numerator, s.denominator, u.multiplier, s.published_lower_ci)
        AS lower_ci,
    unit_upper(u.unit, s.numerator, s.denominator, u.multiplier, s.published_upper_ci)
        AS upper_ci,
    s.is_synthetic,
    s.is_modelled
FROM selected AS s
JOIN areas AS a ON a.area_code = s.area_code AND a.area_type = s.area_type
CROSS JOIN indicator_unit AS u
ORDER BY s.area_type, s.period_end
