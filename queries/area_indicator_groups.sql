-- Every sex, age-band and ethnic-group row of one indicator for an area and its local
-- authority in one period (the latest ending on or before $on_or_before), for breakdowns.
-- Parameters: $indicator_id, $on_or_before (DATE), $area_code, $area_type, $la_code.
-- One area's question: it reads the area-major copy (db.py), where the IN list lets DuckDB
-- skip every row group but the areas'.
WITH chosen_period AS (
    SELECT max(period_end) AS period_end
    FROM indicator_values_by_area
    WHERE indicator_id = $indicator_id
        AND period_end <= CAST($on_or_before AS DATE)
        AND area_code = $area_code
        AND area_type = $area_type
)
SELECT
    v.area_code,
    v.area_type,
    v.period_end,
    v.sex,
    v.age_band,
    v.ethnic_group,
    v.numerator,
    v.denominator,
    v.value,
    v.lower_ci,
    v.upper_ci,
    v.is_synthetic,
    v.is_modelled
FROM indicator_values_by_area AS v
JOIN chosen_period AS p ON v.period_end = p.period_end
WHERE v.indicator_id = $indicator_id
    AND v.area_code IN ($area_code, $la_code)
    AND (
        (v.area_code = $area_code AND v.area_type = $area_type)
        OR (v.area_code = $la_code AND v.area_type = 'la')
    )
ORDER BY v.area_type, v.sex, v.age_band, v.ethnic_group
