-- Every appealed line with its outcome (appeal_outcome) and the line's columns the filters
-- choose by (queries/metrics.py in_scope), for the appeal figures and `unlisted appeal list`.
SELECT o.appeal_id, o.payer_id, o.patient_control_number, o.sent_date, o.level, o.recorded_at,
       o.claim_line_id, o.line_number, o.procedure_code, o.service_date, o.charge, o.at_stake,
       o.denial_carc, o.denial_category, o.denial_date, o.outcome, o.answered, o.closed_date,
       o.days_open, o.paid, o.answer_carc, o.answer_group,
       a.payer_name, a.rendering_npi, a.location, a.first_remit_date,
       a.modifier_1, a.modifier_2, a.modifier_3, a.modifier_4
FROM appeal_outcome o
LEFT JOIN line_adjudication a USING (claim_line_id)
ORDER BY o.appeal_id, o.line_number, o.claim_line_id;
