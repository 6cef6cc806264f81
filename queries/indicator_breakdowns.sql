-- Which periods, area levels and groups an indicator has, for the widgets.
-- Parameters: $indicator_id.
SELECT DISTINCT period_end, area_type, sex, age_band, ethnic_group
FROM indicator_values
WHERE indicator_id = $indicator_id
ORDER BY period_end, area_type, sex, age_band, ethnic_group
