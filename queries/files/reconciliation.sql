-- Each 835 file's payments, and where their dollars went (remit_reconciliation): attributed to
-- claim lines, or left unmatched with the reason. paid = attributed + every other column, to the
-- cent; difference shows any cent that would not add up (always 0.00).
WITH by_file AS (
    SELECT batch_id,
           sum(amount) FILTER (WHERE destination = 'attributed') AS attributed,
           sum(amount) FILTER (WHERE destination = 'interest') AS interest,
           sum(amount) FILTER (WHERE destination = 'claim_not_found') AS claim_not_found,
           sum(amount) FILTER (WHERE destination = 'line_not_matched') AS line_not_matched,
           sum(amount) FILTER (WHERE destination = 'claim_amount_not_in_lines')
               AS claim_amount_not_in_lines,
           sum(amount) FILTER (WHERE destination = 'voided_claim') AS voided_claim,
           sum(amount) FILTER (WHERE destination = 'provider_adjustment') AS provider_adjustment,
           sum(amount) FILTER (WHERE destination = 'payment_imbalance') AS payment_imbalance,
           sum(amount) AS accounted
    FROM remit_reconciliation
    GROUP BY batch_id
),
paid AS (
    SELECT batch_id, count(*) AS payments, sum(payment_amount) AS paid
    FROM remit
    GROUP BY batch_id
)
SELECT b.file_name, p.payments, p.paid,
       coalesce(f.attributed, 0) AS attributed, coalesce(f.interest, 0) AS interest,
       coalesce(f.claim_not_found, 0) AS claim_not_found,
       coalesce(f.line_not_matched, 0) AS line_not_matched,
       coalesce(f.claim_amount_not_in_lines, 0) AS claim_amount_not_in_lines,
       coalesce(f.voided_claim, 0) AS voided_claim,
       coalesce(f.provider_adjustment, 0) AS provider_adjustment,
       coalesce(f.payment_imbalance, 0) AS payment_imbalance,
       p.paid - coalesce(f.accounted, 0) AS difference
FROM paid p
JOIN load_batch b USING (batch_id)
LEFT JOIN by_file f USING (batch_id)
ORDER BY b.loaded_at DESC, b.batch_id DESC;
