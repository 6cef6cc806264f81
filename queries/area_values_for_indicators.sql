-- Several indicators for every area of a level (optionally within one local authority),
-- each at its own period and group, with the benchmark area's figure alongside, keyed by
-- indicator_id: the Compare page's ~30 indicators in one query (_table_macros.sql).
-- Parameters: $indicator_ids, $on_or_before (DATEs), $sexes, $age_bands, $ethnic_groups:
-- lists of one entry per indicator; $level, $la_code (NULL for all), $benchmark_code,
-- $benchmark_type, as area_values_with_benchmark.
SELECT *
FROM area_values_for(
    $indicator_ids, $on_or_before, $sexes, $age_bands, $ethnic_groups,
    $level, $la_code, $benchmark_code, $benchmark_type
)
