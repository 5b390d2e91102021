-- The rule findings (rule_finding, the same rules `unlisted rules` runs) on the lines of the
-- batches being checked ($batches), with each rule's label and severity.
SELECT f.claim_line_id, f.rule, s.label AS rule_label, f.severity, f.evidence
FROM rule_finding f
JOIN claim c USING (claim_id)
JOIN rule_setting s USING (rule)
WHERE list_contains($batches, c.batch_id)
ORDER BY f.claim_line_id,
         CASE f.severity WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END, f.rule;
