-- Earlier loaded files that carried the same interchange (sender, receiver, ISA13) with other bytes.
SELECT batch_id, file_name
FROM load_batch
WHERE status = 'loaded'
  AND interchange_control_number = $control
  AND sender_id = $sender
  AND receiver_id = $receiver
  AND batch_id <> $batch_id
ORDER BY batch_id
LIMIT 1;
