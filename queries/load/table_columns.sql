-- Column names and types of a base table, in table order (the writer aligns rows to them).
SELECT column_name, data_type
FROM duckdb_columns()
WHERE schema_name = 'main' AND table_name = $table
ORDER BY column_index;
