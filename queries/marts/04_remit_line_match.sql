-- Each line payment (SVC) matched to its claim line, then to the line that stands for the
-- service (claim_line_service): by the line control number (REF*6R) when the payer echoed it
-- (several lines of one claim with one control number pair with its SVCs in order),
-- else by billed code (SVC06 when the payer recoded), service date and position among the lines
-- with that code and date. A line payment without DTM*472 takes the claim payment's statement
-- date (DTM*232/233) when it is one day; over a longer statement period, or with no date at all,
-- it matches by code and position among the claim's lines of that code whose date falls inside
-- the period. SVCs left without a line are listed in remit_reconciliation.
CREATE OR REPLACE TABLE remit_line_match AS
WITH claim_lines AS (
    SELECT claim_line_id, claim_id, procedure_code, service_date, line_control_number,
           row_number() OVER (PARTITION BY claim_id, procedure_code, service_date
                              ORDER BY line_number, claim_line_id) AS nth,
           row_number() OVER (PARTITION BY claim_id, procedure_code
                              ORDER BY service_date, line_number, claim_line_id) AS nth_of_code,
           -- A control number on several lines of one claim pairs them with its SVCs in
           -- order, one to one (never every SVC with every line); one on a single line takes
           -- every SVC that echoes it.
           row_number() OVER (PARTITION BY claim_id, line_control_number
                              ORDER BY line_number, claim_line_id) AS nth_of_control,
           count(*) OVER (PARTITION BY claim_id, line_control_number) = 1 AS unique_control
    FROM claim_line
),
remit_lines AS (
    SELECT l.remit_line_id, l.remit_claim_id, m.claim_id, l.line_control_number, l.position,
           coalesce(l.submitted_procedure_code, l.procedure_code) AS billed_code,
           coalesce(l.service_date,
                    CASE WHEN rc.statement_from = coalesce(rc.statement_to, rc.statement_from)
                         THEN rc.statement_from END) AS service_date,
           rc.statement_from, rc.statement_to
    FROM remit_line l
    JOIN remit_claim_match m USING (remit_claim_id)
    JOIN remit_claim rc USING (remit_claim_id)
),
numbered AS (
    SELECT *,
           row_number() OVER (PARTITION BY remit_claim_id, billed_code, service_date
                              ORDER BY position) AS nth,
           row_number() OVER (PARTITION BY remit_claim_id, line_control_number
                              ORDER BY position) AS nth_of_control
    FROM remit_lines
),
matched AS (
    SELECT r.remit_line_id, r.remit_claim_id,
           coalesce(by_control.claim_line_id, by_control_order.claim_line_id,
                    by_date.claim_line_id, by_period.claim_line_id) AS claim_line_id
    FROM numbered r
    LEFT JOIN claim_lines by_control
      ON by_control.unique_control
     AND by_control.claim_id = r.claim_id
     AND by_control.line_control_number = r.line_control_number
    LEFT JOIN claim_lines by_control_order
      ON NOT by_control_order.unique_control
     AND by_control_order.claim_id = r.claim_id
     AND by_control_order.line_control_number = r.line_control_number
     AND by_control_order.nth_of_control = r.nth_of_control
    LEFT JOIN claim_lines by_date
      ON coalesce(by_control.claim_line_id, by_control_order.claim_line_id) IS NULL
     AND r.service_date IS NOT NULL
     AND by_date.claim_id = r.claim_id
     AND by_date.procedure_code = r.billed_code
     AND by_date.service_date = r.service_date
     AND by_date.nth = r.nth
    LEFT JOIN claim_lines by_period
      ON coalesce(by_control.claim_line_id, by_control_order.claim_line_id) IS NULL
     AND r.service_date IS NULL
     AND by_period.claim_id = r.claim_id
     AND by_period.procedure_code = r.billed_code
     AND by_period.nth_of_code = r.nth
     AND (r.statement_from IS NULL OR by_period.service_date >= r.statement_from)
     AND (r.statement_to IS NULL OR by_period.service_date <= r.statement_to)
)
SELECT m.remit_line_id, m.remit_claim_id, s.service_line_id AS claim_line_id,
       m.claim_line_id AS billed_line_id
FROM matched m
JOIN claim_line_service s USING (claim_line_id);
COMMENT ON TABLE remit_line_match IS 'Each line payment (SVC) matched to its claim line: REF*6R, else billed code + service date (the statement date when the line has none) + position.';
COMMENT ON COLUMN remit_line_match.remit_line_id IS 'remit_line.remit_line_id.';
COMMENT ON COLUMN remit_line_match.remit_claim_id IS 'remit_claim.remit_claim_id.';
COMMENT ON COLUMN remit_line_match.claim_line_id IS 'The line that stands for the service it pays (claim_line_service.service_line_id).';
COMMENT ON COLUMN remit_line_match.billed_line_id IS 'The line of the claim it answered (differs from claim_line_id for a claim billed to a secondary payer).';
