-- rule_finding_risk: what each finding puts at risk. A finding gets the observed denial rate
-- (denied at the first answer) of the payer's target-code lines that carried the same finding
-- and were answered, when there are at least rule_ranking.min_lines of them; else the rate of
-- all payers' lines with that finding (same minimum); else the payer's rate over all its
-- answered target-code lines; else the practice's. A line's dollars at risk are its charge
-- times the highest rate among its findings (claim_risk sums them).
CREATE OR REPLACE TABLE rule_finding_risk AS
WITH finding AS (
    SELECT f.claim_line_id, f.claim_id, f.rule, a.payer_id, a.charge,
           a.adjudications > 0 AS answered, a.initial_denied
    FROM rule_finding f
    JOIN line_adjudication a USING (claim_line_id)
),
by_payer AS (
    SELECT payer_id, rule, count(*) AS lines, count(*) FILTER (WHERE initial_denied) AS denied
    FROM finding WHERE answered GROUP BY payer_id, rule
),
by_rule AS (
    SELECT rule, count(*) AS lines, count(*) FILTER (WHERE initial_denied) AS denied
    FROM finding WHERE answered GROUP BY rule
),
answered_target AS (
    SELECT payer_id, initial_denied
    FROM line_adjudication
    WHERE adjudications > 0
      AND upper(procedure_code) IN (SELECT upper(code) FROM rule_target_code_source)
),
payer_overall AS (
    SELECT payer_id, count(*) AS lines, count(*) FILTER (WHERE initial_denied) AS denied
    FROM answered_target GROUP BY payer_id
),
practice_overall AS (
    SELECT count(*) AS lines, count(*) FILTER (WHERE initial_denied) AS denied
    FROM answered_target
),
rated AS (
    SELECT f.claim_line_id, f.claim_id, f.rule, f.payer_id, f.charge,
           CASE WHEN p.lines >= k.min_lines THEN 'payer'
                WHEN r.lines >= k.min_lines THEN 'all payers'
                WHEN o.lines > 0 THEN 'payer, all findings'
                WHEN x.lines > 0 THEN 'practice' END AS rate_basis,
           CASE WHEN p.lines >= k.min_lines THEN p.denied
                WHEN r.lines >= k.min_lines THEN r.denied
                WHEN o.lines > 0 THEN o.denied
                WHEN x.lines > 0 THEN x.denied END AS denied_lines,
           CASE WHEN p.lines >= k.min_lines THEN p.lines
                WHEN r.lines >= k.min_lines THEN r.lines
                WHEN o.lines > 0 THEN o.lines
                WHEN x.lines > 0 THEN x.lines END AS answered_lines
    FROM finding f
    CROSS JOIN rule_ranking k
    CROSS JOIN practice_overall x
    LEFT JOIN by_payer p ON p.payer_id = f.payer_id AND p.rule = f.rule
    LEFT JOIN by_rule r ON r.rule = f.rule
    LEFT JOIN payer_overall o ON o.payer_id = f.payer_id
)
SELECT claim_line_id, claim_id, rule, rate_basis, denied_lines, answered_lines,
       round(denied_lines::DECIMAL(18, 0) / answered_lines, 4)::DECIMAL(9, 4) AS denial_rate,
       round(charge * denied_lines::DECIMAL(18, 0) / answered_lines, 2)::DECIMAL(18, 2)
           AS dollars_at_risk
FROM rated
ORDER BY claim_id, claim_line_id, rule;
COMMENT ON TABLE rule_finding_risk IS 'What each rule finding puts at risk: the observed denial rate it is given and the line''s charge times that rate (docs/rule-checks.md "How claims are ranked").';
COMMENT ON COLUMN rule_finding_risk.claim_line_id IS 'claim_line.claim_line_id of the line.';
COMMENT ON COLUMN rule_finding_risk.claim_id IS 'claim.claim_id of its claim.';
COMMENT ON COLUMN rule_finding_risk.rule IS 'rule_finding.rule.';
COMMENT ON COLUMN rule_finding_risk.rate_basis IS 'Whose lines the rate is observed on: payer (the payer''s lines with this finding), all payers (every payer''s lines with it), payer, all findings (the payer''s answered target-code lines), practice (all answered target-code lines); NULL when no line has been answered yet.';
COMMENT ON COLUMN rule_finding_risk.denied_lines IS 'Lines of that basis denied at the first answer.';
COMMENT ON COLUMN rule_finding_risk.answered_lines IS 'Lines of that basis answered (adjudicated at least once).';
COMMENT ON COLUMN rule_finding_risk.denial_rate IS 'denied_lines / answered_lines, to four decimals.';
COMMENT ON COLUMN rule_finding_risk.dollars_at_risk IS 'The line''s charge times the rate, to the cent.';
