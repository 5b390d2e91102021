-- The lines of one audit sample with their paid amount at sampling time.
SELECT claim_line_id, paid_amount FROM audit_sample_line WHERE sample_id = $sample_id;
