-- One postcode (normalised, e.g. 'LE2 0AA') with its point and the LSOA, MSOA, ward and
-- local authority it falls in (LSOA by point-in-polygon at build time; NULL outside LLR).
-- Parameters: $postcode.
SELECT
    p.postcode,
    p.easting,
    p.northing,
    p.lon,
    p.lat,
    p.lsoa_code,
    lsoa.area_name AS lsoa_name,
    lsoa.msoa_code,
    msoa.area_name AS msoa_name,
    lsoa.ward_code,
    ward.area_name AS ward_name,
    lsoa.la_code,
    la.area_name AS la_name
FROM postcodes AS p
LEFT JOIN areas AS lsoa ON lsoa.area_code = p.lsoa_code AND lsoa.area_type = 'lsoa'
LEFT JOIN areas AS msoa ON msoa.area_code = lsoa.msoa_code AND msoa.area_type = 'msoa'
LEFT JOIN areas AS ward ON ward.area_code = lsoa.ward_code AND ward.area_type = 'ward'
LEFT JOIN areas AS la ON la.area_code = lsoa.la_code AND la.area_type = 'la'
WHERE p.postcode = $postcode
LIMIT 1
