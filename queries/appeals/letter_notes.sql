-- The treatment notes behind one claim's finally denied lines: the clinician, the signature and
-- each documentation element found (with the phrase that showed it) or missing.
SELECT DISTINCT n.note_id, n.service_date, n.provider_npi, n.provider_name, n.credentials,
       n.minutes, n.signed_date, n.elements_source,
       n.has_description, n.description_evidence, n.has_purpose, n.purpose_evidence,
       n.has_duration, n.duration_evidence, n.has_rationale, n.rationale_evidence,
       n.has_credentials, n.credentials_evidence, n.has_involvement, n.involvement_evidence
FROM line_adjudication a
JOIN treatment_note n USING (note_id)
WHERE a.claim_id = $claim_id AND a.adjudicated AND a.final_denied
ORDER BY n.service_date, n.note_id;
