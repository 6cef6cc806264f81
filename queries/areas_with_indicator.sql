-- The areas of one type that have figures for an indicator, for area pickers.
-- Parameters: $indicator_id, $area_type.
SELECT a.area_code, a.area_name, a.area_type, a.la_code
FROM areas AS a
WHERE a.area_type = $area_type
    AND a.area_code IN (
        SELECT DISTINCT area_code
        FROM indicator_values
        WHERE indicator_id = $indicator_id AND area_type = $area_type
    )
ORDER BY a.area_name
