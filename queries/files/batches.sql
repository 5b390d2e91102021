-- Every loaded file, newest first, with its counts and outcome.
SELECT batch_id, file_name, kind, status, loaded_at, interchange_control_number, file_bytes,
       transactions, claims, lines, total_charge, total_paid, warnings, rejects, message
FROM load_batch ORDER BY loaded_at DESC, batch_id DESC;
