-- claim_risk: per claim in force with a line of a target code, its rule findings and a risk score
-- (the sum of the findings' severity weights), for a worklist ordered by risk.
CREATE OR REPLACE TABLE claim_risk AS
WITH claims AS (
    SELECT DISTINCT claim_id, patient_control_number, payer_id
    FROM line_adjudication
    WHERE upper(procedure_code) IN (SELECT upper(code) FROM rule_target_code_source)
)
SELECT c.claim_id, c.patient_control_number, c.payer_id,
       count(f.rule) AS findings,
       count(f.rule) FILTER (WHERE f.severity = 'high') AS high_findings,
       count(f.rule) FILTER (WHERE f.severity = 'medium') AS medium_findings,
       count(f.rule) FILTER (WHERE f.severity = 'low') AS low_findings,
       coalesce(sum(f.weight), 0)::DECIMAL(18, 2) AS score,
       CASE max(CASE f.severity WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 END)
           WHEN 3 THEN 'high' WHEN 2 THEN 'medium' WHEN 1 THEN 'low' END AS highest_severity,
       string_agg(DISTINCT f.rule, ', ' ORDER BY f.rule) AS rules
FROM claims c
LEFT JOIN rule_finding f USING (claim_id)
GROUP BY c.claim_id, c.patient_control_number, c.payer_id
ORDER BY score DESC, c.claim_id;
COMMENT ON TABLE claim_risk IS 'One row per claim in force with a line of a target code: its billing rule findings and risk score (0 when no rule fired).';
COMMENT ON COLUMN claim_risk.claim_id IS 'claim.claim_id.';
COMMENT ON COLUMN claim_risk.patient_control_number IS 'CLM01.';
COMMENT ON COLUMN claim_risk.payer_id IS 'Payer of the claim.';
COMMENT ON COLUMN claim_risk.findings IS 'Rule findings on the claim''s target lines (rule_finding rows).';
COMMENT ON COLUMN claim_risk.high_findings IS 'Findings of high severity.';
COMMENT ON COLUMN claim_risk.medium_findings IS 'Findings of medium severity.';
COMMENT ON COLUMN claim_risk.low_findings IS 'Findings of low severity.';
COMMENT ON COLUMN claim_risk.score IS 'Risk score: the sum of the findings'' severity weights ([weights] of the rules file).';
COMMENT ON COLUMN claim_risk.highest_severity IS 'The highest severity among the findings; NULL without findings.';
COMMENT ON COLUMN claim_risk.rules IS 'The rules that fired, comma-separated.';
