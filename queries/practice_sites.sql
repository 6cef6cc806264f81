-- GP practices with a location, as the planner's candidate sites (the located ones are the
-- active geocoded list; areas.parquet gives each its point).
SELECT area_code AS org_code, area_name AS name, lon, lat
FROM areas
WHERE area_type = 'practice' AND lon IS NOT NULL AND lat IS NOT NULL
ORDER BY area_code
