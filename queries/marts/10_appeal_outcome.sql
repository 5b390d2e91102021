-- appeal_outcome: one row per appealed line (appeal_line), with the payer's answer to it. A view,
-- not a table: an appeal recorded after the last load shows at once, as open.
-- The answer is the first adjudication of the line's service by the claim's payer
-- (adjudication_event.settles, not a secondary payer's) whose payment date is after the sent
-- date; reversals, pended and duplicate-claim answers are not answers. On the same date the
-- event loaded first wins (event_order).
-- The service is the appealed line itself while its claim is in force, else the line with the
-- same line number, code and date on the claim of the same payer and CLM01 now in force (a
-- replacement claim sent since), through claim_line_service (a line billed again to a
-- secondary payer answers as the primary's line).
-- outcome: open (no answer yet), overturned (the answer paid more than 0), upheld (the answer is
-- a denial), unpaid (answered with nothing paid and no denial: the patient's share).
CREATE OR REPLACE VIEW appeal_outcome AS
WITH appealed AS (
    SELECT a.appeal_id, a.payer_id, a.patient_control_number, a.sent_date, a.level,
           a.recorded_at, l.claim_line_id, l.line_number, l.procedure_code, l.service_date,
           l.charge, l.at_stake, l.denial_carc, l.denial_category, l.denial_date
    FROM appeal a
    JOIN appeal_line l USING (appeal_id)
),
service_line AS (
    SELECT p.appeal_id, p.claim_line_id, s.service_line_id,
           row_number() OVER (PARTITION BY p.appeal_id, p.claim_line_id
                              ORDER BY (cl.claim_line_id = p.claim_line_id) DESC,
                                       cl.claim_line_id) AS preference
    FROM appealed p
    JOIN claim_in_force f
      ON f.payer_id = p.payer_id
     AND f.patient_control_number = p.patient_control_number
     AND NOT f.voided
    JOIN claim_line cl
      ON cl.claim_id = f.claim_id
     AND (cl.claim_line_id = p.claim_line_id
          OR (cl.line_number = p.line_number AND cl.procedure_code = p.procedure_code
              AND cl.service_date IS NOT DISTINCT FROM p.service_date))
    JOIN claim_line_service s ON s.claim_line_id = cl.claim_line_id
),
answers AS (
    SELECT p.appeal_id, p.claim_line_id,
           arg_min({'date': e.payment_date, 'paid': e.paid, 'denied': e.denied,
                    'carc': e.denial_carc, 'grp': e.denial_group}, e.event_order) AS answer
    FROM appealed p
    JOIN service_line s
      ON s.appeal_id = p.appeal_id AND s.claim_line_id = p.claim_line_id AND s.preference = 1
    JOIN adjudication_event e
      ON e.claim_line_id = s.service_line_id
     AND e.settles
     AND NOT e.is_secondary
     AND e.payment_date > p.sent_date
    GROUP BY p.appeal_id, p.claim_line_id
),
final AS (
    SELECT p.*,
           CASE WHEN a.answer IS NULL THEN 'open'
                WHEN a.answer.paid > 0 THEN 'overturned'
                WHEN a.answer.denied THEN 'upheld'
                ELSE 'unpaid' END AS outcome,
           a.answer IS NOT NULL AS answered,
           a.answer.date AS closed_date,
           date_diff('day', p.sent_date, a.answer.date) AS days_open,
           a.answer.paid::DECIMAL(18, 2) AS paid,
           a.answer.carc AS answer_carc,
           a.answer.grp AS answer_group
    FROM appealed p
    LEFT JOIN answers a USING (appeal_id, claim_line_id)
)
SELECT * FROM final;
COMMENT ON VIEW appeal_outcome IS 'One row per appealed line (appeal_line) with the payer''s first adjudication of the service after the appeal was sent: open, overturned, upheld or unpaid (docs/appeals.md).';
COMMENT ON COLUMN appeal_outcome.appeal_id IS 'appeal.appeal_id.';
COMMENT ON COLUMN appeal_outcome.payer_id IS 'Payer the appeal went to.';
COMMENT ON COLUMN appeal_outcome.patient_control_number IS 'CLM01.';
COMMENT ON COLUMN appeal_outcome.sent_date IS 'Date the appeal was sent.';
COMMENT ON COLUMN appeal_outcome.level IS 'Appeal level.';
COMMENT ON COLUMN appeal_outcome.recorded_at IS 'When the appeal was recorded.';
COMMENT ON COLUMN appeal_outcome.claim_line_id IS 'The appealed line.';
COMMENT ON COLUMN appeal_outcome.line_number IS 'Its LX line number.';
COMMENT ON COLUMN appeal_outcome.procedure_code IS 'Its billed code.';
COMMENT ON COLUMN appeal_outcome.service_date IS 'Its date of service.';
COMMENT ON COLUMN appeal_outcome.charge IS 'Its charge.';
COMMENT ON COLUMN appeal_outcome.at_stake IS 'Dollars at stake when the appeal was recorded (expected allowed, else charge).';
COMMENT ON COLUMN appeal_outcome.denial_carc IS 'CARC of the final denial appealed.';
COMMENT ON COLUMN appeal_outcome.denial_category IS 'Its denial category.';
COMMENT ON COLUMN appeal_outcome.denial_date IS 'Remittance date of the denial appealed.';
COMMENT ON COLUMN appeal_outcome.outcome IS 'open, overturned (the answer paid), upheld (denied again) or unpaid (answered, nothing paid, no denial).';
COMMENT ON COLUMN appeal_outcome.answered IS 'The payer adjudicated the service after the sent date: the denominator of the overturn rate over appeals sent.';
COMMENT ON COLUMN appeal_outcome.closed_date IS 'Payment date (BPR16) of the answer; NULL while open.';
COMMENT ON COLUMN appeal_outcome.days_open IS 'Days from the sent date to the answer; NULL while open (its age is counted at the as-of date).';
COMMENT ON COLUMN appeal_outcome.paid IS 'Paid on the line by the answer; NULL while open.';
COMMENT ON COLUMN appeal_outcome.answer_carc IS 'Denial reason (CARC) of the answer when it upheld the denial.';
COMMENT ON COLUMN appeal_outcome.answer_group IS 'Its group code.';
