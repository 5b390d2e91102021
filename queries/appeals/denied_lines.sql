-- The finally denied lines of one claim in force: what `unlisted appeal mark` records as
-- appealed, with what is at stake (the contract's expected allowed, else the charge, as on the
-- appeal worklist).
SELECT a.claim_line_id, c.line_number, a.procedure_code, a.service_date, a.charge,
       coalesce(a.expected_allowed, a.charge) AS at_stake, a.final_denial_carc AS denial_carc,
       a.final_denial_category AS denial_category, a.final_denial_date AS denial_date
FROM line_adjudication a
JOIN claim_line c USING (claim_line_id)
WHERE a.claim_id = $claim_id AND a.adjudicated AND a.final_denied
ORDER BY c.line_number, a.claim_line_id;
