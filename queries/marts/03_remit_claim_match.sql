-- Each claim payment (CLP) matched to one claim in force. A payer's CLP matches its own claim
-- with the same CLP01 = CLM01. Another payer's CLP matches on CLP01 alone when it answers as
-- secondary or tertiary (CLP02 2, 3, 20, 21: a crossover), and so does that payer's reversal
-- (CLP02 22) of such an answer, so that it nets against the same payer's earlier payment. Among
-- several candidates the payer's own claim wins, then the claim that stands for the service,
-- then the lowest claim_id. is_secondary: the payer is not the payer of the service's claim.
CREATE OR REPLACE TABLE remit_claim_match AS
WITH payments AS (
    SELECT rc.remit_claim_id, rc.remit_id, rc.patient_control_number, rc.status_code,
           rc.is_reversal, rc.payer_claim_number, r.payer_id, r.payment_date
    FROM remit_claim rc
    JOIN remit r USING (remit_id)
),
crossover AS (
    SELECT DISTINCT payer_id, patient_control_number
    FROM payments
    WHERE status_code IN ('2', '3', '20', '21')
),
candidates AS (
    SELECT p.*, f.claim_id, f.service_claim_id, f.payer_id = p.payer_id AS own_claim,
           row_number() OVER (
               PARTITION BY p.remit_claim_id
               ORDER BY f.payer_id = p.payer_id DESC, f.claim_id = f.service_claim_id DESC,
                        f.claim_id
           ) AS preference
    FROM payments p
    JOIN claim_in_force f
      ON f.patient_control_number = p.patient_control_number
     AND (f.payer_id = p.payer_id
          OR p.status_code IN ('2', '3', '20', '21')
          OR (p.is_reversal AND EXISTS (
                  SELECT 1 FROM crossover x
                  WHERE x.payer_id = p.payer_id
                    AND x.patient_control_number = p.patient_control_number)))
)
SELECT c.remit_claim_id, c.remit_id, c.claim_id, c.payment_date, c.status_code, c.is_reversal,
       c.payer_claim_number, c.payer_id <> s.payer_id AS is_secondary
FROM candidates c
JOIN claim_in_force s ON s.claim_id = c.service_claim_id
WHERE c.preference = 1;
COMMENT ON TABLE remit_claim_match IS 'Each claim payment (CLP) matched to one claim in force: the payer''s own claim with CLP01 = CLM01, else (a crossover answer CLP02 2/3/20/21, or that payer''s reversal of one) the claim with that CLM01.';
COMMENT ON COLUMN remit_claim_match.remit_claim_id IS 'remit_claim.remit_claim_id.';
COMMENT ON COLUMN remit_claim_match.remit_id IS 'remit.remit_id of the payment.';
COMMENT ON COLUMN remit_claim_match.claim_id IS 'The claim in force it answers.';
COMMENT ON COLUMN remit_claim_match.payment_date IS 'BPR16 of the payment.';
COMMENT ON COLUMN remit_claim_match.status_code IS 'CLP02.';
COMMENT ON COLUMN remit_claim_match.is_reversal IS 'CLP02 = 22.';
COMMENT ON COLUMN remit_claim_match.payer_claim_number IS 'CLP07.';
COMMENT ON COLUMN remit_claim_match.is_secondary IS 'TRUE when the payer is not the payer of the claim that stands for the service (crossover, or a claim the practice billed to a secondary payer).';
