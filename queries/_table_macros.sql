-- Table macros over the app's views (indicator_values, value_breakdowns, areas,
-- indicators): DuckDB binds a table macro when it is made, so equity/db.py loads this file
-- after the views exist (the build's connections have none of them).

-- Several indicators for every area of a level (optionally within one local authority),
-- each at its own period and group, with the benchmark area's figure alongside, keyed by
-- indicator_id. queries/area_values_with_benchmark.sql asks it for one indicator (the
-- maps), queries/area_values_for_indicators.sql for many (the Compare page): most of a
-- small query's time is DuckDB planning it, so ~30 indicators in one query cost about what
-- one did (72 ms against 1.26 s for the ~26 of practice level).
-- Counts are summed from numerators and denominators (e.g. the bands of "50+") before the
-- value and its 95% interval are computed by the indicator's unit (percent: Wilson; rate:
-- Byar/exact Poisson per the catalog multiplier); value-type units pass through.
-- Arguments: indicator_ids, on_or_before_dates (latest period ending on or before each),
-- sexes, age_bands, ethnic_groups: lists of one entry per indicator; at_level, within_la
-- (NULL for all), benchmark_area, benchmark_area_type (MSOA 2011 and 2021 share most codes,
-- so areas are keyed by code and type).
CREATE OR REPLACE MACRO area_values_for(
    indicator_ids, on_or_before_dates, sexes, age_bands, ethnic_groups,
    at_level, within_la, benchmark_area, benchmark_area_type
) AS TABLE
    WITH wanted AS (
        -- one row per indicator asked, with its own group
        SELECT
            unnest(indicator_ids) AS indicator_id,
            unnest(on_or_before_dates) AS on_or_before,
            unnest(sexes) AS sex,
            unnest(age_bands) AS age_band,
            unnest(ethnic_groups) AS ethnic_group
    ),
    chosen AS (
        -- each indicator's latest period on or before its date, from the index (db.py)
        SELECT w.indicator_id, w.sex, w.age_band, w.ethnic_group, max(b.period_end) AS period_end
        FROM wanted AS w
        JOIN value_breakdowns AS b
            ON b.indicator_id = w.indicator_id AND b.period_end <= CAST(w.on_or_before AS DATE)
        GROUP BY ALL
    ),
    indicator_unit AS (
        -- the catalog's unit and rate multiplier decide how counts become a value (_macros.sql)
        SELECT
            indicator_id,
            any_value(unit) AS unit,
            coalesce(any_value(multiplier), 100000) AS multiplier
        FROM indicators
        GROUP BY indicator_id
    ),
    selected AS (
        SELECT
            v.indicator_id,
            v.area_code,
            v.area_type,
            min(v.period_start) AS period_start,
            max(v.period_end) AS period_end,
            sum(v.numerator) AS numerator,
            sum(v.denominator) AS denominator,
            -- value-type rows (life expectancy) are never summed: one row per area and group
            CASE WHEN count(*) = 1 THEN any_value(v.value) END AS published_value,
            CASE WHEN count(*) = 1 THEN any_value(v.lower_ci) END AS published_lower_ci,
            CASE WHEN count(*) = 1 THEN any_value(v.upper_ci) END AS published_upper_ci,
            bool_or(v.is_synthetic) AS is_synthetic,
            bool_or(v.is_modelled) AS is_modelled,
            count(*) AS rows_summed
        FROM indicator_values AS v
        JOIN chosen AS c
            ON v.indicator_id = c.indicator_id
            AND v.period_end = c.period_end
            AND v.sex = c.sex
            AND v.ethnic_group = c.ethnic_group
        WHERE age_band_matches(v.age_band, c.age_band)
            AND v.area_type IN (at_level, benchmark_area_type)
        GROUP BY v.indicator_id, v.area_code, v.area_type
    ),
    measured AS (
        SELECT
            s.indicator_id,
            area_code,
            area_type,
            period_start,
            period_end,
            numerator,
            denominator,
            unit_value(u.unit, numerator, denominator, u.multiplier, published_value) AS value,
            unit_lower(u.unit, numerator, denominator, u.multiplier, published_lower_ci)
                AS lower_ci,
            unit_upper(u.unit, numerator, denominator, u.multiplier, published_upper_ci)
                AS upper_ci,
            is_synthetic,
            is_modelled
        FROM selected AS s
        LEFT JOIN indicator_unit AS u ON u.indicator_id = s.indicator_id
    )
    SELECT
        m.indicator_id,
        a.area_code,
        a.area_name,
        a.area_type,
        a.la_code,
        a.population,
        a.imd_score,
        a.imd_decile,
        a.imd_quintile,
        a.is_core20,
        a.lon,
        a.lat,
        m.period_start,
        m.period_end,
        m.numerator,
        m.denominator,
        m.value,
        m.lower_ci,
        m.upper_ci,
        m.is_synthetic,
        m.is_modelled,
        b.area_code AS benchmark_code,
        b.value AS benchmark_value,
        b.lower_ci AS benchmark_lower_ci,
        b.upper_ci AS benchmark_upper_ci,
        b.numerator AS benchmark_numerator,
        b.denominator AS benchmark_denominator
    FROM areas AS a
    JOIN measured AS m ON m.area_code = a.area_code AND m.area_type = a.area_type
    LEFT JOIN measured AS b
        ON b.indicator_id = m.indicator_id
        AND b.area_code = benchmark_area AND b.area_type = benchmark_area_type
    WHERE a.area_type = at_level
        AND (CAST(within_la AS VARCHAR) IS NULL OR a.la_code = within_la)
    ORDER BY m.indicator_id, a.area_code;
