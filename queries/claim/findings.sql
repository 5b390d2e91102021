-- The rule findings on one claim version's lines, with their evidence and what each puts at
-- risk (rule_finding_risk): the denial rate it was given, on whose lines, and the dollars.
SELECT l.line_number, l.procedure_code, f.rule, s.label AS rule_label, f.severity, f.evidence,
       k.denial_rate, k.denied_lines || ' of ' || k.answered_lines || ' answered lines ('
           || k.rate_basis || ')' AS rate_seen, k.dollars_at_risk
FROM rule_finding f
JOIN claim_line l USING (claim_line_id)
JOIN rule_setting s ON s.rule = f.rule
LEFT JOIN rule_finding_risk k ON k.claim_line_id = f.claim_line_id AND k.rule = f.rule
WHERE f.claim_id = $claim_id
ORDER BY CASE f.severity WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END, l.line_number,
         f.rule;
