INSERT INTO audit_sample_line (sample_id, claim_line_id, stratum, selection_order, paid_amount)
VALUES ($sample_id, $claim_line_id, $stratum, $selection_order, $paid_amount);
