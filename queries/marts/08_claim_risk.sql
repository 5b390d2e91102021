-- claim_risk: per claim in force with a line of a target code, its rule findings, the dollars
-- they put at risk (each line's highest rule_finding_risk, summed over the claim's lines) and
-- the older severity score; worklist_rank orders the claims for the worklist.
CREATE OR REPLACE TABLE claim_risk AS
WITH claims AS (
    SELECT DISTINCT claim_id, patient_control_number, payer_id
    FROM line_adjudication
    WHERE upper(procedure_code) IN (SELECT upper(code) FROM rule_target_code_source)
),
scored AS (
    SELECT c.claim_id, c.patient_control_number, c.payer_id,
           count(f.rule) AS findings,
           count(f.rule) FILTER (WHERE f.severity = 'high') AS high_findings,
           count(f.rule) FILTER (WHERE f.severity = 'medium') AS medium_findings,
           count(f.rule) FILTER (WHERE f.severity = 'low') AS low_findings,
           coalesce(sum(f.weight), 0)::DECIMAL(18, 2) AS score,
           CASE max(CASE f.severity WHEN 'high' THEN 3 WHEN 'medium' THEN 2
                                    WHEN 'low' THEN 1 END)
               WHEN 3 THEN 'high' WHEN 2 THEN 'medium' WHEN 1 THEN 'low' END AS highest_severity,
           string_agg(DISTINCT f.rule, ', ' ORDER BY f.rule) AS rules
    FROM claims c
    LEFT JOIN rule_finding f USING (claim_id)
    GROUP BY c.claim_id, c.patient_control_number, c.payer_id
),
line_risk AS (
    SELECT claim_id, claim_line_id, max(dollars_at_risk) AS dollars_at_risk
    FROM rule_finding_risk
    GROUP BY claim_id, claim_line_id
),
claim_dollars AS (
    SELECT claim_id, sum(dollars_at_risk)::DECIMAL(18, 2) AS dollars_at_risk
    FROM line_risk GROUP BY claim_id
)
SELECT s.*, d.dollars_at_risk,
       CASE WHEN s.findings > 0
            THEN row_number() OVER (ORDER BY s.findings > 0 DESC, d.dollars_at_risk DESC NULLS LAST,
                                          s.score DESC, s.claim_id) END AS worklist_rank
FROM scored s
LEFT JOIN claim_dollars d USING (claim_id)
ORDER BY worklist_rank NULLS LAST, s.claim_id;
COMMENT ON TABLE claim_risk IS 'One row per claim in force with a line of a target code: its billing rule findings and risk score (0 when no rule fired).';
COMMENT ON COLUMN claim_risk.claim_id IS 'claim.claim_id.';
COMMENT ON COLUMN claim_risk.patient_control_number IS 'CLM01.';
COMMENT ON COLUMN claim_risk.payer_id IS 'Payer of the claim.';
COMMENT ON COLUMN claim_risk.findings IS 'Rule findings on the claim''s target lines (rule_finding rows).';
COMMENT ON COLUMN claim_risk.high_findings IS 'Findings of high severity.';
COMMENT ON COLUMN claim_risk.medium_findings IS 'Findings of medium severity.';
COMMENT ON COLUMN claim_risk.low_findings IS 'Findings of low severity.';
COMMENT ON COLUMN claim_risk.score IS 'Severity score: the sum of the findings'' severity weights ([weights] of the rules file); orders claims with the same dollars at risk.';
COMMENT ON COLUMN claim_risk.highest_severity IS 'The highest severity among the findings; NULL without findings.';
COMMENT ON COLUMN claim_risk.rules IS 'The rules that fired, comma-separated.';
COMMENT ON COLUMN claim_risk.dollars_at_risk IS 'Dollars the findings put at risk: per line, the charge times the highest observed denial rate of its findings (rule_finding_risk), summed over the claim; NULL without findings or before any line is answered.';
COMMENT ON COLUMN claim_risk.worklist_rank IS 'Place in the worklist: by dollars at risk, then score, then claim; NULL without findings.';
