-- The claim lines a metric run, a page or an export looks at: line_adjudication filtered by the
-- user's choices. Callers project the columns they need (queries/metrics.py, queries/explore.py).
-- Every filter is optional (NULL = all); lists match any of their values.
SELECT *
FROM line_adjudication
WHERE list_contains($codes, procedure_code)
  AND ($payers IS NULL OR list_contains($payers, payer_id))
  AND ($providers IS NULL OR list_contains($providers, rendering_npi))
  AND ($locations IS NULL OR list_contains($locations, location))
  AND ($modifiers IS NULL OR list_has_any($modifiers,
                                         [modifier_1, modifier_2, modifier_3, modifier_4]))
  AND ($start IS NULL OR CASE WHEN $basis = 'payment' THEN first_remit_date ELSE service_date END >= $start)
  AND ($end IS NULL OR CASE WHEN $basis = 'payment' THEN first_remit_date ELSE service_date END <= $end);
