-- Every audit sample drawn, newest first, with how many of its lines are reviewed.
SELECT s.sample_id, s.created_at, s.method, s.stratify_by, s.seed, s.sample_size, s.frame_size,
       s.frame_total_paid, count(r.claim_line_id) AS reviewed
FROM audit_sample s
LEFT JOIN audit_review r USING (sample_id)
GROUP BY ALL
ORDER BY s.sample_id DESC;
