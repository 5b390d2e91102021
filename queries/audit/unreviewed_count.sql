-- How many lines of one audit sample have no review result yet.
SELECT count(*)
FROM audit_sample_line s
LEFT JOIN audit_review r USING (sample_id, claim_line_id)
WHERE s.sample_id = $sample_id AND r.sample_id IS NULL;
