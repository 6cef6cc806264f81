-- One indicator for every area of a level (optionally within one local authority), for one
-- period and group, with the benchmark area's figure alongside.
-- Counts are summed from numerators and denominators (e.g. the bands of "50+") before the
-- value and its 95% interval are computed by the indicator's unit (percent: Wilson; rate:
-- Byar/exact Poisson per the catalog multiplier); value-type units pass through. The
-- computation is area_values_for (_table_macros.sql), asked for one indicator.
-- Parameters: $indicator_id, $on_or_before (DATE: latest period ending on or before it),
-- $level, $la_code (NULL for all), $sex, $age_band, $ethnic_group, $benchmark_code,
-- $benchmark_type (MSOA 2011 and 2021 share most codes, so areas are keyed by code and type).
SELECT * EXCLUDE (indicator_id)
FROM area_values_for(
    [$indicator_id], [CAST($on_or_before AS DATE)], [$sex], [$age_band], [$ethnic_group],
    $level, $la_code, $benchmark_code, $benchmark_type
)
