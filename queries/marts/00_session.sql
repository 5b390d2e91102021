-- The marts join whole tables: give DuckDB its full memory and cores back (a load caps both),
-- and keep its progress bar off the user's terminal.
RESET memory_limit;
RESET threads;
SET enable_progress_bar = false;
