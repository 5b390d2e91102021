-- Each claim payment (CLP) matched to the claim in force: same payer and CLP01 = CLM01; a
-- secondary or tertiary payer's CLP (status 2/3, a crossover) matches on CLP01 alone.
CREATE OR REPLACE TABLE remit_claim_match AS
SELECT rc.remit_claim_id, rc.remit_id, f.claim_id, r.payment_date, rc.status_code,
       rc.is_reversal, rc.payer_claim_number, r.payer_id <> f.payer_id AS is_secondary
FROM remit_claim rc
JOIN remit r USING (remit_id)
JOIN claim_in_force f
  ON f.patient_control_number = rc.patient_control_number
 AND (f.payer_id = r.payer_id OR rc.status_code IN ('2', '3'));
COMMENT ON TABLE remit_claim_match IS 'Each claim payment (CLP) matched to the claim in force (same payer and CLP01; a secondary''s CLP02 2/3 on CLP01 alone).';
COMMENT ON COLUMN remit_claim_match.remit_claim_id IS 'remit_claim.remit_claim_id.';
COMMENT ON COLUMN remit_claim_match.remit_id IS 'remit.remit_id of the payment.';
COMMENT ON COLUMN remit_claim_match.claim_id IS 'The claim in force it pays.';
COMMENT ON COLUMN remit_claim_match.payment_date IS 'BPR16 of the payment.';
COMMENT ON COLUMN remit_claim_match.status_code IS 'CLP02.';
COMMENT ON COLUMN remit_claim_match.is_reversal IS 'CLP02 = 22.';
COMMENT ON COLUMN remit_claim_match.payer_claim_number IS 'CLP07.';
COMMENT ON COLUMN remit_claim_match.is_secondary IS 'TRUE when the payer is not the claim''s payer (crossover, secondary).';
