-- Claims of the batches being checked ($batches) that the practice already sent: an original
-- (frequency 1) with the payer and CLM01 of a claim loaded from an earlier file. The payer
-- answers a second original as a duplicate (CARC 18); a changed claim goes as a replacement
-- (frequency 7) naming the payer's claim number. One row per claim line of the target codes.
WITH earlier AS (
    SELECT c.payer_id, c.patient_control_number, min(b.loaded_at) AS first_loaded,
           arg_min(b.file_name, b.loaded_at) AS first_file
    FROM claim c
    JOIN load_batch b USING (batch_id)
    WHERE NOT list_contains($batches, c.batch_id)
    GROUP BY ALL
)
SELECT cl.claim_line_id, 'sent_before' AS rule,
       'Claim already sent: a second original is answered as a duplicate' AS rule_label,
       'high' AS severity,
       'CLM01 ' || c.patient_control_number || ' to ' || c.payer_id || ' was loaded from '
       || e.first_file || ' on ' || strftime(e.first_loaded, '%Y-%m-%d')
       || '; this copy is an original (frequency ' || coalesce(c.frequency_code, '1') || ')'
           AS evidence
FROM claim c
JOIN claim_line cl USING (claim_id)
JOIN earlier e USING (payer_id, patient_control_number)
WHERE list_contains($batches, c.batch_id)
  AND coalesce(c.frequency_code, '1') = '1'
  AND list_contains($codes, upper(cl.procedure_code))
ORDER BY cl.claim_line_id;
