-- Each line payment (SVC) matched to its claim line: by the line control number (REF*6R) when
-- the payer echoed it, else by billed code (SVC06 when the payer recoded), service date and
-- position among the lines with that code and date.
CREATE OR REPLACE TABLE remit_line_match AS
WITH claim_lines AS (
    SELECT claim_line_id, claim_id, procedure_code, service_date, line_control_number,
           row_number() OVER (PARTITION BY claim_id, procedure_code, service_date
                              ORDER BY line_number, claim_line_id) AS nth
    FROM claim_line
),
remit_lines AS (
    SELECT l.remit_line_id, l.remit_claim_id, m.claim_id, l.line_control_number, l.service_date,
           coalesce(l.submitted_procedure_code, l.procedure_code) AS billed_code,
           row_number() OVER (PARTITION BY l.remit_claim_id,
                                           coalesce(l.submitted_procedure_code, l.procedure_code),
                                           l.service_date
                              ORDER BY l.position) AS nth
    FROM remit_line l
    JOIN remit_claim_match m USING (remit_claim_id)
)
SELECT r.remit_line_id, r.remit_claim_id,
       coalesce(by_control.claim_line_id, by_position.claim_line_id) AS claim_line_id
FROM remit_lines r
LEFT JOIN claim_lines by_control
  ON by_control.claim_id = r.claim_id
 AND by_control.line_control_number = r.line_control_number
LEFT JOIN claim_lines by_position
  ON by_control.claim_line_id IS NULL
 AND by_position.claim_id = r.claim_id
 AND by_position.procedure_code = r.billed_code
 AND by_position.service_date IS NOT DISTINCT FROM r.service_date
 AND by_position.nth = r.nth
WHERE coalesce(by_control.claim_line_id, by_position.claim_line_id) IS NOT NULL;
COMMENT ON TABLE remit_line_match IS 'Each line payment (SVC) matched to its claim line: REF*6R, else billed code + service date + position.';
COMMENT ON COLUMN remit_line_match.remit_line_id IS 'remit_line.remit_line_id.';
COMMENT ON COLUMN remit_line_match.remit_claim_id IS 'remit_claim.remit_claim_id.';
COMMENT ON COLUMN remit_line_match.claim_line_id IS 'The claim line it pays.';
