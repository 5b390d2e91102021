-- Every remittance event of one claim's lines, in time order: payments, denials, reversals,
-- corrections and secondary payments, with adjustments and remarks spelled out.
WITH line_adjustments AS (
    SELECT remit_line_id,
           string_agg(group_code || '-' || reason_code || ' ' || amount, ', '
                      ORDER BY source_position) AS adjustments
    FROM adjustment WHERE remit_line_id IS NOT NULL GROUP BY remit_line_id
), claim_adjustments AS (
    SELECT remit_claim_id,
           string_agg(group_code || '-' || reason_code || ' ' || amount, ', '
                      ORDER BY source_position) AS adjustments
    FROM adjustment WHERE remit_line_id IS NULL GROUP BY remit_claim_id
)
SELECT e.payment_date, e.event_order, l.line_number, l.procedure_code, e.status_code,
       CASE e.status_code WHEN '1' THEN 'processed as primary' WHEN '2' THEN 'processed as secondary'
            WHEN '3' THEN 'processed as tertiary' WHEN '4' THEN 'denied'
            WHEN '19' THEN 'primary, forwarded' WHEN '20' THEN 'secondary, forwarded'
            WHEN '22' THEN 'reversal of previous payment' WHEN '23' THEN 'not our claim, forwarded'
            ELSE 'status ' || e.status_code END AS status,
       e.is_reversal, e.is_secondary, e.answer, r.payer_name, rc.payer_claim_number, r.trace_number,
       r.payment_method, e.charge, e.allowed, e.paid, e.patient_resp, e.denied,
       e.denial_carc, cl.label AS denial_label, e.denial_category, e.recoded, e.adjudicated_code,
       e.remark_codes, coalesce(la.adjustments, ca.adjustments) AS adjustments, b.file_name
FROM adjudication_event e
JOIN claim_line l USING (claim_line_id)
JOIN remit r USING (remit_id)
JOIN remit_claim rc USING (remit_claim_id)
JOIN load_batch b ON b.batch_id = r.batch_id
LEFT JOIN carc_label cl ON cl.code = e.denial_carc
LEFT JOIN line_adjustments la USING (remit_line_id)
LEFT JOIN claim_adjustments ca ON ca.remit_claim_id = e.remit_claim_id
WHERE l.claim_id = $claim_id
ORDER BY e.payment_date, e.event_order, l.line_number;
