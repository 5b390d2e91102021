-- contract_in_force: the contract rate of each payer and target code in force at the as-of
-- date, and for a comparator contract the rate of its comparator code.
-- Grain: payer_id, code. Parameters: $codes (the billed codes), $as_of (DATE).
-- A payer's price is not a line's, so no line's modifier chooses among its rates: a rate for
-- any modifier wins over one for a single modifier, then the latest effective_from, then the
-- latest loaded. The comparator's rate is as line_adjudication takes it: the same payer's fixed
-- rate of the comparator code for any modifier, in force at the as-of date (the latest
-- effective_from, then the latest loaded).
WITH rates AS (
    SELECT *
    FROM contract_rate
    WHERE list_contains($codes, code)
      AND $as_of BETWEEN effective_from AND coalesce(effective_to, DATE '9999-12-31')
    QUALIFY row_number() OVER (
        PARTITION BY payer_id, code
        ORDER BY (modifier IS NULL) DESC, effective_from DESC, contract_id DESC) = 1
),
comparator AS (
    SELECT r.payer_id, r.code, k.amount
    FROM rates r
    JOIN contract_rate k
      ON r.method = 'comparator'
     AND k.payer_id = r.payer_id
     AND k.code = r.comparator_code
     AND k.method = 'fixed'
     AND k.modifier IS NULL
     AND $as_of BETWEEN k.effective_from AND coalesce(k.effective_to, DATE '9999-12-31')
    QUALIFY row_number() OVER (
        PARTITION BY r.payer_id, r.code ORDER BY k.effective_from DESC, k.contract_id DESC) = 1
)
SELECT r.payer_id, r.payer_name, r.code, r.modifier, r.effective_from, r.effective_to,
       r.method AS contract_method, r.amount AS contract_amount,
       CASE WHEN r.method = 'comparator' THEN r.comparator_code END AS contract_comparator_code,
       round(CASE r.method WHEN 'fixed' THEN r.amount WHEN 'comparator' THEN c.amount END,
             2)::DECIMAL(18, 2) AS contract_per_unit
FROM rates r
LEFT JOIN comparator c USING (payer_id, code)
ORDER BY r.payer_id, r.code;
