-- The lines of one claim version as billed, with what the remittances made of each.
SELECT l.claim_line_id, l.line_number, l.line_control_number, l.procedure_code,
       concat_ws(':', l.modifier_1, l.modifier_2, l.modifier_3, l.modifier_4) AS modifiers,
       l.description, l.line_note, l.charge, l.units, l.service_date, l.rendering_npi,
       l.prior_authorization,
       a.adjudicated, a.initial_denied, a.initial_denial_carc, a.final_denied, a.overturned,
       a.net_paid, a.allowed, a.expected_allowed, a.patient_responsibility, a.recoded,
       a.adjudicated_code, a.documentation_complete, a.elements_present, a.narrative_present,
       a.note_id, a.has_description, a.has_purpose, a.has_duration, a.has_rationale,
       a.has_credentials, a.has_involvement, a.narrative_required
FROM claim_line l
LEFT JOIN line_adjudication a USING (claim_line_id)
WHERE l.claim_id = $claim_id
ORDER BY l.line_number;
