-- The loaded OpenStreetMap walking network's nodes in node order (the edges refer to
-- nodes by that index). Parameter: $path (data/extracts/walk_nodes.parquet).
SELECT easting, northing, lon, lat
FROM read_parquet($path)
ORDER BY node
