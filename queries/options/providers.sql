-- Rendering providers of the claims in force, for the filter bar.
SELECT rendering_npi AS value, coalesce(max(rendering_name), rendering_npi) AS label
FROM line_adjudication WHERE rendering_npi IS NOT NULL GROUP BY rendering_npi ORDER BY label;
