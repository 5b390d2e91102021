INSERT INTO appeal (appeal_id, payer_id, patient_control_number, claim_id, sent_date, level,
                    note, recorded_at)
VALUES ($appeal_id, $payer_id, $patient_control_number, $claim_id, $sent_date, $level, $note,
        $recorded_at);
