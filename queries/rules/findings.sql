-- The rule findings worklist (queries/rules.py findings()): one row per finding on the lines in
-- the filters' scope (the filters of selection/lines.sql), claims by dollars at risk (claim_risk
-- worklist_rank), each with the denial rate its finding was given (rule_finding_risk).
-- claim_rank numbers the claims of the selection from 1; $top keeps the first $top claims, NULL
-- all of them, and with $default_top the rules file's [ranking] worklist_claims.
WITH selected AS (
    SELECT f.claim_id, a.patient_control_number, a.payer_id, a.payer_name, a.rendering_npi,
           a.rendering_name,
           a.location, a.service_date, a.procedure_code, a.modifiers, a.charge, a.units,
           r.dollars_at_risk AS claim_dollars_at_risk, r.score AS claim_score,
           r.highest_severity AS claim_highest_severity, r.worklist_rank,
           f.rule, s.label AS rule_label, f.severity, f.weight, f.evidence,
           k.denial_rate, k.rate_basis, k.denied_lines AS rate_denied_lines,
           k.answered_lines AS rate_answered_lines, k.dollars_at_risk, f.claim_line_id,
           dense_rank() OVER (ORDER BY r.worklist_rank) AS claim_rank
    FROM rule_finding f
    JOIN line_adjudication a USING (claim_line_id)
    JOIN claim_risk r ON r.claim_id = f.claim_id
    JOIN rule_setting s ON s.rule = f.rule
    LEFT JOIN rule_finding_risk k ON k.claim_line_id = f.claim_line_id AND k.rule = f.rule
    WHERE ($codes IS NULL OR list_contains($codes, a.procedure_code))
      AND ($payers IS NULL OR list_contains($payers, a.payer_id))
      AND ($providers IS NULL OR list_contains($providers, a.rendering_npi))
      AND ($locations IS NULL OR list_contains($locations, a.location))
      AND ($modifiers IS NULL OR list_has_any($modifiers,
                                             [a.modifier_1, a.modifier_2, a.modifier_3, a.modifier_4]))
      AND ($start IS NULL OR CASE WHEN $basis = 'payment' THEN a.first_remit_date ELSE a.service_date END >= $start)
      AND ($end IS NULL OR CASE WHEN $basis = 'payment' THEN a.first_remit_date ELSE a.service_date END <= $end)
)
SELECT * EXCLUDE (worklist_rank)
FROM selected
WHERE claim_rank <= coalesce($top, CASE WHEN $default_top
                                        THEN (SELECT worklist_claims FROM rule_ranking) END,
                             claim_rank)
ORDER BY claim_rank,
         CASE severity WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END,
         claim_line_id, rule;
