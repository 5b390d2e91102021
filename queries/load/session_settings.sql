-- Settings for a load's connection. DuckDB's cache is capped so that peak memory follows the
-- batch size, not the file size (inserted blocks go straight to the file, so this costs no
-- speed), and DuckDB inserts on one thread while the parser uses the other core: on two cores
-- that is faster than letting both fight over the insert (bench/etl_throughput.py).
SET memory_limit = '128MB';
SET threads = 1;
