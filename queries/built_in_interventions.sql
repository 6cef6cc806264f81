-- Interventions the build knows of (e.g. the synthetic St Matthews pop-up clinic), to mark
-- on trend charts.
SELECT start, "end", place, "group", label, is_synthetic
FROM interventions
ORDER BY start, place
