-- The lines of the target codes ($codes) on the claims of the batches being checked ($batches):
-- what the claim says, what the visit's note shows (with the phrase that showed each element)
-- and the line's prior authorization. A claim of the batch that is not in force (a second
-- original of a claim already sent: the payer answers it as a duplicate) is listed all the same,
-- with what its own lines say; its note and figures are those of no line (sent_before says why).
SELECT cl.claim_line_id, c.claim_id, c.patient_control_number, cl.line_number, c.payer_id,
       coalesce(a.payer_name, c.payer_name) AS payer_name,
       coalesce(a.rendering_npi, cl.rendering_npi) AS rendering_npi,
       coalesce(a.rendering_name, cl.rendering_name) AS rendering_name,
       cl.service_date, upper(cl.procedure_code) AS procedure_code,
       coalesce(a.modifiers, concat_ws(':', cl.modifier_1, cl.modifier_2, cl.modifier_3,
                                       cl.modifier_4)) AS modifiers,
       coalesce(cl.units, 1) AS units, cl.charge, cl.description, cl.line_note,
       coalesce(a.narrative_present,
                nullif(trim(coalesce(cl.description, cl.line_note, '')), '') IS NOT NULL)
           AS narrative_present,
       coalesce(a.narrative_required, list_contains($narrative_codes, upper(cl.procedure_code)))
           AS narrative_required,
       coalesce(a.note_found, FALSE) AS note_found, a.note_id,
       a.has_description, n.description_evidence, a.has_purpose, n.purpose_evidence,
       a.has_duration, n.duration_evidence, a.has_rationale, n.rationale_evidence,
       a.has_credentials, n.credentials_evidence, a.has_involvement, n.involvement_evidence,
       coalesce(a.elements_present, 0) AS elements_present,
       coalesce(a.documentation_complete, FALSE) AS documentation_complete,
       coalesce(cl.prior_authorization, c.prior_authorization) AS prior_authorization,
       a.claim_line_id IS NOT NULL AS in_force, c.batch_id
FROM claim c
JOIN claim_line cl USING (claim_id)
LEFT JOIN line_adjudication a USING (claim_line_id)
LEFT JOIN treatment_note n ON n.note_id = a.note_id
WHERE list_contains($batches, c.batch_id)
  AND list_contains($codes, upper(cl.procedure_code))
ORDER BY c.patient_control_number, cl.line_number, cl.claim_line_id;
