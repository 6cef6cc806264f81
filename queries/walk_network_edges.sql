-- The loaded OpenStreetMap walking network's edges (node indices, metres).
-- Parameter: $path (data/extracts/walk_edges.parquet).
SELECT source, target, length_m
FROM read_parquet($path)
