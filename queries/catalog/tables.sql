-- The project's base tables with their descriptions (COMMENT ON TABLE), in schema order.
SELECT table_name, comment
FROM duckdb_tables()
WHERE schema_name = 'main' AND NOT temporary
ORDER BY table_oid;
