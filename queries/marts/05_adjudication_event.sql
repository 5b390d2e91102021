-- One row per claim line and claim payment (CLP) that concerns it: the line payments (SVC) of
-- that CLP answering the line, summed (several SVCs answering one billed line, as when a payer
-- splits it by units, are one answer), or a claim payment without lines, shared among the
-- claim's lines by charge.
-- answer: what the event is.
--   reversal     CLP02 22; amounts are negated, so sums over events are net.
--   duplicate    nothing paid and a CO/OA/PI adjustment in the category 'duplicate' (CARC 18):
--                the payer's answer to a resubmission, not an adjudication of the service.
--   pended       nothing paid, no patient share, and every CO/OA/PI adjustment in the category
--                'pending' (CARC 133 alone): the payer has not decided yet.
--   adjudication anything else: an answer that settles the line (paid, denied or patient's).
-- Denied: an adjudication with charge > 0, paid 0, no patient share, and a CO/OA/PI adjustment
-- whose CARC is a denial (denial_category.is_denial); the largest such adjustment is the reason
-- (on a tie the earlier CAS segment, then the lower code), line level before claim level. Such
-- a zero pay whose CO/OA/PI CARCs are in no category at all is an uncategorised denial (the
-- largest of them is the reason, category 'uncategorised').
-- Claim payments without lines are shared by the billed line charges in whole cents (largest
-- remainder, then line order), from CLP04 less its prompt-pay interest (AMT*I), which no line
-- receives.
CREATE OR REPLACE TABLE adjudication_event AS
WITH adjustments AS (
    SELECT a.remit_claim_id, a.remit_line_id, a.level, a.group_code, a.amount,
           a.group_code IN ('CO', 'OA', 'PI') AS payer_adjustment,
           d.category,
           {'carc': a.reason_code, 'grp': a.group_code} AS reason,
           {'larger': -a.amount, 'earlier': a.source_position, 'code': a.reason_code} AS rank,
           coalesce(d.is_denial, false) AS is_denial,
           d.carc IS NULL AS uncategorised
    FROM adjustment a
    LEFT JOIN denial_category d ON d.carc = a.reason_code
),
line_answers AS (
    -- The SVCs of one CLP that answer one claim line, as one answer.
    SELECT lm.claim_line_id, lm.remit_claim_id, min(l.remit_line_id) AS remit_line_id,
           sum(l.charge) AS charge, sum(l.paid_amount) AS paid,
           sum(l.allowed_amount) AS allowed_amount,
           count(*) = count(l.allowed_amount) AS allowed_reported,
           bool_or(l.submitted_procedure_code IS NOT NULL) AS recoded,
           arg_max(l.procedure_code, l.position) AS adjudicated_code
    FROM remit_line_match lm
    JOIN remit_line l USING (remit_line_id)
    GROUP BY lm.claim_line_id, lm.remit_claim_id
),
line_adjustments AS (
    SELECT lm.claim_line_id, a.remit_claim_id,
           coalesce(sum(a.amount) FILTER (WHERE a.group_code = 'PR'), 0) AS patient_resp,
           coalesce(sum(a.amount) FILTER (WHERE a.group_code <> 'PR'), 0) AS payer_adjusted,
           arg_min(a.reason, a.rank) FILTER (WHERE a.payer_adjustment AND a.is_denial) AS denial,
           arg_min(a.reason, a.rank) FILTER (WHERE a.payer_adjustment AND a.uncategorised)
               AS uncategorised,
           count(*) FILTER (WHERE a.payer_adjustment) AS payer_adjustments,
           count(*) FILTER (WHERE a.payer_adjustment AND a.category = 'duplicate') AS duplicates,
           count(*) FILTER (WHERE a.payer_adjustment AND a.category = 'pending') AS pendings
    FROM remit_line_match lm
    JOIN adjustments a ON a.remit_line_id = lm.remit_line_id AND a.level = 'line'
    GROUP BY lm.claim_line_id, a.remit_claim_id
),
claim_adjustments AS (
    SELECT remit_claim_id,
           arg_min(reason, rank) FILTER (WHERE payer_adjustment AND is_denial) AS denial,
           arg_min(reason, rank) FILTER (WHERE payer_adjustment AND uncategorised)
               AS uncategorised,
           count(*) FILTER (WHERE payer_adjustment) AS payer_adjustments,
           count(*) FILTER (WHERE payer_adjustment AND category = 'duplicate') AS duplicates,
           count(*) FILTER (WHERE payer_adjustment AND category = 'pending') AS pendings
    FROM adjustments
    WHERE level = 'claim'
    GROUP BY remit_claim_id
),
remarks AS (
    SELECT remit_claim_id, remit_line_id, string_agg(DISTINCT code, ',' ORDER BY code) AS codes
    FROM remark
    GROUP BY ALL
),
line_remarks AS (
    SELECT lm.claim_line_id, lm.remit_claim_id,
           string_agg(DISTINCT r.code, ',' ORDER BY r.code) AS codes
    FROM remit_line_match lm
    JOIN remark r ON r.remit_line_id = lm.remit_line_id
    GROUP BY ALL
),
line_events AS (
    SELECT a.claim_line_id, m.remit_claim_id, a.remit_line_id, m.remit_id, m.payment_date,
           m.status_code, m.is_reversal, m.is_secondary, a.charge, a.paid,
           CASE WHEN a.allowed_reported THEN a.allowed_amount
                ELSE a.charge - coalesce(la.payer_adjusted, 0) END AS allowed,
           coalesce(la.patient_resp, 0) AS patient_resp,
           coalesce(la.denial, ca.denial) AS denial,
           coalesce(la.uncategorised, ca.uncategorised) AS uncategorised,
           coalesce(la.payer_adjustments, 0) + coalesce(ca.payer_adjustments, 0)
               AS payer_adjustments,
           coalesce(la.duplicates, 0) + coalesce(ca.duplicates, 0) AS duplicates,
           coalesce(la.pendings, 0) + coalesce(ca.pendings, 0) AS pendings,
           a.recoded, CASE WHEN a.recoded THEN a.adjudicated_code END AS adjudicated_code,
           -- NULL, as for a claim event, when neither the line nor its claim has remarks
           nullif(concat_ws(',', rl.codes, rc.codes), '') AS remark_codes
    FROM line_answers a
    JOIN remit_claim_match m ON m.remit_claim_id = a.remit_claim_id
    LEFT JOIN line_adjustments la
      ON la.claim_line_id = a.claim_line_id AND la.remit_claim_id = a.remit_claim_id
    LEFT JOIN claim_adjustments ca ON ca.remit_claim_id = a.remit_claim_id
    LEFT JOIN line_remarks rl
      ON rl.claim_line_id = a.claim_line_id AND rl.remit_claim_id = a.remit_claim_id
    LEFT JOIN remarks rc ON rc.remit_claim_id = a.remit_claim_id AND rc.remit_line_id IS NULL
),
claim_lines AS (
    SELECT l.claim_line_id AS billed_line_id, s.service_line_id, l.claim_id, l.line_number,
           (l.charge * 100)::HUGEINT AS charge_cents, l.charge,
           sum((l.charge * 100)::HUGEINT) OVER (PARTITION BY l.claim_id) AS claim_cents
    FROM claim_line l
    JOIN claim_line_service s USING (claim_line_id)
),
claim_payments AS (
    -- A claim payment without lines, with what is to be shared in whole cents (signs apart).
    SELECT m.remit_claim_id, m.claim_id, m.remit_id, m.payment_date, m.status_code,
           m.is_reversal, m.is_secondary, rc.total_charge < 0 AS negative,
           (abs(rc.paid_amount - coalesce(rc.interest_amount, 0)) * 100)::HUGEINT AS paid_cents,
           (abs(coalesce(rc.patient_responsibility, 0)) * 100)::HUGEINT AS patient_cents,
           rc.paid_amount - coalesce(rc.interest_amount, 0) < 0 AS paid_negative,
           coalesce(rc.patient_responsibility, 0) < 0 AS patient_negative
    FROM remit_claim_match m
    JOIN remit_claim rc USING (remit_claim_id)
    WHERE NOT EXISTS (SELECT 1 FROM remit_line l WHERE l.remit_claim_id = m.remit_claim_id)
),
claim_floor AS (
    SELECT p.*, l.service_line_id, l.line_number, l.billed_line_id, l.charge,
           CASE WHEN l.claim_cents = 0 THEN 0 ELSE p.paid_cents * l.charge_cents // l.claim_cents END
               AS paid_floor,
           CASE WHEN l.claim_cents = 0 THEN 0 ELSE p.paid_cents * l.charge_cents % l.claim_cents END
               AS paid_remainder,
           CASE WHEN l.claim_cents = 0 THEN 0
                ELSE p.patient_cents * l.charge_cents // l.claim_cents END AS patient_floor,
           CASE WHEN l.claim_cents = 0 THEN 0
                ELSE p.patient_cents * l.charge_cents % l.claim_cents END AS patient_remainder,
           l.claim_cents = 0 AS no_charges
    FROM claim_payments p
    JOIN claim_lines l ON l.claim_id = p.claim_id
),
claim_shares AS (
    -- The cents that flooring left go one each to the largest remainders (then line order);
    -- on a claim without charges the last line takes it all.
    SELECT *,
           row_number() OVER (PARTITION BY remit_claim_id
                              ORDER BY paid_remainder DESC, line_number, billed_line_id)
               AS paid_rank,
           row_number() OVER (PARTITION BY remit_claim_id
                              ORDER BY patient_remainder DESC, line_number, billed_line_id)
               AS patient_rank,
           row_number() OVER (PARTITION BY remit_claim_id
                              ORDER BY line_number DESC, billed_line_id DESC) AS from_last,
           paid_cents - sum(paid_floor) OVER (PARTITION BY remit_claim_id) AS paid_left,
           patient_cents - sum(patient_floor) OVER (PARTITION BY remit_claim_id) AS patient_left
    FROM claim_floor
),
claim_events AS (
    SELECT s.service_line_id AS claim_line_id, s.remit_claim_id, NULL::BIGINT AS remit_line_id,
           s.remit_id, s.payment_date, s.status_code, s.is_reversal, s.is_secondary,
           CASE WHEN s.negative THEN -s.charge ELSE s.charge END AS charge,
           s.paid, s.paid + s.patient_resp AS allowed, s.patient_resp,
           ca.denial, ca.uncategorised, coalesce(ca.payer_adjustments, 0) AS payer_adjustments,
           coalesce(ca.duplicates, 0) AS duplicates, coalesce(ca.pendings, 0) AS pendings,
           false AS recoded, NULL AS adjudicated_code, r.codes AS remark_codes
    FROM (
        SELECT *,
               (CASE WHEN paid_negative THEN -1 ELSE 1 END
                * CASE WHEN no_charges THEN (from_last = 1)::INT * paid_cents
                       ELSE paid_floor + (paid_rank <= paid_left)::INT END)::DECIMAL(38, 0)
                   * 0.01::DECIMAL(3, 2) AS paid,
               (CASE WHEN patient_negative THEN -1 ELSE 1 END
                * CASE WHEN no_charges THEN (from_last = 1)::INT * patient_cents
                       ELSE patient_floor + (patient_rank <= patient_left)::INT END)
                   ::DECIMAL(38, 0) * 0.01::DECIMAL(3, 2) AS patient_resp
        FROM claim_shares
    ) s
    LEFT JOIN claim_adjustments ca ON ca.remit_claim_id = s.remit_claim_id
    LEFT JOIN remarks r ON r.remit_claim_id = s.remit_claim_id AND r.remit_line_id IS NULL
),
events AS (
    SELECT claim_line_id, remit_claim_id, remit_line_id, remit_id, payment_date, status_code,
           is_reversal, is_secondary, charge::DECIMAL(18, 2) AS charge,
           paid::DECIMAL(18, 2) AS paid, allowed::DECIMAL(18, 2) AS allowed,
           patient_resp::DECIMAL(18, 2) AS patient_resp, denial, uncategorised,
           payer_adjustments, duplicates, pendings, recoded, adjudicated_code, remark_codes
    FROM line_events
    UNION ALL
    SELECT claim_line_id, remit_claim_id, remit_line_id, remit_id, payment_date, status_code,
           is_reversal, is_secondary, charge::DECIMAL(18, 2), paid::DECIMAL(18, 2),
           allowed::DECIMAL(18, 2), patient_resp::DECIMAL(18, 2), denial, uncategorised,
           payer_adjustments, duplicates, pendings, recoded, adjudicated_code, remark_codes
    FROM claim_events
),
classified AS (
    SELECT *,
           CASE WHEN is_reversal THEN 'reversal'
                WHEN paid = 0 AND duplicates > 0 THEN 'duplicate'
                WHEN paid = 0 AND patient_resp = 0 AND pendings > 0
                     AND pendings = payer_adjustments THEN 'pended'
                ELSE 'adjudication' END AS answer
    FROM events
)
SELECT claim_line_id, remit_claim_id, remit_line_id, remit_id, payment_date, status_code,
       is_reversal, is_secondary, charge, paid, allowed, patient_resp,
       CASE WHEN denied THEN coalesce(denial, uncategorised).carc END AS denial_carc,
       CASE WHEN denied THEN coalesce(denial, uncategorised).grp END AS denial_group,
       recoded, adjudicated_code, remark_codes,
       CASE WHEN NOT denied THEN NULL
            WHEN denial IS NOT NULL THEN d.category
            ELSE 'uncategorised' END AS denial_category,
       denied, answer, answer = 'adjudication' AS settles,
       row_number() OVER (PARTITION BY claim_line_id
                          ORDER BY payment_date, remit_id, remit_claim_id) AS event_order
FROM (
    SELECT *,
           answer = 'adjudication' AND charge > 0 AND paid = 0 AND patient_resp = 0
               AND (denial IS NOT NULL OR uncategorised IS NOT NULL) AS denied
    FROM classified
) e
LEFT JOIN denial_category d ON d.carc = e.denial.carc;
COMMENT ON TABLE adjudication_event IS 'One row per claim line and claim payment (CLP) concerning it, in time order (event_order): an adjudication, a reversal, a duplicate-claim answer or a pended answer (answer).';
COMMENT ON COLUMN adjudication_event.claim_line_id IS 'The claim line (the line that stands for the service).';
COMMENT ON COLUMN adjudication_event.remit_claim_id IS 'The claim payment (CLP).';
COMMENT ON COLUMN adjudication_event.remit_line_id IS 'The (first) line payment (SVC) answering the line; NULL for a claim payment without lines, shared by charge.';
COMMENT ON COLUMN adjudication_event.remit_id IS 'The payment.';
COMMENT ON COLUMN adjudication_event.payment_date IS 'BPR16 of the payment.';
COMMENT ON COLUMN adjudication_event.status_code IS 'CLP02.';
COMMENT ON COLUMN adjudication_event.is_reversal IS 'CLP02 = 22: amounts are negated.';
COMMENT ON COLUMN adjudication_event.is_secondary IS 'Paid by another payer than the claim''s (crossover, or the practice''s own secondary billing).';
COMMENT ON COLUMN adjudication_event.charge IS 'Charge of the line on this event.';
COMMENT ON COLUMN adjudication_event.paid IS 'Paid on the line by this event (a claim payment''s share excludes its AMT*I interest).';
COMMENT ON COLUMN adjudication_event.allowed IS 'Allowed: AMT*B6, else charge minus CO/OA/PI adjustments.';
COMMENT ON COLUMN adjudication_event.patient_resp IS 'PR adjustments (deductible, coinsurance, copay).';
COMMENT ON COLUMN adjudication_event.denial_carc IS 'On a denied event: the largest CO/OA/PI adjustment whose CARC is a denial (line level, else claim level; on a tie the earlier CAS segment, then the lower code), else the largest whose CARC is in no category.';
COMMENT ON COLUMN adjudication_event.denial_group IS 'Its group code (CO, OA, PI).';
COMMENT ON COLUMN adjudication_event.recoded IS 'The payer recoded the line (SVC06 present).';
COMMENT ON COLUMN adjudication_event.adjudicated_code IS 'The code the payer paid when it recoded.';
COMMENT ON COLUMN adjudication_event.remark_codes IS 'Remark codes (LQ, MOA, MIA) of the event, comma-separated; NULL when it has none.';
COMMENT ON COLUMN adjudication_event.denial_category IS 'Category of denial_carc; uncategorised when its CARC is in no category.';
COMMENT ON COLUMN adjudication_event.denied IS 'Denied adjudication: an adjudication with charge > 0, paid 0, no patient share and a denial CARC (or a CARC in no category).';
COMMENT ON COLUMN adjudication_event.answer IS 'adjudication, reversal (CLP02 22), duplicate (a duplicate-claim answer, CARC 18, nothing paid) or pended (CARC 133 alone, nothing paid).';
COMMENT ON COLUMN adjudication_event.settles IS 'answer = adjudication: the event decides the line (until a reversal cancels it).';
COMMENT ON COLUMN adjudication_event.event_order IS '1, 2, ... in payment date order.';
