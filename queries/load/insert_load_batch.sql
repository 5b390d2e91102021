INSERT INTO load_batch (
    batch_id, file_name, sha256, kind, interchange_control_number, sender_id, receiver_id,
    status, file_bytes, segments, transactions, claims, lines, total_charge, total_paid,
    warnings, rejects, message
) VALUES (
    $batch_id, $file_name, $sha256, $kind, $control, $sender, $receiver,
    $status, $file_bytes, $segments, $transactions, $claims, $lines, $total_charge, $total_paid,
    $warnings, $rejects, $message
);
