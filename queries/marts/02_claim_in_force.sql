-- The version of each claim (payer + patient control number) that is in force: the latest
-- replacement (7) or void (8) supersedes the original; among originals the first submission
-- counts, later copies being duplicates.
-- A claim the practice bills to a secondary or tertiary payer itself (SBR01 S or T) with the
-- CLM01 of a claim in force at another payer is the same service billed again: its
-- service_claim_id names that other claim (the primary's, else the lowest claim_id), whose lines
-- carry the service in every figure; its remittances count as that payer's money on them.
CREATE OR REPLACE TABLE claim_in_force AS
WITH versions AS (
    SELECT claim_id, payer_id, patient_control_number, frequency_code, payer_responsibility,
           billing_npi,
           row_number() OVER (
               PARTITION BY payer_id, patient_control_number
               ORDER BY (frequency_code IN ('7', '8')) DESC,
                        CASE WHEN frequency_code IN ('7', '8') THEN created_date END DESC NULLS LAST,
                        CASE WHEN frequency_code IN ('7', '8') THEN -claim_id ELSE claim_id END
           ) AS version_rank
    FROM claim
),
in_force AS (
    SELECT * EXCLUDE (version_rank),
           coalesce(payer_responsibility, 'P') NOT IN ('S', 'T') AS billed_as_primary
    FROM versions
    WHERE version_rank = 1
),
primary_claim AS (
    -- One claim in force billed as primary per CLM01 and billing provider (the lowest id).
    SELECT patient_control_number, billing_npi, min(claim_id) AS claim_id
    FROM in_force
    WHERE billed_as_primary AND frequency_code IS DISTINCT FROM '8'
    GROUP BY ALL
)
SELECT f.claim_id, f.payer_id, f.patient_control_number, f.frequency_code = '8' AS voided,
       CASE WHEN NOT f.billed_as_primary AND p.claim_id IS NOT NULL THEN p.claim_id
            ELSE f.claim_id END AS service_claim_id
FROM in_force f
LEFT JOIN primary_claim p
  ON p.patient_control_number = f.patient_control_number
 AND p.billing_npi IS NOT DISTINCT FROM f.billing_npi
 AND p.claim_id <> f.claim_id;
COMMENT ON TABLE claim_in_force IS 'The version of each claim that counts: the latest replacement (7) or void (8), else the first original; a claim billed to a secondary payer with the CLM01 of another claim in force points at that claim (service_claim_id).';
COMMENT ON COLUMN claim_in_force.claim_id IS 'claim.claim_id of the version in force.';
COMMENT ON COLUMN claim_in_force.payer_id IS 'Payer of the claim.';
COMMENT ON COLUMN claim_in_force.patient_control_number IS 'CLM01.';
COMMENT ON COLUMN claim_in_force.voided IS 'TRUE when the version in force is a void (8): its lines leave the metrics.';
COMMENT ON COLUMN claim_in_force.service_claim_id IS 'The claim whose lines stand for the service: itself, or for a claim the practice billed to a secondary payer (SBR01 S/T) with the CLM01 and billing provider of a claim billed as primary, that claim.';
