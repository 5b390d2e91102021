-- The rule findings (rule_finding) on the claim lines of $ids, for the audit packet: claims by
-- dollars at risk, as in rules/findings.sql, each finding with the denial rate it was given.
SELECT f.claim_line_id, f.claim_id, a.patient_control_number, a.service_date, a.payer_id,
       a.payer_name, a.rendering_npi, a.rendering_name, a.procedure_code, f.rule, s.label AS rule_label, f.severity, f.weight, f.evidence,
       k.denial_rate, k.rate_basis, k.dollars_at_risk, r.dollars_at_risk AS claim_dollars_at_risk,
       r.score AS claim_score
FROM rule_finding f
JOIN line_adjudication a USING (claim_line_id)
JOIN claim_risk r ON r.claim_id = f.claim_id
JOIN rule_setting s ON s.rule = f.rule
LEFT JOIN rule_finding_risk k ON k.claim_line_id = f.claim_line_id AND k.rule = f.rule
WHERE list_contains($ids, f.claim_line_id)
ORDER BY r.worklist_rank, f.claim_id,
         CASE f.severity WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END,
         f.claim_line_id, f.rule;
