-- Every version of one claim as billed (original, replacements, void), oldest first, with the
-- one in force marked. $claim_id is any version's claim_id.
WITH chosen AS (
    SELECT payer_id, patient_control_number FROM claim WHERE claim_id = $claim_id
)
SELECT c.claim_id, c.frequency_code, c.patient_control_number, c.created_date, c.payer_id,
       c.payer_name, c.claim_filing_indicator, c.billing_npi, c.billing_name, c.rendering_npi,
       c.rendering_name, c.service_facility_name, c.place_of_service, c.total_charge,
       c.prior_authorization, c.referral_number, c.original_claim_number, c.diagnosis_codes,
       c.claim_note, c.subscriber_member_id, c.patient_last_name, c.patient_first_name,
       c.patient_birth_date, b.file_name, c.source_position,
       f.claim_id IS NOT NULL AS in_force
FROM claim c
JOIN chosen USING (payer_id, patient_control_number)
JOIN load_batch b USING (batch_id)
LEFT JOIN claim_in_force f ON f.claim_id = c.claim_id
ORDER BY c.created_date, c.claim_id;
