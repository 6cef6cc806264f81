-- Sum count-based rows up to parent areas (build and ingest step).
-- Inputs: leaf_values (values schema), area_parents(area_code, parent_code, parent_type).
-- Every category is kept as it is, so "All" margins roll up alongside the breakdowns.
SELECT
    v.indicator_id,
    p.parent_code AS area_code,
    p.parent_type AS area_type,
    v.period_start,
    v.period_end,
    v.sex,
    v.age_band,
    v.ethnic_group,
    sum(v.numerator) AS numerator,
    sum(v.denominator) AS denominator,
    bool_or(v.is_synthetic) AS is_synthetic,
    bool_or(v.is_modelled) AS is_modelled
FROM leaf_values AS v
JOIN area_parents AS p ON p.area_code = v.area_code
GROUP BY ALL
