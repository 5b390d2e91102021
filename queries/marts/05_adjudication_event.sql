-- One row per claim line and remittance event that concerns it: a matched line payment (SVC),
-- or a claim payment without lines (its amounts shared among the claim's lines by charge).
-- Denied: charge > 0, paid 0, no patient share, and a CO/OA/PI adjustment whose CARC is in a
-- denial category (DESIGN.md); the largest such adjustment is the reason (on a tie, the earlier CAS
-- segment, then the lower code), its group and CARC taken together. Reversals (CLP02 22) carry
-- negated amounts, so sums over events are net.
CREATE OR REPLACE TABLE adjudication_event AS
WITH adjustments AS (
    SELECT a.remit_claim_id, a.remit_line_id, a.level, a.group_code, a.amount,
           {'carc': a.reason_code, 'grp': a.group_code} AS reason,
           {'larger': -a.amount, 'earlier': a.source_position, 'code': a.reason_code} AS rank,
           coalesce(d.is_denial, false) AND a.group_code IN ('CO', 'OA', 'PI') AS is_denial
    FROM adjustment a
    LEFT JOIN denial_category d ON d.carc = a.reason_code
),
line_adjustments AS (
    SELECT remit_line_id,
           coalesce(sum(amount) FILTER (WHERE group_code = 'PR'), 0) AS patient_resp,
           coalesce(sum(amount) FILTER (WHERE group_code <> 'PR'), 0) AS payer_adjusted,
           arg_min(reason, rank) FILTER (WHERE is_denial) AS denial
    FROM adjustments
    WHERE level = 'line'
    GROUP BY remit_line_id
),
claim_adjustments AS (
    SELECT remit_claim_id,
           arg_min(reason, rank) FILTER (WHERE is_denial) AS denial
    FROM adjustments
    WHERE level = 'claim'
    GROUP BY remit_claim_id
),
remarks AS (
    SELECT remit_claim_id, remit_line_id, string_agg(DISTINCT code, ',' ORDER BY code) AS codes
    FROM remark
    GROUP BY ALL
),
line_events AS (
    SELECT lm.claim_line_id, m.remit_claim_id, l.remit_line_id, m.remit_id, m.payment_date,
           m.status_code, m.is_reversal, m.is_secondary, l.charge, l.paid_amount AS paid,
           coalesce(l.allowed_amount, l.charge - la.payer_adjusted) AS allowed,
           coalesce(la.patient_resp, 0) AS patient_resp,
           coalesce(la.denial, ca.denial).carc AS denial_carc,
           coalesce(la.denial, ca.denial).grp AS denial_group,
           l.submitted_procedure_code IS NOT NULL AS recoded,
           l.procedure_code AS adjudicated_code,
           -- NULL, as for a claim event, when neither the line nor its claim has remarks
           nullif(concat_ws(',', rl.codes, rc.codes), '') AS remark_codes
    FROM remit_line_match lm
    JOIN remit_line l USING (remit_line_id)
    JOIN remit_claim_match m ON m.remit_claim_id = lm.remit_claim_id
    LEFT JOIN line_adjustments la ON la.remit_line_id = l.remit_line_id
    LEFT JOIN claim_adjustments ca ON ca.remit_claim_id = m.remit_claim_id
    LEFT JOIN remarks rl ON rl.remit_line_id = l.remit_line_id
    LEFT JOIN remarks rc ON rc.remit_claim_id = m.remit_claim_id AND rc.remit_line_id IS NULL
),
claim_shares AS (
    SELECT cl.claim_line_id, m.remit_claim_id, m.remit_id, m.payment_date, m.status_code,
           m.is_reversal, m.is_secondary, sign(rc.total_charge) * cl.charge AS charge,
           rc.paid_amount, coalesce(rc.patient_responsibility, 0) AS claim_patient_resp,
           cl.last_line,
           round(rc.paid_amount * cl.share, 2)::DECIMAL(18, 2) AS paid_share,
           round(coalesce(rc.patient_responsibility, 0) * cl.share, 2)::DECIMAL(18, 2)
               AS patient_share
    FROM remit_claim_match m
    JOIN remit_claim rc USING (remit_claim_id)
    JOIN (
        SELECT claim_line_id, claim_id, charge,
               charge / nullif(sum(charge) OVER (PARTITION BY claim_id), 0) AS share,
               row_number() OVER (PARTITION BY claim_id
                                  ORDER BY line_number DESC, claim_line_id DESC) = 1 AS last_line
        FROM claim_line
    ) cl ON cl.claim_id = m.claim_id
    WHERE NOT EXISTS (SELECT 1 FROM remit_line l WHERE l.remit_claim_id = m.remit_claim_id)
),
claim_events AS (
    -- Shared by charge, to the cent: the last line takes what rounding left over.
    SELECT s.claim_line_id, s.remit_claim_id, NULL::BIGINT AS remit_line_id, s.remit_id,
           s.payment_date, s.status_code, s.is_reversal, s.is_secondary, s.charge,
           s.paid, s.paid + s.patient_resp AS allowed, s.patient_resp,
           ca.denial.carc AS denial_carc, ca.denial.grp AS denial_group, false AS recoded, NULL AS adjudicated_code,
           r.codes AS remark_codes
    FROM (
        SELECT *,
               CASE WHEN last_line
                    THEN paid_amount - (sum(paid_share) OVER claim_payment - paid_share)
                    ELSE paid_share END AS paid,
               CASE WHEN last_line
                    THEN claim_patient_resp - (sum(patient_share) OVER claim_payment - patient_share)
                    ELSE patient_share END AS patient_resp
        FROM claim_shares
        WINDOW claim_payment AS (PARTITION BY remit_claim_id)
    ) s
    LEFT JOIN claim_adjustments ca ON ca.remit_claim_id = s.remit_claim_id
    LEFT JOIN remarks r ON r.remit_claim_id = s.remit_claim_id AND r.remit_line_id IS NULL
)
SELECT e.*, d.category AS denial_category,
       charge > 0 AND paid = 0 AND patient_resp = 0 AND denial_carc IS NOT NULL AS denied,
       row_number() OVER (PARTITION BY claim_line_id
                          ORDER BY payment_date, remit_id, remit_claim_id) AS event_order
FROM (SELECT * FROM line_events UNION ALL SELECT * FROM claim_events) e
LEFT JOIN denial_category d ON d.carc = e.denial_carc;
COMMENT ON TABLE adjudication_event IS 'One row per claim line and remittance event concerning it, in time order (event_order).';
COMMENT ON COLUMN adjudication_event.claim_line_id IS 'The claim line.';
COMMENT ON COLUMN adjudication_event.remit_claim_id IS 'The claim payment (CLP).';
COMMENT ON COLUMN adjudication_event.remit_line_id IS 'The line payment (SVC); NULL for a claim payment without lines, shared by charge.';
COMMENT ON COLUMN adjudication_event.remit_id IS 'The payment.';
COMMENT ON COLUMN adjudication_event.payment_date IS 'BPR16 of the payment.';
COMMENT ON COLUMN adjudication_event.status_code IS 'CLP02.';
COMMENT ON COLUMN adjudication_event.is_reversal IS 'CLP02 = 22: amounts are negated.';
COMMENT ON COLUMN adjudication_event.is_secondary IS 'Paid by another payer than the claim''s (crossover).';
COMMENT ON COLUMN adjudication_event.charge IS 'Charge of the line on this event.';
COMMENT ON COLUMN adjudication_event.paid IS 'Paid on the line by this event.';
COMMENT ON COLUMN adjudication_event.allowed IS 'Allowed: AMT*B6, else charge minus CO/OA/PI adjustments.';
COMMENT ON COLUMN adjudication_event.patient_resp IS 'PR adjustments (deductible, coinsurance, copay).';
COMMENT ON COLUMN adjudication_event.denial_carc IS 'Largest CO/OA/PI adjustment whose CARC is a denial (line level, else claim level; on a tie the earlier CAS segment, then the lower code).';
COMMENT ON COLUMN adjudication_event.denial_group IS 'Its group code (CO, OA, PI).';
COMMENT ON COLUMN adjudication_event.recoded IS 'The payer recoded the line (SVC06 present).';
COMMENT ON COLUMN adjudication_event.adjudicated_code IS 'The code the payer paid when it recoded.';
COMMENT ON COLUMN adjudication_event.remark_codes IS 'Remark codes (LQ, MOA, MIA) of the event, comma-separated; NULL when it has none.';
COMMENT ON COLUMN adjudication_event.denial_category IS 'Category of denial_carc.';
COMMENT ON COLUMN adjudication_event.denied IS 'Denied adjudication: charge > 0, paid 0, no patient share, a denial CARC.';
COMMENT ON COLUMN adjudication_event.event_order IS '1, 2, ... in payment date order.';
