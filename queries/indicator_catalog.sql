-- The indicator catalog (shipped and user-added), for menus and the methods page.
-- Rows a source declares may leave short_label empty: menus and titles then use the label.
SELECT * REPLACE (coalesce(short_label, label) AS short_label)
FROM indicators
ORDER BY is_synthetic, domain, indicator_id
