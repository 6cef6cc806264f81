-- Which periods, area levels and groups an indicator has, for the widgets.
-- From value_breakdowns, the index every values file carries in its footer (db.py),
-- so this reads no values rows. Parameters: $indicator_id.
SELECT DISTINCT period_end, area_type, sex, age_band, ethnic_group
FROM value_breakdowns
WHERE indicator_id = $indicator_id
ORDER BY period_end, area_type, sex, age_band, ethnic_group
