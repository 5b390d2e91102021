-- The lines of one audit sample, in selection order, with what the mart says of them now and their
-- review result (NULL when not reviewed yet).
SELECT s.selection_order, s.claim_line_id, s.stratum, s.paid_amount,
       a.patient_control_number, a.payer_id, a.rendering_npi, a.location, a.service_date,
       a.procedure_code, a.charge,
       r.audited_amount, r.in_error, r.note, r.reviewed_at
FROM audit_sample_line s
LEFT JOIN line_adjudication a USING (claim_line_id)
LEFT JOIN audit_review r ON r.sample_id = s.sample_id AND r.claim_line_id = s.claim_line_id
WHERE s.sample_id = $sample_id
ORDER BY s.selection_order;
