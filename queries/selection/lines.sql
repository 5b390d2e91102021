-- The claim lines a metric run looks at: line_adjudication filtered by the user's choices, with
-- the columns the figures and worklists use (fewer columns, less memory at ten million lines).
-- Every filter is optional (NULL = all); lists match any of their values.
SELECT claim_line_id, patient_control_number, payer_id, rendering_npi, location, procedure_code,
       service_date, service_month, charge, adjudicated, initial_denied, initial_denial_carc,
       initial_denial_group, initial_denial_category, final_denied, overturned, net_paid,
       has_contract, allowed, expected_allowed, days_to_adjudication, days_to_payment, ever_paid,
       documentation_complete, narrative_present, has_description, has_purpose, has_duration,
       has_rationale, has_credentials, has_involvement
FROM line_adjudication
WHERE list_contains($codes, procedure_code)
  AND ($payers IS NULL OR list_contains($payers, payer_id))
  AND ($providers IS NULL OR list_contains($providers, rendering_npi))
  AND ($locations IS NULL OR list_contains($locations, location))
  AND ($modifiers IS NULL OR list_has_any($modifiers,
                                         [modifier_1, modifier_2, modifier_3, modifier_4]))
  AND ($start IS NULL OR CASE WHEN $basis = 'payment' THEN first_remit_date ELSE service_date END >= $start)
  AND ($end IS NULL OR CASE WHEN $basis = 'payment' THEN first_remit_date ELSE service_date END <= $end);
