"""Read side: the DuckDB schema and models (.sql), and the metrics computed over them."""
