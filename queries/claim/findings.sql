-- The rule findings on one claim version's lines, with their evidence.
SELECT l.line_number, l.procedure_code, f.rule, s.label AS rule_label, f.severity, f.evidence
FROM rule_finding f
JOIN claim_line l USING (claim_line_id)
JOIN rule_setting s ON s.rule = f.rule
WHERE f.claim_id = $claim_id
ORDER BY CASE f.severity WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END, l.line_number,
         f.rule;
