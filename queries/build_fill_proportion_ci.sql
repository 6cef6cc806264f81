-- Fill value and 95% Wilson CI of count-based rows, and sort for row-group pruning.
-- Input: count_values (values schema without value/CI columns).
SELECT
    indicator_id,
    area_code,
    area_type,
    CAST(period_start AS DATE) AS period_start,
    CAST(period_end AS DATE) AS period_end,
    sex,
    age_band,
    ethnic_group,
    CAST(numerator AS DOUBLE) AS numerator,
    CAST(denominator AS DOUBLE) AS denominator,
    percent_of(numerator, denominator) AS value,
    wilson_lower(numerator, denominator, 1.959963984540054) AS lower_ci,
    wilson_upper(numerator, denominator, 1.959963984540054) AS upper_ci,
    CAST(is_synthetic AS BOOLEAN) AS is_synthetic,
    CAST(is_modelled AS BOOLEAN) AS is_modelled
FROM count_values
ORDER BY indicator_id, period_end, area_type, area_code, sex, age_band, ethnic_group
