-- Census 2021 residents by group (age band and ethnic group per LSOA, main language per
-- MSOA, Somali per Leicester ward): the planner spreads demand and describes catchments
-- with them (equity/planner/residents.py builds the table).
SELECT dimension, area_type, area_code, category, residents
FROM resident_groups
ORDER BY dimension, area_type, area_code, category
