-- The claims in force with this CLM01 (at this payer, when one is given): more than one row
-- means the CLM01 is ambiguous without the payer.
SELECT DISTINCT claim_id, payer_id, payer_name, patient_control_number
FROM line_adjudication
WHERE patient_control_number = $patient_control_number
  AND ($payer_id IS NULL OR payer_id = $payer_id)
ORDER BY payer_id, claim_id;
