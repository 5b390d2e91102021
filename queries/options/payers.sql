-- Payers of the claims in force, for the filter bar.
SELECT payer_id AS value, coalesce(max(payer_name), payer_id) AS label
FROM line_adjudication GROUP BY payer_id ORDER BY label;
