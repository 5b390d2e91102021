-- One claim in force, as an appeal letter names it: the payer, the patient and member id the
-- payer knows the claim by, the providers, authorization and referral numbers, the claim note,
-- and the payer's claim control numbers (CLP07) from its remittances.
SELECT c.claim_id, c.patient_control_number, c.payer_id, c.payer_name, c.place_of_service,
       c.subscriber_member_id, c.patient_last_name, c.patient_first_name, c.patient_birth_date,
       c.subscriber_last_name, c.subscriber_first_name,
       c.billing_npi, c.billing_name, c.billing_taxonomy,
       c.rendering_npi, c.rendering_name, c.rendering_taxonomy,
       c.prior_authorization, c.referral_number, c.diagnosis_codes, c.claim_note,
       (SELECT list(DISTINCT m.payer_claim_number ORDER BY m.payer_claim_number)
        FROM remit_claim_match m
        WHERE m.claim_id = c.claim_id AND NOT m.is_secondary
          AND m.payer_claim_number IS NOT NULL) AS payer_claim_numbers
FROM claim c
WHERE c.claim_id = $claim_id;
