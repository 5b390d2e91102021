-- Where every dollar of every 835 payment went: one row per payment (remit) and destination.
-- For each payment the amounts add up to BPR02 to the cent:
--   attributed              line shares of claim payments matched to a line in force
--   interest                prompt-pay interest inside CLP04 (AMT*I): reported, never a line's
--   claim_not_found         CLP04 (less interest) of a claim payment whose CLP01 matches no claim
--   line_not_matched        SVC03 of a line payment that matches no line of its claim
--   claim_amount_not_in_lines  CLP04 (less interest) minus the SVC03s of a claim paid by line
--   voided_claim            line shares of a claim whose version in force is a void
--   provider_adjustment     minus the PLB amounts (recoupments, interest, forwarding balances)
--   payment_imbalance       BPR02 minus (sum of CLP04 minus sum of PLB) when the file does not
--                           balance (a data-quality finding, never absorbed elsewhere)
CREATE OR REPLACE TABLE remit_reconciliation AS
WITH lines_in_force AS (
    SELECT claim_line_id FROM line_adjudication
),
matched_claims AS (
    SELECT rc.remit_claim_id, rc.remit_id, rc.paid_amount, coalesce(rc.interest_amount, 0) AS interest,
           m.remit_claim_id IS NOT NULL AS matched,
           EXISTS (SELECT 1 FROM remit_line l WHERE l.remit_claim_id = rc.remit_claim_id) AS by_line
    FROM remit_claim rc
    LEFT JOIN remit_claim_match m USING (remit_claim_id)
),
parts AS (
    SELECT e.remit_id,
           CASE WHEN f.claim_line_id IS NOT NULL THEN 'attributed' ELSE 'voided_claim' END AS destination,
           NULL::VARCHAR AS code, e.paid AS amount
    FROM adjudication_event e
    LEFT JOIN lines_in_force f USING (claim_line_id)
    UNION ALL
    SELECT remit_id, 'interest', NULL, interest FROM matched_claims WHERE interest <> 0
    UNION ALL
    SELECT remit_id, 'claim_not_found', NULL, paid_amount - interest
    FROM matched_claims WHERE NOT matched
    UNION ALL
    SELECT c.remit_id, 'claim_amount_not_in_lines', NULL,
           c.paid_amount - c.interest - coalesce(sum(l.paid_amount), 0)
    FROM matched_claims c
    JOIN remit_line l USING (remit_claim_id)
    WHERE c.matched
    GROUP BY c.remit_claim_id, c.remit_id, c.paid_amount, c.interest
    UNION ALL
    SELECT c.remit_id, 'line_not_matched', NULL, l.paid_amount
    FROM matched_claims c
    JOIN remit_line l USING (remit_claim_id)
    WHERE c.matched
      AND NOT EXISTS (SELECT 1 FROM remit_line_match lm WHERE lm.remit_line_id = l.remit_line_id)
    UNION ALL
    SELECT remit_id, 'provider_adjustment', reason_code, -amount FROM provider_adjustment
    UNION ALL
    SELECT r.remit_id, 'payment_imbalance', NULL,
           r.payment_amount
           - coalesce((SELECT sum(paid_amount) FROM remit_claim rc WHERE rc.remit_id = r.remit_id), 0)
           + coalesce((SELECT sum(amount) FROM provider_adjustment p WHERE p.remit_id = r.remit_id), 0)
    FROM remit r
)
SELECT r.remit_id, r.batch_id, r.payer_id, r.payment_date, r.trace_number,
       r.payment_amount, p.destination, p.code,
       sum(p.amount)::DECIMAL(18, 2) AS amount, count(*) AS items
FROM parts p
JOIN remit r USING (remit_id)
GROUP BY ALL
HAVING sum(p.amount) <> 0 OR p.destination = 'attributed';
COMMENT ON TABLE remit_reconciliation IS 'Where every dollar of each 835 payment went (one row per payment and destination): the amounts of a payment add up to its BPR02 to the cent.';
COMMENT ON COLUMN remit_reconciliation.remit_id IS 'remit.remit_id of the payment.';
COMMENT ON COLUMN remit_reconciliation.batch_id IS 'load_batch.batch_id of its file.';
COMMENT ON COLUMN remit_reconciliation.payer_id IS 'Payer of the payment.';
COMMENT ON COLUMN remit_reconciliation.payment_date IS 'BPR16.';
COMMENT ON COLUMN remit_reconciliation.trace_number IS 'TRN02 check or EFT number.';
COMMENT ON COLUMN remit_reconciliation.payment_amount IS 'BPR02 of the payment (the same on each of its rows).';
COMMENT ON COLUMN remit_reconciliation.destination IS 'attributed (to claim lines in force), interest (AMT*I), claim_not_found, line_not_matched, claim_amount_not_in_lines, voided_claim, provider_adjustment (PLB) or payment_imbalance.';
COMMENT ON COLUMN remit_reconciliation.code IS 'PLB adjustment reason (WO, L6, FB, ...) for provider_adjustment rows.';
COMMENT ON COLUMN remit_reconciliation.amount IS 'Dollars of the payment that went there (negative for recoupments).';
COMMENT ON COLUMN remit_reconciliation.items IS 'How many line shares, claim payments or adjustments make the amount.';
