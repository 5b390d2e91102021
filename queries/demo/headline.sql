-- Headline figures for the demo summary, straight from the base tables (the metric definitions
-- of DESIGN.md arrive with the metrics module): what was billed on the target code and what the
-- remittances say about it.
WITH billed AS (
    SELECT count(*) AS lines, sum(charge) AS charges
    FROM claim_line
    WHERE procedure_code = $code
),
remitted AS (
    SELECT count(*) AS lines,
           sum(paid_amount) AS paid,
           count(*) FILTER (WHERE paid_amount = 0) AS zero_paid
    FROM remit_line
    WHERE coalesce(submitted_procedure_code, procedure_code) = $code
)
SELECT billed.lines, billed.charges, remitted.lines, remitted.paid, remitted.zero_paid,
       (SELECT sum(payment_amount) FROM remit) AS payments,
       (SELECT count(*) FROM claim) AS claims,
       (SELECT count(*) FROM remit_claim) AS claim_payments
FROM billed, remitted;
