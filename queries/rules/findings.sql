-- The rule findings worklist (queries/rules.py findings()): one row per finding on the lines in
-- the filters' scope (the filters of selection/lines.sql), riskiest claims first.
SELECT f.claim_id, a.patient_control_number, a.payer_id, a.rendering_npi, a.location,
       a.service_date, a.procedure_code, a.modifiers, a.charge, a.units,
       r.score AS claim_score, r.highest_severity AS claim_highest_severity,
       f.rule, s.label AS rule_label, f.severity, f.weight, f.evidence, f.claim_line_id
FROM rule_finding f
JOIN line_adjudication a USING (claim_line_id)
JOIN claim_risk r ON r.claim_id = f.claim_id
JOIN rule_setting s ON s.rule = f.rule
WHERE list_contains($codes, a.procedure_code)
  AND ($payers IS NULL OR list_contains($payers, a.payer_id))
  AND ($providers IS NULL OR list_contains($providers, a.rendering_npi))
  AND ($locations IS NULL OR list_contains($locations, a.location))
  AND ($modifiers IS NULL OR list_has_any($modifiers,
                                         [a.modifier_1, a.modifier_2, a.modifier_3, a.modifier_4]))
  AND ($start IS NULL OR CASE WHEN $basis = 'payment' THEN a.first_remit_date ELSE a.service_date END >= $start)
  AND ($end IS NULL OR CASE WHEN $basis = 'payment' THEN a.first_remit_date ELSE a.service_date END <= $end)
ORDER BY r.score DESC, f.claim_id,
         CASE f.severity WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END,
         f.claim_line_id, f.rule;
