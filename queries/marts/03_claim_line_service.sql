-- Each claim line of a claim in force and the line that stands for its service: itself, or for
-- a claim billed to a secondary payer (claim_in_force.service_claim_id), the primary claim's line
-- with the same line control number (REF*6R), else the same code, service date and position
-- among the lines with that code and date. A secondary line with no counterpart stands for
-- itself, so no money is left without a line.
CREATE OR REPLACE TABLE claim_line_service AS
WITH lines AS (
    SELECT l.claim_line_id, l.claim_id, f.service_claim_id, l.procedure_code, l.service_date,
           l.line_control_number,
           row_number() OVER (PARTITION BY l.claim_id, l.procedure_code, l.service_date
                              ORDER BY l.line_number, l.claim_line_id) AS nth,
           row_number() OVER (PARTITION BY l.claim_id, l.line_control_number
                              ORDER BY l.line_number, l.claim_line_id) AS nth_of_control
    FROM claim_line l
    JOIN claim_in_force f USING (claim_id)
),
secondary AS (
    SELECT * FROM lines WHERE service_claim_id <> claim_id
),
by_control AS (
    -- Lines sharing a control number pair in order, one to one.
    SELECT s.claim_line_id, p.claim_line_id AS service_line_id
    FROM secondary s
    JOIN lines p
      ON p.claim_id = s.service_claim_id
     AND p.line_control_number = s.line_control_number
     AND p.nth_of_control = s.nth_of_control
),
by_position AS (
    SELECT s.claim_line_id, p.claim_line_id AS service_line_id
    FROM secondary s
    JOIN lines p
      ON p.claim_id = s.service_claim_id
     AND p.procedure_code = s.procedure_code
     AND p.service_date IS NOT DISTINCT FROM s.service_date
     AND p.nth = s.nth
)
SELECT l.claim_line_id,
       coalesce(c.service_line_id, p.service_line_id, l.claim_line_id) AS service_line_id,
       coalesce(c.service_line_id, p.service_line_id, l.claim_line_id) <> l.claim_line_id
           AS billed_again
FROM lines l
LEFT JOIN by_control c USING (claim_line_id)
LEFT JOIN by_position p USING (claim_line_id);
COMMENT ON TABLE claim_line_service IS 'Each claim line of a claim in force and the line that stands for its service (itself, or the primary claim''s line when the practice billed the same service to a secondary payer).';
COMMENT ON COLUMN claim_line_service.claim_line_id IS 'claim_line.claim_line_id.';
COMMENT ON COLUMN claim_line_service.service_line_id IS 'The line counted in the figures for this service.';
COMMENT ON COLUMN claim_line_service.billed_again IS 'TRUE for a secondary billing of a service already billed to the primary: it adds no line, charge or denominator.';
