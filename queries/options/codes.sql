-- Procedure codes billed, most lines first, for the filter bar.
SELECT procedure_code AS value, procedure_code AS label
FROM line_adjudication GROUP BY procedure_code ORDER BY count(*) DESC, procedure_code;
