INSERT INTO audit_review (sample_id, claim_line_id, audited_amount, in_error, note, reviewed_at)
VALUES ($sample_id, $claim_line_id, $audited_amount, $in_error, $note, $reviewed_at);
