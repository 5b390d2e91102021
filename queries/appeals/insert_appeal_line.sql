INSERT INTO appeal_line (appeal_id, claim_line_id, line_number, procedure_code, service_date,
                         charge, at_stake, denial_carc, denial_category, denial_date)
VALUES ($appeal_id, $claim_line_id, $line_number, $procedure_code, $service_date, $charge,
        $at_stake, $denial_carc, $denial_category, $denial_date);
