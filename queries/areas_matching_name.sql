-- Areas with a profile (wards, MSOAs, LSOAs, local authorities, GP practices) whose name,
-- alias (e.g. 'Leicester 018') or code contains the text, best matches first: exact name,
-- then names starting with the text, then the rest; bigger areas before smaller ones.
-- Parameters: $text (already trimmed; matched case-insensitively), $max_rows.
SELECT area_code, area_name, area_type
FROM areas
WHERE area_type IN ('la', 'ward', 'msoa', 'lsoa', 'practice')
    AND (
        area_name ILIKE '%' || $text || '%'
        OR area_alias ILIKE '%' || $text || '%'
        OR upper(area_code) = upper($text)
    )
ORDER BY
    CASE
        WHEN lower(area_name) = lower($text) OR upper(area_code) = upper($text) THEN 0
        WHEN area_name ILIKE $text || '%' THEN 1
        ELSE 2
    END,
    CASE area_type
        WHEN 'la' THEN 0 WHEN 'ward' THEN 1 WHEN 'msoa' THEN 2 WHEN 'lsoa' THEN 3 ELSE 4
    END,
    area_name
LIMIT $max_rows
