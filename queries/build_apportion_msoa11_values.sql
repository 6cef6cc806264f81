-- Apportion MSOA 2011 counts to other geographies (build step).
-- Inputs: msoa11_values (values schema, area_type 'msoa11'),
--         apportion_weights(msoa11_code, age_band, target_code, target_type, weight, is_exact)
-- where the weights of one msoa11_code and age_band sum to 1 within a target_type.
SELECT
    v.indicator_id,
    w.target_code AS area_code,
    w.target_type AS area_type,
    v.period_start,
    v.period_end,
    v.sex,
    v.age_band,
    v.ethnic_group,
    sum(v.numerator * w.weight) AS numerator,
    sum(v.denominator * w.weight) AS denominator,
    bool_or(v.is_synthetic) AS is_synthetic,
    NOT bool_and(w.is_exact) AS is_modelled
FROM msoa11_values AS v
JOIN apportion_weights AS w
    ON w.msoa11_code = v.area_code AND w.age_band = v.age_band
GROUP BY ALL
