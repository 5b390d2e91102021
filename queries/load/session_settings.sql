-- Settings for a load's connection. DuckDB's cache is capped so that peak memory follows the
-- batch size, not the file size (inserted blocks go straight to the file, so this costs no
-- speed), and DuckDB inserts on one thread while the parser uses the other core: on two cores
-- that is faster than letting both fight over the insert (bench/etl_throughput.py).
SET memory_limit = '128MB';
SET threads = 1;
-- A practice's many small files (weekly batches, payment runs): each commit adds to the write-ahead
-- log, and every checkpoint (at 16 MB by default) costs more as the database grows; checkpointing
-- at 64 MB instead takes a quarter off loading a year of weekly files, for no more memory.
SET checkpoint_threshold = '64MB';
