DELETE FROM audit_review WHERE sample_id = $sample_id AND claim_line_id = $claim_line_id;
