-- A load keeps DuckDB's buffer cache small: peak memory then depends on batch size, not file size.
SET memory_limit = '512MB';
