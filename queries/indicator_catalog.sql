-- The indicator catalog (shipped and user-added), for menus and the methods page.
SELECT * FROM indicators ORDER BY is_synthetic, domain, indicator_id
