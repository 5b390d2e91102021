-- Every column of the base tables with its type and description (COMMENT ON COLUMN).
SELECT table_name, column_name, data_type, is_nullable, comment
FROM duckdb_columns()
WHERE schema_name = 'main' AND NOT internal
ORDER BY table_oid, column_index;
