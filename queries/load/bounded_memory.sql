-- A load keeps DuckDB's buffer cache small, so peak memory follows batch size, not file size
-- (measured: no slower than a larger limit, since inserted blocks go straight to the file).
SET memory_limit = '128MB';
