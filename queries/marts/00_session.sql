-- The marts join whole tables: give DuckDB its full memory and cores back (a load caps both),
-- and keep its progress bar off the user's terminal.
RESET memory_limit;
RESET threads;
SET enable_progress_bar = false;
-- Units as people write them: 2, 1.5 (units are DECIMAL(15, 3): 2.000, 1.500).
CREATE OR REPLACE TEMP MACRO trim_units(u) AS
    CASE WHEN u = trunc(u) THEN u::BIGINT::VARCHAR ELSE rtrim(rtrim(u::VARCHAR, '0'), '.') END;
