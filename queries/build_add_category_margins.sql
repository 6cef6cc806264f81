-- Add the explicit "All" margins to leaf rows that carry full breakdowns (build and ingest).
-- Input: leaf_values (values schema with no 'All' in sex, age_band or ethnic_group).
SELECT
    indicator_id,
    area_code,
    area_type,
    period_start,
    period_end,
    coalesce(sex, 'All') AS sex,
    coalesce(age_band, 'All') AS age_band,
    coalesce(ethnic_group, 'All') AS ethnic_group,
    sum(numerator) AS numerator,
    sum(denominator) AS denominator,
    bool_or(is_synthetic) AS is_synthetic,
    bool_or(is_modelled) AS is_modelled
FROM leaf_values
GROUP BY indicator_id, area_code, area_type, period_start, period_end,
    CUBE (sex, age_band, ethnic_group)
