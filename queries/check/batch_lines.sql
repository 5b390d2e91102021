-- The lines of the target codes ($codes) on the claims of the batches being checked ($batches):
-- what the claim says, what the visit's note shows (with the phrase that showed each element)
-- and the line's prior authorization. A claim of the batch that is not in force (a second
-- original of a claim already sent: the payer answers it as a duplicate) is listed all the same,
-- with what its own lines say and the visit's note (matched on CLM01 and date of service, as the
-- marts match notes); sent_before says why it is not in force.
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
       coalesce(a.note_found, n.note_id IS NOT NULL) AS note_found, n.note_id,
       coalesce(a.has_description, n.has_description) AS has_description, n.description_evidence,
       coalesce(a.has_purpose, n.has_purpose) AS has_purpose, n.purpose_evidence,
       coalesce(a.has_duration, n.has_duration) AS has_duration, n.duration_evidence,
       coalesce(a.has_rationale, n.has_rationale) AS has_rationale, n.rationale_evidence,
       coalesce(a.has_credentials, n.has_credentials) AS has_credentials, n.credentials_evidence,
       coalesce(a.has_involvement, n.has_involvement) AS has_involvement, n.involvement_evidence,
       coalesce(a.elements_present, n.elements_present, 0) AS elements_present,
       coalesce(a.documentation_complete, FALSE) AS documentation_complete,
       coalesce(cl.prior_authorization, c.prior_authorization) AS prior_authorization,
       a.claim_line_id IS NOT NULL AS in_force, c.batch_id
FROM claim c
JOIN claim_line cl USING (claim_id)
LEFT JOIN line_adjudication a USING (claim_line_id)
LEFT JOIN treatment_note n ON n.note_id = CASE WHEN a.claim_line_id IS NOT NULL THEN a.note_id ELSE (
    SELECT min(t.note_id) FROM treatment_note t
    WHERE t.patient_control_number = c.patient_control_number AND t.service_date = cl.service_date
) END
WHERE list_contains($batches, c.batch_id)
  AND list_contains($codes, upper(cl.procedure_code))
ORDER BY c.patient_control_number, cl.line_number, cl.claim_line_id;
