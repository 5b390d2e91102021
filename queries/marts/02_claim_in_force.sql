-- The version of each claim (payer + patient control number) that is in force: the latest
-- replacement (7) or void (8) supersedes the original; among originals the first submission
-- counts, later copies being duplicates.
CREATE OR REPLACE TABLE claim_in_force AS
SELECT claim_id, payer_id, patient_control_number, frequency_code = '8' AS voided
FROM (
    SELECT claim_id, payer_id, patient_control_number, frequency_code,
           row_number() OVER (
               PARTITION BY payer_id, patient_control_number
               ORDER BY (frequency_code IN ('7', '8')) DESC,
                        CASE WHEN frequency_code IN ('7', '8') THEN created_date END DESC NULLS LAST,
                        CASE WHEN frequency_code IN ('7', '8') THEN -claim_id ELSE claim_id END
           ) AS version_rank
    FROM claim
)
WHERE version_rank = 1;
COMMENT ON TABLE claim_in_force IS 'The version of each claim that counts: the latest replacement (7) or void (8), else the first original.';
COMMENT ON COLUMN claim_in_force.claim_id IS 'claim.claim_id of the version in force.';
COMMENT ON COLUMN claim_in_force.payer_id IS 'Payer of the claim.';
COMMENT ON COLUMN claim_in_force.patient_control_number IS 'CLM01.';
COMMENT ON COLUMN claim_in_force.voided IS 'TRUE when the version in force is a void (8): its lines leave the metrics.';
