-- Areas of one type (optionally within one local authority), for pickers and maps.
-- Parameters: $area_type, $la_code (NULL for all).
SELECT *
FROM areas
WHERE area_type = $area_type
    AND (CAST($la_code AS VARCHAR) IS NULL OR la_code = $la_code OR area_code = $la_code)
ORDER BY area_name
